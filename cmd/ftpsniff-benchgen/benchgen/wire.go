package benchgen

import (
	"bufio"
	"encoding/binary"
	"net/netip"
)

// sum16 adds b to the ones'-complement partial sum s (RFC 1071), eight
// bytes at a time. b must start at an even offset of the summed data.
func sum16(s uint64, b []byte) uint64 {
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		s += v>>48 + (v>>32)&0xffff + (v>>16)&0xffff + v&0xffff
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return s
}

// fold finishes a partial sum into a checksum field value.
func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// pseudoSum is the partial sum of the TCP/UDP pseudo-header (RFC 9293
// 3.1, RFC 8200 8.1).
func pseudoSum(src, dst netip.Addr, proto uint8, length int) uint64 {
	var s uint64
	if src.Is4() {
		a, b := src.As4(), dst.As4()
		s = sum16(s, a[:])
		s = sum16(s, b[:])
	} else {
		a, b := src.As16(), dst.As16()
		s = sum16(s, a[:])
		s = sum16(s, b[:])
	}
	return s + uint64(proto) + uint64(length)
}

// ipv4Checksum fills the header checksum of the IPv4 header h.
func ipv4Checksum(h []byte) {
	h[10], h[11] = 0, 0
	binary.BigEndian.PutUint16(h[10:], fold(sum16(0, h)))
}

// macOf derives a locally administered MAC address from an IP address, so
// each host keeps one MAC across the capture.
func macOf(dst []byte, a netip.Addr) {
	b := a.As16()
	dst[0], dst[1] = 0x02, 0x00
	copy(dst[2:6], b[12:16])
}

// pcapWriter writes a little-endian microsecond pcap (Ethernet).
type pcapWriter struct {
	w       *bufio.Writer
	hdr     [16]byte
	packets int64
	bytes   int64 // file bytes written, headers included
	err     error
}

func newPcapWriter(w *bufio.Writer) *pcapWriter {
	pw := &pcapWriter{w: w}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144) // snap length
	binary.LittleEndian.PutUint32(h[20:], 1)      // LINKTYPE_ETHERNET
	_, pw.err = w.Write(h[:])
	pw.bytes = 24
	return pw
}

// write appends one record; ts is in nanoseconds since the Unix epoch.
func (pw *pcapWriter) write(ts int64, frame []byte) {
	if pw.err != nil {
		return
	}
	us := ts / 1000
	binary.LittleEndian.PutUint32(pw.hdr[0:], uint32(us/1e6))
	binary.LittleEndian.PutUint32(pw.hdr[4:], uint32(us%1e6))
	binary.LittleEndian.PutUint32(pw.hdr[8:], uint32(len(frame)))
	binary.LittleEndian.PutUint32(pw.hdr[12:], uint32(len(frame)))
	if _, pw.err = pw.w.Write(pw.hdr[:]); pw.err != nil {
		return
	}
	_, pw.err = pw.w.Write(frame)
	pw.packets++
	pw.bytes += int64(16 + len(frame))
}

// tcpSeg describes a synthetic TCP segment.
type tcpSeg struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    uint8
	win      uint16
	opts     []byte // TCP options, a multiple of 4 bytes
	payload  []byte
	// paySum is sum16 of payload when known (hasSum), to skip a pass.
	paySum uint64
	hasSum bool
}

// appendTCP appends an Ethernet frame carrying s to buf.
func appendTCP(buf []byte, s *tcpSeg, ipID uint16) []byte {
	buf = appendEtherIP(buf, s.src.Addr(), s.dst.Addr(), 6, 20+len(s.opts)+len(s.payload), ipID)
	l4 := len(buf)
	var h [20]byte
	binary.BigEndian.PutUint16(h[0:], s.src.Port())
	binary.BigEndian.PutUint16(h[2:], s.dst.Port())
	binary.BigEndian.PutUint32(h[4:], s.seq)
	binary.BigEndian.PutUint32(h[8:], s.ack)
	h[12] = byte((20+len(s.opts))/4) << 4
	h[13] = s.flags
	binary.BigEndian.PutUint16(h[14:], s.win)
	buf = append(buf, h[:]...)
	buf = append(buf, s.opts...)
	ps := s.paySum
	if !s.hasSum {
		ps = sum16(0, s.payload)
	}
	buf = append(buf, s.payload...)
	sum := pseudoSum(s.src.Addr(), s.dst.Addr(), 6, len(buf)-l4) + sum16(0, buf[l4:l4+20+len(s.opts)]) + ps
	binary.BigEndian.PutUint16(buf[l4+16:], fold(sum))
	return buf
}

// appendUDP appends an Ethernet frame carrying a UDP datagram to buf.
func appendUDP(buf []byte, src, dst netip.AddrPort, payload []byte, ipID uint16) []byte {
	buf = appendEtherIP(buf, src.Addr(), dst.Addr(), 17, 8+len(payload), ipID)
	l4 := len(buf)
	var h [8]byte
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(payload)))
	buf = append(buf, h[:]...)
	buf = append(buf, payload...)
	c := fold(pseudoSum(src.Addr(), dst.Addr(), 17, 8+len(payload)) + sum16(0, buf[l4:]))
	if c == 0 {
		c = 0xffff // RFC 768: zero means "no checksum"
	}
	binary.BigEndian.PutUint16(buf[l4+6:], c)
	return buf
}

// appendEtherIP appends Ethernet and IP headers for an l4len-byte
// transport segment of protocol proto.
func appendEtherIP(buf []byte, src, dst netip.Addr, proto uint8, l4len int, ipID uint16) []byte {
	var eth [14]byte
	macOf(eth[0:6], dst)
	macOf(eth[6:12], src)
	if src.Is4() {
		binary.BigEndian.PutUint16(eth[12:], 0x0800)
		buf = append(buf, eth[:]...)
		var h [20]byte
		h[0] = 0x45
		binary.BigEndian.PutUint16(h[2:], uint16(20+l4len))
		binary.BigEndian.PutUint16(h[4:], ipID)
		h[6] = 0x40 // DF
		h[8] = 64
		h[9] = proto
		a, b := src.As4(), dst.As4()
		copy(h[12:], a[:])
		copy(h[16:], b[:])
		ipv4Checksum(h[:])
		return append(buf, h[:]...)
	}
	binary.BigEndian.PutUint16(eth[12:], 0x86dd)
	buf = append(buf, eth[:]...)
	var h [40]byte
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(l4len))
	h[6] = proto
	h[7] = 64
	a, b := src.As16(), dst.As16()
	copy(h[8:], a[:])
	copy(h[24:], b[:])
	return append(buf, h[:]...)
}
