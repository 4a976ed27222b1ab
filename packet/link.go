package packet

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
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

// link is one row of the link-type table: the LINKTYPE_ values
// (pcap-linktype(7)) of one link layer, its name, and the function that
// decodes a frame of it from its first byte.
type link struct {
	types  []layers.LinkType
	name   string
	decode func(d *Decoder, data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error)
}

// links is the table of the link types decoded, in the manner of
// gopacket's layers.LinkTypeMetadata: supporting another link type is one
// row and its decode function. The names are those the README lists.
// The most common link types come first, as linkOf scans in order.
var links = [...]link{
	{[]layers.LinkType{layers.LinkTypeEthernet}, "Ethernet", (*Decoder).ethernet},
	{[]layers.LinkType{layers.LinkTypeLinuxSLL}, "Linux cooked SLL", (*Decoder).sll},
	{[]layers.LinkType{layers.LinkTypeLinuxSLL2}, "SLL2", (*Decoder).sll2},
	{[]layers.LinkType{layers.LinkTypeRaw, linkTypeRawDLT12, linkTypeRawDLT14}, "raw IP", (*Decoder).rawIP},
	{[]layers.LinkType{layers.LinkTypeIPv4}, "IPv4", (*Decoder).ipv4},
	{[]layers.LinkType{layers.LinkTypeIPv6}, "IPv6", (*Decoder).ipv6},
	{[]layers.LinkType{layers.LinkTypeNull, layers.LinkTypeLoop}, "loopback/NULL", (*Decoder).loopback},
	{[]layers.LinkType{layers.LinkTypePPP, layers.LinkTypePPP_HDLC}, "PPP", (*Decoder).ppp},
	{[]layers.LinkType{layers.LinkTypeC_HDLC}, "Cisco HDLC", (*Decoder).ciscoHDLC},
}

// linkOf returns the row of link type lt, nil when it is not decoded.
func linkOf(lt layers.LinkType) *link {
	for i := range links {
		if slices.Contains(links[i].types, lt) {
			return &links[i]
		}
	}
	return nil
}

// ciscoHDLC decodes LINKTYPE_C_HDLC: address, control, then an EtherType.
func (d *Decoder) ciscoHDLC(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 4 {
		return false, errPPPShort
	}
	return d.etherType(binary.BigEndian.Uint16(data[2:]), data[4:], ts, p, depth)
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
func (d *Decoder) ppp(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0x03 {
		data = data[2:]
	}
	if len(data) < 1 {
		return false, errPPPShort
	}
	if data[0]&1 != 0 { // compressed one-byte protocol field
		return d.pppProto(uint16(data[0]), data[1:], ts, p, depth)
	}
	if len(data) < 2 {
		return false, errPPPShort
	}
	return d.pppProto(binary.BigEndian.Uint16(data), data[2:], ts, p, depth)
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
func (d *Decoder) sll(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 16 {
		return false, errSLLShort
	}
	if binary.BigEndian.Uint16(data[2:]) == arphrdNetlink {
		return false, nil
	}
	return d.etherType(binary.BigEndian.Uint16(data[14:]), data[16:], ts, p, depth)
}

// sll2 decodes the Linux cooked header v2 (LINKTYPE_LINUX_SLL2): protocol,
// reserved, interface index, ARPHRD type, packet type, address length, 8
// address bytes.
func (d *Decoder) sll2(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 20 {
		return false, errSLLShort
	}
	if binary.BigEndian.Uint16(data[8:]) == arphrdNetlink {
		return false, nil
	}
	return d.etherType(binary.BigEndian.Uint16(data), data[20:], ts, p, depth)
}

// arphrdNetlink is ARPHRD_NETLINK: its protocol field is a netlink family.
const arphrdNetlink = 824

// loopback decodes the 4-byte address family header of LINKTYPE_NULL (host
// byte order of the capturing machine) and LINKTYPE_LOOP (network byte
// order, though writers differ): a value above 0xffff is byte-swapped.
// AF_INET6 differs by system (pcap-linktype(7)): 24 on NetBSD and OpenBSD,
// 28 on FreeBSD, 30 on macOS; 10 (Linux) and 23 (Windows, Npcap) are
// accepted too. The IP version nibble must agree.
func (d *Decoder) loopback(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
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
		return d.ipv4(data, ts, p, depth)
	case 10, 23, 24, 28, 30:
		return d.ipv6(data, ts, p, depth)
	}
	return false, nil
}
