package decoder

import (
	"net/netip"
)

// This file fixes the parser API that the session code builds on. The
// bodies are placeholders, replaced by the real parsers.

// LineReader splits one direction of a control connection into lines
// (RFC 959 4.1: CRLF-terminated; a bare LF is accepted, as real servers
// send it), strips Telnet IAC sequences (RFC 959 4.1, RFC 854), and bounds
// the partial line it holds.
type LineReader struct {
	max int
	buf []byte
	// discarding is true while the rest of an over-long line is skipped.
	discarding bool
}

// NewLineReader returns a reader that cuts lines longer than max bytes.
func NewLineReader(max int) LineReader { return LineReader{max: max} }

// Feed consumes p and calls emit for every complete line, without its
// line ending. line is valid only during emit; truncated is true when the
// line was longer than the limit and only its first max bytes are given.
func (r *LineReader) Feed(p []byte, emit func(line []byte, truncated bool)) {}

// Reset drops any partial line, for example after a gap in the stream.
func (r *LineReader) Reset() {}

// Pending is the number of bytes of an unfinished line held.
func (r *LineReader) Pending() int { return len(r.buf) }

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
func ParseCommand(line []byte) (Command, error) { return Command{}, ErrSyntax }

// VerbInfo describes what a known command does, for the session logic.
type VerbInfo struct {
	// Transfer is true for commands that use a data connection (RETR,
	// STOR, STOU, APPE, LIST, NLST, MLSD).
	Transfer bool
	// Upload is true for STOR, STOU, APPE.
	Upload bool
	// RFC names where it is defined, e.g. "RFC 959 4.1.3".
	RFC string
}

// LookupVerb returns what is known of a verb (case-insensitive).
func LookupVerb(verb string) (VerbInfo, bool) { return VerbInfo{}, false }

// ReplyLine is one line of a server reply (RFC 959 4.2).
type ReplyLine struct {
	// Code is the three-digit code, 0 for a continuation line without one.
	Code int
	// More is true for "123-" lines that open (or continue) a multi-line
	// reply.
	More bool
	Text string
}

// ParseReplyLine parses one reply line.
func ParseReplyLine(line []byte) (ReplyLine, error) { return ReplyLine{}, ErrSyntax }

// ReplyAssembler joins reply lines into replies (RFC 959 4.2: a multi-line
// reply starts with "xyz-" and ends with a line starting "xyz "; lines in
// between may start with anything, digits included).
type ReplyAssembler struct {
	maxLines int
	open     bool
	code     int
	lines    []string
	cut      bool
}

// NewReplyAssembler keeps at most maxLines lines per reply.
func NewReplyAssembler(maxLines int) ReplyAssembler { return ReplyAssembler{maxLines: maxLines} }

// Reply is one complete server reply.
type Reply struct {
	Code  int
	Lines []string
	// Truncated is true when lines beyond the limit were dropped.
	Truncated bool
}

// Add feeds one line; done is true when it completed a reply. err reports
// a line that is not a valid reply line (the caller notes it and goes on).
func (a *ReplyAssembler) Add(line []byte) (r Reply, done bool, err error) {
	return Reply{}, false, ErrSyntax
}

// ParsePORT parses a PORT argument "h1,h2,h3,h4,p1,p2" (RFC 959 4.1.2).
func ParsePORT(arg string) (netip.AddrPort, error) { return netip.AddrPort{}, ErrSyntax }

// ParseEPRT parses an EPRT argument "|proto|addr|port|" with any
// delimiter (RFC 2428 2).
func ParseEPRT(arg string) (netip.AddrPort, error) { return netip.AddrPort{}, ErrSyntax }

// ParseLPRT parses an LPRT argument (RFC 1639 2).
func ParseLPRT(arg string) (netip.AddrPort, error) { return netip.AddrPort{}, ErrSyntax }

// ParsePASVReply finds the address in a 227 reply text, with or without
// parentheses (RFC 959 4.1.2, 4.2.2; RFC 1123 4.1.2.6).
func ParsePASVReply(text string) (netip.AddrPort, error) { return netip.AddrPort{}, ErrSyntax }

// ParseEPSVReply finds the port in a 229 reply text "(|||port|)"
// (RFC 2428 3).
func ParseEPSVReply(text string) (uint16, error) { return 0, ErrSyntax }

// ParseLPSVReply finds the address in a 228 reply text (RFC 1639 3).
func ParseLPSVReply(text string) (netip.AddrPort, error) { return netip.AddrPort{}, ErrSyntax }

// ParseSizeReply reads the byte count announced in a 150/125 reply, the
// last "(N bytes)" in the text; ok is false when there is none.
func ParseSizeReply(text string) (n int64, ok bool) { return 0, false }

// ParsePathReply reads the quoted path of a 257 reply, with "" standing
// for one quote (RFC 959 Appendix II).
func ParsePathReply(text string) (string, bool) { return "", false }
