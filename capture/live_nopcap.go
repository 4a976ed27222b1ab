//go:build !pcap

package capture

import (
	"fmt"
	"net"
)

// LiveSupported is true in builds that can capture from interfaces. This
// build has no libpcap: it was made without -tags pcap (cgo off, or no
// libpcap headers when it was built).
const LiveSupported = false

// OpenLive always fails in this build with an error wrapping
// ErrLiveUnsupported that says how to get a build with live capture.
func OpenLive(LiveOptions) (LiveSource, error) {
	return nil, fmt.Errorf("%w: %s", ErrLiveUnsupported, LiveUnsupportedHint)
}

// Interfaces lists the system's network interfaces from the Go runtime
// (net.Interfaces) so a user can still see names and addresses; with
// this build none of them can be captured on (see LiveSupported). The
// list is in the system's interface-index order.
func Interfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	out := make([]Interface, 0, len(ifs))
	for _, ni := range ifs {
		ifc := Interface{Name: ni.Name}
		if ni.Flags&net.FlagUp != 0 {
			ifc.Flags = append(ifc.Flags, "up")
		}
		if ni.Flags&net.FlagRunning != 0 {
			ifc.Flags = append(ifc.Flags, "running")
		}
		if ni.Flags&net.FlagLoopback != 0 {
			ifc.Flags = append(ifc.Flags, "loopback")
		}
		ifc.Addresses = interfacePrefixes(ni)
		out = append(out, ifc)
	}
	return out, nil
}
