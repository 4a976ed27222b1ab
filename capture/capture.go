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

// Error formats the warning as one line: file, packet count and cause.
func (w Warning) Error() string { return w.File + ": " + w.Err.Error() }

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
)
