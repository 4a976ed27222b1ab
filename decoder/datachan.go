package decoder

import (
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// This file ties data connections to the sessions that announced them.
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

// xfer is the decoder's side of one Transfer.
type xfer struct {
	t     *Transfer
	index int
	neg   *negotiation
	link  *dataLink
	cmdTS time.Time
	// file is true for RETR, STOR, STOU, APPE (content worth keeping);
	// listings are counted only.
	file bool
	// prelim: a 1xx reply was seen, so data was about to flow.
	prelim  bool
	replied bool
	started bool // EventTransferStart sent
	ended   bool // EventTransferEnd sent
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
	for i, x := range s.exps {
		if x == e {
			s.exps = append(s.exps[:i], s.exps[i+1:]...)
			break
		}
	}
}

// dropExpectations removes every expectation of s.
func (s *session) dropExpectations() {
	for len(s.exps) > 0 {
		s.a.dropExpectation(s.exps[len(s.exps)-1])
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
	for i := 0; i < len(s.exps); {
		old := s.exps[i]
		if old.used || old.neg.served || old.adv == e.adv {
			s.a.dropExpectation(old)
			continue
		}
		i++
	}
	if len(s.exps) >= maxSessionExpects {
		s.a.limit(limitSessionExpects)
		// Noted like an eviction from the shared table: either way a
		// data connection to that address would no longer be tied.
		s.note(NoteExpectationEvicted)
		s.a.dropExpectation(s.exps[0])
	}
	s.a.exps.insert(e, s.a)
	s.exps = append(s.exps, e)
}

// dropNegotiation removes the expectations of a refused negotiation.
func (s *session) dropNegotiation(neg *negotiation) {
	for i := 0; i < len(s.exps); {
		if s.exps[i].neg == neg {
			s.a.dropExpectation(s.exps[i])
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
	p.neg, p.prevNeg = neg, s.neg
	s.neg = neg
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
	if s.neg == p.neg {
		s.neg = p.prevNeg
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
	p.neg, p.prevNeg = neg, s.neg
	s.neg = neg
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
	for _, x := range s.waiting {
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

// transferCommand creates the Transfer of RETR, STOR, STOU, APPE, LIST,
// NLST or MLSD, in command order, and ties it to a data connection that
// is already open, if any.
func (s *session) transferCommand(p *pendingCmd, c Command, upload bool, ts time.Time) {
	if len(s.xfers) >= s.a.cfg.MaxTransfers {
		s.note(NoteTransfersTruncated)
		s.a.limit(limitTransfers)
		return
	}
	t := &Transfer{
		Command:   c.Verb,
		Direction: Download,
		Rest:      s.rest,
		Type:      s.typ,
		Start:     ts,
		End:       ts,
	}
	if upload {
		t.Direction = Upload
	}
	listing := c.Verb == "LIST" || c.Verb == "NLST" || c.Verb == "MLSD"
	if c.Arg != "" {
		arg := c.Arg
		t.Arg = &arg
	}
	target := c.Arg
	if listing {
		target = listingTarget(c.Arg)
	}
	if c.Verb != "STOU" || target != "" {
		if pth, ok := s.resolvePath(target); ok {
			t.Path = &pth
			if !listing {
				if n, ok := s.sizeOf(pth); ok {
					t.Size = &n
				}
			}
		}
	}
	x := &xfer{t: t, index: len(s.xfers), neg: s.neg, cmdTS: ts, file: !listing}
	if s.rest != 0 {
		s.restX = x
	}
	s.rest = 0
	s.xfers = append(s.xfers, x)
	s.out.Transfers = append(s.out.Transfers, t)
	s.syncNegotiation(x)
	p.x = x
	if l := s.takeEarly(x); l != nil {
		s.bind(x, l, ts)
		return
	}
	if len(s.waiting) >= maxWaiting {
		// The oldest waiting transfer can no longer be tied to a data
		// connection: noted on it, since the cut is its own.
		s.a.limit(limitWaiting)
		old := s.waiting[0]
		old.t.Notes = s.addNote(old.t.Notes, NoteWaitingLimit)
		s.waiting = s.waiting[1:]
	}
	s.waiting = append(s.waiting, x)
	s.updateGuessing()
}

// maxWaiting bounds the transfers waiting for their data connection.
const maxWaiting = 64

// listingTarget drops the ls-style options ("-la") that clients put
// before a LIST/NLST path.
func listingTarget(arg string) string {
	arg = strings.TrimSpace(arg)
	for strings.HasPrefix(arg, "-") {
		i := strings.IndexByte(arg, ' ')
		if i < 0 {
			return ""
		}
		arg = strings.TrimSpace(arg[i+1:])
	}
	return arg
}

// syncNegotiation copies what is known of x's negotiation into its
// Transfer.
func (s *session) syncNegotiation(x *xfer) {
	neg := x.neg
	if neg == nil {
		return
	}
	x.t.Negotiation = neg.verb
	x.t.Mode = neg.mode
	x.t.Advertised = neg.adv
	if neg.mismatch {
		x.t.Notes = s.addNote(x.t.Notes, NotePASVAddressMismatch)
	}
	if neg.thirdParty {
		x.t.Notes = s.addNote(x.t.Notes, NotePORTAddressMismatch)
	}
}

// transferReply applies a preliminary (1xx) or final reply to the
// transfer its command created.
func (s *session) transferReply(p *pendingCmd, r Reply, ts time.Time, final bool) {
	x := p.x
	t := x.t
	if t.Command == "STOU" && t.Path == nil {
		// RFC 1123 4.1.2.9: the 125/150 (or 250) reply names the file
		// the server chose, as "FILE: name".
		if name, ok := stouName(r); ok {
			if pth, ok := s.resolvePath(name); ok {
				t.Path = &pth
			}
		}
	}
	if !final {
		x.prelim = true
		for _, line := range r.Lines {
			if n, ok := ParseSizeReply(line); ok {
				t.Size = &n
				break
			}
		}
		s.startTransfer(x, ts)
		return
	}
	code := r.Code
	t.Status = &code
	x.replied = true
	if x.neg != nil {
		x.neg.served = true
	}
	if x.link == nil {
		s.unwait(x)
	}
	s.maybeEnd(x, ts)
}

// stouName reads the "FILE: name" of a STOU reply.
func stouName(r Reply) (string, bool) {
	for _, line := range r.Lines {
		i := strings.Index(strings.ToUpper(line), "FILE:")
		if i < 0 {
			continue
		}
		name := strings.TrimSpace(line[i+len("FILE:"):])
		if f := strings.Fields(name); len(f) > 0 {
			return f[0], true
		}
	}
	return "", false
}

// startTransfer sends EventTransferStart once.
func (s *session) startTransfer(x *xfer, ts time.Time) {
	if x.started {
		return
	}
	x.started = true
	s.a.event(Event{Kind: EventTransferStart, TS: ts, Session: &s.out, Transfer: x.t})
}

// unwait removes x from the transfers waiting for a data connection.
func (s *session) unwait(x *xfer) {
	for i, w := range s.waiting {
		if w == x {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			break
		}
	}
	s.updateGuessing()
}

// maybeEnd ends x once its final reply is in and its data connection,
// if any, is closed.
func (s *session) maybeEnd(x *xfer, ts time.Time) {
	if x.ended || !x.replied || (x.link != nil && !x.link.closed) {
		return
	}
	s.endTransfer(x, ts)
}

// endTransfer fills the last fields of x's Transfer and reports it.
func (s *session) endTransfer(x *xfer, ts time.Time) {
	if x.ended {
		return
	}
	x.ended = true
	t := x.t
	if l := x.link; l != nil {
		d := l.transferDir()
		b := l.stats[d].Bytes
		t.Bytes = &b
		t.MissingBytes = l.stats[d].Missing
		t.Start, t.End = l.start, l.end
		t.FirstData = l.stats[d].FirstPayload
		t.TCP = l.tcp
	} else if x.prelim || !x.replied || (t.Status != nil && *t.Status/100 == 2) {
		// Data should have flowed (1xx or 2xx, or no reply at all) but
		// its connection is not in the capture.
		t.Notes = s.addNote(t.Notes, NoteDataNotCaptured)
	}
	t.Complete = x.link != nil && t.Status != nil && *t.Status/100 == 2 && t.MissingBytes == 0
	if l := x.link; l != nil && l.w != nil {
		// Closed last, so the writer sees the final status and counts.
		l.w.Close(t)
		l.w = nil
	}
	if t.Size != nil && t.Bytes != nil && t.Rest == 0 && *t.Size != *t.Bytes {
		t.Notes = s.addNote(t.Notes, NoteSizeMismatch)
	}
	s.a.event(Event{Kind: EventTransferEnd, TS: ts, Session: &s.out, Transfer: t})
}

// dataLink is one data connection as seen by one session (an FXP
// connection has one link per session).
type dataLink struct {
	ds *dataStream
	s  *session
	// neg is the negotiation matched (nil for a guess).
	neg  *negotiation
	mode Mode
	// src sent the SYN; dst accepted.
	src, dst netip.AddrPort
	// srvSide is the connection direction whose sender is this
	// session's FTP server.
	srvSide reassembly.Dir
	x       *xfer
	guessed bool // matched by addresses only
	fxp     bool // the connection serves another session too
	// closed: the connection ended; stats, start and end are final.
	closed bool
	// detached: the session no longer waits for this link.
	detached   bool
	stats      [2]reassembly.DirStats
	start, end time.Time
	tcp        TCPTimes
	// w receives the payload of a file transfer (Config.Content).
	w       ContentWriter
	wOpened bool
	// early holds payload seen before the transfer command, per
	// direction, bounded.
	early *earlyContent
	// notes are what happened to the connection before it was tied to
	// a transfer (anomalies, content_buffer_limit, conn_evicted): moved
	// to the transfer by bind, or to the session when the connection is
	// given up.
	notes []string
}

// note records n about the data connection: on its transfer once bound,
// on the session once the link was given up, on the link until then.
func (l *dataLink) note(n Note) {
	switch {
	case l.x != nil:
		l.x.t.Notes = l.s.addNote(l.x.t.Notes, n)
	case l.detached:
		l.s.note(n)
	default:
		l.notes = l.s.addNote(l.notes, n)
	}
}

// giveUp detaches a link that was never tied to a transfer; what was
// noted on it goes to the session, the only place left to say it.
func (l *dataLink) giveUp() {
	l.detached = true
	for _, n := range l.notes {
		l.s.note(Note(n))
	}
	l.notes = nil
}

// transferDir is the connection direction the transfer's payload flows
// in: from the FTP server for a download, to it for an upload.
func (l *dataLink) transferDir() reassembly.Dir {
	if l.x != nil && l.x.t.Direction == Upload {
		return l.srvSide.Reverse()
	}
	return l.srvSide
}

// snapshot copies the connection's accounting so far.
func (l *dataLink) snapshot() {
	c := l.ds.conn
	if c == nil {
		return
	}
	l.stats = c.Traffic
	l.start = c.Start
	l.end = lastPacket(c)
	opener := reassembly.ClientToServer
	if l.src != c.Client {
		opener = reassembly.ServerToClient
	}
	l.tcp = tcpTimes(c.Times, opener)
}

// maxLinksPerConn bounds how many sessions one data connection serves.
const maxLinksPerConn = 4

// dataStream is the Stream of a data connection.
type dataStream struct {
	a    *Analyzer
	conn *reassembly.Conn
	// first is embedded to save an allocation in the usual one-session
	// case.
	first dataLink
	more  []*dataLink
	n     int
}

// link returns the i-th link.
func (ds *dataStream) link(i int) *dataLink {
	if i == 0 {
		return &ds.first
	}
	return ds.more[i-1]
}

// addLink returns a fresh link, nil when the bound is reached.
func (ds *dataStream) addLink() *dataLink {
	if ds.n >= maxLinksPerConn {
		return nil
	}
	ds.n++
	if ds.n == 1 {
		ds.first.ds = ds
		return &ds.first
	}
	l := &dataLink{ds: ds}
	ds.more = append(ds.more, l)
	return l
}

// expMatch is one expectation a new connection satisfies.
type expMatch struct {
	e       *expectation
	swapped bool // the connection's roles are the other way round
	exact   bool // destination equals the advertised address
}

// newData returns the Stream of c if it is an announced (or, failing
// that, guessed) data connection, nil otherwise.
func (a *Analyzer) newData(c *reassembly.Conn, ts time.Time) reassembly.Stream {
	ms := a.matchExpectations(c)
	if len(ms) == 0 {
		return a.matchGuess(c, ts)
	}
	ds := &dataStream{a: a, conn: c}
	for i, m := range ms {
		l := ds.addLink()
		if l == nil {
			// The sessions past the bound do not see this connection:
			// each is noted (its expectation stays, unused).
			a.limit(limitLinksPerConn)
			for _, rest := range ms[i:] {
				rest.e.s.note(NoteLinksPerConnLimit)
			}
			break
		}
		e := m.e
		e.used = true
		l.s = e.s
		l.neg = e.neg
		l.mode = e.neg.mode
		l.src, l.dst = c.Client, c.Server
		srcDir := reassembly.ClientToServer
		if m.swapped {
			l.src, l.dst = c.Server, c.Client
			srcDir = reassembly.ServerToClient
		}
		// Active: the FTP server opened the connection; passive: the
		// client did, to the server.
		l.srvSide = srcDir
		if l.mode == ModePassive {
			l.srvSide = srcDir.Reverse()
		}
		l.fxp = len(ms) > 1
	}
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		l.s.open++
		l.s.attach(l, ts)
	}
	return ds
}

// matchExpectations finds, per session, the best expectation c
// satisfies: exact address first, unused first, oldest first.
func (a *Analyzer) matchExpectations(c *reassembly.Conn) []expMatch {
	a.matches = a.matches[:0]
	if a.exps.n == 0 {
		return a.matches
	}
	a.collectMatches(unmapAddrPort(c.Client), unmapAddrPort(c.Server), false)
	if len(a.matches) == 0 && !c.SawSYN {
		// Without the SYN the assembler only guessed the roles.
		a.collectMatches(unmapAddrPort(c.Server), unmapAddrPort(c.Client), true)
	}
	return a.matches
}

// collectMatches adds the matches of a connection from src to dst.
func (a *Analyzer) collectMatches(src, dst netip.AddrPort, swapped bool) {
	for e := a.exps.byPort[dst.Port()]; e != nil; e = e.pnext {
		if e.s.final {
			continue
		}
		exact := dst == e.adv
		ok := exact
		if !ok {
			if e.neg.mode == ModePassive {
				// NAT in front of the server: the client connects to the
				// advertised port on the real address, or the capture
				// sees the client's connection to the advertised port.
				ok = dst.Addr() == e.serverIP || src.Addr() == e.clientIP
			} else {
				// NAT in front of the client: the PORT carries a private
				// address, the server connects to the public one.
				ok = dst.Addr() == e.clientIP && src.Addr() == e.serverIP
			}
		}
		if !ok {
			continue
		}
		m := expMatch{e: e, swapped: swapped, exact: exact}
		replaced := false
		for i := range a.matches {
			if a.matches[i].e.s != e.s {
				continue
			}
			replaced = true
			if better(m, a.matches[i]) {
				a.matches[i] = m
			}
		}
		if !replaced {
			a.matches = append(a.matches, m)
		}
	}
}

// better reports whether m is a better match than o for the same
// session. Chains are walked oldest first, so ties keep the older.
func better(m, o expMatch) bool {
	if m.exact != o.exact {
		return m.exact
	}
	return !m.e.used && o.e.used
}

// maxGuesses bounds the sessions waiting for an unannounced data
// connection.
const maxGuesses = 256

// updateGuessing lists s in Analyzer.guesses while it has a transfer
// waiting without a negotiation.
func (s *session) updateGuessing() {
	need := false
	for _, x := range s.waiting {
		if x.neg == nil {
			need = true
			break
		}
	}
	switch {
	case need && !s.guessing && !s.final:
		a := s.a
		if len(a.guesses) >= maxGuesses {
			// The oldest guessing session stops looking for its
			// unannounced data connection (the table is shared by all
			// sessions, but the cut is that one's).
			a.limit(limitGuesses)
			old := a.guesses[0]
			old.guessing = false
			old.note(NoteGuessEvicted)
			a.guesses = a.guesses[1:]
		}
		a.guesses = append(a.guesses, s)
		s.guessing = true
	case !need && s.guessing:
		s.stopGuessing()
	}
}

// stopGuessing removes s from Analyzer.guesses.
func (s *session) stopGuessing() {
	if !s.guessing {
		return
	}
	s.guessing = false
	g := s.a.guesses
	for i, o := range g {
		if o == s {
			s.a.guesses = append(g[:i], g[i+1:]...)
			break
		}
	}
}

// matchGuess ties c to a session waiting for a data connection that no
// negotiation announced, by the two hosts of its control connection.
// The RFC 959 3.2 default (server port L-1 to the client's control port)
// is exact; anything else is noted data_guessed.
func (a *Analyzer) matchGuess(c *reassembly.Conn, ts time.Time) reassembly.Stream {
	if len(a.guesses) == 0 || a.isPort(c.Client.Port()) || a.isPort(c.Server.Port()) {
		return nil
	}
	src, dst := unmapAddrPort(c.Client), unmapAddrPort(c.Server)
	for _, s := range a.guesses {
		cli, srv := unmapAddrPort(s.out.Client), unmapAddrPort(s.out.Server)
		sameHosts := (src.Addr() == cli.Addr() && dst.Addr() == srv.Addr()) ||
			(src.Addr() == srv.Addr() && dst.Addr() == cli.Addr())
		if !sameHosts || s.final {
			continue
		}
		ds := &dataStream{a: a, conn: c}
		l := ds.addLink()
		l.s = s
		l.src, l.dst = c.Client, c.Server
		defaultPort := dst == cli && src.Addr() == srv.Addr() && src.Port() == srv.Port()-1
		if defaultPort || (src.Addr() == srv.Addr() && src.Addr() != cli.Addr()) {
			l.mode = ModeActive
			l.srvSide = reassembly.ClientToServer
		} else {
			l.mode = ModePassive
			l.srvSide = reassembly.ServerToClient
		}
		l.guessed = !defaultPort
		s.open++
		s.attach(l, ts)
		return ds
	}
	return nil
}

// maxEarly bounds the data connections waiting for their command.
const maxEarly = 8

// attach gives a new data link to its session: to the oldest waiting
// transfer, or to the early list until a transfer command comes.
func (s *session) attach(l *dataLink, ts time.Time) {
	if x := s.takeWaiting(l); x != nil {
		s.bind(x, l, ts)
		return
	}
	if len(s.early) >= maxEarly {
		s.a.limit(limitEarlyData)
		old := s.early[0]
		old.giveUp()
		s.unbound++
		s.early = s.early[1:]
	}
	s.early = append(s.early, l)
}

// takeWaiting removes and returns the transfer l should serve: one of
// the same negotiation first, else the oldest; nil when none waits.
func (s *session) takeWaiting(l *dataLink) *xfer {
	if len(s.waiting) == 0 {
		return nil
	}
	pick := 0
	if l.guessed || l.neg == nil {
		// A guess serves only a transfer no negotiation announced.
		pick = -1
		for i, x := range s.waiting {
			if x.neg == nil {
				pick = i
				break
			}
		}
		if pick < 0 {
			return nil
		}
	} else {
		for i, x := range s.waiting {
			if x.neg == l.neg {
				pick = i
				break
			}
		}
	}
	x := s.waiting[pick]
	s.waiting = append(s.waiting[:pick], s.waiting[pick+1:]...)
	s.updateGuessing()
	return x
}

// takeEarly removes and returns the early link x should use: one of the
// same negotiation first, else the oldest.
func (s *session) takeEarly(x *xfer) *dataLink {
	if len(s.early) == 0 {
		return nil
	}
	pick := 0
	for i, l := range s.early {
		if l.neg == x.neg {
			pick = i
			break
		}
	}
	l := s.early[pick]
	s.early = append(s.early[:pick], s.early[pick+1:]...)
	return l
}

// bind ties data link l to transfer x.
func (s *session) bind(x *xfer, l *dataLink, ts time.Time) {
	x.link = l
	l.x = x
	t := x.t
	t.DataSrc, t.DataDst = l.src, l.dst
	if x.neg == nil && l.neg != nil {
		x.neg = l.neg
		s.syncNegotiation(x)
	}
	// The connection itself says who opened it.
	t.Mode = l.mode
	if l.guessed {
		t.Notes = s.addNote(t.Notes, NoteDataGuessed)
	}
	if l.fxp {
		t.Notes = s.addNote(t.Notes, NoteFXP)
	}
	for _, n := range l.notes {
		t.Notes = s.addNote(t.Notes, Note(n))
	}
	l.notes = nil
	// The addresses are in the Transfer the entry points to.
	s.entry(Entry{Kind: EntryDataOpen, TS: ts, Transfer: x.index})
	s.startTransfer(x, ts)
	if l.early != nil {
		l.replayEarly()
	}
	if l.closed {
		s.dataClosed(l, ts)
	}
}

// dataClosed records the end of a bound data connection.
func (s *session) dataClosed(l *dataLink, ts time.Time) {
	x := l.x
	d := l.transferDir()
	s.entry(Entry{Kind: EntryDataClose, TS: ts, Transfer: x.index, Bytes: l.stats[d].Bytes})
	// The content writer stays open until the final reply says whether
	// the file is whole (endTransfer).
	s.maybeEnd(x, ts)
}

// Mode implements reassembly.Stream: sequence accounting only, unless a
// file transfer's content is wanted (or may be, for a connection whose
// command has not come yet).
func (ds *dataStream) Mode() reassembly.Mode {
	if ds.a.cfg.Content == nil {
		return reassembly.Count
	}
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.detached || l.s.final {
			continue
		}
		if l.x == nil || l.x.file {
			return reassembly.Reassemble
		}
	}
	return reassembly.Count
}

// Handshake implements reassembly.Stream.
func (ds *dataStream) Handshake(c *reassembly.Conn, ts time.Time) {}

// Data implements reassembly.Stream; it is called only when content is
// extracted.
func (ds *dataStream) Data(c *reassembly.Conn, d reassembly.Dir, payload []byte, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.detached || l.s.final {
			continue
		}
		if l.x == nil {
			l.keepEarly(d, payload, 0)
			continue
		}
		if l.x.file && d == l.transferDir() {
			l.write(payload, 0)
		}
	}
}

// Gap implements reassembly.Stream.
func (ds *dataStream) Gap(c *reassembly.Conn, d reassembly.Dir, n int64, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.detached || l.s.final {
			continue
		}
		if l.x == nil {
			l.keepEarly(d, nil, n)
			continue
		}
		if l.x.file && d == l.transferDir() {
			l.write(nil, n)
		}
	}
}

// Anomaly implements reassembly.Stream: noted on the bound transfers,
// kept on a link not bound yet until it is (see dataLink.note). A
// session already reported can no longer be told.
func (ds *dataStream) Anomaly(c *reassembly.Conn, d reassembly.Dir, an reassembly.Anomaly, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		if l := ds.link(i); !l.s.final {
			l.note(anomalyNote(an))
		}
	}
}

// Close implements reassembly.Stream.
func (ds *dataStream) Close(c *reassembly.Conn, reason reassembly.CloseReason, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.closed {
			continue
		}
		l.snapshot()
		l.closed = true
	}
	ds.conn = nil
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		s := l.s
		if s.final {
			continue
		}
		s.open--
		if reason == reassembly.CloseEvicted {
			// The assembler's table was full: whatever the connection
			// carried after this is not counted.
			l.note(NoteConnEvicted)
		}
		if l.x != nil && !l.detached {
			s.dataClosed(l, ts)
		}
		s.tryFinish()
	}
}

// write passes payload (or a hole of n bytes) to the content writer,
// opening it on first use.
func (l *dataLink) write(p []byte, n int64) {
	if !l.wOpened {
		l.wOpened = true
		l.w = l.s.a.cfg.Content.Open(&l.s.out, l.x.t)
	}
	if l.w == nil {
		return
	}
	if n > 0 {
		l.w.Skip(n)
		return
	}
	l.w.Write(p)
}

// earlyContent is payload that arrived before the transfer command said
// which direction matters: per direction, bytes and holes in order.
type earlyContent struct {
	data  [2][]byte
	holes [2][]earlyHole
	// dropped counts bytes past the bound, per direction, reported as a
	// hole at the end.
	dropped [2]int64
}

// earlyHole is n missing bytes after data[:at].
type earlyHole struct {
	at int
	n  int64
}

// maxEarlyContent bounds the payload kept per early data connection, and
// maxEarlyHoles the holes placed in it per direction.
const (
	maxEarlyContent = 1 << 20
	maxEarlyHoles   = 64
)

// keepEarly holds payload (or a hole) until the transfer is known.
func (l *dataLink) keepEarly(d reassembly.Dir, p []byte, hole int64) {
	if l.early == nil {
		l.early = &earlyContent{}
	}
	ec := l.early
	if hole > 0 || ec.dropped[d] > 0 || len(ec.data[0])+len(ec.data[1])+len(p) > maxEarlyContent {
		if hole > 0 && ec.dropped[d] == 0 && len(ec.holes[d]) < maxEarlyHoles {
			ec.holes[d] = append(ec.holes[d], earlyHole{at: len(ec.data[d]), n: hole})
			return
		}
		if ec.dropped[d] == 0 {
			// From here on this direction's early payload is a hole
			// (too many bytes, or too many holes to place them):
			// counted and noted once per direction.
			l.s.a.limit(limitContentBuffer)
			l.note(NoteContentBufferLimit)
		}
		ec.dropped[d] += int64(len(p)) + hole
		return
	}
	ec.data[d] = append(ec.data[d], p...)
}

// replayEarly writes the held payload of the transfer's direction.
func (l *dataLink) replayEarly() {
	ec := l.early
	l.early = nil
	if !l.x.file || l.s.a.cfg.Content == nil {
		return
	}
	d := l.transferDir()
	data := ec.data[d]
	at := 0
	for _, h := range ec.holes[d] {
		if h.at > at {
			l.write(data[at:h.at], 0)
			at = h.at
		}
		l.write(nil, h.n)
	}
	if at < len(data) {
		l.write(data[at:], 0)
	}
	if ec.dropped[d] > 0 {
		l.write(nil, ec.dropped[d])
	}
}
