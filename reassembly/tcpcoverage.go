package reassembly

// coverageSpans is how many disjoint ranges of captured bytes a direction
// remembers above its floor. Eight is plenty for real captures: holes are
// normally settled by the peer's acknowledgments (see settle) long before
// eight of them pile up.
const coverageSpans = 8

// span is a half-open range [start, end) of sequence offsets.
type span struct{ start, end int64 }

// coverage counts the captured bytes of one direction without counting a
// retransmitted or overlapping byte twice, in fixed memory and without
// allocating.
//
// Bytes below floor are settled: whatever was covered there is counted in
// covered and whatever was not is missing for good; a later segment in
// that region changes nothing (it is a retransmission, or a hole already
// reported as a gap). Above floor, spans lists the covered ranges, sorted,
// disjoint and not adjacent. When a new range would need a ninth span, the
// lowest span is settled (the floor rises past it), so the holes below it
// stay missing even if they are filled later: accounting then errs towards
// more missing bytes, never towards counting a byte twice. The assembler
// counts such overflows.
type coverage struct {
	spans   [coverageSpans]span
	n       int
	floor   int64
	covered int64
}

// add records that [s, e) was captured. It reports whether the span set
// overflowed and settled its lowest range.
func (cv *coverage) add(s, e int64) (overflow bool) {
	if s < cv.floor {
		s = cv.floor
	}
	if s >= e {
		return false
	}
	n := cv.n
	if n == 0 {
		cv.spans[0] = span{s, e}
		cv.n = 1
		cv.covered += e - s
		return false
	}
	// Fast path: in-order data extends (or repeats) the last span.
	if last := &cv.spans[n-1]; s >= last.start && s <= last.end {
		if e > last.end {
			cv.covered += e - last.end
			last.end = e
		}
		return false
	}
	// i: first span that ends at or after s (it may touch or overlap);
	// j: first span that starts after e.
	i := 0
	for i < n && cv.spans[i].end < s {
		i++
	}
	j := i
	for j < n && cv.spans[j].start <= e {
		j++
	}
	if i == j {
		// Disjoint: insert a new span at i.
		cv.covered += e - s
		if n == coverageSpans {
			overflow = true
			if i == 0 {
				// The new range is the lowest: settle it at once.
				cv.floor = e
				return overflow
			}
			cv.settleFirst()
			i--
			n--
		}
		copy(cv.spans[i+1:n+1], cv.spans[i:n])
		cv.spans[i] = span{s, e}
		cv.n = n + 1
		return overflow
	}
	// Merge [s, e) with spans i..j-1.
	ms, me := min(s, cv.spans[i].start), max(e, cv.spans[j-1].end)
	var old int64
	for k := i; k < j; k++ {
		old += cv.spans[k].end - cv.spans[k].start
	}
	cv.covered += (me - ms) - old
	cv.spans[i] = span{ms, me}
	copy(cv.spans[i+1:], cv.spans[j:n])
	cv.n = n - (j - i - 1)
	return false
}

// settleFirst raises the floor past the lowest span.
func (cv *coverage) settleFirst() {
	cv.floor = cv.spans[0].end
	copy(cv.spans[:], cv.spans[1:cv.n])
	cv.n--
}

// settle raises the floor to off: bytes below it are final.
func (cv *coverage) settle(off int64) {
	if off <= cv.floor {
		return
	}
	cv.floor = off
	k := 0
	for k < cv.n && cv.spans[k].end <= off {
		k++
	}
	if k > 0 {
		copy(cv.spans[:], cv.spans[k:cv.n])
		cv.n -= k
	}
	if cv.n > 0 && cv.spans[0].start < off {
		cv.spans[0].start = off
	}
}
