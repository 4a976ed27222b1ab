package decoder

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// dataLink is one data connection as seen by one session (an FXP
// connection has one link per session).
type dataLink struct {
	ds *dataStream
	s  *session
	// neg is the negotiation matched (nil for a guess).
	neg  *negotiation
	mode Mode
	// src sent the SYN; dst accepted.
	src, dst netip.AddrPort
	// srvSide is the connection direction whose sender is this
	// session's FTP server.
	srvSide reassembly.Dir
	x       *xfer
	guessed bool // matched by addresses only
	fxp     bool // the connection serves another session too
	// closed: the connection ended; stats, start and end are final.
	closed bool
	// detached: the session no longer waits for this link.
	detached   bool
	stats      [2]reassembly.DirStats
	start, end time.Time
	tcp        TCPTimes
	// w receives the payload of a file transfer (Config.Content).
	w       ContentWriter
	wOpened bool
	// early holds payload seen before the transfer command, per
	// direction, bounded.
	early *earlyContent
	// notes are what happened to the connection before it was tied to
	// a transfer (anomalies, content_buffer_limit, conn_evicted): moved
	// to the transfer by bind, or to the session when the connection is
	// given up.
	notes []string
}

// note records n about the data connection: on its transfer once bound,
// on the session once the link was given up, on the link until then.
func (l *dataLink) note(n Note) {
	switch {
	case l.x != nil:
		l.x.t.Notes = l.s.addNote(l.x.t.Notes, n)
	case l.detached:
		l.s.note(n)
	default:
		l.notes = l.s.addNote(l.notes, n)
	}
}

// giveUp detaches a link that was never tied to a transfer; what was
// noted on it goes to the session, the only place left to say it.
func (l *dataLink) giveUp() {
	l.detached = true
	for _, n := range l.notes {
		l.s.note(Note(n))
	}
	l.notes = nil
}

// transferDir is the connection direction the transfer's payload flows
// in: from the FTP server for a download, to it for an upload.
func (l *dataLink) transferDir() reassembly.Dir {
	if l.x != nil && l.x.t.Direction == Upload {
		return l.srvSide.Reverse()
	}
	return l.srvSide
}

// snapshot copies the connection's accounting so far.
func (l *dataLink) snapshot() {
	c := l.ds.conn
	if c == nil {
		return
	}
	l.stats = c.Traffic
	l.start = c.Start
	l.end = lastPacket(c)
	opener := reassembly.ClientToServer
	if l.src != c.Client {
		opener = reassembly.ServerToClient
	}
	l.tcp = tcpTimes(c.Times, opener)
}

// maxLinksPerConn bounds how many sessions one data connection serves.
const maxLinksPerConn = 4

// dataStream is the Stream of a data connection.
type dataStream struct {
	a    *Analyzer
	conn *reassembly.Conn
	// first is embedded to save an allocation in the usual one-session
	// case.
	first dataLink
	more  []*dataLink
	n     int
}

// link returns the i-th link.
func (ds *dataStream) link(i int) *dataLink {
	if i == 0 {
		return &ds.first
	}
	return ds.more[i-1]
}

// addLink returns a fresh link, nil when the bound is reached.
func (ds *dataStream) addLink() *dataLink {
	if ds.n >= maxLinksPerConn {
		return nil
	}
	ds.n++
	if ds.n == 1 {
		ds.first.ds = ds
		return &ds.first
	}
	l := &dataLink{ds: ds}
	ds.more = append(ds.more, l)
	return l
}

// Mode implements reassembly.Stream: sequence accounting only, unless a
// file transfer's content is wanted (or may be, for a connection whose
// command has not come yet).
func (ds *dataStream) Mode() reassembly.Mode {
	if ds.a.cfg.Content == nil {
		return reassembly.Count
	}
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.detached || l.s.final {
			continue
		}
		if l.x == nil || l.x.file {
			return reassembly.Reassemble
		}
	}
	return reassembly.Count
}

// Handshake implements reassembly.Stream.
func (ds *dataStream) Handshake(c *reassembly.Conn, ts time.Time) {}

// Data implements reassembly.Stream; it is called only when content is
// extracted.
func (ds *dataStream) Data(c *reassembly.Conn, d reassembly.Dir, payload []byte, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.detached || l.s.final {
			continue
		}
		if l.x == nil {
			l.keepEarly(d, payload, 0)
			continue
		}
		if l.x.file && d == l.transferDir() {
			l.write(payload, 0)
		}
	}
}

// Gap implements reassembly.Stream.
func (ds *dataStream) Gap(c *reassembly.Conn, d reassembly.Dir, n int64, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.detached || l.s.final {
			continue
		}
		if l.x == nil {
			l.keepEarly(d, nil, n)
			continue
		}
		if l.x.file && d == l.transferDir() {
			l.write(nil, n)
		}
	}
}

// Anomaly implements reassembly.Stream: noted on the bound transfers,
// kept on a link not bound yet until it is (see dataLink.note). A
// session already reported can no longer be told.
func (ds *dataStream) Anomaly(c *reassembly.Conn, d reassembly.Dir, an reassembly.Anomaly, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		if l := ds.link(i); !l.s.final {
			l.note(anomalyNote(an))
		}
	}
}

// Close implements reassembly.Stream.
func (ds *dataStream) Close(c *reassembly.Conn, reason reassembly.CloseReason, ts time.Time) {
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		if l.closed {
			continue
		}
		l.snapshot()
		l.closed = true
	}
	ds.conn = nil
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		s := l.s
		if s.final {
			continue
		}
		s.data.open--
		if reason == reassembly.CloseEvicted {
			// The assembler's table was full: whatever the connection
			// carried after this is not counted.
			l.note(NoteConnEvicted)
		}
		if l.x != nil && !l.detached {
			s.dataClosed(l, ts)
		}
		s.tryFinish()
	}
}

// write passes payload (or a hole of n bytes) to the content writer,
// opening it on first use.
func (l *dataLink) write(p []byte, n int64) {
	if !l.wOpened {
		l.wOpened = true
		l.w = l.s.a.cfg.Content.Open(&l.s.out, l.x.t)
	}
	if l.w == nil {
		return
	}
	if n > 0 {
		l.w.Skip(n)
		return
	}
	l.w.Write(p)
}
