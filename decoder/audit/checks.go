package audit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// maxCommandLen bounds each entry of Finding.Commands.
const maxCommandLen = 200

// aggKey is what makes two pieces of evidence the same finding.
type aggKey struct {
	kind           Kind
	client, server netip.Addr
	sub            string
}

// aggregate accumulates the evidence of one finding across sessions.
type aggregate struct {
	f        Finding
	sessions map[string]bool
	targets  map[netip.AddrPort]bool
	commands map[string]bool
	// users is every distinct user seen; only whether there is one or
	// several matters, so it stops growing at two.
	users []string
	verbs []string // distinct, in order met (PORT, EPRT; EXEC, CPFR)
	codes []int    // distinct reply codes, in order met
	// Counters the Detail sentence reads.
	withPassword, withoutPassword, unseenReply  int
	beforeLogin, fellBack, passwordToo, natLike int
}

func (a *aggregate) addTarget(ap netip.AddrPort, max int) {
	if !ap.IsValid() || a.targets[ap] {
		return
	}
	a.targets[ap] = true
	if len(a.f.Targets) < max {
		a.f.Targets = append(a.f.Targets, ap)
	}
}

func (a *aggregate) addCommand(c string, max int) {
	if len(c) > maxCommandLen {
		c = c[:maxCommandLen]
	}
	if a.commands[c] {
		return
	}
	a.commands[c] = true
	if len(a.f.Commands) < max {
		a.f.Commands = append(a.f.Commands, c)
	}
}

func (a *aggregate) addUser(u string) {
	if len(a.users) < 2 && !slices.Contains(a.users, u) {
		a.users = append(a.users, u)
	}
	a.f.User = ""
	if len(a.users) == 1 {
		a.f.User = a.users[0]
	}
}

func (a *aggregate) addVerb(v string) {
	if len(a.verbs) < 8 && !slices.Contains(a.verbs, v) {
		a.verbs = append(a.verbs, v)
	}
}

func (a *aggregate) addCode(c int) {
	if c != 0 && len(a.codes) < 8 && !slices.Contains(a.codes, c) {
		a.codes = append(a.codes, c)
	}
}

// aggregator collects the per-session findings.
type aggregator struct {
	cfg   Config
	byKey map[aggKey]*aggregate
	order []*aggregate
}

func newAggregator(cfg Config) *aggregator {
	return &aggregator{cfg: cfg, byKey: map[aggKey]*aggregate{}}
}

// at returns the finding kind/sub between f's client and server, creating
// it, and records f's session, the evidence time t and severity sev (the
// finding keeps the highest).
func (g *aggregator) at(kind Kind, f *sessionFacts, sub string, t time.Time, sev Severity) *aggregate {
	if t.IsZero() {
		t = f.s.Start
	}
	k := aggKey{kind: kind, client: f.client, server: f.server, sub: sub}
	a := g.byKey[k]
	if a == nil {
		a = &aggregate{
			f: Finding{
				Kind: kind, Severity: sev,
				ClientIP: f.client, ServerIP: f.server,
				Time: t, End: t,
			},
			sessions: map[string]bool{},
			targets:  map[netip.AddrPort]bool{},
			commands: map[string]bool{},
		}
		g.byKey[k] = a
		g.order = append(g.order, a)
	}
	if t.Before(a.f.Time) {
		a.f.Time = t
	}
	if t.After(a.f.End) {
		a.f.End = t
	}
	a.f.Severity = max(a.f.Severity, sev)
	if !a.sessions[f.s.ID] {
		a.sessions[f.s.ID] = true
		a.f.Sessions++
		if len(a.f.SessionIDs) < g.cfg.MaxSessionIDs {
			a.f.SessionIDs = append(a.f.SessionIDs, f.s.ID)
		}
	}
	return a
}

// findings returns the aggregated findings with their Detail written.
func (g *aggregator) findings() []Finding {
	out := make([]Finding, 0, len(g.order))
	for _, a := range g.order {
		a.f.Detail = a.describe()
		out = append(out, a.f)
	}
	return out
}

// peerIndex knows, per client, the passive endpoints servers advertised
// to it and the servers it had sessions with, so that a PORT naming one
// of them reads as FXP rather than a bounce.
type peerIndex struct {
	endpoints map[netip.Addr]map[netip.AddrPort]string // client -> endpoint -> session ID
	servers   map[netip.Addr]map[netip.Addr]string     // client -> server -> session ID
}

// passiveEndpoints indexes every 227/228/229 reply (and passive
// Transfer.Advertised) per client.
func passiveEndpoints(facts []*sessionFacts) peerIndex {
	idx := peerIndex{
		endpoints: map[netip.Addr]map[netip.AddrPort]string{},
		servers:   map[netip.Addr]map[netip.Addr]string{},
	}
	add := func(f *sessionFacts, ap netip.AddrPort) {
		m := idx.endpoints[f.client]
		if m == nil {
			m = map[netip.AddrPort]string{}
			idx.endpoints[f.client] = m
		}
		if _, ok := m[ap]; !ok {
			m[ap] = f.s.ID
		}
	}
	for _, f := range facts {
		m := idx.servers[f.client]
		if m == nil {
			m = map[netip.Addr]string{}
			idx.servers[f.client] = m
		}
		if _, ok := m[f.server]; !ok {
			m[f.server] = f.s.ID
		}
		for _, ap := range f.endpoints {
			add(f, ap)
		}
	}
	return idx
}

// isFXP: target, named by a PORT in session f, is a passive endpoint
// another session of the same client opened, or a server that client had
// another session with: the client is pointing one server at another
// (server-to-server transfer, FXP).
func (p peerIndex) isFXP(f *sessionFacts, target netip.AddrPort) bool {
	if id, ok := p.endpoints[f.client][target]; ok && id != f.s.ID {
		return true
	}
	if target.Addr() == f.server {
		return false
	}
	_, ok := p.servers[f.client][target.Addr()]
	return ok
}

// checkSession raises the per-session findings of f.
func checkSession(g *aggregator, f *sessionFacts, peers peerIndex) {
	checkLogins(g, f)
	checkDialogue(g, f, peers)
	checkTLS(g, f)
}

// checkLogins: cleartext credentials and anonymous logins.
func checkLogins(g *aggregator, f *sessionFacts) {
	s := f.s
	var anonAt time.Time
	anonUser := ""
	for _, at := range s.LoginAttempts {
		if isAnonymous(at.User) {
			if at.Outcome == decoder.OutcomeSuccess && anonAt.IsZero() {
				anonAt, anonUser = evidence(at.Time, s), at.User
			}
			continue
		}
		var a *aggregate
		switch {
		case at.Outcome == decoder.OutcomeSuccess && at.Password != nil:
			a = g.at(CleartextCredentials, f, at.User, at.Time, High)
			a.withPassword++
		case at.Outcome == decoder.OutcomeSuccess:
			a = g.at(CleartextCredentials, f, at.User, at.Time, Medium)
			a.withoutPassword++
		case at.Outcome != decoder.OutcomeFailure && at.Password != nil:
			a = g.at(CleartextCredentials, f, at.User, at.Time, Medium)
			a.unseenReply++
		default:
			continue
		}
		a.f.User = at.User
		a.f.Count++
	}

	// Writes under an anonymous login, from the dialogue, and from the
	// transfers when the transcript was cut.
	uploads, changes := 0, 0
	var verbs []string
	for _, x := range f.ex {
		if x.anonLogin && anonAt.IsZero() {
			anonAt, anonUser = x.repliedAt, x.user
		}
		if !x.loggedIn || !x.anonymous || !x.accepted() {
			continue
		}
		verb := x.cmd.Verb
		if verb == "SITE" {
			verb = "SITE " + strings.ToUpper(firstWord(x.cmd.Arg))
		}
		switch verb {
		case "STOR", "APPE", "STOU":
			uploads++
		case "MKD", "XMKD", "RMD", "XRMD", "DELE", "RNTO", "SITE CHMOD":
			changes++
			if !slices.Contains(verbs, verb) {
				verbs = append(verbs, verb)
			}
		}
	}
	if anonAt.IsZero() {
		return
	}
	if s.Anonymous && s.Login == decoder.OutcomeSuccess {
		uploads = max(uploads, f.uploads)
	}
	sev := Low
	switch {
	case uploads > 0:
		sev = High
	case changes > 0:
		sev = Medium
	}
	a := g.at(AnonymousLogin, f, "", anonAt, sev)
	if a.f.User == "" {
		a.f.User = anonUser
	}
	a.f.Count++
	a.f.Uploads += uploads
	a.f.Changes += changes
	for _, v := range verbs {
		a.addVerb(v)
	}
}

// checkDialogue: SITE EXEC/CPFR/CPTO, bounce and FXP from PORT/EPRT/LPRT
// and the transfers, PASV replies pointing elsewhere, refused AUTH.
func checkDialogue(g *aggregator, f *sessionFacts, peers peerIndex) {
	s := f.s
	cfg := g.cfg
	bounced := map[netip.AddrPort]bool{}  // PORT targets already counted
	fxpPorts := map[netip.AddrPort]bool{} // PORT targets that were FXP
	portFXP, transferFXP := 0, 0
	var fxpAgg *aggregate
	fxp := func(t time.Time) *aggregate {
		fxpAgg = g.at(FXP, f, "", t, Medium)
		return fxpAgg
	}
	bounce := func(ap netip.AddrPort, verb string, t time.Time, accepted bool) {
		// RFC 2577 3: the data address should be the client's own. A
		// private address at an unprivileged port from a public client
		// is the client's own address seen from behind NAT.
		nat := isLocal(ap.Addr(), cfg.LocalNets) && !isLocal(f.client, cfg.LocalNets) && ap.Port() >= 1024
		sev := Medium
		switch {
		case nat:
			sev = Low
		case accepted:
			sev = High
		}
		a := g.at(FTPBounce, f, "", t, sev)
		a.f.Count++
		if accepted {
			a.f.Accepted++
		}
		if nat {
			a.natLike++
		}
		a.addTarget(ap, cfg.MaxListed)
		a.addVerb(verb)
	}

	var refusedAt time.Time
	for _, x := range f.ex {
		e := x.cmd
		switch e.Verb {
		case "PORT", "EPRT", "LPRT":
			ap, ok := dataAddress(e.Verb, e.Arg)
			if !ok || ap.Addr() == f.client {
				continue
			}
			bounced[ap] = true
			if peers.isFXP(f, ap) {
				fxpPorts[ap] = true
				fxp(e.TS).addTarget(ap, cfg.MaxListed)
				portFXP++
				continue
			}
			bounce(ap, e.Verb, e.TS, x.accepted())
		case "SITE":
			word := strings.ToUpper(firstWord(e.Arg))
			if word != "EXEC" && word != "CPFR" && word != "CPTO" {
				continue
			}
			a := g.at(SiteExec, f, "", e.TS, High)
			a.f.Count++
			// CPFR answers 350 when it accepts (ProFTPD mod_copy).
			if c := x.code(); c >= 200 && c < 400 {
				a.f.Accepted++
			}
			if !x.loggedIn {
				a.beforeLogin++
			}
			a.addVerb(word)
			a.addCommand(e.Arg, cfg.MaxListed)
		case "AUTH":
			// RFC 2228 3 and RFC 4217 4.1: 234 accepts, 334 continues
			// an ADAT exchange, 4xx/5xx refuse. A refusal the client
			// recovered from (the session did go TLS) is not one.
			if !isTLSMechanism(e.Arg) || x.code() < 400 || s.TLS {
				continue
			}
			a := g.at(AuthTLSRefused, f, "", e.TS, Medium)
			a.f.Count++
			a.addCode(x.code())
			if refusedAt.IsZero() {
				refusedAt = e.TS
			}
		}
	}
	if refusedAt.IsZero() && !s.TLS && slices.Contains(s.Notes, "auth_tls_refused") {
		a := g.at(AuthTLSRefused, f, "", s.Start, Medium)
		a.f.Count++
		refusedAt = s.Start
	}
	if !refusedAt.IsZero() {
		for _, at := range s.LoginAttempts {
			if !at.Time.Before(refusedAt) && !isAnonymous(at.User) && (at.Password != nil || at.Outcome == decoder.OutcomeSuccess) {
				a := g.at(AuthTLSRefused, f, "", refusedAt, High)
				a.fellBack++
				break
			}
		}
	}

	// Transfers: FXP data connections, and bounces or PASV mismatches
	// whose command the transcript no longer holds.
	mismatched := map[netip.AddrPort]bool{}
	checkPASVReplies(g, f, mismatched)
	for _, t := range s.Transfers {
		if t == nil {
			continue
		}
		captured := t.DataSrc.IsValid() && t.DataDst.IsValid()
		src, dst := t.DataSrc.Addr().Unmap(), t.DataDst.Addr().Unmap()
		when := evidence(t.Start, s)
		if (captured && src != f.client && dst != f.client) || slices.Contains(t.Notes, "fxp") {
			// The data connection ran between the server and a third
			// host. Opened by the server (active) towards a host that is
			// none of the client's other servers, it is a bounce that
			// worked; otherwise it is FXP (or, passive, a third party
			// connecting to the port first, RFC 2577 8).
			active := t.Mode == decoder.ModeActive || (captured && src == f.server)
			peer := unmapPort(t.Advertised)
			switch {
			case captured && src == f.server:
				peer = unmapPort(t.DataDst)
			case captured:
				peer = unmapPort(t.DataSrc)
			}
			if active && peer.IsValid() && !fxpPorts[peer] && !peers.isFXP(f, peer) {
				if !bounced[peer] {
					bounced[peer] = true
					bounce(peer, negotiation(t), when, true)
				}
				continue
			}
			fxp(when).addTarget(peer, cfg.MaxListed)
			transferFXP++
			continue
		}
		if !t.Advertised.IsValid() {
			continue
		}
		ap := unmapPort(t.Advertised)
		switch {
		case t.Mode == decoder.ModeActive && ap.Addr() != f.client && !bounced[ap]:
			bounced[ap] = true
			bounce(ap, negotiation(t), when, t.DataSrc.IsValid())
		case t.Mode == decoder.ModePassive && ap.Addr() != f.server && !mismatched[ap] &&
			(t.Negotiation == "PASV" || t.Negotiation == "LPSV"):
			mismatched[ap] = true
			pasvMismatch(g, f, ap, when)
		}
	}
	if fxpAgg != nil {
		fxpAgg.f.Count += max(portFXP, transferFXP)
	}
	if len(mismatched) == 0 && f.pasvNoted {
		pasvMismatch(g, f, netip.AddrPort{}, s.Start)
	}
}

// checkPASVReplies raises pasv_address_mismatch for each 227/228 reply
// naming an address other than the server's (RFC 959 4.1.2 has the
// server give its own data port address).
func checkPASVReplies(g *aggregator, f *sessionFacts, mismatched map[netip.AddrPort]bool) {
	for _, r := range f.foreignPassive {
		mismatched[r.ap] = true
		pasvMismatch(g, f, r.ap, r.at)
	}
}

// pasvMismatch records one reply (or note, ap invalid) advertising a
// foreign address. An internal or unspecified address is the usual NAT
// misconfiguration (low); a public third party from a public server is
// how a hostile server points clients at other hosts (medium).
func pasvMismatch(g *aggregator, f *sessionFacts, ap netip.AddrPort, t time.Time) {
	sev := Low
	if ap.IsValid() && !ap.Addr().IsUnspecified() && !isLocal(ap.Addr(), g.cfg.LocalNets) && !isLocal(f.server, g.cfg.LocalNets) {
		sev = Medium
	}
	a := g.at(PASVAddressMismatch, f, "", t, sev)
	a.f.Count++
	a.addTarget(ap, g.cfg.MaxListed)
}

// checkTLS: cleartext logins where TLS was offered, USER before AUTH.
func checkTLS(g *aggregator, f *sessionFacts) {
	s := f.s
	if f.offersTLS {
		var a *aggregate
		for _, at := range s.LoginAttempts {
			if at.Password == nil || isAnonymous(at.User) {
				continue
			}
			if a == nil {
				a = g.at(CleartextAfterTLSOffer, f, "", at.Time, Medium)
				a.f.Count++
			}
			a.addUser(at.User)
		}
	}

	// The first AUTH with a TLS mechanism, and what the client had sent
	// before it (RFC 4217 4.1: AUTH comes first).
	auth := -1
	for i, x := range f.ex {
		if x.cmd.Verb == "AUTH" && isTLSMechanism(x.cmd.Arg) {
			auth = i
			break
		}
	}
	if auth < 0 {
		return
	}
	var a *aggregate
	for _, x := range f.ex[:auth] {
		switch x.cmd.Verb {
		case "USER":
			if a == nil {
				a = g.at(UserBeforeAuthTLS, f, "", x.cmd.TS, Low)
				a.f.Count++
			}
			a.addUser(x.cmd.Arg)
		case "PASS":
			if a != nil {
				a.passwordToo++
				a.f.Severity = max(a.f.Severity, Medium)
			}
		}
	}
}

// describe writes the Detail sentence of a per-session finding.
func (a *aggregate) describe() string {
	f := &a.f
	c, s := addrString(f.ClientIP), addrString(f.ServerIP)
	in := ""
	if f.Sessions > 1 {
		in = " in " + plural(f.Sessions, "session")
	}
	switch f.Kind {
	case CleartextCredentials:
		// A PASS with no USER before it (the USER was lost in a gap, or
		// the client skipped it) has no user to name.
		as, forUser, noUser := " as "+quote(f.User), " for "+quote(f.User), ""
		if f.User == "" {
			as, forUser, noUser = "", "", " (no USER seen)"
		}
		switch {
		case a.withPassword > 0:
			return fmt.Sprintf("%s logged in to %s%s with a cleartext password%s%s", c, s, as, noUser, in)
		case a.withoutPassword > 0:
			return fmt.Sprintf("%s logged in to %s%s in cleartext, without a password%s%s", c, s, as, noUser, in)
		default:
			return fmt.Sprintf("%s sent a cleartext password%s to %s%s, the reply was not seen%s", c, forUser, s, noUser, in)
		}
	case AnonymousLogin:
		d := fmt.Sprintf("%s logged in anonymously to %s%s", c, s, in)
		if f.Uploads > 0 {
			d += " and uploaded " + plural(f.Uploads, "file")
		}
		if f.Changes > 0 {
			d += fmt.Sprintf(" and changed the file tree %s (%s)", plural(f.Changes, "time"), strings.Join(a.verbs, ", "))
		}
		return d
	case FTPBounce:
		d := fmt.Sprintf("%s sent %s naming another host to %s (%s)%s",
			c, plural(f.Count, strings.Join(a.verbs, "/")+" command"), s, listAddrPorts(f.Targets, len(a.targets)), in)
		d += acceptance(f.Accepted, f.Count)
		if a.natLike == f.Count {
			d += "; the addresses are internal, the client is probably behind NAT"
		}
		return d
	case FXP:
		peer := listAddrPorts(f.Targets, len(a.targets))
		if peer == "" {
			peer = "another server"
		}
		return fmt.Sprintf("%s set up %s between %s and %s (FXP)%s",
			c, plural(max(f.Count, 1), "server-to-server data connection"), s, peer, in)
	case PASVAddressMismatch:
		if len(f.Targets) == 0 {
			return fmt.Sprintf("%s advertised a passive data address other than its own to %s%s", s, c, in)
		}
		return fmt.Sprintf("%s told %s to open data connections to %s, not to itself (%s)%s",
			s, c, listAddrPorts(f.Targets, len(a.targets)), plural(f.Count, "reply"), in)
	case SiteExec:
		d := fmt.Sprintf("%s sent %s to %s%s", c, plural(f.Count, "SITE "+strings.Join(a.verbs, "/")+" command"), s, in)
		if a.beforeLogin > 0 {
			d += fmt.Sprintf(", %d before logging in", a.beforeLogin)
		}
		return d + acceptance(f.Accepted, f.Count)
	case CleartextAfterTLSOffer:
		who := "1 user"
		if f.User != "" {
			who = "user " + quote(f.User)
		} else if len(a.users) > 1 {
			who = "several users"
		}
		return fmt.Sprintf("%s offered AUTH TLS but %s sent the password of %s in cleartext%s", s, c, who, in)
	case AuthTLSRefused:
		codes := make([]string, len(a.codes))
		for i, code := range a.codes {
			codes[i] = strconv.Itoa(code)
		}
		d := fmt.Sprintf("%s refused AUTH TLS from %s", s, c)
		if len(codes) > 0 {
			d += " (" + strings.Join(codes, ", ") + ")"
		}
		d += in
		if a.fellBack > 0 {
			d += " and the client went on to log in in cleartext"
		}
		return d
	case UserBeforeAuthTLS:
		who := "USER " + quote(f.User)
		if f.User == "" {
			who = "USER for several users"
		}
		what := "the user name"
		if a.passwordToo > 0 {
			what = "the user name and password"
		}
		return fmt.Sprintf("%s sent %s to %s before AUTH TLS, so %s crossed in cleartext%s", c, who, s, what, in)
	}
	return fmt.Sprintf("%s: %s and %s%s", f.Kind, c, s, in)
}

// acceptance phrases how many of count commands the server accepted.
func acceptance(accepted, count int) string {
	switch {
	case count == 1 && accepted > 0:
		return "; the server accepted it"
	case count == 1:
		return "; the server did not accept it"
	case accepted == 0:
		return "; the server accepted none"
	case accepted >= count:
		return "; the server accepted all of them"
	}
	return fmt.Sprintf("; the server accepted %d", accepted)
}

// sortFindings orders findings by time, kind, client, server, detail.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			a.Time.Compare(b.Time),
			cmp.Compare(a.Kind.rank(), b.Kind.rank()),
			a.ClientIP.Compare(b.ClientIP),
			a.ServerIP.Compare(b.ServerIP),
			cmp.Compare(a.Detail, b.Detail),
		)
	})
}

// evidence is t, or the session start when t was not recorded.
func evidence(t time.Time, s *decoder.Session) time.Time {
	if t.IsZero() {
		return s.Start
	}
	return t
}

// negotiation names the command that set up an active transfer.
func negotiation(t *decoder.Transfer) string {
	if t.Negotiation == "" {
		return "PORT"
	}
	return t.Negotiation
}

func firstWord(s string) string {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return "an unknown host"
	}
	return a.String()
}
