package filter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// dir is a src/dst qualifier.
type dir int

const (
	dirDefault dir = iota // src or dst
	dirSrc
	dirDst
	dirSrcOrDst
	dirSrcAndDst
)

// quals are a primitive's qualifiers (pcap-filter(7): proto, dir, type).
// A bare id ("or 5.6.7.8") reuses the last primitive's.
type quals struct {
	proto string // "", ip, ip6, tcp, udp, sctp, icmp, icmp6, arp, ether
	dir   dir
	typ   string // host, net, port, portrange
}

// IP protocol numbers (IANA).
const (
	protoICMP     = 1
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6Frag = 44
	protoICMPv6   = 58
	protoSCTP     = 132
)

var (
	protoWords = map[string]bool{"ip": true, "ip6": true, "tcp": true, "udp": true, "sctp": true,
		"icmp": true, "icmp6": true, "arp": true, "ether": true}
	relops      = map[string]bool{"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}
	typeWords   = map[string]bool{"host": true, "net": true, "port": true, "portrange": true}
	otherWords  = []string{"and", "or", "not", "src", "dst", "proto", "mask", "vlan"}
	transport   = map[string]uint32{"tcp": protoTCP, "udp": protoUDP, "sctp": protoSCTP, "icmp": protoICMP, "icmp6": protoICMPv6}
	protoByName = map[string]uint32{"icmp": protoICMP, "tcp": protoTCP, "udp": protoUDP, "sctp": protoSCTP, "icmp6": protoICMPv6}
	// unsupported are pcap-filter(7) keywords this compiler does not
	// implement, named as such rather than as unknown.
	unsupported = map[string]bool{"less": true, "greater": true, "len": true, "gateway": true,
		"broadcast": true, "multicast": true, "protochain": true, "rarp": true, "mpls": true,
		"pppoed": true, "pppoes": true, "geneve": true, "inbound": true, "outbound": true,
		"ifname": true, "llc": true, "wlan": true, "igmp": true, "pim": true, "vrrp": true,
		"ah": true, "esp": true, "decnet": true, "iso": true, "stp": true, "ipx": true, "atalk": true}
)

type parser struct {
	toks  []token
	i     int
	link  link
	shift uint32 // bytes of VLAN tags the primitives parsed so far skip
	// kernelVLAN: the outermost tag is in the kernel's metadata, not the
	// packet (Linux strips it before the filter runs); kernelTagUsed once
	// a vlan primitive has tested it.
	kernelVLAN, kernelTagUsed bool
	last                      quals
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) isWord(w string) bool { t := p.peek(); return t.kind == tokWord && t.text == w }
func (p *parser) isOp(o string) bool   { t := p.peek(); return t.kind == tokOp && t.text == o }

func errAt(t token, format string, a ...any) error {
	return &Error{Pos: t.pos, Msg: fmt.Sprintf(format, a...)}
}

func describe(t token) string {
	if t.kind == tokEOF {
		return "end of expression"
	}
	return strconv.Quote(t.text)
}

// expr parses terms joined by and/or, which have equal precedence and
// associate left to right (pcap-filter(7)).
func (p *parser) expr() (node, error) {
	n, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var isAnd bool
		switch {
		case t.kind == tokWord && t.text == "and", t.kind == tokOp && t.text == "&&":
			isAnd = true
		case t.kind == tokWord && t.text == "or", t.kind == tokOp && t.text == "||":
		default:
			return n, nil
		}
		p.next()
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		if isAnd {
			n = and(n, r)
		} else {
			n = or(n, r)
		}
	}
}

func (p *parser) term() (node, error) {
	t := p.peek()
	switch {
	case t.kind == tokWord && t.text == "not", t.kind == tokOp && t.text == "!":
		p.next()
		n, err := p.term()
		if err != nil {
			return nil, err
		}
		return not(n), nil
	case t.kind == tokOp && t.text == "(":
		p.next()
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.isOp(")") {
			return nil, errAt(p.peek(), "expected \")\" to close the \"(\" at %d, found %s", t.pos+1, describe(p.peek()))
		}
		p.next()
		return n, nil
	case t.kind == tokEOF:
		return nil, errAt(t, "expression ends where a primitive was expected")
	case t.kind == tokOp:
		return nil, errAt(t, "unexpected %q where a primitive was expected", t.text)
	}
	return p.primitive()
}

func (p *parser) primitive() (node, error) {
	t := p.peek()
	w := t.text
	switch {
	case w == "vlan":
		return p.vlan()
	case w == "proto":
		p.next()
		return p.protoNumber(t, "")
	case protoWords[w]:
		p.next()
		if p.isOp("[") {
			return p.byteAccess(t)
		}
		if p.isWord("proto") {
			pt := p.next()
			return p.protoNumber(pt, w)
		}
		nt := p.peek()
		if nt.kind == tokWord && (nt.text == "src" || nt.text == "dst" || typeWords[nt.text]) {
			return p.qualified(quals{proto: w})
		}
		return p.protoOnly(t)
	case w == "src" || w == "dst" || typeWords[w]:
		return p.qualified(quals{})
	case looksLikeID(w):
		p.next()
		q := p.last
		if q.typ == "" {
			q.typ = "host"
		}
		return p.id(q, t)
	case unsupported[w]:
		return nil, errAt(t, "primitive %q is not supported by this filter compiler", w)
	case isKeyword(w):
		return nil, errAt(t, "unexpected %q where a primitive was expected", w)
	}
	if s := suggest(w); s != "" {
		return nil, errAt(t, "unknown primitive %q (did you mean %s?)", w, s)
	}
	return nil, errAt(t, "unknown primitive %q", w)
}

// qualified parses [dir] [type] id after an optional proto already in q.
func (p *parser) qualified(q quals) (node, error) {
	if p.isWord("src") || p.isWord("dst") {
		first := p.next().text
		q.dir = dirSrc
		if first == "dst" {
			q.dir = dirDst
		}
		if (p.isWord("or") || p.isWord("and")) && p.i+1 < len(p.toks) {
			nt := p.toks[p.i+1]
			other := map[string]string{"src": "dst", "dst": "src"}[first]
			if nt.kind == tokWord && nt.text == other {
				if p.next().text == "or" {
					q.dir = dirSrcOrDst
				} else {
					q.dir = dirSrcAndDst
				}
				p.next()
			}
		}
	}
	if t := p.peek(); t.kind == tokWord && typeWords[t.text] {
		q.typ = t.text
		p.next()
	}
	if q.typ == "" {
		q.typ = "host"
	}
	t := p.peek()
	if t.kind != tokWord || isKeyword(t.text) {
		return nil, errAt(t, "%s needs a value, found %s", q.typ, describe(t))
	}
	p.next()
	p.last = q
	return p.id(q, t)
}

// looksLikeID reports whether a word is a value (number, address, range)
// rather than a keyword or a misspelt one.
func looksLikeID(w string) bool {
	if w == "" {
		return false
	}
	if w[0] >= '0' && w[0] <= '9' || strings.Contains(w, ":") {
		return true
	}
	return false
}

func isKeyword(w string) bool {
	if protoWords[w] || typeWords[w] {
		return true
	}
	for _, o := range otherWords {
		if o == w {
			return true
		}
	}
	return false
}

// net is the network header offset after the VLAN tags parsed so far.
func (p *parser) net() uint32 { return p.link.netOff + p.shift }

func (p *parser) ip() node   { return p.link.netType(etherIPv4, p.shift) }
func (p *parser) ip6() node  { return p.link.netType(etherIPv6, p.shift) }
func (p *parser) arp() node  { return p.link.netType(etherARP, p.shift) }
func (p *parser) rarp() node { return p.link.netType(etherRARP, p.shift) }

// ipProto: IPv4 whose protocol field is proto.
func (p *parser) ipProto(proto uint32) node {
	return and(p.ip(), eq(abs(1, p.net()+9), proto))
}

// ip6Proto: IPv6 whose fixed header's Next Header is proto, or a
// Fragment header directly followed by proto (libpcap's gen_proto). No
// other extension header is walked.
func (p *parser) ip6Proto(proto uint32) node {
	nh := abs(1, p.net()+6)
	return and(p.ip6(), or(eq(nh, proto), and(eq(nh, protoIPv6Frag), eq(abs(1, p.net()+40), proto))))
}

// notFragment: the IPv4 fragment offset is zero (the first fragment or
// an unfragmented packet), where a transport header can be read.
func (p *parser) notFragment() node {
	return not(cmpNode{load: abs(2, p.net()+6), cond: bpf.JumpBitsSet, k: 0x1fff})
}

// transportLoad reads the IPv4 payload: X is the header length.
func (p *parser) transportLoad(size int, off uint32) load {
	return load{size: size, off: p.net() + off, indirect: true, ihl: p.net()}
}

func (p *parser) protoOnly(t token) (node, error) {
	switch t.text {
	case "ip":
		return p.ip(), nil
	case "ip6":
		return p.ip6(), nil
	case "arp":
		return p.arp(), nil
	case "icmp":
		return p.ipProto(protoICMP), nil
	case "icmp6":
		return p.ip6Proto(protoICMPv6), nil
	case "tcp", "udp", "sctp":
		n := transport[t.text]
		return or(p.ipProto(n), p.ip6Proto(n)), nil
	}
	return nil, errAt(t, "%q needs a qualifier or [offset] after it", t.text)
}

// protoNumber parses the value of "[ip|ip6] proto N".
func (p *parser) protoNumber(kw token, family string) (node, error) {
	t := p.next()
	if t.kind != tokWord {
		return nil, errAt(t, "proto needs a protocol number, found %s", describe(t))
	}
	var n uint32
	if v, ok := protoByName[strings.TrimPrefix(t.text, "\\")]; ok {
		n = v
	} else {
		v, err := parseNumber(t.text)
		if err != nil || v > 255 {
			return nil, errAt(t, "proto needs a protocol number 0-255 or a name (\\tcp), found %q", t.text)
		}
		n = v
	}
	switch family {
	case "":
		return or(p.ipProto(n), p.ip6Proto(n)), nil
	case "ip":
		return p.ipProto(n), nil
	case "ip6":
		return p.ip6Proto(n), nil
	}
	return nil, errAt(kw, "%q cannot qualify proto", family)
}

// parseNumber reads a number as libpcap does: 0x hex, leading 0 octal.
func parseNumber(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil && len(s) > 1 && s[0] == '0' && s[1] != 'x' && s[1] != 'X' {
		v, err = strconv.ParseUint(s[1:], 8, 32)
	}
	return uint32(v), err
}

func (p *parser) vlan() (node, error) {
	kw := p.next()
	if !p.link.vlan {
		return nil, errAt(kw, "vlan is not supported on %s links", p.link.name)
	}
	var id int64 = -1
	if t := p.peek(); t.kind == tokWord && looksLikeID(t.text) {
		p.next()
		v, err := parseNumber(t.text)
		if err != nil || v > 4095 {
			return nil, errAt(t, "vlan id must be 0-4095, found %q", t.text)
		}
		id = int64(v)
	}
	if p.kernelVLAN && !p.kernelTagUsed {
		p.kernelTagUsed = true
		n := eq(load{size: 4, ext: bpf.ExtVLANTagPresent}, 1)
		if id >= 0 {
			n = and(n, cmpNode{load: load{size: 4, ext: bpf.ExtVLANTag}, masked: true, mask: 0x0fff, cond: bpf.JumpEqual, k: uint32(id)})
		}
		return n, nil
	}
	off := p.link.typeOff + p.shift
	var tpid node = falseNode
	for _, v := range vlanTPIDs {
		tpid = or(tpid, eq(abs(2, off), v))
	}
	if id >= 0 {
		tpid = and(tpid, cmpNode{load: abs(2, off+2), masked: true, mask: 0x0fff, cond: bpf.JumpEqual, k: uint32(id)})
	}
	p.shift += 4
	return tpid, nil
}

// byteAccess parses proto[off(:size)] (& mask) relop value.
func (p *parser) byteAccess(kw token) (node, error) {
	p.next() // [
	t := p.next()
	off, err := parseNumber(t.text)
	if t.kind != tokWord || err != nil {
		return nil, errAt(t, "%s[] needs a constant offset, found %s", kw.text, describe(t))
	}
	size := 1
	if p.isOp(":") {
		p.next()
		st := p.next()
		s, err := parseNumber(st.text)
		if st.kind != tokWord || err != nil || (s != 1 && s != 2 && s != 4) {
			return nil, errAt(st, "size must be 1, 2 or 4, found %s", describe(st))
		}
		size = int(s)
	}
	if !p.isOp("]") {
		return nil, errAt(p.peek(), "expected \"]\", found %s", describe(p.peek()))
	}
	p.next()
	c := cmpNode{}
	if p.isOp("&") {
		p.next()
		mt := p.next()
		m, err := parseNumber(mt.text)
		if mt.kind != tokWord || err != nil {
			return nil, errAt(mt, "& needs a constant mask, found %s", describe(mt))
		}
		c.masked, c.mask = true, m
	}
	op := p.next()
	if op.kind != tokOp || !relops[op.text] {
		return nil, errAt(op, "expected a comparison (=, !=, <, <=, >, >=) after %s[], found %s", kw.text, describe(op))
	}
	vt := p.next()
	v, err := parseNumber(vt.text)
	if vt.kind != tokWord || err != nil {
		return nil, errAt(vt, "expected a constant after %q, found %s", op.text, describe(vt))
	}
	c.k = v
	var guard node = trueNode
	switch kw.text {
	case "ether":
		c.load = abs(size, off) // the link-layer header, whatever the link type

	case "ip":
		guard, c.load = p.ip(), abs(size, p.net()+off)
	case "ip6":
		guard, c.load = p.ip6(), abs(size, p.net()+off)
	case "tcp", "udp", "sctp", "icmp":
		guard = and(p.ipProto(transport[kw.text]), p.notFragment())
		c.load = p.transportLoad(size, off)
	default:
		return nil, errAt(kw, "%s[] is not supported by this filter compiler", kw.text)
	}
	var n node
	switch op.text {
	case "=", "==", "!=":
		c.cond = bpf.JumpEqual
		n = c
		if op.text == "!=" {
			n = not(c)
		}
	case ">", "<=":
		c.cond = bpf.JumpGreaterThan
		n = c
		if op.text == "<=" {
			n = not(c)
		}
	case ">=", "<":
		c.cond = bpf.JumpGreaterOrEqual
		n = c
		if op.text == "<" {
			n = not(c)
		}
	}
	return and(guard, n), nil
}

// id compiles one value under its qualifiers.
func (p *parser) id(q quals, t token) (node, error) {
	switch q.typ {
	case "port", "portrange":
		return p.port(q, t)
	case "net":
		return p.netID(q, t)
	}
	a, err := netip.ParseAddr(t.text)
	if err != nil || a.Zone() != "" {
		if !looksLikeID(t.text) {
			return nil, errAt(t, "host names are not resolved; give an address instead of %q", t.text)
		}
		return nil, errAt(t, "%q is not an IPv4 or IPv6 address", t.text)
	}
	return p.hostMatch(q, t, a, a.BitLen())
}

// netID parses addr/len, addr mask m, or a partial IPv4 address
// ("192.168" is 192.168.0.0/16).
func (p *parser) netID(q quals, t token) (node, error) {
	s := t.text
	bits := -1
	if i := strings.IndexByte(s, '/'); i >= 0 {
		b, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return nil, errAt(t, "bad prefix length in %q", s)
		}
		s, bits = s[:i], b
	}
	a, err := netip.ParseAddr(s)
	if err != nil && !strings.Contains(s, ":") {
		// libpcap's partial network numbers: one to three octets.
		parts := strings.Split(s, ".")
		if len(parts) < 4 {
			full := append(parts, make([]string, 4-len(parts))...)
			for i := len(parts); i < 4; i++ {
				full[i] = "0"
			}
			if a2, err2 := netip.ParseAddr(strings.Join(full, ".")); err2 == nil {
				a, err = a2, nil
				if bits < 0 {
					bits = 8 * len(parts)
				}
			}
		}
	}
	if err != nil || a.Zone() != "" {
		return nil, errAt(t, "%q is not a network (addr/len, addr mask m or a partial IPv4 address)", t.text)
	}
	if p.isWord("mask") {
		mt := p.next()
		vt := p.next()
		m, err := netip.ParseAddr(vt.text)
		if bits >= 0 || err != nil || !a.Is4() || !m.Is4() {
			return nil, errAt(mt, "mask needs an IPv4 netmask after an IPv4 network without /len")
		}
		mb := m.As4()
		mask := uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3])
		ab := a.As4()
		av := uint32(ab[0])<<24 | uint32(ab[1])<<16 | uint32(ab[2])<<8 | uint32(ab[3])
		if av&^mask != 0 {
			return nil, errAt(t, "non-network bits set in %q mask %s", t.text, vt.text)
		}
		return p.hostV4(q, t, av, mask)
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	if bits > a.BitLen() {
		return nil, errAt(t, "prefix length %d is too long for %q", bits, s)
	}
	if netip.PrefixFrom(a, bits).Masked().Addr() != a {
		return nil, errAt(t, "non-network bits set in %q", t.text)
	}
	return p.hostMatch(q, t, a, bits)
}

// hostMatch matches an address prefix against the source and/or
// destination address fields.
func (p *parser) hostMatch(q quals, t token, a netip.Addr, bits int) (node, error) {
	if a.Is4() {
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		var mask uint32
		if bits > 0 {
			mask = ^uint32(0) << (32 - bits)
		}
		return p.hostV4(q, t, v, mask)
	}
	return p.hostV6(q, t, a, bits)
}

func (p *parser) dirs(q quals, src, dst node) node {
	switch q.dir {
	case dirSrc:
		return src
	case dirDst:
		return dst
	case dirSrcAndDst:
		return and(src, dst)
	}
	return or(src, dst)
}

// word compares a 32-bit field under mask (a full mask compares plainly).
func word(off, v, mask uint32) node {
	if mask == 0 {
		return trueNode // net 0/0; libpcap's optimiser drops the load too
	}
	c := cmpNode{load: abs(4, off), cond: bpf.JumpEqual, k: v & mask}
	if mask != ^uint32(0) {
		c.masked, c.mask = true, mask
	}
	return c
}

// hostV4: "host" and "net" on IPv4, and on ARP and RARP when no protocol
// is named (libpcap's gen_host with Q_DEFAULT).
func (p *parser) hostV4(q quals, t token, v, mask uint32) (node, error) {
	at := func(src, dst uint32) node {
		return p.dirs(q, word(p.net()+src, v, mask), word(p.net()+dst, v, mask))
	}
	ipv4 := and(p.ip(), at(12, 16))
	arp := and(or(p.arp(), p.rarp()), at(14, 24))
	switch q.proto {
	case "":
		return or(ipv4, arp), nil
	case "ip":
		return ipv4, nil
	case "arp":
		return arp, nil
	}
	return nil, errAt(t, "%q cannot qualify an IPv4 %s", q.proto, q.typ)
}

func (p *parser) hostV6(q quals, t token, a netip.Addr, bits int) (node, error) {
	if q.proto != "" && q.proto != "ip6" {
		return nil, errAt(t, "%q cannot qualify an IPv6 %s", q.proto, q.typ)
	}
	b := a.As16()
	at := func(off uint32) node {
		var n node = trueNode
		for w := 0; w < 4 && bits > 32*w; w++ {
			v := uint32(b[4*w])<<24 | uint32(b[4*w+1])<<16 | uint32(b[4*w+2])<<8 | uint32(b[4*w+3])
			mask := ^uint32(0)
			if rest := bits - 32*w; rest < 32 {
				mask <<= 32 - rest
			}
			n = and(n, word(off+uint32(4*w), v, mask))
		}
		return n
	}
	return and(p.ip6(), p.dirs(q, at(p.net()+8), at(p.net()+24))), nil
}

// port compiles port and portrange: TCP, UDP and SCTP (or the one named)
// over IPv4, first fragments only, and over IPv6 when the fixed header's
// Next Header is the transport (libpcap's gen_port and gen_port6).
func (p *parser) port(q quals, t token) (node, error) {
	lo, hi, err := parsePorts(t.text, q.typ == "portrange")
	if err != nil {
		return nil, errAt(t, "%v", err)
	}
	var protos []uint32
	switch q.proto {
	case "":
		protos = []uint32{protoSCTP, protoTCP, protoUDP}
	case "tcp", "udp", "sctp":
		protos = []uint32{transport[q.proto]}
	default:
		return nil, errAt(t, "%q cannot qualify %s", q.proto, q.typ)
	}
	test := func(l load) node {
		if lo == hi {
			return eq(l, lo)
		}
		return and(cmpNode{load: l, cond: bpf.JumpGreaterOrEqual, k: lo}, not(cmpNode{load: l, cond: bpf.JumpGreaterThan, k: hi}))
	}
	var v4p, v6p node = falseNode, falseNode
	for _, pr := range protos {
		v4p = or(v4p, eq(abs(1, p.net()+9), pr))
		v6p = or(v6p, eq(abs(1, p.net()+6), pr))
	}
	v6 := ands(p.ip6(), v6p, p.dirs(q, test(abs(2, p.net()+40)), test(abs(2, p.net()+42))))
	v4 := ands(p.ip(), v4p, p.notFragment(), p.dirs(q, test(p.transportLoad(2, 0)), test(p.transportLoad(2, 2))))
	return or(v6, v4), nil
}

func parsePorts(s string, isRange bool) (lo, hi uint32, err error) {
	one := func(s string) (uint32, error) {
		v, err := parseNumber(s)
		if isRange {
			// libpcap reads a range's ends as decimal ("0-020" is 0-20).
			var d uint64
			d, err = strconv.ParseUint(s, 10, 32)
			v = uint32(d)
		}
		if err != nil {
			if !looksLikeID(s) {
				return 0, fmt.Errorf("port names are not resolved; give a number instead of %q", s)
			}
			return 0, fmt.Errorf("%q is not a port number", s)
		}
		if v > 65535 {
			return 0, fmt.Errorf("port %d is above 65535", v)
		}
		return v, nil
	}
	if !isRange {
		v, err := one(s)
		return v, v, err
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("portrange needs low-high, found %q", s)
	}
	if lo, err = one(a); err == nil {
		hi, err = one(b)
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi, err
}

// suggest is the keyword closest to a misspelt word (at most two edits).
func suggest(w string) string {
	best, bestD := "", 3
	var all []string
	for k := range protoWords {
		all = append(all, k)
	}
	for k := range typeWords {
		all = append(all, k)
	}
	all = append(all, otherWords...)
	for _, k := range all {
		if d := editDistance(w, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (adjacent swaps count
// one edit: "hots" is one from "host").
func editDistance(a, b string) int {
	if len(a) > 32 {
		return 99
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
