package decoder

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// play sends a script: "C text" from the client, "S text" from the
// server (CRLF added; "\r\n" inside a step sends several lines in one
// segment), "GAP C n"/"GAP S n" for lost bytes.
func play(hc *hconn, script []string) {
	for _, step := range script {
		switch {
		case strings.HasPrefix(step, "C "):
			hc.C(step[2:])
		case strings.HasPrefix(step, "S "):
			hc.S(step[2:])
		case strings.HasPrefix(step, "RAW C "):
			hc.send(reassembly.ClientToServer, step[6:])
		case strings.HasPrefix(step, "RAW S "):
			hc.send(reassembly.ServerToClient, step[6:])
		case strings.HasPrefix(step, "GAP "):
			var who string
			var n int64
			fmt.Sscanf(step[4:], "%s %d", &who, &n)
			d := reassembly.ClientToServer
			if who == "S" {
				d = reassembly.ServerToClient
			}
			hc.gap(d, n)
		default:
			panic("bad step " + step)
		}
	}
}

func TestDialogues(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		syn    bool
		script []string
		want   []string // lines that must appear in dump(s)
		check  func(t *testing.T, s *Session)
	}{
		{
			name: "login success",
			syn:  true,
			script: []string{
				"S 220 (vsFTPd 3.0.5)",
				"C USER alice", "S 331 Please specify the password.",
				"C PASS s3cret", "S 230 Login successful.",
				"C QUIT", "S 221 Goodbye.",
			},
			want: []string{
				"end=quit login=success user=alice pass=s3cret anon=false tls=false mode=none cmds=3",
				`banner "(vsFTPd 3.0.5)"`,
				"attempt alice/s3cret success 230",
			},
		},
		{
			name: "login failure",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER bob", "S 331 Password required",
				"C PASS wrong", "S 530 Login incorrect.",
			},
			want: []string{"end=fin login=failure user=bob pass=wrong", "attempt bob/wrong failure 530"},
		},
		{
			name: "anonymous",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER Anonymous", "S 331 Guest login ok, send your email as password.",
				"C PASS guest@example.com", "S 230 Guest login ok.",
			},
			want: []string{"login=success user=Anonymous pass=guest@example.com anon=true"},
		},
		{
			name: "USER alone logs in (Pure-FTPd USER ftp)",
			syn:  true,
			script: []string{
				"S 220---------- Welcome to Pure-FTPd ----------\r\n220 You will be disconnected after 15 minutes of inactivity.",
				"C USER ftp", "S 230 Anonymous user logged in",
			},
			want: []string{"login=success user=ftp pass=- anon=true", "attempt ftp/- success 230",
				`banner "--------- Welcome to Pure-FTPd ----------"`},
		},
		{
			name: "re-login after failure",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 331 pw", "C PASS 1", "S 530 no",
				"C USER b", "S 331 pw", "C PASS 2", "S 230 ok",
			},
			want: []string{"login=success user=b pass=2", "attempt a/1 failure 530", "attempt b/2 success 230"},
		},
		{
			name: "re-login after success fails",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 331 pw", "C PASS 1", "S 230 ok",
				"C USER b", "S 331 pw", "C PASS 2", "S 530 no",
			},
			want: []string{"login=failure user=b pass=2", "attempt a/1 success 230", "attempt b/2 failure 530"},
		},
		{
			name: "PASS retried without USER is a new attempt",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 331 pw", "C PASS 1", "S 530 no", "C PASS 2", "S 530 no",
			},
			want: []string{"attempt a/1 failure 530", "attempt a/2 failure 530"},
		},
		{
			name: "ACCT after 332",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 331 pw", "C PASS 1", "S 332 Need account for login.", "C ACCT proj", "S 230 ok",
			},
			want: []string{"attempt a/1 success 230"},
			check: func(t *testing.T, s *Session) {
				if a := s.LoginAttempts[0].Account; a == nil || *a != "proj" {
					t.Errorf("account %v", a)
				}
			},
		},
		{
			name: "attempt without reply is unknown",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 331 pw", "C PASS 1",
			},
			want: []string{"login=none user=a pass=1", "attempt a/1 unknown 331"},
		},
		{
			name: "pipelined before the greeting",
			syn:  true,
			script: []string{
				"C USER u\r\nPASS p\r\nSYST\r\nTYPE I\r\nPWD",
				"S 220 slow server",
				"S 331 pw\r\n230 ok\r\n215 UNIX Type: L8\r\n200 Switching to Binary mode.",
				`S 257 "/home/u" is the current directory`,
			},
			want: []string{"login=success user=u pass=p", `banner "slow server"`, "cmds=5"},
			check: func(t *testing.T, s *Session) {
				if s.System == nil || *s.System != "UNIX Type: L8" {
					t.Errorf("system %v", s.System)
				}
				// The transcript pairs each reply with its command.
				var codes []string
				for _, e := range s.Transcript {
					if e.Kind == EntryReply {
						codes = append(codes, fmt.Sprint(e.Code))
					}
				}
				if got := strings.Join(codes, " "); got != "220 331 230 215 200 257" {
					t.Errorf("replies %s", got)
				}
			},
		},
		{
			name: "multi-line reply with digit-leading lines",
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 331 pw", "C PASS 1",
				"S 230-Welcome\r\n123 this line starts with digits\r\n230-more\r\n 230 still inside\r\n230 Login successful.",
				"C SYST", "S 215 UNIX",
			},
			want: []string{"login=success", "attempt a/1 success 230"},
			check: func(t *testing.T, s *Session) {
				var last *Entry
				for i := range s.Transcript {
					if e := &s.Transcript[i]; e.Kind == EntryReply && e.Code == 230 {
						last = e
					}
				}
				if last == nil || len(last.Lines) != 5 {
					t.Fatalf("230 reply %+v", last)
				}
				if s.System == nil || *s.System != "UNIX" {
					t.Errorf("SYST after the multi-line reply: %v", s.System)
				}
			},
		},
		{
			name: "120 then 220 greeting",
			syn:  true,
			script: []string{
				"S 120 Service ready in 2 minutes.", "S 220 ready now",
				"C USER a", "S 230 ok",
			},
			want: []string{"login=success", `banner "ready now"`},
		},
		{
			name: "unsolicited 421 and 221",
			syn:  true,
			script: []string{
				"S 220 ready", "C NOOP", "S 200 ok",
				"S 421 Timeout.", "S 221 Goodbye.",
			},
			want: []string{"end=fin", "cmds=1"},
			check: func(t *testing.T, s *Session) {
				n := 0
				for _, e := range s.Transcript {
					if e.Kind == EntryReply && (e.Code == 421 || e.Code == 221) && e.Latency == 0 {
						n++
					}
				}
				if n != 2 {
					t.Errorf("unsolicited replies %d", n)
				}
			},
		},
		{
			name:   "mid-session capture",
			syn:    false,
			script: []string{"C PWD", `S 257 "/pub"`, "C NOOP", "S 200 ok"},
			want:   []string{"login=none user=- pass=-", "notes no_handshake"},
			check: func(t *testing.T, s *Session) {
				if s.Handshake || s.HandshakeRTT != nil {
					t.Error("handshake")
				}
			},
		},
		{
			name: "bad lines are noted, decoding goes on",
			syn:  true,
			script: []string{
				"S 220 ready", "C USER a", "S SSH-2.0-mod_sftp/0.9.7", "S 331 pw",
				"C \x01\x02garbage", "S 500 Unknown command.", "C PASS p", "S 230no_space",
			},
			want: []string{"login=success", "bad_reply", "bad_command", "cmds=3"},
		},
		{
			name:   "line truncated",
			cfg:    func(c *Config) { c.MaxLine = 32 },
			syn:    true,
			script: []string{"S 220 ready", "C USER " + strings.Repeat("x", 100), "S 331 pw"},
			want:   []string{"line_truncated"},
		},
		{
			name:   "too many pending",
			cfg:    func(c *Config) { c.MaxPending = 3 },
			syn:    true,
			script: []string{"S 220 ready", "C NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP"},
			want:   []string{"cmds=5", "too_many_pending"},
		},
		{
			name:   "transcript truncated",
			cfg:    func(c *Config) { c.MaxTranscript = 4 },
			syn:    true,
			script: []string{"S 220 ready", "C NOOP", "S 200 a", "C NOOP", "S 200 b", "C USER x", "S 230 ok"},
			want:   []string{"login=success", "cmds=3", "transcript_truncated"},
			check: func(t *testing.T, s *Session) {
				if len(s.Transcript) != 4 {
					t.Errorf("transcript %d", len(s.Transcript))
				}
			},
		},
		{
			name: "login attempts bounded",
			cfg:  func(c *Config) { c.MaxLoginAttempts = 2 },
			syn:  true,
			script: []string{
				"S 220 ready",
				"C USER a", "S 530 no", "C USER b", "S 530 no", "C USER c", "S 230 ok",
			},
			want: []string{"login=success user=c", "login_attempts_truncated"},
			check: func(t *testing.T, s *Session) {
				if len(s.LoginAttempts) != 2 || s.LoginCount != 3 {
					t.Errorf("attempts %d count %d", len(s.LoginAttempts), s.LoginCount)
				}
			},
		},
		{
			name: "FEAT and SYST",
			syn:  true,
			script: []string{
				"S 220 ready", "C FEAT",
				"S 211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End",
				"C SYST", "S 215 UNIX Type: L8",
			},
			check: func(t *testing.T, s *Session) {
				if got := strings.Join(s.Features, ","); got != "EPRT,EPSV,MDTM,PASV,REST STREAM,SIZE,TVFS" {
					t.Errorf("features %q", got)
				}
			},
		},
		{
			name: "gap in control resumes at the next line",
			syn:  true,
			script: []string{
				"S 220 ready", "C USER a", "S 331 pw",
				"RAW C PASS hid", "GAP C 10", "RAW C den\r\nSYST\r\n",
				"S 230 ok", "S 215 UNIX",
			},
			want: []string{"gap_in_control"},
			check: func(t *testing.T, s *Session) {
				if s.GapBytes != 10 {
					t.Errorf("gap bytes %d", s.GapBytes)
				}
				if s.System == nil {
					t.Errorf("SYST after the gap not decoded")
				}
				found := false
				for _, e := range s.Transcript {
					found = found || e.Kind == EntryGap && e.Bytes == 10
				}
				if !found {
					t.Error("no gap entry")
				}
			},
		},
		{
			name:   "unterminated last line",
			syn:    true,
			script: []string{"S 220 ready", "C NOOP", "S 200 ok", "RAW C QUIT"},
			want:   []string{"cmds=2", "unterminated_line"},
		},
		{
			name: "Telnet IAC in commands",
			syn:  true,
			script: []string{
				"S 220 ready", "C USER a", "S 230 ok",
				"RAW C \xff\xf4\xff\xf2ABOR\r\n", "S 226 ok",
			},
			want: []string{"cmds=2"},
			check: func(t *testing.T, s *Session) {
				if e := s.Transcript[3]; e.Verb != "ABOR" {
					t.Errorf("IAC not stripped: %+v", e)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			hc := h.dial("192.0.2.10:50000", "198.51.100.20:21", tc.syn)
			play(hc, tc.script)
			hc.close(reassembly.CloseFIN)
			s := h.only()
			d := dump(s)
			for _, w := range tc.want {
				if !strings.Contains(d, w) {
					t.Errorf("missing %q in\n%s", w, d)
				}
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestReplyLatency(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.ctl()
	hc.S("220 ready")
	hc.C("USER a")
	hc.h.tick()
	hc.h.tick()
	hc.S("331 pw")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	e := s.Transcript[2]
	if e.Kind != EntryReply || e.Latency != 3*time.Millisecond {
		t.Fatalf("latency entry %+v", e)
	}
}

func TestSessionFacts(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.dial("192.0.2.10:50000", "198.51.100.20:21", true)
	start := hc.c.Start
	hc.S("220 ready").C("QUIT").S("221 bye")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if s.ID != "S1" || !s.Handshake || s.HandshakeRTT == nil || *s.HandshakeRTT != 2*time.Millisecond {
		t.Errorf("facts %+v", s)
	}
	if !s.Start.Equal(start) || !s.End.After(start) {
		t.Errorf("times %v %v", s.Start, s.End)
	}
	if s.EndReason != EndQuit {
		t.Errorf("end %s", s.EndReason)
	}
	if h.summary.Sessions != 1 || h.summary.Logins != 0 {
		t.Errorf("summary %+v", h.summary)
	}
}

func TestEndReasons(t *testing.T) {
	for _, tc := range []struct {
		r    reassembly.CloseReason
		want EndReason
		note string
	}{
		{reassembly.CloseFIN, EndFIN, ""},
		{reassembly.CloseRST, EndRST, ""},
		{reassembly.CloseTimeout, EndTimeout, ""},
		{reassembly.CloseCaptureEnd, EndCaptureEnd, ""},
		{reassembly.CloseEvicted, EndTimeout, "conn_evicted"},
		{reassembly.CloseReused, EndFIN, "port_reused"},
	} {
		h := newHarness(t, nil)
		hc := h.ctl()
		hc.S("220 ready")
		hc.close(tc.r)
		s := h.only()
		if s.EndReason != tc.want || (tc.note != "" && !hasNote(s.Notes, tc.note)) {
			t.Errorf("%v: end %s notes %v", tc.r, s.EndReason, s.Notes)
		}
	}
}

func TestEvents(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.ctl()
	hc.S("220 ready").C("USER a").S("331 pw").C("PASS b").S("230 ok").C("QUIT").S("221 bye")
	hc.close(reassembly.CloseFIN)
	h.finish()
	got := strings.Join(h.events, "|")
	want := "open S1|reply 220|cmd USER|reply 331|cmd PASS|reply 230|login a success|cmd QUIT|reply 221|close S1"
	if got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
	if h.summary.Logins != 1 {
		t.Errorf("summary logins %d", h.summary.Logins)
	}
}

func TestFinishEmitsOpenSessionsByID(t *testing.T) {
	h := newHarness(t, nil)
	a := h.dial("192.0.2.10:50001", "198.51.100.20:21", true)
	b := h.dial("192.0.2.10:50002", "198.51.100.20:21", true)
	c := h.dial("192.0.2.10:50003", "198.51.100.20:21", true)
	for _, hc := range []*hconn{c, a, b} {
		hc.S("220 ready")
	}
	b.close(reassembly.CloseFIN)
	ss := h.finish()
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID+":"+string(s.EndReason))
	}
	if got := strings.Join(ids, " "); got != "S2:fin S1:capture_end S3:capture_end" {
		t.Fatalf("order %s", got)
	}
	// Finish is idempotent.
	if again := h.a.Finish(); again.Sessions != 3 {
		t.Fatalf("second Finish %+v", again)
	}
}

func TestPipelinedMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	h := newHarness(t, func(c *Config) { c.MaxTranscript = 1000; c.MaxPending = 100; c.OnEvent = nil })
	hc := h.ctl()
	hc.S("220 ready")
	chunk := strings.Repeat("NOOP\r\n", 10000)
	for i := 0; i < 100; i++ {
		hc.send(reassembly.ClientToServer, chunk)
	}
	replies := strings.Repeat("200 ok\r\n", 10000)
	for i := 0; i < 100; i++ {
		hc.send(reassembly.ServerToClient, replies)
	}
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if s.Commands != 1000000 || len(s.Transcript) != 1000 {
		t.Fatalf("commands %d transcript %d", s.Commands, len(s.Transcript))
	}
	if !hasNote(s.Notes, "too_many_pending") || !hasNote(s.Notes, "transcript_truncated") {
		t.Fatalf("notes %v", s.Notes)
	}
	if h.summary.Limits[limitPending] == 0 || h.summary.Limits[limitTranscript] == 0 {
		t.Fatalf("limits %v", h.summary.Limits)
	}
}

func TestGapRealignment(t *testing.T) {
	tests := []struct {
		name   string
		script []string
		check  func(t *testing.T, s *Session)
	}{
		{
			name: "lost command: its reply is not given to the next one",
			script: []string{
				"S 220 ready", "C USER a", "S 331 pw",
				"GAP C 12", // "PASS secret\r\n" minus one byte, whole lines
				"C PWD", "S 230 ok", `S 257 "/home/a"`,
			},
			check: func(t *testing.T, s *Session) {
				pwd := s.Transcript[len(s.Transcript)-1]
				if pwd.Code != 257 || pwd.Latency == 0 {
					t.Errorf("257 not paired with PWD: %+v", pwd)
				}
			},
		},
		{
			name: "lost reply: later commands keep theirs",
			script: []string{
				"S 220 ready", "C USER a", "S 331 pw", "C PASS b", "C SYST",
				"GAP S 8", // "230 ok\r\n"
				"S 215 UNIX",
			},
			check: func(t *testing.T, s *Session) {
				if s.System == nil || *s.System != "UNIX" {
					t.Errorf("SYST reply lost: %s", dump(s))
				}
				if s.LoginAttempts[0].Outcome != OutcomeUnknown {
					t.Errorf("attempt %+v", s.LoginAttempts[0])
				}
			},
		},
		{
			name: "hole ending at a line end keeps the next line",
			script: []string{
				"S 220 ready", "RAW C NO", "GAP C 4", "RAW C SYST\r\n", "S 200 ok", "S 215 UNIX",
			},
			check: func(t *testing.T, s *Session) {
				if s.Commands != 1 || s.System == nil {
					t.Errorf("%s", dump(s))
				}
			},
		},
		{
			name: "hole inside a line skips its tail",
			script: []string{
				"S 220 ready", "RAW C USER al", "GAP C 2", "RAW C ice\r\nSYST\r\n", "S 215 UNIX",
			},
			check: func(t *testing.T, s *Session) {
				if s.Commands != 1 || s.User != nil || s.System == nil {
					t.Errorf("%s", dump(s))
				}
			},
		},
		{
			name: "hole in a multi-line reply",
			script: []string{
				"S 220 ready", "C FEAT", "RAW S 211-Features:\r\n EPSV\r\n", "GAP S 30", "RAW S  SIZE\r\n211 End\r\n",
				"C SYST", "S 215 UNIX",
			},
			check: func(t *testing.T, s *Session) {
				if s.System == nil {
					t.Errorf("%s", dump(s))
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			hc := h.ctl()
			play(hc, tc.script)
			hc.close(reassembly.CloseFIN)
			s := h.only()
			if !hasNote(s.Notes, "gap_in_control") {
				t.Errorf("notes %v", s.Notes)
			}
			tc.check(t, s)
		})
	}
}

func TestUnsolicitedPassiveReply(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	// The PASV itself fell in a hole.
	hc.gap(c2s, 6)
	hc.S("227 Entering Passive Mode (198,51,100,20,195,80)")
	hc.C("RETR f")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	hc.S("150 go")
	dc.bytes(s2c, 9, 0)
	dc.close(reassembly.CloseFIN)
	hc.S("226 ok")
	hc.close(reassembly.CloseFIN)
	x := onlyXfer(t, h.only())
	if x.Bytes == nil || *x.Bytes != 9 || x.Negotiation != "PASV" {
		t.Fatalf("%s", xferString(x))
	}
}
