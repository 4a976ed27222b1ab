package packet

import (
	"bytes"
	"net/netip"
	"time"
)

// DefragLimits bound IP fragment reassembly, whatever the input: a flood of
// fragments that never complete costs at most MaxBytes of buffers and
// MaxDatagrams table entries, and is forgotten after Timeout.
type DefragLimits struct {
	// MaxDatagrams is the most datagrams reassembled at once; past it the
	// oldest is dropped (counted as Evicted).
	MaxDatagrams int
	// MaxDatagramBytes is the largest reassembled payload; a fragment
	// reaching past it drops its datagram (counted as TooBig). It cannot
	// exceed 65535, the most an IP length field describes.
	MaxDatagramBytes int
	// MaxBytes is the most buffer memory held by incomplete datagrams; past
	// it the oldest are dropped (counted as Evicted). It is raised to
	// MaxDatagramBytes if lower.
	MaxBytes int
	// Timeout drops a datagram still incomplete this long after its first
	// fragment, on the capture clock (counted as TimedOut). RFC 791 leaves
	// it to the host (Linux uses 30 s), RFC 8200 4.5 says 60 s for IPv6.
	Timeout time.Duration
}

// DefaultDefragLimits returns limits that reassemble any real traffic
// while holding at most 8 MiB.
func DefaultDefragLimits() DefragLimits {
	return DefragLimits{
		MaxDatagrams:     1024,
		MaxDatagramBytes: maxIPDatagram,
		MaxBytes:         8 << 20,
		Timeout:          30 * time.Second,
	}
}

// DefragStats counts what IP reassembly did and, above all, what it could
// not do, so a report can say why some traffic is missing.
type DefragStats struct {
	// Fragments is the number of fragments offered (IPv4 with MF set or
	// a non-zero offset, IPv6 with a non-atomic fragment header), of
	// protocols that may carry TCP.
	Fragments int64
	// Reassembled is the number of datagrams completed.
	Reassembled int64
	// Pending is the number of datagrams incomplete right now; after the
	// last packet, those the capture ended on.
	Pending int
	// TimedOut counts datagrams dropped incomplete after Timeout.
	TimedOut int64
	// Evicted counts datagrams dropped incomplete to stay within
	// MaxDatagrams or MaxBytes.
	Evicted int64
	// TooBig counts datagrams dropped for reaching past MaxDatagramBytes.
	TooBig int64
	// Discarded counts datagrams dropped as inconsistent: two last
	// fragments with different ends, data past the end, or (IPv6 only,
	// RFC 5722) overlapping fragments whose bytes differ.
	Discarded int64
	// Overlaps counts fragments that overlapped bytes already held; the
	// first copy was kept (IPv4) or the datagram discarded on a conflict
	// (IPv6).
	Overlaps int64
	// Conflicts counts overlaps whose bytes differed from the first copy:
	// a sign of evasion (RFC 1858, RFC 3128) or of a broken stack.
	Conflicts int64
	// BadLength counts fragments dropped because a fragment that is not
	// the last is empty or not a multiple of 8 bytes (RFC 791 3.2, RFC
	// 8200 4.5).
	BadLength int64
	// Cut counts fragments the capture's snap length cut short: their
	// datagram cannot be reassembled.
	Cut int64
}

const (
	// maxIPDatagram is the largest reassembled payload: fragment offset
	// plus length may not exceed it (RFC 791 3.2, RFC 8200 4.5).
	maxIPDatagram = 65535
	// fragUnits is the number of 8-byte fragment blocks in maxIPDatagram.
	fragUnits = (maxIPDatagram + 7) / 8
	// maxFreeBuffers bounds the buffers kept for reuse.
	maxFreeBuffers = 16
	// sweepInterval is how often, on the capture clock, the whole table
	// is checked for timed-out datagrams.
	sweepInterval = time.Second
)

// DatagramID identifies the IP datagram a fragment belongs to: source,
// destination, protocol and identification for IPv4 (RFC 791 3.2);
// source, destination and identification for IPv6 (RFC 8200 4.5).
type DatagramID struct {
	Src, Dst netip.Addr
	ID       uint32
	Proto    uint8 // IPv4 only
	V6       bool
}

// datagram is one datagram being reassembled.
type datagram struct {
	key DatagramID
	// buf holds the payload received so far; len(buf) is the highest
	// byte seen. Which 8-byte units are valid is in have.
	buf   []byte
	have  [(fragUnits + 63) / 64]uint64
	units int // units set in have
	end   int // payload length once the last fragment is seen, else -1
	// proto is the Next Header of the offset-0 fragment's fragment header
	// (IPv6) or the protocol (IPv4).
	proto      uint8
	first      time.Time
	prev, next *datagram // creation order, oldest first
}

// defragmenter reassembles IPv4 and IPv6 datagrams (RFC 791 3.2, RFC 815,
// RFC 8200 4.5) with a bitmap of 8-byte units per datagram: overlaps are
// detected exactly, the first copy of each byte wins, and completion is a
// counter check. All memory is bounded by DefragLimits and recycled.
type defragmenter struct {
	limits         DefragLimits
	table          map[DatagramID]*datagram
	oldest, newest *datagram
	freeDatagrams  []*datagram
	freeBuffers    [][]byte
	// out holds the buffers of datagrams completed during the current
	// Decode; they are recycled at the start of the next one, which is
	// what makes Segment.Payload valid until then.
	out       [][]byte
	bytes     int // capacity of the buffers of incomplete datagrams
	lastSweep time.Time
	st        DefragStats
}

func (f *defragmenter) init(l DefragLimits) {
	if l.MaxDatagrams <= 0 {
		l.MaxDatagrams = 1
	}
	if l.MaxDatagramBytes <= 0 || l.MaxDatagramBytes > maxIPDatagram {
		l.MaxDatagramBytes = maxIPDatagram
	}
	l.MaxBytes = max(l.MaxBytes, l.MaxDatagramBytes)
	if l.Timeout <= 0 {
		l.Timeout = DefaultDefragLimits().Timeout
	}
	f.limits = l
	if f.table == nil {
		f.table = make(map[DatagramID]*datagram)
	}
}

func (f *defragmenter) stats() DefragStats {
	s := f.st
	s.Pending = len(f.table)
	return s
}

// cut records a fragment the snap length cut short.
func (f *defragmenter) cut() {
	f.st.Fragments++
	f.st.Cut++
}

// release recycles the buffers handed out by the previous Decode.
func (f *defragmenter) release() {
	for i, b := range f.out {
		if len(f.freeBuffers) < maxFreeBuffers {
			f.freeBuffers = append(f.freeBuffers, b[:0])
		}
		f.out[i] = nil
	}
	f.out = f.out[:0]
}

// add offers one fragment: payload frag at byte offset off, more set when
// it is not the last. proto is the IPv4 protocol or the Next Header of the
// IPv6 fragment header. When the fragment completes its datagram, add
// returns the payload and its protocol; the payload stays valid until the
// next release.
func (f *defragmenter) add(key DatagramID, off int, more bool, frag []byte, proto uint8, ts time.Time) (whole []byte, wholeProto uint8, done bool) {
	f.st.Fragments++
	f.expire(ts)
	end := off + len(frag)
	if more && (len(frag) == 0 || len(frag)%8 != 0) {
		f.st.BadLength++
		return nil, 0, false
	}
	dg := f.table[key]
	if dg != nil && ts.Sub(dg.first) > f.limits.Timeout {
		f.st.TimedOut++
		f.drop(dg)
		dg = nil
	}
	if end > f.limits.MaxDatagramBytes {
		f.st.TooBig++
		if dg != nil {
			f.drop(dg)
		}
		return nil, 0, false
	}
	if dg == nil {
		for len(f.table) >= f.limits.MaxDatagrams {
			f.st.Evicted++
			f.drop(f.oldest)
		}
		dg = f.newDatagram(key, ts)
	}
	switch {
	case !more && dg.end >= 0 && dg.end != end,
		!more && dg.end < 0 && len(dg.buf) > end,
		more && dg.end >= 0 && end > dg.end:
		f.st.Discarded++
		f.drop(dg)
		return nil, 0, false
	case !more:
		dg.end = end
	}
	if end > len(dg.buf) {
		f.grow(dg, end)
	}
	if off == 0 {
		dg.proto = proto
	}
	overlap, conflict := dg.fill(off, frag)
	if overlap {
		f.st.Overlaps++
	}
	if conflict {
		f.st.Conflicts++
		if key.V6 {
			// RFC 8200 4.5 (from RFC 5722): a datagram with overlapping
			// fragments is discarded. Exact duplicates, which the RFC
			// lets a host drop alone, do not count as conflicts.
			f.st.Discarded++
			f.drop(dg)
			return nil, 0, false
		}
	}
	if dg.end < 0 || dg.units != (dg.end+7)/8 {
		return nil, 0, false
	}
	f.st.Reassembled++
	whole, wholeProto = dg.buf[:dg.end], dg.proto
	f.out = append(f.out, dg.buf)
	f.bytes -= cap(dg.buf)
	dg.buf = nil
	f.drop(dg)
	return whole, wholeProto, true
}

// newDatagram starts a datagram, reusing a recycled one when possible.
func (f *defragmenter) newDatagram(key DatagramID, ts time.Time) *datagram {
	var dg *datagram
	if n := len(f.freeDatagrams); n > 0 {
		dg = f.freeDatagrams[n-1]
		f.freeDatagrams = f.freeDatagrams[:n-1]
	} else {
		dg = new(datagram)
	}
	dg.key, dg.first, dg.end, dg.units, dg.proto = key, ts, -1, 0, 0
	dg.have = [len(dg.have)]uint64{}
	f.table[key] = dg
	dg.prev, dg.next = f.newest, nil
	if f.newest != nil {
		f.newest.next = dg
	} else {
		f.oldest = dg
	}
	f.newest = dg
	return dg
}

// drop forgets dg and recycles its memory.
func (f *defragmenter) drop(dg *datagram) {
	delete(f.table, dg.key)
	if dg.prev != nil {
		dg.prev.next = dg.next
	} else {
		f.oldest = dg.next
	}
	if dg.next != nil {
		dg.next.prev = dg.prev
	} else {
		f.newest = dg.prev
	}
	dg.prev, dg.next = nil, nil
	if dg.buf != nil {
		f.bytes -= cap(dg.buf)
		if len(f.freeBuffers) < maxFreeBuffers {
			f.freeBuffers = append(f.freeBuffers, dg.buf[:0])
		}
		dg.buf = nil
	}
	if len(f.freeDatagrams) < f.limits.MaxDatagrams && len(f.freeDatagrams) < 64 {
		f.freeDatagrams = append(f.freeDatagrams, dg)
	}
}

// grow makes dg.buf n bytes long, reusing a free buffer when one is large
// enough, and evicts the oldest other datagrams if the new capacity would
// pass MaxBytes. Bytes not yet received are left as they are: the bitmap,
// not the buffer, says what is valid.
func (f *defragmenter) grow(dg *datagram, n int) {
	if n <= cap(dg.buf) {
		dg.buf = dg.buf[:n]
		return
	}
	newCap := n
	if dg.end < 0 { // end unknown: leave room for the fragments to come
		newCap = min(max(n, 2*cap(dg.buf), 4096), f.limits.MaxDatagramBytes)
	}
	free := -1 // the smallest free buffer that fits
	for i, b := range f.freeBuffers {
		if cap(b) >= n && (free < 0 || cap(b) < cap(f.freeBuffers[free])) {
			free = i
		}
	}
	if free >= 0 {
		newCap = cap(f.freeBuffers[free])
	}
	for f.bytes-cap(dg.buf)+newCap > f.limits.MaxBytes && f.oldest != nil {
		victim := f.oldest
		if victim == dg {
			victim = dg.next
			if victim == nil {
				break
			}
		}
		f.st.Evicted++
		f.drop(victim)
	}
	var b []byte
	if free >= 0 {
		// Evictions above may have appended to the list, never removed.
		b = f.freeBuffers[free][:n]
		last := len(f.freeBuffers) - 1
		f.freeBuffers[free] = f.freeBuffers[last]
		f.freeBuffers[last] = nil
		f.freeBuffers = f.freeBuffers[:last]
	} else {
		b = make([]byte, n, newCap)
	}
	copy(b, dg.buf)
	f.bytes += cap(b) - cap(dg.buf)
	if dg.buf != nil && len(f.freeBuffers) < maxFreeBuffers {
		f.freeBuffers = append(f.freeBuffers, dg.buf[:0])
	}
	dg.buf = b
}

// fill copies frag into dg at off, byte units not held yet only (the first
// copy wins), and reports whether it overlapped held units and whether
// those differed.
func (dg *datagram) fill(off int, frag []byte) (overlap, conflict bool) {
	u0, u1 := off/8, (off+len(frag)+7)/8
	if !dg.anySet(u0, u1) {
		copy(dg.buf[off:], frag)
		for u := u0; u < u1; u++ {
			dg.have[u/64] |= 1 << (u % 64)
		}
		dg.units += u1 - u0
		return false, false
	}
	for u := u0; u < u1; u++ {
		lo := u*8 - off
		hi := min(lo+8, len(frag))
		dst := dg.buf[u*8 : u*8+hi-lo]
		if dg.have[u/64]&(1<<(u%64)) != 0 {
			overlap = true
			if !bytes.Equal(dst, frag[lo:hi]) {
				conflict = true
			}
			continue
		}
		copy(dst, frag[lo:hi])
		dg.have[u/64] |= 1 << (u % 64)
		dg.units++
	}
	return overlap, conflict
}

// anySet reports whether any unit in [u0, u1) is held.
func (dg *datagram) anySet(u0, u1 int) bool {
	for u := u0; u < u1; {
		w := dg.have[u/64]
		if u%64 == 0 && u+64 <= u1 {
			if w != 0 {
				return true
			}
			u += 64
			continue
		}
		if w&(1<<(u%64)) != 0 {
			return true
		}
		u++
	}
	return false
}

// expire drops the datagrams older than Timeout, checking the whole table
// at most once per sweepInterval of capture time (or when the clock goes
// backwards); add checks the datagram it is given on every call.
func (f *defragmenter) expire(ts time.Time) {
	if !f.lastSweep.IsZero() && ts.Sub(f.lastSweep) < sweepInterval && !ts.Before(f.lastSweep) {
		return
	}
	f.lastSweep = ts
	for dg := f.oldest; dg != nil; {
		next := dg.next
		if ts.Sub(dg.first) > f.limits.Timeout {
			f.st.TimedOut++
			f.drop(dg)
		}
		dg = next
	}
}
