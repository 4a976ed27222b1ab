package reassembly

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// grave is what the table keeps of a closed connection while it lingers
// (tombstoneLinger): enough to drop its late packets, such as the last ACK
// after both FINs, and to tell a new connection on the same addresses (a
// SYN with a new ISN, RFC 9293 section 3.4.1) from a retransmitted one.
// It is about a tenth of a Conn, so a busy capture's thousands of
// recently closed connections cost little; the Conn itself, its stream
// and its buffers are released at the close.
type grave struct {
	key    connKey
	client netip.AddrPort
	// lastNs is the capture clock at the close.
	lastNs int64
	dir    [2]graveHalf
	// prev and next link the graves in close-time order.
	prev, next *grave
}

// graveHalf is what newISN needs of one direction.
type graveHalf struct {
	init, synced bool
	isn          uint32
}

// bury makes the grave of c, closed at nowNs.
func bury(c *Conn, nowNs int64) *grave {
	g := &grave{key: c.state.key, client: c.Client, lastNs: nowNs}
	for d := range c.state.dir {
		h := &c.state.dir[d]
		g.dir[d] = graveHalf{init: h.init, synced: h.synced, isn: h.isn}
	}
	return g
}

// newISN reports whether p, a SYN or SYN-ACK on the addresses of this
// closed connection, starts a new one: its side had not synchronized, or
// did so with another ISN. A retransmitted SYN carries the same ISN.
func (g *grave) newISN(p *tcp.Segment) bool {
	d := ServerToClient
	if p.Src == g.client {
		d = ClientToServer
	}
	h := g.dir[d]
	return !h.init || !h.synced || h.isn != p.Seq
}

// graveList is an intrusive doubly linked list of graves, oldest first.
type graveList struct {
	head, tail *grave
	n          int
}

func (l *graveList) pushBack(g *grave) {
	g.prev, g.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = g
	} else {
		l.head = g
	}
	l.tail = g
	l.n++
}

func (l *graveList) remove(g *grave) {
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
