package benchgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

const testTemplates = "../../../testdata/pcaps"

func gen(t testing.TB, cfg Config) ([]byte, Stats) {
	t.Helper()
	if cfg.TemplateDir == "" {
		cfg.TemplateDir = testTemplates
	}
	var buf bytes.Buffer
	st, err := Generate(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != st.Bytes {
		t.Fatalf("Stats.Bytes %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

// analyse runs the ftpsniff pipeline over a capture and returns one
// line per session that ignores addresses, ports and times: what must
// survive a replay.
func analyse(t testing.TB, src capture.Source) []string {
	t.Helper()
	var out []string
	cfg := decoder.DefaultConfig()
	cfg.OnSession = func(s *decoder.Session) { out = append(out, sessionKey(s)) }
	an := decoder.NewAnalyzer(cfg)
	asm := reassembly.NewAssembler(an, reassembly.DefaultLimits())
	pd := packet.NewDecoder()
	var p tcp.Segment
	var last capture.Frame
	for {
		f, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = f
		if ok, err := pd.Decode(f.LinkType, f.Data, f.TS, &p); err != nil {
			t.Fatalf("packet %d: %v", f.Number, err)
		} else if ok {
			asm.Process(&p)
		}
	}
	asm.Flush(last.TS)
	an.Finish()
	sort.Strings(out)
	return out
}

func str(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func num(p *int64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func sessionKey(s *decoder.Session) string {
	var b strings.Builder
	fmt.Fprintf(&b, "user=%s login=%s/%d mode=%s tls=%v cmds=%d end=%s notes=%v\n",
		str(s.User), s.Login, s.LoginCount, s.Mode, s.TLS, s.Commands, s.EndReason, s.Notes)
	for _, t := range s.Transfers {
		status := "-"
		if t.Status != nil {
			status = fmt.Sprint(*t.Status)
		}
		fmt.Fprintf(&b, "  %s %s %s %s/%s bytes=%s missing=%d size=%s status=%s complete=%v notes=%v\n",
			t.Command, str(t.Path), t.Direction, t.Mode, t.Negotiation, num(t.Bytes), t.MissingBytes, num(t.Size), status, t.Complete, t.Notes)
	}
	return b.String()
}

func openBytes(t testing.TB, b []byte) capture.Source {
	src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(b)})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestReplayKeepsEveryTemplatesMeaning: replayed once, each recorded
// capture gives the same sessions, logins, transfers, byte counts and
// notes as the original: the address, port and sequence rewriting (PORT,
// EPRT, 227, 229 included) is consistent.
func TestReplayKeepsEveryTemplatesMeaning(t *testing.T) {
	for _, name := range TemplateNames() {
		t.Run(name, func(t *testing.T) {
			orig, err := capture.OpenFiles([]string{testTemplates + "/" + name + ".pcap"}, capture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer orig.Close()
			want := analyse(t, orig)
			file, _ := gen(t, Config{FTPSessions: 1, Templates: []string{name}, Stretch: 1, Background: -1, Seed: 7})
			got := analyse(t, openBytes(t, file))
			if !slices.Equal(got, want) {
				t.Errorf("replay differs from the recording:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestStretchedTransfersStayConsistent: with every data connection body
// repeated, transfers grow, the sizes the servers announce follow, and
// no note appears that the recording did not have.
func TestStretchedTransfersStayConsistent(t *testing.T) {
	for _, name := range []string{"vsftpd-passive-300k", "vsftpd-anon-passive", "vsftpd-user-active-port20",
		"vsftpd-uploads", "ipv6-epsv-eprt", "vsftpd-anon-upload", "vsftpd-concurrent", "vsftpd-rest-resume"} {
		t.Run(name, func(t *testing.T) {
			orig, err := capture.OpenFiles([]string{testTemplates + "/" + name + ".pcap"}, capture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer orig.Close()
			want := analyse(t, orig)
			file, _ := gen(t, Config{FTPSessions: 1, Templates: []string{name}, Stretch: 5, Background: -1, Seed: 3})
			got := analyse(t, openBytes(t, file))
			if len(got) != len(want) {
				t.Fatalf("%d sessions, recording %d", len(got), len(want))
			}
			grew := false
			for i := range got {
				gl, wl := strings.Split(got[i], "\n"), strings.Split(want[i], "\n")
				if len(gl) != len(wl) || gl[0] != wl[0] {
					t.Fatalf("session differs:\n got %s\nwant %s", got[i], want[i])
				}
				for j := 1; j < len(gl); j++ {
					// Bytes and sizes change; nothing else may.
					if strip(gl[j]) != strip(wl[j]) {
						t.Errorf("transfer differs beyond its size:\n got %s\nwant %s", gl[j], wl[j])
					}
					grew = grew || gl[j] != wl[j]
				}
			}
			if !grew {
				t.Errorf("no transfer grew:\n%s", got)
			}
		})
	}
}

func strip(line string) string {
	var out []string
	for _, f := range strings.Fields(line) {
		if !strings.HasPrefix(f, "bytes=") && !strings.HasPrefix(f, "size=") {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// TestDeterministic: the same Config gives the same bytes; another seed
// does not.
func TestDeterministic(t *testing.T) {
	cfg := Config{Size: 3e6, Seed: 42}
	a, _ := gen(t, cfg)
	b, _ := gen(t, cfg)
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Fatal("two runs with the same seed differ")
	}
	cfg.Seed = 43
	c, _ := gen(t, cfg)
	if bytes.Equal(a, c) {
		t.Fatal("seeds 42 and 43 gave the same capture")
	}
}

// TestCaptureIsValid walks every packet of a generated capture: times
// never go back, every address is a documentation address, every
// checksum (IPv4 header, TCP, UDP) is right, and the mix has what the
// benchmark needs.
func TestCaptureIsValid(t *testing.T) {
	const size = 8e6
	file, st := gen(t, Config{Size: size, Seed: 5})
	if st.Bytes < size || st.Bytes > 3*size {
		t.Errorf("asked for %d bytes, got %d", int64(size), st.Bytes)
	}
	doc := []netip.Prefix{prefClient4, prefServer4, prefThird4, netip.MustParsePrefix("2001:db8::/32")}
	src := openBytes(t, file)
	var prev int64
	var tcp, udp, v6, ftp int
	for {
		f, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ts := f.TS.UnixNano(); ts < prev {
			t.Fatalf("packet %d goes back in time", f.Number)
		} else {
			prev = ts
		}
		src, dst, proto, l4, ok := checkIP(t, f.Data)
		if !ok {
			t.Fatalf("packet %d: bad IP header", f.Number)
		}
		for _, a := range []netip.Addr{src, dst} {
			if !slices.ContainsFunc(doc, func(p netip.Prefix) bool { return p.Contains(a) }) {
				t.Fatalf("packet %d: %v is not a documentation address", f.Number, a)
			}
		}
		v6 += boolInt(src.Is6())
		sum := fold(pseudoSum(src, dst, proto, len(l4)) + sum16(0, l4))
		if sum != 0 {
			t.Fatalf("packet %d: bad %d checksum", f.Number, proto)
		}
		switch proto {
		case 6:
			tcp++
			if p := binary.BigEndian.Uint16(l4[2:]); p == 21 || binary.BigEndian.Uint16(l4) == 21 {
				ftp++
			}
		case 17:
			udp++
		}
	}
	if tcp == 0 || udp == 0 || v6 == 0 || ftp == 0 {
		t.Errorf("mix lacks something: %d TCP, %d UDP, %d IPv6, %d FTP control packets", tcp, udp, v6, ftp)
	}
	if st.FTPReplays < 5 || st.HTTPFlows == 0 || st.DNSFlows == 0 {
		t.Errorf("stats: %+v", st)
	}
	share := float64(st.OtherBytes) / float64(st.OtherBytes+st.FTPBytes)
	if share < 0.2 || share > 0.6 {
		t.Errorf("background is %.0f%% of bytes, want about 40%%", 100*share)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkIP verifies the IP header of an Ethernet frame and returns the
// transport segment.
func checkIP(t *testing.T, b []byte) (src, dst netip.Addr, proto uint8, l4 []byte, ok bool) {
	switch binary.BigEndian.Uint16(b[12:]) {
	case 0x0800:
		ip := b[14:]
		ihl := int(ip[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if fold(sum16(0, ip[:ihl])) != 0 || total > len(ip) {
			return src, dst, 0, nil, false
		}
		return netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20])), ip[9], ip[ihl:total], true
	case 0x86dd:
		ip := b[14:]
		n := int(binary.BigEndian.Uint16(ip[4:]))
		if 40+n > len(ip) {
			return src, dst, 0, nil, false
		}
		return netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40])), ip[6], ip[40 : 40+n], true
	}
	return src, dst, 0, nil, false
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1GB", 1e9, true}, {"4gb", 4e9, true}, {"100MB", 1e8, true}, {"2GiB", 2 << 30, true},
		{"512KiB", 512 << 10, true}, {"1000", 1000, true}, {"1.5G", 1.5e9, true}, {" 10 MB ", 1e7, true},
		{"", 0, false}, {"-1GB", 0, false}, {"0", 0, false}, {"lots", 0, false}, {"1e20GB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// BenchmarkGenerate: bytes of capture written per second.
func BenchmarkGenerate(b *testing.B) {
	const size = 16e6
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(io.Discard, Config{Size: size, Seed: 1, TemplateDir: testTemplates}); err != nil {
			b.Fatal(err)
		}
	}
}
