package decoder

import "bytes"

// The control connection's parsers are pure functions of their input,
// never panic, and bound the work and memory any input can cause: this
// file splits lines (with the Telnet layer of RFC 959 4.1); parse.go
// parses commands and replies, addresses.go the data-connection
// addresses, replyvalues.go sizes and paths in replies, recognize.go
// tells an FTP line from another protocol's.

// Defaults used when a limit of zero (or less) is given, as in
// DefaultConfig.
const (
	lineReaderDefaultMax       = 8192
	replyAssemblerDefaultLines = 1000
)

// Telnet command bytes (RFC 854 and the Telnet option RFCs). RFC 959 4.1
// makes the control connection a Telnet connection, so both sides may
// interleave these with the text.
const (
	telnetIAC  = 255 // interpret as command; IAC IAC is a data byte 255
	telnetWILL = 251 // WILL, WONT, DO, DONT take one option byte
	telnetDONT = 254
	telnetEOF  = 236 // lowest command byte in use (RFC 1184 EOF)
)

// States of the LineReader's Telnet layer between two bytes.
const (
	telnetData   uint8 = iota // plain text
	telnetCmd                 // an IAC was read
	telnetOption              // IAC WILL/WONT/DO/DONT was read, option byte next
)

// LineReader splits one direction of a control connection into lines
// (RFC 959 4.1: CRLF-terminated; a bare LF is accepted, as real servers
// send it), strips Telnet IAC sequences (RFC 959 4.1, RFC 854), and bounds
// the partial line it holds.
//
// The Telnet layer removes IAC WILL/WONT/DO/DONT with their option byte
// and every other two-byte IAC command (IP and DM, which clients send
// before ABOR per RFC 959 4.1.3, AYT, NOP, SB, SE, ...); IAC IAC stands
// for one 0xFF data byte. An IAC followed by a byte that is no Telnet
// command is kept as a data byte, and that byte is read normally, so a
// stray 0xFF cannot swallow a line end. Subnegotiation content (after IAC
// SB) is not removed: FTP never negotiates options.
//
// A CR is dropped only right before the LF; elsewhere, like NUL, it is
// data. Output depends only on the byte sequence, never on how it was cut
// into Feed calls. A zero LineReader is ready to use with the default
// limit of 8192 bytes.
type LineReader struct {
	max int
	buf []byte
	// discarding is true while the rest of an over-long line is skipped.
	discarding bool
	// telnet is the Telnet layer's state (telnetData, ...).
	telnet uint8
	// cr is true when the last data byte was a CR not yet known to end
	// the line; it is held outside buf so that a line of exactly max
	// bytes plus CRLF is not cut.
	cr bool
	// halt is set when FeedUntil's emit asked to stop.
	halt bool
}

// NewLineReader returns a reader that cuts lines longer than max bytes
// (line ending excluded); max <= 0 selects 8192.
func NewLineReader(max int) LineReader {
	if max <= 0 {
		max = lineReaderDefaultMax
	}
	return LineReader{max: max}
}

// Feed consumes p and calls emit for every complete line, without its
// line ending. line is valid only during emit; truncated is true when the
// line was longer than the limit and only its first max bytes are given.
//
// A too-long line is emitted as soon as it overflows, once; the rest of
// it, up to the next LF, is skipped without being buffered. Feed does not
// allocate once its buffer has grown to the longest line seen.
func (r *LineReader) Feed(p []byte, emit func(line []byte, truncated bool)) {
	r.FeedUntil(p, func(line []byte, truncated bool) bool {
		emit(line, truncated)
		return true
	})
}

// FeedUntil is Feed with a way out: when emit returns false, FeedUntil
// returns at once with the number of bytes of p consumed, up to and
// including the one that ended (or overflowed) that line, and leaves the
// rest of p unread. The session code uses it where the control
// connection stops carrying lines, e.g. after a 234 reply to AUTH TLS
// (RFC 4217), when the bytes that follow are a TLS handshake.
func (r *LineReader) FeedUntil(p []byte, emit func(line []byte, truncated bool) bool) (consumed int) {
	if r.max <= 0 {
		r.max = lineReaderDefaultMax
	}
	r.halt = false
	for consumed < len(p) && !r.halt {
		rest := p[consumed:]
		// Fast path: nothing held and the next line is complete in
		// rest, fits and has no IAC. It is handed out without a copy.
		if len(r.buf) == 0 && r.telnet == telnetData && !r.cr && !r.discarding {
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line := rest[:i]
				if n := len(line); n > 0 && line[n-1] == '\r' {
					line = line[:n-1]
				}
				if len(line) <= r.max && bytes.IndexByte(line, telnetIAC) < 0 {
					consumed += i + 1
					r.halt = !emit(line, false)
					continue
				}
			}
		}
		// Slow path: byte by byte until a line ends, then retry the
		// fast path.
		for _, c := range rest {
			step := r.telnetByte(c, emit)
			if step != stepUnread {
				consumed++
			}
			if step != stepMore || r.halt {
				break
			}
		}
	}
	return consumed
}

// lineStep is what one byte did to the LineReader.
type lineStep uint8

const (
	stepMore    lineStep = iota // keep reading
	stepLineEnd                 // the byte ended a line
	// stepUnread: emit stopped FeedUntil before the byte was used (a held
	// CR or IAC overflowed the line first); it is left unconsumed.
	stepUnread
)

// telnetByte runs one byte through the Telnet layer (RFC 854) and hands
// data bytes on.
func (r *LineReader) telnetByte(c byte, emit func([]byte, bool) bool) lineStep {
	switch r.telnet {
	case telnetCmd:
		r.telnet = telnetData
		switch {
		case c == telnetIAC: // IAC IAC: an escaped 0xFF data byte
			step := r.dataByte(telnetIAC, emit)
			if step == stepUnread {
				// The byte will be read again: it must again be the
				// second half of IAC IAC.
				r.telnet = telnetCmd
			}
			return step
		case c >= telnetWILL && c <= telnetDONT: // option negotiation
			r.telnet = telnetOption
			return stepMore
		case c >= telnetEOF: // IP, DM, AYT, AO, NOP, SB, SE, ...: removed
			return stepMore
		default: // no Telnet command: keep both bytes as data
			r.dataByte(telnetIAC, emit) // never ends a line
			if r.halt {
				return stepUnread
			}
			return r.dataByte(c, emit)
		}
	case telnetOption:
		r.telnet = telnetData
		return stepMore
	}
	if c == telnetIAC {
		r.telnet = telnetCmd
		return stepMore
	}
	return r.dataByte(c, emit)
}

// dataByte adds one data byte to the current line.
func (r *LineReader) dataByte(c byte, emit func([]byte, bool) bool) lineStep {
	if r.cr {
		r.cr = false
		if c == '\n' {
			return r.endLine(emit)
		}
		r.appendByte('\r', emit) // a CR not before LF is data
		if r.halt {
			return stepUnread
		}
	}
	switch c {
	case '\n':
		return r.endLine(emit)
	case '\r':
		r.cr = true
		return stepMore
	}
	r.appendByte(c, emit)
	return stepMore
}

// appendByte stores c, or emits the full buffer as a truncated line when
// c is the first byte beyond the limit and skips the rest of the line.
func (r *LineReader) appendByte(c byte, emit func([]byte, bool) bool) {
	if r.discarding {
		return
	}
	if len(r.buf) >= r.max {
		r.discarding = true
		r.halt = !emit(r.buf, true)
		r.buf = r.buf[:0]
		return
	}
	r.buf = append(r.buf, c)
}

// endLine emits the held line (unless it was already emitted truncated).
func (r *LineReader) endLine(emit func([]byte, bool) bool) lineStep {
	if r.discarding {
		r.discarding = false
		return stepLineEnd
	}
	r.halt = !emit(r.buf, false)
	r.buf = r.buf[:0]
	return stepLineEnd
}

// Reset drops any partial line, for example after a gap in the stream.
func (r *LineReader) Reset() {
	r.buf = r.buf[:0]
	r.discarding = false
	r.telnet = telnetData
	r.cr = false
}

// Resync drops any partial line and also skips the bytes up to the next
// LF: after a gap, what follows is most likely the tail of a line whose
// start was lost, and parsing it as a command or reply would mislead.
func (r *LineReader) Resync() {
	r.Reset()
	r.discarding = true
}

// Pending is the number of bytes of an unfinished line held.
func (r *LineReader) Pending() int {
	if r.cr {
		return len(r.buf) + 1
	}
	return len(r.buf)
}
