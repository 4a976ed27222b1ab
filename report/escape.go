package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Escape makes a string from the wire safe to print on a terminal while
// keeping it readable:
//
//   - printable ASCII and printable non-ASCII letters, digits, symbols and
//     marks are kept as they are (a UTF-8 file name stays legible);
//   - tab, line feed and carriage return become \t, \n and \r, so a line
//     can never be split or overwritten;
//   - every other C0 control, DEL and any invalid UTF-8 byte becomes \xNN
//     (ESC is \x1b, so no escape sequence reaches the terminal; a Latin-1
//     name such as "M\xe4rz" stays recognisable);
//   - C1 controls (U+0080-U+009F, which some terminals obey as CSI/OSC),
//     format characters such as the bidirectional overrides U+202E and
//     U+2066-U+2069 and the zero-width ones, the line and paragraph
//     separators, non-ASCII space characters (which look like a plain
//     space), private-use and unassigned code points become \uNNNN (or
//     \UNNNNNNNN), so a name cannot be visually reordered or padded into
//     looking like another.
//
// Backslashes are left alone so Windows paths stay readable; a literal
// "\x1b" typed by a client therefore looks the same as an escaped ESC.
// That ambiguity can only make benign text look suspicious, never hide
// hostile text; the JSON output keeps the exact string.
func Escape(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			default:
				writeHexByte(&b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeHexByte(&b, c)
		case needsEscape(r):
			writeRuneEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// needsEscape reports whether a valid non-ASCII rune must not reach the
// terminal as is: anything outside letters, marks, numbers, punctuation
// and symbols, that is controls (Cc, which holds C1), format characters
// (Cf: bidi overrides, zero-width characters, soft hyphen, BOM), line and
// paragraph separators, spaces other than U+0020, private-use and
// unassigned code points.
func needsEscape(r rune) bool { return !unicode.IsPrint(r) }

func writeHexByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

func writeRuneEscape(b *strings.Builder, r rune) {
	digits := 4
	if r > 0xffff {
		b.WriteString(`\U`)
		digits = 8
	} else {
		b.WriteString(`\u`)
	}
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>uint(shift))&0xf])
	}
}

// jsonText prepares a wire string for encoding/json, which would replace
// each invalid UTF-8 byte with U+FFFD and so lose it. Valid strings are
// returned unchanged (JSON escapes their control characters itself);
// in a string holding invalid UTF-8, each invalid byte becomes the text
// \xNN (JSON "\\xNN"), which keeps a Latin-1 or Shift-JIS file name
// recoverable. A valid string containing a literal backslash-x is not
// altered, so the two cases can collide; the capture is the final word.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			writeHexByte(&b, s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// MaskPassword returns the fixed placeholder "<hidden>" for any password,
// so neither the password nor its length leaks into a report.
func MaskPassword(string) string { return Hidden }

// PartialMask keeps the first and last character of a password and hides
// the rest behind a fixed "***", so an auditor can tell credentials apart
// (or spot a default password) without the report disclosing them or
// their length. Passwords shorter than six characters reveal too much
// that way and are fully masked as "***". The result is not escaped.
func PartialMask(p string) string {
	n := utf8.RuneCountInString(p)
	if n < 6 {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(p)
	last, _ := utf8.DecodeLastRuneInString(p)
	return string(first) + "***" + string(last)
}
