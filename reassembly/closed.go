package reassembly

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// closedConn is what the table keeps of a closed connection while it lingers
// (closedLinger): enough to drop its late packets, such as the last ACK
// after both FINs, and to tell a new connection on the same addresses (a
// SYN with a new ISN, RFC 9293 section 3.4.1) from a retransmitted one.
// It is about a tenth of a Conn, so a busy capture's thousands of
// recently closed connections cost little; the Conn itself, its stream
// and its buffers are released at the close.
type closedConn struct {
	key    connKey
	client netip.AddrPort
	// lastNs is the capture clock at the close.
	lastNs int64
	dir    [2]closedHalf
	// prev and next link the closed connections in close-time order.
	prev, next *closedConn
}

// closedHalf is what newISN needs of one direction.
type closedHalf struct {
	init, synced bool
	isn          uint32
}

// newClosedConn makes what the table keeps of c, closed at nowNs.
func newClosedConn(c *Conn, nowNs int64) *closedConn {
	g := &closedConn{key: c.state.key, client: c.Client, lastNs: nowNs}
	for d := range c.state.dir {
		h := &c.state.dir[d]
		g.dir[d] = closedHalf{init: h.init, synced: h.synced, isn: h.isn}
	}
	return g
}

// newISN reports whether p, a SYN or SYN-ACK on the addresses of this
// closed connection, starts a new one: its side had not synchronized, or
// did so with another ISN. A retransmitted SYN carries the same ISN.
func (g *closedConn) newISN(p *tcp.Segment) bool {
	d := ServerToClient
	if p.Src == g.client {
		d = ClientToServer
	}
	h := g.dir[d]
	return !h.init || !h.synced || h.isn != p.Seq
}

// closedList is an intrusive doubly linked list of closed connections,
// oldest first.
type closedList struct {
	head, tail *closedConn
	n          int
}

func (l *closedList) pushBack(g *closedConn) {
	g.prev, g.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = g
	} else {
		l.head = g
	}
	l.tail = g
	l.n++
}

func (l *closedList) remove(g *closedConn) {
	if g.prev != nil {
		g.prev.next = g.next
	} else {
		l.head = g.next
	}
	if g.next != nil {
		g.next.prev = g.prev
	} else {
		l.tail = g.prev
	}
	g.prev, g.next = nil, nil
	l.n--
}
