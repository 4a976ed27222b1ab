package reassembly

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// The reference traces live outside the repository; the tests that use
// them skip when it is absent.
const zeekCorpus = "/work/shared/corpus/zeek"

// asReadPcap decodes the TCP segments of a little-endian microsecond pcap
// of Ethernet frames (what the Zeek FTP traces are). It is a test helper,
// deliberately independent of the package's own decoder, so the assembler
// can be checked on real traffic on its own.
func asReadPcap(t *testing.T, path string) []tcp.Segment {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("reference trace %s not present", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var gh [24]byte
	if _, err := io.ReadFull(br, gh[:]); err != nil {
		t.Fatal(err)
	}
	if binary.LittleEndian.Uint32(gh[0:]) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(gh[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", path)
	}
	var out []tcp.Segment
	for {
		var rh [16]byte
		if _, err := io.ReadFull(br, rh[:]); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		caplen := binary.LittleEndian.Uint32(rh[8:])
		frame := make([]byte, caplen)
		if _, err := io.ReadFull(br, frame); err != nil {
			t.Fatal(err)
		}
		ts := time.Unix(int64(binary.LittleEndian.Uint32(rh[0:])), int64(binary.LittleEndian.Uint32(rh[4:]))*1000).UTC()
		if p, ok := asDecodeEth(frame, ts); ok {
			out = append(out, p)
		}
	}
	return out
}

func asDecodeEth(b []byte, ts time.Time) (tcp.Segment, bool) {
	if len(b) < 14 {
		return tcp.Segment{}, false
	}
	et := binary.BigEndian.Uint16(b[12:])
	b = b[14:]
	for et == 0x8100 && len(b) >= 4 {
		et = binary.BigEndian.Uint16(b[2:])
		b = b[4:]
	}
	var src, dst netip.Addr
	var seg []byte
	var wire int
	switch et {
	case 0x0800:
		if len(b) < 20 || b[9] != 6 {
			return tcp.Segment{}, false
		}
		ihl := int(b[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[2:]))
		if binary.BigEndian.Uint16(b[6:])&0x3fff != 0 || ihl < 20 || len(b) < ihl {
			return tcp.Segment{}, false // fragments are not needed by these traces
		}
		src, dst = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
		wire = total - ihl
		seg = b[ihl:min(len(b), total)]
	case 0x86dd:
		if len(b) < 40 || b[6] != 6 {
			return tcp.Segment{}, false
		}
		src, dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
		wire = int(binary.BigEndian.Uint16(b[4:]))
		seg = b[40:min(len(b), 40+wire)]
	default:
		return tcp.Segment{}, false
	}
	if len(seg) < 20 {
		return tcp.Segment{}, false
	}
	off := int(seg[12]>>4) * 4
	if off < 20 || off > len(seg) {
		return tcp.Segment{}, false
	}
	return tcp.Segment{
		TS:      ts,
		Src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(seg[0:])),
		Dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(seg[2:])),
		Seq:     binary.BigEndian.Uint32(seg[4:]),
		Ack:     binary.BigEndian.Uint32(seg[8:]),
		Flags:   tcp.Flags(seg[13] & 0x1f),
		Payload: seg[off:],
		WireLen: wire - off,
	}, true
}

// tallyStream records, per connection, the final accounting and the sum
// of deliveries, checking the Stream contract as it goes.
type tallyStream struct {
	t     *testing.T
	mode  Mode
	conns map[string]*tally
}

type tally struct {
	c         *Conn
	delivered [2]int64
	reason    CloseReason
	closed    bool
}

func (f *tallyStream) New(c *Conn, ts time.Time) Stream {
	tl := &tally{c: c}
	f.conns[c.Client.String()+">"+c.Server.String()] = tl
	return &tallyConn{f: f, tl: tl}
}

type tallyConn struct {
	f  *tallyStream
	tl *tally
}

func (s *tallyConn) Mode() Mode                             { return s.f.mode }
func (s *tallyConn) Handshake(*Conn, time.Time)             {}
func (s *tallyConn) Anomaly(*Conn, Dir, Anomaly, time.Time) {}
func (s *tallyConn) Data(c *Conn, d Dir, b []byte, ts time.Time) {
	s.add(c, d, int64(len(b)))
}
func (s *tallyConn) Gap(c *Conn, d Dir, n int64, ts time.Time) { s.add(c, d, n) }
func (s *tallyConn) add(c *Conn, d Dir, n int64) {
	if s.tl.closed {
		s.f.t.Errorf("conn %d: callback after Close", c.ID)
	}
	s.tl.delivered[d] += n
	if s.tl.delivered[d] > c.Traffic[d].Bytes {
		s.f.t.Errorf("conn %d %s: delivered %d > Bytes %d", c.ID, d, s.tl.delivered[d], c.Traffic[d].Bytes)
	}
}
func (s *tallyConn) Close(c *Conn, r CloseReason, ts time.Time) {
	if s.tl.closed {
		s.f.t.Errorf("conn %d: closed twice", c.ID)
	}
	s.tl.closed, s.tl.reason = true, r
}

func asTally(t *testing.T, pkts []tcp.Segment, mode Mode) map[string]*tally {
	f := &tallyStream{t: t, mode: mode, conns: map[string]*tally{}}
	a := NewAssembler(f, DefaultLimits())
	for i := range pkts {
		a.Process(&pkts[i])
	}
	a.Flush(pkts[len(pkts)-1].TS)
	return f.conns
}

// TestBigTransfer is Zeek's large-file-reassembly trace: a 5.4 GB FTP
// download captured with huge holes, sequence numbers wrapping twice.
// Zeek's conn.log: resp_bytes 5416666670, missed_bytes 5416642848.
func TestBigTransfer(t *testing.T) {
	pkts := asReadPcap(t, filepath.Join(zeekCorpus, "traces/ftp/bigtransfer.pcap"))
	const key = "192.168.56.1:59764>192.168.56.101:37150"
	for _, mode := range []Mode{Reassemble, Count} {
		tl := asTally(t, pkts, mode)[key]
		if tl == nil {
			t.Fatalf("%v: no connection %s", mode, key)
		}
		got := tl.c.Traffic[ServerToClient]
		if got.Bytes != 5416666670 || got.Missing != 5416642848 {
			t.Errorf("%v: Bytes %d Missing %d, want 5416666670 5416642848", mode, got.Bytes, got.Missing)
		}
		if tl.reason != CloseFIN || !tl.c.Handshake {
			t.Errorf("%v: close %v handshake %t", mode, tl.reason, tl.c.Handshake)
		}
		if mode == Reassemble && tl.delivered[ServerToClient] != 5416666670 {
			t.Errorf("delivered %d", tl.delivered[ServerToClient])
		}
	}
}

// TestZeekConnLog compares the byte accounting of every connection of the
// Zeek FTP traces with the orig_bytes, resp_bytes and missed_bytes of
// Zeek's own conn.log baselines. (The GridFTP baseline is left out: its
// test stops Zeek's processing of the data connection early, state S1.)
func TestZeekConnLog(t *testing.T) {
	cases := map[string]string{
		"ftp/ipv4.pcap":                      "scripts.base.protocols.ftp.ftp-ipv4",
		"ftp/ipv6.pcap":                      "scripts.base.protocols.ftp.ftp-ipv6",
		"ftp/bigtransfer.pcap":               "core.tcp.large-file-reassembly",
		"ftp/cwd-navigation.pcap":            "scripts.base.protocols.ftp.cwd-navigation",
		"ftp/ftp-password-pass-command.pcap": "scripts.base.protocols.ftp.ftp-password-pass-command",
		"ftp/ftp-auth-tls.pcap":              "scripts.base.protocols.ftp.ftp-auth-tls",
		"ftp/ftp-invalid-reply-code.pcap":    "scripts.base.protocols.ftp.ftp-invalid-reply-code",
		"ftp/fake-long-commands.pcap":        "scripts.base.protocols.ftp.ftp-max-command-length",
		"ftp/fake-server-delays-all.pcap":    "scripts.base.protocols.ftp.ftp-max-pending-commands",
	}
	for trace, base := range cases {
		t.Run(trace, func(t *testing.T) {
			pkts := asReadPcap(t, filepath.Join(zeekCorpus, "traces", trace))
			rows := asConnLog(t, filepath.Join(zeekCorpus, "baselines", base, "conn.log"))
			for _, mode := range []Mode{Reassemble, Count} {
				conns := asTally(t, pkts, mode)
				for key, want := range rows {
					tl := conns[key]
					if tl == nil {
						t.Errorf("mode %d: %s: not found", mode, key)
						continue
					}
					tr := tl.c.Traffic
					got := [3]int64{tr[0].Bytes, tr[1].Bytes, tr[0].Missing + tr[1].Missing}
					if got != want {
						t.Errorf("mode %d: %s: orig/resp/missed %v, zeek %v", mode, key, got, want)
					}
				}
			}
		})
	}
}

// asConnLog reads orig_bytes, resp_bytes and missed_bytes by
// "orig:port>resp:port" from a Zeek conn.log.
func asConnLog(t *testing.T, path string) map[string][3]int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	var fields []string
	out := map[string][3]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#fields\t") {
			fields = strings.Split(line, "\t")[1:]
			continue
		}
		if line == "" || line[0] == '#' || fields == nil {
			continue
		}
		cols := strings.Split(line, "\t")
		get := func(name string) string {
			for i, f := range fields {
				if f == name && i < len(cols) {
					return cols[i]
				}
			}
			return ""
		}
		if get("proto") != "tcp" {
			continue
		}
		var v [3]int64
		for i, name := range []string{"orig_bytes", "resp_bytes", "missed_bytes"} {
			v[i], _ = strconv.ParseInt(get(name), 10, 64)
		}
		key := fmt.Sprintf("%s>%s", netip.AddrPortFrom(netip.MustParseAddr(get("id.orig_h")), asPort(get("id.orig_p"))),
			netip.AddrPortFrom(netip.MustParseAddr(get("id.resp_h")), asPort(get("id.resp_p"))))
		out[key] = v
	}
	return out
}

func asPort(s string) uint16 {
	n, _ := strconv.Atoi(s)
	return uint16(n)
}
