package capture

import (
	"io"
	"os"
	"sync/atomic"
)

// Progress says how far a Source is through its inputs, so a long read can
// show the user how much is done and how much is left. It is for display
// only: nothing in an analysis may depend on it.
type Progress struct {
	// BytesRead is how much of the inputs has been consumed as stored on
	// disk: for a gzip file, the compressed bytes. Reading runs up to one
	// input buffer (64 KiB) ahead of the frames delivered, and an input
	// read to its end, or ended by damage, counts as its whole size.
	BytesRead int64
	// TotalBytes is the combined size of the inputs, or 0 when one of
	// them has no size known in advance (standard input from a pipe).
	TotalBytes int64
	// Frames is how many frames Next has returned. It is brought up to
	// date every ProgressEvery frames and at the end of the input, so a
	// reader on another goroutine sees it at most that far behind.
	Frames int64
	// File names the input of the latest counted frame (as given to
	// OpenFiles, "standard input" for "-"), FileIndex is its index
	// (Frame.File) and Files the number of inputs.
	File      string
	FileIndex int
	Files     int
}

// Progresser is implemented by sources that can say how far through their
// input they are (the one OpenFiles returns). Progress is safe to call
// from any goroutine while another one calls Next, and cheap (a few atomic
// loads per input), but meant to be called every few thousand frames, not
// for each.
type Progresser interface {
	Progress() Progress
}

// Namer is implemented by sources that read named inputs (the one
// OpenFiles returns), so a message about a frame can name its file.
type Namer interface {
	// Names returns the inputs' names indexed by Frame.File: the paths as
	// given, "standard input" for "-". The caller may keep the slice.
	Names() []string
}

// ProgressEvery is how many frames Next returns between two updates of
// Progress.Frames and Progress.FileIndex. Counting in plain fields and
// publishing them this seldom keeps Next free of atomic operations.
const ProgressEvery = 1024

// countingReader counts the bytes read through it into n. It sits under
// the buffering and gzip layers, so n is the position in the file on disk.
// One atomic add per read of up to 64 KiB costs nothing measurable.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sizeOf returns how many bytes are left to read in f when that is known
// in advance (a regular file, including standard input redirected from
// one), and 0 otherwise (pipes, terminals, sockets).
func sizeOf(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil || pos > fi.Size() {
		return 0
	}
	return fi.Size() - pos
}

// publish makes the frame count and the current input visible to
// Progress; in is the input of the latest frame.
func (s *fileSource) publish(in *input) {
	s.progFrames.Store(s.frames)
	if in != nil {
		s.progFile.Store(int64(in.index))
	}
}

// finishBytes counts an input that will not be read further as read to its
// end, so the overall fraction reaches 1 even when a file ends in damage.
func (in *input) finishBytes() {
	if in.size > in.read.Load() {
		in.read.Store(in.size)
	}
}

// Progress reports how far the merge is through its inputs. It only reads
// atomic counters and fields fixed by OpenFiles, so it may run on another
// goroutine than Next (the pipeline reads ahead on a second core).
func (s *fileSource) Progress() Progress {
	p := Progress{
		Frames:    s.progFrames.Load(),
		FileIndex: int(s.progFile.Load()),
		Files:     len(s.inputs),
	}
	known := true
	for _, in := range s.inputs {
		p.BytesRead += in.read.Load()
		p.TotalBytes += in.size
		known = known && in.size > 0
	}
	if !known {
		p.TotalBytes = 0
	}
	if p.FileIndex < len(s.inputs) {
		p.File = s.inputs[p.FileIndex].name
	}
	return p
}

// Names returns the inputs' names in Frame.File order.
func (s *fileSource) Names() []string {
	names := make([]string, len(s.inputs))
	for i, in := range s.inputs {
		names[i] = in.name
	}
	return names
}
