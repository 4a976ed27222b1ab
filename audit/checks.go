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
//
// Sessions reach the checks in the order they end, not the order they
// started, so every list that Audit defines "in the order met" (session
// IDs, targets, commands, verbs, codes) keeps each value with the key it
// was first met at (orderKey) and is sorted when the finding is written:
// the result is what reading the sessions in capture order gives.
type aggregate struct {
	f Finding
	// lastSession is the session that touched the finding last; a
	// session is counted once however often it touches it.
	lastSession string
	// ids are the MaxSessionIDs first sessions in capture order.
	ids      []orderKey
	targets  ranked[netip.AddrPort]
	commands ranked[string]
	verbs    ranked[string] // PORT, EPRT; EXEC, CPFR
	codes    ranked[int]    // distinct reply codes
	// users is every distinct user seen; only whether there is one or
	// several matters, so it stops growing at two.
	users []string
	// anonUser is the anonymous name of the first anonymous login.
	anonUser    string
	anonUserKey orderKey
	// Counters the Detail sentence reads.
	withPassword, withoutPassword, unseenReply  int
	beforeLogin, fellBack, passwordToo, natLike int
	otherFamily                                 int
}

// orderKey places a piece of evidence where reading the sessions in
// capture order (start time, then ID) would meet it: seq counts the
// evidence within its session.
type orderKey struct {
	start time.Time
	id    string
	seq   int
}

func (k orderKey) compare(o orderKey) int {
	return cmp.Or(k.start.Compare(o.start), cmp.Compare(k.id, o.id), cmp.Compare(k.seq, o.seq))
}

// ranked is a set of values, each with the key it was first met at.
type ranked[T comparable] struct {
	first map[T]orderKey
}

func (r *ranked[T]) add(v T, k orderKey) {
	if r.first == nil {
		r.first = map[T]orderKey{}
	}
	if old, ok := r.first[v]; !ok || k.compare(old) < 0 {
		r.first[v] = k
	}
}

func (r *ranked[T]) len() int { return len(r.first) }

// list returns the first limit values in the order met (nil when none).
func (r *ranked[T]) list(limit int) []T {
	if len(r.first) == 0 {
		return nil
	}
	out := make([]T, 0, len(r.first))
	for v := range r.first {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b T) int { return r.first[a].compare(r.first[b]) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (g *aggregator) addTarget(a *aggregate, ap netip.AddrPort) {
	if ap.IsValid() {
		a.targets.add(ap, g.next())
	}
}

func (g *aggregator) addCommand(a *aggregate, c string) {
	if len(c) > maxCommandLen {
		c = c[:maxCommandLen]
	}
	a.commands.add(c, g.next())
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

func (g *aggregator) addVerb(a *aggregate, v string) { a.verbs.add(v, g.next()) }

func (g *aggregator) addCode(a *aggregate, c int) {
	if c != 0 {
		a.codes.add(c, g.next())
	}
}

// maxListedCodes bounds the verbs and reply codes a Detail names.
const maxListedCodes = 8

// aggregator collects the per-session findings.
type aggregator struct {
	cfg   Config
	byKey map[aggKey]*aggregate
	order []*aggregate
	// cur is the session being checked; next numbers its evidence.
	cur orderKey
}

func newAggregator(cfg Config) *aggregator {
	return &aggregator{cfg: cfg, byKey: map[aggKey]*aggregate{}}
}

// begin starts the checks of session f.
func (g *aggregator) begin(f *sessionFacts) {
	g.cur = orderKey{start: f.s.Start, id: f.s.ID}
}

// next is the key of the next piece of evidence of the current session.
func (g *aggregator) next() orderKey {
	g.cur.seq++
	return g.cur
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
	if a.lastSession != f.s.ID {
		a.lastSession = f.s.ID
		a.f.Sessions++
		a.ids = keepFirst(a.ids, orderKey{start: f.s.Start, id: f.s.ID}, g.cfg.MaxSessionIDs)
	}
	return a
}

// keepFirst inserts k into keys, sorted, keeping at most limit of the
// smallest.
func keepFirst(keys []orderKey, k orderKey, limit int) []orderKey {
	i, _ := slices.BinarySearchFunc(keys, k, orderKey.compare)
	if i >= limit {
		return keys
	}
	if len(keys) == limit {
		keys = keys[:limit-1]
	}
	return slices.Insert(keys, i, k)
}

// findings returns the aggregated findings with their lists and Detail
// written.
func (g *aggregator) findings() []Finding {
	out := make([]Finding, 0, len(g.order))
	for _, a := range g.order {
		a.f.SessionIDs = make([]string, len(a.ids))
		for i, k := range a.ids {
			a.f.SessionIDs[i] = k.id
		}
		a.f.Targets = a.targets.list(g.cfg.MaxListed)
		a.f.Commands = a.commands.list(g.cfg.MaxListed)
		if a.f.Kind == AnonymousLogin {
			a.f.User = a.anonUser
		}
		a.f.Detail = a.describe()
		out = append(out, a.f)
	}
	return out
}

// peerIndex knows, per client, the passive endpoints servers advertised
// to it and the servers it had sessions with, so that a PORT naming one
// of them reads as FXP rather than a bounce.
type peerIndex struct {
	// endpoints: client -> endpoint -> the first session (capture
	// order) that advertised it.
	endpoints map[netip.Addr]map[netip.AddrPort]orderKey
	servers   map[netip.Addr]map[netip.Addr]bool // client -> servers
}

func newPeerIndex() peerIndex {
	return peerIndex{
		endpoints: map[netip.Addr]map[netip.AddrPort]orderKey{},
		servers:   map[netip.Addr]map[netip.Addr]bool{},
	}
}

// add indexes f's server and every 227/228/229 reply (and passive
// Transfer.Advertised) of f.
func (p peerIndex) add(f *sessionFacts) {
	m := p.servers[f.client]
	if m == nil {
		m = map[netip.Addr]bool{}
		p.servers[f.client] = m
	}
	m[f.server] = true
	if len(f.endpoints) == 0 {
		return
	}
	e := p.endpoints[f.client]
	if e == nil {
		e = map[netip.AddrPort]orderKey{}
		p.endpoints[f.client] = e
	}
	k := orderKey{start: f.s.Start, id: f.s.ID}
	for _, ap := range f.endpoints {
		if old, ok := e[ap]; !ok || k.compare(old) < 0 {
			e[ap] = k
		}
	}
}

// isFXP: target, named by a PORT in session f, is a passive endpoint
// another session of the same client opened, or a server that client had
// another session with: the client is pointing one server at another
// (server-to-server transfer, FXP).
func (p peerIndex) isFXP(f *sessionFacts, target netip.AddrPort) bool {
	if k, ok := p.endpoints[f.client][target]; ok && k.id != f.s.ID {
		return true
	}
	if target.Addr() == f.server {
		return false
	}
	return p.servers[f.client][target.Addr()]
}

// needsPeers: f has evidence whose meaning depends on the other sessions
// (a PORT naming a third host, a data connection with one), so it can
// only be checked once every session is known.
func (f *sessionFacts) needsPeers() bool {
	if len(f.s.Transfers) > 0 { // only third-party transfers are kept
		return true
	}
	for _, x := range f.ex {
		if x.cmd.ThirdHost {
			return true
		}
	}
	return false
}

// checkSession raises the per-session findings of f.
func checkSession(g *aggregator, f *sessionFacts, peers peerIndex) {
	g.begin(f)
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
		info, _ := decoder.LookupVerb(x.cmd.Verb)
		switch {
		case info.Is(decoder.FlagUpload):
			uploads++
		case info.Is(decoder.FlagModifies) || verb == "SITE CHMOD":
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
	if k := g.next(); a.anonUser == "" || k.compare(a.anonUserKey) < 0 {
		a.anonUser, a.anonUserKey = anonUser, k
	}
	a.f.Count++
	a.f.Uploads += uploads
	a.f.Changes += changes
	for _, v := range verbs {
		g.addVerb(a, v)
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
		// RFC 2428 2: EPRT may name an address of the other IP version
		// than the control connection's; a dual-stack client names its
		// own, which the capture cannot compare with the client's.
		other := ap.Addr().Is4() != f.client.Is4() && ap.Port() >= 1024
		sev := Medium
		switch {
		case nat || other:
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
		if other {
			a.otherFamily++
		}
		g.addTarget(a, ap)
		g.addVerb(a, verb)
	}

	var refusedAt time.Time
	for _, x := range f.ex {
		e := x.cmd
		switch e.Verb {
		case "PORT", "EPRT", "LPRT":
			if !e.ThirdHost {
				continue
			}
			ap := e.Addr
			bounced[ap] = true
			if peers.isFXP(f, ap) {
				fxpPorts[ap] = true
				g.addTarget(fxp(e.TS), ap)
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
			g.addVerb(a, word)
			g.addCommand(a, e.Arg)
		case "AUTH":
			// RFC 2228 3 and RFC 4217 4.1: 234 accepts, 334 continues
			// an ADAT exchange, 4xx/5xx refuse. A refusal the client
			// recovered from (the session did go TLS) is not one.
			if !isTLSMechanism(e.Arg) || x.code() < 400 || s.TLS {
				continue
			}
			a := g.at(AuthTLSRefused, f, "", e.TS, Medium)
			a.f.Count++
			g.addCode(a, x.code())
			if refusedAt.IsZero() {
				refusedAt = e.TS
			}
		}
	}
	if refusedAt.IsZero() && !s.TLS && decoder.NoteAuthTLSRefused.In(s.Notes) {
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
		if (captured && src != f.client && dst != f.client) || decoder.NoteFXP.In(t.Notes) {
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
			g.addTarget(fxp(when), peer)
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
	g.addTarget(a, ap)
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
			d += fmt.Sprintf(" and changed the file tree %s (%s)", plural(f.Changes, "time"), strings.Join(a.verbs.list(maxListedCodes), ", "))
		}
		return d
	case FTPBounce:
		d := fmt.Sprintf("%s sent %s naming another host to %s (%s)%s",
			c, plural(f.Count, strings.Join(a.verbs.list(maxListedCodes), "/")+" command"), s, listAddrPorts(f.Targets, a.targets.len()), in)
		d += acceptance(f.Accepted, f.Count)
		switch {
		case a.natLike == f.Count:
			d += "; the addresses are internal, the client is probably behind NAT"
		case a.otherFamily == f.Count:
			d += "; the addresses are of the other IP version, probably the client's own (RFC 2428)"
		}
		return d
	case FXP:
		peer := listAddrPorts(f.Targets, a.targets.len())
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
			s, c, listAddrPorts(f.Targets, a.targets.len()), plural(f.Count, "reply"), in)
	case SiteExec:
		d := fmt.Sprintf("%s sent %s to %s%s", c, plural(f.Count, "SITE "+strings.Join(a.verbs.list(maxListedCodes), "/")+" command"), s, in)
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
		listed := a.codes.list(maxListedCodes)
		codes := make([]string, len(listed))
		for i, code := range listed {
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
