package filter

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// linkKind is how a link type says which network protocol follows.
type linkKind int

const (
	linkEtherType linkKind = iota // a 16-bit EtherType at typeOff (Ethernet, Linux cooked)
	linkIPVersion                 // raw IP: the version nibble of the first byte
	linkIPv4Only
	linkIPv6Only
	linkAFHost    // BSD loopback (NULL): a 32-bit AF_ value in the writer's byte order
	linkAFNetwork // OpenBSD loopback (LOOP): a 32-bit AF_ value, big-endian
)

// link describes a link type's header the way libpcap's gencode.c does:
// where the network-layer type is and where the network header starts.
type link struct {
	name    string
	kind    linkKind
	typeOff uint32 // EtherType offset (linkEtherType)
	netOff  uint32 // network header offset
	vlan    bool   // 802.1Q tags may follow the header (Ethernet only)
}

// links is the table of supported link types (the offsets are those of
// libpcap's init_linktype).
var links = map[layers.LinkType]link{
	layers.LinkTypeEthernet:  {name: "Ethernet", kind: linkEtherType, typeOff: 12, netOff: 14, vlan: true},
	layers.LinkTypeLinuxSLL:  {name: "Linux cooked v1", kind: linkEtherType, typeOff: 14, netOff: 16},
	layers.LinkTypeLinuxSLL2: {name: "Linux cooked v2", kind: linkEtherType, typeOff: 0, netOff: 20},
	layers.LinkTypeRaw:       {name: "raw IP", kind: linkIPVersion},
	layers.LinkTypeIPv4:      {name: "raw IPv4", kind: linkIPv4Only},
	layers.LinkTypeIPv6:      {name: "raw IPv6", kind: linkIPv6Only},
	layers.LinkTypeNull:      {name: "BSD loopback", kind: linkAFHost, netOff: 4},
	layers.LinkTypeLoop:      {name: "OpenBSD loopback", kind: linkAFNetwork, netOff: 4},
}

// EtherTypes and address families the primitives test.
const (
	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	etherARP  = 0x0806
	etherRARP = 0x8035
	// AF_INET is 2 everywhere; AF_INET6 is Linux's 10, as libpcap built
	// on Linux compiles it.
	afInet  = 2
	afInet6 = 10
)

// vlanTPIDs are the tag protocol identifiers libpcap's vlan accepts:
// 802.1Q, 802.1ad and the pre-standard QinQ value.
var vlanTPIDs = []uint32{0x8100, 0x88a8, 0x9100}

// netType tests that the network layer is etherType (an IPv4, IPv6, ARP
// or RARP EtherType), shift bytes of VLAN tags past the link header.
func (l link) netType(etherType uint32, shift uint32) node {
	switch l.kind {
	case linkEtherType:
		return eq(abs(2, l.typeOff+shift), etherType)
	case linkIPVersion:
		switch etherType {
		case etherIPv4:
			return cmpNode{load: abs(1, 0), masked: true, mask: 0xf0, cond: bpf.JumpEqual, k: 0x40}
		case etherIPv6:
			return cmpNode{load: abs(1, 0), masked: true, mask: 0xf0, cond: bpf.JumpEqual, k: 0x60}
		}
	case linkIPv4Only:
		return constNode{etherType == etherIPv4}
	case linkIPv6Only:
		return constNode{etherType == etherIPv6}
	case linkAFHost, linkAFNetwork:
		var af uint32
		switch etherType {
		case etherIPv4:
			af = afInet
		case etherIPv6:
			af = afInet6
		default:
			return falseNode
		}
		if l.kind == linkAFHost {
			// libpcap compares with the value as this host stores it,
			// read back big-endian (a capture written on a machine of
			// the same byte order matches).
			var b [4]byte
			binary.NativeEndian.PutUint32(b[:], af)
			af = binary.BigEndian.Uint32(b[:])
		}
		return eq(abs(4, 0), af)
	}
	return falseNode
}
