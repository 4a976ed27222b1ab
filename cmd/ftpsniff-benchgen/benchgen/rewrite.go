package benchgen

import (
	"bytes"
	"net/netip"
	"strconv"
)

// rewriteLines rewrites, in one control segment, what names an address,
// a port or a size the replay changed: PORT (RFC 959 4.1.2) and EPRT
// (RFC 2428 2) from the client; 227 (RFC 959 4.2), 229 (RFC 2428 3),
// 150 "(N bytes)" and 213 SIZE (RFC 3659 4) replies from the server. It
// returns nil when nothing changed. Only lines whole in the segment are
// rewritten, which is how every recorded session sends them.
func (f *ftpFlow) rewriteLines(p []byte, fromClient bool) []byte {
	var out []byte
	changed := false
	for len(p) > 0 {
		n := bytes.IndexByte(p, '\n')
		if n < 0 {
			n = len(p)
		} else {
			n++
		}
		line := p[:n]
		p = p[n:]
		var nl []byte
		if fromClient {
			nl = f.rewriteCommand(line)
		} else {
			nl = f.rewriteReply(line)
		}
		if nl != nil {
			changed = true
			line = nl
		}
		out = append(out, line...)
	}
	if !changed {
		return nil
	}
	return out
}

// body splits line into its text and its end of line.
func splitEOL(line []byte) (text, eol []byte) {
	text = bytes.TrimRight(line, "\r\n")
	return text, line[len(text):]
}

func (f *ftpFlow) rewriteCommand(line []byte) []byte {
	text, eol := splitEOL(line)
	if len(text) < 5 || text[4] != ' ' {
		return nil
	}
	verb := string(bytes.ToUpper(text[:4]))
	arg := text[5:]
	switch verb {
	case "PORT":
		s, e, ap, ok := findHostPort(arg)
		if !ok {
			return nil
		}
		return splice(text[:5+s], formatHostPort(f.mapAddrPort(ap)), text[5+e:], eol)
	case "EPRT":
		// |af|addr|port|, any delimiter (RFC 2428 2).
		if len(arg) < 1 {
			return nil
		}
		parts := bytes.Split(arg, arg[:1])
		if len(parts) != 5 {
			return nil
		}
		a, err := netip.ParseAddr(string(parts[2]))
		if err != nil {
			return nil
		}
		port, err := strconv.Atoi(string(parts[3]))
		if err != nil || port < 0 || port > 65535 {
			return nil
		}
		ap := f.mapAddrPort(netip.AddrPortFrom(a, uint16(port)))
		d := string(arg[:1])
		nt := "EPRT " + d + string(parts[1]) + d + ap.Addr().String() + d + strconv.Itoa(int(ap.Port())) + d
		return append([]byte(nt), eol...)
	}
	return nil
}

func (f *ftpFlow) rewriteReply(line []byte) []byte {
	text, eol := splitEOL(line)
	if len(text) < 4 || text[3] != ' ' {
		return nil
	}
	switch string(text[:3]) {
	case "227":
		s, e, ap, ok := findHostPort(text[4:])
		if !ok {
			return nil
		}
		return splice(text[:4+s], formatHostPort(f.mapAddrPort(ap)), text[4+e:], eol)
	case "229":
		// (<d><d><d>port<d>) (RFC 2428 3).
		i := bytes.IndexByte(text, '(')
		if i < 0 || len(text) < i+5 {
			return nil
		}
		d := text[i+1]
		if text[i+2] != d || text[i+3] != d {
			return nil
		}
		j := bytes.IndexByte(text[i+4:], d)
		if j <= 0 {
			return nil
		}
		port, err := strconv.Atoi(string(text[i+4 : i+4+j]))
		if err != nil || port < 0 || port > 65535 {
			return nil
		}
		np := strconv.Itoa(int(f.mapPort(uint16(port))))
		return splice(text[:i+4], []byte(np), text[i+4+j:], eol)
	case "150":
		// The last "(N bytes)" announces the size of the transfer.
		i := bytes.LastIndex(text, []byte(" bytes)"))
		if i < 0 {
			return nil
		}
		j := bytes.LastIndexByte(text[:i], '(')
		if j < 0 {
			return nil
		}
		n, err := strconv.ParseInt(string(text[j+1:i]), 10, 64)
		if err != nil {
			return nil
		}
		ns, ok := f.newSize[n]
		if !ok {
			return nil
		}
		return splice(text[:j+1], []byte(strconv.FormatInt(ns, 10)), text[i:], eol)
	case "213":
		n, err := strconv.ParseInt(string(text[4:]), 10, 64)
		if err != nil || len(text) > 4+12 {
			return nil // MDTM answers are 14 digits; sizes here are shorter
		}
		ns, ok := f.newSize[n]
		if !ok {
			return nil
		}
		return splice(text[:4], []byte(strconv.FormatInt(ns, 10)), nil, eol)
	}
	return nil
}

// mapAddrPort maps a template address and port named in FTP text.
func (f *ftpFlow) mapAddrPort(ap netip.AddrPort) netip.AddrPort {
	a := ap.Addr()
	if a.Is4In6() {
		a = a.Unmap()
	}
	return netip.AddrPortFrom(f.mapIP(a), f.mapPort(ap.Port()))
}

// findHostPort finds "h1,h2,h3,h4,p1,p2" in s and returns its span.
func findHostPort(s []byte) (start, end int, ap netip.AddrPort, ok bool) {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		var v [6]int
		j, k := i, 0
		for k < 6 {
			n, m := 0, 0
			for j < len(s) && isDigit(s[j]) && m < 4 {
				n = n*10 + int(s[j]-'0')
				j++
				m++
			}
			if m == 0 || n > 255 {
				break
			}
			v[k] = n
			k++
			if k < 6 {
				if j >= len(s) || s[j] != ',' {
					break
				}
				j++
			}
		}
		if k == 6 {
			a := netip.AddrFrom4([4]byte{byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])})
			return i, j, netip.AddrPortFrom(a, uint16(v[4]<<8|v[5])), true
		}
	}
	return 0, 0, netip.AddrPort{}, false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func formatHostPort(ap netip.AddrPort) []byte {
	a := ap.Addr().As4()
	b := make([]byte, 0, 24)
	for _, x := range a {
		b = strconv.AppendInt(b, int64(x), 10)
		b = append(b, ',')
	}
	b = strconv.AppendInt(b, int64(ap.Port()>>8), 10)
	b = append(b, ',')
	return strconv.AppendInt(b, int64(ap.Port()&0xff), 10)
}

func splice(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
