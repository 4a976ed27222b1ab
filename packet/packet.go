// Package packet decodes captured frames into TCP segments: the link
// layers of common captures (a table of link types), VLAN and MPLS tags,
// IPv4 and IPv6 with their fragments reassembled, the tunnels traffic
// mirroring uses, and the TCP header. DecodeAhead runs the same decoder a
// few batches ahead of its consumer on a second core.
//
// It sits between capture, which reads frames, and reassembly, which
// follows TCP connections; the segment it fills is tcp.Segment, so
// reassembly needs nothing from this package.
package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Sentinel errors of Decoder.Decode; callers test them with
// errors.Is. The errors Decode returns wrap one of them with the layer at
// fault, and their text does not depend on the packet, so a caller can
// count them by message.
var (
	// ErrShortPacket: a header is cut short, by the end of the capture
	// record or by the length its outer header gives.
	ErrShortPacket = errors.New("packet too short")
	// ErrMalformed: a header field is impossible (wrong IP version, header
	// length below the minimum, nesting deeper than the decoder follows).
	ErrMalformed = errors.New("malformed packet")
	// ErrUnsupportedLink: the frame's link type is not one the decoder
	// knows; every frame of that type is skipped.
	ErrUnsupportedLink = errors.New("unsupported link type")
)

// Fixed, wrapped errors: no allocation on a flood of bad packets.
var (
	errEthernetShort = fmt.Errorf("ethernet: %w", ErrShortPacket)
	errVLANShort     = fmt.Errorf("802.1Q tag: %w", ErrShortPacket)
	errVLANDepth     = fmt.Errorf("802.1Q: %w (more than %d stacked tags)", ErrMalformed, maxVLANTags)
	errLLCShort      = fmt.Errorf("802.2 LLC/SNAP: %w", ErrShortPacket)
	errMPLSShort     = fmt.Errorf("MPLS: %w", ErrShortPacket)
	errMPLSDepth     = fmt.Errorf("MPLS: %w (more than %d labels)", ErrMalformed, maxMPLSLabels)
	errPPPoEShort    = fmt.Errorf("PPPoE: %w", ErrShortPacket)
	errPPPShort      = fmt.Errorf("PPP: %w", ErrShortPacket)
	errSLLShort      = fmt.Errorf("cooked (SLL) header: %w", ErrShortPacket)
	errNullShort     = fmt.Errorf("loopback header: %w", ErrShortPacket)
	errRawVersion    = fmt.Errorf("raw IP: %w (IP version is neither 4 nor 6)", ErrMalformed)
	errIPv4Short     = fmt.Errorf("IPv4: %w", ErrShortPacket)
	errIPv4Version   = fmt.Errorf("IPv4: %w (version field is not 4)", ErrMalformed)
	errIPv4HdrLen    = fmt.Errorf("IPv4: %w (header length below 20 bytes)", ErrMalformed)
	errIPv4TotalLen  = fmt.Errorf("IPv4: %w (total length below header length)", ErrMalformed)
	errIPv6Short     = fmt.Errorf("IPv6: %w", ErrShortPacket)
	errIPv6Version   = fmt.Errorf("IPv6: %w (version field is not 6)", ErrMalformed)
	errIPv6ExtShort  = fmt.Errorf("IPv6 extension header: %w", ErrShortPacket)
	errIPv6ExtDepth  = fmt.Errorf("IPv6: %w (more than %d extension headers)", ErrMalformed, maxIPv6ExtHeaders)
	errTunnelDepth   = fmt.Errorf("tunnel: %w (more than %d nested encapsulations)", ErrMalformed, maxTunnelDepth)
	errGREShort      = fmt.Errorf("GRE: %w", ErrShortPacket)
	errAHShort       = fmt.Errorf("IPsec AH: %w", ErrShortPacket)
	errUDPShort      = fmt.Errorf("UDP: %w", ErrShortPacket)
	errTunnelShort   = fmt.Errorf("VXLAN/Geneve/ERSPAN: %w", ErrShortPacket)
	errTCPShort      = fmt.Errorf("TCP: %w", ErrShortPacket)
	errTCPHdrLen     = fmt.Errorf("TCP: %w (data offset below 20 bytes)", ErrMalformed)
	errTCPOverrun    = fmt.Errorf("TCP: %w (header longer than the IP payload)", ErrMalformed)
)

// Bounds on what the decoder follows; real traffic stays far below them.
const (
	maxVLANTags       = 8
	maxMPLSLabels     = 16
	maxIPv6ExtHeaders = 16
	maxTunnelDepth    = 4
	maxLinkErrors     = 32 // distinct unsupported link types remembered
)

// Link types not named in gopacket's layers.
const (
	// linkTypeRawDLT12 and linkTypeRawDLT14 are the values DLT_RAW has on
	// various BSDs; files from those systems may carry them instead of
	// LINKTYPE_RAW (101). See pcap-linktype(7).
	linkTypeRawDLT12 layers.LinkType = 12
	linkTypeRawDLT14 layers.LinkType = 14
)

// EtherTypes (IEEE 802 numbers) the decoder follows.
const (
	etIPv4      = 0x0800
	etIPv6      = 0x86dd
	etVLAN      = 0x8100 // IEEE 802.1Q C-tag
	etQinQ      = 0x88a8 // IEEE 802.1ad S-tag
	etQinQOld   = 0x9100 // pre-standard QinQ
	etQinQOld2  = 0x9200
	etQinQOld3  = 0x9300
	etMPLS      = 0x8847
	etMPLSMcast = 0x8848
	etPPPoE     = 0x8864 // PPPoE session stage (RFC 2516)
	etTEB       = 0x6558 // transparent Ethernet bridging (inside GRE)
	etERSPAN2   = 0x88be // ERSPAN type I and II
	etERSPAN3   = 0x22eb // ERSPAN type III
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

// UDP ports of the overlay encapsulations decoded (IANA).
const (
	portVXLAN  = 4789 // RFC 7348
	portGeneve = 6081 // RFC 8926
)

// Decoder turns captured frames into TCP segments. It is a
// hand-written decoder for exactly what an FTP analysis needs: the link
// layers of common captures, IPv4 and IPv6 (with fragments reassembled)
// and the TCP header. It never allocates per packet, is several times
// faster than a general-purpose layer parser, and reads every length
// field as hostile.
//
// A Decoder is not safe for concurrent use; use one per capture.
type Decoder struct {
	defrag   defragmenter
	linkErrs map[layers.LinkType]error
}

// Option configures a Decoder.
type Option func(*Decoder)

// WithDefragLimits bounds IP fragment reassembly (see DefragLimits).
func WithDefragLimits(l DefragLimits) Option {
	return func(d *Decoder) { d.defrag.init(l) }
}

// NewDecoder returns a decoder with DefaultDefragLimits unless an
// option says otherwise.
func NewDecoder(opts ...Option) *Decoder {
	d := &Decoder{linkErrs: make(map[layers.LinkType]error)}
	d.defrag.init(DefaultDefragLimits())
	for _, o := range opts {
		o(d)
	}
	return d
}

// DefragStats returns the IP reassembly counters so far.
func (d *Decoder) DefragStats() DefragStats { return d.defrag.stats() }

// Decode decodes one frame of link type lt captured at ts. It returns
// ok=true with p filled when the frame is a TCP segment, ok=false and a nil
// error when it is something else (ARP, UDP, ICMP, a fragment still
// waiting for the rest of its datagram), and an error wrapping
// ErrShortPacket, ErrMalformed or ErrUnsupportedLink when it cannot be
// decoded.
//
// p.Payload aliases data, or for a reassembled IP datagram the decoder's
// own buffer; either way it is valid until the next call to Decode (and
// for data, as long as the caller keeps data intact). Payload is clipped
// to the IP length, so link-layer padding and trailers never reach it;
// WireLen is the TCP payload length the IP header gives, larger than
// len(Payload) when the capture's snap length cut the frame.
func (d *Decoder) Decode(lt layers.LinkType, data []byte, ts time.Time, p *tcp.Segment) (ok bool, err error) {
	d.defrag.release()
	switch lt {
	case layers.LinkTypeEthernet:
		return d.ethernet(data, ts, p, 0)
	case layers.LinkTypeRaw, linkTypeRawDLT12, linkTypeRawDLT14:
		return d.rawIP(data, ts, p, 0)
	case layers.LinkTypeIPv4:
		return d.ipv4(data, ts, p, 0)
	case layers.LinkTypeIPv6:
		return d.ipv6(data, ts, p, 0)
	case layers.LinkTypeLinuxSLL:
		return d.sll(data, ts, p)
	case layers.LinkTypeLinuxSLL2:
		return d.sll2(data, ts, p)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return d.loopback(data, ts, p)
	case layers.LinkTypePPP, layers.LinkTypePPP_HDLC:
		return d.ppp(data, ts, p)
	case layers.LinkTypeC_HDLC:
		// Cisco HDLC: address, control, then an EtherType.
		if len(data) < 4 {
			return false, errPPPShort
		}
		return d.etherType(binary.BigEndian.Uint16(data[2:]), data[4:], ts, p, 0)
	}
	return false, d.unsupported(lt)
}

// unsupported returns the error for link type lt, made once per type.
func (d *Decoder) unsupported(lt layers.LinkType) error {
	if err, ok := d.linkErrs[lt]; ok {
		return err
	}
	if len(d.linkErrs) >= maxLinkErrors {
		return ErrUnsupportedLink
	}
	err := fmt.Errorf("%w %d", ErrUnsupportedLink, uint16(lt))
	if name := lt.String(); name != "UnknownLinkType" {
		err = fmt.Errorf("%w %d (%s)", ErrUnsupportedLink, uint16(lt), name)
	}
	d.linkErrs[lt] = err
	return err
}

// ethernet decodes an Ethernet II or IEEE 802.3 frame.
func (d *Decoder) ethernet(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 14 {
		return false, errEthernetShort
	}
	et := binary.BigEndian.Uint16(data[12:])
	data = data[14:]
	if et <= 1500 {
		// IEEE 802.3 length field: only IP over 802.2 SNAP with an
		// EtherType (OUI 0, RFC 1042) carries IP.
		if len(data) < 3 || data[0] != 0xaa || data[1] != 0xaa || data[2] != 0x03 {
			return false, nil
		}
		if len(data) < 8 {
			return false, errLLCShort
		}
		if data[3] != 0 || data[4] != 0 || data[5] != 0 {
			return false, nil
		}
		et = binary.BigEndian.Uint16(data[6:])
		data = data[8:]
	}
	return d.etherType(et, data, ts, p, depth)
}

// etherType dispatches on an EtherType: IP, VLAN tags (IEEE 802.1Q C-tags,
// 802.1ad S-tags and the pre-standard QinQ types, stacked up to
// maxVLANTags), MPLS and PPPoE sessions.
func (d *Decoder) etherType(et uint16, data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	for tags := 0; ; tags++ {
		switch et {
		case etIPv4:
			return d.ipv4(data, ts, p, depth)
		case etIPv6:
			return d.ipv6(data, ts, p, depth)
		case etVLAN, etQinQ, etQinQOld, etQinQOld2, etQinQOld3:
			// IEEE 802.1Q-2018 9.6: TCI (2 bytes), then the next type.
			if tags == maxVLANTags {
				return false, errVLANDepth
			}
			if len(data) < 4 {
				return false, errVLANShort
			}
			et = binary.BigEndian.Uint16(data[2:])
			data = data[4:]
		case etMPLS, etMPLSMcast:
			return d.mpls(data, ts, p, depth)
		case etPPPoE:
			// RFC 2516 4: ver/type, code, session id, length, then the
			// PPP protocol.
			if len(data) < 8 {
				return false, errPPPoEShort
			}
			if data[0] != 0x11 || data[1] != 0 { // version 1, type 1, session data
				return false, nil
			}
			return d.pppProto(binary.BigEndian.Uint16(data[6:]), data[8:], ts, p, depth)
		default:
			return false, nil
		}
	}
}

// mpls skips an MPLS label stack (RFC 3032) and guesses the payload from
// its first nibble, as every analyser must: 4 is IPv4, 6 is IPv6, 0 is the
// pseudowire control word of Ethernet over MPLS (RFC 4448), anything else
// is not followed.
func (d *Decoder) mpls(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	for n := 0; ; n++ {
		if n == maxMPLSLabels {
			return false, errMPLSDepth
		}
		if len(data) < 4 {
			return false, errMPLSShort
		}
		bottom := data[2]&1 != 0
		data = data[4:]
		if bottom {
			break
		}
	}
	if len(data) == 0 {
		return false, errMPLSShort
	}
	switch data[0] >> 4 {
	case 4:
		return d.ipv4(data, ts, p, depth)
	case 6:
		return d.ipv6(data, ts, p, depth)
	case 0:
		if depth >= maxTunnelDepth {
			return false, errTunnelDepth
		}
		if len(data) < 4 {
			return false, errMPLSShort
		}
		return d.ethernet(data[4:], ts, p, depth+1)
	}
	return false, nil
}

// ppp decodes LINKTYPE_PPP and LINKTYPE_PPP_HDLC (RFC 1661, RFC 1662):
// optional address and control bytes 0xff 0x03, then the protocol, one
// byte when compressed (RFC 1661 6.5).
func (d *Decoder) ppp(data []byte, ts time.Time, p *tcp.Segment) (bool, error) {
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0x03 {
		data = data[2:]
	}
	if len(data) < 1 {
		return false, errPPPShort
	}
	if data[0]&1 != 0 { // compressed one-byte protocol field
		return d.pppProto(uint16(data[0]), data[1:], ts, p, 0)
	}
	if len(data) < 2 {
		return false, errPPPShort
	}
	return d.pppProto(binary.BigEndian.Uint16(data), data[2:], ts, p, 0)
}

// pppProto dispatches on a PPP protocol number.
func (d *Decoder) pppProto(proto uint16, data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	switch proto {
	case 0x0021:
		return d.ipv4(data, ts, p, depth)
	case 0x0057:
		return d.ipv6(data, ts, p, depth)
	}
	return false, nil
}

// sll decodes the Linux cooked header v1 (LINKTYPE_LINUX_SLL): packet type,
// ARPHRD type, address length, 8 address bytes, protocol (an EtherType for
// the usual ARPHRD types).
func (d *Decoder) sll(data []byte, ts time.Time, p *tcp.Segment) (bool, error) {
	if len(data) < 16 {
		return false, errSLLShort
	}
	if binary.BigEndian.Uint16(data[2:]) == arphrdNetlink {
		return false, nil
	}
	return d.etherType(binary.BigEndian.Uint16(data[14:]), data[16:], ts, p, 0)
}

// sll2 decodes the Linux cooked header v2 (LINKTYPE_LINUX_SLL2): protocol,
// reserved, interface index, ARPHRD type, packet type, address length, 8
// address bytes.
func (d *Decoder) sll2(data []byte, ts time.Time, p *tcp.Segment) (bool, error) {
	if len(data) < 20 {
		return false, errSLLShort
	}
	if binary.BigEndian.Uint16(data[8:]) == arphrdNetlink {
		return false, nil
	}
	return d.etherType(binary.BigEndian.Uint16(data), data[20:], ts, p, 0)
}

// arphrdNetlink is ARPHRD_NETLINK: its protocol field is a netlink family.
const arphrdNetlink = 824

// loopback decodes the 4-byte address family header of LINKTYPE_NULL (host
// byte order of the capturing machine) and LINKTYPE_LOOP (network byte
// order, though writers differ): a value above 0xffff is byte-swapped.
// AF_INET6 differs by system (pcap-linktype(7)): 24 on NetBSD and OpenBSD,
// 28 on FreeBSD, 30 on macOS; 10 (Linux) and 23 (Windows, Npcap) are
// accepted too. The IP version nibble must agree.
func (d *Decoder) loopback(data []byte, ts time.Time, p *tcp.Segment) (bool, error) {
	if len(data) < 4 {
		return false, errNullShort
	}
	af := binary.LittleEndian.Uint32(data)
	if af > 0xffff {
		af = binary.BigEndian.Uint32(data)
	}
	data = data[4:]
	switch af {
	case 2:
		return d.ipv4(data, ts, p, 0)
	case 10, 23, 24, 28, 30:
		return d.ipv6(data, ts, p, 0)
	}
	return false, nil
}

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
			d.defrag.cut()
			return false, nil
		}
		key := fragKey{src: src, dst: dst, id: uint32(binary.BigEndian.Uint16(data[4:])), proto: proto}
		whole, _, done := d.defrag.add(key, int(frag&0x1fff)*8, frag&0x2000 != 0, payload, proto, ts)
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
				d.defrag.cut()
				return false, nil
			}
			key := fragKey{src: src, dst: dst, id: binary.BigEndian.Uint32(buf[4:]), v6: true}
			whole, wholeNH, done := d.defrag.add(key, int(off&0xfff8), off&1 != 0, buf[8:], next, ts)
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

// gre decodes GRE version 0 (RFC 2784, with the key and sequence number of
// RFC 2890) and what it carries: IP, Ethernet (transparent bridging) and
// ERSPAN types I, II and III. Version 1 (PPTP) and the source-routed form
// of RFC 1701 are not followed.
func (d *Decoder) gre(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 4 {
		return false, errGREShort
	}
	flags := binary.BigEndian.Uint16(data)
	if flags&0x0007 != 0 || flags&0x4000 != 0 {
		return false, nil // version 1 (PPTP), or routing present
	}
	hl := 4
	if flags&0x8000 != 0 { // checksum present
		hl += 4
	}
	if flags&0x2000 != 0 { // key present
		hl += 4
	}
	seq := flags&0x1000 != 0
	if seq {
		hl += 4
	}
	if len(data) < hl {
		return false, errGREShort
	}
	proto := binary.BigEndian.Uint16(data[2:])
	data = data[hl:]
	switch proto {
	case etTEB:
		return d.ethernet(data, ts, p, depth)
	case etERSPAN2:
		if !seq { // type I: no ERSPAN header
			return d.ethernet(data, ts, p, depth)
		}
		if len(data) < 8 {
			return false, errTunnelShort
		}
		return d.ethernet(data[8:], ts, p, depth)
	case etERSPAN3:
		if len(data) < 12 {
			return false, errTunnelShort
		}
		hl := 12
		if data[11]&1 != 0 { // O bit: platform-specific subheader
			hl += 8
		}
		if len(data) < hl {
			return false, errTunnelShort
		}
		return d.ethernet(data[hl:], ts, p, depth)
	}
	return d.etherType(proto, data, ts, p, depth)
}

// udp follows the overlay encapsulations that traffic mirroring uses
// (VXLAN, as AWS Traffic Mirroring sends it, and Geneve), on their IANA
// ports; other UDP is not TCP. Fragmented UDP is not reassembled, so an
// overlay packet is only decoded when it arrives whole.
func (d *Decoder) udp(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 8 {
		return false, errUDPShort
	}
	dport := binary.BigEndian.Uint16(data[2:])
	data = data[8:]
	switch dport {
	case portVXLAN:
		// RFC 7348 5: flags (I bit set), reserved, VNI, reserved.
		if len(data) < 8 {
			return false, errTunnelShort
		}
		if data[0]&0x08 == 0 {
			return false, nil
		}
		return d.ethernet(data[8:], ts, p, depth)
	case portGeneve:
		// RFC 8926 3.4: version, option length in 4-byte words,
		// flags, protocol type, VNI, reserved, options.
		if len(data) < 8 {
			return false, errTunnelShort
		}
		if data[0]>>6 != 0 {
			return false, nil
		}
		hl := 8 + int(data[0]&0x3f)*4
		if len(data) < hl {
			return false, errTunnelShort
		}
		proto := binary.BigEndian.Uint16(data[2:])
		if proto == etTEB {
			return d.ethernet(data[hl:], ts, p, depth)
		}
		return d.etherType(proto, data[hl:], ts, p, depth)
	}
	return false, nil
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
