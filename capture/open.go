package capture

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// readBufSize is the buffer of each input. Records that fit are handed out
// straight from it (no copy); longer ones are copied into a per-input
// buffer bounded by Options.MaxFrame. It is per open file, so merging many
// rotated files stays cheap.
const readBufSize = 64 << 10

// stdinName is how standard input ("-") is named in errors and warnings.
const stdinName = "standard input"

// File-format magic numbers, as read little-endian from the first 4 bytes.
const (
	// pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html and
	// draft-ietf-opsawg-pcap): microsecond, nanosecond and Alexey
	// Kuznetzov's "patched" format (24-byte record headers).
	magicMicro     = 0xa1b2c3d4
	magicNano      = 0xa1b23c4d
	magicKuznetzov = 0xa1b2cd34
	// pcapng Section Header Block type (draft-ietf-opsawg-pcapng 4.1); the
	// same in both byte orders.
	magicNgSHB = 0x0a0d0d0a
)

// recordReader reads the frames of one input. next fills TS, LinkType, Data
// and OrigLen; it returns io.EOF at a clean end and an error wrapping
// ErrTruncated or ErrDamaged (or an I/O error) when the input cannot be read
// further. After an error it is not called again.
type recordReader interface {
	next(f *Frame) error
}

// openReader sniffs the format of r (gunzipping it first if needed) and
// returns a reader positioned at the first record. A file that is
// recognised but whose header is cut short yields a reader whose first
// next call reports the truncation, so it becomes a Warning like any other
// damage instead of failing the whole run.
func openReader(r io.Reader, maxFrame int) (recordReader, error) {
	br := bufio.NewReaderSize(r, readBufSize)
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err == io.EOF {
			return nil, ErrEmpty
		}
		return nil, err
	}
	compressed := false
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: gzip header cut short", ErrTruncated)
			}
			return nil, fmt.Errorf("%w (gzip: %v)", ErrNotCapture, err)
		}
		compressed = true
		br = bufio.NewReaderSize(zr, readBufSize)
		head, err = br.Peek(4)
		switch {
		case len(head) == 0 && err == io.EOF:
			return nil, fmt.Errorf("%w (after gzip decompression)", ErrEmpty)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%w: gzip stream cut short", ErrTruncated)
		case err != nil && err != io.EOF:
			return nil, fmt.Errorf("%w (gzip: %v)", ErrNotCapture, err)
		}
	}
	if len(head) < 4 {
		return nil, fmt.Errorf("%w (only %d bytes)", ErrNotCapture, len(head))
	}
	le := binary.LittleEndian.Uint32(head)
	be := binary.BigEndian.Uint32(head)
	switch {
	case le == magicNgSHB:
		return openPcapng(br, maxFrame)
	case le == magicMicro || le == magicNano || le == magicKuznetzov:
		return openPcap(br, false, le, maxFrame)
	case be == magicMicro || be == magicNano || be == magicKuznetzov:
		return openPcap(br, true, be, maxFrame)
	}
	if hint := formatHint(head, compressed); hint != "" {
		return nil, fmt.Errorf("%w (%s)", ErrNotCapture, hint)
	}
	return nil, ErrNotCapture
}

// formatHint names a few formats that are often mistaken for a capture, so
// the user knows what to do instead of only what went wrong.
func formatHint(head []byte, compressed bool) string {
	switch {
	case compressed:
		return "gzip content is not a capture"
	case head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd:
		return "zstd-compressed: decompress it first"
	case head[0] == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X':
		return "xz-compressed: decompress it first"
	case head[0] == 'B' && head[1] == 'Z' && head[2] == 'h':
		return "bzip2-compressed: decompress it first"
	case head[0] == 0x04 && head[1] == 0x22 && head[2] == 0x4d && head[3] == 0x18:
		return "lz4-compressed: decompress it first"
	case head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4:
		return "zip archive: extract it first"
	case string(head) == "snoo":
		return "snoop format: convert it with editcap -F pcap"
	case string(head) == "GMBU" || string(head) == "RTSS":
		return "Network Monitor format: convert it with editcap -F pcap"
	}
	return ""
}

// readError classifies an error met while reading a record: end of input
// is truncation, a corrupt gzip stream is damage, anything else is an I/O
// error returned as is.
func readError(err error, where string) error {
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: file ends %s", ErrTruncated, where)
	case errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader):
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: gzip: %v", ErrDamaged, err)
	}
	return err
}

// failedReader is an input recognised as a capture whose header was cut
// short: its only record is the truncation.
type failedReader struct{ err error }

func (r failedReader) next(*Frame) error { return r.err }

// open opens the input at path (standard input for "-"), counting the
// bytes read from it into in.read and noting its size when known. Real
// files are closed by the source; standard input is not ours to close.
func (in *input) open(path string, stdin io.Reader, maxFrame int) error {
	if path == "-" {
		if f, ok := stdin.(*os.File); ok {
			in.size = sizeOf(f)
		}
		rr, err := openReader(countingReader{stdin, &in.read}, maxFrame)
		if err != nil {
			return fmt.Errorf("%s: %w", stdinName, err)
		}
		in.reader = rr
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err // *PathError already names the file
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return fmt.Errorf("%s: is a directory", path)
	}
	in.size = sizeOf(f)
	rr, err := openReader(countingReader{f, &in.read}, maxFrame)
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	in.reader, in.closer = rr, f
	return nil
}
