package decoder

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
)

// This file holds the FTP control-connection parsers the session code
// builds on: the line splitter with its Telnet layer, commands, replies,
// and the arguments that carry data-connection addresses and sizes. They
// are pure functions of their input, never panic, and bound the work and
// memory any input can cause.

// Defaults used when a limit of zero (or less) is given, as in
// DefaultConfig.
const (
	lineReaderDefaultMax       = 8192
	replyAssemblerDefaultLines = 1000
)

// maxVerbLen is the longest verb ParseCommand accepts without complaint.
// RFC 959 5.3.1 verbs have three or four letters and the longest common
// extension (XSHA256) seven; anything beyond 16 is not an FTP command
// (Zeek's fake-long-commands trace sends 132-byte ones).
const maxVerbLen = 16

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

// Command is one parsed client command (RFC 959 4.1, 5.3).
type Command struct {
	// Verb is upper-cased when it is a known command; an unknown verb is
	// kept as it was sent.
	Verb string
	// Arg is everything after the first space, as sent (may be empty).
	Arg string
	// HasArg distinguishes "CMD" from "CMD ".
	HasArg bool
	// Known is true for verbs of RFC 959, 2228, 2389, 2428, 2640, 3659,
	// 7151 and the common extensions.
	Known bool
}

// ParseCommand parses one command line (without CRLF).
//
// RFC 959 5.3: the verb runs up to the first SP (or the end of the line)
// and the argument is everything after that one SP, further spaces
// included ("STOR  a b" has argument " a b"). Verbs are case-insensitive:
// a known verb comes back upper-cased with Known set; an unknown verb is
// kept as sent. Bytes that are not UTF-8 are kept as they are.
//
// The Command is always filled in, so the caller can count and show
// every line; the error (wrapping ErrSyntax) says the verb cannot be an
// FTP command: empty, longer than 16 bytes, or holding anything but ASCII
// letters and digits (or starting with a digit). ParseCommand does not
// allocate for a known verb without argument; an argument costs one
// string.
func ParseCommand(line []byte) (Command, error) {
	verb := line
	var c Command
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		verb = line[:i]
		c.HasArg = true
		if i+1 < len(line) {
			c.Arg = string(line[i+1:])
		}
	}
	if info, ok := lookupVerbBytes(verb); ok {
		c.Verb = info.Verb
		c.Known = true
		return c, nil
	}
	c.Verb = string(verb)
	switch {
	case len(verb) == 0:
		return c, fmt.Errorf("%w: empty command verb", ErrSyntax)
	case len(verb) > maxVerbLen:
		return c, fmt.Errorf("%w: command verb of %d bytes", ErrSyntax, len(verb))
	case !plausibleVerb(verb):
		return c, fmt.Errorf("%w: command verb %q is not alphanumeric", ErrSyntax, verb)
	}
	return c, nil
}

// plausibleVerb reports whether verb is made of ASCII letters and digits
// and starts with a letter (RFC 959 5.3.1: alphabetic command codes; the
// digits admit XSHA256 and the like).
func plausibleVerb(verb []byte) bool {
	for i, c := range verb {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return len(verb) > 0
}

// ReplyLine is one line of a server reply (RFC 959 4.2).
type ReplyLine struct {
	// Code is the three-digit code, 0 for a continuation line without one.
	Code int
	// More is true for "123-" lines that open (or continue) a multi-line
	// reply.
	More bool
	// Text is what follows the code and its separator (the whole line
	// when Code is 0).
	Text string
}

// replyShape is what the first bytes of a reply line say about it.
type replyShape uint8

const (
	replyNoCode  replyShape = iota // no three leading digits
	replyBadCode                   // three digits, but no valid code
	replyLast                      // "xyz text" or "xyz": one-line or end line
	replyMore                      // "xyz-text": opens or continues
	replyNoSpace                   // "xyzText": code glued to the text
)

// validReplyCode reports whether code is a reply code: RFC 959 4.2
// allows first digits 1 to 5; RFC 2228 adds the protected replies 631,
// 632 and 633 (the 6yz class) that wrap a reply under MIC/CONF/ENC.
func validReplyCode(code int) bool {
	return (code >= 100 && code <= 599) || (code >= 631 && code <= 633)
}

// splitReplyLine classifies line and returns its code and text without
// allocating. For replyNoCode and replyBadCode the text is the whole
// line and code is what the digits said (0 for replyNoCode).
func splitReplyLine(line []byte) (code int, shape replyShape, text []byte) {
	if len(line) < 3 || !isDecimalDigit(line[0]) || !isDecimalDigit(line[1]) || !isDecimalDigit(line[2]) {
		return 0, replyNoCode, line
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if !validReplyCode(code) {
		return code, replyBadCode, line
	}
	if len(line) == 3 {
		return code, replyLast, line[3:]
	}
	switch line[3] {
	case ' ':
		return code, replyLast, line[4:]
	case '-':
		return code, replyMore, line[4:]
	}
	return code, replyNoSpace, line[3:]
}

func isDecimalDigit(c byte) bool { return '0' <= c && c <= '9' }

// ParseReplyLine parses one reply line (RFC 959 4.2), out of context:
// "xyz text" and "xyz" are one-line replies (or the end of a multi-line
// one), "xyz-text" opens or continues a multi-line reply.
//
// A line without three leading digits gives Code 0, the whole line as
// Text and an error wrapping ErrSyntax (inside a multi-line reply it is
// ordinary text; ReplyAssembler knows the context). Three digits that are
// no reply code (first digit 0 or 6-9, except RFC 2228's 631-633) give
// Code 0, the whole line and ErrRange. A code glued to its text
// ("230no_space") gives the code, the rest as Text and ErrSyntax: it is
// still a reply, but a malformed one.
func ParseReplyLine(line []byte) (ReplyLine, error) {
	code, shape, text := splitReplyLine(line)
	switch shape {
	case replyNoCode:
		return ReplyLine{Text: string(line)}, fmt.Errorf("%w: reply line without a code", ErrSyntax)
	case replyBadCode:
		return ReplyLine{Text: string(line)}, fmt.Errorf("%w: reply code %03d", ErrRange, code)
	case replyNoSpace:
		return ReplyLine{Code: code, Text: string(text)}, fmt.Errorf("%w: no space after reply code %d", ErrSyntax, code)
	}
	return ReplyLine{Code: code, More: shape == replyMore, Text: string(text)}, nil
}

// ReplyAssembler joins reply lines into replies (RFC 959 4.2: a multi-line
// reply starts with "xyz-" and ends with a line starting "xyz "; lines in
// between may start with anything, digits included).
//
// Inside a multi-line reply, a line starting with the same code and '-'
// has that prefix removed (many servers prefix every line); every other
// line, including one with a different code ("123 x" in a 230 reply), is
// kept whole as text. The end line is the same code followed by SP or by
// nothing. A reply longer than the line limit keeps its first lines and
// its end line and is marked Truncated, so an endless multi-line reply
// holds at most maxLines lines. A zero ReplyAssembler keeps up to 1000
// lines per reply.
type ReplyAssembler struct {
	maxLines int
	open     bool
	code     int
	lines    []string
	cut      bool
}

// NewReplyAssembler keeps at most maxLines lines per reply (the first
// maxLines-1 and the end line); maxLines <= 0 selects 1000.
func NewReplyAssembler(maxLines int) ReplyAssembler {
	if maxLines <= 0 {
		maxLines = replyAssemblerDefaultLines
	}
	return ReplyAssembler{maxLines: maxLines}
}

// Reply is one complete server reply.
type Reply struct {
	Code int
	// Lines holds each line's text without the code: "230-Hello" and
	// "230 Done" give "Hello" and "Done"; continuation lines are whole.
	Lines []string
	// Truncated is true when lines beyond the limit were dropped.
	Truncated bool
	// Unterminated is true for a multi-line reply handed out by Flush,
	// whose end line never arrived.
	Unterminated bool
}

// Add feeds one line; done is true when it completed a reply. err reports
// a line that is not a valid reply line (the caller notes it and goes on).
//
// Outside a multi-line reply: a line without a code (e.g. "SYST not
// supported", "99 PASV invalid") or with an invalid one returns done false
// and an error wrapping ErrSyntax or ErrRange, and changes nothing, so
// the replies after it are read normally. A code glued to its text
// ("230no_space") completes a reply (done true, Code 230, text
// "no_space") and also returns an error wrapping ErrSyntax: count it as a
// reply and note the anomaly. Inside a multi-line reply every line is
// valid text and err is nil.
func (a *ReplyAssembler) Add(line []byte) (r Reply, done bool, err error) {
	if a.maxLines <= 0 {
		a.maxLines = replyAssemblerDefaultLines
	}
	code, shape, text := splitReplyLine(line)
	if a.open {
		switch {
		case code == a.code && shape == replyLast:
			// RFC 959 4.2: the end line is "xyz" + SP (or "xyz" alone).
			return a.finish(string(text)), true, nil
		case code == a.code && shape == replyMore:
			a.addLine(text)
		default:
			a.addLine(line)
		}
		return Reply{}, false, nil
	}
	switch shape {
	case replyLast:
		return Reply{Code: code, Lines: []string{string(text)}}, true, nil
	case replyNoSpace:
		return Reply{Code: code, Lines: []string{string(text)}}, true,
			fmt.Errorf("%w: no space after reply code %d", ErrSyntax, code)
	case replyMore:
		a.open = true
		a.code = code
		a.lines = nil
		a.cut = false
		a.addLine(text)
		return Reply{}, false, nil
	case replyBadCode:
		return Reply{}, false, fmt.Errorf("%w: reply code %03d", ErrRange, code)
	}
	return Reply{}, false, fmt.Errorf("%w: reply line without a code", ErrSyntax)
}

// addLine keeps one body line of the open reply, or drops it once
// maxLines-1 are held (the last slot is kept for the end line).
func (a *ReplyAssembler) addLine(text []byte) {
	if len(a.lines) >= a.maxLines-1 {
		a.cut = true
		return
	}
	a.lines = append(a.lines, string(text))
}

// finish closes the open reply with its end line.
func (a *ReplyAssembler) finish(last string) Reply {
	r := Reply{Code: a.code, Lines: append(a.lines, last), Truncated: a.cut}
	a.open, a.code, a.lines, a.cut = false, 0, nil, false
	return r
}

// Unfinished reports whether a multi-line reply is open, waiting for its
// end line.
func (a *ReplyAssembler) Unfinished() bool { return a.open }

// Flush hands out the open multi-line reply, if any, marked Unterminated:
// at the end of a capture, or when the caller gives up waiting for an
// end line that a broken server never sends.
func (a *ReplyAssembler) Flush() (Reply, bool) {
	if !a.open {
		return Reply{}, false
	}
	r := Reply{Code: a.code, Lines: a.lines, Truncated: a.cut, Unterminated: true}
	a.open, a.code, a.lines, a.cut = false, 0, nil, false
	return r, true
}

// Reset drops an open reply without handing it out, e.g. after a gap.
func (a *ReplyAssembler) Reset() {
	a.open, a.code, a.lines, a.cut = false, 0, nil, false
}

// Address arguments. RFC 959 4.1.2 and RFC 1639 send each byte as a
// decimal number between commas; the parsers read such runs with the
// helpers below, in one pass, saturating numbers so that a long digit
// string costs no more than its length.

// decimalCap is where parsed numbers saturate: above every limit checked.
const decimalCap = 1 << 20

func isSpaceOrTab(c byte) bool { return c == ' ' || c == '\t' }

func skipSpaceTab(s string, i int) int {
	for i < len(s) && isSpaceOrTab(s[i]) {
		i++
	}
	return i
}

// trimSpaceTab removes spaces and tabs at both ends.
func trimSpaceTab(s string) string {
	i, j := 0, len(s)
	for i < j && isSpaceOrTab(s[i]) {
		i++
	}
	for j > i && isSpaceOrTab(s[j-1]) {
		j--
	}
	return s[i:j]
}

// readDecimal reads the decimal digits at s[i:]; v saturates at
// decimalCap. ok is false when s[i] is not a digit.
func readDecimal(s string, i int) (v int, end int, ok bool) {
	start := i
	for i < len(s) && isDecimalDigit(s[i]) {
		if v < decimalCap {
			v = v*10 + int(s[i]-'0')
		}
		i++
	}
	return v, i, i > start
}

// numberRun reads a run of comma-separated numbers starting with the
// digit at s[i], with spaces or tabs allowed around each comma
// ("192, 0, 2, 1, 4, 1"). It stores the first len(out) numbers and
// returns how many the run has and the index just after its last
// number; a trailing comma is not part of the run.
func numberRun(s string, i int, out []int) (n int, end int) {
	for {
		v, j, ok := readDecimal(s, i)
		if !ok {
			return n, end
		}
		if n < len(out) {
			out[n] = v
		}
		n++
		end = j
		k := skipSpaceTab(s, j)
		if k >= len(s) || s[k] != ',' {
			return n, end
		}
		k = skipSpaceTab(s, k+1)
		if k >= len(s) || !isDecimalDigit(s[k]) {
			return n, end
		}
		i = k
	}
}

// hostPortFrom builds the IPv4 address and port of RFC 959 4.1.2's
// h1,h2,h3,h4,p1,p2.
func hostPortFrom(v *[6]int) (netip.AddrPort, error) {
	for _, x := range v {
		if x > 255 {
			return netip.AddrPort{}, fmt.Errorf("%w: %d is not a byte", ErrRange, x)
		}
	}
	port := uint16(v[4]<<8 | v[5])
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: port 0", ErrRange)
	}
	addr := netip.AddrFrom4([4]byte{byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])})
	return netip.AddrPortFrom(addr, port), nil
}

// ParsePassiveAddress parses the address of a 227 (RFC 959 4.1.2), 228
// (RFC 1639 3) or 229 reply (RFC 2428 3: only the port, on server, the
// control connection's server address), trying each line, an
// IPv4-mapped address unmapped; ok is false for other replies and when
// no line parses.
func ParsePassiveAddress(code int, lines []string, server netip.Addr) (netip.AddrPort, bool) {
	for _, line := range lines {
		var (
			ap  netip.AddrPort
			err error
		)
		switch code {
		case 227:
			ap, err = ParsePASVReply(line)
		case 228:
			ap, err = ParseLPSVReply(line)
		case 229:
			var port uint16
			if port, err = ParseEPSVReply(line); err == nil {
				ap = netip.AddrPortFrom(server, port)
			}
		default:
			return netip.AddrPort{}, false
		}
		if err == nil && ap.IsValid() {
			return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
		}
	}
	return netip.AddrPort{}, false
}

// ParseActiveAddress parses the address a PORT (RFC 959 4.1.2), EPRT (RFC
// 2428 2) or LPRT (RFC 1639 2) command names, an IPv4-mapped address
// unmapped; other verbs are an error.
func ParseActiveAddress(verb, arg string) (netip.AddrPort, error) {
	var (
		ap  netip.AddrPort
		err error
	)
	switch verb {
	case "PORT":
		ap, err = ParsePORT(arg)
	case "EPRT":
		ap, err = ParseEPRT(arg)
	case "LPRT":
		ap, err = ParseLPRT(arg)
	default:
		return netip.AddrPort{}, fmt.Errorf("%w: %s names no data address", ErrSyntax, verb)
	}
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// ParsePORT parses a PORT argument "h1,h2,h3,h4,p1,p2" (RFC 959 4.1.2).
//
// Spaces around the numbers are tolerated. Anything but exactly six
// unsigned decimal numbers is ErrSyntax; a number above 255, or port 0
// (which no data connection can use), is ErrRange.
func ParsePORT(arg string) (netip.AddrPort, error) {
	s := trimSpaceTab(arg)
	var v [6]int
	n, end := numberRun(s, 0, v[:])
	if n != 6 || end != len(s) {
		return netip.AddrPort{}, fmt.Errorf("%w: PORT argument %q is not h1,h2,h3,h4,p1,p2", ErrSyntax, clipForError(arg))
	}
	return hostPortFrom(&v)
}

// FormatPORT writes addr as a PORT argument or 227 address,
// "h1,h2,h3,h4,p1,p2" (RFC 959 4.1.2); ok is false when addr is not
// IPv4 (an IPv4-mapped IPv6 address is unmapped).
func FormatPORT(addr netip.AddrPort) (string, bool) {
	ip := addr.Addr().Unmap()
	if !ip.Is4() {
		return "", false
	}
	b := ip.As4()
	p := addr.Port()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], p>>8, p&0xff), true
}

// ParseEPRT parses an EPRT argument "|proto|addr|port|" with any
// delimiter (RFC 2428 2).
//
// The delimiter is the first character and must be printable ASCII
// (33-126). proto 1 needs an IPv4 address, proto 2 an IPv6 one (a
// mismatch is ErrSyntax; another protocol number is ErrRange). Zoned
// addresses are refused. The port must be 1-65535 (else ErrRange).
// Spaces around the whole argument are tolerated.
func ParseEPRT(arg string) (netip.AddrPort, error) {
	s := trimSpaceTab(arg)
	bad := func(why string) (netip.AddrPort, error) {
		return netip.AddrPort{}, fmt.Errorf("%w: EPRT argument %q: %s", ErrSyntax, clipForError(arg), why)
	}
	if len(s) == 0 || s[0] < 33 || s[0] > 126 {
		return bad("no delimiter")
	}
	d := s[0]
	var field [3]string
	rest := s[1:]
	for k := range field {
		i := strings.IndexByte(rest, d)
		if i < 0 {
			return bad("too few fields")
		}
		field[k], rest = rest[:i], rest[i+1:]
	}
	if rest != "" {
		return bad("text after the last delimiter")
	}
	proto, end, ok := readDecimal(field[0], 0)
	if !ok || end != len(field[0]) {
		return bad("protocol is not a number")
	}
	addr, err := netip.ParseAddr(field[1])
	if err != nil || addr.Zone() != "" {
		return bad("invalid address")
	}
	switch proto {
	case 1:
		if !addr.Is4() {
			return bad("protocol 1 with a non-IPv4 address")
		}
	case 2:
		if !addr.Is6() {
			return bad("protocol 2 with a non-IPv6 address")
		}
	default:
		return netip.AddrPort{}, fmt.Errorf("%w: EPRT network protocol %d", ErrRange, proto)
	}
	port, err := parsePortNumber(field[2])
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, port), nil
}

// parsePortNumber reads a decimal TCP port, 1-65535.
func parsePortNumber(s string) (uint16, error) {
	v, end, ok := readDecimal(s, 0)
	if !ok || end != len(s) {
		return 0, fmt.Errorf("%w: port %q is not a number", ErrSyntax, clipForError(s))
	}
	if v < 1 || v > 65535 {
		return 0, fmt.Errorf("%w: port %d", ErrRange, v)
	}
	return uint16(v), nil
}

// maxLongHostPort is the most numbers a long host-port can have: af,
// hal, 16 address bytes, pal, 2 port bytes (RFC 1639 2).
const maxLongHostPort = 21

// longHostPort decodes RFC 1639's af,hal,h1..hN,pal,p1..pM from the n
// numbers of v. af 4 needs hal 4 and af 6 hal 16; pal is 1 or 2.
func longHostPort(v []int, n int) (netip.AddrPort, error) {
	if n < 2 || n > len(v) {
		return netip.AddrPort{}, fmt.Errorf("%w: %d numbers in a long address", ErrSyntax, n)
	}
	v = v[:n]
	for _, x := range v {
		if x > 255 {
			return netip.AddrPort{}, fmt.Errorf("%w: %d is not a byte", ErrRange, x)
		}
	}
	af, hal := v[0], v[1]
	switch {
	case af == 4 && hal == 4, af == 6 && hal == 16:
	case af == 4 || af == 6:
		return netip.AddrPort{}, fmt.Errorf("%w: address family %d with length %d", ErrSyntax, af, hal)
	default:
		return netip.AddrPort{}, fmt.Errorf("%w: address family %d", ErrRange, af)
	}
	if n < 3+hal {
		return netip.AddrPort{}, fmt.Errorf("%w: long address cut short", ErrSyntax)
	}
	pal := v[2+hal]
	if (pal != 1 && pal != 2) || n != 3+hal+pal {
		return netip.AddrPort{}, fmt.Errorf("%w: port length %d with %d numbers", ErrSyntax, pal, n)
	}
	var b [16]byte
	for k := 0; k < hal; k++ {
		b[k] = byte(v[2+k])
	}
	port := 0
	for _, x := range v[3+hal:] {
		port = port<<8 | x
	}
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: port 0", ErrRange)
	}
	addr := netip.AddrFrom16(b)
	if af == 4 {
		addr = netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// ParseLPRT parses an LPRT argument (RFC 1639 2):
// "af,hal,h1,...,pal,p1,p2" with af 4 (hal 4) or af 6 (hal 16), every
// number 0-255. Spaces around the numbers are tolerated.
func ParseLPRT(arg string) (netip.AddrPort, error) {
	s := trimSpaceTab(arg)
	var v [maxLongHostPort]int
	n, end := numberRun(s, 0, v[:])
	if n == 0 || end != len(s) {
		return netip.AddrPort{}, fmt.Errorf("%w: LPRT argument %q is not a list of numbers", ErrSyntax, clipForError(arg))
	}
	return longHostPort(v[:], n)
}

// nextNumberRun finds the first run of comma-separated numbers at or after
// s[i] (see numberRun). start is -1 when there is none. Runs are maximal:
// the scan resumes after a run, so the whole search is linear.
func nextNumberRun(s string, i int, out []int) (start, n, end int) {
	for ; i < len(s); i++ {
		if isDecimalDigit(s[i]) {
			n, end = numberRun(s, i, out)
			return i, n, end
		}
	}
	return -1, 0, len(s)
}

// ParsePASVReply finds the address in a 227 reply text, with or without
// parentheses (RFC 959 4.1.2, 4.2.2; RFC 1123 4.1.2.6).
//
// RFC 1123 4.1.2.6 asks clients to scan the text for the numbers rather
// than expect a format, so this takes the first run of exactly six
// comma-separated numbers anywhere: "Entering Passive Mode
// (192,0,2,1,195,80).", "Entering Passive Mode 192,0,2,1,195,80",
// "=192,0,2,1,4,1". Runs of another length are skipped. No such run is
// ErrSyntax; a number above 255 or port 0 in it is ErrRange.
func ParsePASVReply(text string) (netip.AddrPort, error) {
	var v [6]int
	for i := 0; i < len(text); {
		start, n, end := nextNumberRun(text, i, v[:])
		if start < 0 {
			break
		}
		if n == 6 {
			return hostPortFrom(&v)
		}
		i = end
	}
	return netip.AddrPort{}, fmt.Errorf("%w: no h1,h2,h3,h4,p1,p2 in %q", ErrSyntax, clipForError(text))
}

// ParseEPSVReply finds the port in a 229 reply text "(|||port|)"
// (RFC 2428 3).
//
// The delimiter may be any printable ASCII character but a digit, the
// same four times around the port: d d d port d. Text before and after
// is ignored ("Entering Extended Passive Mode (|||6446|)."). No such
// group is ErrSyntax; a port of 0 or above 65535 is ErrRange.
func ParseEPSVReply(text string) (uint16, error) {
	for i := 0; i+4 < len(text); i++ {
		d := text[i]
		if d < 33 || d > 126 || isDecimalDigit(d) || text[i+1] != d || text[i+2] != d || !isDecimalDigit(text[i+3]) {
			continue
		}
		v, end, _ := readDecimal(text, i+3)
		if end >= len(text) || text[end] != d {
			continue
		}
		if v < 1 || v > 65535 {
			return 0, fmt.Errorf("%w: port %d", ErrRange, v)
		}
		return uint16(v), nil
	}
	return 0, fmt.Errorf("%w: no (|||port|) in %q", ErrSyntax, clipForError(text))
}

// ParseLPSVReply finds the address in a 228 reply text (RFC 1639 3),
// e.g. "Entering Long Passive Mode (4,4,192,0,2,1,2,195,80)": the first
// run of at least eight comma-separated numbers, decoded as in
// ParseLPRT.
func ParseLPSVReply(text string) (netip.AddrPort, error) {
	var v [maxLongHostPort]int
	for i := 0; i < len(text); {
		start, n, end := nextNumberRun(text, i, v[:])
		if start < 0 {
			break
		}
		if n >= 8 { // 4,4,h1,h2,h3,h4,1,p is the shortest
			return longHostPort(v[:], n)
		}
		i = end
	}
	return netip.AddrPort{}, fmt.Errorf("%w: no long address in %q", ErrSyntax, clipForError(text))
}

// ParseSizeReply reads the byte count announced in a 150/125 reply, the
// last "(N bytes)" in the text; ok is false when there is none.
//
// Only a parenthesized group counts ("(154427 bytes)", "( 12 Bytes )",
// "(1 byte)"), and the last one wins, so digits in a file name before it
// ("rfc1001.txt (154427 bytes)") are never taken. ok is also false when
// that last group's number does not fit an int64.
func ParseSizeReply(text string) (n int64, ok bool) {
	found, overflow := false, false
	for i := 0; i < len(text); i++ {
		if text[i] != '(' {
			continue
		}
		j := skipSpaceTab(text, i+1)
		v, end, big, digits := readDecimal64(text, j)
		if !digits {
			continue
		}
		j = skipSpaceTab(text, end)
		if !hasPrefixASCIIFold(text[j:], "byte") {
			continue
		}
		j += len("byte")
		if j < len(text) && (text[j] == 's' || text[j] == 'S') {
			j++
		}
		j = skipSpaceTab(text, j)
		if j >= len(text) || text[j] != ')' {
			continue
		}
		n, found, overflow = v, true, big
		i = j
	}
	if !found || overflow {
		return 0, false
	}
	return n, true
}

// readDecimal64 reads the digits at s[i:] as an int64; big is true when they
// do not fit.
func readDecimal64(s string, i int) (v int64, end int, big bool, digits bool) {
	const limit = (1<<63 - 1) / 10
	start := i
	for ; i < len(s) && isDecimalDigit(s[i]); i++ {
		d := int64(s[i] - '0')
		if v > limit || (v == limit && d > 7) {
			big = true
		}
		if !big {
			v = v*10 + d
		}
	}
	return v, i, big, i > start
}

// hasPrefixASCIIFold is strings.HasPrefix with ASCII case folding; prefix is
// lower case.
func hasPrefixASCIIFold[T string | []byte](s T, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for k := 0; k < len(prefix); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[k] {
			return false
		}
	}
	return true
}

// ParseSizeValue reads the text of a 213 reply to SIZE (RFC 3659 4), a
// bare decimal byte count: "16557" gives 16557. Spaces around it are
// tolerated; a sign, other text or a value beyond int64 gives ok false.
func ParseSizeValue(text string) (int64, bool) {
	s := trimSpaceTab(text)
	v, end, big, digits := readDecimal64(s, 0)
	if !digits || big || end != len(s) {
		return 0, false
	}
	return v, true
}

// ParsePathReply reads the quoted path of a 257 reply, with "" standing
// for one quote (RFC 959 Appendix II): `"/a ""quoted"" dir" created`
// gives `/a "quoted" dir`. Text before the first quote is skipped; no
// quote, or no closing one, gives false.
func ParsePathReply(text string) (string, bool) {
	open := strings.IndexByte(text, '"')
	if open < 0 {
		return "", false
	}
	body := text[open+1:]
	escaped := false
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		if i+1 < len(body) && body[i+1] == '"' {
			escaped = true
			i++
			continue
		}
		if !escaped {
			return body[:i], true
		}
		return strings.ReplaceAll(body[:i], `""`, `"`), true
	}
	return "", false
}

// LooksLikeCommand reports whether line plausibly opens an FTP client
// dialogue, for recognizing FTP on a port other than 21 by its content.
//
// True for the commands a client sends first or early: USER, AUTH with
// an FTP mechanism (TLS, SSL, TLS-C, TLS-P, GSSAPI, KERBEROS_V4; RFC 2228,
// RFC 4217), FEAT, SYST, OPTS, HOST, CLNT, LANG, PWD, XPWD, HELP, STAT,
// NOOP and QUIT, in any case. False for SMTP/POP3/IMAP openers (EHLO,
// HELO, STARTTLS, MAIL FROM, CAPA, a tagged IMAP command), for PASS, and
// for lines with control characters.
//
// This alone does not make a connection FTP: POP3 also has USER, STAT,
// NOOP and QUIT, SMTP has HELP, NOOP and QUIT. Decide on the greeting
// and the command together: POP3 greets "+OK", IMAP "* OK", and SMTP's
// 220 is refused by LooksLikeGreeting when it names SMTP.
func LooksLikeCommand(line []byte) bool {
	for _, c := range line {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	verb, arg := line, []byte(nil)
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		verb, arg = line[:i], line[i+1:]
	}
	info, ok := lookupVerbBytes(verb)
	if !ok {
		return false
	}
	switch info.Verb {
	case "USER", "FEAT", "SYST", "OPTS", "HOST", "CLNT", "LANG", "PWD", "XPWD",
		"HELP", "STAT", "NOOP", "QUIT":
		return true
	case "AUTH":
		return ftpAuthMechanism(arg)
	}
	return false
}

// ftpAuthMechanism reports whether arg names a security mechanism of FTP's
// AUTH (RFC 2228 3, RFC 4217) rather than a SASL one of SMTP or POP3.
func ftpAuthMechanism(arg []byte) bool {
	var folded [len("KERBEROS_V4")]byte
	m := bytes.TrimSpace(arg)
	if len(m) > len(folded) {
		return false
	}
	for i, c := range m {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		folded[i] = c
	}
	switch string(folded[:len(m)]) {
	case "TLS", "SSL", "TLS-C", "TLS-P", "GSSAPI", "KERBEROS_V4":
		return true
	}
	return false
}

// LooksLikeGreeting reports whether line is a plausible FTP server
// greeting (RFC 959 5.4: 220 ready, 120 ready in nnn minutes, 421 not
// available), one-line or the first line of a multi-line one.
//
// SMTP also greets with 220 (and refuses with 421); a greeting whose text
// names SMTP (e.g. "220 mx.example.net ESMTP Postfix") is refused, but an
// SMTP server that does not say so passes: decide on the greeting and the
// client's first command (LooksLikeCommand) together.
func LooksLikeGreeting(line []byte) bool {
	code, shape, text := splitReplyLine(line)
	if shape != replyLast && shape != replyMore {
		return false
	}
	switch code {
	case 220, 120, 421:
	default:
		return false
	}
	return !containsWordFold(text, "smtp")
}

// containsWordFold reports whether s contains word (lower case), ignoring
// ASCII case.
func containsWordFold(s []byte, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if hasPrefixASCIIFold(s[i:], word) {
			return true
		}
	}
	return false
}

// clipForError shortens hostile text quoted in an error message.
func clipForError(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
