package decoder

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// This file is the control dialogue: bytes to lines to commands and
// replies (RFC 959 4), the pairing of replies with the commands they
// answer, logins (RFC 959 4.1.1), TLS (RFC 4217, RFC 2228) and the
// small per-session facts (FEAT, SYST, TYPE, REST, the working
// directory).

// pendingCmd is a command waiting for its final reply, with what the
// reply needs to finish its effect.
type pendingCmd struct {
	verb, arg string
	// row is the verb's command table row, nil for an unknown verb.
	row *VerbInfo
	// entry indexes the command's transcript entry, -1 when not kept.
	entry int
	// addr is the address a PORT, EPRT or LPRT names, invalid when it
	// does not parse.
	addr netip.AddrPort
	ts   time.Time
	// seq numbers the command among the session's commands, from 1.
	seq int
	// attempt is the login attempt a USER, PASS or ACCT belongs to, -1
	// otherwise.
	attempt int
	// x is the transfer a transfer command created.
	x *xfer
	// neg is the negotiation a PORT/PASV family command opened; prevNeg
	// is the one it replaced, restored when it is refused.
	neg, prevNeg *negotiation
	// prevType is the TYPE in force before a TYPE command; setType the
	// one it set.
	prevType, setType *string
	// path is the resolved argument of SIZE and RNFR.
	path string
	// rest is the offset a REST command set.
	rest int64
	// tls is true for an AUTH naming TLS or SSL (RFC 4217 4).
	tls bool
	// srvAcked is how far the client had acknowledged the server's
	// stream when it sent the command (reassembly.Conn.Acked), -1 when
	// unknown: every reply before it had reached the client.
	srvAcked int64
}

// cmdQueue is a FIFO of pending commands. Replies pair with commands in
// order: RFC 959 5.4 makes every command answered, in sequence, so a
// pipelining client (several commands in one segment, or commands sent
// before the greeting) is still followed.
type cmdQueue struct {
	buf  []pendingCmd
	head int
}

func (q *cmdQueue) len() int { return len(q.buf) - q.head }

// push queues p unless max commands already wait.
func (q *cmdQueue) push(p pendingCmd, max int) bool {
	if q.len() >= max {
		return false
	}
	if q.head > 0 && q.head*2 >= len(q.buf) {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf = q.buf[:n]
		q.head = 0
	}
	q.buf = append(q.buf, p)
	return true
}

// front is the oldest pending command, nil if none.
func (q *cmdQueue) front() *pendingCmd {
	if q.len() == 0 {
		return nil
	}
	return &q.buf[q.head]
}

// back is the newest pending command; len() > 0.
func (q *cmdQueue) back() *pendingCmd { return &q.buf[len(q.buf)-1] }

// at is the i-th pending command, oldest first; i < len().
func (q *cmdQueue) at(i int) *pendingCmd { return &q.buf[q.head+i] }

// pop removes and returns the oldest pending command.
func (q *cmdQueue) pop() pendingCmd {
	p := q.buf[q.head]
	q.buf[q.head] = pendingCmd{}
	q.head++
	if q.head == len(q.buf) {
		q.buf = q.buf[:0]
		q.head = 0
	}
	return p
}

// Bounds of the small per-session records.
const (
	maxFeatures   = 256 // FEAT lines kept
	maxBadLines   = 100 // unparsable lines copied into the transcript
	maxBadLineLen = 200 // bytes of such a line kept
	maxLineCheck  = 512 // bytes examined to tell an FTP line from TLS
)

// feed decodes bytes sent by role r.
func (s *session) feed(r role, p []byte, ts time.Time) {
	s.now = ts
	sd := &s.sides[r]
	if !sd.seen && len(p) > 0 {
		sd.seen = true
		// Implicit FTPS (port 990, RFC 4217 1 and its history): the
		// connection starts with a TLS ClientHello, not a greeting.
		if p[0] == tlsHandshake && !s.out.TLS && s.out.Commands == 0 && !s.pair.greeted &&
			plausibleTLSHeader(p[:min(len(p), tlsHeaderLen)]) {
			s.implicitTLS(ts)
		}
	}
	emit := s.emitClient
	if r == roleServer {
		emit = s.emitServer
	}
	for len(p) > 0 && !s.final {
		switch sd.mode {
		case modeLine:
			if sd.afterGap {
				// After a hole, the next bytes either start a line (the
				// hole ended at a line end, as it does when segments
				// carry whole lines) or finish one whose start is lost,
				// which is skipped.
				sd.afterGap = false
				if !s.looksLikeLine(r, p) {
					sd.lr.Resync()
				}
			}
			// Feed one line at a time, so that a line that switches the
			// direction to TLS (AUTH, 234) leaves the rest of the
			// segment to the TLS walker.
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				sd.lr.Feed(p, emit)
				return
			}
			sd.lr.Feed(p[:i+1], emit)
			p = p[i+1:]
		case modeTLSProbe:
			if tlsContentType(p[0]) {
				sd.mode = modeTLS
				s.tlsOn(ts)
			} else {
				sd.mode = modeLine
			}
		case modeTLS:
			n, bad := sd.tls.walk(p)
			p = p[n:]
			if !bad {
				return
			}
			if s.looksLikeLine(r, p) {
				s.cleartextAgain(r, ts)
				continue
			}
			sd.mode = modeDesync
			s.note(NoteTLSDesync)
			return
		case modeDesync:
			// Only a segment start can be trusted to begin a record or a
			// line again.
			switch {
			case len(p) >= tlsHeaderLen && plausibleTLSHeader(p[:tlsHeaderLen]):
				sd.mode = modeTLS
			case s.looksLikeLine(r, p):
				s.cleartextAgain(r, ts)
			default:
				return
			}
		}
	}
}

// implicitTLS marks a connection that was TLS from its first byte.
func (s *session) implicitTLS(ts time.Time) {
	s.sides[roleClient].mode = modeTLS
	s.sides[roleServer].mode = modeTLS
	s.out.TLS = true
	s.entry(Entry{Kind: EntryTLS, TS: ts, Transfer: -1, Text: "implicit TLS: the connection starts with a TLS handshake"})
}

// tlsOn records that a direction now carries TLS records.
func (s *session) tlsOn(ts time.Time) {
	if !s.out.TLS {
		// The server's 234 was not seen (lost or not captured), but the
		// client is speaking TLS: the AUTH was accepted.
		s.out.TLS = true
		s.entry(Entry{Kind: EntryTLS, TS: ts, Transfer: -1, Text: "TLS records after AUTH"})
	}
}

// cleartextAgain switches role r back to lines: after CCC (RFC 2228 5.3,
// RFC 4217 12.3) the dialogue continues in the clear.
func (s *session) cleartextAgain(r role, ts time.Time) {
	sd := &s.sides[r]
	sd.mode = modeLine
	sd.tls.reset()
	sd.lr.Reset()
	if r == roleServer {
		s.replies.Reset()
	}
	s.entry(Entry{Kind: EntryTLS, TS: ts, Transfer: -1, Text: "cleartext resumed (" + r.String() + ")"})
}

// looksLikeLine reports whether p starts with what role r sends in the
// clear: a command for the client, "ddd " or "ddd-" for the server.
func (s *session) looksLikeLine(r role, p []byte) bool {
	line := p[:min(len(p), maxLineCheck)]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if r == roleClient {
		c, err := ParseCommand(line)
		return err == nil && c.Known
	}
	if len(line) < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) || line[0] < '1' || line[0] > '5' {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '-'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// clientLine handles one line from the client.
func (s *session) clientLine(line []byte, truncated bool) {
	if truncated {
		s.note(NoteLineTruncated)
		s.a.limit(limitLineLength)
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	c, err := ParseCommand(line)
	if err != nil {
		// Not a command the server can know, but the server will still
		// answer it (500), so it is counted and queued like any other
		// to keep the replies paired.
		s.note(NoteBadCommand)
	}
	s.command(c, s.now)
}

// serverLine handles one line from the server.
func (s *session) serverLine(line []byte, truncated bool) {
	if truncated {
		s.note(NoteLineTruncated)
		s.a.limit(limitLineLength)
	}
	r, done, err := s.replies.Add(line)
	if err != nil && len(bytes.TrimSpace(line)) > 0 {
		// Not a reply line ("SYST not supported", "99 x"), or a code
		// glued to its text ("230no_space"), which still completes a
		// reply.
		s.badReply(line)
		if !done {
			// The malformed line most likely stood where the head
			// command's reply should be: let the next valid reply pair
			// by plausibility (RFC 959 5.4) rather than go to a command
			// it cannot answer.
			s.pair.lostReplies = true
		}
	}
	if !done {
		return
	}
	if r.Truncated {
		s.note(NoteReplyTruncated)
		s.a.limit(limitReplyLines)
	}
	s.reply(r, s.now)
}

// badReply notes a server line that is not a reply and keeps a short
// copy of the first ones in the transcript; decoding goes on.
func (s *session) badReply(line []byte) {
	const what = NoteBadReply
	s.note(what)
	s.badLines++
	if s.badLines > maxBadLines {
		// bad_reply says there were such lines; this says the transcript
		// no longer shows each of them.
		s.note(NoteBadLinesTruncated)
		s.a.limit(limitBadLines)
		return
	}
	s.entry(Entry{Kind: EntryNote, TS: s.now, Transfer: -1,
		Text: string(what) + ": " + string(line[:min(len(line), maxBadLineLen)])})
}

// command handles one parsed client command.
func (s *session) command(c Command, ts time.Time) {
	s.out.Commands++
	verb := c.Verb
	// c.Verb is the table's spelling when the verb is known.
	p := pendingCmd{verb: verb, row: knownVerbs[verb], arg: c.Arg, ts: ts, attempt: -1, entry: -1,
		seq: s.out.Commands, srvAcked: s.serverAcked()}
	e := Entry{Kind: EntryCommand, TS: ts, Verb: verb, Arg: c.Arg, Transfer: -1}
	if p.row != nil && p.row.Is(FlagActive) {
		if ap, err := ParseActiveAddress(verb, c.Arg); err == nil {
			p.addr = ap
			e.Addr, e.ThirdHost = ap, s.thirdHost(ap, roleClient)
		}
	}
	at := len(s.out.Transcript)
	if ep := s.entry(e); ep != nil {
		if len(s.out.Transcript) > at {
			p.entry = at
		}
		s.a.event(Event{Kind: EventCommand, TS: ts, Session: &s.out, Entry: ep})
	}

	s.notePipelining(p.srvAcked)
	// The handler works on the queued copy (or, when the queue is full,
	// on the session's spare one): p itself must not reach a function
	// value, or every command would be allocated.
	q, queued := &s.pair.unqueued, s.pair.pending.push(p, s.a.cfg.MaxPending)
	if queued {
		q = s.pair.pending.back()
	} else {
		*q = p
	}
	if q.row != nil && q.row.onCommand != nil {
		q.row.onCommand(s, q, c, ts)
	}
	if !queued {
		s.note(NoteTooManyPending)
		s.a.limit(limitPending)
	}
}

// normalizeType reduces a TYPE argument to its type code.
func normalizeType(arg string) (string, bool) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f[0]) != 1 {
		return "", false
	}
	code := strings.ToUpper(f[0])
	switch code {
	case "A", "E", "I":
		return code, true
	case "L":
		if len(f) > 1 && len(f[1]) <= 3 {
			return "L " + f[1], true
		}
		return "L", true
	}
	return "", false
}

// Greeting state: RFC 959 5.4 "Connection Establishment": 120 (then
// 220), 220 or 421.
const (
	greetNone = iota
	greetDelayed
	greetDone
)

// reply handles one complete server reply.
func (s *session) reply(r Reply, ts time.Time) {
	code := r.Code
	if s.greeting(r, ts) {
		return
	}
	p := s.pair.pending.front()
	if p != nil && (s.pair.lostCommands || s.pair.lostReplies) {
		p = s.realign(code)
	}
	if p == nil {
		// Unsolicited: a 421 at shutdown, a 221 after a QUIT the capture
		// missed, a reply whose command was lost in a gap.
		s.replyEntry(r, ts, 0, -1)
		if code == 227 || code == 228 || code == 229 {
			// The PASV was lost, but its reply still announces where
			// the client will connect.
			s.orphanPassive(r, ts)
		}
		return
	}
	s.replyEntry(r, ts, ts.Sub(p.ts), p.entry)
	if code < 200 {
		// RFC 959 4.2: a 1yz reply is preliminary; the command still
		// waits for its completion reply.
		if p.x != nil {
			s.transferReply(p, r, ts, false)
		}
		return
	}
	// p is the queue's front (realign returns it): completed in place,
	// then popped.
	s.settleLogin(p, r.Code)
	s.complete(p, r, ts)
	s.pair.pending.pop()
}

// greeting handles the connection-establishment replies and reports
// whether r was one. A 220 counts as the greeting when it is the first
// reply, even if the client pipelined commands before it; the one
// exception is a capture that began mid-session, where a first 220 with
// commands pending answers one of them (REIN).
func (s *session) greeting(r Reply, ts time.Time) bool {
	if s.pair.greet == greetDone {
		return false
	}
	isGreet := r.Code == 220 || r.Code == 421 || (r.Code == 120 && s.pair.greet == greetNone)
	sawStart := s.conn == nil || s.conn.SawSYN
	if !isGreet || (s.pair.greet == greetNone && s.pair.pending.len() > 0 && !sawStart) {
		s.pair.greet = greetDone
		s.pair.greeted = true
		return false
	}
	s.pair.greeted = true
	if r.Code == 120 {
		s.pair.greet = greetDelayed
	} else {
		s.pair.greet = greetDone
	}
	if r.Code == 220 && s.out.Banner == nil && len(r.Lines) > 0 {
		b := r.Lines[0]
		s.out.Banner = &b
	}
	s.replyEntry(r, ts, 0, -1)
	return true
}

// replyEntry adds r, answering the command entry at index answers, to
// the transcript and sends its event.
func (s *session) replyEntry(r Reply, ts time.Time, latency time.Duration, answers int) {
	if s.a.cfg.OnEvent == nil && s.transcriptFull() {
		return
	}
	lines := make([]string, len(r.Lines))
	copy(lines, r.Lines)
	e := Entry{Kind: EntryReply, TS: ts, Code: r.Code, Lines: lines, Latency: latency, Transfer: -1, Answers: answers}
	if ap, ok := s.passiveAddress(r); ok {
		e.Addr, e.ThirdHost = ap, s.thirdHost(ap, roleServer)
	}
	if e := s.entry(e); e != nil {
		s.a.event(Event{Kind: EventReply, TS: ts, Session: &s.out, Entry: e})
	}
}

// complete applies the final reply r to the command p it answers.
func (s *session) complete(p *pendingCmd, r Reply, ts time.Time) {
	if p.row != nil && p.row.onReply != nil {
		p.row.onReply(s, p, r, ts)
	}
	if p.x != nil {
		s.transferReply(p, r, ts, true)
	}
}

// quotedAbsPath finds an absolute quoted path in a reply, the form of
// RFC 959 Appendix II that some servers also use after CWD.
func quotedAbsPath(r Reply) (string, bool) {
	for _, l := range r.Lines {
		if i := strings.IndexByte(l, '"'); i >= 0 {
			if d, ok := ParsePathReply(l[i:]); ok && strings.HasPrefix(d, "/") {
				return d, true
			}
		}
	}
	return "", false
}

// loginState follows the login attempts of a session (RFC 959 4.1.1).
type loginState struct {
	// count is how many attempts were started, kept or not.
	count int
	// current is the attempt a PASS or ACCT belongs to, -1 if none.
	current int
	// over is the attempt in progress when the kept list is full;
	// overSeq its number.
	over    LoginAttempt
	overSeq int
	// outcome is that of the latest attempt with a known outcome.
	outcome    Outcome
	outcomeSeq int
	// state is the login in force after the replies so far, user the
	// USER it follows (Entry.Login).
	state LoginState
	user  string
}

// settleLogin records on p's command entry the login in force when it
// was answered by code (0: never), then applies the reply (RFC 959
// 4.1.1: USER, PASS, ACCT, REIN). Commands are settled in order.
func (s *session) settleLogin(p *pendingCmd, code int) {
	l := &s.login
	before := l.state
	ok := positive(code)
	switch p.verb {
	case "USER":
		// 230 at once, or 232 after AUTH (RFC 2228 4).
		l.user, l.state = p.arg, LoggedOut
		if ok {
			l.state = loginStateOf(l.user)
		}
	case "PASS", "ACCT":
		if ok {
			l.state = loginStateOf(l.user)
		}
	case "REIN":
		if ok || code == 0 {
			l.state, l.user = LoggedOut, ""
		}
	}
	if p.entry >= 0 && p.entry < len(s.out.Transcript) {
		e := &s.out.Transcript[p.entry]
		e.Login, e.LoginAfter = before, l.state
	}
}

// loginStateOf is the state a login as user puts the session in.
func loginStateOf(user string) LoginState {
	if IsAnonymousUser(user) {
		return LoggedInAnonymous
	}
	return LoggedIn
}

// startAttempt opens a login attempt for USER and returns its number.
func (s *session) startAttempt(user string, ts time.Time) int {
	seq := s.login.count
	s.login.count++
	s.login.current = seq
	la := LoginAttempt{User: user, Outcome: OutcomeUnknown, Time: ts}
	if len(s.out.LoginAttempts) < s.a.cfg.MaxLoginAttempts && seq == len(s.out.LoginAttempts) {
		s.out.LoginAttempts = append(s.out.LoginAttempts, la)
	} else {
		s.note(NoteLoginAttemptsTruncated)
		s.a.limit(limitLoginAttempts)
		s.login.over = la
		s.login.overSeq = seq
	}
	return seq
}

// passAttempt attaches a PASS to the attempt in progress, or opens one
// when there is none or it already ended (a client retrying PASS
// without USER, or a capture that began after the USER).
func (s *session) passAttempt(pw string, ts time.Time) int {
	la := s.attempt(s.login.current)
	// A PASS after a USER already answered 230 completes that attempt
	// (the server will say 202 or 230 again); after a refusal, or a
	// second PASS, it is a new try.
	if la == nil || la.Password != nil || la.Outcome == OutcomeFailure {
		user := ""
		if la != nil {
			user = la.User
		} else if s.out.User != nil {
			user = *s.out.User
		}
		s.startAttempt(user, ts)
		la = s.attempt(s.login.current)
	}
	if la != nil {
		la.Password = &pw
	}
	return s.login.current
}

// attempt returns login attempt number seq, nil when it is not kept.
func (s *session) attempt(seq int) *LoginAttempt {
	switch {
	case seq < 0:
		return nil
	case seq < len(s.out.LoginAttempts):
		return &s.out.LoginAttempts[seq]
	case seq == s.login.overSeq && seq >= len(s.out.LoginAttempts):
		return &s.login.over
	}
	return nil
}

// resolveAttempt records the reply to a login step; a known outcome
// ends the attempt and is reported once.
func (s *session) resolveAttempt(seq int, o Outcome, code int, ts time.Time) {
	la := s.attempt(seq)
	if la == nil {
		// Not kept, but the session's outcome still follows it.
		if o != OutcomeUnknown && seq >= s.login.outcomeSeq && seq >= 0 {
			s.login.outcome, s.login.outcomeSeq = o, seq
			if o == OutcomeSuccess {
				s.successes++
			}
		}
		return
	}
	if la.Outcome != OutcomeUnknown {
		return
	}
	c := code
	la.ReplyCode = &c
	if o == OutcomeUnknown {
		return
	}
	la.Outcome = o
	if seq >= s.login.outcomeSeq {
		s.login.outcome, s.login.outcomeSeq = o, seq
	}
	if o == OutcomeSuccess {
		s.successes++
	}
	s.a.event(Event{Kind: EventLogin, TS: ts, Session: &s.out, Login: la})
}

// sizeMemo is one SIZE answer, kept for the transfer that usually
// follows it.
type sizeMemo struct {
	path string
	n    int64
}

// maxSizes bounds the SIZE answers remembered per session.
const maxSizes = 8

// rememberSize keeps the size of p, dropping the oldest answer.
func (s *session) rememberSize(p string, n int64) {
	if len(s.params.sizes) >= maxSizes {
		copy(s.params.sizes, s.params.sizes[1:])
		s.params.sizes = s.params.sizes[:maxSizes-1]
	}
	s.params.sizes = append(s.params.sizes, sizeMemo{path: p, n: n})
}

// sizeOf returns the latest SIZE answer for p.
func (s *session) sizeOf(p string) (int64, bool) {
	for i := len(s.params.sizes) - 1; i >= 0; i-- {
		if s.params.sizes[i].path == p {
			return s.params.sizes[i].n, true
		}
	}
	return 0, false
}

// serverAcked is how far the client has acknowledged the server's stream
// (reassembly.Conn.Acked), -1 when unknown.
func (s *session) serverAcked() int64 {
	if s.conn == nil {
		return -1
	}
	if off, ok := s.conn.Acked(s.srvDir); ok {
		return off
	}
	return -1
}

// notePipelining records a client that sends a command while an earlier
// one still waits although it had read every server byte the capture
// delivered (it did not wait for the reply; RFC 959 5.4 leaves that to
// the client). When the client acknowledged server bytes the capture has
// not delivered, the missing reply may be among them: nothing is learnt.
func (s *session) notePipelining(srvAcked int64) {
	if s.pair.pending.len() == 0 || s.pair.lostReplies || s.conn == nil || srvAcked < 0 {
		return
	}
	if srvAcked <= s.conn.Delivered(s.srvDir) {
		s.pair.pipelining = true
	}
}

// dropAckedLost pops the pending commands whose replies a gap in the
// server's direction swallowed, when the client's acknowledgments prove
// it. A later pending command was sent once the client had acknowledged
// the server's stream exactly up to the end of the hole: it had read the
// lost bytes (RFC 9293 3.4) and nothing after them. A client that waits
// for each reply before its next command (never seen pipelining) then had
// the replies of every command before that one, and none of them reached
// the capture: they were in the hole. Without that proof nothing is
// popped and realign falls back to plausibility.
func (s *session) dropAckedLost() {
	if s.pair.pipelining || s.pair.srvHoleEnd < 0 {
		return
	}
	k := -1
	for i := range min(s.pair.pending.len(), maxRealign+1) {
		if a := s.pair.pending.at(i).srvAcked; a >= s.pair.srvHoleEnd {
			if a == s.pair.srvHoleEnd {
				k = i
			}
			break
		}
	}
	for ; k > 0; k-- {
		s.loseCommand()
	}
}

// loseCommand drops the oldest pending command, whose reply is lost: it
// ends without one, and a CWD may or may not have moved the directory.
func (s *session) loseCommand() {
	lost := s.pair.pending.pop()
	s.settleLogin(&lost, 0)
	if changesDir(&lost) {
		s.cwd.lose(lost.seq)
	}
}

// maxRealign is how far down the pending queue a reply is looked for
// after a gap.
const maxRealign = 8

// realign pairs a reply after a gap in the control connection. A gap in
// the client's direction may have swallowed commands, whose replies then
// come before the head command's: a reply the head command cannot get
// belongs to a lost command. A gap in the server's direction may have
// swallowed replies: a reply the head command cannot get but a later
// pending command can means the commands before that one lost theirs.
// It returns the command the reply answers, nil for none.
func (s *session) realign(code int) *pendingCmd {
	if s.pair.lostReplies {
		s.dropAckedLost()
	}
	p := s.pair.pending.front()
	if p == nil {
		return nil
	}
	if plausibleReply(p.verb, code) {
		s.pair.lostCommands, s.pair.lostReplies = false, false
		return p
	}
	if s.pair.lostReplies {
		for k := 1; k < min(s.pair.pending.len(), maxRealign+1); k++ {
			if !plausibleReply(s.pair.pending.at(k).verb, code) {
				continue
			}
			for ; k > 0; k-- {
				// Their replies are lost: they end without one. A CWD
				// may have succeeded or not: the directory is unknown.
				s.loseCommand()
			}
			s.pair.lostCommands, s.pair.lostReplies = false, false
			return s.pair.pending.front()
		}
	}
	return nil
}

// changesDir reports the verbs that change the working directory.
func changesDir(p *pendingCmd) bool {
	return p.row != nil && p.row.Is(FlagChangesDir)
}

// plausibleReply reports whether code can answer verb, from the command
// table's reply sets (RFC 959 5.4 and the extensions' own: RFC 2389 3.2
// FEAT, RFC 2428 EPSV, RFC 3659 SIZE/MDTM, RFC 1639 LPSV). Negative
// replies fit any command; a verb whose positive replies are not listed
// accepts any final reply, and only those listing 1yz replies accept one.
func plausibleReply(verb string, code int) bool {
	if code >= 400 {
		return true
	}
	info, ok := knownVerbs[verb]
	if !ok || !info.Replies.constrained() {
		return code >= 200
	}
	r := info.Replies
	return slices.Contains(r.Preliminary, code) || slices.Contains(r.Completion, code) ||
		slices.Contains(r.Intermediate, code)
}
