package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Documentation addresses (RFC 5737, RFC 3849) for synthetic packets.
var (
	pkCli4 = net.IP{192, 0, 2, 10}
	pkSrv4 = net.IP{198, 51, 100, 20}
	pkTunA = net.IP{203, 0, 113, 1}
	pkTunB = net.IP{203, 0, 113, 2}
	pkCli6 = net.ParseIP("2001:db8::10")
	pkSrv6 = net.ParseIP("2001:db8:1::20")
	pkMacA = net.HardwareAddr{0x02, 0, 0, 0, 0, 0xa}
	pkMacB = net.HardwareAddr{0x02, 0, 0, 0, 0, 0xb}
)

var pkTS = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// pkLine is the TCP payload of most test packets.
var pkLine = []byte("USER anonymous\r\n")

// seg is the segment a test expects Decode to produce.
type wantSeg struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    tcp.Flags
	payload  []byte
	wire     int
}

func pkWant4(payload []byte) *wantSeg {
	return &wantSeg{
		src: netip.MustParseAddrPort("192.0.2.10:49152"), dst: netip.MustParseAddrPort("198.51.100.20:21"),
		seq: 1000, ack: 2000, flags: tcp.PSH | tcp.ACK, payload: payload, wire: len(payload),
	}
}

func pkWant6(payload []byte) *wantSeg {
	s := pkWant4(payload)
	s.src = netip.MustParseAddrPort("[2001:db8::10]:49152")
	s.dst = netip.MustParseAddrPort("[2001:db8:1::20]:21")
	return s
}

func pkTCP() *layers.TCP {
	return &layers.TCP{SrcPort: 49152, DstPort: 21, Seq: 1000, Ack: 2000, PSH: true, ACK: true, Window: 512}
}

func pkIPv4(src, dst net.IP, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Id: 0x1234, Protocol: proto, SrcIP: src, DstIP: dst}
}

func pkIPv6(src, dst net.IP, nh layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: nh, SrcIP: src, DstIP: dst}
}

func pkEth(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: pkMacA, DstMAC: pkMacB, EthernetType: et}
}

// pkSer serializes layers with gopacket, lengths and checksums computed (the
// TCP checksum over the IP layer just before it).
func pkSer(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	var net gopacket.NetworkLayer
	for _, l := range ls {
		switch l := l.(type) {
		case *layers.IPv4:
			net = l
		case *layers.IPv6:
			net = l
		case *layers.TCP:
			if err := l.SetNetworkLayerForChecksum(net); err != nil {
				t.Fatal(err)
			}
		case *layers.UDP:
			if err := l.SetNetworkLayerForChecksum(net); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

// pkV4TCP and pkV6TCP are the inner packet most cases wrap.
func pkV4TCP(payload []byte) []gopacket.SerializableLayer {
	return []gopacket.SerializableLayer{pkIPv4(pkCli4, pkSrv4, layers.IPProtocolTCP), pkTCP(), gopacket.Payload(payload)}
}

func pkV6TCP(payload []byte) []gopacket.SerializableLayer {
	return []gopacket.SerializableLayer{pkIPv6(pkCli6, pkSrv6, layers.IPProtocolTCP), pkTCP(), gopacket.Payload(payload)}
}

// with prepends outer layers to inner ones.
func pkWith(inner []gopacket.SerializableLayer, outer ...gopacket.SerializableLayer) []gopacket.SerializableLayer {
	return append(outer, inner...)
}

func pkCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Hand-built link headers that gopacket cannot serialize.
func pkSLL(proto uint16, arphrd uint16) []byte {
	b := []byte{0, 0}                            // packet type: to us
	b = binary.BigEndian.AppendUint16(b, arphrd) // ARPHRD_ETHER
	b = binary.BigEndian.AppendUint16(b, 6)
	b = append(b, pkMacA...)
	b = append(b, 0, 0)
	return binary.BigEndian.AppendUint16(b, proto)
}

func pkSLL2(proto uint16, arphrd uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, proto)
	b = append(b, 0, 0)                          // reserved
	b = binary.BigEndian.AppendUint32(b, 2)      // interface index
	b = binary.BigEndian.AppendUint16(b, arphrd) // ARPHRD type
	b = append(b, 4, 6)                          // outgoing, address length
	b = append(b, pkMacA...)
	return append(b, 0, 0)
}

func pkFamily(order binary.ByteOrder, af uint32) []byte {
	b := make([]byte, 4)
	order.PutUint32(b, af)
	return b
}

// pkAH is an IPv6 Authentication Header (RFC 4302) of 24 bytes.
func pkAH(next layers.IPProtocol) []byte {
	b := []byte{byte(next), 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 1}
	return append(b, make([]byte, 12)...)
}

// pkTCPBytes serializes a TCP segment with its checksum over src and dst.
func pkTCPBytes(t testing.TB, src, dst net.IP, payload []byte) []byte {
	var nl gopacket.SerializableLayer = pkIPv6(src, dst, layers.IPProtocolTCP)
	if src.To4() != nil {
		nl = pkIPv4(src, dst, layers.IPProtocolTCP)
	}
	b := pkSer(t, nl, pkTCP(), gopacket.Payload(payload))
	if src.To4() != nil {
		return b[20:]
	}
	return b[40:]
}

// pkIPv6With builds an IPv6 packet whose payload (extension headers and all)
// is given as bytes.
func pkIPv6With(t testing.TB, nh layers.IPProtocol, payload []byte) []byte {
	return pkSer(t, pkIPv6(pkCli6, pkSrv6, nh), gopacket.Payload(payload))
}

type pkCase struct {
	name  string
	lt    layers.LinkType
	frame []byte
	want  *wantSeg // nil: not TCP (or an error)
	err   error    // wrapped sentinel expected
	noRef bool     // gopacket cannot decode it, so no cross-check
}

func pkCases(t testing.TB) []pkCase {
	hbh := &layers.IPv6HopByHop{Options: []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: make([]byte, 4)}}}
	hbh.NextHeader = layers.IPProtocolIPv6Routing
	rt := &layers.IPv6Routing{RoutingType: 0, Reserved: make([]byte, 4), SourceRoutingIPs: []net.IP{pkSrv6}}
	rt.NextHeader = layers.IPProtocolIPv6Destination
	dst := &layers.IPv6Destination{Options: []*layers.IPv6DestinationOption{{OptionType: 1, OptionLength: 4, OptionData: make([]byte, 4)}}}
	dst.NextHeader = layers.IPProtocolTCP
	hbhNoNext := &layers.IPv6HopByHop{Options: []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: make([]byte, 4)}}}
	hbhNoNext.NextHeader = layers.IPProtocolNoNextHeader

	v4 := pkSer(t, pkV4TCP(pkLine)...)
	v6 := pkSer(t, pkV6TCP(pkLine)...)
	ethV4 := pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4))...)
	big := bytes.Repeat([]byte("0123456789"), 10)
	cut := pkSer(t, pkWith(pkV4TCP(big), pkEth(layers.EthernetTypeIPv4))...)
	cut = cut[:len(cut)-80]
	cutWant := pkWant4(big[:20])
	cutWant.wire = 100
	tso := bytes.Clone(ethV4)
	binary.BigEndian.PutUint16(tso[16:], 0)
	trailer := append(bytes.Clone(ethV4), 0xde, 0xad, 0xbe, 0xef) // an FCS
	noPayload := pkSer(t, pkEth(layers.EthernetTypeIPv4), pkIPv4(pkCli4, pkSrv4, layers.IPProtocolTCP), &layers.TCP{SrcPort: 49152, DstPort: 21, Seq: 1000, Ack: 2000, ACK: true, FIN: true})
	tcpOpts := pkTCP()
	tcpOpts.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{5, 0xb4}}, {OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2}}
	ipOpts := pkIPv4(pkCli4, pkSrv4, layers.IPProtocolTCP)
	ipOpts.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}}
	dot1q := func(et layers.EthernetType) *layers.Dot1Q { return &layers.Dot1Q{VLANIdentifier: 100, Type: et} }
	tripleTag := pkCat(ethV4[:12], []byte{0x91, 0x00, 0, 10, 0x88, 0xa8, 0, 20, 0x81, 0x00, 0, 30, 0x08, 0x00}, v4)
	manyTags := pkCat(ethV4[:12], bytes.Repeat([]byte{0x81, 0x00, 0, 1}, 9), []byte{0x08, 0x00}, v4)
	snap := pkCat(ethV4[:12], binary.BigEndian.AppendUint16(nil, uint16(8+len(v4))), []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, v4)
	stp := pkCat(ethV4[:12], []byte{0, 38, 0x42, 0x42, 3, 0, 0, 0, 0, 0}, make([]byte, 30))
	erspan3 := pkCat([]byte{0x10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4))...))
	var nestedIPIP []byte = v4
	for range 5 {
		nestedIPIP = pkSer(t, pkIPv4(pkTunA, pkTunB, layers.IPProtocolIPv4), gopacket.Payload(nestedIPIP))
	}
	var manyExt []byte = pkTCPBytes(t, pkCli6, pkSrv6, pkLine)
	for i := range 17 {
		next := byte(layers.IPProtocolIPv6Destination)
		if i == 0 {
			next = byte(layers.IPProtocolTCP)
		}
		manyExt = pkCat([]byte{next, 0, 1, 4, 0, 0, 0, 0}, manyExt)
	}
	badVersion := bytes.Clone(ethV4)
	badVersion[14] = 0x65
	badIHL := bytes.Clone(ethV4)
	badIHL[14] = 0x44
	badTotal := bytes.Clone(ethV4)
	binary.BigEndian.PutUint16(badTotal[16:], 12)
	badOff := bytes.Clone(ethV4)
	badOff[14+20+12] = 0x40
	overrun := bytes.Clone(ethV4)
	overrun[14+20+12] = 0xf0
	geneve := &layers.Geneve{Protocol: layers.EthernetTypeTransparentEthernetBridging, VNI: 7}

	return []pkCase{
		{name: "Ethernet IPv4", lt: layers.LinkTypeEthernet, frame: ethV4, want: pkWant4(pkLine)},
		{name: "Ethernet IPv6", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeIPv6))...), want: pkWant6(pkLine)},
		{name: "Ethernet padding dropped", lt: layers.LinkTypeEthernet, frame: noPayload, want: &wantSeg{src: pkWant4(nil).src, dst: pkWant4(nil).dst, seq: 1000, ack: 2000, flags: tcp.FIN | tcp.ACK}},
		{name: "Ethernet FCS trailer dropped", lt: layers.LinkTypeEthernet, frame: trailer, want: pkWant4(pkLine)},
		{name: "IPv4 options", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkEth(layers.EthernetTypeIPv4), ipOpts, pkTCP(), gopacket.Payload(pkLine)), want: pkWant4(pkLine)},
		{name: "TCP options", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkEth(layers.EthernetTypeIPv4), pkIPv4(pkCli4, pkSrv4, layers.IPProtocolTCP), tcpOpts, gopacket.Payload(pkLine)), want: pkWant4(pkLine)},
		{name: "snaplen cut", lt: layers.LinkTypeEthernet, frame: cut, want: cutWant},
		{name: "IPv4 total length 0 (TSO)", lt: layers.LinkTypeEthernet, frame: tso, want: pkWant4(pkLine), noRef: true},
		{name: "802.1Q", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeDot1Q), dot1q(layers.EthernetTypeIPv4))...), want: pkWant4(pkLine)},
		{name: "802.1ad QinQ", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeQinQ), dot1q(layers.EthernetTypeDot1Q), dot1q(layers.EthernetTypeIPv6))...), want: pkWant6(pkLine)},
		{name: "three stacked tags", lt: layers.LinkTypeEthernet, frame: tripleTag, want: pkWant4(pkLine), noRef: true},
		{name: "802.2 SNAP", lt: layers.LinkTypeEthernet, frame: snap, want: pkWant4(pkLine)},
		{name: "MPLS", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 100, TTL: 64}, &layers.MPLS{Label: 200, StackBottom: true, TTL: 64})...), want: pkWant4(pkLine)},
		{name: "MPLS IPv6", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 200, StackBottom: true, TTL: 64})...), want: pkWant6(pkLine), noRef: true},
		{name: "MPLS pseudowire", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeMPLSUnicast), &layers.MPLS{Label: 200, StackBottom: true, TTL: 64}, gopacket.Payload{0, 0, 0, 0}, pkEth(layers.EthernetTypeIPv4))...), want: pkWant4(pkLine), noRef: true},
		{name: "PPPoE", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypePPPoESession), &layers.PPPoE{Version: 1, Type: 1, SessionId: 7}, &layers.PPP{PPPType: layers.PPPTypeIPv4})...), want: pkWant4(pkLine)},
		{name: "PPPoE IPv6", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypePPPoESession), &layers.PPPoE{Version: 1, Type: 1, SessionId: 7}, &layers.PPP{PPPType: layers.PPPTypeIPv6})...), want: pkWant6(pkLine)},
		{name: "Linux SLL", lt: layers.LinkTypeLinuxSLL, frame: pkCat(pkSLL(0x0800, 1), v4), want: pkWant4(pkLine)},
		{name: "Linux SLL IPv6", lt: layers.LinkTypeLinuxSLL, frame: pkCat(pkSLL(0x86dd, 1), v6), want: pkWant6(pkLine)},
		{name: "Linux SLL VLAN", lt: layers.LinkTypeLinuxSLL, frame: pkCat(pkSLL(0x8100, 1), []byte{0, 5, 8, 0}, v4), want: pkWant4(pkLine)},
		{name: "Linux SLL netlink", lt: layers.LinkTypeLinuxSLL, frame: pkCat(pkSLL(0x0800, 824), v4), noRef: true},
		{name: "Linux SLL2", lt: layers.LinkTypeLinuxSLL2, frame: pkCat(pkSLL2(0x0800, 1), v4), want: pkWant4(pkLine)},
		{name: "Linux SLL2 IPv6", lt: layers.LinkTypeLinuxSLL2, frame: pkCat(pkSLL2(0x86dd, 1), v6), want: pkWant6(pkLine)},
		{name: "Linux SLL2 netlink", lt: layers.LinkTypeLinuxSLL2, frame: pkCat(pkSLL2(0x0800, 824), v4), noRef: true},
		{name: "NULL little-endian IPv4", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.LittleEndian, 2), v4), want: pkWant4(pkLine)},
		{name: "NULL big-endian IPv4", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.BigEndian, 2), v4), want: pkWant4(pkLine), noRef: true},
		{name: "NULL IPv6 24 (BSD)", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.LittleEndian, 24), v6), want: pkWant6(pkLine)},
		{name: "NULL IPv6 28 (FreeBSD)", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.LittleEndian, 28), v6), want: pkWant6(pkLine)},
		{name: "NULL IPv6 30 (macOS)", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.LittleEndian, 30), v6), want: pkWant6(pkLine)},
		{name: "NULL big-endian IPv6 30", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.BigEndian, 30), v6), want: pkWant6(pkLine), noRef: true},
		{name: "NULL other family", lt: layers.LinkTypeNull, frame: pkCat(pkFamily(binary.LittleEndian, 7), v4), noRef: true},
		{name: "LOOP big-endian", lt: layers.LinkTypeLoop, frame: pkCat(pkFamily(binary.BigEndian, 2), v4), want: pkWant4(pkLine), noRef: true},
		{name: "LOOP big-endian IPv6 24", lt: layers.LinkTypeLoop, frame: pkCat(pkFamily(binary.BigEndian, 24), v6), want: pkWant6(pkLine), noRef: true},
		{name: "LOOP little-endian", lt: layers.LinkTypeLoop, frame: pkCat(pkFamily(binary.LittleEndian, 2), v4), want: pkWant4(pkLine), noRef: true},
		{name: "RAW IPv4", lt: layers.LinkTypeRaw, frame: v4, want: pkWant4(pkLine)},
		{name: "RAW IPv6", lt: layers.LinkTypeRaw, frame: v6, want: pkWant6(pkLine)},
		{name: "DLT_RAW 12", lt: 12, frame: v4, want: pkWant4(pkLine), noRef: true},
		{name: "DLT_RAW 14", lt: 14, frame: v6, want: pkWant6(pkLine), noRef: true},
		{name: "LINKTYPE_IPV4", lt: layers.LinkTypeIPv4, frame: v4, want: pkWant4(pkLine), noRef: true},
		{name: "LINKTYPE_IPV6", lt: layers.LinkTypeIPv6, frame: v6, want: pkWant6(pkLine), noRef: true},
		{name: "PPP", lt: layers.LinkTypePPP, frame: pkCat([]byte{0xff, 0x03, 0x00, 0x21}, v4), want: pkWant4(pkLine), noRef: true},
		{name: "PPP compressed protocol", lt: layers.LinkTypePPP, frame: pkCat([]byte{0x21}, v4), want: pkWant4(pkLine), noRef: true},
		{name: "PPP in HDLC framing IPv6", lt: layers.LinkTypePPP_HDLC, frame: pkCat([]byte{0xff, 0x03, 0x00, 0x57}, v6), want: pkWant6(pkLine), noRef: true},
		{name: "Cisco HDLC", lt: layers.LinkTypeC_HDLC, frame: pkCat([]byte{0x0f, 0x00, 0x08, 0x00}, v4), want: pkWant4(pkLine), noRef: true},
		{name: "IPv6 extension headers", lt: layers.LinkTypeRaw, frame: pkSer(t, pkIPv6(pkCli6, pkSrv6, layers.IPProtocolIPv6HopByHop), hbh, rt, dst, pkTCP(), gopacket.Payload(pkLine)), want: pkWant6(pkLine)},
		{name: "IPv6 AH", lt: layers.LinkTypeRaw, frame: pkIPv6With(t, layers.IPProtocolAH, pkCat(pkAH(layers.IPProtocolTCP), pkTCPBytes(t, pkCli6, pkSrv6, pkLine))), want: pkWant6(pkLine)},
		{name: "IPv4 AH", lt: layers.LinkTypeRaw, frame: pkSer(t, pkIPv4(pkCli4, pkSrv4, layers.IPProtocolAH), gopacket.Payload(pkCat(pkAH(layers.IPProtocolTCP), pkTCPBytes(t, pkCli4, pkSrv4, pkLine)))), want: pkWant4(pkLine)},
		{name: "IPv6 atomic fragment", lt: layers.LinkTypeRaw, frame: pkIPv6With(t, layers.IPProtocolIPv6Fragment, pkCat([]byte{6, 0, 0, 0, 0, 0, 0, 9}, pkTCPBytes(t, pkCli6, pkSrv6, pkLine))), want: pkWant6(pkLine), noRef: true},
		{name: "IPv6 ESP", lt: layers.LinkTypeRaw, frame: pkIPv6With(t, layers.IPProtocolESP, make([]byte, 40))},
		{name: "IPv6 no next header", lt: layers.LinkTypeRaw, frame: pkSer(t, pkIPv6(pkCli6, pkSrv6, layers.IPProtocolIPv6HopByHop), hbhNoNext)},
		{name: "IP in IP", lt: layers.LinkTypeRaw, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkIPv4(pkTunA, pkTunB, layers.IPProtocolIPv4))...), want: pkWant4(pkLine)},
		{name: "6in4", lt: layers.LinkTypeRaw, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkIPv4(pkTunA, pkTunB, layers.IPProtocolIPv6))...), want: pkWant6(pkLine)},
		{name: "GRE", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolGRE), &layers.GRE{Protocol: layers.EthernetTypeIPv4})...), want: pkWant4(pkLine)},
		{name: "GRE key and sequence", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolGRE), &layers.GRE{KeyPresent: true, Key: 9, SeqPresent: true, Seq: 3, Protocol: layers.EthernetTypeIPv6})...), want: pkWant6(pkLine)},
		{name: "GRE Ethernet bridging", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolGRE), &layers.GRE{Protocol: layers.EthernetTypeTransparentEthernetBridging}, pkEth(layers.EthernetTypeIPv4))...), want: pkWant4(pkLine)},
		{name: "ERSPAN II", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolGRE), &layers.GRE{SeqPresent: true, Seq: 1, Protocol: layers.EthernetTypeERSPAN}, &layers.ERSPANII{Version: 1, SessionID: 5}, pkEth(layers.EthernetTypeIPv4))...), want: pkWant4(pkLine)},
		{name: "ERSPAN III", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolGRE), &layers.GRE{SeqPresent: true, Seq: 1, Protocol: 0x22eb}, gopacket.Payload(erspan3)), want: pkWant4(pkLine), noRef: true},
		{name: "VXLAN", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolUDP), &layers.UDP{SrcPort: 50000, DstPort: 4789}, &layers.VXLAN{ValidIDFlag: true, VNI: 42}, pkEth(layers.EthernetTypeIPv4))...), want: pkWant4(pkLine)},
		{name: "Geneve", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeIPv4), pkIPv4(pkTunA, pkTunB, layers.IPProtocolUDP), &layers.UDP{SrcPort: 50000, DstPort: 6081}, geneve, pkEth(layers.EthernetTypeIPv6))...), want: pkWant6(pkLine)},

		// Not TCP: skipped without an error.
		{name: "ARP", lt: layers.LinkTypeEthernet, frame: pkSer(t, pkEth(layers.EthernetTypeARP), &layers.ARP{AddrType: 1, Protocol: 0x0800, HwAddressSize: 6, ProtAddressSize: 4, Operation: 1, SourceHwAddress: pkMacA, SourceProtAddress: pkCli4, DstHwAddress: pkMacB, DstProtAddress: pkSrv4})},
		{name: "UDP", lt: layers.LinkTypeRaw, frame: pkSer(t, pkIPv4(pkCli4, pkSrv4, layers.IPProtocolUDP), &layers.UDP{SrcPort: 5353, DstPort: 53}, gopacket.Payload("dns"))},
		{name: "ICMPv4", lt: layers.LinkTypeRaw, frame: pkSer(t, pkIPv4(pkCli4, pkSrv4, layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)})},
		{name: "802.3 STP", lt: layers.LinkTypeEthernet, frame: stp, noRef: true},
		{name: "802.3 short", lt: layers.LinkTypeEthernet, frame: pkCat(ethV4[:12], []byte{0, 2, 0x42, 0x42}), noRef: true},
		{name: "PPPoE discovery-like code", lt: layers.LinkTypeEthernet, frame: pkCat(ethV4[:12], []byte{0x88, 0x64, 0x11, 0x09, 0, 1, 0, 2, 0, 0x21}, v4), noRef: true},
		{name: "UDP fragment", lt: layers.LinkTypeRaw, frame: func() []byte {
			b := pkSer(t, pkIPv4(pkCli4, pkSrv4, layers.IPProtocolUDP), &layers.UDP{SrcPort: 5353, DstPort: 53}, gopacket.Payload(make([]byte, 16)))
			b[6] = 0x20 // MF
			return b
		}()},

		// Errors.
		{name: "IPv4 wrong version", lt: layers.LinkTypeEthernet, frame: badVersion, err: ErrMalformed},
		{name: "IPv4 header length 16", lt: layers.LinkTypeEthernet, frame: badIHL, err: ErrMalformed},
		{name: "IPv4 total length below header", lt: layers.LinkTypeEthernet, frame: badTotal, err: ErrMalformed},
		{name: "TCP data offset 16", lt: layers.LinkTypeEthernet, frame: badOff, err: ErrMalformed},
		{name: "TCP header past IP length", lt: layers.LinkTypeEthernet, frame: overrun, err: ErrMalformed},
		{name: "raw IP version 5", lt: layers.LinkTypeRaw, frame: append([]byte{0x50}, v4[1:]...), err: ErrMalformed},
		{name: "nine VLAN tags", lt: layers.LinkTypeEthernet, frame: manyTags, err: ErrMalformed},
		{name: "17 extension headers", lt: layers.LinkTypeRaw, frame: pkIPv6With(t, layers.IPProtocolIPv6Destination, manyExt), err: ErrMalformed},
		{name: "five nested tunnels", lt: layers.LinkTypeRaw, frame: nestedIPIP, err: ErrMalformed},
		{name: "unknown link type", lt: 147, frame: v4, err: ErrUnsupportedLink},
		{name: "802.11", lt: layers.LinkTypeIEEE802_11, frame: v4, err: ErrUnsupportedLink},
		{name: "empty Ethernet", lt: layers.LinkTypeEthernet, frame: nil, err: ErrShortPacket},
	}
}

func pkCheck(t *testing.T, p *tcp.Segment, w *wantSeg) {
	t.Helper()
	if p.Src != w.src || p.Dst != w.dst || p.Seq != w.seq || p.Ack != w.ack || p.Flags != w.flags ||
		!bytes.Equal(p.Payload, w.payload) || p.WireLen != w.wire || !p.TS.Equal(pkTS) {
		t.Errorf("got  %v -> %v seq %d ack %d flags %#x payload %q wire %d ts %v\nwant %v -> %v seq %d ack %d flags %#x payload %q wire %d",
			p.Src, p.Dst, p.Seq, p.Ack, p.Flags, p.Payload, p.WireLen, p.TS, w.src, w.dst, w.seq, w.ack, w.flags, w.payload, w.wire)
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range pkCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			var p tcp.Segment
			ok, err := d.Decode(tc.lt, tc.frame, pkTS, &p)
			switch {
			case tc.err != nil:
				if !errors.Is(err, tc.err) || ok {
					t.Fatalf("ok %v err %v, want %v", ok, err, tc.err)
				}
			case err != nil:
				t.Fatalf("err %v", err)
			case tc.want == nil:
				if ok {
					t.Fatalf("ok for a non-TCP frame: %+v", p)
				}
			default:
				if !ok {
					t.Fatal("not ok")
				}
				pkCheck(t, &p, tc.want)
			}
			if tc.want != nil && !tc.noRef {
				pkCrossCheck(t, tc.lt, tc.frame, &p)
			}
		})
	}
}

// pkCrossCheck decodes frame with gopacket and compares what both saw.
func pkCrossCheck(t *testing.T, lt layers.LinkType, frame []byte, p *tcp.Segment) {
	t.Helper()
	pkt := gopacket.NewPacket(frame, lt, gopacket.Default)
	var srcIP, dstIP net.IP
	var gt *layers.TCP
	for _, l := range pkt.Layers() {
		switch l := l.(type) {
		case *layers.IPv4:
			srcIP, dstIP = l.SrcIP, l.DstIP
		case *layers.IPv6:
			srcIP, dstIP = l.SrcIP, l.DstIP
		case *layers.TCP:
			gt = l
		}
	}
	if gt == nil {
		t.Fatalf("gopacket found no TCP: %v", pkt)
	}
	src, _ := netip.AddrFromSlice(srcIP)
	dst, _ := netip.AddrFromSlice(dstIP)
	if src.Unmap() != p.Src.Addr() || dst.Unmap() != p.Dst.Addr() || uint16(gt.SrcPort) != p.Src.Port() ||
		uint16(gt.DstPort) != p.Dst.Port() || gt.Seq != p.Seq || gt.Ack != p.Ack || !bytes.Equal(gt.Payload, p.Payload) {
		t.Errorf("gopacket disagrees: %v:%d -> %v:%d seq %d ack %d payload %q", srcIP, gt.SrcPort, dstIP, gt.DstPort, gt.Seq, gt.Ack, gt.Payload)
	}
}

// TestDecodeTruncated cuts every case at every length: no panic, errors
// are ErrShortPacket, and a segment still decoded is a prefix of the whole.
func TestDecodeTruncated(t *testing.T) {
	d := NewDecoder()
	var p tcp.Segment
	for _, tc := range pkCases(t) {
		for n := range len(tc.frame) {
			ok, err := d.Decode(tc.lt, tc.frame[:n], pkTS, &p)
			if err != nil {
				if !errors.Is(err, ErrShortPacket) && !errors.Is(err, tc.err) {
					t.Errorf("%s cut at %d: %v", tc.name, n, err)
				}
				continue
			}
			if !ok {
				continue
			}
			if tc.want == nil {
				t.Errorf("%s cut at %d: ok", tc.name, n)
				continue
			}
			if p.Src != tc.want.src || p.Dst != tc.want.dst || !bytes.HasPrefix(tc.want.payload, p.Payload) || p.WireLen < len(p.Payload) {
				t.Errorf("%s cut at %d: %v -> %v payload %q wire %d", tc.name, n, p.Src, p.Dst, p.Payload, p.WireLen)
			}
		}
	}
}

func TestUnsupportedLinkMessage(t *testing.T) {
	d := NewDecoder()
	var p tcp.Segment
	_, err := d.Decode(147, []byte{1, 2, 3}, pkTS, &p)
	if err == nil || err.Error() != "unsupported link type 147" {
		t.Errorf("err %v", err)
	}
	_, err = d.Decode(layers.LinkTypeIEEE802_11, []byte{1, 2, 3}, pkTS, &p)
	if err == nil || !strings.HasPrefix(err.Error(), "unsupported link type 105 (") {
		t.Errorf("err %v", err)
	}
	_, err2 := d.Decode(layers.LinkTypeIEEE802_11, []byte{1}, pkTS, &p)
	if err2 != err {
		t.Error("the error of a link type is not reused")
	}
	for lt := range layers.LinkType(200) {
		_, _ = d.Decode(lt+300, nil, pkTS, &p)
	}
	if len(d.linkErrs) > maxLinkErrors {
		t.Errorf("%d link errors remembered", len(d.linkErrs))
	}
}

// TestDecodeDoesNotAllocate: decoding, fragments included, allocates
// nothing per packet once warmed up.
func TestDecodeDoesNotAllocate(t *testing.T) {
	d := NewDecoder()
	var p tcp.Segment
	frames := [][]byte{
		pkSer(t, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4))...),
		pkSer(t, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeDot1Q), &layers.Dot1Q{Type: layers.EthernetTypeIPv6})...),
	}
	frags := pkFrags4(t, pkSer(t, pkV4TCP(bytes.Repeat([]byte("x"), 3000))...), 1480, 0x77)
	for _, f := range frags {
		frames = append(frames, pkCat(pkSer(t, pkEth(layers.EthernetTypeIPv4))[:14], f))
	}
	run := func() {
		for _, f := range frames {
			if _, err := d.Decode(layers.LinkTypeEthernet, f, pkTS, &p); err != nil {
				t.Fatal(err)
			}
		}
	}
	run()
	if a := testing.AllocsPerRun(200, run); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
	if st := d.DefragStats(); st.Reassembled < 200 {
		t.Errorf("reassembled %d", st.Reassembled)
	}
}

// TestCorpus decodes the reference captures, if present: no frame may fail
// to decode and every file must yield TCP segments.
func TestPacketCorpus(t *testing.T) {
	var paths []string
	for _, pat := range []string{
		"../../shared/corpus/zeek/traces/ftp/*.pcap*",
		"../../shared/corpus/zeek/traces/*.pcap*",
		"../../shared/corpus/suricata-verify/*/*.pcap*",
	} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no reference corpus at ../../shared/corpus")
	}
	for _, path := range paths {
		src, err := capture.OpenFiles([]string{path}, capture.Options{})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		d := NewDecoder()
		var p tcp.Segment
		var frames, segs int
		for {
			f, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			frames++
			ok, err := d.Decode(f.LinkType, f.Data, f.TS, &p)
			if err != nil {
				t.Errorf("%s: packet %d: %v", path, f.Number, err)
			}
			if ok {
				segs++
				if len(p.Payload) > p.WireLen {
					t.Errorf("%s: packet %d: payload %d > wire %d", path, f.Number, len(p.Payload), p.WireLen)
				}
			}
		}
		t.Logf("%s: %d frames, %d TCP segments", filepath.Base(path), frames, segs)
		if w := src.Warnings(); len(w) != 0 || segs == 0 {
			t.Errorf("%s: %d frames, %d TCP, warnings %v", path, frames, segs, w)
		}
		src.Close()
	}
}

// BenchmarkDecode compares the decoder with gopacket's
// DecodingLayerParser on the same Ethernet/IPv4/TCP frame.
func BenchmarkDecode(b *testing.B) {
	frames := map[string][]byte{
		"ipv4":      pkSer(b, pkWith(pkV4TCP(pkLine), pkEth(layers.EthernetTypeIPv4))...),
		"vlan-ipv6": pkSer(b, pkWith(pkV6TCP(pkLine), pkEth(layers.EthernetTypeDot1Q), &layers.Dot1Q{Type: layers.EthernetTypeIPv6})...),
	}
	for _, name := range []string{"ipv4", "vlan-ipv6"} {
		frame := frames[name]
		b.Run("ftpsniff/"+name, func(b *testing.B) {
			d := NewDecoder()
			var p tcp.Segment
			b.ReportAllocs()
			for range b.N {
				if ok, err := d.Decode(layers.LinkTypeEthernet, frame, pkTS, &p); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run("gopacket-DecodingLayerParser/"+name, func(b *testing.B) {
			var (
				pkEth  layers.Ethernet
				dot    layers.Dot1Q
				pkIPv4 layers.IPv4
				pkIPv6 layers.IPv6
				tcp    layers.TCP
				pay    gopacket.Payload
				decs   []gopacket.LayerType
			)
			parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &pkEth, &dot, &pkIPv4, &pkIPv6, &tcp, &pay)
			parser.IgnoreUnsupported = true
			b.ReportAllocs()
			for range b.N {
				if err := parser.DecodeLayers(frame, &decs); err != nil {
					b.Fatal(err)
				}
				// What the decoder produces on top: the addresses.
				var src, dst netip.Addr
				if decs[len(decs)-2] == layers.LayerTypeTCP {
					if pkIPv4.SrcIP != nil && decs[1] == layers.LayerTypeIPv4 {
						src, _ = netip.AddrFromSlice(pkIPv4.SrcIP)
						dst, _ = netip.AddrFromSlice(pkIPv4.DstIP)
					} else {
						src, _ = netip.AddrFromSlice(pkIPv6.SrcIP)
						dst, _ = netip.AddrFromSlice(pkIPv6.DstIP)
					}
				}
				_, _ = src, dst
			}
		})
	}
}

// TestLinkTable: every link type of the table is decoded (none falls
// through to "unsupported"), no value has two rows, and the README's list
// of link types names each row, so the list and the table cannot drift.
func TestLinkTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	seen := map[layers.LinkType]string{}
	for _, lk := range links {
		if !strings.Contains(text, lk.name) {
			t.Errorf("README does not name link type %q", lk.name)
		}
		for _, lt := range lk.types {
			if other, dup := seen[lt]; dup {
				t.Errorf("link type %d in rows %q and %q", lt, other, lk.name)
			}
			seen[lt] = lk.name
			if _, err := NewDecoder().Decode(lt, nil, pkTS, new(tcp.Segment)); errors.Is(err, ErrUnsupportedLink) {
				t.Errorf("%s (%d): %v", lk.name, lt, err)
			}
		}
	}
}
