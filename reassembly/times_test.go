package reassembly

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// timesRec is a Factory whose streams keep what Conn says at Close.
type timesRec struct {
	mode Mode
	seen []timesSeen
}

// timesSeen is a connection's state at Close.
type timesSeen struct {
	times   Times
	traffic [2]DirStats
	rtt     time.Duration
	reason  CloseReason
}

func (r *timesRec) New(c *Conn, ts time.Time) Stream { return &timesStream{r: r} }

type timesStream struct{ r *timesRec }

func (s *timesStream) Mode() Mode                             { return s.r.mode }
func (s *timesStream) Handshake(*Conn, time.Time)             {}
func (s *timesStream) Data(*Conn, Dir, []byte, time.Time)     {}
func (s *timesStream) Gap(*Conn, Dir, int64, time.Time)       {}
func (s *timesStream) Anomaly(*Conn, Dir, Anomaly, time.Time) {}
func (s *timesStream) Close(c *Conn, reason CloseReason, ts time.Time) {
	s.r.seen = append(s.r.seen, timesSeen{c.Times, c.Traffic, c.HandshakeRTT, reason})
}

// asAt returns asT0 plus n milliseconds; -1 is the zero time (not seen).
func asAt(n int) time.Time {
	if n < 0 {
		return time.Time{}
	}
	return asT0.Add(time.Duration(n) * time.Millisecond)
}

// TestConnTimes checks the handshake, payload, FIN and RST times the
// assembler records, in every mode that has a Stream.
func TestConnTimes(t *testing.T) {
	type want struct {
		syn, synack, ack int
		fin              [2]int
		rst              int
		rstDir           Dir
		firstData        [2]int
		rtt              time.Duration
		reason           CloseReason
	}
	for _, tc := range []struct {
		name string
		pkts []tcp.Segment
		want want
	}{
		{
			name: "handshake, both sides talk, server closes first",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asDown(10, tcp.ACK|tcp.PSH, 1, 1, "220 hi\r\n"),
				asUp(20, tcp.ACK|tcp.PSH, 1, 9, "QUIT\r\n"),
				asDown(30, tcp.ACK|tcp.PSH, 9, 7, "221 bye\r\n"),
				asDown(31, tcp.ACK|tcp.FIN, 18, 7, ""),
				asUp(40, tcp.ACK|tcp.FIN, 7, 19, ""),
				asDown(41, tcp.ACK, 19, 8, ""),
			}),
			want: want{syn: 0, synack: 1, ack: 2, fin: [2]int{40, 31}, rst: -1,
				firstData: [2]int{20, 10}, rtt: 2 * time.Millisecond, reason: CloseFIN},
		},
		{
			name: "retransmitted SYN keeps the first time; RTT from the last",
			pkts: []tcp.Segment{
				asUp(0, tcp.SYN, 0, 0, ""),
				asUp(1000, tcp.SYN, 0, 0, ""),
				asDown(1001, tcp.SYN|tcp.ACK, 0, 1, ""),
				asUp(1003, tcp.ACK, 1, 1, ""),
				asDown(1010, tcp.ACK|tcp.FIN, 1, 1, ""),
				asDown(1020, tcp.ACK|tcp.FIN, 1, 1, ""), // retransmitted FIN
				asUp(1030, tcp.ACK|tcp.FIN, 1, 2, ""),
			},
			want: want{syn: 0, synack: 1001, ack: 1003, fin: [2]int{1030, 1010}, rst: -1,
				firstData: [2]int{-1, -1}, rtt: 3 * time.Millisecond, reason: CloseFIN},
		},
		{
			name: "reset by the server, no FIN",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(5, tcp.ACK|tcp.PSH, 1, 1, "USER x\r\n"),
				asDown(7, tcp.RST|tcp.ACK, 1, 9, ""),
			}),
			want: want{syn: 0, synack: 1, ack: 2, fin: [2]int{-1, -1}, rst: 7, rstDir: ServerToClient,
				firstData: [2]int{5, -1}, rtt: 2 * time.Millisecond, reason: CloseRST},
		},
		{
			name: "reset by the client after its FIN",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asUp(5, tcp.ACK|tcp.FIN, 1, 1, ""),
				asUp(9, tcp.RST, 2, 0, ""),
			}),
			want: want{syn: 0, synack: 1, ack: 2, fin: [2]int{5, -1}, rst: 9, rstDir: ClientToServer,
				firstData: [2]int{-1, -1}, rtt: 2 * time.Millisecond, reason: CloseRST},
		},
		{
			name: "capture starts mid-connection",
			pkts: []tcp.Segment{
				asDown(100, tcp.ACK|tcp.PSH, 50, 20, "150 ok\r\n"),
				asUp(101, tcp.ACK, 20, 58, ""),
				asUp(102, tcp.ACK|tcp.PSH, 20, 58, "NOOP\r\n"),
			},
			want: want{syn: -1, synack: -1, ack: -1, fin: [2]int{-1, -1}, rst: -1,
				firstData: [2]int{102, 100}, reason: CloseCaptureEnd},
		},
		{
			name: "SYN missed: the SYN-ACK is seen, the handshake is not",
			pkts: []tcp.Segment{
				asDown(1, tcp.SYN|tcp.ACK, 0, 1, ""),
				asUp(2, tcp.ACK, 1, 1, ""),
				asUp(3, tcp.ACK|tcp.PSH, 1, 1, "x"),
			},
			want: want{syn: -1, synack: 1, ack: -1, fin: [2]int{-1, -1}, rst: -1,
				firstData: [2]int{3, -1}, reason: CloseCaptureEnd},
		},
		{
			name: "a SYN-ACK for another ISN is not the SYN-ACK",
			pkts: []tcp.Segment{
				asUp(0, tcp.SYN, 0, 0, ""),
				asDown(1, tcp.SYN|tcp.ACK, 0, 77, ""),
				asDown(2, tcp.SYN|tcp.ACK, 0, 1, ""),
				asUp(3, tcp.ACK, 1, 1, ""),
			},
			want: want{syn: 0, synack: 2, ack: 3, fin: [2]int{-1, -1}, rst: -1,
				firstData: [2]int{-1, -1}, rtt: 3 * time.Millisecond, reason: CloseCaptureEnd},
		},
		{
			name: "snaplen-cut payload still counts as payload",
			pkts: asCat(asHandshake(), []tcp.Segment{
				asCut(asDown(8, tcp.ACK|tcp.PSH, 1, 1, "220 hello\r\n"), 0),
			}),
			want: want{syn: 0, synack: 1, ack: 2, fin: [2]int{-1, -1}, rst: -1,
				firstData: [2]int{-1, 8}, rtt: 2 * time.Millisecond, reason: CloseCaptureEnd},
		},
	} {
		for _, mode := range []Mode{Reassemble, Count, Ignore} {
			t.Run(tc.name+"/"+modeName(mode), func(t *testing.T) {
				r := &timesRec{mode: mode}
				asRunTimes(r, tc.pkts)
				if len(r.seen) != 1 {
					t.Fatalf("%d closes, want 1", len(r.seen))
				}
				got, w := r.seen[0], tc.want
				check := func(what string, g time.Time, ms int) {
					t.Helper()
					if !g.Equal(asAt(ms)) {
						t.Errorf("%s = %v, want %v", what, g, asAt(ms))
					}
				}
				check("SYN", got.times.SYN, w.syn)
				check("SYNACK", got.times.SYNACK, w.synack)
				check("ACK", got.times.ACK, w.ack)
				check("FIN[c>s]", got.times.FIN[ClientToServer], w.fin[0])
				check("FIN[s>c]", got.times.FIN[ServerToClient], w.fin[1])
				check("RST", got.times.RST, w.rst)
				if w.rst >= 0 && got.times.RSTDir != w.rstDir {
					t.Errorf("RSTDir = %v, want %v", got.times.RSTDir, w.rstDir)
				}
				check("FirstPayload[c>s]", got.traffic[0].FirstPayload, w.firstData[0])
				check("FirstPayload[s>c]", got.traffic[1].FirstPayload, w.firstData[1])
				if got.rtt != w.rtt {
					t.Errorf("HandshakeRTT = %v, want %v", got.rtt, w.rtt)
				}
				if got.reason != w.reason {
					t.Errorf("close reason = %v, want %v", got.reason, w.reason)
				}
			})
		}
	}
}

func modeName(m Mode) string {
	switch m {
	case Reassemble:
		return "reassemble"
	case Count:
		return "count"
	}
	return "ignore"
}

func asRunTimes(f Factory, pkts []tcp.Segment) {
	a := NewAssembler(f, DefaultLimits())
	for i := range pkts {
		a.Process(&pkts[i])
	}
	a.Flush(asT0.Add(time.Hour))
}

// TestConnTimesDeclined: a connection no Stream wants still records how
// it ended (the fields are part of Conn whoever reads them).
func TestConnTimesDeclined(t *testing.T) {
	var seen *Conn
	f := factoryFunc(func(c *Conn, ts time.Time) Stream { seen = c; return nil })
	pkts := asCat(asHandshake(), []tcp.Segment{
		asUp(5, tcp.ACK|tcp.FIN, 1, 1, ""),
		asDown(6, tcp.ACK|tcp.FIN, 1, 2, ""),
	})
	asRunTimes(f, pkts)
	if seen == nil {
		t.Fatal("no connection offered")
	}
	if !seen.Times.FIN[0].Equal(asAt(5)) || !seen.Times.FIN[1].Equal(asAt(6)) || !seen.Times.RST.IsZero() {
		t.Errorf("declined connection times = %+v", seen.Times)
	}
}
