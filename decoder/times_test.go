package decoder

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// timeline names the capture times of the segments a test sends, so the
// times a session reports can be compared by name.
type timeline struct {
	w     *wire
	names map[time.Time]string
}

// mark names the time of the last segment sent.
func (tl *timeline) mark(name string) { tl.names[tl.w.now] = name }

// name returns the name of t, "-" for the zero time.
func (tl *timeline) name(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if n, ok := tl.names[t]; ok {
		return n
	}
	return "unnamed@" + t.Sub(t0).String()
}

// open runs a handshake from a to b and names its segments.
func (tl *timeline) open(a, b, name string) *tcpConn {
	c := &tcpConn{w: tl.w, a: netip.MustParseAddrPort(a), b: netip.MustParseAddrPort(b), seqA: 1000, seqB: 5000}
	tl.w.send(c.a, c.b, c.seqA, 0, tcp.SYN, "")
	tl.mark(name + ".syn")
	tl.w.send(c.b, c.a, c.seqB, c.seqA+1, tcp.SYN|tcp.ACK, "")
	tl.mark(name + ".synack")
	c.seqA++
	c.seqB++
	tl.w.send(c.a, c.b, c.seqA, c.seqB, tcp.ACK, "")
	tl.mark(name + ".ack")
	return c
}

// finA and finB send a FIN from one side and name it.
func (tl *timeline) finA(c *tcpConn, name string) {
	tl.w.send(c.a, c.b, c.seqA, c.seqB, tcp.FIN|tcp.ACK, "")
	c.seqA++
	tl.mark(name)
}

func (tl *timeline) finB(c *tcpConn, name string) {
	tl.w.send(c.b, c.a, c.seqB, c.seqA, tcp.FIN|tcp.ACK, "")
	c.seqB++
	tl.mark(name)
}

// rstA and rstB send a reset from one side and name it.
func (tl *timeline) rstA(c *tcpConn, name string) {
	tl.w.send(c.a, c.b, c.seqA, 0, tcp.RST, "")
	tl.mark(name)
}

func (tl *timeline) rstB(c *tcpConn, name string) {
	tl.w.send(c.b, c.a, c.seqB, 0, tcp.RST, "")
	tl.mark(name)
}

// dataB sends payload from b without the peer's ACK and names it.
func (tl *timeline) dataB(c *tcpConn, s, name string) {
	tl.w.send(c.b, c.a, c.seqB, c.seqA, tcp.PSH|tcp.ACK, s)
	c.seqB += uint32(len(s))
	tl.mark(name)
}

func (tl *timeline) dataA(c *tcpConn, s, name string) {
	tl.w.send(c.a, c.b, c.seqA, c.seqB, tcp.PSH|tcp.ACK, s)
	c.seqA += uint32(len(s))
	tl.mark(name)
}

// tcpString renders TCPTimes with the timeline's names.
func (tl *timeline) tcpString(t TCPTimes) string {
	by := "-"
	if !t.RST.IsZero() {
		by = "acceptor"
		if t.RSTByOpener {
			by = "opener"
		}
	}
	return fmt.Sprintf("syn=%s synack=%s ack=%s opener_fin=%s acceptor_fin=%s rst=%s by=%s",
		tl.name(t.SYN), tl.name(t.SYNACK), tl.name(t.ACK), tl.name(t.OpenerFIN), tl.name(t.AcceptorFIN), tl.name(t.RST), by)
}

// TestSegmentTimes runs the real assembler and checks the handshake and
// teardown times of the control and data connections, and when the
// first byte of each transfer was seen.
func TestSegmentTimes(t *testing.T) {
	const (
		cli = "192.0.2.10:50000"
		srv = "198.51.100.20:21"
	)
	for _, tc := range []struct {
		name string
		// play runs the session after the login; the control connection
		// is "ctl".
		play    func(tl *timeline, ctl *tcpConn)
		control string
		data    []string // per transfer: TCP times, then "first=<name>"
	}{
		{
			name: "passive RETR, server closes data first, client closes control first",
			play: func(tl *timeline, ctl *tcpConn) {
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80).\r\n")
				ctl.fromA("RETR f\r\n")
				d := tl.open("192.0.2.10:50001", "198.51.100.20:50000", "d")
				ctl.fromB("150 Opening BINARY mode data connection for f (6 bytes).\r\n")
				tl.dataB(d, "abc", "d.first")
				tl.dataB(d, "def", "d.more")
				tl.finB(d, "d.sfin")
				tl.finA(d, "d.cfin")
				ctl.fromB("226 Transfer complete.\r\n")
				ctl.fromA("QUIT\r\n").fromB("221 Goodbye.\r\n")
				tl.finA(ctl, "ctl.cfin")
				tl.finB(ctl, "ctl.sfin")
			},
			control: "syn=ctl.syn synack=ctl.synack ack=ctl.ack opener_fin=ctl.cfin acceptor_fin=ctl.sfin rst=- by=-",
			data:    []string{"syn=d.syn synack=d.synack ack=d.ack opener_fin=d.cfin acceptor_fin=d.sfin rst=- by=- first=d.first"},
		},
		{
			name: "active STOR: the server opens, the client sends and closes first; server resets control",
			play: func(tl *timeline, ctl *tcpConn) {
				ctl.fromA("PORT 192,0,2,10,195,81\r\n").fromB("200 PORT command successful.\r\n")
				ctl.fromA("STOR up\r\n")
				d := tl.open("198.51.100.20:20", "192.0.2.10:50001", "d")
				ctl.fromB("150 Ok to send data.\r\n")
				tl.dataB(d, "hello", "d.first")
				tl.finB(d, "d.cfin")
				tl.finA(d, "d.sfin")
				ctl.fromB("226 Transfer complete.\r\n")
				tl.rstB(ctl, "ctl.rst")
			},
			control: "syn=ctl.syn synack=ctl.synack ack=ctl.ack opener_fin=- acceptor_fin=- rst=ctl.rst by=acceptor",
			data:    []string{"syn=d.syn synack=d.synack ack=d.ack opener_fin=d.sfin acceptor_fin=d.cfin rst=- by=- first=d.first"},
		},
		{
			name: "aborted RETR: the client resets the data connection, then resets control",
			play: func(tl *timeline, ctl *tcpConn) {
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80).\r\n")
				ctl.fromA("RETR big\r\n")
				d := tl.open("192.0.2.10:50001", "198.51.100.20:50000", "d")
				ctl.fromB("150 Opening BINARY mode data connection for big (9999 bytes).\r\n")
				tl.dataB(d, "xxxx", "d.first")
				ctl.fromA("ABOR\r\n")
				tl.rstA(d, "d.rst")
				ctl.fromB("426 Failure writing network stream.\r\n").fromB("226 ABOR successful.\r\n")
				tl.rstA(ctl, "ctl.rst")
			},
			control: "syn=ctl.syn synack=ctl.synack ack=ctl.ack opener_fin=- acceptor_fin=- rst=ctl.rst by=opener",
			data:    []string{"syn=d.syn synack=d.synack ack=d.ack opener_fin=- acceptor_fin=- rst=d.rst by=opener first=d.first"},
		},
		{
			name: "upload whose first payload is the opener's, after a bare ACK from the acceptor",
			play: func(tl *timeline, ctl *tcpConn) {
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80).\r\n")
				ctl.fromA("STOR up\r\n")
				d := tl.open("192.0.2.10:50001", "198.51.100.20:50000", "d")
				ctl.fromB("150 Ok to send data.\r\n")
				tl.w.send(d.b, d.a, d.seqB, d.seqA, tcp.ACK, "")
				tl.mark("d.bare")
				tl.dataA(d, "payload", "d.first")
				tl.finA(d, "d.cfin")
				tl.finB(d, "d.sfin")
				ctl.fromB("226 Transfer complete.\r\n")
			},
			control: "syn=ctl.syn synack=ctl.synack ack=ctl.ack opener_fin=- acceptor_fin=- rst=- by=-",
			data:    []string{"syn=d.syn synack=d.synack ack=d.ack opener_fin=d.cfin acceptor_fin=d.sfin rst=- by=- first=d.first"},
		},
		{
			name: "data connection without its handshake, roles guessed the wrong way",
			play: func(tl *timeline, ctl *tcpConn) {
				// The client's port is lower than the server's passive
				// port, so the assembler, without a SYN, takes the
				// client for the server; the announcement says who is
				// who.
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80).\r\n")
				ctl.fromA("RETR f\r\n")
				d := &tcpConn{w: tl.w, a: netip.MustParseAddrPort("192.0.2.10:1025"),
					b: netip.MustParseAddrPort("198.51.100.20:50000"), seqA: 1000, seqB: 5000}
				ctl.fromB("150 Opening BINARY mode data connection for f (3 bytes).\r\n")
				tl.dataB(d, "abc", "d.first")
				tl.finB(d, "d.sfin")
				tl.finA(d, "d.cfin")
				ctl.fromB("226 Transfer complete.\r\n")
			},
			control: "syn=ctl.syn synack=ctl.synack ack=ctl.ack opener_fin=- acceptor_fin=- rst=- by=-",
			data:    []string{"syn=- synack=- ack=- opener_fin=d.cfin acceptor_fin=d.sfin rst=- by=- first=d.first"},
		},
		{
			name: "refused transfer: no data connection, no times",
			play: func(tl *timeline, ctl *tcpConn) {
				ctl.fromA("RETR missing\r\n").fromB("550 No such file.\r\n")
			},
			control: "syn=ctl.syn synack=ctl.synack ack=ctl.ack opener_fin=- acceptor_fin=- rst=- by=-",
			data:    []string{"syn=- synack=- ack=- opener_fin=- acceptor_fin=- rst=- by=- first=-"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sessions []*Session
			cfg := DefaultConfig()
			cfg.OnSession = func(s *Session) { sessions = append(sessions, s) }
			an := NewAnalyzer(cfg)
			w := &wire{t: t, now: t0}
			w.as = reassembly.NewAssembler(an, reassembly.DefaultLimits())
			tl := &timeline{w: w, names: map[time.Time]string{}}
			ctl := tl.open(cli, srv, "ctl")
			ctl.fromB("220 ready\r\n")
			ctl.fromA("USER u\r\n").fromB("331 pw\r\n").fromA("PASS p\r\n").fromB("230 ok\r\n")
			tc.play(tl, ctl)
			w.as.Flush(w.now.Add(time.Second))
			an.Finish()
			if len(sessions) != 1 {
				t.Fatalf("%d sessions", len(sessions))
			}
			s := sessions[0]
			if got := tl.tcpString(s.TCP); got != tc.control {
				t.Errorf("control\n got %s\nwant %s", got, tc.control)
			}
			var got []string
			for _, x := range s.Transfers {
				got = append(got, tl.tcpString(x.TCP)+" first="+tl.name(x.FirstData))
			}
			if strings.Join(got, "\n") != strings.Join(tc.data, "\n") {
				t.Errorf("transfers\n got %s\nwant %s\n%s", strings.Join(got, "\n     "), strings.Join(tc.data, "\n     "), dump(s))
			}
		})
	}
}
