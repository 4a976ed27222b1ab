package audit

import (
	"net/netip"
	"slices"

	"github.com/ftpsniff/ftpsniff/decoder"
)

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

// auditedVerbs are the commands some check reads (with their replies);
// every other exchange is dropped from the digest.
var auditedVerbs = map[string]bool{
	"USER": true, "PASS": true, "AUTH": true, "SITE": true,
	"PORT": true, "EPRT": true, "LPRT": true,
	"STOR": true, "APPE": true, "STOU": true,
	"MKD": true, "XMKD": true, "RMD": true, "XRMD": true, "DELE": true, "RNTO": true,
}

// digest works out the facts of s and keeps only them: the checks read a
// sessionFacts, never the session it came from.
func digest(s *decoder.Session) *sessionFacts {
	f := &sessionFacts{
		client: s.Client.Addr().Unmap(),
		server: s.Server.Addr().Unmap(),
	}
	tlsAt, firstUser := -1, -1
	for i := range s.Transcript {
		e := &s.Transcript[i]
		switch {
		case e.Kind == decoder.EntryTLS && tlsAt < 0:
			tlsAt = i
			f.tlsEntry, f.tlsTime = true, e.TS
		case e.Kind == decoder.EntryCommand && e.Verb == "USER" && firstUser < 0:
			firstUser = i
		case e.Kind == decoder.EntryReply:
			f.addPassiveReply(e)
		}
	}
	if !f.tlsEntry {
		f.tlsTime = s.Start
	}
	// The login is protected when the session went TLS and no USER came before the
	// switch (RFC 4217 4.1); implicit FTPS, with no EntryTLS, is
	// protected when no login attempt was seen at all.
	switch {
	case !s.TLS:
	case tlsAt < 0:
		f.protected = len(s.LoginAttempts) == 0
	default:
		f.protected = firstUser < 0 || firstUser > tlsAt
	}

	for _, x := range exchanges(s.Transcript) {
		if !auditedVerbs[x.cmd.Verb] && !x.anonLogin {
			continue
		}
		f.ex = append(f.ex, x)
	}
	f.ex = slices.Clip(f.ex)
	f.offersTLS = offersTLS(s.Features)

	var kept []*decoder.Transfer
	for _, t := range s.Transfers {
		if t == nil {
			continue
		}
		if t.Direction == decoder.Upload && t.Status != nil && *t.Status >= 200 && *t.Status < 300 {
			f.uploads++
		}
		if slices.Contains(t.Notes, "pasv_address_mismatch") {
			f.pasvNoted = true
		}
		if t.Mode == decoder.ModePassive && t.Advertised.IsValid() {
			f.addEndpoint(unmapPort(t.Advertised))
		}
		if f.thirdParty(t) {
			kept = append(kept, &decoder.Transfer{
				Mode: t.Mode, Negotiation: t.Negotiation, Notes: t.Notes,
				Advertised: t.Advertised, DataSrc: t.DataSrc, DataDst: t.DataDst,
				Start: t.Start,
			})
		}
	}
	f.pasvNoted = f.pasvNoted || slices.Contains(s.Notes, "pasv_address_mismatch")
	slices.SortFunc(f.endpoints, netip.AddrPort.Compare)
	f.endpoints = slices.Clip(slices.Compact(f.endpoints))
	f.s = &decoder.Session{
		ID: s.ID, Client: s.Client, Server: s.Server, Start: s.Start, End: s.End,
		TLS: s.TLS, Anonymous: s.Anonymous, Login: s.Login,
		LoginAttempts: s.LoginAttempts, Notes: s.Notes, Transfers: kept,
	}
	return f
}

// thirdParty: a transfer checkDialogue reads, one whose data connection
// ran to a third host or whose negotiation named one (an active address
// other than the client's, a PASV/LPSV address other than the server's).
// The others cannot raise a finding.
func (f *sessionFacts) thirdParty(t *decoder.Transfer) bool {
	if slices.Contains(t.Notes, "fxp") {
		return true
	}
	if t.DataSrc.IsValid() && t.DataDst.IsValid() &&
		t.DataSrc.Addr().Unmap() != f.client && t.DataDst.Addr().Unmap() != f.client {
		return true
	}
	if !t.Advertised.IsValid() {
		return false
	}
	ap := t.Advertised.Addr().Unmap()
	switch t.Mode {
	case decoder.ModeActive:
		return ap != f.client
	case decoder.ModePassive:
		return ap != f.server && (t.Negotiation == "PASV" || t.Negotiation == "LPSV")
	}
	return false
}

// addPassiveReply records the endpoint a 227/228/229 reply advertised,
// and a 227/228 naming a host other than the server.
func (f *sessionFacts) addPassiveReply(e *decoder.Entry) {
	if ap, ok := passiveAddress(e); ok {
		f.addEndpoint(ap)
		if ap.Addr() != f.server {
			f.foreignPassive = append(f.foreignPassive, advertised{ap: ap, at: e.TS})
		}
	} else if e.Code == 229 {
		if p, ok := epsvPort(e); ok {
			f.addEndpoint(netip.AddrPortFrom(f.server, p))
		}
	}
}

// addEndpoint adds ap to the passive endpoints; digest removes the
// duplicates at the end.
func (f *sessionFacts) addEndpoint(ap netip.AddrPort) {
	f.endpoints = append(f.endpoints, ap)
}
