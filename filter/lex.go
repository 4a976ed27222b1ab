package filter

import (
	"fmt"
	"strings"
)

// tokKind tells words (keywords, numbers, addresses) from operators.
type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokOp // ( ) [ ] : & ! && || = == != < <= > >=
)

// token is one lexeme with its byte offset in the expression.
type token struct {
	kind tokKind
	text string
	pos  int
}

// wordByte reports whether c continues a word: keywords, numbers, IPv4
// and IPv6 addresses, prefixes ("/24") and port ranges ("20-21").
func wordByte(c byte, inBracket bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '.' || c == '_' || c == '-' || c == '/' || c == '\\':
		return true
	case c == ':':
		return !inBracket // ip[6:2] splits on ':'; IPv6 addresses keep it
	}
	return false
}

// lex splits an expression into tokens. It fails only on a byte that
// belongs to no token.
func lex(s string) ([]token, error) {
	var out []token
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case wordByte(c, depth > 0):
			j := i
			for j < len(s) && wordByte(s[j], depth > 0) {
				j++
			}
			out = append(out, token{tokWord, s[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range []string{"&&", "||", "!=", "==", "<=", ">=", "(", ")", "[", "]", ":", "&", "!", "=", "<", ">"} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, &Error{Pos: i, Msg: fmt.Sprintf("unexpected character %q", s[i:i+1])}
			}
			switch op {
			case "[":
				depth++
			case "]":
				if depth > 0 {
					depth--
				}
			}
			out = append(out, token{tokOp, op, i})
			i += len(op)
		}
	}
	return append(out, token{tokEOF, "", len(s)}), nil
}
