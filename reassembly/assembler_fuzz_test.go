package reassembly

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// fzByte is the content of the byte at sequence number seq in every
// synthetic stream of FuzzAssembler, so that delivered payload can be
// checked against the sequence numbers it claims to come from.
func fzByte(seq uint32) byte { return byte(seq*7 + seq>>8 + seq>>16) }

// fzModel is the sender side of one synthetic connection.
type fzModel struct {
	ep  [2]netip.AddrPort // endpoint of each sender side
	isn [2]uint32
	pos [2]int64 // highest payload offset sent per side
}

// fzChecker is the Factory and Stream of FuzzAssembler: it checks the
// Stream contract on every callback.
type fzChecker struct {
	t       *testing.T
	a       *Assembler
	mode    Mode // mode handed to new streams
	streams []*fzStream
}

type fzStream struct {
	ck        *fzChecker
	mode      Mode // what Mode() returns from the next packet on
	last      Mode // what Mode() last returned: the mode callbacks are in
	delivered [2]int64
	closed    bool
	handshake bool
	// once counts, per direction, the anomalies made at most once.
	once [2]map[Anomaly]int
}

func (ck *fzChecker) New(c *Conn, ts time.Time) Stream {
	if c.ID%5 == 4 {
		return nil // some connections are not wanted
	}
	s := &fzStream{ck: ck, mode: ck.mode, last: ck.mode}
	ck.streams = append(ck.streams, s)
	return s
}

func (s *fzStream) Mode() Mode {
	s.last = s.mode
	return s.mode
}

func (s *fzStream) live(c *Conn, what string) {
	if s.closed {
		s.ck.t.Fatalf("conn %d: %s after Close", c.ID, what)
	}
}

func (s *fzStream) Handshake(c *Conn, ts time.Time) {
	s.live(c, "Handshake")
	if s.handshake || !c.Handshake || s.last == Ignore {
		s.ck.t.Fatalf("conn %d: bad Handshake (again %t, flag %t, mode %d)", c.ID, s.handshake, c.Handshake, s.last)
	}
	s.handshake = true
}

func (s *fzStream) advance(c *Conn, d Dir, n int64, what string) {
	s.live(c, what)
	if s.last != Reassemble {
		s.ck.t.Fatalf("conn %d: %s in mode %d", c.ID, what, s.last)
	}
	if n <= 0 {
		s.ck.t.Fatalf("conn %d: %s of %d bytes", c.ID, what, n)
	}
	s.delivered[d] += n
	if s.delivered[d] > c.Traffic[d].Bytes {
		s.ck.t.Fatalf("conn %d %s: %s: delivered %d > Bytes %d", c.ID, d, what, s.delivered[d], c.Traffic[d].Bytes)
	}
}

func (s *fzStream) Data(c *Conn, d Dir, b []byte, ts time.Time) {
	h := &c.state.dir[d]
	// Offset of b: what was delivered before it.
	seq := h.base + uint32(s.delivered[d])
	for i, x := range b {
		if want := fzByte(seq + uint32(i)); x != want && x != ^want {
			s.ck.t.Fatalf("conn %d %s: byte at offset %d is %#x, want %#x", c.ID, d, s.delivered[d]+int64(i), x, want)
		}
	}
	s.advance(c, d, int64(len(b)), "Data")
}

func (s *fzStream) Gap(c *Conn, d Dir, n int64, ts time.Time) { s.advance(c, d, n, "Gap") }

func (s *fzStream) Anomaly(c *Conn, d Dir, a Anomaly, ts time.Time) {
	s.live(c, "Anomaly")
	inCount := a == AnomalySnaplenCut || a == AnomalyCoverageLimit
	if s.last == Ignore || s.last == Count && !inCount {
		s.ck.t.Fatalf("conn %d: Anomaly %s in mode %d", c.ID, a, s.last)
	}
	switch a {
	case AnomalySnaplenCut, AnomalyCoverageLimit, AnomalyHistoryLimit:
		if s.once[d] == nil {
			s.once[d] = map[Anomaly]int{}
		}
		if s.once[d][a]++; s.once[d][a] > 1 {
			s.ck.t.Fatalf("conn %d %s: Anomaly %s made twice", c.ID, d, a)
		}
	}
}

func (s *fzStream) Close(c *Conn, r CloseReason, ts time.Time) {
	s.live(c, "Close")
	s.closed = true
	for d := range c.Traffic {
		if ds := c.Traffic[d]; ds.Missing < 0 || ds.Missing > ds.Bytes {
			s.ck.t.Fatalf("conn %d %s: Missing %d of %d", c.ID, Dir(d), ds.Missing, ds.Bytes)
		}
	}
}

// checkAssembler verifies the assembler's own bookkeeping.
func (ck *fzChecker) checkAssembler() {
	a := ck.a
	if a.buffered > a.limits.MaxBuffer || a.buffered < 0 {
		ck.t.Fatalf("buffered %d, limit %d", a.buffered, a.limits.MaxBuffer)
	}
	if a.histBytes > a.histBudget {
		ck.t.Fatalf("history %d, budget %d", a.histBytes, a.histBudget)
	}
	if len(a.conns)+len(a.closed) > a.limits.MaxConns || len(a.conns) != a.live.n || len(a.closed) != a.lingering.n {
		ck.t.Fatalf("table %d+%d closed, live %d, lingering %d, limit %d", len(a.conns), len(a.closed), a.live.n, a.lingering.n, a.limits.MaxConns)
	}
	sum := 0
	for c := a.live.head; c != nil; c = c.state.next {
		if a.conns[c.state.key] != c || a.closed[c.state.key] != nil {
			ck.t.Fatalf("conn %d: live list out of sync", c.ID)
		}
		if c.state.bufCost > a.limits.MaxConnBuffer {
			ck.t.Fatalf("conn %d buffers %d, limit %d", c.ID, c.state.bufCost, a.limits.MaxConnBuffer)
		}
		sum += c.state.bufCost
		for d := range c.state.dir {
			h := &c.state.dir[d]
			if h.head != nil && h.head.off <= h.next {
				ck.t.Fatalf("conn %d %s: deliverable segment left buffered", c.ID, Dir(d))
			}
			for s := h.head; s != nil && s.next != nil; s = s.next {
				if s.end() > s.next.off {
					ck.t.Fatalf("conn %d %s: buffered segments overlap", c.ID, Dir(d))
				}
			}
			if ds := c.Traffic[d]; ds.Missing < 0 || ds.Missing > ds.Bytes {
				ck.t.Fatalf("conn %d %s: Missing %d of %d", c.ID, Dir(d), ds.Missing, ds.Bytes)
			}
		}
	}
	if sum != a.buffered {
		ck.t.Fatalf("buffered %d, connections hold %d", a.buffered, sum)
	}
	last := int64(0)
	for g := a.lingering.head; g != nil; g = g.next {
		if a.closed[g.key] != g || a.conns[g.key] != nil || g.lastNs < last {
			ck.t.Fatalf("closed connection %v: list out of sync", g.key)
		}
		last = g.lastNs
	}
}

// FuzzAssembler reads the input as 5-byte packet descriptions over three
// connections (the table holds two):
//
//	b0: bits 0-1 connection, bit 2 sender side, bits 3-6 SYN ACK FIN RST,
//	    bit 7 corrupt payload (or, with SYN, a new ISN)
//	b1: sequence offset from the sender's highest byte, in 8-byte steps
//	b2: bits 0-5 payload length, bits 6-7 snaplen cut (5-byte steps)
//	b3: acknowledgment offset from the peer's highest byte, 8-byte steps
//	b4: bits 0-4 clock advance (100 ms steps), bits 5-7 mode change
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{
		0x08, 0, 0, 0, 1, // SYN
		0x1c, 0, 0, 0, 1, // SYN-ACK
		0x10, 0, 10, 0, 1, // ACK + data
		0x10, 2, 10, 0, 1, // hole
		0x14, 0, 0, 0, 1, // ack
		0x10, 0, 10, 0, 1,
		0x30, 0, 0, 0, 1, // FIN
		0x34, 0, 0, 0, 1,
	})
	f.Add([]byte{
		0x10, 0, 20, 0, 0, 0x14, 0, 20, 0, 0, // mid-stream
		0x10, 0xff, 20, 0, 0, 0x90, 0xfe, 20, 0, 0, // retransmissions, one conflicting
		0x11, 0, 60, 0, 0xc0, 0x11, 3, 63, 0, 0, 0x12, 0, 0x7f, 0, 0, // other conns, count mode, cut
		0x10, 5, 30, 0, 0xa0, 0x10, 4, 30, 0, 0, 0x10, 6, 30, 0, 0, // buffer limits
		0x40, 0, 0, 0, 0x1f, // RST after a long pause
	})
	f.Add([]byte{0x88, 0, 0, 0, 0, 0x88, 0, 0, 0, 0x1f, 0x8a, 0, 0, 0, 0x1f, 0x8a, 0, 0, 0, 0x1f})
	f.Fuzz(fuzzAssembler)
}

func fuzzAssembler(t *testing.T, in []byte) {
	{
		if len(in) > 5*400 {
			return
		}
		l := Limits{MaxConns: 2, MaxConnBuffer: 3 * (segmentOverhead + 128), MaxBuffer: 5 * (segmentOverhead + 128), IdleTimeout: 2 * time.Second}
		ck := &fzChecker{t: t}
		ck.a = NewAssembler(ck, l)
		var models [3]fzModel
		for i := range models {
			models[i] = fzModel{
				ep:  [2]netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), uint16(40000+i)), asSrv},
				isn: [2]uint32{0xFFFFFF00 + uint32(i)<<4, 0x7FFFFFF0 + uint32(i)},
			}
		}
		ts := asT0
		payload := make([]byte, 64)
		for ; len(in) >= 5; in = in[5:] {
			m := &models[min(int(in[0]&3), 2)]
			side := int(in[0]>>2) & 1
			flags := tcp.Flags(0)
			for bit, fl := range []tcp.Flags{tcp.SYN, tcp.ACK, tcp.FIN, tcp.RST} {
				if in[0]&(8<<bit) != 0 {
					flags |= fl
				}
			}
			corrupt := in[0]&0x80 != 0
			if flags&tcp.SYN != 0 && corrupt {
				m.isn[side] += 0x10000000
				m.pos[side] = 0
				corrupt = false
			}
			off := m.pos[side] + int64(int8(in[1]))*8
			seq := m.isn[side] + 1 + uint32(off)
			if flags&tcp.SYN != 0 {
				seq = m.isn[side]
			}
			n := int(in[2] & 0x3f)
			keep := max(0, n-int(in[2]>>6)*5)
			for i := range n {
				payload[i] = fzByte(seq + uint32(i))
				if flags&tcp.SYN != 0 {
					payload[i] = fzByte(seq + 1 + uint32(i))
				}
				if corrupt {
					payload[i] = ^payload[i]
				}
			}
			if flags&tcp.SYN == 0 {
				m.pos[side] = max(m.pos[side], off+int64(n))
			}
			ack := m.isn[1-side] + 1 + uint32(m.pos[1-side]+int64(int8(in[3]))*8)
			ts = ts.Add(time.Duration(in[4]&0x1f) * 100 * time.Millisecond)
			if mc := in[4] >> 5; mc >= 5 {
				for _, s := range ck.streams {
					if !s.closed {
						s.mode = Mode(mc - 5)
					}
				}
				ck.mode = Mode(mc - 5)
			}
			p := tcp.Segment{TS: ts, Src: m.ep[side], Dst: m.ep[1-side], Seq: seq, Ack: ack, Flags: flags,
				Payload: payload[:keep], WireLen: n}
			ck.a.Process(&p)
			ck.checkAssembler()
		}
		ck.a.Flush(ts)
		ck.checkAssembler()
		for i, s := range ck.streams {
			if !s.closed {
				t.Fatalf("stream %d not closed by Flush", i)
			}
		}
		if st := ck.a.Stats(); st.Buffered != 0 || st.ConnsOpen != 0 {
			t.Fatalf("after Flush: buffered %d, open %d", st.Buffered, st.ConnsOpen)
		}
	}
}
