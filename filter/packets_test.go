package filter

import (
	"encoding/binary"
	"fmt"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pkt describes one synthetic packet: a network packet (IPv4, IPv6 or
// ARP) and the link header around it.
type pkt struct {
	name string
	net  []byte // from the network header on
	v6   bool
	arp  bool
}

// frame wraps p for link type lt, with the given VLAN tags on Ethernet.
// ok is false when the link cannot carry the packet (ARP on raw IP).
func (p pkt) frame(lt layers.LinkType, vlans ...uint16) (b []byte, ok bool) {
	et := uint16(0x0800)
	af := uint32(2)
	switch {
	case p.v6:
		et, af = 0x86dd, 10
	case p.arp:
		et = 0x0806
	}
	switch lt {
	case layers.LinkTypeEthernet:
		b = []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2}
		for _, v := range vlans {
			b = binary.BigEndian.AppendUint16(b, 0x8100)
			b = binary.BigEndian.AppendUint16(b, v)
		}
		b = binary.BigEndian.AppendUint16(b, et)
	case layers.LinkTypeLinuxSLL:
		b = []byte{0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 2, 0, 0}
		b = binary.BigEndian.AppendUint16(b, et)
	case layers.LinkTypeLinuxSLL2:
		b = binary.BigEndian.AppendUint16(nil, et)
		b = append(b, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 2, 0, 0)
	case layers.LinkTypeNull:
		b = binary.NativeEndian.AppendUint32(nil, af)
	case layers.LinkTypeLoop:
		b = binary.BigEndian.AppendUint32(nil, af)
	case layers.LinkTypeRaw:
	case layers.LinkTypeIPv4:
		if p.v6 {
			return nil, false
		}
	case layers.LinkTypeIPv6:
		if !p.v6 {
			return nil, false
		}
	}
	if p.arp && lt != layers.LinkTypeEthernet && lt != layers.LinkTypeLinuxSLL && lt != layers.LinkTypeLinuxSLL2 {
		return nil, false
	}
	return append(b, p.net...), true
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// v4 builds an IPv4 packet carrying proto with ports sp, dp.
func v4(t testing.TB, src, dst string, proto layers.IPProtocol, sp, dp uint16, opts bool, fragOff uint16, mf bool) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4(), FragOffset: fragOff, Id: 7}
	if mf {
		ip.Flags = layers.IPv4MoreFragments
	}
	if opts {
		ip.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
	}
	payload := gopacket.Payload("hello")
	switch proto {
	case layers.IPProtocolTCP:
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), SYN: true, Seq: 1, Window: 1000}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, tcp, payload)
	case layers.IPProtocolUDP:
		udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
		_ = udp.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, udp, payload)
	case layers.IPProtocolICMPv4:
		return serialize(t, ip, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, payload)
	}
	// SCTP and others: ports in the first four payload bytes, as SCTP has them.
	b := binary.BigEndian.AppendUint16(nil, sp)
	b = binary.BigEndian.AppendUint16(b, dp)
	return serialize(t, ip, gopacket.Payload(append(b, 0, 0, 0, 0, 0, 0, 0, 0)))
}

// v6 builds an IPv6 packet, optionally with a Fragment header first.
func v6(t testing.TB, src, dst string, proto layers.IPProtocol, sp, dp uint16, frag bool) []byte {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	var ls []gopacket.SerializableLayer
	ls = append(ls, ip)
	if frag {
		ip.NextHeader = layers.IPProtocolIPv6Fragment
		ls = append(ls, fragHdr{proto})
	}
	payload := gopacket.Payload("hello")
	switch proto {
	case layers.IPProtocolTCP:
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), SYN: true, Seq: 1, Window: 1000}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		ls = append(ls, tcp, payload)
	case layers.IPProtocolUDP:
		udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
		_ = udp.SetNetworkLayerForChecksum(ip)
		ls = append(ls, udp, payload)
	case layers.IPProtocolICMPv6:
		ls = append(ls, gopacket.Payload{128, 0, 0, 0, 0, 1, 0, 1})
	default:
		b := binary.BigEndian.AppendUint16(nil, sp)
		b = binary.BigEndian.AppendUint16(b, dp)
		ls = append(ls, gopacket.Payload(append(b, 0, 0, 0, 0)))
	}
	return serialize(t, ls...)
}

// fragHdr is an IPv6 Fragment header (offset 0, M set) before next.
type fragHdr struct{ next layers.IPProtocol }

func (f fragHdr) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	bytes, err := b.PrependBytes(8)
	if err != nil {
		return err
	}
	copy(bytes, []byte{byte(f.next), 0, 0, 1, 0, 0, 0, 9})
	return nil
}
func (fragHdr) LayerType() gopacket.LayerType { return layers.LayerTypeIPv6Fragment }

func arpPkt(t testing.TB, src, dst string) []byte {
	return serialize(t, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: 1, SourceHwAddress: []byte{2, 0, 0, 0, 0, 1}, SourceProtAddress: net.ParseIP(src).To4(),
		DstHwAddress: make([]byte, 6), DstProtAddress: net.ParseIP(dst).To4()})
}

// corpus is a spread of packets: every transport, both families, IPv4
// options and fragments, IPv6 fragment headers, ARP, and truncations.
func corpus(t testing.TB) []pkt {
	var out []pkt
	addrs4 := [][2]string{{"192.0.2.1", "198.51.100.7"}, {"198.51.100.7", "192.0.2.1"}, {"192.0.2.200", "192.0.2.1"}, {"203.0.113.9", "10.1.2.3"}}
	addrs6 := [][2]string{{"2001:db8::1", "2001:db8:1::7"}, {"2001:db8:1::7", "2001:db8::1"}, {"fe80::1", "2001:db8::1"}}
	ports := [][2]uint16{{21, 50000}, {50000, 21}, {20, 1024}, {1024, 20}, {22, 80}, {65535, 0}}
	protos := []layers.IPProtocol{layers.IPProtocolTCP, layers.IPProtocolUDP, layers.IPProtocolSCTP}
	for _, a := range addrs4 {
		for _, pr := range protos {
			for _, po := range ports {
				out = append(out, pkt{name: fmt.Sprintf("v4 %s %s>%s %d>%d", pr, a[0], a[1], po[0], po[1]), net: v4(t, a[0], a[1], pr, po[0], po[1], false, 0, false)})
			}
		}
		out = append(out,
			pkt{name: "v4 icmp " + a[0], net: v4(t, a[0], a[1], layers.IPProtocolICMPv4, 0, 0, false, 0, false)},
			pkt{name: "v4 tcp options " + a[0], net: v4(t, a[0], a[1], layers.IPProtocolTCP, 21, 3000, true, 0, false)},
			pkt{name: "v4 tcp first fragment " + a[0], net: v4(t, a[0], a[1], layers.IPProtocolTCP, 21, 3000, false, 0, true)},
			pkt{name: "v4 tcp later fragment " + a[0], net: v4(t, a[0], a[1], layers.IPProtocolTCP, 21, 3000, false, 185, false)},
			pkt{name: "arp " + a[0], net: arpPkt(t, a[0], a[1]), arp: true},
		)
	}
	for _, a := range addrs6 {
		for _, pr := range protos {
			for _, po := range ports[:4] {
				out = append(out, pkt{name: fmt.Sprintf("v6 %s %s>%s %d>%d", pr, a[0], a[1], po[0], po[1]), net: v6(t, a[0], a[1], pr, po[0], po[1], false), v6: true})
			}
		}
		out = append(out,
			pkt{name: "v6 icmp6 " + a[0], net: v6(t, a[0], a[1], layers.IPProtocolICMPv6, 0, 0, false), v6: true},
			pkt{name: "v6 frag tcp " + a[0], net: v6(t, a[0], a[1], layers.IPProtocolTCP, 21, 3000, true), v6: true},
			pkt{name: "v6 frag udp " + a[0], net: v6(t, a[0], a[1], layers.IPProtocolUDP, 53, 21, true), v6: true},
		)
	}
	full := v4(t, "192.0.2.1", "198.51.100.7", layers.IPProtocolTCP, 21, 50000, false, 0, false)
	for _, n := range []int{0, 1, 10, 20, 22, 24} {
		out = append(out, pkt{name: fmt.Sprintf("v4 tcp cut at %d", n), net: full[:n]})
	}
	full6 := v6(t, "2001:db8::1", "2001:db8:1::7", layers.IPProtocolTCP, 21, 50000, false)
	for _, n := range []int{0, 7, 30, 41} {
		out = append(out, pkt{name: fmt.Sprintf("v6 tcp cut at %d", n), net: full6[:n], v6: true})
	}
	return out
}

// linkTypes are the link types under test with the VLAN stacks tried on
// each.
var linkTypes = []struct {
	lt    layers.LinkType
	vlans [][]uint16
}{
	{layers.LinkTypeEthernet, [][]uint16{nil, {5}, {100}, {5, 100}}},
	{layers.LinkTypeLinuxSLL, [][]uint16{nil}},
	{layers.LinkTypeLinuxSLL2, [][]uint16{nil}},
	{layers.LinkTypeRaw, [][]uint16{nil}},
	{layers.LinkTypeIPv4, [][]uint16{nil}},
	{layers.LinkTypeIPv6, [][]uint16{nil}},
	{layers.LinkTypeNull, [][]uint16{nil}},
	{layers.LinkTypeLoop, [][]uint16{nil}},
}
