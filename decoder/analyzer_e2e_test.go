package decoder

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// These tests run the real assembler over synthetic TCP segments, so the
// decoder is checked with the connection roles, modes, gaps and closes
// the assembler really produces.

type wire struct {
	t   testing.TB
	as  *reassembly.Assembler
	now time.Time
}

type tcpConn struct {
	w    *wire
	a, b netip.AddrPort // a opened the connection
	seqA uint32
	seqB uint32
}

func (w *wire) tick() time.Time {
	w.now = w.now.Add(time.Millisecond)
	return w.now
}

func (w *wire) send(src, dst netip.AddrPort, seq, ack uint32, fl tcp.Flags, payload string) {
	p := tcp.Segment{
		TS: w.tick(), Src: src, Dst: dst, Seq: seq, Ack: ack, Flags: fl,
		Payload: []byte(payload), WireLen: len(payload),
	}
	w.as.Process(&p)
}

// connect runs a three-way handshake from a to b.
func (w *wire) connect(a, b string) *tcpConn {
	c := &tcpConn{w: w, a: netip.MustParseAddrPort(a), b: netip.MustParseAddrPort(b), seqA: 1000, seqB: 5000}
	w.send(c.a, c.b, c.seqA, 0, tcp.SYN, "")
	w.send(c.b, c.a, c.seqB, c.seqA+1, tcp.SYN|tcp.ACK, "")
	c.seqA++
	c.seqB++
	w.send(c.a, c.b, c.seqA, c.seqB, tcp.ACK, "")
	return c
}

// fromA and fromB send payload with PSH|ACK; the peer acknowledges it.
func (c *tcpConn) fromA(s string) *tcpConn {
	c.w.send(c.a, c.b, c.seqA, c.seqB, tcp.PSH|tcp.ACK, s)
	c.seqA += uint32(len(s))
	c.w.send(c.b, c.a, c.seqB, c.seqA, tcp.ACK, "")
	return c
}

func (c *tcpConn) fromB(s string) *tcpConn {
	c.w.send(c.b, c.a, c.seqB, c.seqA, tcp.PSH|tcp.ACK, s)
	c.seqB += uint32(len(s))
	c.w.send(c.a, c.b, c.seqA, c.seqB, tcp.ACK, "")
	return c
}

// lose advances a's sequence as if n bytes were sent but not captured.
func (c *tcpConn) loseA(n int) *tcpConn {
	c.seqA += uint32(n)
	return c
}

func (c *tcpConn) fin() {
	c.w.send(c.a, c.b, c.seqA, c.seqB, tcp.FIN|tcp.ACK, "")
	c.w.send(c.b, c.a, c.seqB, c.seqA+1, tcp.FIN|tcp.ACK, "")
	c.w.send(c.a, c.b, c.seqA+1, c.seqB+1, tcp.ACK, "")
}

func TestEndToEndThroughAssembler(t *testing.T) {
	var sessions []*Session
	cfg := DefaultConfig()
	cfg.OnSession = func(s *Session) { sessions = append(sessions, s) }
	an := NewAnalyzer(cfg)
	w := &wire{t: t, now: t0}
	w.as = reassembly.NewAssembler(an, reassembly.DefaultLimits())

	ctl := w.connect("192.0.2.10:50000", "198.51.100.20:21")
	ctl.fromB("220 (vsFTPd 3.0.5)\r\n")
	ctl.fromA("USER anonymous\r\n").fromB("331 Please specify the password.\r\n")
	ctl.fromA("PASS guest@\r\n").fromB("230 Login successful.\r\n")
	ctl.fromA("PWD\r\n").fromB("257 \"/\" is the current directory\r\n")
	ctl.fromA("TYPE I\r\n").fromB("200 Switching to Binary mode.\r\n")
	ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80).\r\n")
	ctl.fromA("RETR pub/file.bin\r\n")
	d1 := w.connect("192.0.2.10:50001", "198.51.100.20:50000")
	ctl.fromB("150 Opening BINARY mode data connection for pub/file.bin (3000 bytes).\r\n")
	d1.fromB(strings.Repeat("x", 1000))
	d1.fromB(strings.Repeat("y", 1000))
	d1.fromB(strings.Repeat("z", 1000))
	d1.fin()
	ctl.fromB("226 Transfer complete.\r\n")
	ctl.fromA("PORT 192,0,2,10,195,81\r\n").fromB("200 PORT command successful.\r\n")
	ctl.fromA("STOR up.txt\r\n")
	d2 := w.connect("198.51.100.20:20", "192.0.2.10:50001")
	ctl.fromB("150 Ok to send data.\r\n")
	d2.fromB("hello ")
	d2.fromB("world")
	d2.fin()
	ctl.fromB("226 Transfer complete.\r\n")
	ctl.fromA("QUIT\r\n").fromB("221 Goodbye.\r\n")
	ctl.fin()
	w.as.Flush(w.now)
	sum := an.Finish()

	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	s := sessions[0]
	got := dump(s)
	want := "session S1 192.0.2.10:50000 -> 198.51.100.20:21 end=quit login=success user=anonymous pass=guest@ anon=true tls=false mode=mixed cmds=9\n" +
		"banner \"(vsFTPd 3.0.5)\"\n" +
		"attempt anonymous/guest@ success 230\n" +
		"transfer RETR arg=pub/file.bin path=/pub/file.bin download passive/PASV adv=198.51.100.20:50000 data=192.0.2.10:50001>198.51.100.20:50000 bytes=3000 miss=0 rest=0 type=I status=226 complete=true size=3000\n" +
		"transfer STOR arg=up.txt path=/up.txt upload active/PORT adv=192.0.2.10:50001 data=198.51.100.20:20>192.0.2.10:50001 bytes=11 miss=0 rest=0 type=I status=226 complete=true size=-\n"
	if got != want {
		t.Errorf("session\n got %s\nwant %s", got, want)
	}
	if !s.Handshake || s.HandshakeRTT == nil {
		t.Error("handshake not reported")
	}
	if sum.Sessions != 1 || sum.Transfers != 2 || sum.Logins != 1 {
		t.Errorf("summary %+v", sum)
	}
}

func TestEndToEndGapAndProbe(t *testing.T) {
	var sessions []*Session
	cfg := DefaultConfig()
	cfg.OnSession = func(s *Session) { sessions = append(sessions, s) }
	an := NewAnalyzer(cfg)
	w := &wire{t: t, now: t0}
	w.as = reassembly.NewAssembler(an, reassembly.DefaultLimits())

	// FTP on a non-standard port, with a command lost from the capture.
	ctl := w.connect("192.0.2.10:50000", "198.51.100.20:2121")
	ctl.fromB("220 ready\r\n")
	ctl.fromA("USER a\r\n").fromB("331 pw\r\n")
	ctl.loseA(len("PASS secret\r\n"))
	ctl.fromA("SYST\r\n")
	ctl.fromB("230 ok\r\n")
	ctl.fromB("215 UNIX Type: L8\r\n")
	ctl.fin()
	// SMTP on a non-standard port: ignored.
	smtp := w.connect("192.0.2.10:50001", "198.51.100.20:2525")
	smtp.fromB("220 mail.example.com ESMTP\r\n")
	smtp.fromA("EHLO me\r\n").fromB("250 hello\r\n")
	smtp.fin()
	w.as.Flush(w.now)
	an.Finish()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	s := sessions[0]
	if s.System == nil || !hasNote(s.Notes, "gap_in_control") || s.GapBytes != int64(len("PASS secret\r\n")) {
		t.Fatalf("%s gap=%d", dump(s), s.GapBytes)
	}
}

// FuzzEndToEnd drives the real assembler with packets built from the
// input: each record picks one of a few endpoint pairs (control on 21,
// a non-standard port, data ports), flags, a sequence offset and a
// payload. Whatever the assembler makes of it, the analyzer must not
// panic and must leave nothing behind after Finish.
func FuzzEndToEnd(f *testing.F) {
	f.Add([]byte("\x00\x02\x00\x00\x01\x12\x00\x00\x00\x10\x00\x00\x01\x18\x00\x0b220 ready\r\n" +
		"\x00\x18\x00\x00\x08USER a\r\n\x01\x18\x00\x0b\x08331 pw\r\n"))
	f.Add([]byte("\x02\x02\x00\x00\x03\x12\x00\x00\x02\x18\x00\x00\x0a220 hi\r\n\x03\x18\x00\x00\x0aUSER x\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		an := NewAnalyzer(Config{Ports: []uint16{21}, MaxTranscript: 16, MaxPending: 4, MaxExpectations: 4,
			Content: &recSink{got: map[string]*strings.Builder{}}})
		as := reassembly.NewAssembler(an, reassembly.Limits{MaxConns: 8, MaxConnBuffer: 4096, MaxBuffer: 16384})
		eps := [...][2]netip.AddrPort{
			{netip.MustParseAddrPort("192.0.2.10:50000"), netip.MustParseAddrPort("198.51.100.20:21")},
			{netip.MustParseAddrPort("198.51.100.20:21"), netip.MustParseAddrPort("192.0.2.10:50000")},
			{netip.MustParseAddrPort("192.0.2.10:50001"), netip.MustParseAddrPort("198.51.100.20:2121")},
			{netip.MustParseAddrPort("198.51.100.20:2121"), netip.MustParseAddrPort("192.0.2.10:50001")},
			{netip.MustParseAddrPort("192.0.2.10:50002"), netip.MustParseAddrPort("198.51.100.20:1025")},
			{netip.MustParseAddrPort("198.51.100.20:20"), netip.MustParseAddrPort("192.0.2.10:1026")},
		}
		now := t0
		var seq [len(eps)]uint32
		for len(in) >= 4 {
			k := int(in[0]) % len(eps)
			ep := eps[k]
			fl := tcp.Flags(in[1])
			off := uint32(in[2])
			n := min(int(in[3]), len(in)-4)
			payload := in[4 : 4+n]
			in = in[4+n:]
			now = now.Add(time.Millisecond)
			p := tcp.Segment{TS: now, Src: ep[0], Dst: ep[1], Seq: 1000 + seq[k] + off, Ack: 1, Flags: fl,
				Payload: payload, WireLen: len(payload)}
			seq[k] += uint32(len(payload))
			as.Process(&p)
		}
		as.Flush(now)
		an.Finish()
		if an.exps.n != 0 || len(an.open) != 0 {
			t.Fatalf("state left: %d expectations, %d sessions", an.exps.n, len(an.open))
		}
	})
}
