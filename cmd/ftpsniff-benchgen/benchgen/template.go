package benchgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"path/filepath"
	"slices"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/capture"
)

// templateSpec names one recorded capture of testdata/pcaps and how often
// it is replayed relative to the others. The mix leans on what a busy FTP
// server sees: anonymous and authenticated downloads (passive and
// active), uploads, listings, failed logins and a little of everything
// odd the lab recorded.
type templateSpec struct {
	name   string
	weight int
	// fixed: never stretch its transfers (an aborted transfer made
	// longer than the size its server announced would be implausible,
	// and a capture known for one lost segment would lose one per copy).
	fixed bool
}

// DefaultTemplates is the replay mix. Only plain Ethernet captures of
// whole sessions are used; the re-framed copies of Group D (other link
// types, VLANs, fragments, file formats) add nothing to a speed test.
var defaultTemplates = []templateSpec{
	{name: "vsftpd-anon-passive", weight: 10},
	{name: "vsftpd-passive-300k", weight: 10},
	{name: "vsftpd-user-active-port20", weight: 8},
	{name: "vsftpd-active-ephemeral", weight: 6},
	{name: "vsftpd-uploads", weight: 6},
	{name: "vsftpd-anon-upload", weight: 4},
	{name: "proftpd-listings", weight: 6},
	{name: "vsftpd-failed-login", weight: 6},
	{name: "ipv6-epsv-eprt", weight: 5},
	{name: "pureftpd-anon", weight: 4},
	{name: "vsftpd-concurrent", weight: 4},
	{name: "proftpd-multiline", weight: 3},
	{name: "vsftpd-rest-resume", weight: 3},
	{name: "vsftpd-cwd-paths", weight: 3},
	{name: "proftpd-bruteforce", weight: 2},
	{name: "proftpd-password-spray", weight: 2},
	{name: "vsftpd-pipelined", weight: 2},
	{name: "proftpd-auth-tls", weight: 2},
	{name: "vsftpd-abort-426", weight: 2, fixed: true},
	{name: "vsftpd-nat-pasv", weight: 2},
	{name: "vsftpd-fxp", weight: 1},
	{name: "vsftpd-bounce-rejected", weight: 1},
	{name: "vsftpd-bounce-promiscuous", weight: 1},
	{name: "proftpd-site-exec", weight: 1},
	{name: "vsftpd-hostile-creds", weight: 1},
	{name: "vsftpd-auth-tls-refused", weight: 1},
	{name: "proftpd-user-before-auth-tls", weight: 1},
	{name: "vsftpd-dropped-data-segment", weight: 1, fixed: true},
}

// TemplateNames lists the recorded sessions the generator replays, in
// the order their weights are drawn.
func TemplateNames() []string {
	names := make([]string, len(defaultTemplates))
	for i, t := range defaultTemplates {
		names[i] = t.name
	}
	return names
}

// tpkt is one TCP segment of a template, parsed once at load time.
type tpkt struct {
	ts    int64 // nanoseconds since the template's first packet
	conn  int32
	dir   uint8 // 0: from the connection's first sender (the client)
	v6    bool
	flags uint8
	frame []byte // the whole recorded frame
	l4    int    // offset of the TCP header
	pay   int    // offset of the payload
	end   int    // end of the IP datagram (link padding follows)
	seq   uint32
	ack   uint32
	// paySum is the ones'-complement partial sum of the payload, so a
	// rewritten header costs a few additions to checksum.
	paySum uint64
}

func (p *tpkt) payload() []byte { return p.frame[p.pay:p.end] }

// tconn is one TCP connection of a template.
type tconn struct {
	ep      [2]netip.AddrPort // ep[0] sent the first packet (the SYN when seen)
	control bool              // FTP control connection (port 21)
	isn     [2]uint32         // first sequence number seen per direction
	// body is the part of a data connection that can be repeated to
	// make a bigger transfer: from the first payload segment to the last
	// segment before the first FIN or RST, as template packet indices.
	body     []int
	bodyLen  [2]uint32 // payload bytes per direction inside body
	bodyWire int64     // frame bytes of body
	size     int64     // payload bytes in the data direction (whole conn)
	stretch  bool      // body can be repeated
}

// template is one recorded capture, ready for replay.
type template struct {
	name   string
	weight int
	pkts   []tpkt
	conns  []tconn
	addrs  []netip.Addr // distinct addresses, in order of appearance
	ports  []uint16     // distinct ports, in order of appearance
	bytes  int64        // frame bytes
	sizes  []int64      // distinct sizes of stretchable data connections
	hasV6  bool
	bodyOf []int // per conn: index in pkts of its last body packet, -1 if none
}

// errTemplate: a template capture holds something the replay cannot
// rewrite consistently.
var errTemplate = errors.New("unusable template capture")

// loadTemplates reads the named captures from dir.
func loadTemplates(dir string, specs []templateSpec) ([]*template, error) {
	out := make([]*template, 0, len(specs))
	for _, s := range specs {
		t, err := loadTemplate(filepath.Join(dir, s.name+".pcap"))
		if err != nil {
			return nil, err
		}
		t.name, t.weight = s.name, s.weight
		if s.fixed {
			for i := range t.conns {
				t.conns[i].stretch = false
				t.bodyOf[i] = -1
			}
			t.sizes = nil
		}
		out = append(out, t)
	}
	return out, nil
}

type connKey struct {
	a, b netip.AddrPort
}

func loadTemplate(path string) (*template, error) {
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	t := &template{}
	conns := map[connKey]int32{}
	seenAddr := map[netip.Addr]bool{}
	seenPort := map[uint16]bool{}
	closed := map[int32]bool{}
	var t0 int64
	for {
		f, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if f.LinkType != layers.LinkTypeEthernet {
			return nil, fmt.Errorf("%s: %w: link type %v", path, errTemplate, f.LinkType)
		}
		if f.OrigLen != len(f.Data) {
			return nil, fmt.Errorf("%s: %w: packet %d cut by the snap length", path, errTemplate, f.Number)
		}
		p, src4, dst4, ok := parseFrame(f.Data)
		if !ok {
			continue // not a plain TCP segment: not replayed
		}
		if len(t.pkts) == 0 {
			t0 = f.TS.UnixNano()
		}
		p.ts = f.TS.UnixNano() - t0
		k := connKey{src4, dst4}
		id, ok := conns[k]
		dir := uint8(0)
		if !ok {
			if id, ok = conns[connKey{dst4, src4}]; ok {
				dir = 1
			}
		}
		// A new SYN on a finished connection's ports is a new connection.
		if ok && closed[id] && p.flags&flagSYN != 0 && p.flags&flagACK == 0 {
			ok = false
		}
		if !ok {
			id = int32(len(t.conns))
			c := tconn{ep: [2]netip.AddrPort{src4, dst4}}
			c.control = src4.Port() == 21 || dst4.Port() == 21
			t.conns = append(t.conns, c)
			conns[connKey{src4, dst4}] = id
			delete(conns, connKey{dst4, src4})
			dir = 0
		}
		if p.flags&(flagFIN|flagRST) != 0 {
			closed[id] = true
		}
		p.conn, p.dir = id, dir
		for _, a := range []netip.AddrPort{src4, dst4} {
			if !seenAddr[a.Addr()] {
				seenAddr[a.Addr()] = true
				t.addrs = append(t.addrs, a.Addr())
			}
			if !seenPort[a.Port()] {
				seenPort[a.Port()] = true
				t.ports = append(t.ports, a.Port())
			}
		}
		p.frame = append([]byte(nil), f.Data...)
		p.paySum = sum16(0, p.payload())
		t.hasV6 = t.hasV6 || p.v6
		t.bytes += int64(len(p.frame))
		t.pkts = append(t.pkts, p)
	}
	if len(t.pkts) == 0 {
		return nil, fmt.Errorf("%s: %w: no TCP segments", path, errTemplate)
	}
	t.analyzeConns()
	return t, nil
}

// analyzeConns finds each connection's ISNs and, for data connections,
// the body that can be repeated.
func (t *template) analyzeConns() {
	seen := make([][2]bool, len(t.conns))
	ended := make([]bool, len(t.conns))
	first := make([]int, len(t.conns))
	last := make([]int, len(t.conns))
	for i := range t.conns {
		first[i], last[i] = -1, -1
	}
	tlsConn := make([]bool, len(t.conns))
	for i := range t.pkts {
		p := &t.pkts[i]
		c := &t.conns[p.conn]
		if !seen[p.conn][p.dir] {
			seen[p.conn][p.dir] = true
			c.isn[p.dir] = p.seq
		}
		n := p.end - p.pay
		if n > 0 {
			if first[p.conn] < 0 {
				first[p.conn] = i
				tlsConn[p.conn] = p.frame[p.pay] == 0x16
			}
		}
		if p.flags&(flagFIN|flagRST) != 0 {
			ended[p.conn] = true
		}
		if !ended[p.conn] && first[p.conn] >= 0 {
			last[p.conn] = i
		}
	}
	t.bodyOf = make([]int, len(t.conns))
	for ci := range t.conns {
		c := &t.conns[ci]
		t.bodyOf[ci] = -1
		// Sizes are sequence spans, so that a lost segment counts.
		var lo, hi [2]int64
		for d := range 2 {
			lo[d], hi[d] = math.MaxInt64, math.MinInt64
		}
		for i := range t.pkts {
			p := &t.pkts[i]
			if int(p.conn) != ci || p.end == p.pay {
				continue
			}
			rel := int64(int32(p.seq - c.isn[p.dir]))
			lo[p.dir] = min(lo[p.dir], rel)
			hi[p.dir] = max(hi[p.dir], rel+int64(p.end-p.pay))
		}
		for d := range 2 {
			if hi[d] > lo[d] {
				c.size = max(c.size, hi[d]-lo[d])
			}
		}
		if c.control || tlsConn[ci] || first[ci] < 0 || last[ci] <= first[ci] {
			continue
		}
		for d := range 2 {
			lo[d], hi[d] = math.MaxInt64, math.MinInt64
		}
		for i := first[ci]; i <= last[ci]; i++ {
			p := &t.pkts[i]
			if int(p.conn) != ci {
				continue
			}
			c.body = append(c.body, i)
			c.bodyWire += int64(len(p.frame))
			if p.end > p.pay {
				rel := int64(int32(p.seq - c.isn[p.dir]))
				lo[p.dir] = min(lo[p.dir], rel)
				hi[p.dir] = max(hi[p.dir], rel+int64(p.end-p.pay))
			}
		}
		for d := range 2 {
			if hi[d] > lo[d] {
				c.bodyLen[d] = uint32(hi[d] - lo[d])
			}
		}
		// Only bodies that carry data one way repeat into a plausible
		// bigger transfer.
		if len(c.body) >= 2 && (c.bodyLen[0] == 0) != (c.bodyLen[1] == 0) {
			c.stretch = true
		}
	}
	// The size a server announces (150 "(N bytes)", 213) is rewritten
	// by value, so transfers of one size must grow alike: a size whose
	// connections repeat bodies of different spans (one sent its last
	// bytes with the FIN, another did not) is left as recorded.
	span := map[int64]uint32{}
	for ci := range t.conns {
		c := &t.conns[ci]
		if !c.stretch {
			continue
		}
		n := c.bodyLen[0] + c.bodyLen[1]
		if s, ok := span[c.size]; ok && s != n {
			span[c.size] = 0
		} else if !ok {
			span[c.size] = n
			t.sizes = append(t.sizes, c.size)
		}
	}
	for ci := range t.conns {
		c := &t.conns[ci]
		if c.stretch && span[c.size] == 0 {
			c.stretch = false
		}
		if c.stretch {
			t.bodyOf[ci] = c.body[len(c.body)-1]
		}
	}
	t.sizes = slices.DeleteFunc(t.sizes, func(s int64) bool { return span[s] == 0 })
}

// TCP flag bits.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
)

// parseFrame decodes an Ethernet frame carrying an unfragmented IPv4 or
// IPv6 TCP segment (no IPv6 extension headers, no VLAN tags: what the
// lab recorded).
func parseFrame(b []byte) (p tpkt, src, dst netip.AddrPort, ok bool) {
	if len(b) < 14 {
		return p, src, dst, false
	}
	var sa, da netip.Addr
	l3 := 14
	switch binary.BigEndian.Uint16(b[12:]) {
	case 0x0800:
		if len(b) < l3+20 || b[l3]>>4 != 4 {
			return p, src, dst, false
		}
		ihl := int(b[l3]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[l3+2:]))
		frag := binary.BigEndian.Uint16(b[l3+6:])
		if ihl < 20 || b[l3+9] != 6 || frag&0x3fff != 0 || total < ihl || l3+total > len(b) {
			return p, src, dst, false
		}
		sa = netip.AddrFrom4([4]byte(b[l3+12 : l3+16]))
		da = netip.AddrFrom4([4]byte(b[l3+16 : l3+20]))
		p.l4, p.end = l3+ihl, l3+total
	case 0x86dd:
		if len(b) < l3+40 || b[l3]>>4 != 6 || b[l3+6] != 6 {
			return p, src, dst, false
		}
		plen := int(binary.BigEndian.Uint16(b[l3+4:]))
		if l3+40+plen > len(b) {
			return p, src, dst, false
		}
		sa = netip.AddrFrom16([16]byte(b[l3+8 : l3+24]))
		da = netip.AddrFrom16([16]byte(b[l3+24 : l3+40]))
		p.l4, p.end, p.v6 = l3+40, l3+40+plen, true
	default:
		return p, src, dst, false
	}
	if p.end-p.l4 < 20 {
		return p, src, dst, false
	}
	tcp := b[p.l4:]
	hl := int(tcp[12]>>4) * 4
	if hl < 20 || p.l4+hl > p.end {
		return p, src, dst, false
	}
	p.pay = p.l4 + hl
	p.seq = binary.BigEndian.Uint32(tcp[4:])
	p.ack = binary.BigEndian.Uint32(tcp[8:])
	p.flags = tcp[13]
	src = netip.AddrPortFrom(sa, binary.BigEndian.Uint16(tcp))
	dst = netip.AddrPortFrom(da, binary.BigEndian.Uint16(tcp[2:]))
	return p, src, dst, true
}
