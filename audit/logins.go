package audit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// loginEvent is one login attempt placed on the capture clock: all that
// the brute-force and spray detections keep of a session.
type loginEvent struct {
	t time.Time
	// ref is the session and the attempt's index in it, which orders
	// attempts of the same time as capture order would.
	ref            orderKey
	client, server netip.Addr
	user           string
	password       *string
	outcome        decoder.Outcome
}

// loginEvents returns the attempts of f as events.
func loginEvents(f *sessionFacts) []loginEvent {
	out := make([]loginEvent, len(f.s.LoginAttempts))
	for i, at := range f.s.LoginAttempts {
		out[i] = loginEvent{
			t:      evidence(at.Time, f.s),
			ref:    orderKey{start: f.s.Start, id: f.s.ID, seq: i},
			client: f.client, server: f.server,
			user: at.User, password: at.Password, outcome: at.Outcome,
		}
	}
	return out
}

// burst is a run of events of one client (and, for sprays, one password)
// in which consecutive events are at most a window apart.
type burst []loginEvent

// bursts sorts evs by time and cuts them where two consecutive events are
// more than window apart. Chaining on gaps, rather than counting fixed
// epochs as Zeek does, reports a long campaign once, with every attempt
// counted, instead of once per epoch or with an arbitrary share of it.
func bursts(evs []loginEvent, window time.Duration) []burst {
	slices.SortFunc(evs, func(a, b loginEvent) int { return cmp.Or(a.t.Compare(b.t), a.ref.compare(b.ref)) })
	var out []burst
	start := 0
	for i := 1; i <= len(evs); i++ {
		if i == len(evs) || evs[i].t.Sub(evs[i-1].t) > window {
			out = append(out, burst(evs[start:i]))
			start = i
		}
	}
	return out
}

// densest returns the most events of b within any window-long span
// (inclusive of both ends).
func (b burst) densest(window time.Duration) int {
	best, j := 0, 0
	for i := range b {
		for b[i].t.Sub(b[j].t) > window {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// mostUsers returns the most distinct users of b within any window-long
// span.
func (b burst) mostUsers(window time.Duration) int {
	count := map[string]int{}
	best, j := 0, 0
	for i := range b {
		count[b[i].user]++
		for b[i].t.Sub(b[j].t) > window {
			if count[b[j].user]--; count[b[j].user] == 0 {
				delete(count, b[j].user)
			}
			j++
		}
		best = max(best, len(count))
	}
	return best
}

// finding fills the fields a brute_force or password_spray finding shares:
// client, times, sessions, servers and distinct users. It also returns
// the set of users and the number of servers (Servers is capped).
func (b burst) finding(kind Kind, client netip.Addr, cfg Config) (Finding, map[string]bool, int) {
	f := Finding{Kind: kind, ClientIP: client, Time: b[0].t, End: b[len(b)-1].t}
	sessions := map[string]bool{}
	servers := map[netip.Addr]bool{}
	users := map[string]bool{}
	for _, e := range b {
		if !sessions[e.ref.id] {
			sessions[e.ref.id] = true
			f.Sessions++
			if len(f.SessionIDs) < cfg.MaxSessionIDs {
				f.SessionIDs = append(f.SessionIDs, e.ref.id)
			}
		}
		if !servers[e.server] {
			servers[e.server] = true
			if len(f.Servers) < cfg.MaxListed {
				f.Servers = append(f.Servers, e.server)
			}
		}
		users[e.user] = true
	}
	if len(servers) == 1 {
		f.ServerIP = f.Servers[0]
	}
	f.Users = len(users)
	return f, users, len(servers)
}

// serversPhrase is "on 198.51.100.10" or "on 3 servers".
func serversPhrase(f *Finding, n int) string {
	if f.ServerIP.IsValid() {
		return "on " + f.ServerIP.String()
	}
	return "on " + plural(n, "server")
}

// bruteForce finds clients with at least cfg.BruteThreshold failed logins
// within cfg.BruteWindow (RFC 2577 5). Every failed attempt counts,
// anonymous ones included, across servers and sessions: a guesser who
// reconnects after each refusal (as in Zeek's bruteforce trace, one
// USER/PASS/530/QUIT per connection) is one burst.
func bruteForce(events []loginEvent, cfg Config) []Finding {
	failures := map[netip.Addr][]loginEvent{}
	successes := map[netip.Addr][]loginEvent{}
	var clients []netip.Addr
	for _, e := range events {
		switch e.outcome {
		case decoder.OutcomeFailure:
			if failures[e.client] == nil {
				clients = append(clients, e.client)
			}
			failures[e.client] = append(failures[e.client], e)
		case decoder.OutcomeSuccess:
			successes[e.client] = append(successes[e.client], e)
		}
	}
	slices.SortFunc(clients, netip.Addr.Compare)
	var out []Finding
	for _, c := range clients {
		for _, b := range bursts(failures[c], cfg.BruteWindow) {
			if b.densest(cfg.BruteWindow) < cfg.BruteThreshold {
				continue
			}
			f, users, nServers := b.finding(BruteForce, c, cfg)
			f.Failures = len(b)
			f.Severity = Medium
			// A targeted user logging in from the same client during the
			// burst or soon after is a guess that worked.
			end := f.End.Add(cfg.BruteWindow)
			for _, s := range successes[c] {
				if users[s.user] && !s.t.Before(f.Time) && !s.t.After(end) {
					f.Successes++
				}
			}
			who := plural(f.Users, "user")
			if f.Users == 1 {
				f.User = b[0].user
				who = "user " + quote(f.User)
			}
			f.Detail = fmt.Sprintf("%s had %s for %s %s %s",
				addrString(c), plural(f.Failures, "failed login"), who,
				serversPhrase(&f, nServers), within(f.End.Sub(f.Time)))
			if f.Successes > 0 {
				f.Severity = High
				f.Detail += fmt.Sprintf("; then %s as a targeted user succeeded", plural(f.Successes, "login"))
			}
			out = append(out, f)
		}
	}
	return out
}

// passwordSpray finds one client trying one password against at least
// cfg.SprayUsers distinct users within cfg.SprayWindow. Anonymous logins
// are left out: their "password" is an e-mail address by convention
// (RFC 1635) and shared by design.
func passwordSpray(events []loginEvent, cfg Config) []Finding {
	type key struct {
		client   netip.Addr
		password string
	}
	byKey := map[key][]loginEvent{}
	first := map[key]orderKey{} // where capture order meets the key first
	var keys []key
	for _, e := range events {
		if e.password == nil || isAnonymous(e.user) {
			continue
		}
		k := key{e.client, *e.password}
		if byKey[k] == nil {
			keys = append(keys, k)
			first[k] = e.ref
		} else if e.ref.compare(first[k]) < 0 {
			first[k] = e.ref
		}
		byKey[k] = append(byKey[k], e)
	}
	slices.SortFunc(keys, func(a, b key) int { return first[a].compare(first[b]) })
	var out []Finding
	for _, k := range keys {
		for _, b := range bursts(byKey[k], cfg.SprayWindow) {
			if b.mostUsers(cfg.SprayWindow) < cfg.SprayUsers {
				continue
			}
			f, _, nServers := b.finding(PasswordSpray, k.client, cfg)
			f.Password = ptr(k.password)
			for _, e := range b {
				switch e.outcome {
				case decoder.OutcomeFailure:
					f.Failures++
				case decoder.OutcomeSuccess:
					f.Successes++
				}
			}
			f.Severity = Medium
			var d strings.Builder
			fmt.Fprintf(&d, "%s tried one password against %s %s %s",
				addrString(k.client), plural(f.Users, "user"), serversPhrase(&f, nServers), within(f.End.Sub(f.Time)))
			if f.Successes > 0 {
				f.Severity = High
				fmt.Fprintf(&d, "; %s succeeded", plural(f.Successes, "login"))
			}
			f.Detail = d.String()
			out = append(out, f)
		}
	}
	return out
}
