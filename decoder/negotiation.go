package decoder

import (
	"net/netip"
	"strings"
	"time"
)

// The data channel: this file holds the negotiations (PORT/PASV family)
// and the expectations they announce; transfer.go the transfer commands'
// lifecycle, datamatch.go the matching of a new connection to an
// expectation and to its transfer, datalink.go the data stream, guess.go
// unannounced connections and early.go payload that comes before its
// command.
//
// RFC 959 3.2 and 3.3: a transfer uses a separate TCP connection. In
// active mode the client names an address with PORT (RFC 959 4.1.2),
// EPRT (RFC 2428 2) or LPRT (RFC 1639 2) and the server connects to it;
// in passive mode the client sends PASV, EPSV or LPSV and connects to
// the address of the 227 (RFC 959 4.1.2), 229 (RFC 2428 3, the address
// is the control connection's) or 228 (RFC 1639 3) reply. Without either,
// the server connects from its port L-1 to the client's control port
// (RFC 959 3.2, default data ports).
//
// Each announced address becomes an expectation in a table shared by all
// sessions, so that one connection can serve two sessions at once (FXP:
// a server-to-server transfer driven by one client through two control
// connections). A new connection that matches an expectation is a data
// connection; it is then tied to the transfer command that uses it,
// which may come before or after the connection opens.

// negotiation is one PORT/PASV family exchange.
type negotiation struct {
	verb string // PORT, EPRT, LPRT, PASV, EPSV or LPSV
	mode Mode
	// adv is the announced address; invalid until a passive reply gives
	// it.
	adv netip.AddrPort
	// mismatch: the 227 address is not the control server's (NAT).
	mismatch bool
	// thirdParty: the PORT address is not the control client's (FXP or
	// a bounce attempt, RFC 2577 2).
	thirdParty bool
	// served: a transfer using it got its final reply, so its data
	// connection (if any was to come) is over.
	served bool
}

// expectation is an announced data connection not yet expired.
type expectation struct {
	s        *session
	neg      *negotiation
	adv      netip.AddrPort
	serverIP netip.Addr // the control connection's server
	clientIP netip.Addr // the control connection's client
	created  time.Time
	// used: a connection already matched; it still matches (a reused
	// negotiation) but an unused one is preferred.
	used bool

	prev, next   *expectation // table order, oldest first
	pprev, pnext *expectation // same advertised port
	inTable      bool
}

// expectTable holds every session's expectations, bounded and expired on
// the capture clock, indexed by advertised port (every match rule needs
// the destination port to match).
type expectTable struct {
	max        int
	ttl        time.Duration
	n          int
	head, tail *expectation
	byPort     map[uint16]*expectation
}

func (t *expectTable) init(max int, ttl time.Duration) {
	t.max, t.ttl = max, ttl
	t.byPort = make(map[uint16]*expectation)
}

// insert appends e, evicting the oldest expectation when full.
func (t *expectTable) insert(e *expectation, a *Analyzer) {
	for t.n >= t.max && t.head != nil {
		old := t.head
		a.limit(limitExpectations)
		old.s.note(NoteExpectationEvicted)
		a.dropExpectation(old)
	}
	e.inTable = true
	e.prev = t.tail
	if t.tail != nil {
		t.tail.next = e
	} else {
		t.head = e
	}
	t.tail = e
	// Append to the port chain, so that it stays oldest first.
	port := e.adv.Port()
	if h := t.byPort[port]; h == nil {
		t.byPort[port] = e
	} else {
		last := h
		for last.pnext != nil {
			last = last.pnext
		}
		last.pnext = e
		e.pprev = last
	}
	t.n++
}

// remove unlinks e from the table.
func (t *expectTable) remove(e *expectation) {
	if !e.inTable {
		return
	}
	e.inTable = false
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		t.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		t.tail = e.prev
	}
	port := e.adv.Port()
	if e.pprev != nil {
		e.pprev.pnext = e.pnext
	} else if e.pnext != nil {
		t.byPort[port] = e.pnext
	} else {
		delete(t.byPort, port)
	}
	if e.pnext != nil {
		e.pnext.pprev = e.pprev
	}
	e.prev, e.next, e.pprev, e.pnext = nil, nil, nil, nil
	t.n--
}

// expire drops the expectations older than the TTL at ts.
func (t *expectTable) expire(ts time.Time, a *Analyzer) {
	for t.head != nil && ts.Sub(t.head.created) > t.ttl {
		a.dropExpectation(t.head)
	}
}

// clear empties the table.
func (t *expectTable) clear() {
	for t.head != nil {
		t.remove(t.head)
	}
}

// dropExpectation removes e from the table and from its session.
func (a *Analyzer) dropExpectation(e *expectation) {
	a.exps.remove(e)
	s := e.s
	for i, x := range s.data.exps {
		if x == e {
			s.data.exps = append(s.data.exps[:i], s.data.exps[i+1:]...)
			break
		}
	}
}

// dropExpectations removes every expectation of s.
func (s *session) dropExpectations() {
	for len(s.data.exps) > 0 {
		s.a.dropExpectation(s.data.exps[len(s.data.exps)-1])
	}
}

// maxSessionExpects bounds the live expectations of one session, so that
// a client sending PASV in a loop cannot fill the shared table alone.
const maxSessionExpects = 16

// expect registers the address of neg as an expected data connection.
func (s *session) expect(neg *negotiation, ts time.Time) {
	if !neg.adv.IsValid() {
		return
	}
	e := &expectation{
		s:        s,
		neg:      neg,
		adv:      unmapAddrPort(neg.adv),
		serverIP: s.out.Server.Addr().Unmap(),
		clientIP: s.out.Client.Addr().Unmap(),
		created:  ts,
	}
	// A new negotiation supersedes the used ones, the ones whose
	// transfer is over (its data connection was not captured) and any
	// earlier one for the same address.
	for i := 0; i < len(s.data.exps); {
		old := s.data.exps[i]
		if old.used || old.neg.served || old.adv == e.adv {
			s.a.dropExpectation(old)
			continue
		}
		i++
	}
	if len(s.data.exps) >= maxSessionExpects {
		s.a.limit(limitSessionExpects)
		// Noted like an eviction from the shared table: either way a
		// data connection to that address would no longer be tied.
		s.note(NoteExpectationEvicted)
		s.a.dropExpectation(s.data.exps[0])
	}
	s.a.exps.insert(e, s.a)
	s.data.exps = append(s.data.exps, e)
}

// dropNegotiation removes the expectations of a refused negotiation.
func (s *session) dropNegotiation(neg *negotiation) {
	for i := 0; i < len(s.data.exps); {
		if s.data.exps[i].neg == neg {
			s.a.dropExpectation(s.data.exps[i])
			continue
		}
		i++
	}
}

func unmapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// portCommand handles PORT, EPRT and LPRT: the server will connect to
// the address given. The expectation is registered at once, so a client
// that pipelines PORT and RETR is followed; a refusal removes it.
func (s *session) portCommand(p *pendingCmd, ts time.Time) {
	if !p.addr.IsValid() {
		s.note(NoteBadNegotiation)
		return
	}
	neg := &negotiation{verb: p.verb, mode: ModeActive, adv: p.addr}
	if s.thirdHost(neg.adv, roleClient) {
		// RFC 2577 2 (the "FTP bounce"): a PORT naming another host is
		// either FXP or an attack; the report decides.
		neg.thirdParty = true
		s.note(NotePORTAddressMismatch)
	}
	p.neg, p.prevNeg = neg, s.data.neg
	s.data.neg = neg
	s.expect(neg, ts)
}

// passiveAddress is ParsePassiveAddress of r, on this session's server.
func (s *session) passiveAddress(r Reply) (netip.AddrPort, bool) {
	return ParsePassiveAddress(r.Code, r.Lines, s.out.Server.Addr())
}

// thirdHost reports whether a data address names a host other than the
// control connection's client (announced by the client: PORT, EPRT,
// LPRT) or server (announced by the server: 227, 228): FXP, a bounce
// (RFC 2577 2) or a NAT. It is the one place that decides it.
func (s *session) thirdHost(ap netip.AddrPort, by role) bool {
	own := s.out.Client
	if by == roleServer {
		own = s.out.Server
	}
	return ap.IsValid() && ap.Addr().Unmap() != own.Addr().Unmap()
}

// portReply handles the reply to PORT/EPRT/LPRT (RFC 959 4.1.2: 200).
func (s *session) portReply(p *pendingCmd, r Reply) {
	if p.neg == nil || (r.Code >= 200 && r.Code < 300) {
		return
	}
	s.refuseNegotiation(p)
}

// refuseNegotiation undoes a negotiation the server refused.
func (s *session) refuseNegotiation(p *pendingCmd) {
	s.dropNegotiation(p.neg)
	if s.data.neg == p.neg {
		s.data.neg = p.prevNeg
	}
}

// pasvCommand handles PASV, EPSV and LPSV; the address comes with the
// reply.
func (s *session) pasvCommand(p *pendingCmd, arg string) {
	if p.verb == "EPSV" && strings.EqualFold(strings.TrimSpace(arg), "ALL") {
		// RFC 2428 4: from now on the client uses EPSV only; no
		// negotiation yet.
		s.note(NoteEPSVAll)
		return
	}
	neg := &negotiation{verb: p.verb, mode: ModePassive}
	p.neg, p.prevNeg = neg, s.data.neg
	s.data.neg = neg
}

// pasvReply reads the address of a 227, 229 or 228 reply.
func (s *session) pasvReply(p *pendingCmd, r Reply, ts time.Time) {
	neg := p.neg
	if neg == nil {
		return
	}
	if r.Code < 200 || r.Code >= 300 {
		s.refuseNegotiation(p)
		return
	}
	if r.Code != p.row.AddressReply {
		// A positive reply of another kind: a server that answers
		// out of turn, or a pairing disturbed by a gap.
		return
	}
	neg.adv, _ = s.passiveAddress(r)
	if !neg.adv.IsValid() {
		s.note(NoteBadNegotiation)
		return
	}
	if s.thirdHost(neg.adv, roleServer) {
		// A NAT in front of the server rewrote (or failed to rewrite)
		// the address: the client connects to the advertised address,
		// which the capture may see as the server's real one.
		neg.mismatch = true
		s.note(NotePASVAddressMismatch)
	}
	s.expect(neg, ts)
	// Transfers pipelined before the reply learn the address now.
	for _, x := range s.data.waiting {
		if x.neg == neg {
			s.syncNegotiation(x)
		}
	}
}

// orphanPassive takes a 227/228/229 reply whose command was lost as the
// negotiation it answers.
func (s *session) orphanPassive(r Reply, ts time.Time) {
	verb := "PASV"
	switch r.Code {
	case 228:
		verb = "LPSV"
	case 229:
		verb = "EPSV"
	}
	p := pendingCmd{verb: verb, row: knownVerbs[verb], attempt: -1}
	s.pasvCommand(&p, "")
	s.pasvReply(&p, r, ts)
}
