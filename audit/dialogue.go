package audit

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// sessionFacts is what the checks need of one session, worked out once by
// digest. It shares nothing with the session's transcript, so keeping it
// does not keep the dialogue.
type sessionFacts struct {
	// s is a copy of the session without Transcript and Features, and
	// with only the transfers that involve a third host (thirdParty).
	s *decoder.Session
	// client and server are the control connection's addresses, IPv4
	// unmapped so that ::ffff:192.0.2.1 and 192.0.2.1 compare equal.
	client, server netip.Addr
	// ex are the exchanges of the verbs the checks read (audited)
	// and the one that completed an anonymous login, in order.
	ex []exchange
	// tlsEntry: the transcript has an EntryTLS (explicit AUTH TLS);
	// tlsTime is the first one's time, else the session start.
	tlsEntry bool
	tlsTime  time.Time
	// protected: the login happened inside TLS (RFC 4217 4.1: AUTH, then
	// USER); see digest.
	protected bool
	// offersTLS: FEAT advertised AUTH TLS/SSL (RFC 4217 6).
	offersTLS bool
	// endpoints are the passive data addresses the server advertised
	// (227, 228, 229 replies and passive transfers), sorted, each once.
	endpoints []netip.AddrPort
	// foreignPassive are the 227/228 replies naming a host other than
	// the server, in order (RFC 959 4.1.2).
	foreignPassive []advertised
	// uploads counts the transfers that uploaded successfully (2xx).
	uploads int
	// pasvNoted: the decoder noted pasv_address_mismatch on the session
	// or one of its transfers.
	pasvNoted bool
}

// advertised is one passive address a reply announced, and when.
type advertised struct {
	ap netip.AddrPort
	at time.Time
}

// exchange is one client command and the final reply that answered it.
type exchange struct {
	cmd command
	// reply is the final reply's code and time, 0 and zero when none
	// was seen (capture cut, gap, or the control connection went TLS
	// before it).
	reply     int
	repliedAt time.Time
	// loggedIn: a login was in force when the server answered this
	// command (the decoder's Entry.Login, RFC 959 4.1.1).
	loggedIn bool
	// anonymous: that login was anonymous (user anonymous or ftp).
	anonymous bool
	// anonLogin: this command completed an anonymous login, as user.
	anonLogin bool
	user      string
}

// command is the part of a command entry the checks read: Addr and
// ThirdHost are the decoder's parse of a PORT, EPRT or LPRT.
type command struct {
	Verb, Arg string
	TS        time.Time
	Addr      netip.AddrPort
	ThirdHost bool
}

// code is the final reply's code, 0 when none was seen.
func (e exchange) code() int { return e.reply }

// accepted: the server answered with a positive completion (2xx).
func (e exchange) accepted() bool { return e.code() >= 200 && e.code() < 300 }

// exchanges pairs each command with the final reply that answered it, as
// the decoder paired them (Entry.Answers: in order, RFC 959 4.2 and 5.4,
// realigned after a gap). A command whose reply was not seen (capture
// cut, gap, or the switch to TLS) keeps none.
func exchanges(transcript []decoder.Entry) []exchange {
	var (
		out []exchange
		// cmdAt are the command entries' indexes, at their exchange's.
		cmdAt []int
	)
	for i := range transcript {
		e := &transcript[i]
		switch e.Kind {
		case decoder.EntryCommand:
			cmdAt = append(cmdAt, i)
			out = append(out, exchange{cmd: command{Verb: e.Verb, Arg: e.Arg, TS: e.TS, Addr: e.Addr, ThirdHost: e.ThirdHost}})
		case decoder.EntryReply:
			// cmdAt is sorted: the command's exchange is found by search.
			if k, ok := slices.BinarySearch(cmdAt, e.Answers); ok && e.Code >= 200 {
				out[k].reply, out[k].repliedAt = e.Code, e.TS
			}
		}
	}
	// The login each command was answered under is the decoder's
	// (Entry.Login, in command order); the user is the USER in force.
	user := ""
	for i := range out {
		x := &out[i]
		e := &transcript[cmdAt[i]]
		if x.cmd.Verb == "USER" {
			user = x.cmd.Arg
		}
		x.loggedIn = e.Login != decoder.LoggedOut
		x.anonymous = e.Login == decoder.LoggedInAnonymous
		if e.LoginAfter == decoder.LoggedInAnonymous && e.Login != decoder.LoggedInAnonymous {
			x.anonLogin, x.user = true, user
		}
	}
	return out
}

// isAnonymous: the user names that mean anonymous FTP, the rule of
// Session.Anonymous.
func isAnonymous(user string) bool { return decoder.IsAnonymousUser(user) }

// offersTLS reports whether FEAT lines (RFC 2389 3.2) advertise AUTH with
// a TLS mechanism (RFC 4217 6): "AUTH TLS", "AUTH SSL", and the combined
// forms "AUTH TLS;TLS-C;SSL;TLS-P" or "AUTH TLS SSL" servers send.
func offersTLS(features []string) bool {
	for _, line := range features {
		words := strings.FieldsFunc(line, func(r rune) bool {
			return r == ' ' || r == '\t' || r == ';' || r == ','
		})
		if len(words) < 2 || !strings.EqualFold(words[0], "AUTH") {
			continue
		}
		for _, m := range words[1:] {
			if isTLSMechanism(m) {
				return true
			}
		}
	}
	return false
}

// isTLSMechanism: the AUTH mechanisms that start TLS (RFC 4217 8: TLS,
// with SSL, TLS-C and TLS-P kept for older clients).
func isTLSMechanism(m string) bool {
	switch strings.ToUpper(strings.TrimSpace(m)) {
	case "TLS", "SSL", "TLS-C", "TLS-P":
		return true
	}
	return false
}

func unmapPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// isLocal reports whether a is in one of nets.
func isLocal(a netip.Addr, nets []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// quote renders a wire string for a Detail sentence: Go-quoted (control
// characters, invalid UTF-8 and invisible format characters become
// escapes) and cut to 64 bytes, so Detail stays one safe line.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > max-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut-- // do not split a UTF-8 sequence
	}
	return strconv.Quote(s[:cut]) + "..."
}

// within phrases a duration for a Detail sentence, to the second.
func within(d time.Duration) string {
	if d < time.Second {
		return "in under a second"
	}
	return "within " + d.Round(time.Second).String()
}

// plural returns "1 login" or "3 logins" ("replies" for "reply").
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return strconv.Itoa(n) + " " + word[:len(word)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// listAddrPorts names up to three addresses and how many more there are.
func listAddrPorts(aps []netip.AddrPort, total int) string {
	var parts []string
	for i, ap := range aps {
		if i == 3 {
			break
		}
		parts = append(parts, ap.String())
	}
	s := strings.Join(parts, ", ")
	if more := total - len(parts); more > 0 {
		s += " and " + strconv.Itoa(more) + " more"
	}
	return s
}
