// Package capture reads packets from capture files (pcap, pcapng, gzip,
// standard input) and, in builds with libpcap, from live interfaces.
//
// It is the first stage of the pipeline: it knows file formats and link
// types, nothing about IP or TCP. Several files are merged into one
// capture in timestamp order, so a session split across rotated files is
// seen whole. A damaged file ends early with a Warning, never a panic:
// whatever was read before the damage is still delivered.
package capture

import (
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Frame is one captured packet. Data aliases the reader's buffer and is
// valid only until the next call to Next.
type Frame struct {
	TS       time.Time
	LinkType layers.LinkType
	// Data is the captured bytes, starting at the link-layer header.
	Data []byte
	// OrigLen is the packet's length on the wire.
	OrigLen int
	// File is the index of the input the frame came from (0 for live).
	File int
	// Number is the 1-based packet number within its file.
	Number int64
}

// Source yields frames in capture order.
type Source interface {
	// Next returns the next frame, or io.EOF when there are no more.
	Next() (Frame, error)
	// Warnings returns the non-fatal problems met so far (truncated or
	// damaged files), in the order they were met.
	Warnings() []Warning
	// Close releases files and handles.
	Close() error
}

// Warning is a non-fatal problem with one input: reading stopped there, but
// everything before it was delivered.
type Warning struct {
	File    string
	Packets int64 // packets read from the file before the problem
	Err     error
}

// Error formats the warning as one line: file, cause and packet count.
func (w Warning) Error() string {
	unit := " packets)"
	if w.Packets == 1 {
		unit = " packet)"
	}
	return w.File + ": " + w.Err.Error() + " (after " + strconv.FormatInt(w.Packets, 10) + unit
}

// Unwrap exposes the cause to errors.Is.
func (w Warning) Unwrap() error { return w.Err }

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrNotCapture: the input is neither pcap, pcapng nor a gzip of one.
	ErrNotCapture = errors.New("not a pcap or pcapng capture")
	// ErrTruncated: the file ends inside a record.
	ErrTruncated = errors.New("capture file is truncated")
	// ErrDamaged: a record is malformed (for example it claims a length
	// larger than any packet).
	ErrDamaged = errors.New("capture file is damaged")
	// ErrLiveUnsupported: this binary was built without libpcap.
	ErrLiveUnsupported = errors.New("live capture is not built in")
	// ErrEmpty: the input has no bytes at all (not even a file header).
	ErrEmpty = errors.New("empty file")
)

// DefaultMaxFrame is the largest record accepted from a file when
// Options.MaxFrame is zero. It is libpcap's and Wireshark's MAXIMUM_SNAPLEN
// (262144): no capture tool writes longer frames for Ethernet or IP, so a
// longer record is damage, and the length field of a damaged record never
// makes the reader allocate more than this.
const DefaultMaxFrame = 256 << 10

// Options tune how capture files are opened. The zero value is ready to use.
type Options struct {
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
	// MaxFrame is the largest record accepted; a longer one is reported as
	// damage and ends that file. Zero means DefaultMaxFrame.
	MaxFrame int
}
