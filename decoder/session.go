package decoder

import (
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// This file holds a session's life: its creation from a control
// connection, the reassembly.Stream callbacks of that connection, the
// bounded records it keeps (notes, transcript, login attempts) and its
// finalisation once the control connection and every data connection it
// caused are closed.

// role is one side of the FTP dialogue, whatever TCP thinks.
type role uint8

const (
	roleClient role = 0
	roleServer role = 1
)

// session is the decoder's state for one control connection; out is
// what gets reported.
type session struct {
	a      *Analyzer
	out    Session
	connID uint64
	// conn is the control connection until its Close.
	conn *reassembly.Conn
	// srvDir is the connection direction whose bytes the FTP server
	// sends.
	srvDir reassembly.Dir

	sides   [2]side // by role
	replies ReplyAssembler
	// emitClient and emitServer are the LineReader callbacks, bound once
	// so that feeding lines does not allocate.
	emitClient, emitServer func([]byte, bool)
	now                    time.Time
	badLines               int // unparsable lines seen

	pair pairing

	opened    bool // EventSessionOpen was sent
	quit      bool // QUIT was answered 221
	ctrlDone  bool // the control connection is closed
	final     bool // emitted
	closeWhy  reassembly.CloseReason
	successes int // successful login attempts

	login  loginState
	cwd    workDir
	params transferParams
	data   dataChannels
}

// pairing is how replies are paired with the commands they answer
// (control.go): in order (RFC 959 4.2), realigned after a gap.
type pairing struct {
	pending cmdQueue
	// unqueued is the command being handled when pending is full.
	unqueued pendingCmd
	greet    int  // greetNone, greetDelayed or greetDone
	greeted  bool // the greeting (or any reply) was seen
	// lostCommands: a gap in the client's direction may have swallowed
	// commands, so replies are checked against the head command.
	lostCommands bool
	// lostReplies: a gap in the server's direction may have swallowed
	// replies.
	lostReplies bool
	// srvHoleEnd is where the server's stream resumed after its latest
	// gap (reassembly.Conn.Delivered), -1 before any.
	srvHoleEnd int64
	// pipelining: the client was seen sending a command before it had
	// read the reply to the previous one, so its acknowledgments do not
	// tell which replies a gap swallowed (see dropAckedLost).
	pipelining bool
}

// transferParams are the parameters that apply to the next transfers.
type transferParams struct {
	typ      *string    // TYPE in force (RFC 959 4.1.2)
	rest     int64      // REST offset for the next transfer (RFC 3659 5)
	restX    *xfer      // transfer that took the last REST
	sizes    []sizeMemo // recent SIZE answers (RFC 3659 4)
	renameFr *string    // RNFR accepted (350), waiting for RNTO
}

// dataChannels are the session's data connections and transfers
// (negotiation.go, transfer.go, datamatch.go, datalink.go, guess.go).
type dataChannels struct {
	neg      *negotiation // in force for the next transfer command
	exps     []*expectation
	early    []*dataLink // data connections waiting for their command
	waiting  []*xfer     // transfers waiting for their data connection
	xfers    []*xfer     // every transfer kept, as Session.Transfers
	open     int         // data connections bound here and not closed
	guessing bool        // listed in Analyzer.guesses
	unbound  int         // data connections never tied to a transfer
}

// side is the decoding state of one direction.
type side struct {
	lr   LineReader
	mode sideMode
	tls  tlsWalker
	seen bool // any byte seen
	// afterGap: the next bytes follow a hole.
	afterGap bool
}

// sideMode is how a direction's bytes are read.
type sideMode uint8

const (
	modeLine     sideMode = iota // FTP lines
	modeTLSProbe                 // after AUTH: TLS if the next byte is a record type
	modeTLS                      // TLS records
	modeDesync                   // lost inside TLS: look for a record or a line at each segment
)

// newSession starts a session on control connection c, whose server
// sends in direction srvDir.
func (a *Analyzer) newSession(c *reassembly.Conn, srvDir reassembly.Dir) *session {
	s := &session{
		a:       a,
		connID:  c.ID,
		conn:    c,
		srvDir:  srvDir,
		replies: NewReplyAssembler(a.cfg.MaxReplyLines),
		// No server gap yet.
		pair: pairing{srvHoleEnd: -1},
	}
	s.sides[roleClient].lr = NewLineReader(a.cfg.MaxLine)
	s.sides[roleServer].lr = NewLineReader(a.cfg.MaxLine)
	s.emitClient = s.clientLine
	s.emitServer = s.serverLine
	s.login.current = -1
	s.login.overSeq = -1
	s.login.outcome = OutcomeNone
	s.out.ID = "S" + strconv.FormatUint(c.ID, 10)
	s.out.Client, s.out.Server = c.Client, c.Server
	if srvDir == reassembly.ClientToServer {
		s.out.Client, s.out.Server = c.Server, c.Client
	}
	s.out.Start = c.Start
	s.out.End = c.Start
	s.out.Login = OutcomeNone
	s.out.Mode = ModeNone
	a.open[c.ID] = s
	return s
}

// roleOf maps a connection direction to the dialogue role sending it.
func (s *session) roleOf(d reassembly.Dir) role {
	if d == s.srvDir {
		return roleServer
	}
	return roleClient
}

// Mode implements reassembly.Stream: a control connection is always
// reassembled.
func (s *session) Mode() reassembly.Mode { return reassembly.Reassemble }

// Handshake implements reassembly.Stream.
func (s *session) Handshake(c *reassembly.Conn, ts time.Time) { s.openEvent(ts) }

// Data implements reassembly.Stream.
func (s *session) Data(c *reassembly.Conn, d reassembly.Dir, payload []byte, ts time.Time) {
	if s.final {
		return
	}
	s.openEvent(ts)
	s.feed(s.roleOf(d), payload, ts)
}

// Gap implements reassembly.Stream: the lost bytes end whatever line was
// in progress, and decoding resumes at the next line (or, inside TLS, at
// the next segment that starts a record).
func (s *session) Gap(c *reassembly.Conn, d reassembly.Dir, n int64, ts time.Time) {
	if s.final {
		return
	}
	r := s.roleOf(d)
	sd := &s.sides[r]
	sd.lr.Reset()
	sd.afterGap = true
	if r == roleServer {
		s.replies.Reset()
		s.pair.lostReplies = true
		s.pair.srvHoleEnd = c.Delivered(d)
	} else {
		s.pair.lostCommands = true
		// A CWD or CDUP may be among the lost bytes.
		s.cwd.lose(s.out.Commands)
	}
	switch sd.mode {
	case modeTLS, modeDesync:
		sd.tls.reset()
		sd.mode = modeDesync
	case modeTLSProbe:
		sd.mode = modeLine
	}
	s.out.GapBytes += n
	s.note(NoteGapInControl)
	s.entry(Entry{Kind: EntryGap, TS: ts, Bytes: n, Transfer: -1, Text: r.String()})
}

// Anomaly implements reassembly.Stream.
func (s *session) Anomaly(c *reassembly.Conn, d reassembly.Dir, an reassembly.Anomaly, ts time.Time) {
	if !s.final {
		s.note(anomalyNote(an))
	}
}

// Close implements reassembly.Stream.
func (s *session) Close(c *reassembly.Conn, reason reassembly.CloseReason, ts time.Time) {
	if s.final || s.ctrlDone {
		return
	}
	if !s.opened && !s.sides[roleClient].seen && !s.sides[roleServer].seen && !c.Handshake {
		// A probe or a refused connection to the FTP port: nothing was
		// said, so there is no session to report.
		delete(s.a.open, s.connID)
		s.final = true
		s.dropExpectations()
		return
	}
	s.closeWhy = reason
	s.closeControl(c, ts)
	s.tryFinish()
}

// String names a role for transcript text.
func (r role) String() string {
	if r == roleServer {
		return "server"
	}
	return "client"
}

// openEvent sends EventSessionOpen once.
func (s *session) openEvent(ts time.Time) {
	if s.opened {
		return
	}
	s.opened = true
	s.a.event(Event{Kind: EventSessionOpen, TS: ts, Session: &s.out})
}

// closeControl records the end of the control connection: the
// connection facts, and any line left without its end.
func (s *session) closeControl(c *reassembly.Conn, ts time.Time) {
	s.ctrlDone = true
	// A last line without CRLF still counts (a client that sent "QUIT"
	// and closed): end it by hand.
	for r := roleClient; r <= roleServer; r++ {
		sd := &s.sides[r]
		if sd.mode == modeLine && sd.lr.Pending() > 0 {
			s.note(NoteUnterminatedLine)
			s.feed(r, []byte{'\n'}, ts)
		}
	}
	// A multi-line reply whose end line never came.
	if rep, ok := s.replies.Flush(); ok && !s.final {
		s.note(NoteUnterminatedReply)
		s.reply(rep, ts)
	}
	s.snapshotConn(c)
	s.conn = nil
}

// snapshotConn copies what the report needs from the control connection.
func (s *session) snapshotConn(c *reassembly.Conn) {
	if c == nil {
		return
	}
	s.out.Start = c.Start
	s.out.End = lastPacket(c)
	s.out.Handshake = c.Handshake
	if c.Handshake {
		rtt := c.HandshakeRTT
		s.out.HandshakeRTT = &rtt
	}
	if !c.SawSYN {
		s.note(NoteNoHandshake)
	}
	s.out.TCP = tcpTimes(c.Times, s.srvDir.Reverse())
}

// tcpTimes restates the assembler's segment times of a connection from
// the point of view of its opener, the side sending in direction opener.
// The handshake times belong to the assembler's client; when the opener
// is the other side (roles the assembler guessed without a SYN), they are
// not the opener's and are left out.
func tcpTimes(t reassembly.Times, opener reassembly.Dir) TCPTimes {
	out := TCPTimes{
		OpenerFIN:   t.FIN[opener],
		AcceptorFIN: t.FIN[opener.Reverse()],
		RST:         t.RST,
		RSTByOpener: !t.RST.IsZero() && t.RSTDir == opener,
	}
	if opener == reassembly.ClientToServer {
		out.SYN, out.SYNACK, out.ACK = t.SYN, t.SYNACK, t.ACK
	}
	return out
}

// lastPacket is the time of the last packet of c in either direction.
func lastPacket(c *reassembly.Conn) time.Time {
	t := c.Start
	for _, st := range c.Traffic {
		if st.Last.After(t) {
			t = st.Last
		}
	}
	return t
}

// tryFinish emits the session once its control connection and every
// data connection bound to it are closed.
func (s *session) tryFinish() {
	if s.final || !s.ctrlDone || s.data.open > 0 {
		return
	}
	s.finish()
}

// finish makes the session final and emits it. Finish calls it for
// sessions still waiting, with connections still open.
func (s *session) finish() {
	if s.final {
		return
	}
	if !s.ctrlDone {
		// The capture ended with the control connection open and the
		// assembler did not close it.
		s.closeWhy = reassembly.CloseCaptureEnd
		c := s.conn
		s.closeControl(c, s.out.End)
	}
	// Commands never answered settle in order, without a reply.
	for s.pair.pending.len() > 0 {
		p := s.pair.pending.pop()
		s.settleLogin(&p, 0)
	}
	s.final = true
	s.out.EndReason = s.endReason()
	end := s.out.End
	// Data connections still open: take what they have so far.
	for _, x := range s.data.xfers {
		if l := x.link; l != nil && !l.closed {
			l.snapshot()
		}
		s.endTransfer(x, end)
	}
	for _, l := range s.data.early {
		if !l.closed {
			l.snapshot()
		}
		l.giveUp()
	}
	if len(s.data.early) > 0 || s.data.unbound > 0 {
		s.note(NoteDataWithoutTransfer)
	}
	s.data.early = nil
	s.data.waiting = nil
	s.dropExpectations()
	s.stopGuessing()
	s.out.Mode = s.sessionMode()
	s.out.Anonymous = s.out.User != nil && IsAnonymousUser(*s.out.User)
	s.out.Login = s.login.outcome
	s.out.LoginCount = s.login.count
	s.out.TLSRecords = s.sides[roleClient].tls.records + s.sides[roleServer].tls.records
	s.a.event(Event{Kind: EventSessionClose, TS: end, Session: &s.out})
	s.a.emit(s)
}

// endReason maps how the control connection ended to the report's
// vocabulary.
func (s *session) endReason() EndReason {
	if s.quit {
		return EndQuit
	}
	switch s.closeWhy {
	case reassembly.CloseFIN:
		return EndFIN
	case reassembly.CloseRST:
		return EndRST
	case reassembly.CloseTimeout:
		return EndTimeout
	case reassembly.CloseEvicted:
		// The assembler's table was full and this was its least recently
		// active connection: as good as idle.
		s.note(NoteConnEvicted)
		return EndTimeout
	case reassembly.CloseReused:
		// A new SYN on the same addresses and ports: the old connection
		// is over.
		s.note(NotePortReused)
		return EndFIN
	}
	return EndCaptureEnd
}

// sessionMode is active, passive, mixed or none, from the transfers that
// had a data connection.
func (s *session) sessionMode() Mode {
	var active, passive bool
	for _, x := range s.data.xfers {
		if x.link == nil {
			continue
		}
		switch x.t.Mode {
		case ModeActive:
			active = true
		case ModePassive:
			passive = true
		}
	}
	switch {
	case active && passive:
		return ModeMixed
	case active:
		return ModeActive
	case passive:
		return ModePassive
	}
	return ModeNone
}

// maxNotes bounds a session's or transfer's notes; the vocabulary is
// small, so it only guards against a bug.
const maxNotes = 64

// note records a session note once.
func (s *session) note(n Note) {
	s.out.Notes = s.addNote(s.out.Notes, n)
}

// addNote appends n to notes unless it is there or the list is full.
func (s *session) addNote(notes []string, n Note) []string {
	if n.In(notes) {
		return notes
	}
	if len(notes) >= maxNotes {
		s.a.limit(limitNotes)
		return notes
	}
	return append(notes, string(n))
}

// entry appends e to the transcript and returns a pointer to it, valid
// until the next entry. Past MaxTranscript the entry is dropped (noted
// once); the pointer is then to a copy, for the event, or nil when no
// one listens.
func (s *session) entry(e Entry) *Entry {
	if e.Kind != EntryReply {
		e.Answers = -1
	}
	if s.transcriptFull() {
		if s.a.cfg.OnEvent == nil {
			return nil
		}
		cp := new(Entry)
		*cp = e
		return cp
	}
	s.out.Transcript = append(s.out.Transcript, e)
	return &s.out.Transcript[len(s.out.Transcript)-1]
}

// transcriptFull reports (and notes) that no more entries are kept.
func (s *session) transcriptFull() bool {
	if len(s.out.Transcript) < s.a.cfg.MaxTranscript {
		return false
	}
	s.note(NoteTranscriptTruncated)
	s.a.limit(limitTranscript)
	return true
}

// IsAnonymousUser reports the user names RFC 1635 and common practice
// reserve for anonymous access ("anonymous", and "ftp" which most servers
// take as its synonym), in any case, spaces around them ignored. It is
// the rule of Session.Anonymous; the audit reads it too.
func IsAnonymousUser(u string) bool {
	u = strings.TrimSpace(u)
	return equalFold(u, "anonymous") || equalFold(u, "ftp")
}

// equalFold is strings.EqualFold for ASCII.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
