package audit

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decoder"
)

func TestCredentials(t *testing.T) {
	sessions := []*decoder.Session{
		// Listed second although it starts first: output is by time.
		session("late", client, server, t0.Add(time.Minute)).login("alice", str("pw"), 230).done(),
		session("early", attacker, server, t0).
			login("root", str("toor"), 530).
			login("anonymous", str("me@example.org"), 230).done(),
		// AUTH TLS before USER: one protected row.
		session("ftps", client, server, t0.Add(2*time.Minute)).feat(" AUTH TLS").startTLS().done(),
		// USER before AUTH TLS: the user name is readable, the rest of
		// the login happened inside TLS.
		session("userfirst", client, server, t0.Add(3*time.Minute)).login("carol", nil, 0).startTLS().done(),
		// Implicit FTPS: TLS, no EntryTLS, nothing readable.
		func() *decoder.Session {
			s := session("implicit", client, "198.51.100.10:990", t0.Add(4*time.Minute)).done()
			s.Transcript, s.TLS = nil, true
			return s
		}(),
		// ACCT and a reply code.
		func() *decoder.Session {
			b := session("acct", client, server, t0.Add(5*time.Minute)).login("dave", str("pw"), 0)
			b.s.LoginAttempts[0].Account = str("proj-1")
			b.s.LoginAttempts[0].Outcome = decoder.OutcomeSuccess
			b.s.LoginAttempts[0].ReplyCode = code(230)
			return b.done()
		}(),
		nil,
	}
	got := Credentials(sessions)
	type row struct {
		id, user, pass, account string
		outcome                 decoder.Outcome
		anon, tls               bool
	}
	var rows []row
	for _, c := range got {
		r := row{id: c.SessionID, outcome: c.Outcome, anon: c.Anonymous, tls: c.TLS, user: "<nil>", pass: "<nil>", account: "<nil>"}
		if c.User != nil {
			r.user = *c.User
		}
		if c.Password != nil {
			r.pass = *c.Password
		}
		if c.Account != nil {
			r.account = *c.Account
		}
		rows = append(rows, r)
	}
	want := []row{
		{"early", "root", "toor", "<nil>", decoder.OutcomeFailure, false, false},
		{"early", "anonymous", "me@example.org", "<nil>", decoder.OutcomeSuccess, true, false},
		{"late", "alice", "pw", "<nil>", decoder.OutcomeSuccess, false, false},
		{"ftps", "<nil>", "<nil>", "<nil>", decoder.OutcomeUnknown, false, true},
		{"userfirst", "carol", "<nil>", "<nil>", decoder.OutcomeUnknown, false, true},
		{"implicit", "<nil>", "<nil>", "<nil>", decoder.OutcomeUnknown, false, true},
		{"acct", "dave", "pw", "proj-1", decoder.OutcomeSuccess, false, false},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("credentials:\n got %v\nwant %v", rows, want)
	}
	if got[0].Client != netip.MustParseAddrPort(attacker) || got[0].Server != netip.MustParseAddrPort(server) {
		t.Errorf("endpoints = %v %v", got[0].Client, got[0].Server)
	}
	if got[3].Time != sessions[2].Transcript[len(sessions[2].Transcript)-1].TS {
		t.Errorf("protected row time = %v, want the TLS switch", got[3].Time)
	}
	if *got[6].ReplyCode != 230 {
		t.Errorf("reply code = %v", *got[6].ReplyCode)
	}
	// The rows share nothing with the sessions.
	*got[2].Password = "changed"
	if *sessions[0].LoginAttempts[0].Password != "pw" {
		t.Error("Credentials aliases the session's password")
	}
	if Credentials(nil) != nil {
		t.Error("Credentials(nil) is not nil")
	}
}

// TestExchanges: exchanges reads the decoder's pairing (Entry.Answers,
// whose realignment decoder's tests cover) and never pairs by itself.
func TestExchanges(t *testing.T) {
	cmd := func(v string) decoder.Entry {
		return decoder.Entry{Kind: decoder.EntryCommand, Verb: v, Transfer: -1, Answers: -1}
	}
	rep := func(c, answers int) decoder.Entry {
		return decoder.Entry{Kind: decoder.EntryReply, Code: c, Transfer: -1, Answers: answers}
	}
	gap := decoder.Entry{Kind: decoder.EntryGap, Transfer: -1, Answers: -1}
	tests := []struct {
		name       string
		transcript []decoder.Entry
		// want is each command's verb and final code.
		want string
	}{
		{"greeting is no answer", []decoder.Entry{rep(220, -1), cmd("USER"), rep(331, 1), cmd("PASS"), rep(230, 3)},
			"USER=331 PASS=230"},
		{"pipelined", []decoder.Entry{rep(220, -1), cmd("USER"), cmd("PASS"), cmd("SYST"), rep(331, 1), rep(230, 2), rep(215, 3)},
			"USER=331 PASS=230 SYST=215"},
		{"preliminary replies wait", []decoder.Entry{cmd("RETR"), rep(150, 0), cmd("NOOP"), rep(226, 0), rep(200, 2)},
			"RETR=226 NOOP=200"},
		{"realigned after a gap", []decoder.Entry{cmd("PWD"), cmd("TYPE"), gap, rep(200, 1)},
			"PWD=0 TYPE=200"},
		{"unsolicited 421", []decoder.Entry{rep(421, -1), cmd("QUIT")}, "QUIT=0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, x := range exchanges(tc.transcript) {
				parts = append(parts, x.cmd.Verb+"="+itoa(x.code()))
			}
			if got := strings.Join(parts, " "); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestLoginState(t *testing.T) {
	b := session("s", client, server, t0).
		do("STOR", "before", 226).
		login("anonymous", str("x@"), 230).
		do("STOR", "anon", 226).
		do("REIN", "", 220).
		do("STOR", "after-rein", 530).
		cmd("USER", "ftp").reply(230, "no password needed").
		do("STOR", "anon2", 226).
		login("alice", str("pw"), 230).
		do("STOR", "alice", 226)
	var got []string
	for _, x := range exchanges(b.done().Transcript) {
		if x.cmd.Verb == "STOR" {
			got = append(got, x.cmd.Arg+":"+map[bool]string{true: "in", false: "out"}[x.loggedIn]+
				map[bool]string{true: "/anon", false: ""}[x.anonymous])
		}
		if x.anonLogin {
			got = append(got, "login:"+x.user)
		}
	}
	want := "before:out login:anonymous anon:in/anon after-rein:out login:ftp anon2:in/anon alice:in"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestOffersTLS(t *testing.T) {
	for _, tc := range []struct {
		features []string
		want     bool
	}{
		{[]string{" AUTH TLS"}, true},
		{[]string{"AUTH SSL"}, true},
		{[]string{" auth tls-c"}, true},
		{[]string{" AUTH TLS;TLS-C;SSL;TLS-P"}, true},
		{[]string{" AUTH GSSAPI;TLS"}, true},
		{[]string{" AUTH GSSAPI"}, false},
		{[]string{" AUTH"}, false},
		{[]string{" PBSZ", " PROT", " MDTM"}, false},
		{[]string{" AUTHTLS"}, false},
		{nil, false},
	} {
		if got := offersTLS(tc.features); got != tc.want {
			t.Errorf("offersTLS(%q) = %v", tc.features, got)
		}
	}
	for _, u := range []string{"anonymous", "ANONYMOUS", "ftp", " Ftp "} {
		if !isAnonymous(u) {
			t.Errorf("isAnonymous(%q) = false", u)
		}
	}
	for _, u := range []string{"anon", "ftpuser", "guest", ""} {
		if isAnonymous(u) {
			t.Errorf("isAnonymous(%q) = true", u)
		}
	}
}

func TestDetailHelpers(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "in under a second"}, {999 * time.Millisecond, "in under a second"}, {time.Second, "within 1s"},
		{252 * time.Second, "within 4m12s"}, {90*time.Minute + 500*time.Millisecond, "within 1h30m1s"}} {
		if got := within(tc.d); got != tc.want {
			t.Errorf("within(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := quote("a\"b\x1b\xff"); got != `"a\"b\x1b\xff"` {
		t.Errorf("quote = %s", got)
	}
	long := quote(strings.Repeat("é", 100))
	if !utf8.ValidString(long) || !strings.HasSuffix(long, `é"...`) || strings.Contains(long, `\x`) {
		t.Errorf("quote(long) = %s", long)
	}
	if plural(1, "reply") != "1 reply" || plural(2, "reply") != "2 replies" || plural(0, "login") != "0 logins" {
		t.Error("plural")
	}
}

// FuzzAudit feeds wire-shaped transcripts (commands, replies, FEAT lines
// and login attempts built from arbitrary bytes) to Audit and Credentials:
// they must not panic, and every Detail stays one safe line.
func FuzzAudit(f *testing.F) {
	f.Add("USER root\nPASS toor\n530 no\nPORT 203,0,113,5,0,25\n200 ok\nSITE CPFR /etc/passwd\n350 ok\n")
	f.Add("FEAT\n211 AUTH TLS\nAUTH TLS\n534 no\nUSER \x1b[31m\nPASS \xff\n230 in\nEPRT |2|2001:db8::1|80|\n200 ok\n")
	f.Add("PASV\n227 Entering Passive Mode (203,0,113,9,1,2)\nLPRT 6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,1,2,0,80\n200\n")
	f.Add("EPSV\n229 (|||65535|)\nPORT 198,51,100,10,255,255\n200\nAUTH SSL\n\x00TLS\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		b := session("f1", client, server, t0)
		b2 := session("f2", client, server2, t0.Add(time.Second))
		for i, line := range strings.Split(text, "\n") {
			bb := b
			if i%3 == 2 {
				bb = b2
			}
			verb, arg, _ := strings.Cut(line, " ")
			if len(verb) == 3 && verb[0] >= '1' && verb[0] <= '5' {
				c := int(verb[0]-'0')*100 + int(verb[1]%10)*10 + int(verb[2]%10)
				bb.reply(c, arg)
				continue
			}
			switch strings.ToUpper(verb) {
			case "USER":
				bb.login(arg, nil, 0)
			case "PASS":
				bb.login("u"+arg, str(arg), 230+300*(len(arg)%2))
			case "FEAT":
				bb.feat(arg)
			case "TLS":
				bb.startTLS()
			default:
				bb.cmd(strings.ToUpper(verb), arg)
			}
		}
		b.transfer(decoder.Transfer{Mode: decoder.ModeActive, Advertised: netip.MustParseAddrPort("203.0.113.5:25"),
			DataSrc: netip.MustParseAddrPort("198.51.100.10:20"), DataDst: netip.MustParseAddrPort("203.0.113.5:25")})
		sessions := []*decoder.Session{b.done(), b2.done()}
		fs := Audit(sessions, Config{BruteThreshold: 1, SprayUsers: 1})
		checkInvariants(t, fs)
		Credentials(sessions)
	})
}
