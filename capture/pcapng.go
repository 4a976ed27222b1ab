package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcapng block types (draft-ietf-opsawg-pcapng, section 11.1).
const (
	ngBlockIDB = 0x00000001 // Interface Description Block (4.2)
	ngBlockPB  = 0x00000002 // Packet Block, obsolete (Appendix A)
	ngBlockSPB = 0x00000003 // Simple Packet Block (4.4)
	ngBlockEPB = 0x00000006 // Enhanced Packet Block (4.3)
	ngBlockSHB = magicNgSHB // Section Header Block (4.1)
)

// pcapng option codes used here (draft-ietf-opsawg-pcapng 4.2).
const (
	ngOptEnd      = 0
	ngOptTSResol  = 9  // if_tsresol
	ngOptTSOffset = 14 // if_tsoffset
)

const (
	// ngByteOrderMagic is the SHB's Byte-Order Magic (4.1).
	ngByteOrderMagic = 0x1a2b3c4d
	// ngMaxMetaBlock bounds the blocks that are read whole to be parsed
	// (section and interface headers): their options are short strings.
	ngMaxMetaBlock = 1 << 20
	// ngMaxPacketOptions is how many bytes of options a packet block may
	// carry on top of its data (comments, hashes, flags, verdicts).
	ngMaxPacketOptions = 64 << 10
	// ngMaxInterfaces bounds the interfaces of one section.
	ngMaxInterfaces = 1 << 16
)

// ngIface is what a packet needs from its Interface Description Block.
type ngIface struct {
	link    layers.LinkType
	snapLen uint32
	// perSec is the number of timestamp units per second (if_tsresol,
	// default 10^6).
	perSec uint64
	// offset is if_tsoffset, seconds added to every timestamp.
	offset int64
}

// ngReader reads pcapng: one or more sections, each with its byte order and
// its own interfaces, every packet taking the link type and timestamp
// resolution of its interface.
type ngReader struct {
	br       *bufio.Reader
	bigEnd   bool
	ifaces   []ngIface
	maxFrame int
	skip     int    // bytes of the previous block still in br
	buf      []byte // blocks longer than br's buffer
	// lastTS is given to Simple Packet Blocks, which have no timestamp,
	// so they keep their place in a merge.
	lastTS time.Time
}

func openPcapng(br *bufio.Reader, maxFrame int) (recordReader, error) {
	r := &ngReader{br: br, maxFrame: maxFrame}
	if err := r.section(); err != nil {
		if isTruncation(err) {
			return failedReader{err}, nil
		}
		detail := strings.TrimPrefix(err.Error(), ErrDamaged.Error()+": ")
		return nil, fmt.Errorf("%w (pcapng: %s)", ErrNotCapture, detail)
	}
	return r, nil
}

func (r *ngReader) u16(b []byte) uint16 {
	if r.bigEnd {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *ngReader) u32(b []byte) uint32 {
	if r.bigEnd {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *ngReader) u64(b []byte) uint64 {
	if r.bigEnd {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// discardSkip drops the previous block from the buffer.
func (r *ngReader) discardSkip() {
	if r.skip > 0 {
		_, _ = r.br.Discard(r.skip) // peeked, so buffered
		r.skip = 0
	}
}

// block reads the whole current block, of total length n, and returns it.
// The block is at most limit bytes; it aliases br's buffer when it fits.
func (r *ngReader) block(n uint32, limit int) ([]byte, error) {
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("%w: a block claims %d bytes, more than the %d-byte limit", ErrDamaged, n, limit)
	}
	var b []byte
	if int(n) <= r.br.Size() {
		var err error
		if b, err = r.br.Peek(int(n)); err != nil {
			return nil, readError(err, "inside a block")
		}
		r.skip = int(n)
	} else {
		if cap(r.buf) < int(n) {
			r.buf = make([]byte, n)
		}
		b = r.buf[:n]
		if _, err := io.ReadFull(r.br, b); err != nil {
			return nil, readError(err, "inside a block")
		}
	}
	if r.u32(b[n-4:]) != n {
		return nil, fmt.Errorf("%w: block lengths at its start and end differ", ErrDamaged)
	}
	return b, nil
}

// skipBlock passes over a block of total length n that is not needed,
// without buffering it, and checks its trailing length.
func (r *ngReader) skipBlock(n uint32) error {
	if _, err := r.br.Discard(int(n) - 4); err != nil {
		return readError(err, "inside a block")
	}
	t, err := r.br.Peek(4)
	if err != nil {
		return readError(err, "inside a block")
	}
	if r.u32(t) != n {
		return fmt.Errorf("%w: block lengths at its start and end differ", ErrDamaged)
	}
	r.skip = 4
	return nil
}

// section reads a Section Header Block at the current position: it sets
// the byte order and forgets the previous section's interfaces.
func (r *ngReader) section() error {
	h, err := r.br.Peek(12)
	if err != nil {
		return readError(err, "inside a section header")
	}
	switch binary.LittleEndian.Uint32(h[8:]) {
	case ngByteOrderMagic:
		r.bigEnd = false
	case bits.ReverseBytes32(ngByteOrderMagic):
		r.bigEnd = true
	default:
		return fmt.Errorf("%w: section header with a bad byte-order magic", ErrDamaged)
	}
	n := r.u32(h[4:])
	if n < 28 || n%4 != 0 {
		return fmt.Errorf("%w: section header of %d bytes", ErrDamaged, n)
	}
	b, err := r.block(n, ngMaxMetaBlock)
	if err != nil {
		return err
	}
	if major := r.u16(b[12:]); major != 1 {
		return fmt.Errorf("%w: pcapng version %d.%d is not supported", ErrDamaged, major, r.u16(b[14:]))
	}
	r.ifaces = r.ifaces[:0]
	return nil
}

// iface parses an Interface Description Block.
func (r *ngReader) iface(b []byte) error {
	if len(b) < 20 {
		return fmt.Errorf("%w: interface description of %d bytes", ErrDamaged, len(b))
	}
	if len(r.ifaces) >= ngMaxInterfaces {
		return fmt.Errorf("%w: more than %d interfaces in a section", ErrDamaged, ngMaxInterfaces)
	}
	ifc := ngIface{
		link:    layers.LinkType(r.u16(b[8:])),
		snapLen: r.u32(b[12:]),
		perSec:  1e6,
	}
	opts := b[16 : len(b)-4]
	for len(opts) >= 4 {
		code, n := r.u16(opts), int(r.u16(opts[2:]))
		if code == ngOptEnd || 4+n > len(opts) {
			break // options are not vital: stop at the first bad one
		}
		v := opts[4 : 4+n]
		switch {
		case code == ngOptTSResol && n >= 1:
			perSec, ok := tsResolution(v[0])
			if !ok {
				return fmt.Errorf("%w: timestamp resolution %#x is not supported", ErrDamaged, v[0])
			}
			ifc.perSec = perSec
		case code == ngOptTSOffset && n >= 8:
			ifc.offset = int64(r.u64(v))
		}
		opts = opts[min(4+(n+3)&^3, len(opts)):]
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

// tsResolution converts if_tsresol to units per second: the value is a
// negative power of 10, or of 2 when the top bit is set.
func tsResolution(v byte) (uint64, bool) {
	exp := v & 0x7f
	if v&0x80 != 0 {
		if exp > 63 {
			return 0, false
		}
		return 1 << exp, true
	}
	if exp > 19 { // 10^20 does not fit in 64 bits
		return 0, false
	}
	p := uint64(1)
	for range exp {
		p *= 10
	}
	return p, true
}

// timestamp converts a 64-bit pcapng timestamp of interface ifc.
func (ifc *ngIface) timestamp(ts uint64) time.Time {
	var sec, nsec uint64
	switch ifc.perSec {
	case 1e6:
		sec, nsec = ts/1e6, ts%1e6*1e3
	case 1e9:
		sec, nsec = ts/1e9, ts%1e9
	default:
		sec = ts / ifc.perSec
		// rem < perSec, so the 128-bit product's high word is below
		// perSec and Div64 cannot panic.
		hi, lo := bits.Mul64(ts%ifc.perSec, 1e9)
		nsec, _ = bits.Div64(hi, lo, ifc.perSec)
	}
	return time.Unix(int64(sec)+ifc.offset, int64(nsec)).UTC()
}

func (r *ngReader) next(f *Frame) error {
	for {
		r.discardSkip()
		h, err := r.br.Peek(8)
		if err != nil {
			if len(h) == 0 && err == io.EOF {
				return io.EOF
			}
			return readError(err, "inside a block header")
		}
		typ := r.u32(h)
		if typ == ngBlockSHB {
			if err := r.section(); err != nil {
				return err
			}
			continue
		}
		n := r.u32(h[4:])
		if n < 12 || n%4 != 0 {
			return fmt.Errorf("%w: a block claims %d bytes", ErrDamaged, n)
		}
		switch typ {
		case ngBlockEPB, ngBlockPB:
			return r.packet(f, typ, n)
		case ngBlockSPB:
			return r.simplePacket(f, n)
		case ngBlockIDB:
			b, err := r.block(n, ngMaxMetaBlock)
			if err != nil {
				return err
			}
			if err := r.iface(b); err != nil {
				return err
			}
		default:
			// Statistics, name resolution, decryption secrets, custom
			// blocks: not needed for analysis.
			if err := r.skipBlock(n); err != nil {
				return err
			}
		}
	}
}

// packet reads an Enhanced Packet Block (4.3) or an obsolete Packet Block
// (Appendix A); both share the layout after the interface field.
func (r *ngReader) packet(f *Frame, typ, n uint32) error {
	if n < 32 {
		return fmt.Errorf("%w: packet block of %d bytes", ErrDamaged, n)
	}
	b, err := r.block(n, 32+r.maxFrame+ngMaxPacketOptions)
	if err != nil {
		return err
	}
	var id uint32
	if typ == ngBlockEPB {
		id = r.u32(b[8:])
	} else {
		id = uint32(r.u16(b[8:]))
	}
	capLen, origLen := r.u32(b[20:]), r.u32(b[24:])
	if uint64(capLen) > uint64(r.maxFrame) {
		return fmt.Errorf("%w: a packet claims %d bytes, more than the %d-byte limit", ErrDamaged, capLen, r.maxFrame)
	}
	if uint64(capLen) > uint64(n)-32 {
		return fmt.Errorf("%w: packet data overruns its block", ErrDamaged)
	}
	if uint64(id) >= uint64(len(r.ifaces)) {
		return fmt.Errorf("%w: a packet refers to interface %d, the section has %d", ErrDamaged, id, len(r.ifaces))
	}
	ifc := &r.ifaces[id]
	f.TS = ifc.timestamp(uint64(r.u32(b[12:]))<<32 | uint64(r.u32(b[16:])))
	f.LinkType = ifc.link
	f.Data = b[28 : 28+capLen]
	f.OrigLen = int(max(origLen, capLen))
	r.lastTS = f.TS
	return nil
}

// simplePacket reads a Simple Packet Block (4.4): interface 0, no
// timestamp, captured length implied by the block and the snap length.
func (r *ngReader) simplePacket(f *Frame, n uint32) error {
	if n < 16 {
		return fmt.Errorf("%w: simple packet block of %d bytes", ErrDamaged, n)
	}
	b, err := r.block(n, 16+r.maxFrame)
	if err != nil {
		return err
	}
	if len(r.ifaces) == 0 {
		return fmt.Errorf("%w: a packet comes before any interface description", ErrDamaged)
	}
	ifc := &r.ifaces[0]
	origLen := r.u32(b[8:])
	capLen := min(origLen, n-16)
	if ifc.snapLen != 0 {
		capLen = min(capLen, ifc.snapLen)
	}
	f.TS = r.lastTS
	f.LinkType = ifc.link
	f.Data = b[12 : 12+capLen]
	f.OrigLen = int(origLen)
	return nil
}
