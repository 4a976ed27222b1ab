package reassembly

import (
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// endReason is CloseFIN when a side of c sent a FIN, else r: a connection
// that was being closed ended, even if the capture missed the rest.
func endReason(c *Conn, r CloseReason) CloseReason {
	if c.Traffic[0].FIN || c.Traffic[1].FIN {
		return CloseFIN
	}
	return r
}

// expire closes the connections idle longer than the timeout and forgets
// the closed connections that lingered long enough. Both lists are ordered by
// time, so only their heads are looked at.
func (a *Assembler) expire(ts time.Time) {
	for c := a.live.head; c != nil && a.nowNs-c.state.lastNs > a.idleNs; c = a.live.head {
		a.closeConn(c, endReason(c, CloseTimeout), ts)
		a.live.remove(c)
		delete(a.conns, c.state.key)
	}
	for g := a.lingering.head; g != nil && a.nowNs-g.lastNs > a.lingerNs; g = a.lingering.head {
		a.forgetClosed(g)
	}
}

// newISN reports whether p, a SYN or SYN-ACK, starts something other than
// what c's direction from p.Src already synchronized: a retransmitted SYN
// carries the same ISN. A SYN from a side not heard from yet
// (simultaneous open, or a SYN-ACK after a lost SYN) is part of c. (A
// closed connection answers with closedConn.newISN.)
func (a *Assembler) newISN(c *Conn, p *tcp.Segment) bool {
	h := &c.state.dir[dirOf(c, p)]
	if !h.init {
		return false
	}
	return !h.synced || h.isn != p.Seq
}

// replace ends the live connection c because a SYN with a new ISN arrived
// on its addresses. It refuses (false) while c is active and unfinished:
// such a SYN is stray (RFC 9293 section 3.10.7.4 answers it with a
// challenge ACK and keeps the connection).
func (a *Assembler) replace(c *Conn, ts time.Time) bool {
	reason := CloseReused
	switch {
	case c.Traffic[0].FIN || c.Traffic[1].FIN:
		reason = CloseFIN
	case a.nowNs-c.state.lastNs < int64(reuseQuiet):
		return false
	}
	a.closeConn(c, reason, ts)
	a.live.remove(c)
	delete(a.conns, c.state.key)
	a.stats.PortReuses++
	return true
}

// open creates the connection of p's first packet and offers it to the
// Factory.
func (a *Assembler) open(key connKey, p *tcp.Segment) *Conn {
	if len(a.conns)+len(a.closed) >= a.limits.MaxConns {
		a.makeRoom(p.TS)
	}
	a.lastID++
	c := &Conn{ID: a.lastID, Start: p.TS}
	f := p.Flags & (tcp.SYN | tcp.ACK | tcp.RST)
	switch {
	case f == tcp.SYN:
		c.Client, c.Server = p.Src, p.Dst
	case f == tcp.SYN|tcp.ACK:
		c.Client, c.Server = p.Dst, p.Src
	case p.Src.Port() < p.Dst.Port():
		c.Client, c.Server = p.Dst, p.Src
	default:
		c.Client, c.Server = p.Src, p.Dst
	}
	c.SawSYN = f&(tcp.SYN|tcp.RST) == tcp.SYN
	c.state.key = key
	c.state.mode = Reassemble
	a.conns[key] = c
	a.live.pushBack(c)
	a.stats.Conns++
	a.stats.ConnsPeak = max(a.stats.ConnsPeak, a.live.n)
	if a.factory != nil {
		c.state.stream = a.factory.New(c, p.TS)
	}
	if c.state.stream == nil {
		a.stats.ConnsIgnored++
	}
	return c
}

// makeRoom frees a table entry: the oldest closed connection if any, else the
// least recently active connection.
func (a *Assembler) makeRoom(ts time.Time) {
	if g := a.lingering.head; g != nil {
		a.forgetClosed(g)
		return
	}
	c := a.live.head
	a.hitConns++
	a.closeConn(c, CloseEvicted, ts)
	a.live.remove(c)
	delete(a.conns, c.state.key)
}

// forgetClosed drops a closed connection from the table.
func (a *Assembler) forgetClosed(g *closedConn) {
	a.lingering.remove(g)
	delete(a.closed, g.key)
}

// touch marks c as the most recently active connection.
func (a *Assembler) touch(c *Conn) {
	c.state.lastNs = a.nowNs
	a.live.moveToBack(c)
}

// dirOf returns the direction of p within c.
func dirOf(c *Conn, p *tcp.Segment) Dir {
	if p.Src == c.Client {
		return ClientToServer
	}
	return ServerToClient
}

// finish closes c and lets it linger as a closedConn for late packets.
func (a *Assembler) finish(c *Conn, reason CloseReason, ts time.Time) {
	a.closeConn(c, reason, ts)
	a.live.remove(c)
	delete(a.conns, c.state.key)
	g := newClosedConn(c, a.nowNs)
	a.closed[g.key] = g
	a.lingering.pushBack(g)
}

// closeConn delivers what c still holds, releases its memory and calls
// Close. The caller takes c out of the live list.
func (a *Assembler) closeConn(c *Conn, reason CloseReason, ts time.Time) {
	st := &c.state
	a.stats.Closes[reason]++
	if st.stream == nil {
		return
	}
	if st.mode == Reassemble {
		a.flushDir(c, ClientToServer, ts)
		a.flushDir(c, ServerToClient, ts)
	}
	a.release(c)
	s := st.stream
	st.stream = nil
	s.Close(c, reason, ts)
}

// release returns c's buffered segments and history rings to the pool.
func (a *Assembler) release(c *Conn) {
	for i := range c.state.dir {
		h := &c.state.dir[i]
		for s := h.head; s != nil; {
			next := s.next
			a.unbuffer(c, s)
			s = next
		}
		h.head, h.tail = nil, nil
		if h.hist != nil {
			a.pool.putHistory(h.hist)
			a.histBytes -= historySize
			h.hist, h.histLen = nil, 0
		}
	}
}

// connList is an intrusive doubly linked list of connections.
type connList struct {
	head, tail *Conn
	n          int
}

func (l *connList) pushBack(c *Conn) {
	c.state.prev, c.state.next = l.tail, nil
	if l.tail != nil {
		l.tail.state.next = c
	} else {
		l.head = c
	}
	l.tail = c
	l.n++
}

func (l *connList) remove(c *Conn) {
	if c.state.prev != nil {
		c.state.prev.state.next = c.state.next
	} else {
		l.head = c.state.next
	}
	if c.state.next != nil {
		c.state.next.state.prev = c.state.prev
	} else {
		l.tail = c.state.prev
	}
	c.state.prev, c.state.next = nil, nil
	l.n--
}

func (l *connList) moveToBack(c *Conn) {
	if l.tail == c {
		return
	}
	l.remove(c)
	l.pushBack(c)
}
