//go:build pcap

package filter

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// libpcapRejectsAll is libpcap's error for an expression that can match
// nothing on the link; this compiler either says the same or compiles a
// program that matches nothing, and the verdicts are compared either way.
const libpcapRejectsAll = "expression rejects all packets"

// TestSameVerdictsAsLibpcap compiles every expression with this package
// and with libpcap for every link type and compares the verdicts on every
// corpus packet.
func TestSameVerdictsAsLibpcap(t *testing.T) {
	pkts := corpus(t)
	compared := 0
	for _, l := range linkTypes {
		var frames [][]byte
		var names []string
		for _, p := range pkts {
			for _, vl := range l.vlans {
				if f, ok := p.frame(l.lt, vl...); ok {
					frames = append(frames, f)
					names = append(names, p.name+vlanName(vl))
				}
			}
		}
		for _, e := range append(expressions, longExpression) {
			theirs, theirErr := pcap.NewBPF(dlt(l.lt), DefaultSnaplen, e)
			ours, ourErr := NewMatcher(e, l.lt)
			switch {
			case theirErr != nil && strings.Contains(theirErr.Error(), libpcapRejectsAll):
				theirs = nil
			case theirErr != nil || ourErr != nil:
				if (theirErr == nil) != (ourErr == nil) {
					t.Errorf("%s %q: libpcap error %v, ours %v", l.lt, e, theirErr, ourErr)
				}
				continue
			}
			for i, f := range frames {
				want := theirs != nil && theirs.Matches(gopacket.CaptureInfo{CaptureLength: len(f), Length: len(f)}, f)
				got := ourErr == nil && ours.Match(f)
				if got != want {
					t.Errorf("%s %q on %s: ours %v, libpcap %v", l.lt, e, names[i], got, want)
				}
				compared++
			}
		}
	}
	t.Logf("%d verdicts compared", compared)
}

// dlt is the libpcap DLT_ value of a pcap file's LINKTYPE_ value; they
// differ for raw IP (LINKTYPE_RAW 101 is DLT_RAW, 12 on Linux).
func dlt(lt layers.LinkType) layers.LinkType {
	if lt == layers.LinkTypeRaw {
		return 12
	}
	return lt
}

func vlanName(v []uint16) string {
	if len(v) == 0 {
		return ""
	}
	var b strings.Builder
	for _, id := range v {
		b.WriteString(" vlan ")
		b.WriteString(strconv.Itoa(int(id)))
	}
	return b.String()
}

// TestCapturesAgainstLibpcap runs every frame of testdata/pcaps through
// real filters with both compilers.
func TestCapturesAgainstLibpcap(t *testing.T) {
	files, _ := filepath.Glob("../testdata/pcaps/*.pcap")
	if len(files) == 0 {
		t.Skip("no captures in testdata/pcaps")
	}
	filters := []string{
		"tcp port 21", "port 20 or 21", "tcp", "ip6", "host 10.0.0.1 or 192.168.1.10", "net 10.0.0.0/8",
		"tcp and not port 21", "vlan", "vlan and tcp port 21", "ip[6:2] & 0x3fff != 0", "portrange 1024-65535",
		"tcp[13] & 2 != 0", "(tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)) or (vlan and (tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)))",
	}
	frames := 0
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(fh)
		if err != nil {
			fh.Close()
			t.Logf("%s: %v (skipped)", name, err)
			continue
		}
		lt := r.LinkType()
		type matcher struct {
			expr   string
			ours   *Matcher
			theirs *pcap.BPF
		}
		var ms []matcher
		for _, f := range filters {
			theirs, terr := pcap.NewBPF(dlt(lt), DefaultSnaplen, f)
			ours, oerr := NewMatcher(f, lt)
			if terr != nil || oerr != nil {
				if (terr == nil) != (oerr == nil) && !strings.Contains(terr.Error(), libpcapRejectsAll) {
					t.Errorf("%s %q: libpcap error %v, ours %v", filepath.Base(name), f, terr, oerr)
				}
				continue
			}
			ms = append(ms, matcher{f, ours, theirs})
		}
		for n := 1; ; n++ {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			frames++
			for _, m := range ms {
				if got, want := m.ours.Match(data), m.theirs.Matches(ci, data); got != want {
					t.Errorf("%s frame %d %q: ours %v, libpcap %v", filepath.Base(name), n, m.expr, got, want)
				}
			}
		}
		fh.Close()
	}
	t.Logf("%d frames compared", frames)
}

// FuzzSameAsLibpcap compiles fuzzed expressions with both compilers; when
// both accept one, their verdicts must agree on every corpus frame.
func FuzzSameAsLibpcap(f *testing.F) {
	for _, e := range expressions {
		f.Add(e)
	}
	var frames [][]byte
	for _, p := range corpus(f) {
		for _, vl := range [][]uint16{nil, {5}} {
			if fr, ok := p.frame(layers.LinkTypeEthernet, vl...); ok {
				frames = append(frames, fr)
			}
		}
	}
	f.Fuzz(func(t *testing.T, expr string) {
		ours, err := NewMatcher(expr, layers.LinkTypeEthernet)
		if err != nil {
			return
		}
		theirs, err := pcap.NewBPF(layers.LinkTypeEthernet, DefaultSnaplen, expr)
		if err != nil {
			return // this compiler accepts a few forms libpcap does not ("net 10/8")
		}
		prog, _ := Compile(expr, layers.LinkTypeEthernet)
		reach := maxReach(prog)
		for _, fr := range frames {
			if len(fr) < reach {
				// A load past the end rejects the packet, and libpcap's
				// optimiser removes loads whose value cannot change the
				// verdict ("ip[0] = 0 or ip"): only whole reads compare.
				continue
			}
			if got, want := ours.Match(fr), theirs.Matches(gopacket.CaptureInfo{CaptureLength: len(fr), Length: len(fr)}, fr); got != want {
				t.Fatalf("%q on %x: ours %v, libpcap %v", expr, fr, got, want)
			}
		}
	})
}

// maxReach is the byte length a frame needs for every load of prog to be
// in bounds (an indirect load counts the longest IPv4 header, 60 bytes).
func maxReach(prog []bpf.Instruction) int {
	n := 0
	for _, in := range prog {
		switch in := in.(type) {
		case bpf.LoadAbsolute:
			n = max(n, int(in.Off)+in.Size)
		case bpf.LoadIndirect:
			n = max(n, int(in.Off)+in.Size+60)
		case bpf.LoadMemShift:
			n = max(n, int(in.Off)+1)
		}
	}
	return n
}
