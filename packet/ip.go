package packet

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// IP protocol numbers (IANA) the decoder follows.
const (
	protoHopByHop = 0
	protoIPv4     = 4 // IP in IP (RFC 2003)
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41 // IPv6 in IP (RFC 4213)
	protoRouting  = 43
	protoFragment = 44
	protoGRE      = 47
	protoESP      = 50
	protoAH       = 51
	protoNoNext   = 59
	protoDstOpts  = 60
	protoMobility = 135
	protoHIP      = 139
	protoShim6    = 140
	protoExp1     = 253 // RFC 3692 experimentation
	protoExp2     = 254
)

// rawIP decodes a frame that starts with an IP header of either version.
func (d *Decoder) rawIP(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) == 0 {
		return false, errIPv4Short
	}
	switch data[0] >> 4 {
	case 4:
		return d.ipv4(data, ts, p, depth)
	case 6:
		return d.ipv6(data, ts, p, depth)
	}
	return false, errRawVersion
}

// ipv4 decodes an IPv4 header (RFC 791 3.1). Options are skipped and the
// checksum is not verified (offloading makes captured checksums
// unreliable). A total length of 0 is taken as "the captured length", as
// Wireshark does: hosts with TCP segmentation offload capture their own
// outgoing super-packets that way.
func (d *Decoder) ipv4(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 20 {
		return false, errIPv4Short
	}
	if data[0]>>4 != 4 {
		return false, errIPv4Version
	}
	hl := int(data[0]&0x0f) * 4
	if hl < 20 {
		return false, errIPv4HdrLen
	}
	if len(data) < hl {
		return false, errIPv4Short
	}
	total := int(binary.BigEndian.Uint16(data[2:]))
	if total == 0 {
		total = len(data)
	}
	if total < hl {
		return false, errIPv4TotalLen
	}
	end := min(total, len(data))
	proto := data[9]
	src := netip.AddrFrom4([4]byte(data[12:16]))
	dst := netip.AddrFrom4([4]byte(data[16:20]))
	payload := data[hl:end]
	wire := total - hl

	// RFC 791 3.2: MF flag and fragment offset in 8-byte units.
	frag := binary.BigEndian.Uint16(data[6:])
	if frag&0x3fff != 0 {
		if !carriesTCP(proto, false) {
			return false, nil
		}
		if end < total {
			d.cutFragment()
			return false, nil
		}
		key := DatagramID{Src: src, Dst: dst, ID: uint32(binary.BigEndian.Uint16(data[4:])), Proto: proto}
		whole, _, done := d.fragment(key, int(frag&0x1fff)*8, frag&0x2000 != 0, payload, proto, ts)
		if !done {
			return false, nil
		}
		payload, wire = whole, len(whole)
	}
	return d.transport(proto, payload, wire, src, dst, ts, p, depth)
}

// carriesTCP reports whether an IP payload of protocol proto may hold a TCP
// segment the decoder follows, so fragments of anything else (UDP, ICMP,
// ESP) are not reassembled for nothing. IPv6 extension headers count only
// after an IPv6 fragment header.
func carriesTCP(proto uint8, v6 bool) bool {
	switch proto {
	case protoTCP, protoIPv4, protoIPv6, protoGRE, protoAH:
		return true
	case protoHopByHop, protoRouting, protoDstOpts:
		return v6
	}
	return false
}

// ipv6 decodes an IPv6 header (RFC 8200 3) and its extension headers (RFC
// 8200 4): hop-by-hop, routing, destination options, AH (RFC 4302) and the
// other headers of the common format (HIP, shim6, experimental) are
// skipped; a fragment header (RFC 8200 4.5) starts reassembly; ESP, "no
// next header" and mobility end the decoding as "not TCP". A payload
// length of 0 (a jumbogram, RFC 2675, or an offloaded super-packet) is
// taken as "the captured length".
func (d *Decoder) ipv6(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 40 {
		return false, errIPv6Short
	}
	if data[0]>>4 != 6 {
		return false, errIPv6Version
	}
	plen := int(binary.BigEndian.Uint16(data[4:]))
	if plen == 0 {
		plen = len(data) - 40
	}
	end := min(40+plen, len(data))
	nh := data[6]
	src := netip.AddrFrom16([16]byte(data[8:24]))
	dst := netip.AddrFrom16([16]byte(data[24:40]))
	// buf and wire track the current payload: its captured bytes and its
	// length on the wire.
	buf := data[40:end]
	wire := plen
	for n := 0; ; n++ {
		if n == maxIPv6ExtHeaders {
			return false, errIPv6ExtDepth
		}
		var hl int
		switch nh {
		case protoHopByHop, protoRouting, protoDstOpts, protoHIP, protoShim6, protoExp1, protoExp2:
			if len(buf) < 2 {
				return false, errIPv6ExtShort
			}
			hl = (int(buf[1]) + 1) * 8
		case protoAH:
			// RFC 4302 2.2: length in 32-bit words, minus 2.
			if len(buf) < 2 {
				return false, errIPv6ExtShort
			}
			hl = (int(buf[1]) + 2) * 4
		case protoFragment:
			if len(buf) < 8 {
				return false, errIPv6ExtShort
			}
			off := binary.BigEndian.Uint16(buf[2:])
			next := buf[0]
			if off&0xfff9 == 0 {
				// Atomic fragment (RFC 6946): offset 0, no more
				// fragments; the payload follows as is.
				nh, buf, wire = next, buf[8:], wire-8
				continue
			}
			if !carriesTCP(next, true) {
				return false, nil
			}
			if len(buf) < wire {
				d.cutFragment()
				return false, nil
			}
			key := DatagramID{Src: src, Dst: dst, ID: binary.BigEndian.Uint32(buf[4:]), V6: true}
			whole, wholeNH, done := d.fragment(key, int(off&0xfff8), off&1 != 0, buf[8:], next, ts)
			if !done {
				return false, nil
			}
			// RFC 8200 4.5: the reassembled payload follows the header
			// chain of the first fragment, under the Next Header of its
			// fragment header.
			nh, buf, wire = wholeNH, whole, len(whole)
			continue
		case protoESP, protoNoNext, protoMobility:
			// Encrypted, nothing, or a mobility message: no TCP here.
			return false, nil
		default:
			return d.transport(nh, buf, wire, src, dst, ts, p, depth)
		}
		if len(buf) < hl || wire < hl {
			return false, errIPv6ExtShort
		}
		nh, buf, wire = buf[0], buf[hl:], wire-hl
	}
}

// transport decodes the IP payload: TCP, or one of the tunnels followed.
// buf is the captured payload, wire its length on the wire.
func (d *Decoder) transport(proto uint8, buf []byte, wire int, src, dst netip.Addr, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	switch proto {
	case protoTCP:
		return tcpSegment(buf, wire, src, dst, ts, p)
	case protoIPv4, protoIPv6, protoGRE, protoUDP, protoAH:
	default:
		return false, nil
	}
	if depth >= maxTunnelDepth {
		return false, errTunnelDepth
	}
	switch proto {
	case protoAH:
		// IPv4 AH (RFC 4302 2.2); IPv6 AH is an extension header.
		if len(buf) < 2 {
			return false, errAHShort
		}
		hl := (int(buf[1]) + 2) * 4
		if len(buf) < hl || wire < hl {
			return false, errAHShort
		}
		return d.transport(buf[0], buf[hl:], wire-hl, src, dst, ts, p, depth+1)
	case protoIPv4:
		return d.ipv4(buf, ts, p, depth+1)
	case protoIPv6:
		return d.ipv6(buf, ts, p, depth+1)
	case protoGRE:
		return d.gre(buf, ts, p, depth+1)
	}
	return d.udp(buf, ts, p, depth+1)
}

// tcpSegment decodes a TCP header (RFC 9293 3.1) and fills p. seg is the captured
// segment, wire its length on the wire (from the IP header).
func tcpSegment(seg []byte, wire int, src, dst netip.Addr, ts time.Time, p *tcp.Segment) (bool, error) {
	if len(seg) < 20 {
		return false, errTCPShort
	}
	hl := int(seg[12]>>4) * 4
	if hl < 20 {
		return false, errTCPHdrLen
	}
	if wire < hl {
		return false, errTCPOverrun
	}
	// A snap length that ends inside the options (60 or 64 bytes cut a
	// header carrying timestamps) leaves the fixed header whole: the
	// segment still counts in sequence space, with no captured payload.
	capHL := min(hl, len(seg))
	*p = tcp.Segment{
		TS:      ts,
		Src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(seg)),
		Dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(seg[2:])),
		Seq:     binary.BigEndian.Uint32(seg[4:]),
		Ack:     binary.BigEndian.Uint32(seg[8:]),
		Flags:   tcp.Flags(seg[13]) & (tcp.FIN | tcp.SYN | tcp.RST | tcp.PSH | tcp.ACK),
		Payload: seg[capHL:],
		WireLen: wire - hl,
	}
	return true, nil
}
