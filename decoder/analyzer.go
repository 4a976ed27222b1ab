package decoder

import (
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// Config sets what the Analyzer looks for and how much it may keep.
type Config struct {
	// Ports are the TCP ports treated as FTP control by port number; a
	// connection on any other port is FTP when its content says so.
	Ports []uint16
	// ImplicitTLSPorts are control ports where the connection is TLS
	// from its first byte (implicit FTPS, 990 by convention; RFC 4217
	// 1 describes it as the historical variant). They are decoded like
	// Ports; their sessions are TLS when the first bytes are a TLS
	// record.
	ImplicitTLSPorts []uint16
	// NoProbe turns off content detection: only connections on Ports
	// (and the data connections they announce) are decoded.
	NoProbe bool
	// MaxLine is the longest command or reply line kept; longer lines are
	// cut and noted (line_truncated).
	MaxLine int
	// MaxReplyLines is the most lines kept of one multi-line reply.
	MaxReplyLines int
	// MaxTranscript is the most transcript entries kept per session.
	MaxTranscript int
	// MaxPending is the most commands awaiting a reply per session.
	MaxPending int
	// MaxExpectations is the most announced-but-unused data connections
	// kept across all sessions; ExpectationTTL expires them on the
	// capture clock.
	MaxExpectations int
	ExpectationTTL  time.Duration
	// MaxTransfers is the most transfers kept per session.
	MaxTransfers int
	// MaxLoginAttempts is the most login attempts kept per session; the
	// ones beyond are still counted (Session.LoginCount) and still decide
	// Session.Login.
	MaxLoginAttempts int
	// Content, when set, receives the payload of file transfers.
	Content ContentSink
	// OnEvent, when set, is called for each event as it happens.
	OnEvent func(Event)
	// OnSession is called once per session when it is final.
	OnSession func(*Session)
}

// DefaultConfig returns the defaults documented in the README.
func DefaultConfig() Config {
	return Config{
		Ports:            []uint16{21},
		ImplicitTLSPorts: []uint16{990},
		MaxLine:          8192,
		MaxReplyLines:    1000,
		MaxTranscript:    100000,
		MaxPending:       1000,
		MaxExpectations:  4096,
		ExpectationTTL:   5 * time.Minute,
		MaxTransfers:     100000,
		MaxLoginAttempts: 1000,
	}
}

// withDefaults fills every zero limit from DefaultConfig, so that a
// partly filled Config cannot make a table unbounded.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxLine <= 0 {
		c.MaxLine = d.MaxLine
	}
	if c.MaxReplyLines <= 0 {
		c.MaxReplyLines = d.MaxReplyLines
	}
	if c.MaxTranscript <= 0 {
		c.MaxTranscript = d.MaxTranscript
	}
	if c.MaxPending <= 0 {
		c.MaxPending = d.MaxPending
	}
	if c.MaxExpectations <= 0 {
		c.MaxExpectations = d.MaxExpectations
	}
	if c.ExpectationTTL <= 0 {
		c.ExpectationTTL = d.ExpectationTTL
	}
	if c.MaxTransfers <= 0 {
		c.MaxTransfers = d.MaxTransfers
	}
	if c.MaxLoginAttempts <= 0 {
		c.MaxLoginAttempts = d.MaxLoginAttempts
	}
	return c
}

// ContentSink receives data-connection payload for extraction. The decoder
// calls it; the sink, outside the decoder, does the I/O.
type ContentSink interface {
	// Open is called when a file transfer's first payload arrives;
	// returning nil skips the transfer.
	Open(s *Session, t *Transfer) ContentWriter
}

// ContentWriter receives one transfer's payload in order.
type ContentWriter interface {
	// Write takes the next in-order bytes (valid only during the call).
	Write(p []byte)
	// Skip says n bytes are missing at this point.
	Skip(n int64)
	// Close ends the transfer; the writer records SHA256, MIME and File
	// in t.
	Close(t *Transfer)
}

// Names of the limits counted in Summary.Limits. Each firing is also
// noted on the session or transfer it cut (docs/robustness.md lists the
// notes); only limitNotes cannot be, the list being full.
const (
	limitExpectations   = "expectations"    // expectation table full, oldest evicted
	limitPending        = "pending"         // command queue full, command not queued
	limitTranscript     = "transcript"      // transcript entry dropped
	limitLoginAttempts  = "login_attempts"  // login attempt not kept
	limitTransfers      = "transfers"       // transfer not kept
	limitLineLength     = "line_length"     // line cut at MaxLine
	limitReplyLines     = "reply_lines"     // reply lines dropped
	limitEarlyData      = "early_data"      // data connection waiting for its command dropped
	limitContentBuffer  = "content_buffer"  // early data payload not buffered
	limitGuesses        = "guesses"         // data-connection guess dropped
	limitSessionExpects = "session_expects" // a session's own expectation list full
	limitFeatures       = "features"        // FEAT lines dropped
	limitWaiting        = "waiting"         // transfers waiting for a data connection dropped
	limitBadLines       = "bad_lines"       // unparsable lines not put in the transcript
	limitProbe          = "probe_undecided" // probe buffer full before a decision
	limitLinksPerConn   = "links_per_conn"  // sessions sharing one data connection
	limitNotes          = "notes"           // notes dropped
)

// Analyzer is the FTP decoder for a whole capture. It is a
// reassembly.Factory: give it to the assembler.
//
// It is not safe for concurrent use: the assembler calls it from one
// goroutine, in capture order, and so must Finish.
type Analyzer struct {
	cfg   Config
	ports []uint16

	// exps are the announced data connections of every session.
	exps expectTable
	// guesses are sessions with a transfer waiting for a data connection
	// that no negotiation announced (RFC 959 3.2 default data port, or a
	// capture that began after the PASV).
	guesses []*session

	// open holds the sessions not yet emitted, by control connection ID.
	open map[uint64]*session

	summary  Summary
	finished bool

	// matches is scratch space for New, reused to stay allocation-free.
	matches []expMatch
}

// NewAnalyzer returns an Analyzer with cfg; zero limits take defaults.
func NewAnalyzer(cfg Config) *Analyzer {
	cfg = cfg.withDefaults()
	a := &Analyzer{
		cfg:   cfg,
		ports: append(slices.Clone(cfg.Ports), cfg.ImplicitTLSPorts...),
		open:  make(map[uint64]*session),
		summary: Summary{
			Limits: make(map[string]int64),
		},
	}
	a.exps.init(cfg.MaxExpectations, cfg.ExpectationTTL)
	return a
}

// isPort reports whether p is one of the control ports (plain or
// implicit TLS).
func (a *Analyzer) isPort(p uint16) bool { return slices.Contains(a.ports, p) }

// limit counts one firing of the named limit.
func (a *Analyzer) limit(name string) { a.summary.Limits[name]++ }

// New implements reassembly.Factory. A connection is, in this order: a
// data connection announced by a session (PORT/PASV and friends), a
// control connection by port number, or a candidate whose first lines
// are examined before it is kept or ignored.
func (a *Analyzer) New(c *reassembly.Conn, ts time.Time) reassembly.Stream {
	if a.finished {
		return nil
	}
	a.exps.expire(ts, a)
	if st := a.newData(c, ts); st != nil {
		return st
	}
	srvPort, cliPort := a.isPort(c.Server.Port()), a.isPort(c.Client.Port())
	switch {
	case srvPort && !cliPort:
		return a.newSession(c, reassembly.ServerToClient)
	case cliPort && !srvPort:
		// The assembler guessed the roles the other way round (no
		// handshake seen); the FTP port decides.
		return a.newSession(c, reassembly.ClientToServer)
	case srvPort && cliPort:
		// Both ends on an FTP port: the greeting decides who serves.
		return newProbe(a, c, true)
	}
	if a.cfg.NoProbe {
		return nil
	}
	return newProbe(a, c, false)
}

// emit hands a final session to the caller and forgets it.
func (a *Analyzer) emit(s *session) {
	delete(a.open, s.connID)
	a.summary.Sessions++
	a.summary.Transfers += len(s.out.Transfers)
	a.summary.Logins += s.successes
	if a.cfg.OnSession != nil {
		a.cfg.OnSession(&s.out)
	}
}

// event sends ev to OnEvent, if set.
func (a *Analyzer) event(ev Event) {
	if a.cfg.OnEvent != nil {
		a.cfg.OnEvent(ev)
	}
}

// Finish ends the run after the assembler has closed every connection:
// remaining sessions are emitted and the summary returned.
func (a *Analyzer) Finish() Summary {
	if !a.finished {
		a.finished = true
		rest := make([]*session, 0, len(a.open))
		for _, s := range a.open {
			rest = append(rest, s)
		}
		// Sessions left open come out by control connection ID, so the
		// order depends on the input only.
		slices.SortFunc(rest, func(x, y *session) int {
			switch {
			case x.connID < y.connID:
				return -1
			case x.connID > y.connID:
				return 1
			}
			return 0
		})
		for _, s := range rest {
			s.finish()
		}
		a.exps.clear()
		a.guesses = nil
	}
	out := a.summary
	out.Limits = make(map[string]int64, len(a.summary.Limits))
	for k, v := range a.summary.Limits {
		out.Limits[k] = v
	}
	return out
}
