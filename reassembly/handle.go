package reassembly

import (
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// arrival is one segment on its way through handle's phases: its
// direction in the connection, the flags that count (a reset overrides the
// others), and what each phase found for the next.
type arrival struct {
	p                  *tcp.Segment
	d                  Dir
	rst, syn, fin, ack bool
	// n is the captured payload length, wire the length on the wire.
	n, wire int
	// From synchronize: the segment has a place in the direction's
	// sequence space; it completed the three-way handshake.
	accounted, handshake bool
	// From account: the offset of the segment's first payload byte; the
	// coverage spans overflowed on it; the snap length cut its payload.
	off        int64
	spans, cut bool
}

// handle does the per-packet work on a live connection, in phases: count
// the segment, apply the Stream's Mode, synchronize (handshake),
// account for its sequence space and acknowledgment, deliver what the
// Mode asks for, and close the connection if this ended it.
func (a *Assembler) handle(c *Conn, p *tcp.Segment) {
	ar := a.arrive(c, p)
	if c.state.stream == nil {
		a.handleUnwanted(c, &ar)
		return
	}
	mode := a.applyMode(c)
	a.synchronize(c, &ar)
	a.account(c, &ar)
	a.acknowledge(c, &ar)
	switch mode {
	case Reassemble:
		a.reassemble(c, &ar)
	case Count:
		if ar.handshake {
			c.state.stream.Handshake(c, p.TS)
		}
		a.accountingAnomalies(c, ar.d, ar.cut, ar.spans, p.TS)
		a.settleAcked(c)
	default:
		a.settleAcked(c)
	}
	a.closeIfEnded(c, &ar)
}

// arrive counts p in its direction's DirStats and notes a reset's time.
func (a *Assembler) arrive(c *Conn, p *tcp.Segment) arrival {
	d := dirOf(c, p)
	ds := &c.Traffic[d]
	ds.Packets++
	if ds.Packets == 1 {
		ds.First, ds.Last = p.TS, p.TS
	} else if p.TS.After(ds.Last) {
		ds.Last = p.TS
	}
	rst := p.Flags&tcp.RST != 0
	ar := arrival{
		p:   p,
		d:   d,
		rst: rst,
		syn: p.Flags&tcp.SYN != 0 && !rst,
		fin: p.Flags&tcp.FIN != 0 && !rst,
		ack: p.Flags&tcp.ACK != 0 && !rst,
		n:   len(p.Payload),
	}
	ar.wire = max(p.WireLen, ar.n)
	if rst && c.Times.RST.IsZero() {
		c.Times.RST, c.Times.RSTDir = p.TS, d
	}
	return ar
}

// handleUnwanted is all the work for a connection nobody wants: track
// only what ends it and what tells a retransmitted SYN from a new
// connection.
func (a *Assembler) handleUnwanted(c *Conn, ar *arrival) {
	p, d := ar.p, ar.d
	h, ds := &c.state.dir[d], &c.Traffic[d]
	a.stats.PacketsIgnored++
	if ar.syn && !h.init {
		h.start(p.Seq+1, true, p.Seq)
	}
	if ar.fin && !ds.FIN {
		ds.FIN = true
		c.Times.FIN[d] = p.TS
	}
	switch {
	case ar.rst:
		a.finish(c, CloseRST, p.TS)
	case c.Traffic[0].FIN && c.Traffic[1].FIN:
		a.finish(c, CloseFIN, p.TS)
	}
}

// applyMode asks the Stream for its Mode and switches to it.
func (a *Assembler) applyMode(c *Conn) Mode {
	mode := c.state.stream.Mode()
	if mode > Ignore {
		mode = Ignore
	}
	if mode != c.state.mode {
		a.switchMode(c, mode)
	}
	if mode == Ignore {
		a.stats.PacketsIgnored++
	}
	return mode
}

// synchronize follows the synchronization and the handshake (RFC 9293
// section 3.5): it sets the direction's base on its first segment, notes
// SYN and SYN-ACK, and tells whether this segment completed the
// handshake. A reset, or a SYN with another ISN than the one the
// direction synchronized on, gets no place in sequence space.
func (a *Assembler) synchronize(c *Conn, ar *arrival) {
	st, p, d := &c.state, ar.p, ar.d
	h, hr := &st.dir[d], &st.dir[d.Reverse()]
	switch {
	case ar.rst:
	case ar.syn:
		if !h.init {
			h.start(p.Seq+1, true, p.Seq)
		}
		if h.synced && h.isn == p.Seq {
			ar.accounted = true
			if !ar.ack && d == ClientToServer {
				st.synSeen = true
				st.synNs = p.TS.UnixNano()
				if c.Times.SYN.IsZero() {
					c.Times.SYN = p.TS
				}
			}
			if ar.ack && d == ServerToClient && (!hr.synced || p.Ack == hr.isn+1) {
				if st.synSeen {
					st.synAckSeen = true
				}
				if c.Times.SYNACK.IsZero() {
					c.Times.SYNACK = p.TS
				}
			}
		}
	default:
		if !h.init {
			base := p.Seq
			if h.peerAckOK {
				if back := p.Seq - h.peerAck; back > 0 && back <= initialSlack {
					base = h.peerAck
				}
			}
			h.start(base, false, 0)
		}
		ar.accounted = true
		if ar.ack && d == ClientToServer && st.synAckSeen && !c.Handshake && p.Ack == hr.isn+1 {
			c.Handshake, ar.handshake = true, true
			c.HandshakeRTT = max(0, time.Duration(p.TS.UnixNano()-st.synNs))
			c.Times.ACK = p.TS
		}
	}
}

// account does the sequence-space accounting of an accounted segment, in
// every mode: the span seen, the bytes captured, the FIN, and the first
// payload's time.
func (a *Assembler) account(c *Conn, ar *arrival) {
	if !ar.accounted {
		return
	}
	p, d := ar.p, ar.d
	h, ds := &c.state.dir[d], &c.Traffic[d]
	seq := p.Seq
	if ar.syn {
		seq++ // the SYN occupies the sequence number before the data
	}
	s := h.unwrap(seq)
	ar.off = s
	if ar.wire > 0 || ar.fin {
		e := s + int64(ar.wire)
		if !h.synced && s < h.lo && h.lo-s <= initialSlack && ds.Packets <= initialWindow && h.cov.floor == h.lo {
			h.lo, h.cov.floor = s, s
		}
		h.hi = max(h.hi, e)
		if ar.wire > 0 && ds.FirstPayload.IsZero() {
			ds.FirstPayload = p.TS
		}
		if ar.n > 0 && h.cov.add(s, s+int64(ar.n)) {
			a.hitCoverage++
			ar.spans = true
		}
		if ar.fin && !ds.FIN {
			ds.FIN, h.finOff = true, e
			c.Times.FIN[d] = p.TS
		}
	} else {
		// A segment without payload still proves that the bytes
		// before its sequence number were sent (the FIN's own
		// sequence number excluded).
		end := s
		if ds.FIN {
			end = min(end, h.finOff)
		}
		h.hi = max(h.hi, end)
	}
	ds.Bytes = max(0, h.hi-h.lo)
	ds.Missing = max(0, ds.Bytes-h.cov.covered)
	if ar.n < ar.wire {
		ar.cut = true
		a.stats.SnaplenCuts++
	}
}

// acknowledge records the acknowledgment the segment carries for the
// other direction, or keeps it as a hint for that direction's base while
// it has none.
func (a *Assembler) acknowledge(c *Conn, ar *arrival) {
	if !ar.ack {
		return
	}
	hr := &c.state.dir[ar.d.Reverse()]
	if !hr.init {
		hr.peerAck, hr.peerAckOK = ar.p.Ack, true
	} else if ao := hr.unwrap(ar.p.Ack); !hr.ackedOK || ao > hr.acked {
		hr.acked, hr.ackedOK = ao, true
	}
}

// reassemble delivers in Reassemble mode: the handshake, the accounting's
// anomalies, the Gap owed after a mode switch, the holes both
// acknowledgments prove, and the segment's payload and cut tail.
func (a *Assembler) reassemble(c *Conn, ar *arrival) {
	st, p, d, r := &c.state, ar.p, ar.d, ar.d.Reverse()
	h, hr := &st.dir[d], &st.dir[r]
	if ar.handshake {
		st.stream.Handshake(c, p.TS)
	}
	a.accountingAnomalies(c, d, ar.cut, ar.spans, p.TS)
	a.resync(c, p.TS)
	if hr.ackedOK {
		a.proveTo(c, r, min(hr.acked, hr.hi), p.TS)
	}
	if !ar.accounted {
		return
	}
	if s, n, wire := ar.off, ar.n, ar.wire; wire > 0 {
		if h.ackedOK {
			a.proveTo(c, d, min(h.acked, h.hi, s), p.TS)
		}
		conflict := false
		if n > 0 {
			conflict = a.walk(c, d, piece{off: s, data: p.Payload, n: int64(n)}, p.TS)
		}
		if wire > n {
			a.walk(c, d, piece{off: s + int64(n), n: int64(wire - n)}, p.TS)
		}
		if conflict {
			a.stats.Conflicts++
			st.stream.Anomaly(c, d, AnomalyConflict, p.TS)
		}
	}
	if h.ackedOK {
		a.proveTo(c, d, min(h.acked, h.hi), p.TS)
	}
}

// closeIfEnded closes the connection on a reset, or once both sides sent
// a FIN and everything before them was delivered.
func (a *Assembler) closeIfEnded(c *Conn, ar *arrival) {
	switch {
	case ar.rst:
		a.finish(c, CloseRST, ar.p.TS)
	case c.Traffic[0].FIN && c.Traffic[1].FIN && a.done(c, 0) && a.done(c, 1):
		a.finish(c, CloseFIN, ar.p.TS)
	}
}

// accountingAnomalies reports, once per direction, what the accounting of
// this packet ran into: a payload cut by the snaplen and an overflow of
// the coverage spans (a limit, counted in LimitHits each time).
func (a *Assembler) accountingAnomalies(c *Conn, d Dir, cut, spans bool, ts time.Time) {
	h := &c.state.dir[d]
	if cut && !h.snapNoted {
		h.snapNoted = true
		c.state.stream.Anomaly(c, d, AnomalySnaplenCut, ts)
	}
	if spans && !h.spansNoted {
		h.spansNoted = true
		c.state.stream.Anomaly(c, d, AnomalyCoverageLimit, ts)
	}
}

// settleAcked freezes the accounting of both directions below what the
// peer acknowledged: a hole there was missed by the capture, not by the
// receiver, so a late copy is a retransmission.
func (a *Assembler) settleAcked(c *Conn) {
	for i := range c.state.dir {
		if h := &c.state.dir[i]; h.ackedOK {
			h.cov.settle(min(h.acked, h.hi))
		}
	}
}

// done reports whether direction d of c has nothing left to deliver
// before its FIN.
func (a *Assembler) done(c *Conn, d Dir) bool {
	h := &c.state.dir[d]
	return c.state.mode != Reassemble || h.next >= h.finOff
}

// switchMode applies a Stream's new Mode. Leaving Reassemble drops the
// buffered payload; coming back restarts delivery, after a Gap, at the
// highest offset seen meanwhile.
func (a *Assembler) switchMode(c *Conn, mode Mode) {
	st := &c.state
	if st.mode == Reassemble {
		for i := range st.dir {
			for s := st.dir[i].head; s != nil; s = s.next {
				a.stats.ModeSwitchDropped += int64(len(s.data))
			}
		}
		a.release(c)
	}
	if mode == Reassemble {
		for i := range st.dir {
			if h := &st.dir[i]; h.init {
				h.resync, h.resyncTo = true, h.hi
			}
		}
	}
	st.mode = mode
}

// resync emits the Gap owed to a Stream that came back to Reassemble.
func (a *Assembler) resync(c *Conn, ts time.Time) {
	for i := range c.state.dir {
		h := &c.state.dir[i]
		if !h.resync {
			continue
		}
		h.resync = false
		if h.resyncTo > h.next {
			a.emitGap(c, Dir(i), h.resyncTo-h.next, ts)
		}
	}
}
