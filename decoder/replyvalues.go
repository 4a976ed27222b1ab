package decoder

import "strings"

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
