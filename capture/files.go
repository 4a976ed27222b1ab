package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// errStdinTwice: "-" may name standard input only once.
var errStdinTwice = errors.New(`"-" (standard input) given more than once`)

// errNoFiles: OpenFiles needs at least one path.
var errNoFiles = errors.New("no capture files given")

// OpenFiles opens capture files and merges them into one Source in
// timestamp order. Each path is a pcap (either byte order, microsecond or
// nanosecond timestamps), a pcapng (any number of sections and interfaces,
// each frame with its interface's link type) or a gzip of either; "-" is
// standard input (Options.Stdin) and may appear once.
//
// Every file is opened and its header checked before OpenFiles returns, so
// a missing file, an empty one or one that is not a capture fails the whole
// call with an error naming the file (wrapping ErrEmpty or ErrNotCapture
// for the last two). Damage found later (a record cut short, a length field
// out of range) only ends that file: it is reported through Warnings and
// the other files are still read.
//
// The merge is the one mergecap does: the frame with the earliest
// timestamp among the files' next frames comes first; equal timestamps go
// in file order, and frames of one file keep their order even when its
// timestamps go backwards. The output depends only on the inputs.
func OpenFiles(paths []string, opts Options) (Source, error) {
	if len(paths) == 0 {
		return nil, errNoFiles
	}
	stdin := opts.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	maxFrame := opts.MaxFrame
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	sawStdin := false
	for _, p := range paths {
		if p == "-" {
			if sawStdin {
				return nil, errStdinTwice
			}
			sawStdin = true
		}
	}
	s := &fileSource{inputs: make([]*input, 0, len(paths))}
	for i, p := range paths {
		in := &input{name: p, index: i}
		if p == "-" {
			in.name = stdinName
		}
		if err := in.open(p, stdin, maxFrame); err != nil {
			s.Close()
			return nil, err
		}
		s.inputs = append(s.inputs, in)
	}
	s.heap = make([]*input, 0, len(s.inputs))
	for _, in := range s.inputs {
		if s.advance(in) {
			s.heap = append(s.heap, in)
		}
	}
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
	return s, nil
}

// input is one open file of a merge and its next frame.
type input struct {
	name    string
	index   int
	reader  recordReader
	closer  io.Closer // nil for standard input, which is not ours to close
	packets int64
	frame   Frame // the next frame, valid while the input is in the heap
	// size is the input's size on disk, 0 when unknown (a pipe); read is
	// how much of it was consumed, written by the goroutine calling Next
	// and read by Progress on any other.
	size int64
	read atomic.Int64
}

// fileSource merges inputs with a binary min-heap keyed on each input's
// next frame.
type fileSource struct {
	inputs   []*input
	heap     []*input
	current  *input // input of the frame returned last, advanced lazily
	warnings []Warning
	closed   bool
	// frames counts the frames returned; progFrames and progFile publish
	// it and the current input to Progress every ProgressEvery frames.
	frames     int64
	progFrames atomic.Int64
	progFile   atomic.Int64
}

// Next returns the frame with the earliest timestamp among the inputs.
// The input it came from is only read again on the following call, which
// is what keeps Frame.Data valid until then without a copy.
func (s *fileSource) Next() (Frame, error) {
	if s.closed {
		return Frame{}, os.ErrClosed
	}
	in := s.current
	if in != nil {
		s.current = nil
		if s.advance(in) {
			s.down(0)
		} else {
			last := len(s.heap) - 1
			s.heap[0] = s.heap[last]
			s.heap[last] = nil
			s.heap = s.heap[:last]
			if last > 0 {
				s.down(0)
			}
		}
	}
	if len(s.heap) == 0 {
		s.publish(in)
		return Frame{}, io.EOF
	}
	s.current = s.heap[0]
	if s.frames++; s.frames%ProgressEvery == 0 {
		s.publish(s.current)
	}
	return s.current.frame, nil
}

// advance reads the next frame of in. On the end of the file, or on damage
// (recorded as a Warning), it closes the file and returns false.
func (s *fileSource) advance(in *input) bool {
	err := in.reader.next(&in.frame)
	if err == nil {
		in.packets++
		in.frame.Number = in.packets
		in.frame.File = in.index
		return true
	}
	if err != io.EOF {
		s.warnings = append(s.warnings, Warning{File: in.name, Packets: in.packets, Err: err})
	}
	in.reader = nil
	in.frame = Frame{}
	in.finishBytes()
	if in.closer != nil {
		_ = in.closer.Close()
		in.closer = nil
	}
	return false
}

// less orders inputs by their next frame's timestamp, then by file order.
func less(a, b *input) bool {
	if c := a.frame.TS.Compare(b.frame.TS); c != 0 {
		return c < 0
	}
	return a.index < b.index
}

// down restores the heap property from position i downwards.
func (s *fileSource) down(i int) {
	h := s.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && less(h[r], h[l]) {
			m = r
		}
		if !less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// Warnings returns the damage met so far, in the order it was met.
func (s *fileSource) Warnings() []Warning { return s.warnings }

// Close closes every file still open. It is safe to call more than once.
func (s *fileSource) Close() error {
	var errs []error
	for _, in := range s.inputs {
		if in.closer != nil {
			if err := in.closer.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", in.name, err))
			}
			in.closer = nil
		}
		in.reader = nil
	}
	s.closed = true
	s.heap = nil
	s.current = nil
	return errors.Join(errs...)
}

// isTruncation reports whether err means the input ended early.
func isTruncation(err error) bool { return errors.Is(err, ErrTruncated) }
