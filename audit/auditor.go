package audit

import "github.com/ftpsniff/ftpsniff/decoder"

// Auditor audits sessions one at a time, as they become final, so that a
// capture of any length can be audited while its sessions are streamed
// out and forgotten.
//
// Add checks a session at once and keeps only what later sessions can
// still change: its login attempts (brute force and password spraying
// span connections), its server and passive endpoints (a PORT in another
// session naming them is FXP, not a bounce), and, for the rare session
// whose PORT or data connection names a third host, its digest, checked
// when every session is known. Findings already raised are aggregated as
// they come. So memory grows by about a hundred bytes per login attempt
// and per passive endpoint, not with the dialogue.
//
// The result is Audit's on the same sessions, whatever the order of Add:
// lists "in the order met" are kept with their capture-order position and
// sorted when written.
type Auditor struct {
	cfg   Config
	agg   *aggregator
	peers peerIndex
	// logins are every session's attempts, for bruteForce and
	// passwordSpray.
	logins []loginEvent
	// deferred sessions need every peer known (needsPeers).
	deferred []*sessionFacts
	// creds are the credential rows, kept when asked for.
	keepCreds bool
	creds     []credentialRow
	sessions  int
}

// NewAuditor returns an empty Auditor; zero fields of cfg take their
// defaults. With credentials, it also keeps one row per login attempt
// for Credentials (the audit command lists them; a JSON report does
// not need them).
func NewAuditor(cfg Config, credentials bool) *Auditor {
	cfg = cfg.withDefaults()
	return &Auditor{cfg: cfg, agg: newAggregator(cfg), peers: newPeerIndex(), keepCreds: credentials}
}

// Add audits one session. It keeps nothing that aliases the session, so
// the session can be released right after. Nil is ignored.
func (a *Auditor) Add(s *decoder.Session) {
	if s == nil {
		return
	}
	a.sessions++
	f := digest(s)
	a.peers.add(f)
	a.logins = append(a.logins, loginEvents(f)...)
	if a.keepCreds {
		a.creds = append(a.creds, credentialRows(f)...)
	}
	if f.needsPeers() {
		a.deferred = append(a.deferred, f)
		return
	}
	checkSession(a.agg, f, a.peers)
}

// Sessions is the number of sessions added.
func (a *Auditor) Sessions() int { return a.sessions }

// Findings returns the findings of every session added so far, ordered as
// Audit orders them. The sessions waiting for their peers are checked
// now, once; sessions added after a call are not compared with them.
func (a *Auditor) Findings() []Finding {
	for _, f := range a.deferred {
		checkSession(a.agg, f, a.peers)
	}
	a.deferred = nil
	out := a.agg.findings()
	out = append(out, bruteForce(a.logins, a.cfg)...)
	out = append(out, passwordSpray(a.logins, a.cfg)...)
	sortFindings(out)
	return out
}

// Credentials returns the credential rows of every session added so far,
// as the package function Credentials does; empty unless the Auditor was
// made with credentials.
func (a *Auditor) Credentials() []Credential {
	return sortCredentials(a.creds)
}
