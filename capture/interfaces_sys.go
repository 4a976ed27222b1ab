package capture

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
)

// AnyInterface is the pseudo-interface that captures on every interface
// (Linux; libpcap and AF_PACKET both know it).
const AnyInterface = "any"

// SystemInterfaces lists the interfaces from the operating system
// (net.Interfaces, and on Linux /sys/class/net for the wireless and
// carrier flags) without libpcap, in libpcap's order: up and running
// interfaces first, then "any" on Linux, loopback, and the ones down.
// Flags use the words of Interface.Flags.
func SystemInterfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	type ranked struct {
		ifc  Interface
		rank int
	}
	var list []ranked
	for _, ni := range ifs {
		ifc := Interface{Name: ni.Name, Addresses: interfacePrefixes(ni)}
		up, running, loop := ni.Flags&net.FlagUp != 0, ni.Flags&net.FlagRunning != 0, ni.Flags&net.FlagLoopback != 0
		for _, f := range []struct {
			on   bool
			word string
		}{{up, "up"}, {running, "running"}, {loop, "loopback"}} {
			if f.on {
				ifc.Flags = append(ifc.Flags, f.word)
			}
		}
		if !loop {
			ifc.Flags = append(ifc.Flags, sysFlags(ni.Name)...)
		}
		rank := 3
		switch {
		case up && running && !loop:
			rank = 0
		case up && loop:
			rank = 2
		}
		list = append(list, ranked{ifc, rank})
	}
	if AFPacketSupported {
		list = append(list, ranked{Interface{Name: AnyInterface,
			Description: "Pseudo-device that captures on all interfaces", Flags: []string{"up", "running"}}, 1})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].rank < list[j].rank })
	out := make([]Interface, len(list))
	for i, r := range list {
		out[i] = r.ifc
	}
	return out, nil
}

// interfacePrefixes are an interface's IP addresses with their prefix
// lengths; an interface whose addresses cannot be read has none.
func interfacePrefixes(ni net.Interface) []netip.Prefix {
	addrs, _ := ni.Addrs()
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		bits, size := ipn.Mask.Size()
		if size != ip.BitLen() {
			bits = ip.BitLen()
		}
		out = append(out, netip.PrefixFrom(ip, bits))
	}
	return out
}
