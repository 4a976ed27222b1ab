package reassembly

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// TestClosedConns: a closed connection leaves only a small closedConn in
// the table, which still drops its late packets and its retransmitted
// SYN, gives way to a SYN with a new ISN, and goes after closedLinger;
// memory after thousands of closes is the closedConns', not the
// connections'.
func TestClosedConns(t *testing.T) {
	if sz := unsafe.Sizeof(closedConn{}); sz > 128 || sz*8 > unsafe.Sizeof(Conn{}) {
		t.Errorf("a closedConn is %d bytes, a Conn %d: it should cost a fraction of a connection", sz, unsafe.Sizeof(Conn{}))
	}
	const n = 2000
	a := NewAssembler(&nopStream{mode: Reassemble}, Limits{})
	cli := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i%200)}), uint16(20000+i))
	}
	for i := range n {
		c, isn := cli(i), uint32(1000*i)
		for _, p := range []tcp.Segment{
			asSeg(i, c, asSrv, tcp.SYN, isn, 0, ""),
			asSeg(i, asSrv, c, tcp.SYN|tcp.ACK, 7, isn+1, ""),
			asSeg(i, c, asSrv, tcp.ACK, isn+1, 8, ""),
			asSeg(i, c, asSrv, tcp.FIN|tcp.ACK, isn+1, 8, ""),
			asSeg(i, asSrv, c, tcp.FIN|tcp.ACK, 8, isn+2, ""),
		} {
			a.Process(&p)
		}
	}
	if len(a.conns) != 0 || len(a.closed) != n || a.lingering.n != n {
		t.Fatalf("after %d closes: %d connections, %d closed (%d lingering)", n, len(a.conns), len(a.closed), a.lingering.n)
	}

	before := a.Stats()
	late := []tcp.Segment{
		asSeg(n, cli(5), asSrv, tcp.ACK, 5000+2, 9, ""),       // the last ACK
		asSeg(n, cli(6), asSrv, tcp.SYN, 6000, 0, ""),         // retransmitted SYN
		asSeg(n, asSrv, cli(7), tcp.SYN|tcp.ACK, 7, 7001, ""), // retransmitted SYN-ACK
	}
	for i := range late {
		a.Process(&late[i])
	}
	st := a.Stats()
	if st.PacketsAfterClose-before.PacketsAfterClose != 3 || st.Conns != before.Conns {
		t.Errorf("late packets: %d dropped, %d new connections; want 3 and 0",
			st.PacketsAfterClose-before.PacketsAfterClose, st.Conns-before.Conns)
	}

	reuse := asSeg(n+1, cli(8), asSrv, tcp.SYN, 123456, 0, "")
	a.Process(&reuse)
	if st := a.Stats(); st.PortReuses != 1 || st.Conns != before.Conns+1 || len(a.closed) != n-1 || a.closed[keyOf(cli(8), asSrv)] != nil {
		t.Errorf("port reuse: reuses %d, conns +%d, closed %d", st.PortReuses, st.Conns-before.Conns, len(a.closed))
	}

	// Past the linger, one packet expires every closed connection.
	later := asSeg(n, cli(n+1), asSrv, tcp.SYN, 1, 0, "")
	later.TS = later.TS.Add(closedLinger + time.Second)
	a.Process(&later)
	if len(a.closed) != 0 || a.lingering.n != 0 || a.lingering.head != nil {
		t.Errorf("after the linger: %d closed left", len(a.closed))
	}
}

// TestClosedConnsMakeRoom: closed connections count against
// Limits.MaxConns and are the first to go when the table is full, before any live connection.
func TestClosedConnsMakeRoom(t *testing.T) {
	a := NewAssembler(&nopStream{mode: Reassemble}, Limits{MaxConns: 3})
	c1 := netip.MustParseAddrPort("192.0.2.1:1001")
	c2 := netip.MustParseAddrPort("192.0.2.2:1002")
	c3 := netip.MustParseAddrPort("192.0.2.3:1003")
	pkts := []tcp.Segment{
		asSeg(0, c1, asSrv, tcp.SYN, 10, 0, ""),
		asSeg(1, c1, asSrv, tcp.RST, 11, 0, ""), // c1 closed: lingers
		asSeg(2, c2, asSrv, tcp.SYN, 20, 0, ""),
		asSeg(3, c3, asSrv, tcp.SYN, 30, 0, ""),
		asSeg(4, asCli, asSrv, tcp.SYN, 40, 0, ""), // full: closed c1 goes
	}
	for i := range pkts {
		a.Process(&pkts[i])
	}
	if len(a.conns) != 3 || len(a.closed) != 0 || a.Stats().LimitHits["max_conns"] != 0 {
		t.Errorf("table: %d live, %d closed, max_conns hits %d; want 3, 0, 0", len(a.conns), len(a.closed), a.Stats().LimitHits["max_conns"])
	}
}
