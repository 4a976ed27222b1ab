package packet

import (
	"encoding/binary"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// UDP ports of the overlay encapsulations decoded (IANA).
const (
	portVXLAN  = 4789 // RFC 7348
	portGeneve = 6081 // RFC 8926
)

// gre decodes GRE version 0 (RFC 2784, with the key and sequence number of
// RFC 2890) and what it carries: IP, Ethernet (transparent bridging) and
// ERSPAN types I, II and III. Version 1 (PPTP) and the source-routed form
// of RFC 1701 are not followed.
func (d *Decoder) gre(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 4 {
		return false, errGREShort
	}
	flags := binary.BigEndian.Uint16(data)
	if flags&0x0007 != 0 || flags&0x4000 != 0 {
		return false, nil // version 1 (PPTP), or routing present
	}
	hl := 4
	if flags&0x8000 != 0 { // checksum present
		hl += 4
	}
	if flags&0x2000 != 0 { // key present
		hl += 4
	}
	seq := flags&0x1000 != 0
	if seq {
		hl += 4
	}
	if len(data) < hl {
		return false, errGREShort
	}
	proto := binary.BigEndian.Uint16(data[2:])
	data = data[hl:]
	switch proto {
	case etTEB:
		return d.ethernet(data, ts, p, depth)
	case etERSPAN2:
		if !seq { // type I: no ERSPAN header
			return d.ethernet(data, ts, p, depth)
		}
		if len(data) < 8 {
			return false, errTunnelShort
		}
		return d.ethernet(data[8:], ts, p, depth)
	case etERSPAN3:
		if len(data) < 12 {
			return false, errTunnelShort
		}
		hl := 12
		if data[11]&1 != 0 { // O bit: platform-specific subheader
			hl += 8
		}
		if len(data) < hl {
			return false, errTunnelShort
		}
		return d.ethernet(data[hl:], ts, p, depth)
	}
	return d.etherType(proto, data, ts, p, depth)
}

// udp follows the overlay encapsulations that traffic mirroring uses
// (VXLAN, as AWS Traffic Mirroring sends it, and Geneve), on their IANA
// ports; other UDP is not TCP. Fragmented UDP is not reassembled, so an
// overlay packet is only decoded when it arrives whole.
func (d *Decoder) udp(data []byte, ts time.Time, p *tcp.Segment, depth int) (bool, error) {
	if len(data) < 8 {
		return false, errUDPShort
	}
	dport := binary.BigEndian.Uint16(data[2:])
	data = data[8:]
	switch dport {
	case portVXLAN:
		// RFC 7348 5: flags (I bit set), reserved, VNI, reserved.
		if len(data) < 8 {
			return false, errTunnelShort
		}
		if data[0]&0x08 == 0 {
			return false, nil
		}
		return d.ethernet(data[8:], ts, p, depth)
	case portGeneve:
		// RFC 8926 3.4: version, option length in 4-byte words,
		// flags, protocol type, VNI, reserved, options.
		if len(data) < 8 {
			return false, errTunnelShort
		}
		if data[0]>>6 != 0 {
			return false, nil
		}
		hl := 8 + int(data[0]&0x3f)*4
		if len(data) < hl {
			return false, errTunnelShort
		}
		proto := binary.BigEndian.Uint16(data[2:])
		if proto == etTEB {
			return d.ethernet(data[hl:], ts, p, depth)
		}
		return d.etherType(proto, data[hl:], ts, p, depth)
	}
	return false, nil
}
