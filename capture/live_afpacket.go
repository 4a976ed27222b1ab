//go:build linux

package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/filter"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// AFPacketSupported is true where OpenAFPacket works (Linux).
const AFPacketSupported = true

// ARPHRD_ values (linux/if_arp.h) whose frames start with an Ethernet
// header; on every other device type the socket is opened cooked
// (SOCK_DGRAM) and frames start at the IP header.
const (
	arphrdEther    = 1
	arphrdLoopback = 772
)

var fanoutTypes = map[FanoutMode]afpacket.FanoutType{
	FanoutHash:        afpacket.FanoutHash,
	FanoutHashDefrag:  afpacket.FanoutHash | afpacket.FanoutHashWithDefrag,
	FanoutLoadBalance: afpacket.FanoutLoadBalance,
	FanoutCPU:         afpacket.FanoutCPU,
}

// OpenAFPacket captures on o.Interface through a TPACKET_V3 ring of a
// Linux packet socket (packet(7)), without libpcap. The BPF filter is
// compiled by package filter and runs in the kernel. Errors wrap
// ErrNoInterface, ErrPermission, ErrInterfaceDown or ErrBadFilter when
// they are one of those, and always name the interface.
//
// "any" captures every interface of the network namespace; its frames,
// like those of devices without an Ethernet header (tun, PPP), start at
// the IP header (link type raw IP) and non-IP packets are not captured;
// Promisc does not apply to it.
func OpenAFPacket(o AFPacketOptions) (LiveSource, error) {
	name := o.Interface
	if name == "" {
		return nil, fmt.Errorf("%w: no interface named", ErrNoInterface)
	}
	o.LiveOptions = o.withDefaults()
	snaplen, bufSize := o.Snaplen, o.BufferSize
	blockTimeout := o.BlockTimeout
	if blockTimeout <= 0 {
		blockTimeout = DefaultBlockTimeout
	}
	frameSize, blockSize, numBlocks, ok := ringLayout(bufSize, snaplen, os.Getpagesize())
	if !ok {
		return nil, fmt.Errorf("cannot capture on %s: a buffer of %d bytes is smaller than one ring block (%d bytes); raise --buffer-size", name, bufSize, blockSize)
	}

	lt := layers.LinkTypeRaw
	sockType := afpacket.SocketDgram
	iface := ""
	if name != "any" {
		ni, err := net.InterfaceByName(name)
		if err != nil {
			return nil, fmt.Errorf("cannot capture on %s: %w ('ftpsniff interfaces' lists them)", name, ErrNoInterface)
		}
		if ni.Flags&net.FlagUp == 0 {
			return nil, fmt.Errorf("cannot capture on %s: %w (ip link set %s up)", name, ErrInterfaceDown, name)
		}
		iface = name
		if t, err := deviceType(name); err == nil && (t == arphrdEther || t == arphrdLoopback) {
			lt, sockType = layers.LinkTypeEthernet, afpacket.SocketRaw
		}
	}

	s := &afSource{name: name, lt: lt, snaplen: snaplen}
	expr, kernel, user, err := compileLiveFilter(o.LiveOptions, lt, snaplen, name)
	if err != nil {
		return nil, err
	}
	s.filter = expr

	tp, err := afpacket.NewTPacket(
		afpacket.OptInterface(iface),
		afpacket.TPacketVersion3,
		sockType,
		afpacket.OptFrameSize(frameSize),
		afpacket.OptBlockSize(blockSize),
		afpacket.OptNumBlocks(numBlocks),
		afpacket.OptBlockTimeout(blockTimeout),
		afpacket.OptPollTimeout(o.ReadTimeout),
		// Frames as on the wire: the kernel moves the outer 802.1Q tag
		// into metadata, and the decoder expects it in the frame.
		afpacket.OptAddVLANHeader(lt == layers.LinkTypeEthernet),
	)
	if err != nil {
		return nil, openError(name, err)
	}
	s.tp = tp
	fail := func(err error) (LiveSource, error) {
		tp.Close()
		return nil, err
	}
	if err := tp.SetBPF(kernel); err != nil {
		return fail(fmt.Errorf("%w %q on %s: the kernel refused the program: %v", ErrBadFilter, expr, name, err))
	}
	// Packets queued between the socket's bind and the filter's attach
	// were not filtered; they carry earlier timestamps than this.
	s.attached = time.Now()
	s.userFilter = user
	if o.Promisc && iface != "" {
		if err := tp.SetPromiscuous(true); err != nil {
			return fail(fmt.Errorf("cannot capture on %s: promiscuous mode: %v", name, err))
		}
	}
	if o.Fanout != FanoutNone {
		ft, ok := fanoutTypes[o.Fanout]
		if !ok {
			return fail(fmt.Errorf("cannot capture on %s: unknown fanout mode %d", name, o.Fanout))
		}
		if err := tp.SetFanout(ft, o.FanoutID); err != nil {
			return fail(fmt.Errorf("cannot capture on %s: joining fanout group %d: %v", name, o.FanoutID, err))
		}
	}
	s.ifDrops0 = interfaceDrops(iface)
	return s, nil
}

// compileLiveFilter compiles the capture filter twice: for the kernel
// (outer VLAN tag in metadata) and for user space (frames as delivered).
// It returns the expression in force.
func compileLiveFilter(o LiveOptions, lt layers.LinkType, snaplen int, name string) (string, []bpf.RawInstruction, *filter.Matcher, error) {
	exprs := []string{DefaultFilter, DefaultFilterNoVLAN}
	if o.CustomFilter {
		exprs = []string{o.Filter}
	}
	var first error
	for _, expr := range exprs {
		full := expr
		if lt == layers.LinkTypeRaw {
			// Cooked sockets deliver every protocol; raw IP frames must be IP.
			full = "(ip or ip6)"
			if strings.TrimSpace(expr) != "" {
				full += " and (" + expr + ")"
			}
		}
		kernel, err := filter.Assemble(full, lt, filter.Options{Snaplen: uint32(snaplen), KernelVLAN: true})
		if err == nil {
			var user *filter.Matcher
			user, err = filter.NewMatcher(full, lt)
			if err == nil {
				return strings.TrimSpace(expr), kernel, user, nil
			}
		}
		if first == nil {
			first = err
		}
	}
	if o.CustomFilter {
		return "", nil, nil, fmt.Errorf("%w %q on %s: %v", ErrBadFilter, o.Filter, name, first)
	}
	return "", nil, nil, fmt.Errorf("%w: the default filter does not compile on %s (link type %s): %v; pass --bpf", ErrBadFilter, name, lt, first)
}

// openError turns a failed socket setup into one actionable line.
func openError(name string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("cannot capture on %s: %w: run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip $(which ftpsniff))", name, ErrPermission)
	case errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return fmt.Errorf("cannot capture on %s: %w ('ftpsniff interfaces' lists them)", name, ErrNoInterface)
	case errors.Is(err, unix.ENOMEM):
		return fmt.Errorf("cannot capture on %s: the kernel cannot allocate the capture ring; lower --buffer-size", name)
	}
	return fmt.Errorf("cannot capture on %s: %v", name, err)
}

// deviceType is the interface's ARPHRD_ type (SIOCGIFHWADDR), asked in
// the caller's network namespace.
func deviceType(name string) (uint16, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, err
	}
	return ifr.Uint16(), nil
}

// interfaceDrops is what the interface and driver dropped so far
// (/proc/net/dev's "drop": rx_dropped plus rx_missed_errors), or -1 when
// sysfs does not say (the "any" device; a sysfs of another namespace).
func interfaceDrops(iface string) int64 {
	if iface == "" {
		return -1
	}
	var sum int64
	for _, f := range []string{"rx_dropped", "rx_missed_errors"} {
		b, err := os.ReadFile("/sys/class/net/" + iface + "/statistics/" + f)
		if err != nil {
			return -1
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return -1
		}
		sum += n
	}
	return sum
}

// afSource reads one TPACKET_V3 ring.
type afSource struct {
	tp      *afpacket.TPacket
	name    string
	lt      layers.LinkType
	snaplen int
	filter  string
	// userFilter re-checks packets stamped before attached, which may
	// have been queued before the kernel filter was in place.
	userFilter *filter.Matcher
	attached   time.Time
	ifDrops0   int64
	n          int64
	closed     bool
}

// Next implements Source. The frame's Data aliases the ring and is valid
// until the next call.
func (s *afSource) Next() (Frame, error) {
	if s.closed {
		return Frame{}, io.EOF
	}
	for {
		data, ci, err := s.tp.ZeroCopyReadPacketData()
		switch {
		case errors.Is(err, afpacket.ErrTimeout):
			return Frame{}, ErrIdle
		case err != nil:
			return Frame{}, fmt.Errorf("reading from %s: %v", s.name, err)
		}
		if !ci.Timestamp.After(s.attached) && !s.userFilter.Match(data) {
			continue
		}
		if len(data) > s.snaplen {
			data = data[:s.snaplen]
		}
		s.n++
		return Frame{TS: ci.Timestamp, LinkType: s.lt, Data: data, OrigLen: ci.Length, Number: s.n}, nil
	}
}

// Warnings implements Source: a live capture has none.
func (s *afSource) Warnings() []Warning { return nil }

// Close implements Source.
func (s *afSource) Close() error {
	if !s.closed {
		s.closed = true
		s.tp.Close()
	}
	return nil
}

// Stats implements LiveSource with the kernel's PACKET_STATISTICS, which
// count as libpcap's do on Linux: Received includes the packets dropped
// because the ring was full, DroppedKernel is those. DroppedInterface is
// the interface's drop counter since the capture opened (0 when the
// system does not say).
func (s *afSource) Stats() (LiveStats, error) {
	if s.closed {
		return LiveStats{}, errors.New("capture is closed")
	}
	_, v3, err := s.tp.SocketStats()
	if err != nil {
		return LiveStats{}, fmt.Errorf("capture statistics of %s: %v", s.name, err)
	}
	st := LiveStats{Received: int64(v3.Packets()), DroppedKernel: int64(v3.Drops())}
	if s.ifDrops0 >= 0 {
		if now := interfaceDrops(s.name); now >= s.ifDrops0 {
			st.DroppedInterface = now - s.ifDrops0
		}
	}
	return st, nil
}

// LinkType implements LiveSource.
func (s *afSource) LinkType() layers.LinkType { return s.lt }

// Snaplen implements LiveSource.
func (s *afSource) Snaplen() int { return s.snaplen }

// Filter implements LiveSource.
func (s *afSource) Filter() string { return s.filter }

// Nanosecond implements LiveSource: TPACKET_V3 stamps in nanoseconds.
func (s *afSource) Nanosecond() bool { return true }
