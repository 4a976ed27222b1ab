package decoder

import "github.com/ftpsniff/ftpsniff/reassembly"

// earlyContent is payload that arrived before the transfer command said
// which direction matters: per direction, bytes and holes in order.
type earlyContent struct {
	data  [2][]byte
	holes [2][]earlyHole
	// dropped counts bytes past the bound, per direction, reported as a
	// hole at the end.
	dropped [2]int64
}

// earlyHole is n missing bytes after data[:at].
type earlyHole struct {
	at int
	n  int64
}

// maxEarlyContent bounds the payload kept per early data connection, and
// maxEarlyHoles the holes placed in it per direction.
const (
	maxEarlyContent = 1 << 20
	maxEarlyHoles   = 64
)

// keepEarly holds payload (or a hole) until the transfer is known.
func (l *dataLink) keepEarly(d reassembly.Dir, p []byte, hole int64) {
	if l.early == nil {
		l.early = &earlyContent{}
	}
	ec := l.early
	if hole > 0 || ec.dropped[d] > 0 || len(ec.data[0])+len(ec.data[1])+len(p) > maxEarlyContent {
		if hole > 0 && ec.dropped[d] == 0 && len(ec.holes[d]) < maxEarlyHoles {
			ec.holes[d] = append(ec.holes[d], earlyHole{at: len(ec.data[d]), n: hole})
			return
		}
		if ec.dropped[d] == 0 {
			// From here on this direction's early payload is a hole
			// (too many bytes, or too many holes to place them):
			// counted and noted once per direction.
			l.s.a.limit(limitContentBuffer)
			l.note(NoteContentBufferLimit)
		}
		ec.dropped[d] += int64(len(p)) + hole
		return
	}
	ec.data[d] = append(ec.data[d], p...)
}

// replayEarly writes the held payload of the transfer's direction.
func (l *dataLink) replayEarly() {
	ec := l.early
	l.early = nil
	if !l.x.file || l.s.a.cfg.Content == nil {
		return
	}
	d := l.transferDir()
	data := ec.data[d]
	at := 0
	for _, h := range ec.holes[d] {
		if h.at > at {
			l.write(data[at:h.at], 0)
			at = h.at
		}
		l.write(nil, h.n)
	}
	if at < len(data) {
		l.write(data[at:], 0)
	}
	if ec.dropped[d] > 0 {
		l.write(nil, ec.dropped[d])
	}
}
