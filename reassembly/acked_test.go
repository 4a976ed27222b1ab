package reassembly

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// TestDeliveredAndAcked: Conn.Delivered counts delivered and lost bytes
// per direction from the first byte after the SYN, and Conn.Acked is the
// peer's acknowledgment in the same offsets, also for bytes the capture
// never saw.
func TestDeliveredAndAcked(t *testing.T) {
	var conn *Conn
	r := newAsRec()
	a := NewAssembler(r, Limits{})
	pkts := asCat(asHandshake(), []tcp.Segment{
		asDown(3, tcp.PSH|tcp.ACK, 1, 1, "220 ready\r\n"),          // offsets 0-10
		asUp(4, tcp.PSH|tcp.ACK, 1, 12, "USER u\r\n"),              // acks the greeting
		asUp(6, tcp.PSH|tcp.ACK, 9, 12+14, "PASS p\r\n"),           // acks a reply the capture lost
		asDown(7, tcp.PSH|tcp.ACK, 12+14, 17, "230 logged in\r\n"), // after the 14 lost bytes
	})
	for i := range pkts {
		a.Process(&pkts[i])
		if conn == nil {
			for _, c := range a.conns {
				conn = c
			}
		}
		switch i {
		case 4: // USER: the greeting delivered and acknowledged
			if d, ok := conn.Acked(ServerToClient); conn.Delivered(ServerToClient) != 11 || !ok || d != 11 {
				t.Errorf("after USER: delivered %d, acked %d %v", conn.Delivered(ServerToClient), d, ok)
			}
		case 5: // PASS acknowledges 14 bytes not captured
			if d, ok := conn.Acked(ServerToClient); !ok || d != 25 {
				t.Errorf("after PASS: acked %d %v, want 25", d, ok)
			}
		case 6: // the 230 comes after the hole: gap then data
			if got := conn.Delivered(ServerToClient); got != 25+15 {
				t.Errorf("after 230: delivered %d, want 40", got)
			}
			if got := conn.Delivered(ClientToServer); got != 16 {
				t.Errorf("client delivered %d, want 16", got)
			}
		}
	}
}
