package decoder

import (
	"bytes"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// This file finds FTP on ports it is not configured for, by content.
// RFC 959 5.4: the server speaks first, with 220 (or 120, or 421), and
// the client's first line is a command. The probe reads the first line
// of each direction, bounded, and decides:
//
//   - FTP when one side's first line is a greeting and the other's a
//     command that opens an FTP dialogue (USER, AUTH, FEAT, ...). SMTP
//     also greets with 220 but its client says EHLO/HELO, so it is not
//     taken; POP3 (+OK), IMAP (* OK), SSH and HTTP fail at once.
//   - not FTP as soon as a first line can be neither, or the bounds are
//     reached first.
//
// The bytes read while probing are kept (bounded) and replayed into the
// session once it is decided, so nothing of the dialogue is lost.

// Probe bounds.
const (
	probeLineMax  = 256  // bytes of a first line examined
	probeDirMax   = 2048 // bytes per direction read before giving up
	probeStashMax = 4096 // bytes kept for replay, both directions
	probeChunkMax = 64   // segments kept for replay
)

// lineClass is what a first line looks like.
type lineClass uint8

const (
	classUnknown  lineClass = iota // not complete yet
	classGreeting                  // 220/120/421 reply
	classCommand                   // an FTP command
	classNeither
)

// probeChunk is one stashed segment.
type probeChunk struct {
	dir reassembly.Dir
	ts  time.Time
	n   int
}

// probeState is where a probe stands.
type probeState uint8

const (
	probing probeState = iota
	probeFTP
	probeIgnored
)

// probe is the Stream of a connection whose role is not known yet. By
// port, it is FTP whatever happens and the probe only decides which side
// is the server; otherwise it decides whether it is FTP at all.
type probe struct {
	a      *Analyzer
	byPort bool
	state  probeState
	s      *session

	first    [2][probeLineMax]byte
	firstLen [2]int
	class    [2]lineClass
	seen     [2]int

	stash  []byte
	chunks []probeChunk
	// anomalies are the reassembly anomalies seen while probing (bit
	// 1<<Anomaly), noted on the session if there is one.
	anomalies uint32
}

func newProbe(a *Analyzer, c *reassembly.Conn, byPort bool) *probe {
	return &probe{a: a, byPort: byPort}
}

// Mode implements reassembly.Stream.
func (p *probe) Mode() reassembly.Mode {
	switch p.state {
	case probeFTP:
		return reassembly.Reassemble
	case probeIgnored:
		return reassembly.Ignore
	}
	return reassembly.Reassemble
}

// Handshake implements reassembly.Stream.
func (p *probe) Handshake(c *reassembly.Conn, ts time.Time) {
	if p.state == probeFTP {
		p.s.Handshake(c, ts)
	}
}

// Data implements reassembly.Stream.
func (p *probe) Data(c *reassembly.Conn, d reassembly.Dir, payload []byte, ts time.Time) {
	switch p.state {
	case probeFTP:
		p.s.Data(c, d, payload, ts)
		return
	case probeIgnored:
		return
	}
	p.observe(d, payload)
	srvDir, dec := p.decide()
	stashed, forced := false, false
	if dec == classUnknown {
		if stashed = p.keep(d, payload, ts); !stashed {
			p.a.limit(limitProbe)
			srvDir, dec = p.force()
			forced = true
		}
	}
	switch dec {
	case classUnknown:
		return
	case classNeither:
		p.ignore()
		return
	}
	p.start(c, srvDir)
	if forced {
		// Only a connection on an FTP port gets here: a session whose
		// server side was chosen without a first line to go by.
		p.s.note(NoteProbeUndecided)
	}
	if !stashed {
		p.s.Data(c, d, payload, ts)
	}
}

// Gap implements reassembly.Stream: a hole while probing makes the first
// lines unreliable, so the probe decides with what it has.
func (p *probe) Gap(c *reassembly.Conn, d reassembly.Dir, n int64, ts time.Time) {
	p.settle(c)
	if p.state == probeFTP {
		p.s.Gap(c, d, n, ts)
	}
}

// Anomaly implements reassembly.Stream. While probing it is kept, and
// noted on the session if the connection turns out to be FTP.
func (p *probe) Anomaly(c *reassembly.Conn, d reassembly.Dir, an reassembly.Anomaly, ts time.Time) {
	switch p.state {
	case probeFTP:
		p.s.Anomaly(c, d, an, ts)
	case probing:
		if an < 32 {
			p.anomalies |= 1 << an
		}
	}
}

// Close implements reassembly.Stream.
func (p *probe) Close(c *reassembly.Conn, reason reassembly.CloseReason, ts time.Time) {
	p.settle(c)
	if p.state == probeFTP {
		p.s.Close(c, reason, ts)
	}
}

// observe collects the first line of direction d.
func (p *probe) observe(d reassembly.Dir, b []byte) {
	p.seen[d] += len(b)
	if p.class[d] != classUnknown {
		return
	}
	line := b
	nl := bytes.IndexByte(b, '\n')
	if nl >= 0 {
		line = b[:nl]
	}
	p.firstLen[d] += copy(p.first[d][p.firstLen[d]:], line)
	got := p.first[d][:p.firstLen[d]]
	switch {
	case len(got) > 0 && !isDigit(got[0]) && !isASCIILetter(got[0]):
		// Neither a reply code nor a verb can start this way: binary
		// protocols and TLS are refused on their first byte.
		p.class[d] = classNeither
	case nl >= 0 || p.firstLen[d] == probeLineMax:
		p.class[d] = classify(got)
	case p.seen[d] >= probeDirMax:
		p.class[d] = classNeither
	}
}

// classify tells a greeting from a command from anything else.
func classify(line []byte) lineClass {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	switch {
	case LooksLikeGreeting(line):
		return classGreeting
	case LooksLikeCommand(line):
		return classCommand
	}
	return classNeither
}

// decide returns classGreeting (FTP, with the server sending in srvDir),
// classNeither (not FTP) or classUnknown (read on).
func (p *probe) decide() (srvDir reassembly.Dir, dec lineClass) {
	c2s, s2c := p.class[reassembly.ClientToServer], p.class[reassembly.ServerToClient]
	if p.byPort {
		// FTP by port: the first classified line says who the server is.
		switch {
		case s2c == classGreeting || c2s == classCommand:
			return reassembly.ServerToClient, classGreeting
		case c2s == classGreeting || s2c == classCommand:
			return reassembly.ClientToServer, classGreeting
		case c2s == classNeither || s2c == classNeither:
			return reassembly.ServerToClient, classGreeting
		}
		return 0, classUnknown
	}
	switch {
	case s2c == classGreeting && c2s == classCommand:
		return reassembly.ServerToClient, classGreeting
	case c2s == classGreeting && s2c == classCommand:
		return reassembly.ClientToServer, classGreeting
	case c2s == classNeither || s2c == classNeither:
		return 0, classNeither
	case c2s != classUnknown && s2c != classUnknown:
		// Two greetings or two commands.
		return 0, classNeither
	}
	return 0, classUnknown
}

// force decides when the probe can read no further: by port the
// connection is FTP anyway; otherwise it is not.
func (p *probe) force() (reassembly.Dir, lineClass) {
	srvDir, dec := p.decide()
	if dec != classUnknown {
		return srvDir, dec
	}
	if !p.byPort {
		return 0, classNeither
	}
	if p.class[reassembly.ClientToServer] == classGreeting {
		return reassembly.ClientToServer, classGreeting
	}
	return reassembly.ServerToClient, classGreeting
}

// keep stashes a segment for replay; false when the bounds are reached.
func (p *probe) keep(d reassembly.Dir, b []byte, ts time.Time) bool {
	if len(p.stash)+len(b) > probeStashMax || len(p.chunks) >= probeChunkMax {
		return false
	}
	if len(b) == 0 {
		return true
	}
	p.stash = append(p.stash, b...)
	p.chunks = append(p.chunks, probeChunk{dir: d, ts: ts, n: len(b)})
	return true
}

// settle ends a probe that can read no further (a hole, the close) with
// what it has: an FTP session, or an ignored connection.
func (p *probe) settle(c *reassembly.Conn) {
	if p.state != probing {
		return
	}
	if srvDir, dec := p.force(); dec == classGreeting {
		p.start(c, srvDir)
	} else {
		p.ignore()
	}
}

// ignore gives up on the connection.
func (p *probe) ignore() {
	p.state = probeIgnored
	p.stash, p.chunks = nil, nil
}

// start turns the probe into a session and replays what was read.
func (p *probe) start(c *reassembly.Conn, srvDir reassembly.Dir) {
	p.state = probeFTP
	p.s = p.a.newSession(c, srvDir)
	if c.Handshake {
		p.s.openEvent(c.Start)
	}
	for an := reassembly.Anomaly(1); an < 32; an++ {
		if p.anomalies&(1<<an) != 0 {
			p.s.note(anomalyNote(an))
		}
	}
	p.anomalies = 0
	off := 0
	for _, ch := range p.chunks {
		p.s.Data(c, ch.dir, p.stash[off:off+ch.n], ch.ts)
		off += ch.n
	}
	p.stash, p.chunks = nil, nil
}
