package reassembly

import (
	"bytes"
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
	// tombstoneLinger is how long a closed connection stays in the table
	// (at most Limits.IdleTimeout) so that its late packets, such as the
	// last ACK after both FINs, do not start a new connection: twice the
	// maximum segment lifetime of RFC 9293 section 3.4.2.
	tombstoneLinger = 4 * time.Minute
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
	// waiting out tombstoneLinger excluded); ConnsPeak its maximum.
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
// A closed connection stays in the table as a tombstone (a grave of about
// a hundred bytes; the Conn is released) for a while
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
	// graves are the closed connections still lingering, by key and
	// (buried) in close-time order; conns and graves never share a key.
	graves map[connKey]*grave
	buried graveList
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
		graves:     make(map[connKey]*grave, min(l.MaxConns, 1024)),
		idleNs:     int64(l.IdleTimeout),
		lingerNs:   int64(min(l.IdleTimeout, tombstoneLinger)),
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
		if g := a.graves[key]; g != nil {
			if !syn || !g.newISN(p) {
				a.stats.PacketsAfterClose++
				return
			}
			a.forget(g)
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
	clear(a.graves)
	a.live, a.buried = connList{}, graveList{}
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

// endReason is CloseFIN when a side of c sent a FIN, else r: a connection
// that was being closed ended, even if the capture missed the rest.
func endReason(c *Conn, r CloseReason) CloseReason {
	if c.Traffic[0].FIN || c.Traffic[1].FIN {
		return CloseFIN
	}
	return r
}

// expire closes the connections idle longer than the timeout and forgets
// the tombstones that lingered long enough. Both lists are ordered by
// time, so only their heads are looked at.
func (a *Assembler) expire(ts time.Time) {
	for c := a.live.head; c != nil && a.nowNs-c.state.lastNs > a.idleNs; c = a.live.head {
		a.closeConn(c, endReason(c, CloseTimeout), ts)
		a.live.remove(c)
		delete(a.conns, c.state.key)
	}
	for g := a.buried.head; g != nil && a.nowNs-g.lastNs > a.lingerNs; g = a.buried.head {
		a.forget(g)
	}
}

// newISN reports whether p, a SYN or SYN-ACK, starts something other than
// what c's direction from p.Src already synchronized: a retransmitted SYN
// carries the same ISN. A SYN from a side not heard from yet
// (simultaneous open, or a SYN-ACK after a lost SYN) is part of c. (A
// closed connection answers with grave.newISN.)
func (a *Assembler) newISN(c *Conn, p *tcp.Segment) bool {
	h := &c.state.dir[dirOf(c, p)]
	if !h.init {
		return false
	}
	return !h.synced || h.isn != p.Seq
}

// replace ends the live connection c because a SYN with a new ISN arrived
// on its addresses. It refuses (false) while c is active and unfinished:
// such a SYN is stray (RFC 9293 section 3.10.7.4 answers it with a
// challenge ACK and keeps the connection).
func (a *Assembler) replace(c *Conn, ts time.Time) bool {
	reason := CloseReused
	switch {
	case c.Traffic[0].FIN || c.Traffic[1].FIN:
		reason = CloseFIN
	case a.nowNs-c.state.lastNs < int64(reuseQuiet):
		return false
	}
	a.closeConn(c, reason, ts)
	a.live.remove(c)
	delete(a.conns, c.state.key)
	a.stats.PortReuses++
	return true
}

// open creates the connection of p's first packet and offers it to the
// Factory.
func (a *Assembler) open(key connKey, p *tcp.Segment) *Conn {
	if len(a.conns)+len(a.graves) >= a.limits.MaxConns {
		a.makeRoom(p.TS)
	}
	a.lastID++
	c := &Conn{ID: a.lastID, Start: p.TS}
	f := p.Flags & (tcp.SYN | tcp.ACK | tcp.RST)
	switch {
	case f == tcp.SYN:
		c.Client, c.Server = p.Src, p.Dst
	case f == tcp.SYN|tcp.ACK:
		c.Client, c.Server = p.Dst, p.Src
	case p.Src.Port() < p.Dst.Port():
		c.Client, c.Server = p.Dst, p.Src
	default:
		c.Client, c.Server = p.Src, p.Dst
	}
	c.SawSYN = f&(tcp.SYN|tcp.RST) == tcp.SYN
	c.state.key = key
	c.state.mode = Reassemble
	a.conns[key] = c
	a.live.pushBack(c)
	a.stats.Conns++
	a.stats.ConnsPeak = max(a.stats.ConnsPeak, a.live.n)
	if a.factory != nil {
		c.state.stream = a.factory.New(c, p.TS)
	}
	if c.state.stream == nil {
		a.stats.ConnsIgnored++
	}
	return c
}

// makeRoom frees a table entry: the oldest tombstone if any, else the
// least recently active connection.
func (a *Assembler) makeRoom(ts time.Time) {
	if g := a.buried.head; g != nil {
		a.forget(g)
		return
	}
	c := a.live.head
	a.hitConns++
	a.closeConn(c, CloseEvicted, ts)
	a.live.remove(c)
	delete(a.conns, c.state.key)
}

// forget drops a grave.
func (a *Assembler) forget(g *grave) {
	a.buried.remove(g)
	delete(a.graves, g.key)
}

// touch marks c as the most recently active connection.
func (a *Assembler) touch(c *Conn) {
	c.state.lastNs = a.nowNs
	a.live.moveToBack(c)
}

// dirOf returns the direction of p within c.
func dirOf(c *Conn, p *tcp.Segment) Dir {
	if p.Src == c.Client {
		return ClientToServer
	}
	return ServerToClient
}

// handle does the per-packet work on a live connection.
func (a *Assembler) handle(c *Conn, p *tcp.Segment) {
	st := &c.state
	d := dirOf(c, p)
	r := d.Reverse()
	h, hr := &st.dir[d], &st.dir[r]
	ds := &c.Traffic[d]
	ds.Packets++
	if ds.Packets == 1 {
		ds.First, ds.Last = p.TS, p.TS
	} else if p.TS.After(ds.Last) {
		ds.Last = p.TS
	}
	rst := p.Flags&tcp.RST != 0
	syn := p.Flags&tcp.SYN != 0 && !rst
	fin := p.Flags&tcp.FIN != 0 && !rst
	ack := p.Flags&tcp.ACK != 0 && !rst
	if rst && c.Times.RST.IsZero() {
		c.Times.RST, c.Times.RSTDir = p.TS, d
	}

	if st.stream == nil {
		// Nobody wants this connection: track only what ends it and what
		// tells a retransmitted SYN from a new connection.
		a.stats.PacketsIgnored++
		if syn && !h.init {
			h.start(p.Seq+1, true, p.Seq)
		}
		if fin && !ds.FIN {
			ds.FIN = true
			c.Times.FIN[d] = p.TS
		}
		switch {
		case rst:
			a.finish(c, CloseRST, p.TS)
		case c.Traffic[0].FIN && c.Traffic[1].FIN:
			a.finish(c, CloseFIN, p.TS)
		}
		return
	}

	mode := st.stream.Mode()
	if mode > Ignore {
		mode = Ignore
	}
	if mode != st.mode {
		a.switchMode(c, mode)
	}
	if mode == Ignore {
		a.stats.PacketsIgnored++
	}

	// Synchronization and the handshake (RFC 9293 section 3.5).
	accounted, handshake := false, false
	switch {
	case rst:
	case syn:
		if !h.init {
			h.start(p.Seq+1, true, p.Seq)
		}
		if h.synced && h.isn == p.Seq {
			accounted = true
			if !ack && d == ClientToServer {
				st.synSeen = true
				st.synNs = p.TS.UnixNano()
				if c.Times.SYN.IsZero() {
					c.Times.SYN = p.TS
				}
			}
			if ack && d == ServerToClient && (!hr.synced || p.Ack == hr.isn+1) {
				if st.synSeen {
					st.synAckSeen = true
				}
				if c.Times.SYNACK.IsZero() {
					c.Times.SYNACK = p.TS
				}
			}
		}
	default:
		if !h.init {
			base := p.Seq
			if h.peerAckOK {
				if back := p.Seq - h.peerAck; back > 0 && back <= initialSlack {
					base = h.peerAck
				}
			}
			h.start(base, false, 0)
		}
		accounted = true
		if ack && d == ClientToServer && st.synAckSeen && !c.Handshake && p.Ack == hr.isn+1 {
			c.Handshake, handshake = true, true
			c.HandshakeRTT = max(0, time.Duration(p.TS.UnixNano()-st.synNs))
			c.Times.ACK = p.TS
		}
	}

	// Sequence-space accounting, in every mode.
	n := len(p.Payload)
	wire := max(p.WireLen, n)
	var s int64
	spans := false // the coverage set overflowed on this packet
	if accounted {
		seq := p.Seq
		if syn {
			seq++ // the SYN occupies the sequence number before the data
		}
		s = h.unwrap(seq)
		if wire > 0 || fin {
			e := s + int64(wire)
			if !h.synced && s < h.lo && h.lo-s <= initialSlack && ds.Packets <= initialWindow && h.cov.floor == h.lo {
				h.lo, h.cov.floor = s, s
			}
			h.hi = max(h.hi, e)
			if wire > 0 && ds.FirstPayload.IsZero() {
				ds.FirstPayload = p.TS
			}
			if n > 0 && h.cov.add(s, s+int64(n)) {
				a.hitCoverage++
				spans = true
			}
			if fin && !ds.FIN {
				ds.FIN, h.finOff = true, e
				c.Times.FIN[d] = p.TS
			}
		} else {
			// A segment without payload still proves that the bytes
			// before its sequence number were sent (the FIN's own
			// sequence number excluded).
			end := s
			if ds.FIN {
				end = min(end, h.finOff)
			}
			h.hi = max(h.hi, end)
		}
		ds.Bytes = max(0, h.hi-h.lo)
		ds.Missing = max(0, ds.Bytes-h.cov.covered)
	}
	if ack {
		if !hr.init {
			hr.peerAck, hr.peerAckOK = p.Ack, true
		} else if ao := hr.unwrap(p.Ack); !hr.ackedOK || ao > hr.acked {
			hr.acked, hr.ackedOK = ao, true
		}
	}
	cut := accounted && n < wire
	if cut {
		a.stats.SnaplenCuts++
	}

	switch mode {
	case Reassemble:
		if handshake {
			st.stream.Handshake(c, p.TS)
		}
		a.accountingAnomalies(c, d, cut, spans, p.TS)
		a.resync(c, p.TS)
		if hr.ackedOK {
			a.proveTo(c, r, min(hr.acked, hr.hi), p.TS)
		}
		if accounted {
			if wire > 0 {
				if h.ackedOK {
					a.proveTo(c, d, min(h.acked, h.hi, s), p.TS)
				}
				conflict := false
				if n > 0 {
					conflict = a.walk(c, d, piece{off: s, data: p.Payload, n: int64(n)}, p.TS)
				}
				if wire > n {
					a.walk(c, d, piece{off: s + int64(n), n: int64(wire - n)}, p.TS)
				}
				if conflict {
					a.stats.Conflicts++
					st.stream.Anomaly(c, d, AnomalyConflict, p.TS)
				}
			}
			if h.ackedOK {
				a.proveTo(c, d, min(h.acked, h.hi), p.TS)
			}
		}
	case Count:
		if handshake {
			st.stream.Handshake(c, p.TS)
		}
		a.accountingAnomalies(c, d, cut, spans, p.TS)
		a.settleAcked(c)
	default:
		a.settleAcked(c)
	}

	switch {
	case rst:
		a.finish(c, CloseRST, p.TS)
	case c.Traffic[0].FIN && c.Traffic[1].FIN && a.done(c, 0) && a.done(c, 1):
		a.finish(c, CloseFIN, p.TS)
	}
}

// accountingAnomalies reports, once per direction, what the accounting of
// this packet ran into: a payload cut by the snaplen and an overflow of
// the coverage spans (a limit, counted in LimitHits each time).
func (a *Assembler) accountingAnomalies(c *Conn, d Dir, cut, spans bool, ts time.Time) {
	h := &c.state.dir[d]
	if cut && !h.snapNoted {
		h.snapNoted = true
		c.state.stream.Anomaly(c, d, AnomalySnaplenCut, ts)
	}
	if spans && !h.spansNoted {
		h.spansNoted = true
		c.state.stream.Anomaly(c, d, AnomalyCoverageLimit, ts)
	}
}

// settleAcked freezes the accounting of both directions below what the
// peer acknowledged: a hole there was missed by the capture, not by the
// receiver, so a late copy is a retransmission.
func (a *Assembler) settleAcked(c *Conn) {
	for i := range c.state.dir {
		if h := &c.state.dir[i]; h.ackedOK {
			h.cov.settle(min(h.acked, h.hi))
		}
	}
}

// done reports whether direction d of c has nothing left to deliver
// before its FIN.
func (a *Assembler) done(c *Conn, d Dir) bool {
	h := &c.state.dir[d]
	return c.state.mode != Reassemble || h.next >= h.finOff
}

// switchMode applies a Stream's new Mode. Leaving Reassemble drops the
// buffered payload; coming back restarts delivery, after a Gap, at the
// highest offset seen meanwhile.
func (a *Assembler) switchMode(c *Conn, mode Mode) {
	st := &c.state
	if st.mode == Reassemble {
		for i := range st.dir {
			for s := st.dir[i].head; s != nil; s = s.next {
				a.stats.ModeSwitchDropped += int64(len(s.data))
			}
		}
		a.release(c)
	}
	if mode == Reassemble {
		for i := range st.dir {
			if h := &st.dir[i]; h.init {
				h.resync, h.resyncTo = true, h.hi
			}
		}
	}
	st.mode = mode
}

// resync emits the Gap owed to a Stream that came back to Reassemble.
func (a *Assembler) resync(c *Conn, ts time.Time) {
	for i := range c.state.dir {
		h := &c.state.dir[i]
		if !h.resync {
			continue
		}
		h.resync = false
		if h.resyncTo > h.next {
			a.emitGap(c, Dir(i), h.resyncTo-h.next, ts)
		}
	}
}

// finish closes c and keeps its grave (a tombstone) for late packets.
func (a *Assembler) finish(c *Conn, reason CloseReason, ts time.Time) {
	a.closeConn(c, reason, ts)
	a.live.remove(c)
	delete(a.conns, c.state.key)
	g := bury(c, a.nowNs)
	a.graves[g.key] = g
	a.buried.pushBack(g)
}

// closeConn delivers what c still holds, releases its memory and calls
// Close. The caller takes c out of the live list.
func (a *Assembler) closeConn(c *Conn, reason CloseReason, ts time.Time) {
	st := &c.state
	a.stats.Closes[reason]++
	if st.stream == nil {
		return
	}
	if st.mode == Reassemble {
		a.flushDir(c, ClientToServer, ts)
		a.flushDir(c, ServerToClient, ts)
	}
	a.release(c)
	s := st.stream
	st.stream = nil
	s.Close(c, reason, ts)
}

// release returns c's buffered segments and history rings to the pool.
func (a *Assembler) release(c *Conn) {
	for i := range c.state.dir {
		h := &c.state.dir[i]
		for s := h.head; s != nil; {
			next := s.next
			a.unbuffer(c, s)
			s = next
		}
		h.head, h.tail = nil, nil
		if h.hist != nil {
			a.pool.putHistory(h.hist)
			a.histBytes -= historySize
			h.hist, h.histLen = nil, 0
		}
	}
}

// connList is an intrusive doubly linked list of connections.
type connList struct {
	head, tail *Conn
	n          int
}

func (l *connList) pushBack(c *Conn) {
	c.state.prev, c.state.next = l.tail, nil
	if l.tail != nil {
		l.tail.state.next = c
	} else {
		l.head = c
	}
	l.tail = c
	l.n++
}

func (l *connList) remove(c *Conn) {
	if c.state.prev != nil {
		c.state.prev.state.next = c.state.next
	} else {
		l.head = c.state.next
	}
	if c.state.next != nil {
		c.state.next.state.prev = c.state.prev
	} else {
		l.tail = c.state.prev
	}
	c.state.prev, c.state.next = nil, nil
	l.n--
}

func (l *connList) moveToBack(c *Conn) {
	if l.tail == c {
		return
	}
	l.remove(c)
	l.pushBack(c)
}

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
