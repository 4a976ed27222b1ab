package reassembly

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Documentation addresses only (RFC 5737, RFC 3849).
var (
	asCli  = netip.MustParseAddrPort("192.0.2.10:40000")
	asSrv  = netip.MustParseAddrPort("198.51.100.20:21")
	asCli2 = netip.MustParseAddrPort("192.0.2.11:40001")
	asCli3 = netip.MustParseAddrPort("192.0.2.12:40002")
	asT0   = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
)

// Initial sequence numbers of the synthetic connections.
const (
	asCISN uint32 = 1000
	asSISN uint32 = 5000
)

// asRec is a Factory whose Streams log every callback as one line, so
// a test's expectation reads like a transcript.
type asRec struct {
	log []string
	// mode is the initial Mode of new streams.
	mode Mode
	// decline makes New return nil for these connection IDs.
	decline map[uint64]bool
	// modeAfter switches a stream's mode once it saw that many Data calls.
	modeAfter map[int]Mode
	streams   map[uint64]*asStream
	// quiet drops Data lines (benchmarks of the delivery path).
	quiet bool
}

func newAsRec() *asRec {
	return &asRec{streams: map[uint64]*asStream{}, modeAfter: map[int]Mode{}}
}

func (r *asRec) New(c *Conn, ts time.Time) Stream {
	if r.decline[c.ID] {
		r.logf("decline %d", c.ID)
		return nil
	}
	r.logf("new %d %s>%s syn=%t", c.ID, c.Client, c.Server, c.SawSYN)
	s := &asStream{r: r, mode: r.mode}
	r.streams[c.ID] = s
	return s
}

func (r *asRec) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

type asStream struct {
	r      *asRec
	mode   Mode
	datas  int
	closed bool
}

func asDir(d Dir) string {
	if d == ClientToServer {
		return "c>s"
	}
	return "s>c"
}

func (s *asStream) Mode() Mode { return s.mode }

func (s *asStream) Handshake(c *Conn, ts time.Time) {
	s.r.logf("handshake %d rtt=%s", c.ID, c.HandshakeRTT)
}

func (s *asStream) Data(c *Conn, d Dir, b []byte, ts time.Time) {
	s.datas++
	if m, ok := s.r.modeAfter[s.datas]; ok {
		s.mode = m
	}
	if !s.r.quiet {
		s.r.logf("data %d %s %q", c.ID, asDir(d), b)
	}
}

func (s *asStream) Gap(c *Conn, d Dir, n int64, ts time.Time) {
	s.r.logf("gap %d %s %d", c.ID, asDir(d), n)
}

func (s *asStream) Anomaly(c *Conn, d Dir, a Anomaly, ts time.Time) {
	s.r.logf("anomaly %d %s %s", c.ID, asDir(d), a)
}

func (s *asStream) Close(c *Conn, reason CloseReason, ts time.Time) {
	if s.closed {
		s.r.logf("DOUBLE CLOSE %d", c.ID)
	}
	s.closed = true
	t := c.Traffic
	s.r.logf("close %d %s c>s=%d/%d/%d s>c=%d/%d/%d", c.ID, reason,
		t[0].Bytes, t[0].Missing, t[0].Packets, t[1].Bytes, t[1].Missing, t[1].Packets)
}

// asSeg builds a packet at ms milliseconds after asT0.
func asSeg(ms int, src, dst netip.AddrPort, f tcp.Flags, seq, ack uint32, data string) tcp.Segment {
	return tcp.Segment{TS: asT0.Add(time.Duration(ms) * time.Millisecond), Src: src, Dst: dst,
		Flags: f, Seq: seq, Ack: ack, Payload: []byte(data), WireLen: len(data)}
}

// asUp and asDown build packets of the default connection; seq and ack are
// relative to the ISNs (1 is the first data byte after a SYN).
func asUp(ms int, f tcp.Flags, seq, ack uint32, data string) tcp.Segment {
	return asSeg(ms, asCli, asSrv, f, asCISN+seq, asSISN+ack, data)
}

func asDown(ms int, f tcp.Flags, seq, ack uint32, data string) tcp.Segment {
	return asSeg(ms, asSrv, asCli, f, asSISN+seq, asCISN+ack, data)
}

// asHandshake is a complete three-way handshake of the default connection.
func asHandshake() []tcp.Segment {
	return []tcp.Segment{
		asUp(0, tcp.SYN, 0, 0, ""),
		asDown(1, tcp.SYN|tcp.ACK, 0, 1, ""),
		asUp(2, tcp.ACK, 1, 1, ""),
	}
}

// asCut marks p as cut by a snaplen: only keep bytes were captured.
func asCut(p tcp.Segment, keep int) tcp.Segment {
	p.Payload = p.Payload[:keep]
	return p
}

func asCat(parts ...[]tcp.Segment) []tcp.Segment {
	var out []tcp.Segment
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func asRun(r *asRec, l Limits, pkts []tcp.Segment, flush bool) *Assembler {
	a := NewAssembler(r, l)
	for i := range pkts {
		a.Process(&pkts[i])
	}
	if flush {
		a.Flush(asT0.Add(time.Hour))
	}
	return a
}

func asCheck(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("callbacks differ\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

const asHdr = "new 1 192.0.2.10:40000>198.51.100.20:21 syn=true"

func TestAssemblerTranscripts(t *testing.T) {
	small := DefaultLimits()
	small.MaxConnBuffer = 2 * (segmentOverhead + 128)
	tests := []struct {
		name   string
		mode   Mode
		limits Limits
		pkts   []tcp.Segment
		noEnd  bool // no Flush at the end
		want   []string
	}{
		{
			name: "handshake rtt data and fin both sides",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK|tcp.PSH, 1, 1, "USER a\r\n"),
				asDown(11, tcp.ACK|tcp.PSH, 1, 9, "331 ok\r\n"),
				asUp(12, tcp.FIN|tcp.ACK, 9, 9, ""),
				asDown(13, tcp.FIN|tcp.ACK, 9, 10, ""),
				asUp(14, tcp.ACK, 10, 10, ""), // lingering closed: no new connection
			}),
			noEnd: true,
			want: []string{asHdr,
				"handshake 1 rtt=2ms",
				`data 1 c>s "USER a\r\n"`,
				`data 1 s>c "331 ok\r\n"`,
				"close 1 fin c>s=8/0/4 s>c=8/0/3",
			},
		},
		{
			name: "rtt measured from the retransmitted SYN",
			pkts: []tcp.Segment{
				asUp(0, tcp.SYN, 0, 0, ""),
				asUp(1000, tcp.SYN, 0, 0, ""),
				asDown(1001, tcp.SYN|tcp.ACK, 0, 1, ""),
				asUp(1005, tcp.ACK, 1, 1, ""),
			},
			want: []string{asHdr, "handshake 1 rtt=5ms", "close 1 capture_end c>s=0/0/3 s>c=0/0/1"},
		},
		{
			name: "handshake needs the ack of the server isn",
			pkts: []tcp.Segment{
				asUp(0, tcp.SYN, 0, 0, ""),
				asDown(1, tcp.SYN|tcp.ACK, 0, 1, ""),
				asUp(2, tcp.ACK, 1, 7, ""),
			},
			want: []string{asHdr, "close 1 capture_end c>s=0/0/2 s>c=0/0/1"},
		},
		{
			name: "syn-ack first: its receiver is the client",
			pkts: []tcp.Segment{
				asDown(1, tcp.SYN|tcp.ACK, 0, 1, ""),
				asUp(2, tcp.ACK, 1, 1, ""),
				asUp(3, tcp.ACK, 1, 1, "x"),
			},
			want: []string{asHdr, `data 1 c>s "x"`, "close 1 capture_end c>s=1/0/2 s>c=0/0/1"},
		},
		{
			name: "no syn: the lower port is the server",
			pkts: []tcp.Segment{
				asDown(0, tcp.ACK, 1, 1, "220 hi\r\n"),
				asUp(1, tcp.ACK, 1, 9, "USER"),
			},
			want: []string{
				"new 1 192.0.2.10:40000>198.51.100.20:21 syn=false",
				`data 1 s>c "220 hi\r\n"`,
				`data 1 c>s "USER"`,
				"close 1 capture_end c>s=4/0/1 s>c=8/0/1",
			},
		},
		{
			name: "no syn, equal ports: the destination is the server",
			pkts: []tcp.Segment{
				asSeg(0, netip.MustParseAddrPort("203.0.113.5:2000"), netip.MustParseAddrPort("192.0.2.1:2000"), tcp.ACK, 1, 1, "a"),
			},
			want: []string{
				"new 1 203.0.113.5:2000>192.0.2.1:2000 syn=false",
				`data 1 c>s "a"`,
				"close 1 capture_end c>s=1/0/1 s>c=0/0/0",
			},
		},
		{
			name: "out of order is delivered in order",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 4, 1, "def"),
				asUp(11, tcp.ACK, 7, 1, "ghi"),
				asUp(12, tcp.ACK, 1, 1, "abc"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abc"`, `data 1 c>s "defghi"`, // contiguous buffered segments share a buffer
				"close 1 capture_end c>s=9/0/5 s>c=0/0/1"},
		},
		{
			name: "duplicates are dropped",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abc"),
				asUp(11, tcp.ACK, 1, 1, "abc"),
				asUp(12, tcp.ACK, 7, 1, "ghi"),
				asUp(13, tcp.ACK, 7, 1, "ghi"),
				asUp(14, tcp.ACK, 4, 1, "def"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abc"`, `data 1 c>s "def"`, `data 1 c>s "ghi"`,
				"close 1 capture_end c>s=9/0/7 s>c=0/0/1"},
		},
		{
			name: "overlap with the same content",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 3, 1, "cdef"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, `data 1 c>s "ef"`,
				"close 1 capture_end c>s=6/0/4 s>c=0/0/1"},
		},
		{
			name: "overlap with delivered bytes that differ: first copy kept",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 3, 1, "XYef"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, `data 1 c>s "ef"`, "anomaly 1 c>s retransmission_conflict",
				"close 1 capture_end c>s=6/0/4 s>c=0/0/1"},
		},
		{
			name: "overlap with buffered bytes that differ",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 5, 1, "efgh"),
				asUp(11, tcp.ACK, 7, 1, "XXij"),
				asUp(12, tcp.ACK, 1, 1, "abcd"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				"anomaly 1 c>s retransmission_conflict",
				`data 1 c>s "abcd"`, `data 1 c>s "efghij"`,
				"close 1 capture_end c>s=10/0/5 s>c=0/0/1"},
		},
		{
			name: "keepalive byte is not a conflict",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 4, 1, "\x00"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", `data 1 c>s "abcd"`,
				"close 1 capture_end c>s=4/0/4 s>c=0/0/1"},
		},
		{
			name: "hole proven by the receiver's ack",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 9, 1, "ijkl"),
				asDown(12, tcp.ACK, 1, 13, ""),
				asUp(13, tcp.ACK, 13, 1, "mn"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, "gap 1 c>s 4", `data 1 c>s "ijkl"`, `data 1 c>s "mn"`,
				"close 1 capture_end c>s=14/4/5 s>c=0/0/2"},
		},
		{
			name: "ack seen before the data it follows",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asDown(11, tcp.ACK, 1, 9, ""),
				asUp(12, tcp.ACK, 9, 1, "ijkl"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, "gap 1 c>s 4", `data 1 c>s "ijkl"`,
				"close 1 capture_end c>s=12/4/4 s>c=0/0/2"},
		},
		{
			name: "hole filled late",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 9, 1, "ijkl"),
				asDown(12, tcp.ACK, 1, 5, ""),
				asUp(13, tcp.ACK, 5, 1, "efgh"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, `data 1 c>s "efgh"`, `data 1 c>s "ijkl"`,
				"close 1 capture_end c>s=12/0/5 s>c=0/0/2"},
		},
		{
			name: "hole before a fin waits for the ack of the fin",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.FIN|tcp.ACK, 9, 1, "ijkl"),
				asDown(12, tcp.FIN|tcp.ACK, 1, 5, ""),
				asUp(13, tcp.ACK, 5, 1, "efgh"), // the retransmission still makes it
			}),
			noEnd: true,
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, `data 1 c>s "efgh"`, `data 1 c>s "ijkl"`,
				"close 1 fin c>s=12/0/5 s>c=0/0/2"},
		},
		{
			name: "hole at fin never filled: the ack of the fin proves it",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.FIN|tcp.ACK, 9, 1, "ijkl"),
				asDown(12, tcp.FIN|tcp.ACK, 1, 14, ""),
			}),
			noEnd: true,
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, "gap 1 c>s 4", `data 1 c>s "ijkl"`,
				"close 1 fin c>s=12/4/4 s>c=0/0/2"},
		},
		{
			name: "hole at capture end",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 9, 1, "ijkl"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, "gap 1 c>s 4", `data 1 c>s "ijkl"`,
				"close 1 capture_end c>s=12/4/4 s>c=0/0/1"},
		},
		{
			name: "rst flushes the holes and closes",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 9, 1, "ijkl"),
				asDown(12, tcp.RST|tcp.ACK, 1, 5, ""),
				asUp(13, tcp.ACK, 13, 1, "late"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "abcd"`, "gap 1 c>s 4", `data 1 c>s "ijkl"`,
				"close 1 rst c>s=12/4/4 s>c=0/0/2"},
		},
		{
			name: "one-sided fin then capture end",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "bye"),
				asUp(11, tcp.FIN|tcp.ACK, 4, 1, ""),
				asDown(12, tcp.ACK, 1, 5, ""),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", `data 1 c>s "bye"`,
				"close 1 fin c>s=3/0/4 s>c=0/0/2"},
		},
		{
			name: "mid-stream start, peer ack before the first segment",
			pkts: []tcp.Segment{
				asUp(0, tcp.ACK, 1, 100, "NOOP\r\n"),
				asDown(1, tcp.ACK, 104, 7, "ok\r\n"), // bytes 100..103 of the server were missed
				asUp(2, tcp.ACK, 7, 108, ""),         // the client had them: a gap
			},
			want: []string{
				"new 1 192.0.2.10:40000>198.51.100.20:21 syn=false",
				`data 1 c>s "NOOP\r\n"`,
				"gap 1 s>c 4", `data 1 s>c "ok\r\n"`,
				"close 1 capture_end c>s=6/0/2 s>c=8/4/1"},
		},
		{
			name: "mid-stream start, earlier bytes arrive after the first segment",
			pkts: []tcp.Segment{
				asUp(0, tcp.ACK, 11, 1, "later"),
				asUp(1, tcp.ACK, 1, 1, "early....."),
			},
			want: []string{
				"new 1 192.0.2.10:40000>198.51.100.20:21 syn=false",
				`data 1 c>s "later"`,
				"close 1 capture_end c>s=15/0/2 s>c=0/0/0"},
		},
		{
			name:   "per-connection buffer limit skips the first hole",
			limits: small,
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "a"),
				asUp(11, tcp.ACK, 3, 1, "c"),
				asUp(12, tcp.ACK, 5, 1, "e"),
				asUp(13, tcp.ACK, 7, 1, "g"),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				`data 1 c>s "a"`,
				"anomaly 1 c>s conn_buffer_limit", "gap 1 c>s 1", `data 1 c>s "c"`,
				"gap 1 c>s 1", `data 1 c>s "e"`, "gap 1 c>s 1", `data 1 c>s "g"`,
				"close 1 capture_end c>s=7/3/6 s>c=0/0/1"},
		},
		{
			name: "snaplen cut in order and out of order",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asCut(asUp(10, tcp.ACK, 1, 1, "abcdef"), 2),
				asCut(asUp(11, tcp.ACK, 13, 1, "mnopqr"), 3),
				asCut(asUp(12, tcp.ACK, 7, 1, "ghijkl"), 6),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				"anomaly 1 c>s snaplen_cut", `data 1 c>s "ab"`, "gap 1 c>s 4",
				`data 1 c>s "ghijkl"`, `data 1 c>s "mno"`, "gap 1 c>s 3",
				"close 1 capture_end c>s=18/7/5 s>c=0/0/1"},
		},
		{
			name: "count mode: accounting only",
			mode: Count,
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.ACK, 9, 1, "ijkl"),
				asUp(12, tcp.ACK, 9, 1, "ijkl"),
				asCut(asUp(13, tcp.ACK, 13, 1, "mnop"), 1),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", "anomaly 1 c>s snaplen_cut",
				"close 1 capture_end c>s=16/7/6 s>c=0/0/1"},
		},
		{
			name: "ignore mode: only close",
			mode: Ignore,
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abcd"),
				asUp(11, tcp.FIN|tcp.ACK, 5, 1, ""),
				asDown(12, tcp.FIN|tcp.ACK, 1, 6, ""),
			}),
			noEnd: true,
			want:  []string{asHdr, "close 1 fin c>s=4/0/4 s>c=0/0/2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newAsRec()
			r.mode = tt.mode
			l := tt.limits
			if l == (Limits{}) {
				l = DefaultLimits()
			}
			asRun(r, l, tt.pkts, !tt.noEnd)
			asCheck(t, r.log, tt.want)
		})
	}
}

// syn builds a SYN from src to the default server with ISN isn.
func asSYN(ms int, src netip.AddrPort, isn uint32) tcp.Segment {
	return asSeg(ms, src, asSrv, tcp.SYN, isn, 0, "")
}

func TestAssemblerLifecycle(t *testing.T) {
	hdr2 := "new 2 192.0.2.11:40001>198.51.100.20:21 syn=true"
	hdr3 := "new 3 192.0.2.12:40002>198.51.100.20:21 syn=true"
	idle := DefaultLimits()
	idle.IdleTimeout = 10 * time.Second
	two := DefaultLimits()
	two.MaxConns = 2
	total := DefaultLimits()
	total.MaxBuffer = 2 * (segmentOverhead + 128)
	tests := []struct {
		name    string
		limits  Limits
		decline map[uint64]bool
		pkts    []tcp.Segment
		want    []string
	}{
		{
			name:   "idle timeout on the capture clock",
			limits: idle,
			pkts: []tcp.Segment{
				asSYN(0, asCli, asCISN),
				asSYN(5000, asCli2, asCISN),
				asSYN(10000, asCli3, asCISN), // conn 1 idle for exactly 10s: kept
				asSYN(10001, asCli3, asCISN), // now longer
			},
			want: []string{asHdr, hdr2, hdr3,
				"close 1 timeout c>s=0/0/1 s>c=0/0/0",
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0",
				"close 3 capture_end c>s=0/0/2 s>c=0/0/0"},
		},
		{
			name:   "idle after a one-sided fin is a fin close",
			limits: idle,
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.FIN|tcp.ACK, 1, 1, ""),
				asSYN(20000, asCli2, asCISN),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms",
				"close 1 fin c>s=0/0/3 s>c=0/0/1", hdr2,
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name:   "a closed connection is forgotten after lingering",
			limits: idle,
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.FIN|tcp.ACK, 1, 1, ""),
				asDown(11, tcp.FIN|tcp.ACK, 1, 2, ""),
				asUp(5000, tcp.ACK, 2, 2, ""),  // still lingering: dropped
				asUp(10012, tcp.ACK, 2, 2, ""), // forgotten: a new connection
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", "close 1 fin c>s=0/0/3 s>c=0/0/2",
				"new 2 192.0.2.10:40000>198.51.100.20:21 syn=false",
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name:   "eviction of the least recently active",
			limits: two,
			pkts: []tcp.Segment{
				asSYN(0, asCli, asCISN),
				asSYN(1, asCli2, asCISN),
				asSYN(2, asCli, asCISN), // touches conn 1
				asSYN(3, asCli3, asCISN),
			},
			want: []string{asHdr, hdr2,
				"close 2 evicted c>s=0/0/1 s>c=0/0/0", hdr3,
				"close 1 capture_end c>s=0/0/2 s>c=0/0/0",
				"close 3 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name:   "a full table drops lingering closed connections before live ones",
			limits: two,
			pkts: []tcp.Segment{
				asSYN(0, asCli, asCISN),
				asSeg(1, asSrv, asCli, tcp.RST|tcp.ACK, 0, asCISN+1, ""),
				asSYN(2, asCli2, asCISN),
				asSYN(3, asCli3, asCISN),
			},
			want: []string{asHdr, "close 1 rst c>s=0/0/1 s>c=0/0/1", hdr2, hdr3,
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0",
				"close 3 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name:   "total buffer limit",
			limits: total,
			pkts: []tcp.Segment{
				asSYN(0, asCli, asCISN),
				asSYN(1, asCli2, asCISN),
				asSeg(2, asCli, asSrv, tcp.ACK, asCISN+2, 0, "b"),
				asSeg(3, asCli2, asSrv, tcp.ACK, asCISN+2, 0, "B"),
				asSeg(4, asCli, asSrv, tcp.ACK, asCISN+4, 0, "d"),
			},
			want: []string{asHdr, hdr2,
				// The tiny budget leaves no room for retransmission-check
				// rings either: history_limit, once per direction.
				"anomaly 1 c>s total_buffer_limit", "gap 1 c>s 1",
				"anomaly 1 c>s history_limit", `data 1 c>s "b"`,
				"gap 1 c>s 1", `data 1 c>s "d"`,
				"close 1 capture_end c>s=4/2/3 s>c=0/0/0",
				"gap 2 c>s 1", "anomaly 2 c>s history_limit", `data 2 c>s "B"`,
				"close 2 capture_end c>s=2/1/2 s>c=0/0/0"},
		},
		{
			name: "port reuse after a fin close",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.FIN|tcp.ACK, 1, 1, ""),
				asDown(11, tcp.FIN|tcp.ACK, 1, 2, ""),
				asUp(12, tcp.ACK, 2, 2, ""),
				asSYN(13, asCli, 777),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", "close 1 fin c>s=0/0/3 s>c=0/0/2",
				"new 2 192.0.2.10:40000>198.51.100.20:21 syn=true",
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name: "port reuse of a connection that saw one fin",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.FIN|tcp.ACK, 1, 1, ""),
				asSYN(11, asCli, 777),
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", "close 1 fin c>s=0/0/3 s>c=0/0/1",
				"new 2 192.0.2.10:40000>198.51.100.20:21 syn=true",
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name: "stray syn on an active connection, reuse once it is quiet",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "a"),
				asSYN(500, asCli, 777),  // stray: dropped
				asSYN(1000, asCli, 777), // still less than a second of silence
				asSYN(1010, asCli, 777), // quiet for 1s: reuse
			}),
			want: []string{asHdr, "handshake 1 rtt=2ms", `data 1 c>s "a"`,
				"close 1 reused c>s=1/0/3 s>c=0/0/1",
				"new 2 192.0.2.10:40000>198.51.100.20:21 syn=true",
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
		{
			name: "retransmitted syn after a reset is not a new connection",
			pkts: []tcp.Segment{
				asSYN(0, asCli, asCISN),
				asDown(1, tcp.RST|tcp.ACK, 0, 1, ""),
				asSYN(1000, asCli, asCISN),
			},
			want: []string{asHdr, "close 1 rst c>s=0/0/1 s>c=0/0/1"},
		},
		{
			name:    "a declined connection is not offered again until reused",
			decline: map[uint64]bool{1: true},
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(10, tcp.ACK, 1, 1, "abc"),
				asUp(11, tcp.FIN|tcp.ACK, 4, 1, ""),
				asDown(12, tcp.FIN|tcp.ACK, 1, 5, ""),
				asUp(13, tcp.ACK, 5, 2, ""),
				asSYN(14, asCli, 777),
			}),
			want: []string{"decline 1",
				"new 2 192.0.2.10:40000>198.51.100.20:21 syn=true",
				"close 2 capture_end c>s=0/0/1 s>c=0/0/0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newAsRec()
			r.decline = tt.decline
			l := tt.limits
			if l == (Limits{}) {
				l = DefaultLimits()
			}
			asRun(r, l, tt.pkts, true)
			asCheck(t, r.log, tt.want)
		})
	}
}

// TestModeSwitch drives a stream through Reassemble, Count and back.
func TestModeSwitch(t *testing.T) {
	r := newAsRec()
	a := NewAssembler(r, DefaultLimits())
	feed := func(ps ...tcp.Segment) {
		for i := range ps {
			a.Process(&ps[i])
		}
	}
	feed(asHandshake()...)
	feed(asUp(10, tcp.ACK, 1, 1, "abcd"), asUp(11, tcp.ACK, 9, 1, "ijkl"))
	if got := a.Stats().Buffered; got == 0 {
		t.Fatalf("nothing buffered before the switch")
	}
	r.streams[1].mode = Count
	feed(asUp(12, tcp.ACK, 13, 1, "mnop"))
	st := a.Stats()
	if st.Buffered != 0 || st.History != 0 || st.ModeSwitchDropped != 4 {
		t.Errorf("after leaving Reassemble: buffered %d, history %d, dropped %d; want 0, 0, 4",
			st.Buffered, st.History, st.ModeSwitchDropped)
	}
	feed(asUp(13, tcp.ACK, 5, 1, "efgh"))
	r.streams[1].mode = Reassemble
	feed(asUp(14, tcp.ACK, 17, 1, "qrst"))
	r.streams[1].mode = Ignore
	feed(asUp(15, tcp.ACK, 21, 1, "uv"))
	r.streams[1].mode = Reassemble
	feed(asUp(16, tcp.ACK, 23, 1, "wx"))
	a.Flush(asT0.Add(time.Second))
	asCheck(t, r.log, []string{asHdr, "handshake 1 rtt=2ms",
		`data 1 c>s "abcd"`,
		"gap 1 c>s 12", `data 1 c>s "qrst"`,
		"gap 1 c>s 2", `data 1 c>s "wx"`,
		"close 1 capture_end c>s=24/0/9 s>c=0/0/1"})
}

// TestWraparound crosses 2^32 in sequence space in both modes, with the
// segments out of order across the wrap.
func TestWraparound(t *testing.T) {
	const isn = 0xFFFFFFF0
	up := func(ms int, seq uint32, data string) tcp.Segment {
		return asSeg(ms, asCli, asSrv, tcp.ACK, seq, asSISN+1, data)
	}
	pkts := []tcp.Segment{
		asSeg(0, asCli, asSrv, tcp.SYN, isn, 0, ""),
		asDown(1, tcp.SYN|tcp.ACK, 0, 0, ""),
		up(2, isn+1, "0123456789"),      // up to 0xFFFFFFFA
		up(3, 0x00000005, "klmnopqrst"), // after the wrap, out of order
		up(4, 0xFFFFFFFB, "abcdefghij"), // fills the hole across the wrap
	}
	pkts[1].Ack = isn + 1
	for _, mode := range []Mode{Reassemble, Count} {
		r := newAsRec()
		r.mode = mode
		asRun(r, DefaultLimits(), pkts, true)
		want := []string{asHdr, "handshake 1 rtt=2ms"}
		if mode == Reassemble {
			want = append(want, `data 1 c>s "0123456789"`, `data 1 c>s "abcdefghij"`, `data 1 c>s "klmnopqrst"`)
		}
		want = append(want, "close 1 capture_end c>s=30/0/4 s>c=0/0/1")
		asCheck(t, r.log, want)
	}
}

// sizeStream checks the invariants of a long transfer and sums its
// deliveries.
type sizeStream struct {
	mode      Mode
	delivered [2]int64
	data      [2]int64
	closes    int
	reason    CloseReason
	traffic   [2]DirStats
	t         *testing.T
}

func (s *sizeStream) New(c *Conn, ts time.Time) Stream       { return s }
func (s *sizeStream) Mode() Mode                             { return s.mode }
func (s *sizeStream) Handshake(c *Conn, ts time.Time)        {}
func (s *sizeStream) Anomaly(*Conn, Dir, Anomaly, time.Time) {}
func (s *sizeStream) Data(c *Conn, d Dir, b []byte, ts time.Time) {
	s.delivered[d] += int64(len(b))
	s.data[d] += int64(len(b))
	s.check(c, d)
}
func (s *sizeStream) Gap(c *Conn, d Dir, n int64, ts time.Time) {
	if n <= 0 {
		s.t.Errorf("Gap(%d)", n)
	}
	s.delivered[d] += n
	s.check(c, d)
}
func (s *sizeStream) check(c *Conn, d Dir) {
	if s.delivered[d] > c.Traffic[d].Bytes {
		s.t.Fatalf("%s: delivered %d > Bytes %d", d, s.delivered[d], c.Traffic[d].Bytes)
	}
}
func (s *sizeStream) Close(c *Conn, r CloseReason, ts time.Time) {
	s.closes++
	s.reason = r
	s.traffic = c.Traffic
}

// TestBeyond4GiB accounts a 5 GiB transfer of which only a few segments
// were captured, acknowledged as it goes.
func TestBeyond4GiB(t *testing.T) {
	const step = 1 << 30
	var pkts []tcp.Segment
	pkts = append(pkts, asHandshake()...)
	payload := strings.Repeat("x", 1000)
	var off int64
	for i := 0; i <= 5; i++ {
		off = int64(i) * step
		seq := uint32(int64(asCISN) + 1 + off)
		pkts = append(pkts, asSeg(10+i, asCli, asSrv, tcp.ACK, seq, asSISN+1, payload))
		pkts = append(pkts, asSeg(10+i, asSrv, asCli, tcp.ACK, asSISN+1, seq+1000, ""))
	}
	end := off + 1000
	pkts = append(pkts, asSeg(20, asCli, asSrv, tcp.FIN|tcp.ACK, uint32(int64(asCISN)+1+end), asSISN+1, ""))
	pkts = append(pkts, asSeg(21, asSrv, asCli, tcp.FIN|tcp.ACK, asSISN+1, uint32(int64(asCISN)+2+end), ""))
	for _, mode := range []Mode{Reassemble, Count} {
		s := &sizeStream{mode: mode, t: t}
		a := NewAssembler(s, DefaultLimits())
		for i := range pkts {
			a.Process(&pkts[i])
		}
		if s.closes != 1 || s.reason != CloseFIN {
			t.Fatalf("%v: closes %d reason %v", mode, s.closes, s.reason)
		}
		if got := s.traffic[0]; got.Bytes != end || got.Missing != end-6000 {
			t.Errorf("%v: Bytes %d Missing %d, want %d %d", mode, got.Bytes, got.Missing, end, end-6000)
		}
		if mode == Reassemble && (s.delivered[0] != end || s.data[0] != 6000) {
			t.Errorf("delivered %d (data %d), want %d (6000)", s.delivered[0], s.data[0], end)
		}
	}
}

func TestFlushOrderAndStats(t *testing.T) {
	r := newAsRec()
	a := NewAssembler(r, DefaultLimits())
	pkts := []tcp.Segment{
		asSYN(0, asCli3, asCISN),
		asSYN(1, asCli, asCISN),
		asSYN(2, asCli2, asCISN),
		asSYN(3, asCli3, asCISN),
	}
	for i := range pkts {
		a.Process(&pkts[i])
	}
	st := a.Stats()
	if st.Packets != 4 || st.Conns != 3 || st.ConnsOpen != 3 || st.ConnsPeak != 3 {
		t.Errorf("stats %+v", st)
	}
	a.Flush(asT0.Add(time.Minute))
	asCheck(t, r.log, []string{
		"new 1 192.0.2.12:40002>198.51.100.20:21 syn=true",
		"new 2 192.0.2.10:40000>198.51.100.20:21 syn=true",
		"new 3 192.0.2.11:40001>198.51.100.20:21 syn=true",
		"close 1 capture_end c>s=0/0/2 s>c=0/0/0",
		"close 2 capture_end c>s=0/0/1 s>c=0/0/0",
		"close 3 capture_end c>s=0/0/1 s>c=0/0/0",
	})
	st = a.Stats()
	if st.ConnsOpen != 0 || st.Closes[CloseCaptureEnd] != 3 || len(st.LimitHits) == 0 {
		t.Errorf("after flush: %+v", st)
	}
	// The assembler keeps numbering after a Flush.
	p := asSYN(10, asCli, 4242)
	a.Process(&p)
	if got := r.log[len(r.log)-1]; got != "new 4 192.0.2.10:40000>198.51.100.20:21 syn=true" {
		t.Errorf("after flush: %s", got)
	}
}

func TestCoverage(t *testing.T) {
	type op struct {
		settle bool
		s, e   int64
	}
	add := func(s, e int64) op { return op{s: s, e: e} }
	settle := func(to int64) op { return op{settle: true, s: to} }
	tests := []struct {
		name     string
		ops      []op
		covered  int64
		floor    int64
		spans    []span
		overflow bool
	}{
		{"in order", []op{add(0, 10), add(10, 20), add(20, 25)}, 25, 0, []span{{0, 25}}, false},
		{"duplicate", []op{add(0, 10), add(0, 10), add(2, 5)}, 10, 0, []span{{0, 10}}, false},
		{"hole then fill", []op{add(0, 10), add(20, 30), add(10, 20)}, 30, 0, []span{{0, 30}}, false},
		{"overlap both sides", []op{add(10, 20), add(30, 40), add(5, 35)}, 35, 0, []span{{5, 40}}, false},
		{"insert before", []op{add(50, 60), add(10, 20)}, 20, 0, []span{{10, 20}, {50, 60}}, false},
		{"below floor ignored", []op{add(0, 10), settle(10), add(0, 10), add(5, 15)}, 15, 10, []span{{10, 15}}, false},
		{"settle inside a span", []op{add(0, 10), add(20, 30), settle(25)}, 20, 25, []span{{25, 30}}, false},
		{"overflow settles the lowest", []op{
			add(0, 1), add(2, 3), add(4, 5), add(6, 7), add(8, 9), add(10, 11), add(12, 13), add(14, 15), add(16, 17),
		}, 9, 1, []span{{2, 3}, {4, 5}, {6, 7}, {8, 9}, {10, 11}, {12, 13}, {14, 15}, {16, 17}}, true},
		{"overflow by a new lowest span", []op{
			add(10, 11), add(12, 13), add(14, 15), add(16, 17), add(18, 19), add(20, 21), add(22, 23), add(24, 25), add(0, 2),
		}, 10, 2, []span{{10, 11}, {12, 13}, {14, 15}, {16, 17}, {18, 19}, {20, 21}, {22, 23}, {24, 25}}, true},
		{"overflow then a late fill below the floor", []op{
			add(1, 2), add(3, 4), add(5, 6), add(7, 8), add(9, 10), add(11, 12), add(13, 14), add(15, 16), add(17, 18), add(0, 1),
		}, 9, 2, []span{{3, 4}, {5, 6}, {7, 8}, {9, 10}, {11, 12}, {13, 14}, {15, 16}, {17, 18}}, true},
		{"overflow then a late fill above the floor", []op{
			add(0, 1), add(2, 3), add(4, 5), add(6, 7), add(8, 9), add(10, 11), add(12, 13), add(14, 15), add(16, 17), add(1, 2),
		}, 10, 1, []span{{1, 3}, {4, 5}, {6, 7}, {8, 9}, {10, 11}, {12, 13}, {14, 15}, {16, 17}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cv coverage
			overflow := false
			for _, o := range tt.ops {
				if o.settle {
					cv.settle(o.s)
				} else if cv.add(o.s, o.e) {
					overflow = true
				}
			}
			if cv.covered != tt.covered || cv.floor != tt.floor || overflow != tt.overflow ||
				fmt.Sprint(cv.spans[:cv.n]) != fmt.Sprint(tt.spans) {
				t.Errorf("covered %d floor %d overflow %t spans %v; want %d %d %t %v",
					cv.covered, cv.floor, overflow, cv.spans[:cv.n], tt.covered, tt.floor, tt.overflow, tt.spans)
			}
		})
	}
}

// nopStream is a Stream that does nothing, for allocation checks and
// benchmarks.
type nopStream struct{ mode Mode }

func (s *nopStream) New(*Conn, time.Time) Stream            { return s }
func (s *nopStream) Mode() Mode                             { return s.mode }
func (s *nopStream) Handshake(*Conn, time.Time)             {}
func (s *nopStream) Data(*Conn, Dir, []byte, time.Time)     {}
func (s *nopStream) Gap(*Conn, Dir, int64, time.Time)       {}
func (s *nopStream) Anomaly(*Conn, Dir, Anomaly, time.Time) {}
func (s *nopStream) Close(*Conn, CloseReason, time.Time)    {}

// asTransfer returns a function producing the packets of a long transfer
// on an established connection: data segments of size bytes from the
// client, every other one acknowledged; with swap, each pair of segments
// arrives in reverse order.
func asTransfer(a *Assembler, size int, swap bool) func() {
	hs := asHandshake()
	for i := range hs {
		a.Process(&hs[i])
	}
	payload := make([]byte, size)
	data := tcp.Segment{Src: asCli, Dst: asSrv, Flags: tcp.ACK | tcp.PSH, Ack: asSISN + 1, Payload: payload, WireLen: size}
	ack := tcp.Segment{Src: asSrv, Dst: asCli, Flags: tcp.ACK, Seq: asSISN + 1}
	seq := asCISN + 1
	ts := asT0
	return func() {
		ts = ts.Add(time.Millisecond)
		data.TS, ack.TS = ts, ts
		first, second := seq, seq+uint32(size)
		if swap {
			first, second = second, first
		}
		data.Seq = first
		a.Process(&data)
		data.Seq = second
		a.Process(&data)
		seq += 2 * uint32(size)
		ack.Ack = seq
		a.Process(&ack)
	}
}

// TestSteadyStateAllocs proves the per-packet paths allocate nothing once
// the pools are warm: Count, Ignore, in-order and out-of-order Reassemble.
func TestSteadyStateAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode Mode
		swap bool
	}{
		{"count", Count, false},
		{"count out of order", Count, true},
		{"ignore", Ignore, false},
		{"reassemble in order", Reassemble, false},
		{"reassemble out of order", Reassemble, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAssembler(&nopStream{mode: tc.mode}, DefaultLimits())
			step := asTransfer(a, 1448, tc.swap)
			for range 100 {
				step()
			}
			if n := testing.AllocsPerRun(1000, step); n != 0 {
				t.Errorf("%v allocations per 3 packets", n)
			}
		})
	}
}

func TestKeyOf(t *testing.T) {
	v4 := netip.MustParseAddrPort("192.0.2.1:21")
	mapped := netip.MustParseAddrPort("[::ffff:192.0.2.1]:21")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:21")
	peer4 := netip.MustParseAddrPort("198.51.100.7:40000")
	peer6 := netip.MustParseAddrPort("[2001:db8::7]:40000")
	if keyOf(v4, peer4) != keyOf(peer4, v4) || keyOf(v6, peer6) != keyOf(peer6, v6) {
		t.Error("the two directions have different keys")
	}
	if keyOf(v4, peer4) == keyOf(mapped, netip.MustParseAddrPort("[::ffff:198.51.100.7]:40000")) {
		t.Error("IPv4 and IPv4-mapped IPv6 share a key")
	}
	same := netip.MustParseAddrPort("192.0.2.1:40000")
	if keyOf(v4, same) == keyOf(v4, peer4) || keyOf(v4, same) != keyOf(same, v4) {
		t.Error("ports are not ordered with the addresses")
	}
}

// TestHistoryBudget: with no room for history rings, retransmissions are
// still dropped but can no longer be compared.
func TestHistoryBudget(t *testing.T) {
	l := DefaultLimits()
	l.MaxBuffer = historySize // budget MaxBuffer/2: no ring fits
	r := newAsRec()
	a := asRun(r, l, asCat(asHandshake(), []tcp.Segment{
		asUp(10, tcp.ACK, 1, 1, "abcd"),
		asUp(11, tcp.ACK, 1, 1, "XXXX"),
	}), true)
	asCheck(t, r.log, []string{asHdr, "handshake 1 rtt=2ms", "anomaly 1 c>s history_limit", `data 1 c>s "abcd"`,
		"close 1 capture_end c>s=4/0/4 s>c=0/0/1"})
	if st := a.Stats(); st.LimitHits["history"] != 1 || st.RetransmittedBytes != 4 || st.Conflicts != 0 {
		t.Errorf("stats: history %d, retransmitted %d, conflicts %d", st.LimitHits["history"], st.RetransmittedBytes, st.Conflicts)
	}
}

// TestLargeSegment buffers a segment larger than any pooled buffer, as
// captures with segmentation offload contain.
func TestLargeSegment(t *testing.T) {
	big := strings.Repeat("0123456789", 7000)
	var got strings.Builder
	s := &funcStream{data: func(b []byte) { got.Write(b) }}
	a := NewAssembler(s, DefaultLimits())
	pkts := asCat(asHandshake(), []tcp.Segment{
		asUp(10, tcp.ACK, 11, 1, big),
		asUp(11, tcp.ACK, 1, 1, "abcdefghij"),
	})
	for i := range pkts {
		a.Process(&pkts[i])
	}
	if got.String() != "abcdefghij"+big {
		t.Errorf("delivered %d bytes, want %d", got.Len(), 10+len(big))
	}
	if st := a.Stats(); st.Buffered != 0 || st.BufferedPeak < int64(len(big)) {
		t.Errorf("buffered %d, peak %d", st.Buffered, st.BufferedPeak)
	}
}

// funcStream is a Reassemble Stream that hands payload to a function.
type funcStream struct {
	nopStream
	data func([]byte)
}

func (s *funcStream) New(*Conn, time.Time) Stream                { return s }
func (s *funcStream) Data(_ *Conn, _ Dir, b []byte, _ time.Time) { s.data(b) }

// Advance closes idle connections on the capture clock without a packet,
// as live capture needs on a quiet link, and never moves the clock back.
func TestAdvanceClosesIdleConnections(t *testing.T) {
	var closed []CloseReason
	f := factoryFunc(func(c *Conn, ts time.Time) Stream {
		return &closeRecorder{onClose: func(r CloseReason) { closed = append(closed, r) }}
	})
	a := NewAssembler(f, Limits{IdleTimeout: time.Minute})
	t0 := time.Unix(1_700_000_000, 0)
	a.Process(&tcp.Segment{TS: t0, Src: netip.MustParseAddrPort("192.0.2.1:40000"), Dst: netip.MustParseAddrPort("198.51.100.1:21"), Flags: tcp.SYN, Seq: 1})
	a.Advance(t0.Add(30 * time.Second))
	a.Advance(t0) // backwards: ignored
	if len(closed) != 0 {
		t.Fatalf("closed after 30s of a 1m timeout: %v", closed)
	}
	a.Advance(t0.Add(61 * time.Second))
	if len(closed) != 1 || closed[0] != CloseTimeout {
		t.Fatalf("got closes %v, want one timeout", closed)
	}
}

type factoryFunc func(c *Conn, ts time.Time) Stream

func (f factoryFunc) New(c *Conn, ts time.Time) Stream { return f(c, ts) }

// closeRecorder is a Stream that only records how its connection ended.
type closeRecorder struct{ onClose func(CloseReason) }

func (*closeRecorder) Mode() Mode                                    { return Count }
func (*closeRecorder) Handshake(*Conn, time.Time)                    {}
func (*closeRecorder) Data(*Conn, Dir, []byte, time.Time)            {}
func (*closeRecorder) Gap(*Conn, Dir, int64, time.Time)              {}
func (*closeRecorder) Anomaly(*Conn, Dir, Anomaly, time.Time)        {}
func (r *closeRecorder) Close(_ *Conn, why CloseReason, _ time.Time) { r.onClose(why) }
