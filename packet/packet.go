// Package packet decodes captured frames into TCP segments: the link
// layers of common captures (a table of link types), VLAN and MPLS tags,
// IPv4 and IPv6 with their fragments reassembled, the tunnels traffic
// mirroring uses, and the TCP header. DecodeAhead runs the same decoder a
// few batches ahead of its consumer on a second core.
//
// It sits between capture, which reads frames, and reassembly, which
// follows TCP connections; the segment it fills is tcp.Segment, so
// reassembly needs nothing from this package.
package packet

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Sentinel errors of Decoder.Decode; callers test them with
// errors.Is. The errors Decode returns wrap one of them with the layer at
// fault, and their text does not depend on the packet, so a caller can
// count them by message.
var (
	// ErrShortPacket: a header is cut short, by the end of the capture
	// record or by the length its outer header gives.
	ErrShortPacket = errors.New("packet too short")
	// ErrMalformed: a header field is impossible (wrong IP version, header
	// length below the minimum, nesting deeper than the decoder follows).
	ErrMalformed = errors.New("malformed packet")
	// ErrUnsupportedLink: the frame's link type is not one the decoder
	// knows; every frame of that type is skipped.
	ErrUnsupportedLink = errors.New("unsupported link type")
)

// Fixed, wrapped errors: no allocation on a flood of bad packets.
var (
	errEthernetShort = fmt.Errorf("ethernet: %w", ErrShortPacket)
	errVLANShort     = fmt.Errorf("802.1Q tag: %w", ErrShortPacket)
	errVLANDepth     = fmt.Errorf("802.1Q: %w (more than %d stacked tags)", ErrMalformed, maxVLANTags)
	errLLCShort      = fmt.Errorf("802.2 LLC/SNAP: %w", ErrShortPacket)
	errMPLSShort     = fmt.Errorf("MPLS: %w", ErrShortPacket)
	errMPLSDepth     = fmt.Errorf("MPLS: %w (more than %d labels)", ErrMalformed, maxMPLSLabels)
	errPPPoEShort    = fmt.Errorf("PPPoE: %w", ErrShortPacket)
	errPPPShort      = fmt.Errorf("PPP: %w", ErrShortPacket)
	errSLLShort      = fmt.Errorf("cooked (SLL) header: %w", ErrShortPacket)
	errNullShort     = fmt.Errorf("loopback header: %w", ErrShortPacket)
	errRawVersion    = fmt.Errorf("raw IP: %w (IP version is neither 4 nor 6)", ErrMalformed)
	errIPv4Short     = fmt.Errorf("IPv4: %w", ErrShortPacket)
	errIPv4Version   = fmt.Errorf("IPv4: %w (version field is not 4)", ErrMalformed)
	errIPv4HdrLen    = fmt.Errorf("IPv4: %w (header length below 20 bytes)", ErrMalformed)
	errIPv4TotalLen  = fmt.Errorf("IPv4: %w (total length below header length)", ErrMalformed)
	errIPv6Short     = fmt.Errorf("IPv6: %w", ErrShortPacket)
	errIPv6Version   = fmt.Errorf("IPv6: %w (version field is not 6)", ErrMalformed)
	errIPv6ExtShort  = fmt.Errorf("IPv6 extension header: %w", ErrShortPacket)
	errIPv6ExtDepth  = fmt.Errorf("IPv6: %w (more than %d extension headers)", ErrMalformed, maxIPv6ExtHeaders)
	errTunnelDepth   = fmt.Errorf("tunnel: %w (more than %d nested encapsulations)", ErrMalformed, maxTunnelDepth)
	errGREShort      = fmt.Errorf("GRE: %w", ErrShortPacket)
	errAHShort       = fmt.Errorf("IPsec AH: %w", ErrShortPacket)
	errUDPShort      = fmt.Errorf("UDP: %w", ErrShortPacket)
	errTunnelShort   = fmt.Errorf("VXLAN/Geneve/ERSPAN: %w", ErrShortPacket)
	errTCPShort      = fmt.Errorf("TCP: %w", ErrShortPacket)
	errTCPHdrLen     = fmt.Errorf("TCP: %w (data offset below 20 bytes)", ErrMalformed)
	errTCPOverrun    = fmt.Errorf("TCP: %w (header longer than the IP payload)", ErrMalformed)
)

// Bounds on what the decoder follows; real traffic stays far below them.
const (
	maxVLANTags       = 8
	maxMPLSLabels     = 16
	maxIPv6ExtHeaders = 16
	maxTunnelDepth    = 4
	maxLinkErrors     = 32 // distinct unsupported link types remembered
)

// Decoder turns captured frames into TCP segments. It is a
// hand-written decoder for exactly what an FTP analysis needs: the link
// layers of common captures, IPv4 and IPv6 (with fragments reassembled)
// and the TCP header. It never allocates per packet, is several times
// faster than a general-purpose layer parser, and reads every length
// field as hostile.
//
// A Decoder is not safe for concurrent use; use one per capture.
type Decoder struct {
	defrag   defragmenter
	linkErrs map[layers.LinkType]error

	// peeking is set while FragmentOf walks a frame: a fragment then ends
	// the walk with its datagram in peeked, instead of going to defrag.
	peeking  bool
	peeked   DatagramID
	peekedOK bool
	// scratch is the segment a FragmentOf walk may fill; nobody reads it.
	scratch tcp.Segment
}

// Option configures a Decoder.
type Option func(*Decoder)

// WithDefragLimits bounds IP fragment reassembly (see DefragLimits).
func WithDefragLimits(l DefragLimits) Option {
	return func(d *Decoder) { d.defrag.init(l) }
}

// NewDecoder returns a decoder with DefaultDefragLimits unless an
// option says otherwise.
func NewDecoder(opts ...Option) *Decoder {
	d := &Decoder{linkErrs: make(map[layers.LinkType]error)}
	d.defrag.init(DefaultDefragLimits())
	for _, o := range opts {
		o(d)
	}
	return d
}

// DefragStats returns the IP reassembly counters so far.
func (d *Decoder) DefragStats() DefragStats { return d.defrag.stats() }

// Decode decodes one frame of link type lt captured at ts. It returns
// ok=true with p filled when the frame is a TCP segment, ok=false and a nil
// error when it is something else (ARP, UDP, ICMP, a fragment still
// waiting for the rest of its datagram), and an error wrapping
// ErrShortPacket, ErrMalformed or ErrUnsupportedLink when it cannot be
// decoded.
//
// p.Payload aliases data, or for a reassembled IP datagram the decoder's
// own buffer; either way it is valid until the next call to Decode (and
// for data, as long as the caller keeps data intact). Payload is clipped
// to the IP length, so link-layer padding and trailers never reach it;
// WireLen is the TCP payload length the IP header gives, larger than
// len(Payload) when the capture's snap length cut the frame.
func (d *Decoder) Decode(lt layers.LinkType, data []byte, ts time.Time, p *tcp.Segment) (ok bool, err error) {
	d.defrag.release()
	if lk := linkOf(lt); lk != nil {
		return lk.decode(d, data, ts, p, 0)
	}
	return false, d.unsupported(lt)
}

// unsupported returns the error for link type lt, made once per type.
func (d *Decoder) unsupported(lt layers.LinkType) error {
	if err, ok := d.linkErrs[lt]; ok {
		return err
	}
	if len(d.linkErrs) >= maxLinkErrors {
		return ErrUnsupportedLink
	}
	err := fmt.Errorf("%w %d", ErrUnsupportedLink, uint16(lt))
	if name := lt.String(); name != "UnknownLinkType" {
		err = fmt.Errorf("%w %d (%s)", ErrUnsupportedLink, uint16(lt), name)
	}
	d.linkErrs[lt] = err
	return err
}

// FragmentOf reports whether a frame carries an IP fragment that Decode
// hands to IP reassembly, and which datagram it belongs to, without
// reassembling anything: a consumer that keeps frames (live -w) can then
// keep a datagram's fragments with the frame that completes it. Fragments
// Decode does not reassemble (of a protocol that cannot carry TCP, or cut
// by the snap length) and frames that do not decode give false. Inside a
// tunnel the first fragment header met counts, as in Decode.
func (d *Decoder) FragmentOf(lt layers.LinkType, data []byte) (DatagramID, bool) {
	lk := linkOf(lt)
	if lk == nil {
		return DatagramID{}, false
	}
	d.peeking, d.peekedOK = true, false
	_, _ = lk.decode(d, data, time.Time{}, &d.scratch, 0)
	d.peeking = false
	return d.peeked, d.peekedOK
}

// fragment hands an IP fragment to the defragmenter; under FragmentOf it
// records the fragment's datagram instead and the walk ends there.
func (d *Decoder) fragment(key DatagramID, off int, more bool, frag []byte, proto uint8, ts time.Time) (whole []byte, wholeProto uint8, done bool) {
	if d.peeking {
		d.peeked, d.peekedOK = key, true
		return nil, 0, false
	}
	return d.defrag.add(key, off, more, frag, proto, ts)
}

// cutFragment counts a fragment the snap length cut short, which cannot
// be reassembled (FragmentOf counts nothing).
func (d *Decoder) cutFragment() {
	if !d.peeking {
		d.defrag.cut()
	}
}
