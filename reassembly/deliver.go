package reassembly

import (
	"bytes"
	"time"
)

// piece is a run of one direction's sequence space handed to reassembly:
// captured payload, or (data nil) a hole of known length such as the cut
// tail of a snaplen-truncated segment.
type piece struct {
	off  int64
	data []byte
	n    int64
}

// sub returns the part of pc in [from, to).
func (pc piece) sub(from, to int64) piece {
	if pc.data == nil {
		return piece{off: from, n: to - from}
	}
	return piece{off: from, data: pc.data[from-pc.off : to-pc.off], n: to - from}
}

// walk feeds pc to direction d: the part already delivered is compared
// and dropped, the part at the delivery point is delivered without a
// copy, the rest is buffered. It reports a content conflict.
func (a *Assembler) walk(c *Conn, d Dir, pc piece, ts time.Time) (conflict bool) {
	h := &c.state.dir[d]
	pos, end := pc.off, pc.off+pc.n
	for pos < end {
		a.drain(c, d, ts)
		if pos < h.next {
			oe := min(end, h.next)
			if pc.data != nil {
				b := pc.data[pos-pc.off : oe-pc.off]
				a.stats.RetransmittedBytes += int64(len(b))
				if a.differs(h, pos, b) {
					conflict = true
				}
			}
			pos = oe
			continue
		}
		if pos == h.next {
			lim := end
			if h.head != nil && h.head.off < lim {
				lim = h.head.off
			}
			a.emit(c, d, pc.sub(pos, lim), ts)
			pos = lim
			continue
		}
		ok, cf := a.insert(c, d, pc.sub(pos, end), ts)
		conflict = conflict || cf
		if ok {
			break
		}
	}
	// What was just delivered may have reached a buffered segment.
	a.drain(c, d, ts)
	return conflict
}

// differs compares b, bytes at offsets [pos, pos+len(b)) below the
// delivery point, with what was delivered there, as far as the history
// ring remembers.
func (a *Assembler) differs(h *half, pos int64, b []byte) bool {
	if h.hist == nil || h.histLen == 0 {
		return false
	}
	if len(b) == 1 && pos == h.next-1 {
		return false // a keepalive probe (RFC 9293 section 3.8.4) may carry a garbage byte
	}
	if lo := h.next - int64(h.histLen); pos < lo {
		if pos+int64(len(b)) <= lo {
			return false
		}
		b = b[lo-pos:]
		pos = lo
	}
	for len(b) > 0 {
		i := int(uint64(pos) % historySize)
		k := min(len(b), historySize-i)
		if !bytes.Equal(h.hist.buf[i:i+k], b[:k]) {
			return true
		}
		b = b[k:]
		pos += int64(k)
	}
	return false
}

// insert buffers the parts of pc (which starts beyond the delivery point)
// not buffered yet, comparing the others. It returns ok=false when a
// buffer limit made it skip a hole instead: the delivery point moved and
// the caller must look at pc again.
func (a *Assembler) insert(c *Conn, d Dir, pc piece, ts time.Time) (ok, conflict bool) {
	h := &c.state.dir[d]
	var prev *segment
	cur := h.head
	if t := h.tail; t != nil && t.end() <= pc.off {
		prev, cur = t, nil
	} else {
		for cur != nil && cur.end() <= pc.off {
			prev, cur = cur, cur.next
		}
	}
	p, end := pc.off, pc.off+pc.n
	for p < end {
		if cur != nil && cur.off <= p {
			oe := min(end, cur.end())
			if pc.data != nil && cur.skip == 0 {
				a.stats.RetransmittedBytes += oe - p
				if !bytes.Equal(pc.data[p-pc.off:oe-pc.off], cur.data[p-cur.off:oe-cur.off]) {
					conflict = true
				}
			}
			p = oe
			prev, cur = cur, cur.next
			continue
		}
		ue := end
		if cur != nil && cur.off < ue {
			ue = cur.off
		}
		s := a.place(c, d, prev, cur, pc.sub(p, ue), ts)
		if s == nil {
			return false, conflict
		}
		prev, p = s, ue
	}
	return true, conflict
}

// place buffers pc between prev and cur, appending it to prev when they
// are contiguous and prev's buffer has room. It returns the segment now
// holding pc, or nil when a limit was hit and a hole skipped instead.
func (a *Assembler) place(c *Conn, d Dir, prev, cur *segment, pc piece, ts time.Time) *segment {
	h := &c.state.dir[d]
	if prev != nil && prev.end() == pc.off {
		if pc.data == nil && prev.skip > 0 {
			prev.skip += pc.n
			return prev
		}
		if pc.data != nil && prev.skip == 0 && cap(prev.buf)-len(prev.data) >= len(pc.data) {
			prev.data = append(prev.data, pc.data...)
			return prev
		}
	}
	cost := segmentOverhead
	if pc.data != nil {
		if k := classOf(len(pc.data)); k >= 0 {
			cost += sizeClasses[k]
		} else {
			cost += len(pc.data)
		}
	}
	switch {
	case c.state.bufCost+cost > a.limits.MaxConnBuffer:
		a.hitConnBuffer++
		a.skipHole(c, d, pc.off, AnomalyConnBufferLimit, ts)
		return nil
	case a.buffered+cost > a.limits.MaxBuffer:
		a.hitBuffer++
		a.skipHole(c, d, pc.off, AnomalyTotalBufferLimit, ts)
		return nil
	}
	var s *segment
	if pc.data == nil {
		s = a.pool.getBare()
		s.skip = pc.n
	} else {
		s = a.pool.get(len(pc.data))
		copy(s.data, pc.data)
	}
	s.off, s.cost = pc.off, cost
	c.state.bufCost += cost
	a.buffered += cost
	a.stats.BufferedPeak = max(a.stats.BufferedPeak, int64(a.buffered))
	s.next = cur
	if prev == nil {
		h.head = s
	} else {
		prev.next = s
	}
	if cur == nil {
		h.tail = s
	}
	return s
}

// skipHole gives up the first hole of direction d, the one before the
// first buffered segment or before pos, because a buffer limit was hit.
func (a *Assembler) skipHole(c *Conn, d Dir, pos int64, an Anomaly, ts time.Time) {
	h := &c.state.dir[d]
	c.state.stream.Anomaly(c, d, an, ts)
	t := pos
	if h.head != nil && h.head.off < t {
		t = h.head.off
	}
	if t > h.next {
		a.emitGap(c, d, t-h.next, ts)
	}
	a.drain(c, d, ts)
}

// drain delivers the buffered segments that reached the delivery point.
func (a *Assembler) drain(c *Conn, d Dir, ts time.Time) {
	h := &c.state.dir[d]
	for s := h.head; s != nil && s.off <= h.next; s = h.head {
		h.head = s.next
		if h.head == nil {
			h.tail = nil
		}
		if e := s.end(); e > h.next {
			if s.skip > 0 {
				a.emitGap(c, d, e-h.next, ts)
			} else {
				a.emitData(c, d, s.data[h.next-s.off:], ts)
			}
		}
		a.unbuffer(c, s)
	}
}

// unbuffer returns s to the pool and its cost to the budgets.
func (a *Assembler) unbuffer(c *Conn, s *segment) {
	c.state.bufCost -= s.cost
	a.buffered -= s.cost
	a.pool.put(s)
}

// proveTo reports as gaps the holes of direction d below target, an
// offset its receiver acknowledged: those bytes reached the receiver but
// not the capture, so waiting for them is pointless.
func (a *Assembler) proveTo(c *Conn, d Dir, target int64, ts time.Time) {
	h := &c.state.dir[d]
	for {
		a.drain(c, d, ts)
		if h.next >= target {
			return
		}
		t := target
		if h.head != nil && h.head.off < t {
			t = h.head.off
		}
		a.stats.AckProvenGaps++
		a.emitGap(c, d, t-h.next, ts)
	}
}

// flushDir delivers everything direction d still holds, reporting the
// holes before and after it as gaps, up to the highest offset seen.
func (a *Assembler) flushDir(c *Conn, d Dir, ts time.Time) {
	h := &c.state.dir[d]
	if !h.init {
		return
	}
	h.resync = false
	for {
		a.drain(c, d, ts)
		if h.head == nil {
			break
		}
		a.emitGap(c, d, h.head.off-h.next, ts)
	}
	if h.hi > h.next {
		a.emitGap(c, d, h.hi-h.next, ts)
	}
}

// emit delivers pc, which starts at the delivery point.
func (a *Assembler) emit(c *Conn, d Dir, pc piece, ts time.Time) {
	if pc.data == nil {
		a.emitGap(c, d, pc.n, ts)
		return
	}
	a.emitData(c, d, pc.data, ts)
}

// emitData delivers b at the delivery point and remembers it for
// retransmission checks.
func (a *Assembler) emitData(c *Conn, d Dir, b []byte, ts time.Time) {
	h := &c.state.dir[d]
	start := h.next
	h.next += int64(len(b))
	if a.remember(h, start, b) {
		c.state.stream.Anomaly(c, d, AnomalyHistoryLimit, ts)
	}
	a.stats.DeliveredBytes += int64(len(b))
	c.state.stream.Data(c, d, b, ts)
}

// emitGap reports n bytes at the delivery point as missing for good.
func (a *Assembler) emitGap(c *Conn, d Dir, n int64, ts time.Time) {
	h := &c.state.dir[d]
	h.next += n
	h.histLen = 0
	h.cov.settle(h.next)
	a.stats.Gaps++
	a.stats.GapBytes += n
	c.state.stream.Gap(c, d, n, ts)
}

// remember copies b, delivered at offset start, into the direction's
// history ring, taking a ring from the pool while the budget allows. It
// reports denied when the budget just refused the direction a ring (once
// per direction: it then runs without retransmission checks).
func (a *Assembler) remember(h *half, start int64, b []byte) (denied bool) {
	if h.hist == nil {
		if h.histDenied {
			return false
		}
		if a.histBytes+historySize > a.histBudget {
			h.histDenied = true
			a.hitHistory++
			return true
		}
		h.hist = a.pool.getHistory()
		a.histBytes += historySize
		h.histLen = 0
	}
	if len(b) > historySize {
		start += int64(len(b) - historySize)
		b = b[len(b)-historySize:]
	}
	i := int(uint64(start) % historySize)
	k := copy(h.hist.buf[i:], b)
	copy(h.hist.buf[:], b[k:])
	h.histLen = min(h.histLen+len(b), historySize)
	return false
}
