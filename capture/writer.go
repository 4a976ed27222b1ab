package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket/layers"
)

// This file writes the classic pcap format (pcap-savefile(5),
// draft-ietf-opsawg-pcap), which every tool reads: tcpdump, Wireshark,
// and ftpsniff read. It is a few dozen lines, so it is written here
// rather than pulled in with another module.

// ErrLinkTypeMismatch: a frame's link type differs from the file's; a pcap
// file has one link type for all its records.
var ErrLinkTypeMismatch = errors.New("frame link type differs from the file's")

// WriterOptions describe the pcap file to write.
type WriterOptions struct {
	// LinkType is the link type of every frame written.
	LinkType layers.LinkType
	// Snaplen is recorded in the header and caps each record; 0 means
	// DefaultSnaplen.
	Snaplen int
	// Nanosecond writes nanosecond timestamps (magic 0xa1b23c4d) instead
	// of microseconds; use it when the source has that precision.
	Nanosecond bool
}

// Writer writes frames to a pcap stream. Errors are sticky: after the
// first failed write every call returns it. It is not safe for
// concurrent use.
type Writer struct {
	bw      *bufio.Writer
	file    *os.File // nil when writing to a caller's io.Writer
	opts    WriterOptions
	hdr     [16]byte
	frames  int64
	written int64
	err     error
}

// NewWriter writes a pcap file header to w and returns a Writer for its
// records. Flush (or Close) must be called to push buffered records out.
func NewWriter(w io.Writer, o WriterOptions) (*Writer, error) {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultSnaplen
	}
	pw := &Writer{bw: bufio.NewWriterSize(w, 64<<10), opts: o}
	var h [pcapFileHeaderLen]byte
	magic := uint32(magicMicro)
	if o.Nanosecond {
		magic = magicNano
	}
	le := binary.LittleEndian
	le.PutUint32(h[0:], magic)
	le.PutUint16(h[4:], 2) // version 2.4
	le.PutUint16(h[6:], 4)
	// h[8:16]: thiszone and sigfigs, always 0.
	le.PutUint32(h[16:], uint32(o.Snaplen))
	le.PutUint32(h[20:], uint32(o.LinkType))
	if _, err := pw.bw.Write(h[:]); err != nil {
		return nil, err
	}
	return pw, nil
}

// CreateFile creates path and writes a pcap header to it. An existing
// file is an error (wrapping fs.ErrExist) unless overwrite is set: a
// capture must never silently replace evidence. The file is created with
// mode 0600 because it holds whatever crossed the wire, passwords
// included. On error nothing is left behind that CreateFile created.
func CreateFile(path string, o WriterOptions, overwrite bool) (*Writer, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if overwrite {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s already exists (use --force to overwrite it): %w", path, os.ErrExist)
		}
		return nil, err
	}
	w, err := NewWriter(f, o)
	if err == nil {
		err = w.bw.Flush()
	}
	if err != nil {
		f.Close()
		if !overwrite {
			os.Remove(path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.file = f
	return w, nil
}

// WriteFrame appends one record. Frames longer than the snaplen are cut
// to it (their original length is kept in the record).
func (w *Writer) WriteFrame(f Frame) error {
	if w.err != nil {
		return w.err
	}
	if f.LinkType != w.opts.LinkType {
		return fmt.Errorf("%w (%s, file has %s)", ErrLinkTypeMismatch, f.LinkType, w.opts.LinkType)
	}
	data := f.Data
	if len(data) > w.opts.Snaplen {
		data = data[:w.opts.Snaplen]
	}
	orig := max(f.OrigLen, len(f.Data))
	sec, frac := f.TS.Unix(), int64(f.TS.Nanosecond())
	if sec < 0 || f.TS.IsZero() {
		sec, frac = 0, 0
	}
	if !w.opts.Nanosecond {
		frac /= 1000
	}
	le := binary.LittleEndian
	le.PutUint32(w.hdr[0:], uint32(sec))
	le.PutUint32(w.hdr[4:], uint32(frac))
	le.PutUint32(w.hdr[8:], uint32(len(data)))
	le.PutUint32(w.hdr[12:], uint32(min(orig, 1<<31-1)))
	if _, err := w.bw.Write(w.hdr[:]); err != nil {
		w.err = err
		return err
	}
	if _, err := w.bw.Write(data); err != nil {
		w.err = err
		return err
	}
	w.frames++
	w.written += int64(len(w.hdr) + len(data))
	return nil
}

// Frames is how many records were written.
func (w *Writer) Frames() int64 { return w.frames }

// Flush pushes buffered records to the file, so a reader (or a crash)
// sees everything written so far.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Close flushes and, for CreateFile's writers, closes the file.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.file != nil {
		if cerr := w.file.Close(); err == nil {
			err = cerr
		}
		w.file = nil
	}
	if w.err == nil {
		w.err = errors.New("pcap writer is closed")
	}
	return err
}
