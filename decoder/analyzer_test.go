package decoder

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// The harness drives an Analyzer the way the assembler does, with
// hand-built connections: each step advances a fake capture clock by one
// millisecond, so latencies and times are exact and never wall-clock.

var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

type harness struct {
	t        testing.TB
	a        *Analyzer
	now      time.Time
	nextID   uint64
	sessions []*Session
	events   []string
	summary  Summary
}

func newHarness(t testing.TB, mod func(*Config)) *harness {
	h := &harness{t: t, now: t0}
	cfg := DefaultConfig()
	cfg.OnSession = func(s *Session) { h.sessions = append(h.sessions, s) }
	cfg.OnEvent = func(ev Event) { h.events = append(h.events, eventString(ev)) }
	if mod != nil {
		mod(&cfg)
	}
	h.a = NewAnalyzer(cfg)
	return h
}

func eventString(ev Event) string {
	switch ev.Kind {
	case EventSessionOpen:
		return "open " + ev.Session.ID
	case EventLogin:
		return fmt.Sprintf("login %s %s", ev.Login.User, ev.Login.Outcome)
	case EventCommand:
		return "cmd " + ev.Entry.Verb
	case EventReply:
		return fmt.Sprintf("reply %d", ev.Entry.Code)
	case EventTransferStart:
		return "xfer-start " + ev.Transfer.Command
	case EventTransferEnd:
		return "xfer-end " + ev.Transfer.Command
	case EventSessionClose:
		return "close " + ev.Session.ID
	}
	return "?"
}

func (h *harness) tick() time.Time {
	h.now = h.now.Add(time.Millisecond)
	return h.now
}

// hconn is one fake connection and the Stream the analyzer gave it.
type hconn struct {
	h  *harness
	c  *reassembly.Conn
	st reassembly.Stream
}

// dial opens a connection from client to server ("ip:port"), with a
// handshake when syn is true.
func (h *harness) dial(client, server string, syn bool) *hconn {
	h.nextID++
	ts := h.tick()
	c := &reassembly.Conn{
		ID:        h.nextID,
		Client:    netip.MustParseAddrPort(client),
		Server:    netip.MustParseAddrPort(server),
		Start:     ts,
		SawSYN:    syn,
		Handshake: syn,
	}
	if syn {
		c.HandshakeRTT = 2 * time.Millisecond
	}
	for d := range c.Traffic {
		c.Traffic[d].First, c.Traffic[d].Last = ts, ts
	}
	hc := &hconn{h: h, c: c, st: h.a.New(c, ts)}
	if hc.st != nil && syn {
		hc.st.Handshake(c, ts)
	}
	return hc
}

// send delivers payload in direction d.
func (hc *hconn) send(d reassembly.Dir, payload string) {
	ts := hc.h.tick()
	st := &hc.c.Traffic[d]
	st.Bytes += int64(len(payload))
	st.Packets++
	st.Last = ts
	if hc.st == nil || hc.st.Mode() != reassembly.Reassemble {
		return
	}
	hc.st.Data(hc.c, d, []byte(payload), ts)
}

// C and S send lines from the connection's client or server, CRLF added.
func (hc *hconn) C(lines ...string) *hconn {
	hc.send(reassembly.ClientToServer, strings.Join(lines, "\r\n")+"\r\n")
	return hc
}

func (hc *hconn) S(lines ...string) *hconn {
	hc.send(reassembly.ServerToClient, strings.Join(lines, "\r\n")+"\r\n")
	return hc
}

// bytes accounts n payload bytes in direction d without delivering them
// (a data connection in Count mode), missing of them never seen.
func (hc *hconn) bytes(d reassembly.Dir, n, missing int64) *hconn {
	ts := hc.h.tick()
	st := &hc.c.Traffic[d]
	st.Bytes += n
	st.Missing += missing
	st.Packets++
	st.Last = ts
	return hc
}

func (hc *hconn) gap(d reassembly.Dir, n int64) *hconn {
	ts := hc.h.tick()
	hc.c.Traffic[d].Bytes += n
	hc.c.Traffic[d].Missing += n
	if hc.st != nil {
		hc.st.Gap(hc.c, d, n, ts)
	}
	return hc
}

func (hc *hconn) close(r reassembly.CloseReason) {
	ts := hc.h.tick()
	if hc.st != nil {
		hc.st.Close(hc.c, r, ts)
	}
}

// finish ends the run and returns the sessions in emission order.
func (h *harness) finish() []*Session {
	h.summary = h.a.Finish()
	return h.sessions
}

// only returns the single session of the run.
func (h *harness) only() *Session {
	h.t.Helper()
	ss := h.finish()
	if len(ss) != 1 {
		h.t.Fatalf("got %d sessions, want 1", len(ss))
	}
	return ss[0]
}

// dump renders a session compactly for comparisons: one fact per line,
// times relative to t0 in milliseconds.
func dump(s *Session) string {
	var b strings.Builder
	opt := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	fmt.Fprintf(&b, "session %s %s -> %s end=%s login=%s user=%s pass=%s anon=%v tls=%v mode=%s cmds=%d\n",
		s.ID, s.Client, s.Server, s.EndReason, s.Login, opt(s.User), opt(s.Password), s.Anonymous, s.TLS, s.Mode, s.Commands)
	if s.Banner != nil {
		fmt.Fprintf(&b, "banner %q\n", *s.Banner)
	}
	for _, la := range s.LoginAttempts {
		code := "-"
		if la.ReplyCode != nil {
			code = fmt.Sprint(*la.ReplyCode)
		}
		fmt.Fprintf(&b, "attempt %s/%s %s %s\n", la.User, opt(la.Password), la.Outcome, code)
	}
	for _, t := range s.Transfers {
		fmt.Fprintf(&b, "transfer %s\n", xferString(t))
	}
	if len(s.Notes) > 0 {
		fmt.Fprintf(&b, "notes %s\n", strings.Join(s.Notes, ","))
	}
	return b.String()
}

func xferString(t *Transfer) string {
	opt := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	n := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	st := "-"
	if t.Status != nil {
		st = fmt.Sprint(*t.Status)
	}
	adv := "-"
	if t.Advertised.IsValid() {
		adv = t.Advertised.String()
	}
	data := "-"
	if t.DataSrc.IsValid() {
		data = t.DataSrc.String() + ">" + t.DataDst.String()
	}
	s := fmt.Sprintf("%s arg=%s path=%s %s %s/%s adv=%s data=%s bytes=%s miss=%d rest=%d type=%s status=%s complete=%v size=%s",
		t.Command, opt(t.Arg), opt(t.Path), t.Direction, t.Mode, t.Negotiation, adv, data, n(t.Bytes), t.MissingBytes,
		t.Rest, opt(t.Type), st, t.Complete, n(t.Size))
	if len(t.Notes) > 0 {
		s += " notes=" + strings.Join(t.Notes, ",")
	}
	return s
}

func hasNote(notes []string, n string) bool {
	for _, x := range notes {
		if x == n {
			return true
		}
	}
	return false
}

// ctl opens a control connection client -> server:21 with a handshake.
func (h *harness) ctl() *hconn {
	return h.dial("192.0.2.10:50000", "198.51.100.20:21", true)
}

func TestConfigDefaults(t *testing.T) {
	a := NewAnalyzer(Config{})
	if a.cfg.MaxLine != 8192 || a.cfg.MaxPending != 1000 || a.cfg.MaxExpectations != 4096 ||
		a.cfg.ExpectationTTL != 5*time.Minute || a.cfg.MaxTranscript != 100000 || a.cfg.MaxLoginAttempts != 1000 {
		t.Fatalf("zero config did not take defaults: %+v", a.cfg)
	}
	// No ports: nothing is FTP by port, only by content.
	if a.isPort(21) {
		t.Fatal("port 21 without Config.Ports")
	}
	if s := a.Finish(); s.Sessions != 0 || s.Limits == nil {
		t.Fatalf("empty summary %+v", s)
	}
}

func TestEmptyConnectionIsNoSession(t *testing.T) {
	h := newHarness(t, nil)
	// A SYN scan of port 21: no handshake, no payload.
	hc := h.dial("192.0.2.10:40000", "198.51.100.20:21", false)
	hc.close(reassembly.CloseRST)
	if ss := h.finish(); len(ss) != 0 {
		t.Fatalf("got %d sessions for an empty connection", len(ss))
	}
}

// BenchmarkDataConnection measures a data connection's cost: announced
// by PASV, opened, closed (Count mode, so no payload reaches the
// decoder).
func BenchmarkDataConnection(b *testing.B) {
	h := newHarness(b, func(c *Config) { c.OnEvent = nil; c.MaxTranscript = 16; c.MaxTransfers = 1 << 30 })
	hc := login(h.ctl())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
		dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
		hc.C("RETR f").S("150 go")
		dc.bytes(s2c, 1000, 0)
		dc.close(reassembly.CloseFIN)
		hc.S("226 ok")
	}
}

// BenchmarkBackgroundConnection measures a non-FTP connection on another
// port: probed on its first segment, then ignored.
func BenchmarkBackgroundConnection(b *testing.B) {
	h := newHarness(b, func(c *Config) { c.OnEvent = nil })
	b.ReportAllocs()
	for b.Loop() {
		hc := h.dial("192.0.2.10:50100", "198.51.100.20:443", true)
		hc.send(c2s, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
		hc.close(reassembly.CloseFIN)
	}
}

// BenchmarkControlLines measures command/reply pairs on a session whose
// transcript is full (the steady state of a long session).
func BenchmarkControlLines(b *testing.B) {
	h := newHarness(b, func(c *Config) { c.OnEvent = nil; c.MaxTranscript = 16 })
	hc := login(h.ctl())
	cmd := []byte("NOOP\r\n")
	rep := []byte("200 NOOP ok.\r\n")
	st, c := hc.st, hc.c
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd) + len(rep)))
	for b.Loop() {
		st.Data(c, c2s, cmd, t0)
		st.Data(c, s2c, rep, t0)
	}
}
