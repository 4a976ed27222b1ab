package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcapReader reads the classic libpcap format: a 24-byte file header, then
// records of a 16-byte header (24 in Kuznetzov's patched format) and the
// captured bytes. See pcap-savefile(5) and draft-ietf-opsawg-pcap.
//
// Records that fit in the input buffer are returned without a copy. A
// record's length is checked against the frame limit before anything is
// read or allocated, so a damaged length field cannot make the reader
// allocate or skip gigabytes.
type pcapReader struct {
	br       *bufio.Reader
	bigEnd   bool
	nano     bool
	swapLens bool // file format before 2.3: caplen and len may be swapped
	hdrLen   int
	link     layers.LinkType
	maxFrame int
	skip     int    // bytes of the previous record still in br
	buf      []byte // records longer than br's buffer
}

// pcapFileHeaderLen is the size of the pcap file header.
const pcapFileHeaderLen = 24

func openPcap(br *bufio.Reader, bigEnd bool, magic uint32, maxFrame int) (recordReader, error) {
	h, err := br.Peek(pcapFileHeaderLen)
	if err != nil {
		return failedReader{readError(err, "inside the pcap file header")}, nil
	}
	r := &pcapReader{
		br:       br,
		bigEnd:   bigEnd,
		nano:     magic == magicNano,
		hdrLen:   16,
		maxFrame: maxFrame,
	}
	if magic == magicKuznetzov {
		// struct pcap_sf_patched_pkthdr: ifindex, protocol, pkt_type, pad.
		r.hdrLen = 24
	}
	major, minor := r.u16(h[4:]), r.u16(h[6:])
	if major != 2 {
		return nil, fmt.Errorf("%w (pcap version %d.%d is not supported)", ErrNotCapture, major, minor)
	}
	r.swapLens = minor < 3
	// The link-type field's upper 16 bits carry FCS information
	// (draft-ietf-opsawg-pcap 4, "LinkType and additional information");
	// the IP layer clips any FCS away, so only the type is kept.
	r.link = layers.LinkType(r.u32(h[20:]) & 0xffff)
	if _, err := br.Discard(pcapFileHeaderLen); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *pcapReader) u16(b []byte) uint16 {
	if r.bigEnd {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *pcapReader) u32(b []byte) uint32 {
	if r.bigEnd {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *pcapReader) next(f *Frame) error {
	if r.skip > 0 {
		// The bytes are buffered (they were peeked), so this cannot fail.
		_, _ = r.br.Discard(r.skip)
		r.skip = 0
	}
	h, err := r.br.Peek(r.hdrLen)
	if err != nil {
		if len(h) == 0 && err == io.EOF {
			return io.EOF
		}
		return readError(err, "inside a record header")
	}
	sec := int64(r.u32(h[0:]))
	frac := int64(r.u32(h[4:]))
	capLen := r.u32(h[8:])
	origLen := r.u32(h[12:])
	if r.swapLens && capLen > origLen {
		capLen, origLen = origLen, capLen
	}
	if uint64(capLen) > uint64(r.maxFrame) {
		return fmt.Errorf("%w: a record claims %d bytes, more than the %d-byte limit", ErrDamaged, capLen, r.maxFrame)
	}
	_, _ = r.br.Discard(r.hdrLen)
	n := int(capLen)
	var data []byte
	if n <= r.br.Size() {
		data, err = r.br.Peek(n)
		if err != nil {
			return readError(err, "inside a packet record")
		}
		r.skip = n
	} else {
		if cap(r.buf) < n {
			r.buf = make([]byte, n)
		}
		data = r.buf[:n]
		if _, err := io.ReadFull(r.br, data); err != nil {
			return readError(err, "inside a packet record")
		}
	}
	if !r.nano {
		frac *= 1000
	}
	f.TS = time.Unix(sec, frac).UTC()
	f.LinkType = r.link
	f.Data = data
	f.OrigLen = int(max(origLen, capLen))
	return nil
}
