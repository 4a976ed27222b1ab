package audit

import (
	"net/netip"
	"slices"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// audited reports the commands some check reads (with their replies):
// logins, AUTH, SITE, active negotiations and commands that change the
// server's files. Every other exchange is dropped from the digest.
func audited(verb string) bool {
	switch verb {
	case "USER", "PASS", "AUTH", "SITE":
		return true
	}
	info, _ := decoder.LookupVerb(verb)
	return info.Is(decoder.FlagActive) || info.Is(decoder.FlagModifies)
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
		if !audited(x.cmd.Verb) && !x.anonLogin {
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
		if decoder.NotePASVAddressMismatch.In(t.Notes) {
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
	f.pasvNoted = f.pasvNoted || decoder.NotePASVAddressMismatch.In(s.Notes)
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
	if decoder.NoteFXP.In(t.Notes) {
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

// addPassiveReply records the endpoint a 227/228/229 reply advertised
// (the decoder's parse, Entry.Addr), and a 227/228 naming a host other
// than the server.
func (f *sessionFacts) addPassiveReply(e *decoder.Entry) {
	if !e.Addr.IsValid() || (e.Code != 227 && e.Code != 228 && e.Code != 229) {
		return
	}
	f.addEndpoint(e.Addr)
	if e.ThirdHost && e.Code != 229 {
		f.foreignPassive = append(f.foreignPassive, advertised{ap: e.Addr, at: e.TS})
	}
}

// addEndpoint adds ap to the passive endpoints; digest removes the
// duplicates at the end.
func (f *sessionFacts) addEndpoint(ap netip.AddrPort) {
	f.endpoints = append(f.endpoints, ap)
}
