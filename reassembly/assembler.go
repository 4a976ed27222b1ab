package reassembly

import (
	"cmp"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Tuning constants that are not worth a Limits field.
const (
	// initialWindow and initialSlack bound how a direction that started
	// without a SYN may move its start down: during its first
	// initialWindow packets, a segment starting at most initialSlack
	// bytes before the start becomes the new start.
	initialWindow = 16
	initialSlack  = 1 << 20
	// reuseQuiet is how long a live connection must have been silent
	// before a SYN with a new ISN on its addresses is taken as a new
	// connection (port reuse after a close the capture missed) rather
	// than a stray SYN.
	reuseQuiet = time.Second
	// closedLinger is how long a closed connection stays in the table
	// (at most Limits.IdleTimeout) so that its late packets, such as the
	// last ACK after both FINs, do not start a new connection: twice the
	// maximum segment lifetime of RFC 9293 section 3.4.2.
	closedLinger = 4 * time.Minute
)

// AssemblerStats are the assembler's counters, for the run summary and for
// tuning Limits. Byte counts are sequence-space bytes unless noted.
type AssemblerStats struct {
	// Packets is how many packets Process was given.
	Packets int64
	// Conns counts connections created (new IDs); ConnsIgnored those the
	// Factory returned nil for.
	Conns, ConnsIgnored int64
	// ConnsOpen is how many connections are tracked now (closed ones
	// waiting out closedLinger excluded); ConnsPeak its maximum.
	ConnsOpen, ConnsPeak int
	// Closes counts Close reasons, indexed by CloseReason (index 0 is
	// unused). Connections without a Stream are counted too.
	Closes [CloseReused + 1]int64
	// PortReuses counts SYNs that ended a tracked connection and started
	// a new one on the same addresses and ports.
	PortReuses int64
	// StraySYNs counts SYNs with an unexpected ISN on a live, recently
	// active connection; they are dropped.
	StraySYNs int64
	// PacketsIgnored counts packets of connections without a Stream or in
	// Ignore mode; PacketsAfterClose packets that arrived for a connection
	// already closed and were dropped.
	PacketsIgnored, PacketsAfterClose int64
	// DeliveredBytes counts payload passed to Stream.Data.
	DeliveredBytes int64
	// Gaps and GapBytes count Stream.Gap calls and their bytes;
	// AckProvenGaps the gaps declared because the receiver acknowledged
	// past a hole.
	Gaps, GapBytes, AckProvenGaps int64
	// RetransmittedBytes counts payload bytes dropped because they were
	// already delivered or buffered; Conflicts the segments among them
	// whose content differed (AnomalyConflict).
	RetransmittedBytes, Conflicts int64
	// SnaplenCuts counts segments shorter than their wire length.
	SnaplenCuts int64
	// Buffered is the memory now held by out-of-order segments, as charged
	// to the limits (buffer capacity plus per-segment overhead);
	// BufferedPeak is its high-water mark.
	Buffered, BufferedPeak int64
	// History is the memory held by retransmission-check rings.
	History int64
	// ModeSwitchDropped counts buffered payload bytes dropped because a
	// Stream left Reassemble.
	ModeSwitchDropped int64
	// LimitHits counts each time a bound was hit, by name: "max_conns"
	// (a connection evicted), "max_conn_buffer" and "max_buffer" (a hole
	// skipped), "coverage_spans" (holes settled early in the accounting)
	// and "history" (a direction left without retransmission checks).
	// Each also reaches the Stream of the connection it cut, so that the
	// cut can be noted there: Close(CloseEvicted) in every mode;
	// AnomalyConnBufferLimit, AnomalyTotalBufferLimit, AnomalyCoverageLimit
	// and AnomalyHistoryLimit unless the Stream is in Ignore mode.
	LimitHits map[string]int64
}

// Assembler follows TCP connections and turns their segments into the
// events of the Stream contract below. It is not safe for concurrent use;
// one goroutine feeds it packets in capture order.
//
// # Connections
//
// A connection is identified by its two endpoints, unordered (VLAN tags
// and interfaces are not part of the identity). Its first packet, whatever
// its flags, creates it with the next ID and offers it to Factory.New;
// connections the Factory declines are still tracked, cheaply, so they are
// not offered again. The SYN sender is the client; if the first packet is
// a SYN-ACK its receiver is; otherwise the endpoint with the lower port is
// taken as the server (on a tie, the destination).
//
// Without a handshake, a direction's offset 0 is its first sequence number
// or, when the peer's acknowledgment seen before it is lower by at most
// 1 MiB, that acknowledgment (the bytes in between are then a hole, filled
// if they arrive late). A segment that starts at most 1 MiB before offset
// 0 within the direction's first 16 packets extends the accounting
// (DirStats) downwards, but is not delivered: delivery started already.
//
// # Accounting
//
// DirStats are kept in every mode. Bytes spans from offset 0 to the
// highest offset the direction's own segments prove was sent: the end of
// a payload (including a tail cut by the snaplen), a FIN, or the sequence
// number of a segment without payload. Missing is the part of that span
// never captured; each byte counts once however often it was sent. Holes
// below what the peer acknowledged are final (a late copy is a
// retransmission); so are the lowest ones when more than 8 disjoint
// ranges are pending (LimitHits "coverage_spans", AnomalyCoverageLimit).
//
// Conn.Times records, in every mode, when the handshake segments, each
// direction's first FIN and the closing RST were seen; DirStats.FirstPayload
// when a direction first carried payload. Setting them costs no allocation.
//
// # Ending
//
//   - RST: Close(CloseRST) at once.
//   - FIN: a direction is done when its FIN was seen and every byte
//     before it was delivered or reported as a gap (a hole before a FIN
//     waits for a retransmission until the peer acknowledges past it).
//     When both are done: Close(CloseFIN).
//   - Idle longer than Limits.IdleTimeout on the capture clock:
//     Close(CloseTimeout), or CloseFIN if either side sent a FIN.
//   - Flush: CloseCaptureEnd, or CloseFIN if either side sent a FIN.
//   - Table full (Limits.MaxConns): the least recently active connection
//     gets Close(CloseEvicted).
//   - A SYN with a new ISN on the addresses of a connection that is
//     closed, saw a FIN, or has been silent for a second: the old one gets
//     Close(CloseFIN) if it saw a FIN, else Close(CloseReused), and a new
//     connection starts.
//
// A closed connection lingers in the table as a closedConn (about a
// hundred bytes; the Conn is released) for a while
// (4 minutes, at most IdleTimeout) so that its late packets are dropped
// instead of starting a phantom connection.
//
// # Stream contract
//
// All callbacks happen inside Process or Flush, in capture order, and
// Conn.Traffic is up to date (this packet included) when they are made.
// A Stream must not call back into the Assembler.
//
//   - Mode is asked once per packet, before the packet is handled. It
//     applies to every callback that packet causes.
//   - Handshake is called at most once, on the ACK completing the
//     handshake, before any Data of that packet. Not in Ignore mode.
//   - Data (Reassemble only) delivers each byte of a direction at most
//     once and in sequence order: in-order payload at once and without a
//     copy, out-of-order payload as soon as the hole before it is filled
//     or given up. The slice aliases the capture buffer or the
//     assembler's buffers and is valid only during the call: copy what
//     must be kept.
//   - Gap (Reassemble only) reports n bytes that will never be delivered:
//     the holes the receiver's acknowledgment proves were missed by the
//     capture, the holes skipped when a buffer limit is hit, the cut tail
//     of snaplen-truncated segments, the bytes seen while the Stream was
//     not in Reassemble mode (on its return), and any hole left at Close.
//     For each direction, the sum of Data lengths and Gap sizes is always
//     the offset of the next byte, and never exceeds Traffic[d].Bytes.
//   - Anomaly is made in Reassemble mode for conflicts and buffer limits
//     (each time), and for AnomalyHistoryLimit (once per direction, before
//     the Data whose bytes found no ring); in Reassemble and Count modes
//     for AnomalySnaplenCut and AnomalyCoverageLimit (once per direction
//     each). A buffer-limit anomaly precedes the Gap it causes. Every
//     limit counted in LimitHits reaches the Stream this way (or as
//     Close(CloseEvicted)), so a Stream can note what a bound cut; in
//     Ignore mode the hits are counted only.
//   - Close is the last call; pending out-of-order data is first delivered
//     after Gaps for the holes before it. The Conn must not be kept after
//     Close.
//
// Bytes already delivered are dropped when they come again. A
// retransmission whose content differs from what was delivered (among the
// last 4 KiB of the direction) or buffered keeps the first copy and causes
// AnomalyConflict. A one-byte segment just before the delivered end, a TCP
// keepalive, is never a conflict.
//
// # Memory
//
// Out-of-order segments are charged their buffer capacity plus about 96
// bytes each against Limits.MaxConnBuffer (per connection) and
// Limits.MaxBuffer (overall). Retransmission-check rings (4 KiB per
// Reassemble direction that delivered data) take at most MaxBuffer/2 more;
// directions beyond that run without the check (AnomalyHistoryLimit).
// Segments and rings are recycled through pools owned by the Assembler,
// so steady-state processing does not allocate.
type Assembler struct {
	factory Factory
	limits  Limits
	conns   map[connKey]*Conn
	// closed are the closed connections still lingering, by key and
	// (lingering) in close-time order; conns and closed never share a key.
	closed    map[connKey]*closedConn
	lingering closedList
	// live is ordered by last activity (head: least recent).
	live   connList
	lastID uint64
	// nowNs is the capture clock: the latest packet time seen.
	nowNs      int64
	idleNs     int64
	lingerNs   int64
	buffered   int
	histBytes  int
	histBudget int
	pool       pool
	stats      AssemblerStats
	// limit hits, exported through Stats.LimitHits
	hitConns, hitConnBuffer, hitBuffer, hitCoverage, hitHistory int64
}

// NewAssembler returns an Assembler offering connections to f within the
// bounds of l. Non-positive fields of l take their DefaultLimits value.
// A nil f ignores every connection.
func NewAssembler(f Factory, l Limits) *Assembler {
	def := DefaultLimits()
	if l.MaxConns <= 0 {
		l.MaxConns = def.MaxConns
	}
	if l.MaxConnBuffer <= 0 {
		l.MaxConnBuffer = def.MaxConnBuffer
	}
	if l.MaxBuffer <= 0 {
		l.MaxBuffer = def.MaxBuffer
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = def.IdleTimeout
	}
	return &Assembler{
		factory:    f,
		limits:     l,
		conns:      make(map[connKey]*Conn, min(l.MaxConns, 1024)),
		closed:     make(map[connKey]*closedConn, min(l.MaxConns, 1024)),
		idleNs:     int64(l.IdleTimeout),
		lingerNs:   int64(min(l.IdleTimeout, closedLinger)),
		histBudget: l.MaxBuffer / 2,
		pool:       pool{maxIdle: l.MaxBuffer},
	}
}

// Stats returns a snapshot of the counters.
func (a *Assembler) Stats() AssemblerStats {
	s := a.stats
	s.ConnsOpen = a.live.n
	s.Buffered = int64(a.buffered)
	s.History = int64(a.histBytes)
	s.LimitHits = map[string]int64{
		"max_conns":       a.hitConns,
		"max_conn_buffer": a.hitConnBuffer,
		"max_buffer":      a.hitBuffer,
		"coverage_spans":  a.hitCoverage,
		"history":         a.hitHistory,
	}
	return s
}

// Process handles one segment. The packet and its payload are not kept
// after the call.
func (a *Assembler) Process(p *tcp.Segment) {
	a.stats.Packets++
	if ns := p.TS.UnixNano(); ns > a.nowNs {
		a.nowNs = ns
	}
	a.expire(p.TS)

	syn := p.Flags&(tcp.SYN|tcp.RST) == tcp.SYN
	ack := p.Flags&tcp.ACK != 0
	key := keyOf(p.Src, p.Dst)
	c := a.conns[key]
	switch {
	case c == nil:
		if g := a.closed[key]; g != nil {
			if !syn || !g.newISN(p) {
				a.stats.PacketsAfterClose++
				return
			}
			a.forgetClosed(g)
			a.stats.PortReuses++
		}
	case syn && !ack && a.newISN(c, p):
		if !a.replace(c, p.TS) {
			// Not even a touch: a client retrying to reuse the port
			// must be able to reach reuseQuiet.
			a.stats.StraySYNs++
			return
		}
		c = nil
	}
	if c == nil {
		c = a.open(key, p)
	}
	a.touch(c)
	a.handle(c, p)
}

// Flush ends the capture: every open connection is closed, in ID order,
// with CloseCaptureEnd (CloseFIN if either side sent a FIN), after its
// pending data and holes are delivered. The table is then empty; the
// Assembler may be used again and keeps numbering connections.
func (a *Assembler) Flush(ts time.Time) {
	open := make([]*Conn, 0, a.live.n)
	for c := a.live.head; c != nil; c = c.state.next {
		open = append(open, c)
	}
	slices.SortFunc(open, func(x, y *Conn) int { return cmp.Compare(x.ID, y.ID) })
	for _, c := range open {
		a.closeConn(c, endReason(c, CloseCaptureEnd), ts)
	}
	clear(a.conns)
	clear(a.closed)
	a.live, a.lingering = connList{}, closedList{}
}

// Advance moves the capture clock to now without a packet and closes the
// connections idle longer than Limits.IdleTimeout. Live capture calls it
// on a quiet link; file analysis never needs it. A time before the clock
// changes nothing.
func (a *Assembler) Advance(now time.Time) {
	if ns := now.UnixNano(); ns > a.nowNs {
		a.nowNs = ns
		a.expire(now)
	}
}
