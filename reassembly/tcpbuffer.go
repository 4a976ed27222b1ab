package reassembly

// segment is one buffered out-of-order piece of a direction: either
// captured payload (data, a prefix of buf) or a hole of known length
// (skip > 0, the cut tail of a snaplen-truncated segment), which is
// delivered as a Gap.
type segment struct {
	off  int64
	data []byte
	skip int64
	buf  []byte
	cost int
	next *segment
}

// len is the segment's length in sequence space.
func (s *segment) len() int64 {
	if s.skip > 0 {
		return s.skip
	}
	return int64(len(s.data))
}

// end is the offset just past the segment.
func (s *segment) end() int64 { return s.off + s.len() }

// segmentOverhead is charged to the buffer limits for every segment on top
// of its buffer capacity, roughly its own size plus the allocator's, so a
// flood of tiny segments hits the limits as soon as its real memory would.
const segmentOverhead = 96

// sizeClasses are the capacities of pooled segment buffers. 1536 and 9216
// fit an Ethernet MSS and a jumbo frame with little waste; a payload above
// the largest class (only possible with offloaded captures) gets an
// exact-size buffer that is not pooled.
var sizeClasses = [...]int{128, 256, 512, 1024, 1536, 2048, 4096, 9216, 16384, 32768, 65536}

// classOf returns the index of the smallest class holding n bytes, or -1.
func classOf(n int) int {
	for i, c := range sizeClasses {
		if n <= c {
			return i
		}
	}
	return -1
}

// historySize is how many recently delivered bytes a Reassemble direction
// keeps to compare retransmissions with (AnomalyConflict). 4 KiB covers
// the retransmission of the last two or three full-sized segments, which
// is what retransmissions overlapping delivered data normally are.
const historySize = 4096

// history is a ring of the last historySize bytes delivered in one
// direction: the byte at offset o is at buf[o%historySize].
type history struct {
	buf  [historySize]byte
	next *history
}

// pool recycles segments, their buffers and history rings, so steady-state
// reassembly allocates nothing. It belongs to one Assembler: no locking,
// no global state. The bytes it keeps idle are bounded by maxIdle.
type pool struct {
	free    [len(sizeClasses)]*segment // idle segments holding a buffer of that class
	bare    *segment                   // idle segments without a buffer
	idle    int                        // buffer bytes held by idle segments
	maxIdle int
	hists   *history
}

// get returns a segment whose data is a buffer of n bytes.
func (pl *pool) get(n int) *segment {
	k := classOf(n)
	if k < 0 {
		s := pl.getBare()
		s.buf = make([]byte, n)
		s.data = s.buf
		return s
	}
	s := pl.free[k]
	if s != nil {
		pl.free[k] = s.next
		s.next = nil
		pl.idle -= cap(s.buf)
	} else {
		s = pl.getBare()
		s.buf = make([]byte, sizeClasses[k])
	}
	s.data = s.buf[:n]
	return s
}

// getBare returns a segment without a buffer.
func (pl *pool) getBare() *segment {
	s := pl.bare
	if s == nil {
		return &segment{}
	}
	pl.bare = s.next
	s.next = nil
	return s
}

// put recycles s. Its buffer is kept for reuse while the pool holds less
// than maxIdle bytes and the buffer has a class size.
func (pl *pool) put(s *segment) {
	buf := s.buf
	*s = segment{}
	if buf != nil && pl.idle+cap(buf) <= pl.maxIdle {
		if k := classOf(cap(buf)); k >= 0 && sizeClasses[k] == cap(buf) {
			s.buf = buf
			s.next = pl.free[k]
			pl.free[k] = s
			pl.idle += cap(buf)
			return
		}
	}
	s.next = pl.bare
	pl.bare = s
}

// getHistory returns a history ring.
func (pl *pool) getHistory() *history {
	h := pl.hists
	if h == nil {
		return &history{}
	}
	pl.hists = h.next
	h.next = nil
	return h
}

// putHistory recycles a history ring. Rings are bounded by the
// assembler's history budget, so the idle ones are too.
func (pl *pool) putHistory(h *history) {
	h.next = pl.hists
	pl.hists = h
}
