package capture

import (
	"errors"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// This file holds what live capture shares between the build with libpcap
// (live_pcap.go, built with -tags pcap) and the one without
// (live_nopcap.go): options, statistics, interface descriptions and the
// errors a caller tells apart. File analysis needs none of it, so a plain
// `go build` (or CGO_ENABLED=0) still yields a working ftpsniff.

// Live-capture errors; callers test them with errors.Is. The messages
// returned by OpenLive wrap them with the interface name and a hint.
var (
	// ErrIdle is returned by a live Source's Next when no packet arrived
	// within LiveOptions.ReadTimeout. It is not a failure: the caller may
	// do periodic work (advance the capture clock, flush output, check
	// for a stop request) and call Next again.
	ErrIdle = errors.New("no packet within the read timeout")
	// ErrNoInterface: the named interface does not exist.
	ErrNoInterface = errors.New("no such interface")
	// ErrPermission: the process may not open a packet socket.
	ErrPermission = errors.New("permission denied")
	// ErrInterfaceDown: the interface exists but is not up.
	ErrInterfaceDown = errors.New("interface is down")
	// ErrBadFilter: the BPF expression does not compile for the
	// interface's link type.
	ErrBadFilter = errors.New("bad capture filter")
)

// LiveUnsupportedHint says how to get live capture in a build without it;
// OpenLive's ErrLiveUnsupported error ends with it.
const LiveUnsupportedHint = "install libpcap-dev and rebuild with 'make build' (go build -tags pcap)"

// DefaultSnaplen captures whole packets: libpcap's and Wireshark's
// MAXIMUM_SNAPLEN. FTP decoding survives shorter snaplens (byte counts
// come from TCP sequence numbers), but command lines and listings need
// the payload.
const DefaultSnaplen = 262144

// DefaultBufferSize is the kernel capture buffer asked for: a few seconds
// of a busy gigabit link's FTP-relevant traffic, so a burst does not make
// the kernel drop packets while the decoder catches up. libpcap's own
// default (2 MiB) drops under bulk transfers.
const DefaultBufferSize = 16 << 20

// DefaultReadTimeout is how long Next waits for a packet before returning
// ErrIdle, which bounds how late a stop request (SIGINT, --duration) and
// the idle-session clock are handled on a quiet interface.
const DefaultReadTimeout = 250 * time.Millisecond

// Default capture filters, tried in order until one compiles for the
// interface's link type (the VLAN one does not compile on links without
// VLAN tags, such as raw IP or loopback on some systems).
//
// Why not "tcp port 21": FTP data connections use ports announced inside
// the control dialogue (PORT/PASV/EPRT/EPSV, RFC 959 4.1.2 and RFC 2428),
// unknown when the filter is set, so every TCP packet must reach the
// decoder, which ignores non-FTP connections cheaply. Beyond "tcp":
//
//   - "ip[6:2] & 0x3fff != 0" keeps every IPv4 fragment (MF set or a
//     non-zero offset). Fragments of TCP already match "tcp" (the protocol
//     field is in every fragment); this also keeps fragmented tunnels.
//   - "ip6 and not ip6 proto 17 and not ip6 proto 58" keeps IPv6 unless
//     its fixed header says UDP or ICMPv6: plain "tcp" only looks at the
//     fixed header's Next Header, so it would lose TCP behind extension
//     headers and every IPv6 fragment (RFC 8200 4.5: fragments carry a
//     Fragment header). "ip6 protochain 6" would be exact, but the Linux
//     kernel rejects the program it compiles to and libpcap then filters
//     in user space, copying every packet.
//   - the "vlan and (...)" half matches the same inside one 802.1Q tag,
//     for trunk or mirror ports that deliver tagged frames.
//
// Tunnels (GRE, VXLAN, Geneve) that the packet decoder understands are
// not in the default: pass --bpf "" to capture everything, or a filter of
// your own.
const (
	DefaultFilter       = "(" + baseFilter + ") or (vlan and (" + baseFilter + "))"
	DefaultFilterNoVLAN = baseFilter
	baseFilter          = "tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)"
)

// LiveOptions configure a live capture. The zero value, with Interface
// set, captures whole packets with the default filter, not promiscuous.
type LiveOptions struct {
	// Interface is the device name as listed by Interfaces ("any" on
	// Linux captures on every interface, with a cooked link header).
	Interface string
	// Filter is a BPF expression (pcap-filter(7)) used instead of
	// DefaultFilter when CustomFilter is true; an empty custom filter
	// captures everything.
	Filter       string
	CustomFilter bool
	// Snaplen is the most bytes kept of each packet; 0 means
	// DefaultSnaplen.
	Snaplen int
	// Promisc also captures traffic not addressed to this host (needed
	// on a mirror port; not on the FTP server or client itself).
	Promisc bool
	// BufferSize is the kernel capture buffer in bytes; 0 means
	// DefaultBufferSize.
	BufferSize int
	// ReadTimeout bounds how long Next blocks without a packet before
	// returning ErrIdle; 0 means DefaultReadTimeout.
	ReadTimeout time.Duration
}

// LiveStats are the capture counters libpcap keeps (pcap_stats(3PCAP)).
type LiveStats struct {
	// Received is how many packets passed the filter (on Linux, counted
	// by the kernel, whether or not they were read yet).
	Received int64
	// DroppedKernel is how many packets the kernel dropped because the
	// capture buffer was full: the decoder could not keep up.
	DroppedKernel int64
	// DroppedInterface is how many packets the interface or its driver
	// dropped (not all platforms count them).
	DroppedInterface int64
}

// LiveSource is a Source reading a network interface. Next returns
// ErrIdle when no packet arrived within LiveOptions.ReadTimeout and never
// io.EOF while the capture is open. Frame.File is 0 and Frame.Number
// counts packets from 1.
type LiveSource interface {
	Source
	// Stats returns libpcap's counters for this capture.
	Stats() (LiveStats, error)
	// LinkType is the interface's link type, the same for every frame.
	LinkType() layers.LinkType
	// Snaplen is the snapshot length in force.
	Snaplen() int
	// Filter is the BPF expression in force ("" when none).
	Filter() string
	// Nanosecond is true when timestamps have nanosecond precision.
	Nanosecond() bool
}

// Interface describes one capturable interface.
type Interface struct {
	Name string
	// Description is the platform's description, often empty on Linux.
	Description string
	// Addresses are the interface's IP addresses with their prefixes.
	Addresses []netip.Prefix
	// Flags are what the platform says about the interface, as words:
	// "up", "running", "loopback", "wireless", "connected",
	// "disconnected".
	Flags []string
}
