package decoder

import (
	"bytes"
)

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
