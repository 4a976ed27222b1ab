package packet

import (
	"errors"
	"sync"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Ahead reads and decodes a capture on its own goroutine, a few batches
// ahead of the consumer, so that on a machine with two or more cores
// reading the file and decoding headers overlap with reassembly and FTP
// decoding.
//
// The consumer sees exactly what the serial loop
//
//	for {
//		f, err := src.Next()
//		if err != nil { ... }
//		ok, derr := pd.Decode(f.LinkType, f.Data, f.TS, &p)
//	}
//
// would see, in the same order: every frame with its decode result, then
// the source's final error (io.EOF at a clean end). Frames are copied
// into a per-batch arena and decoded from the copy, so Frame.Data and
// Segment.Payload stay valid until the next call to Next, the guarantee
// the serial loop gives. A fixed set of batches is recycled through two
// channels, so nothing is allocated per packet in steady state.
//
// The source and the Decoder belong to the reading goroutine until
// Next has returned an error or Close has returned; only then may the
// caller use them again (Source.Warnings, Decoder.DefragStats).
type Ahead struct {
	src capture.Source
	pd  *Decoder

	full chan *aheadBatch // filled batches, in capture order
	free chan *aheadBatch // batches the consumer is done with
	stop chan struct{}    // closed by Close to end the reader early
	done chan struct{}    // closed when the reader has returned

	// Reader side: a frame that did not fit in the previous batch, kept
	// (copied) for the next one.
	carry      []byte
	carryFrame capture.Frame
	hasCarry   bool

	// Consumer side.
	cur     *aheadBatch
	i       int
	err     error // the error Next returns from now on
	closing sync.Once
}

// Decoded is one frame and what decoding it gave, as the serial loop
// would have them. It is valid until the next call to Next.
type Decoded struct {
	// Frame is the captured frame; Data is a copy owned by Ahead.
	Frame capture.Frame
	// OK is true when the frame is a TCP segment, described by Segment.
	OK bool
	// Err is Decode's error for this frame, unchanged.
	Err error
	// Segment is the decoded segment when OK.
	Segment tcp.Segment
}

// AheadOptions tune DecodeAhead; the zero value is ready to use.
type AheadOptions struct {
	// Batch is the most frames per batch (256 when zero).
	Batch int
	// Batches is how many batches circulate, at least 2 (4 when zero).
	Batches int
	// Arena is the frame bytes a batch holds before it is handed over
	// (512 KiB when zero); a larger frame gets a batch of its own.
	Arena int
}

// Defaults of AheadOptions: 4 batches of 256 frames or 512 KiB keep the
// reader about a thousand packets ahead in 2 MiB, enough to absorb the
// consumer's jitter (a session ending, a report written) while staying
// in cache.
const (
	defaultAheadBatch   = 256
	defaultAheadBatches = 4
	defaultAheadArena   = 512 << 10
)

// ErrAheadClosed is what Next returns after Close, unless it had already
// returned the source's final error.
var ErrAheadClosed = errors.New("packet: read-ahead closed")

// aheadBatch is a run of consecutive frames and the bytes they point
// into.
type aheadBatch struct {
	items []Decoded
	arena []byte
	// err, on the last batch, is the source's error (io.EOF at the end),
	// which follows the items.
	err error
}

// DecodeAhead starts reading src and decoding with pd on a new
// goroutine. Close it when done, also after the end of the capture.
func DecodeAhead(src capture.Source, pd *Decoder, opts AheadOptions) *Ahead {
	if opts.Batch <= 0 {
		opts.Batch = defaultAheadBatch
	}
	if opts.Batches < 2 {
		opts.Batches = defaultAheadBatches
	}
	if opts.Arena <= 0 {
		opts.Arena = defaultAheadArena
	}
	a := &Ahead{
		src:  src,
		pd:   pd,
		full: make(chan *aheadBatch, opts.Batches),
		free: make(chan *aheadBatch, opts.Batches),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range opts.Batches {
		a.free <- &aheadBatch{
			items: make([]Decoded, 0, opts.Batch),
			arena: make([]byte, 0, opts.Arena),
		}
	}
	go a.read(opts.Batch)
	return a
}

// read is the reading goroutine: it fills free batches until the source
// ends or Close is called.
func (a *Ahead) read(batch int) {
	defer close(a.done)
	for {
		var b *aheadBatch
		select {
		case b = <-a.free:
		case <-a.stop:
			return
		}
		last := a.fill(b, batch)
		select {
		case a.full <- b:
		case <-a.stop:
			return
		}
		if last {
			return
		}
	}
}

// fill reads frames into b until it holds batch frames, its arena is
// full or the source ends; it reports whether the source ended.
func (a *Ahead) fill(b *aheadBatch, batch int) (last bool) {
	b.items, b.arena, b.err = b.items[:0], b.arena[:0], nil
	if a.hasCarry {
		a.hasCarry = false
		a.add(b, a.carryFrame)
	}
	for len(b.items) < batch {
		f, err := a.src.Next()
		if err != nil {
			b.err = err
			return true
		}
		if len(b.items) > 0 && len(b.arena)+len(f.Data) > cap(b.arena) {
			// Frame.Data is only valid until the source's next Next:
			// keep a copy for the next batch. One copy per batch, into
			// a buffer that grows to the largest frame once.
			a.carry = append(a.carry[:0], f.Data...)
			a.carryFrame = f
			a.carryFrame.Data = a.carry
			a.hasCarry = true
			return false
		}
		a.add(b, f)
	}
	return false
}

// add copies f into b's arena, decodes the copy and appends the result.
func (a *Ahead) add(b *aheadBatch, f capture.Frame) {
	f.Data = b.keep(f.Data)
	b.items = append(b.items, Decoded{Frame: f})
	d := &b.items[len(b.items)-1]
	d.OK, d.Err = a.pd.Decode(f.LinkType, f.Data, f.TS, &d.Segment)
	if d.OK && len(a.pd.defrag.out) > 0 && len(d.Segment.Payload) > 0 {
		// A reassembled IP datagram: the payload is in the
		// defragmenter's buffer, which the next Decode recycles.
		d.Segment.Payload = b.keep(d.Segment.Payload)
	}
}

// keep copies p into the arena and returns the copy. When the arena is
// full it is replaced by a larger one; the slices already handed out
// keep the old one alive until the batch is reused. That happens only
// for a first frame larger than the arena or for a reassembled datagram
// at the end of a batch.
func (b *aheadBatch) keep(p []byte) []byte {
	if len(b.arena)+len(p) > cap(b.arena) {
		b.arena = make([]byte, 0, max(2*cap(b.arena), len(p)))
	}
	s := len(b.arena)
	b.arena = append(b.arena, p...)
	return b.arena[s:len(b.arena):len(b.arena)]
}

// Next returns the next frame and its decode result, or the source's
// final error (io.EOF at the end of the capture) once every frame has
// been returned. After an error Next keeps returning it.
func (a *Ahead) Next() (*Decoded, error) {
	if a.err != nil {
		return nil, a.err
	}
	for a.cur == nil || a.i == len(a.cur.items) {
		if a.cur != nil {
			b := a.cur
			a.cur = nil
			if b.err != nil {
				a.err = b.err
				<-a.done // the reader has returned: src and pd are the caller's
				return nil, a.err
			}
			a.free <- b
		}
		a.cur, a.i = <-a.full, 0
	}
	d := &a.cur.items[a.i]
	a.i++
	return d, nil
}

// Close stops the reader and waits for it to return; it does not close
// the source. It may be called at any time and more than once. A reader
// blocked inside Source.Next (a pipe that is not written to) is waited
// for.
func (a *Ahead) Close() error {
	a.closing.Do(func() { close(a.stop) })
	<-a.done
	if a.err == nil {
		a.err = ErrAheadClosed
	}
	return nil
}
