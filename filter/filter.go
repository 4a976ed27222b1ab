// Package filter compiles tcpdump filter expressions (pcap-filter(7))
// to classic BPF without libpcap, for the kernel (SO_ATTACH_FILTER,
// AF_PACKET) and for golang.org/x/net/bpf's VM on capture files.
//
// The language is the subset people use to pick traffic: host, net
// (addr/len, addr mask m, partial IPv4 networks), port, portrange, with
// src, dst, "src or dst", "src and dst"; ip, ip6, arp, tcp, udp, sctp,
// icmp, icmp6; [ip|ip6] proto N; vlan [id]; proto[off:size] & mask relop
// value on ether, ip, ip6, tcp, udp, sctp and icmp; and, &&, or, ||, not,
// !, parentheses, and the implicit repetition of the last qualifiers
// ("host 192.0.2.1 or 192.0.2.2", "port 21 or 20"). And and or have
// equal precedence and associate left to right, as in libpcap.
//
// The programs mean what libpcap's mean (the tests compare verdicts with
// libpcap's on many expressions and packets), including its limits:
//
//   - On IPv4, port, portrange and tcp[]/udp[] only match a packet whose
//     fragment offset is zero: later fragments carry no transport header.
//   - On IPv6, tcp, udp, icmp6 and ip6 proto look at the fixed header's
//     Next Header and at a Fragment header right after it; port looks at
//     the fixed header only. No other extension header is walked, so TCP
//     behind a Hop-by-Hop or Routing header does not match "tcp".
//   - host and net without a protocol also match ARP and RARP addresses.
//   - vlan shifts the offsets of every primitive after it in the
//     expression by one tag (4 bytes), whatever the and/or structure.
//
// Host and port names are not resolved: give addresses and numbers.
// Nothing is optimised beyond folding constants; conditional jumps that
// would not fit classic BPF's 8-bit offsets go through an unconditional
// jump, so a long expression still compiles to a valid program.
package filter

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// DefaultSnaplen is what an accepting program returns when Options do not
// say: the whole packet, as libpcap's MAXIMUM_SNAPLEN.
const DefaultSnaplen = 262144

// MaxInstructions is the longest program the Linux kernel accepts
// (BPF_MAXINSNS).
const MaxInstructions = 4096

// Options adjust a compilation.
type Options struct {
	// Snaplen is the byte count an accepting program returns; 0 means
	// DefaultSnaplen.
	Snaplen uint32
	// KernelVLAN compiles the first vlan primitive to Linux's ancillary
	// VLAN loads (SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TAG): a packet
	// socket's filter sees Ethernet frames with the outer 802.1Q tag
	// already moved into metadata. Such a program only runs in the
	// kernel; leave it off for files and bpf.VM. As with libpcap on
	// Linux, a filter without vlan then also matches tagged frames
	// ("tcp" sees the frame as the kernel left it, untagged).
	KernelVLAN bool
}

// Error is a compilation failure at a byte position of the expression.
type Error struct {
	// Pos is the 0-based byte offset of the token that failed.
	Pos int
	Msg string
}

// Error renders one line, the position counted from 1.
func (e *Error) Error() string { return fmt.Sprintf("bpf: at %d: %s", e.Pos+1, e.Msg) }

// Compile compiles expr for frames of link type lt with default options.
// An empty (or all-blank) expression accepts every packet.
func Compile(expr string, lt layers.LinkType) ([]bpf.Instruction, error) {
	return CompileOptions(expr, lt, Options{})
}

// CompileOptions compiles expr for link type lt. Errors are *Error.
func CompileOptions(expr string, lt layers.LinkType, o Options) ([]bpf.Instruction, error) {
	snap := o.Snaplen
	if snap == 0 {
		snap = DefaultSnaplen
	}
	l, ok := links[lt]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("link type %s is not supported by this filter compiler", lt)}
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	if toks[0].kind == tokEOF {
		return generate(trueNode, snap), nil
	}
	p := &parser{toks: toks, link: l, kernelVLAN: o.KernelVLAN && lt == layers.LinkTypeEthernet}
	root, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, errAt(t, "unexpected %s after a complete expression (missing and/or?)", describe(t))
	}
	if c, ok := root.(constNode); ok && !c.v {
		return nil, &Error{Msg: fmt.Sprintf("expression rejects every packet on %s links", l.name)}
	}
	prog := generate(root, snap)
	if len(prog) > MaxInstructions {
		return nil, &Error{Msg: fmt.Sprintf("expression compiles to %d instructions, more than the kernel's %d", len(prog), MaxInstructions)}
	}
	return prog, nil
}

// Assemble compiles expr to the raw form the kernel and
// afpacket.TPacket.SetBPF take.
func Assemble(expr string, lt layers.LinkType, o Options) ([]bpf.RawInstruction, error) {
	prog, err := CompileOptions(expr, lt, o)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("bpf: assembling: %v", err)
	}
	return raw, nil
}

// Matcher runs a compiled expression over frames in user space.
type Matcher struct {
	vm *bpf.VM
}

// NewMatcher compiles expr for link type lt, for Match.
func NewMatcher(expr string, lt layers.LinkType) (*Matcher, error) {
	prog, err := Compile(expr, lt)
	if err != nil {
		return nil, err
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		return nil, fmt.Errorf("bpf: %v", err)
	}
	return &Matcher{vm: vm}, nil
}

// Match reports whether the frame (link header first) passes.
func (m *Matcher) Match(frame []byte) bool {
	n, err := m.vm.Run(frame)
	return err == nil && n > 0
}
