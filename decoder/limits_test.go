package decoder

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// Each bound that fires is counted in the summary and noted where it cut:
// on the session, or on the transfer when the cut is the transfer's own.
// These tests drive every bound whose note is not tested elsewhere, with
// the real Analyzer (the harness) or the real Assembler in front of it,
// and check the count and exactly which sessions and transfers carry the
// note.

// limitRun is what a run left: the sessions and the limits that fired,
// the assembler's folded in as "tcp_" + name as cmd/ftpsniff does.
type limitRun struct {
	sessions []*Session
	limits   map[string]int64
}

func harnessRun(h *harness) limitRun {
	ss := h.finish()
	return limitRun{sessions: ss, limits: h.summary.Limits}
}

// e2e is an Analyzer behind a real Assembler.
type e2e struct {
	w        *wire
	an       *Analyzer
	sessions []*Session
}

func newE2E(t *testing.T, mod func(*Config), l reassembly.Limits) *e2e {
	e := &e2e{}
	cfg := DefaultConfig()
	cfg.OnSession = func(s *Session) { e.sessions = append(e.sessions, s) }
	if mod != nil {
		mod(&cfg)
	}
	e.an = NewAnalyzer(cfg)
	e.w = &wire{t: t, now: t0}
	e.w.as = reassembly.NewAssembler(e.an, l)
	return e
}

func (e *e2e) finish() limitRun {
	e.w.as.Flush(e.w.now)
	sum := e.an.Finish()
	lim := maps.Clone(sum.Limits)
	for k, v := range e.w.as.Stats().LimitHits {
		if v > 0 {
			lim["tcp_"+k] += v
		}
	}
	return limitRun{sessions: e.sessions, limits: lim}
}

// outOfOrderB sends s from b at offset off past b's next byte, with no
// acknowledgment: a segment after a hole the capture missed.
func (c *tcpConn) outOfOrderB(off uint32, s string) {
	c.w.send(c.b, c.a, c.seqB+off, c.seqA, tcp.PSH|tcp.ACK, s)
}

func (c *tcpConn) outOfOrderA(off uint32, s string) {
	c.w.send(c.a, c.b, c.seqA+off, c.seqB, tcp.PSH|tcp.ACK, s)
}

// e2eLogin plays a greeting and a login on a control connection.
func e2eLogin(c *tcpConn) *tcpConn {
	c.fromB("220 ready\r\n")
	c.fromA("USER u\r\n").fromB("331 pw\r\n")
	return c.fromA("PASS p\r\n").fromB("230 ok\r\n")
}

// historySize is the assembler's retransmission-check ring per direction
// (reassembly keeps the constant unexported); its ring budget is
// MaxBuffer/2.
const historySize = 4096

func TestLimitsAreNoted(t *testing.T) {
	early := func(mod func(*Config)) (*harness, *hconn, *hconn) {
		h := newHarness(t, mod)
		hc := login(h.ctl())
		hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
		dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
		return h, hc, dc
	}
	extract := func(c *Config) { c.Content = &recSink{got: map[string]*strings.Builder{}} }
	// retr plays the transfer command a waiting data connection serves.
	retr := func(h *harness, hc, dc *hconn) limitRun {
		hc.C("RETR a.bin").S("150 go")
		dc.close(reassembly.CloseFIN)
		hc.S("226 ok")
		hc.close(reassembly.CloseFIN)
		return harnessRun(h)
	}
	tests := []struct {
		name  string
		run   func(t *testing.T) limitRun
		key   string
		count int64
		// noted lists where the note is: session IDs, "ID/i" for
		// transfer i of that session.
		note, noted string
	}{
		{
			name: "FEAT lines past the bound",
			run: func(t *testing.T) limitRun {
				h := newHarness(t, nil)
				hc := login(h.ctl())
				lines := []string{"211-Features:"}
				for i := 0; i < maxFeatures+5; i++ {
					lines = append(lines, " X-FEATURE-"+strconv.Itoa(i))
				}
				hc.C("FEAT").S(append(lines, "211 End")...)
				hc.close(reassembly.CloseFIN)
				r := harnessRun(h)
				if n := len(r.sessions[0].Features); n != maxFeatures {
					t.Errorf("%d features kept", n)
				}
				return r
			},
			key: limitFeatures, count: 1, note: "features_truncated", noted: "S1",
		},
		{
			name: "unparsable server lines past the transcript copies",
			run: func(t *testing.T) limitRun {
				h := newHarness(t, nil)
				hc := login(h.ctl())
				for i := 0; i < maxBadLines+3; i++ {
					hc.S("not a reply " + strconv.Itoa(i))
				}
				hc.close(reassembly.CloseFIN)
				return harnessRun(h)
			},
			key: limitBadLines, count: 3, note: "bad_lines_truncated", noted: "S1",
		},
		{
			name: "transfers waiting for a data connection",
			run: func(t *testing.T) limitRun {
				h := newHarness(t, nil)
				hc := login(h.ctl())
				hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
				for i := 0; i < maxWaiting+2; i++ {
					hc.C("RETR f" + strconv.Itoa(i))
				}
				hc.close(reassembly.CloseFIN)
				return harnessRun(h)
			},
			key: limitWaiting, count: 2, note: "waiting_limit", noted: "S1/0 S1/1",
		},
		{
			name: "sessions guessing the default data port",
			run: func(t *testing.T) limitRun {
				h := newHarness(t, nil)
				var ctls []*hconn
				for i := 0; i <= maxGuesses; i++ {
					hc := h.dial("192.0.2.10:"+strconv.Itoa(40000+i), "198.51.100.20:21", true)
					ctls = append(ctls, login(hc).C("RETR f"))
				}
				for _, hc := range ctls {
					hc.close(reassembly.CloseFIN)
				}
				return harnessRun(h)
			},
			key: limitGuesses, count: 1, note: "guess_evicted", noted: "S1",
		},
		{
			name: "sessions sharing one data connection",
			run: func(t *testing.T) limitRun {
				h := newHarness(t, nil)
				var ctls []*hconn
				for i := 0; i <= maxLinksPerConn; i++ {
					hc := login(h.dial("192.0.2.10:"+strconv.Itoa(40000+i), "198.51.100.20:21", true))
					ctls = append(ctls, hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)"))
				}
				h.dial("192.0.2.10:50100", "198.51.100.20:50000", true).close(reassembly.CloseFIN)
				for _, hc := range ctls {
					hc.close(reassembly.CloseFIN)
				}
				return harnessRun(h)
			},
			key: limitLinksPerConn, count: 1, note: "links_per_conn_limit", noted: "S" + strconv.Itoa(maxLinksPerConn+1),
		},
		{
			name: "early payload past the content buffer",
			run: func(t *testing.T) limitRun {
				h, hc, dc := early(extract)
				dc.send(s2c, strings.Repeat("x", maxEarlyContent))
				dc.send(s2c, "more")
				dc.send(s2c, "and more") // counted once per direction
				return retr(h, hc, dc)
			},
			key: limitContentBuffer, count: 1, note: "content_buffer_limit", noted: "S1/0",
		},
		{
			name: "early holes past the content buffer",
			run: func(t *testing.T) limitRun {
				h, hc, dc := early(extract)
				for i := 0; i < maxEarlyHoles+2; i++ {
					dc.send(s2c, "x")
					dc.gap(s2c, 1)
				}
				return retr(h, hc, dc)
			},
			key: limitContentBuffer, count: 1, note: "content_buffer_limit", noted: "S1/0",
		},
		{
			name: "early payload cut on a connection never tied to a transfer",
			run: func(t *testing.T) limitRun {
				h, hc, dc := early(extract)
				dc.send(s2c, strings.Repeat("x", maxEarlyContent+1))
				dc.close(reassembly.CloseFIN)
				hc.close(reassembly.CloseFIN)
				r := harnessRun(h)
				if !hasNote(r.sessions[0].Notes, "data_without_transfer") {
					t.Errorf("notes %v", r.sessions[0].Notes)
				}
				return r
			},
			key: limitContentBuffer, count: 1, note: "content_buffer_limit", noted: "S1",
		},
		{
			name: "probe buffer full on a connection between two FTP ports",
			run: func(t *testing.T) limitRun {
				h := newHarness(t, nil)
				hc := h.dial("192.0.2.10:21", "198.51.100.20:21", true)
				for i := 0; i <= probeChunkMax; i++ {
					hc.send(c2s, "U") // never a whole first line
				}
				hc.close(reassembly.CloseFIN)
				return harnessRun(h)
			},
			key: limitProbe, count: 1, note: "probe_undecided", noted: "S1",
		},
		{
			name: "coverage spans on a control connection",
			run: func(t *testing.T) limitRun {
				e := newE2E(t, nil, reassembly.DefaultLimits())
				ctl := e2eLogin(e.w.connect("192.0.2.10:50000", "198.51.100.20:21"))
				// The commands so far are one captured range; eight
				// segments after holes make the ninth.
				for i := uint32(0); i < 8; i++ {
					ctl.outOfOrderA(1+2*i, "x")
				}
				return e.finish()
			},
			key: "tcp_coverage_spans", count: 1, note: "coverage_spans_limit", noted: "S1",
		},
		{
			name: "coverage spans on a data connection",
			run: func(t *testing.T) limitRun {
				e := newE2E(t, nil, reassembly.DefaultLimits())
				ctl := e2eLogin(e.w.connect("192.0.2.10:50000", "198.51.100.20:21"))
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80)\r\n")
				ctl.fromA("RETR a.bin\r\n")
				dc := e.w.connect("192.0.2.10:50100", "198.51.100.20:50000")
				ctl.fromB("150 go\r\n")
				for i := uint32(0); i < 9; i++ {
					dc.outOfOrderB(1+2*i, "x")
				}
				ctl.fromB("226 ok\r\n")
				return e.finish()
			},
			key: "tcp_coverage_spans", count: 1, note: "coverage_spans_limit", noted: "S1/0",
		},
		{
			name: "no retransmission-check ring while probing a non-FTP port",
			run: func(t *testing.T) limitRun {
				l := reassembly.DefaultLimits()
				l.MaxBuffer = historySize // ring budget MaxBuffer/2: none
				e := newE2E(t, nil, l)
				ctl := e2eLogin(e.w.connect("192.0.2.10:50000", "198.51.100.20:2121"))
				ctl.fromA("QUIT\r\n").fromB("221 bye\r\n")
				ctl.fin()
				return e.finish()
			},
			key: "tcp_history", count: 2, note: "history_limit", noted: "S1",
		},
		{
			name: "no ring for an early data connection: noted on its transfer",
			run: func(t *testing.T) limitRun {
				l := reassembly.DefaultLimits()
				l.MaxBuffer = 4 * historySize // two rings: the control connection's
				e := newE2E(t, extract, l)
				ctl := e2eLogin(e.w.connect("192.0.2.10:50000", "198.51.100.20:21"))
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80)\r\n")
				dc := e.w.connect("192.0.2.10:50100", "198.51.100.20:50000")
				dc.fromB("early bytes")
				ctl.fromA("RETR a.bin\r\n").fromB("150 go\r\n")
				dc.fin()
				ctl.fromB("226 ok\r\n")
				return e.finish()
			},
			key: "tcp_history", count: 1, note: "history_limit", noted: "S1/0",
		},
		{
			name: "buffer limit on an early data connection: noted on its transfer",
			run: func(t *testing.T) limitRun {
				l := reassembly.DefaultLimits()
				l.MaxConnBuffer = 512
				e := newE2E(t, extract, l)
				ctl := e2eLogin(e.w.connect("192.0.2.10:50000", "198.51.100.20:21"))
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80)\r\n")
				dc := e.w.connect("192.0.2.10:50100", "198.51.100.20:50000")
				dc.outOfOrderB(10, strings.Repeat("y", 600))
				ctl.fromA("RETR a.bin\r\n").fromB("150 go\r\n")
				ctl.fromB("226 ok\r\n")
				return e.finish()
			},
			key: "tcp_max_conn_buffer", count: 1, note: "conn_buffer_limit", noted: "S1/0",
		},
		{
			name: "connection table full: the data connection is evicted",
			run: func(t *testing.T) limitRun {
				l := reassembly.DefaultLimits()
				l.MaxConns = 2
				e := newE2E(t, func(c *Config) { c.NoProbe = true }, l)
				ctl := e2eLogin(e.w.connect("192.0.2.10:50000", "198.51.100.20:21"))
				ctl.fromA("PASV\r\n").fromB("227 Entering Passive Mode (198,51,100,20,195,80)\r\n")
				ctl.fromA("RETR a.bin\r\n")
				dc := e.w.connect("192.0.2.10:50100", "198.51.100.20:50000")
				dc.fromB("some bytes")
				ctl.fromB("150 go\r\n") // the data connection is now the least recently active
				e.w.connect("203.0.113.5:40000", "203.0.113.6:80")
				ctl.fromB("226 ok\r\n")
				return e.finish()
			},
			key: "tcp_max_conns", count: 1, note: "conn_evicted", noted: "S1/0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run(t)
			if got := r.limits[tt.key]; got != tt.count {
				t.Errorf("limits[%q] = %d, want %d (all: %v)", tt.key, got, tt.count, r.limits)
			}
			var where []string
			for _, s := range r.sessions {
				if hasNote(s.Notes, tt.note) {
					where = append(where, s.ID)
				}
				for i, x := range s.Transfers {
					if hasNote(x.Notes, tt.note) {
						where = append(where, s.ID+"/"+strconv.Itoa(i))
					}
				}
			}
			slices.Sort(where)
			if got := strings.Join(where, " "); got != tt.noted {
				t.Errorf("%s noted on %q, want %q", tt.note, got, tt.noted)
				for _, s := range r.sessions {
					t.Logf("%s", dump(s))
				}
			}
		})
	}
}
