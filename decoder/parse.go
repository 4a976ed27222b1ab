package decoder

import (
	"bytes"
	"fmt"
)

// maxVerbLen is the longest verb ParseCommand accepts without complaint.
// RFC 959 5.3.1 verbs have three or four letters and the longest common
// extension (XSHA256) seven; anything beyond 16 is not an FTP command
// (Zeek's fake-long-commands trace sends 132-byte ones).
const maxVerbLen = 16

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
