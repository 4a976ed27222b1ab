package audit

import (
	"cmp"
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
	a := NewAuditor(Config{}, true)
	for _, s := range sessions {
		if s != nil {
			a.creds = append(a.creds, credentialRows(digest(s))...)
		}
	}
	return a.Credentials()
}

// credentialRow is a Credential with its place in capture order.
type credentialRow struct {
	c   Credential
	ref orderKey
}

// credentialRows lists the rows of one session.
func credentialRows(f *sessionFacts) []credentialRow {
	s := f.s
	var out []credentialRow
	seq := 0
	row := func(t time.Time) credentialRow {
		seq++
		return credentialRow{
			c:   Credential{Time: t, Client: s.Client, Server: s.Server, SessionID: s.ID},
			ref: orderKey{start: s.Start, id: s.ID, seq: seq},
		}
	}
	if f.protected {
		r := row(f.tlsTime)
		r.c.Outcome = decoder.OutcomeUnknown
		r.c.TLS = true
		out = append(out, r)
	}
	for _, at := range s.LoginAttempts {
		r := row(at.Time)
		c := &r.c
		c.User = ptr(at.User)
		c.Password = clonePtr(at.Password)
		c.Account = clonePtr(at.Account)
		c.Outcome = at.Outcome
		if c.Outcome == "" || c.Outcome == decoder.OutcomeNone {
			c.Outcome = decoder.OutcomeUnknown
		}
		c.ReplyCode = clonePtr(at.ReplyCode)
		c.Anonymous = isAnonymous(at.User)
		c.TLS = finishedUnderTLS(f, at)
		out = append(out, r)
	}
	return out
}

// sortCredentials orders rows by time, then capture order (session start
// and ID, then row), and returns the credentials.
func sortCredentials(rows []credentialRow) []Credential {
	if len(rows) == 0 {
		return nil
	}
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b credentialRow) int {
		return cmp.Or(a.c.Time.Compare(b.c.Time), a.ref.compare(b.ref))
	})
	out := make([]Credential, len(rows))
	for i, r := range rows {
		out[i] = r.c
	}
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
