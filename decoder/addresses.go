package decoder

import (
	"fmt"
	"net/netip"
	"strings"
)

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
