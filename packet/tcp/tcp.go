// Package tcp holds the TCP segment, the one type packet decoding
// produces and TCP reassembly consumes. It sits apart from both so that
// reassembly needs none of the link and IP decoders (as gopacket's
// reassembly needs only the TCP layer, not the decoders that found it),
// and depends on nothing but the standard library.
package tcp

import (
	"net/netip"
	"time"
)

// Flags are the TCP flags reassembly looks at.
type Flags uint8

// TCP flag bits, as in the TCP header (RFC 9293 section 3.1).
const (
	FIN Flags = 1 << 0
	SYN Flags = 1 << 1
	RST Flags = 1 << 2
	PSH Flags = 1 << 3
	ACK Flags = 1 << 4
)

// Segment is one decoded TCP segment. Payload aliases the capture buffer
// (or, for a reassembled IP datagram, the decoder's own buffer) and is
// valid only until the next packet is read or decoded.
type Segment struct {
	TS       time.Time
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    Flags
	// Payload is the captured TCP payload; it may be shorter than WireLen
	// when the capture was cut by a snaplen.
	Payload []byte
	// WireLen is the TCP payload length on the wire, from the IP header.
	WireLen int
}
