//go:build pcap

package capture

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// LiveSupported is true in builds that can capture from interfaces.
const LiveSupported = true

// libpcap status codes of pcap_activate(3PCAP) (pcap/pcap.h). gopacket
// returns them as an unexported integer type, so they are read back by
// reflection in activateCode.
const (
	pcapErrorNoSuchDevice      = -5
	pcapErrorPermDenied        = -8
	pcapErrorIfaceNotUp        = -9
	pcapErrorPromiscPermDenied = -11
	pcapWarningPromiscNotSup   = 2
)

// pcap_if flags (pcap/pcap.h).
const (
	pcapIfLoopback         = 0x01
	pcapIfUp               = 0x02
	pcapIfRunning          = 0x04
	pcapIfWireless         = 0x08
	pcapIfConnStatus       = 0x30
	pcapIfConnConnected    = 0x10
	pcapIfConnDisconnected = 0x20
)

// OpenLive starts capturing on o.Interface. Errors wrap ErrNoInterface,
// ErrPermission, ErrInterfaceDown or ErrBadFilter when they are one of
// those, and always name the interface.
func OpenLive(o LiveOptions) (LiveSource, error) {
	if o.Interface == "" {
		return nil, fmt.Errorf("%w: no interface named", ErrNoInterface)
	}
	snaplen := o.Snaplen
	if snaplen <= 0 {
		snaplen = DefaultSnaplen
	}
	bufSize := o.BufferSize
	if bufSize <= 0 {
		bufSize = DefaultBufferSize
	}
	timeout := o.ReadTimeout
	if timeout <= 0 {
		timeout = DefaultReadTimeout
	}
	name := o.Interface
	in, err := pcap.NewInactiveHandle(name)
	if err != nil {
		return nil, fmt.Errorf("cannot capture on %s: %v", name, err)
	}
	defer in.CleanUp()
	for _, set := range []func() error{
		func() error { return in.SetSnapLen(snaplen) },
		func() error { return in.SetPromisc(o.Promisc) },
		func() error { return in.SetBufferSize(bufSize) },
		// Immediate mode hands each packet over as it arrives instead of
		// when a kernel block fills, so events show up live; the timeout
		// then only bounds how long a read waits on a quiet link.
		func() error { return in.SetImmediateMode(true) },
		func() error { return in.SetTimeout(timeout) },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("cannot capture on %s: %v", name, err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, activateError(name, err, in.Error())
	}
	s := &liveSource{h: h, name: name, lt: h.LinkType(), snaplen: h.SnapLen()}
	s.nano = h.Resolution() == gopacket.TimestampResolutionNanosecond
	if err := s.setFilter(o); err != nil {
		h.Close()
		return nil, err
	}
	return s, nil
}

// activateError turns a failed pcap_activate into one actionable line.
func activateError(name string, err, detail error) error {
	why := ""
	if detail != nil {
		why = strings.TrimSpace(detail.Error())
	}
	switch activateCode(err) {
	case pcapErrorNoSuchDevice:
		return fmt.Errorf("cannot capture on %s: %w ('ftpsniff interfaces' lists them)", name, ErrNoInterface)
	case pcapErrorPermDenied, pcapErrorPromiscPermDenied:
		return fmt.Errorf("cannot capture on %s: %w: run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip $(which ftpsniff))", name, ErrPermission)
	case pcapErrorIfaceNotUp:
		return fmt.Errorf("cannot capture on %s: %w (ip link set %s up)", name, ErrInterfaceDown, name)
	case pcapWarningPromiscNotSup:
		return fmt.Errorf("cannot capture on %s: promiscuous mode is not supported there; drop --promisc", name)
	}
	msg := strings.TrimPrefix(err.Error(), "Error: ")
	if why != "" && !strings.Contains(msg, why) {
		msg += ": " + why
	}
	why = msg
	if strings.Contains(strings.ToLower(why), "permitted") {
		return fmt.Errorf("cannot capture on %s: %w (%s): run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip $(which ftpsniff))", name, ErrPermission, why)
	}
	return fmt.Errorf("cannot capture on %s: %s", name, why)
}

// activateCode extracts libpcap's status code from the error gopacket
// returns for pcap_activate (an unexported integer type); 0 when the
// error is of another kind.
func activateCode(err error) int64 {
	v := reflect.ValueOf(err)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	}
	return 0
}

// setFilter installs the user's filter, or the first default filter that
// compiles for the link type.
func (s *liveSource) setFilter(o LiveOptions) error {
	if o.CustomFilter {
		if strings.TrimSpace(o.Filter) == "" {
			return nil
		}
		if err := s.h.SetBPFFilter(o.Filter); err != nil {
			return fmt.Errorf("%w %q on %s: %v", ErrBadFilter, o.Filter, s.name, err)
		}
		s.filter = o.Filter
		return nil
	}
	var first error
	for _, f := range []string{DefaultFilter, DefaultFilterNoVLAN} {
		err := s.h.SetBPFFilter(f)
		if err == nil {
			s.filter = f
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return fmt.Errorf("%w: the default filter does not compile on %s (link type %s): %v; pass --bpf", ErrBadFilter, s.name, s.lt, first)
}

// liveSource reads one pcap handle.
type liveSource struct {
	h       *pcap.Handle
	name    string
	lt      layers.LinkType
	snaplen int
	filter  string
	nano    bool
	n       int64
	closed  bool
}

// Next implements Source. The frame's Data aliases libpcap's buffer and
// is valid until the next call.
func (s *liveSource) Next() (Frame, error) {
	if s.closed {
		return Frame{}, io.EOF
	}
	data, ci, err := s.h.ZeroCopyReadPacketData()
	switch {
	case err == nil:
		s.n++
		return Frame{TS: ci.Timestamp, LinkType: s.lt, Data: data, OrigLen: ci.Length, Number: s.n}, nil
	case errors.Is(err, pcap.NextErrorTimeoutExpired):
		return Frame{}, ErrIdle
	case errors.Is(err, io.EOF):
		return Frame{}, io.EOF
	}
	why := err.Error()
	if d := s.h.Error(); d != nil && d.Error() != "" {
		why = d.Error()
	}
	return Frame{}, fmt.Errorf("reading from %s: %s", s.name, why)
}

// Warnings implements Source: a live capture has none (problems end it
// with an error from Next).
func (s *liveSource) Warnings() []Warning { return nil }

// Close implements Source.
func (s *liveSource) Close() error {
	if !s.closed {
		s.closed = true
		s.h.Close()
	}
	return nil
}

// Stats implements LiveSource.
func (s *liveSource) Stats() (LiveStats, error) {
	if s.closed {
		return LiveStats{}, errors.New("capture is closed")
	}
	st, err := s.h.Stats()
	if err != nil {
		return LiveStats{}, err
	}
	return LiveStats{
		Received:         int64(st.PacketsReceived),
		DroppedKernel:    int64(st.PacketsDropped),
		DroppedInterface: int64(st.PacketsIfDropped),
	}, nil
}

// LinkType implements LiveSource.
func (s *liveSource) LinkType() layers.LinkType { return s.lt }

// Snaplen implements LiveSource.
func (s *liveSource) Snaplen() int { return s.snaplen }

// Filter implements LiveSource.
func (s *liveSource) Filter() string { return s.filter }

// Nanosecond implements LiveSource.
func (s *liveSource) Nanosecond() bool { return s.nano }

// Interfaces lists the interfaces libpcap can capture on
// (pcap_findalldevs(3PCAP)), in its order: up and running first.
func Interfaces() ([]Interface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	out := make([]Interface, 0, len(devs))
	for _, d := range devs {
		ifc := Interface{Name: d.Name, Description: d.Description, Flags: ifFlags(d.Flags)}
		for _, a := range d.Addresses {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			bits := ip.BitLen()
			if a.Netmask != nil {
				ones, size := a.Netmask.Size()
				switch {
				case size == bits:
					bits = ones
				case size == 128 && ip.Is4() && ones >= 96:
					bits = ones - 96 // IPv4 mask in IPv6 form
				}
			}
			ifc.Addresses = append(ifc.Addresses, netip.PrefixFrom(ip, bits))
		}
		out = append(out, ifc)
	}
	return out, nil
}

// ifFlags names pcap_if flags.
func ifFlags(f uint32) []string {
	var out []string
	if f&pcapIfUp != 0 {
		out = append(out, "up")
	}
	if f&pcapIfRunning != 0 {
		out = append(out, "running")
	}
	if f&pcapIfLoopback != 0 {
		out = append(out, "loopback")
	}
	if f&pcapIfWireless != 0 {
		out = append(out, "wireless")
	}
	switch f & pcapIfConnStatus {
	case pcapIfConnConnected:
		out = append(out, "connected")
	case pcapIfConnDisconnected:
		out = append(out, "disconnected")
	}
	return out
}
