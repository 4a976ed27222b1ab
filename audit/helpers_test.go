package audit

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/internal/fixture"
)

// t0 is the capture clock origin of the synthetic sessions.
var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// builder writes a session's transcript and login attempts by hand, each
// entry 100 ms after the previous one.
type builder struct {
	s *decoder.Session
	t time.Time
}

func session(id, client, server string, start time.Time) *builder {
	s := &decoder.Session{
		ID:     id,
		Client: netip.MustParseAddrPort(client),
		Server: netip.MustParseAddrPort(server),
		Start:  start,
		End:    start,
		Login:  decoder.OutcomeNone,
		Mode:   decoder.ModeNone,
	}
	b := &builder{s: s, t: start}
	return b.reply(220, "FTP server ready")
}

func (b *builder) tick() time.Time {
	b.t = b.t.Add(100 * time.Millisecond)
	b.s.End = b.t
	return b.t
}

func (b *builder) cmd(verb, arg string) *builder {
	b.s.Commands++
	b.s.Transcript = append(b.s.Transcript, decoder.Entry{Kind: decoder.EntryCommand, TS: b.tick(), Verb: verb, Arg: arg, Transfer: -1})
	return b
}

func (b *builder) reply(code int, lines ...string) *builder {
	b.s.Transcript = append(b.s.Transcript, decoder.Entry{Kind: decoder.EntryReply, TS: b.tick(), Code: code, Lines: lines, Transfer: -1})
	return b
}

// do is a command and its reply.
func (b *builder) do(verb, arg string, code int, lines ...string) *builder {
	return b.cmd(verb, arg).reply(code, lines...)
}

// login sends USER (and PASS when pass is not nil) and records the
// attempt with the outcome the final code implies (0: no reply seen).
func (b *builder) login(user string, pass *string, code int) *builder {
	b.cmd("USER", user)
	at := decoder.LoginAttempt{User: user, Time: b.t, Outcome: decoder.OutcomeUnknown}
	if pass != nil {
		b.reply(331, "Password required")
		b.cmd("PASS", *pass)
		at.Password = pass
	}
	if code != 0 {
		b.reply(code, "whatever")
		at.ReplyCode = &code
		at.Outcome = decoder.OutcomeFailure
		if code >= 200 && code < 300 {
			at.Outcome = decoder.OutcomeSuccess
		}
	}
	b.s.LoginAttempts = append(b.s.LoginAttempts, at)
	b.s.User, b.s.Password = &at.User, pass
	b.s.Anonymous = isAnonymous(user)
	if at.Outcome != decoder.OutcomeUnknown {
		b.s.Login = at.Outcome
	}
	return b
}

// startTLS is AUTH TLS accepted and the switch to TLS.
func (b *builder) startTLS() *builder {
	b.do("AUTH", "TLS", 234, "Proceed with negotiation.")
	b.s.Transcript = append(b.s.Transcript, decoder.Entry{Kind: decoder.EntryTLS, TS: b.tick(), Text: "TLS handshake", Transfer: -1})
	b.s.TLS = true
	return b
}

func (b *builder) feat(lines ...string) *builder {
	b.cmd("FEAT", "")
	b.reply(211, append(append([]string{"Features:"}, lines...), "End")...)
	b.s.Features = append(b.s.Features, lines...)
	return b
}

func (b *builder) transfer(t decoder.Transfer) *builder {
	if t.Start.IsZero() {
		t.Start = b.tick()
		t.End = t.Start
	}
	b.s.Transfers = append(b.s.Transfers, &t)
	return b
}

func (b *builder) note(n string) *builder {
	b.s.Notes = append(b.s.Notes, n)
	return b
}

// done returns the session, its transcript paired and its addresses
// parsed as the decoder would.
func (b *builder) done() *decoder.Session {
	fixture.Annotate(b.s)
	return b.s
}

func str(s string) *string { return &s }
func code(c int) *int      { return &c }

// failedLogins is n sessions from client, each USER user / PASS n / 530 /
// QUIT, every step apart: the shape of Zeek's bruteforce trace.
func failedLogins(n int, client, server, user string, start time.Time, step time.Duration) []*decoder.Session {
	var out []*decoder.Session
	for i := range n {
		b := session(sid("bf", i), client, server, start.Add(time.Duration(i)*step))
		b.login(user, str(string(rune('a'+i%26))), 530).do("QUIT", "", 221, "Goodbye.")
		out = append(out, b.done())
	}
	return out
}

func sid(prefix string, i int) string {
	return prefix + string(rune('A'+i/26%26)) + string(rune('A'+i%26))
}

// checkInvariants holds for every finding, whatever the input.
func checkInvariants(t testing.TB, fs []Finding) {
	t.Helper()
	for i, f := range fs {
		if f.Detail == "" || !utf8.ValidString(f.Detail) {
			t.Errorf("finding %d (%s): bad detail %q", i, f.Kind, f.Detail)
		}
		for _, r := range f.Detail {
			if unicode.IsControl(r) || (!unicode.IsPrint(r) && r != ' ') {
				t.Errorf("finding %d (%s): unsafe rune %U in detail %q", i, f.Kind, r, f.Detail)
				break
			}
		}
		if f.Sessions < len(f.SessionIDs) || f.Sessions == 0 {
			t.Errorf("finding %d (%s): Sessions %d, SessionIDs %v", i, f.Kind, f.Sessions, f.SessionIDs)
		}
		if f.End.Before(f.Time) {
			t.Errorf("finding %d (%s): End %v before Time %v", i, f.Kind, f.End, f.Time)
		}
		if f.Kind.rank() == len(kindOrder) {
			t.Errorf("finding %d: unknown kind %q", i, f.Kind)
		}
		if i > 0 && fs[i-1].Time.After(f.Time) {
			t.Errorf("finding %d: out of time order", i)
		}
	}
}

// summary lists findings as "kind/severity" for compact comparisons.
func summary(fs []Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, string(f.Kind)+"/"+f.Severity.String())
	}
	return strings.Join(parts, " ")
}
