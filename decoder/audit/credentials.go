package audit

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Credential is one login attempt as an auditor lists it: who sent which
// user name and password to whom, and whether it worked. Password is the
// real one; masking it is the report's job.
type Credential struct {
	// Time is when USER was sent (the session's TLS switch for a
	// protected row).
	Time           time.Time
	Client, Server netip.AddrPort
	SessionID      string
	// User is nil on a protected row: the login happened inside TLS and
	// the capture cannot show it.
	User *string
	// Password and Account are the PASS and ACCT arguments, nil when not
	// sent or not readable.
	Password *string
	Account  *string
	// Outcome is success, failure or unknown (the reply was not seen, or
	// the login finished inside TLS).
	Outcome decoder.Outcome
	// ReplyCode is the reply that decided the outcome, nil if not seen.
	ReplyCode *int
	// Anonymous: the user name is anonymous or ftp.
	Anonymous bool
	// TLS: the attempt finished inside TLS, so its password and outcome
	// are not in the capture. A protected row (User nil) is a whole
	// login hidden by TLS; a row with a User and TLS set is a user name
	// sent in cleartext before AUTH TLS, its password protected.
	TLS bool
}

// Credentials returns one row per login attempt (Session.LoginAttempts)
// and one protected row (User nil, TLS true) per session whose login was
// hidden by TLS, ordered by time then session. Which sessions are
// protected follows the transcript order of AUTH TLS and USER; see
// digest.
func Credentials(sessions []*decoder.Session) []Credential {
	return credentials(gather(sessions))
}

// credentials lists the rows of facts, which are in capture order.
func credentials(facts []*sessionFacts) []Credential {
	var out []Credential
	for _, f := range facts {
		s := f.s
		row := func(t time.Time) Credential {
			return Credential{Time: t, Client: s.Client, Server: s.Server, SessionID: s.ID}
		}
		if f.protected {
			c := row(f.tlsTime)
			c.Outcome = decoder.OutcomeUnknown
			c.TLS = true
			out = append(out, c)
		}
		for _, a := range s.LoginAttempts {
			c := row(a.Time)
			c.User = ptr(a.User)
			c.Password = clonePtr(a.Password)
			c.Account = clonePtr(a.Account)
			c.Outcome = a.Outcome
			if c.Outcome == "" || c.Outcome == decoder.OutcomeNone {
				c.Outcome = decoder.OutcomeUnknown
			}
			c.ReplyCode = clonePtr(a.ReplyCode)
			c.Anonymous = isAnonymous(a.User)
			c.TLS = finishedUnderTLS(f, a)
			out = append(out, c)
		}
	}
	// gather ordered the sessions; a stable sort by time keeps that order
	// (and each session's attempt order) among equal times.
	slices.SortStableFunc(out, func(a, b Credential) int { return a.Time.Compare(b.Time) })
	return out
}

// finishedUnderTLS: the session went TLS after this attempt began and the
// attempt's outcome was never seen, so the rest of it (PASS and the
// reply) crossed inside TLS.
func finishedUnderTLS(f *sessionFacts, a decoder.LoginAttempt) bool {
	if !f.s.TLS || !f.tlsEntry || a.Password != nil {
		return false
	}
	if a.Outcome == decoder.OutcomeSuccess || a.Outcome == decoder.OutcomeFailure {
		return false
	}
	return !a.Time.After(f.tlsTime)
}

func ptr[T any](v T) *T { return &v }

// clonePtr copies *p so that the result shares nothing with the session.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
