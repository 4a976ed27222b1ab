package main

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// This file decides, for `live -w`, which captured packets belong to FTP
// and writes only those: the packets of every connection the decoder
// takes as an FTP control or data connection, nothing of the unrelated
// traffic the default filter lets through.
//
// The decoder says which connections it takes only through the Streams
// it hands the assembler, so the saver wraps the decoder's Factory and
// watches them:
//
//   - no Stream: not FTP, nothing written;
//   - a connection on a control port (--ports): FTP at once;
//   - a Stream in Count mode: a data connection (the decoder counts data
//     connections' bytes without reassembling them; only a content probe
//     reassembles, and it never counts);
//   - a Stream in Reassemble mode on another port: either a control
//     connection found by content or a probe still reading the first
//     lines. Its packets are held back (bounded) until the decoder opens
//     a session on it (EventSessionOpen names its endpoints) or sets it
//     to Ignore, when they are written or dropped.
//
// A closed FTP connection stays known for a while (closedLinger on the
// capture clock) so its last ACKs, which the assembler drops as late
// packets, are still written. Held-back packets are written when their
// connection is confirmed, after packets of other connections already
// written, so the file can be slightly out of time order there; readers,
// ftpsniff included, take that.

// Bounds of the saver; a probe decides within a few KiB and segments
// (decoder/detect.go), so these are never reached by FTP itself.
const (
	savePendingFrames = 128      // held-back packets per undecided connection
	savePendingBytes  = 16 << 20 // held-back bytes in total
	saveClosedMax     = 4096     // closed FTP connections remembered
	closedLinger      = 2 * time.Minute
	// IP fragments wait for the packet they complete: the fragment
	// reassembly timeout Linux uses (RFC 791 suggests 15 s), and bounds
	// like the packet decoder's.
	fragTimeout   = 30 * time.Second
	fragDatagrams = 1024    // datagrams with fragments held
	fragPerDgram  = 128     // fragments held per datagram
	fragBytes     = 8 << 20 // fragment bytes held in total
)

// connPair identifies a TCP connection by its endpoints, unordered, like
// the assembler does.
type connPair struct{ a, b netip.AddrPort }

func pairOf(x, y netip.AddrPort) connPair {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return connPair{x, y}
}

// savedConn is what the saver knows about one connection with a Stream.
type savedConn struct {
	key       connPair
	stream    reassembly.Stream
	confirmed bool // FTP: write its packets
	rejected  bool // the decoder ignores it: write nothing
	cut       bool // held-back packets were dropped (a bound was hit)
	closed    bool
	closedAt  time.Time
	pending   []capture.Frame // copies, in capture order
	pendBytes int
}

// saver writes the FTP packets of a live capture to a pcap file.
type saver struct {
	w      *capture.Writer
	ports  []uint16
	conns  map[connPair]*savedConn
	closed []*savedConn // closed confirmed connections, in close order
	now    time.Time

	// frags holds the IP fragments of datagrams not complete yet; the
	// frame that completes one brings them along (fragOrder: oldest
	// first, for expiry). pd tells which datagram a frame is a fragment
	// of, as the pipeline's decoder reassembles it.
	pd        *packet.Decoder
	frags     map[packet.DatagramID]*heldFrags
	fragOrder []*heldFrags
	fragHeld  int
	group     []capture.Frame // scratch: the frames of one TCP segment

	pendBytes int
	// counters for the closing report
	written, cutConns, errs int64
	err                     error
}

func newSaver(w *capture.Writer, ports []uint16) *saver {
	return &saver{w: w, ports: ports, conns: make(map[connPair]*savedConn), pd: packet.NewDecoder(), frags: make(map[packet.DatagramID]*heldFrags)}
}

// wrap is the pipelineHooks.factory hook.
func (sv *saver) wrap(f reassembly.Factory) reassembly.Factory {
	return saverFactory{sv: sv, next: f}
}

// onEvent confirms the connections a decoder event names: the control
// connection of any session, and a transfer's data connection.
func (sv *saver) onEvent(ev decoder.Event) {
	if s := ev.Session; s != nil {
		sv.confirm(pairOf(s.Client, s.Server))
	}
	if t := ev.Transfer; t != nil && t.DataSrc.IsValid() && t.DataDst.IsValid() {
		sv.confirm(pairOf(t.DataSrc, t.DataDst))
	}
}

func (sv *saver) confirm(k connPair) {
	if sc := sv.conns[k]; sc != nil && !sc.rejected {
		sc.confirmed = true
	}
}

// frame is the pipelineHooks.frame hook, called after the assembler and
// the decoder have seen the packet.
func (sv *saver) frame(f *capture.Frame, p *tcp.Segment, ok bool) {
	if f.TS.After(sv.now) {
		sv.now = f.TS
	}
	sv.expire()
	if !ok {
		// Not a TCP segment, or an IP fragment of one not complete yet.
		if k, isFrag := sv.pd.FragmentOf(f.LinkType, f.Data); isFrag {
			sv.holdFragment(k, f)
		}
		return
	}
	group := append(sv.group[:0], *f)
	if len(sv.frags) > 0 {
		// The segment may be a reassembled datagram: its other
		// fragments go with it, before it.
		if k, isFrag := sv.pd.FragmentOf(f.LinkType, f.Data); isFrag {
			if h := sv.frags[k]; h != nil {
				group = append(append(group[:0], h.frames...), *f)
				sv.dropFragments(h)
			}
		}
	}
	sv.group = group[:0]
	sc := sv.conns[pairOf(p.Src, p.Dst)]
	if sc == nil || sc.rejected {
		return
	}
	if !sc.confirmed && !sc.closed {
		switch sc.stream.Mode() {
		case reassembly.Count:
			sc.confirmed = true
		case reassembly.Ignore:
			sv.reject(sc)
			return
		}
	}
	if !sc.confirmed {
		for i := range group {
			sv.hold(sc, &group[i])
		}
		return
	}
	sv.flushPending(sc)
	for _, g := range group {
		sv.write(g)
	}
}

// hold keeps a copy of f until sc is decided.
func (sv *saver) hold(sc *savedConn, f *capture.Frame) {
	if sc.cut {
		return
	}
	n := len(f.Data)
	if len(sc.pending) >= savePendingFrames || sv.pendBytes+n > savePendingBytes {
		sv.dropPending(sc)
		sc.cut = true
		return
	}
	c := *f
	c.Data = append([]byte(nil), f.Data...)
	sc.pending = append(sc.pending, c)
	sc.pendBytes += n
	sv.pendBytes += n
}

func (sv *saver) dropPending(sc *savedConn) {
	sv.pendBytes -= sc.pendBytes
	sc.pending, sc.pendBytes = nil, 0
}

func (sv *saver) flushPending(sc *savedConn) {
	if sc.cut {
		// Confirmed, but its first packets were not kept.
		sv.cutConns++
		sc.cut = false
	}
	for _, f := range sc.pending {
		sv.write(f)
	}
	sv.dropPending(sc)
}

func (sv *saver) reject(sc *savedConn) {
	sc.rejected = true
	sv.dropPending(sc)
}

func (sv *saver) write(f capture.Frame) {
	if err := sv.w.WriteFrame(f); err != nil {
		sv.errs++
		if sv.err == nil {
			sv.err = err
		}
		return
	}
	sv.written++
}

// closeConn is called when the assembler closes sc's connection: an
// undecided one is forgotten with its held-back packets, an FTP one
// lingers for its late packets.
func (sv *saver) closeConn(sc *savedConn, ts time.Time) {
	if sc.closed {
		return
	}
	sc.closed, sc.closedAt = true, ts
	if !sc.confirmed {
		sv.dropPending(sc)
		sv.forget(sc)
		return
	}
	if len(sv.closed) >= saveClosedMax {
		sv.forget(sv.closed[0])
		sv.closed = sv.closed[1:]
	}
	sv.closed = append(sv.closed, sc)
}

// expire forgets closed FTP connections that lingered long enough and
// fragments that waited too long.
func (sv *saver) expire() {
	for len(sv.fragOrder) > 0 && sv.now.Sub(sv.fragOrder[0].first) > fragTimeout {
		sv.dropFragments(sv.fragOrder[0])
	}
	n := 0
	for n < len(sv.closed) && sv.now.Sub(sv.closed[n].closedAt) > closedLinger {
		sv.forget(sv.closed[n])
		n++
	}
	if n > 0 {
		sv.closed = slices.Delete(sv.closed, 0, n)
	}
}

// forget removes sc from the table unless a newer connection on the same
// endpoints took its place.
func (sv *saver) forget(sc *savedConn) {
	if sv.conns[sc.key] == sc {
		delete(sv.conns, sc.key)
	}
}

// flush pushes written packets to the file.
func (sv *saver) flush() {
	if err := sv.w.Flush(); err != nil && sv.err == nil {
		sv.err = err
	}
}

// saverFactory wraps the decoder's Factory.
type saverFactory struct {
	sv   *saver
	next reassembly.Factory
}

// New implements reassembly.Factory.
func (f saverFactory) New(c *reassembly.Conn, ts time.Time) reassembly.Stream {
	st := f.next.New(c, ts)
	if st == nil {
		return nil
	}
	sv := f.sv
	sc := &savedConn{key: pairOf(c.Client, c.Server), stream: st}
	if old := sv.conns[sc.key]; old != nil {
		sv.dropPending(old)
	}
	sc.confirmed = slices.Contains(sv.ports, c.Client.Port()) || slices.Contains(sv.ports, c.Server.Port())
	sv.conns[sc.key] = sc
	return &savedStream{Stream: st, sv: sv, sc: sc}
}

// savedStream is the decoder's Stream, with Close reported to the saver.
type savedStream struct {
	reassembly.Stream
	sv *saver
	sc *savedConn
}

// Close implements reassembly.Stream.
func (s *savedStream) Close(c *reassembly.Conn, reason reassembly.CloseReason, ts time.Time) {
	s.Stream.Close(c, reason, ts)
	s.sv.closeConn(s.sc, ts)
}

// heldFrags are copies of the fragments seen so far of one datagram.
type heldFrags struct {
	key    packet.DatagramID
	first  time.Time
	frames []capture.Frame
	bytes  int
	gone   bool
}

// holdFragment keeps a copy of a fragment until the frame completing its
// datagram shows whether it is FTP; bounds drop the oldest datagram.
func (sv *saver) holdFragment(k packet.DatagramID, f *capture.Frame) {
	h := sv.frags[k]
	if h == nil {
		if len(sv.fragOrder) >= fragDatagrams {
			sv.dropFragments(sv.fragOrder[0])
		}
		h = &heldFrags{key: k, first: f.TS}
		sv.frags[k] = h
		sv.fragOrder = append(sv.fragOrder, h)
	}
	if len(h.frames) >= fragPerDgram {
		return
	}
	for sv.fragHeld+len(f.Data) > fragBytes && len(sv.fragOrder) > 0 && sv.fragOrder[0] != h {
		sv.dropFragments(sv.fragOrder[0])
	}
	if sv.fragHeld+len(f.Data) > fragBytes {
		return
	}
	c := *f
	c.Data = append([]byte(nil), f.Data...)
	h.frames = append(h.frames, c)
	h.bytes += len(c.Data)
	sv.fragHeld += len(c.Data)
}

// dropFragments forgets a datagram's held fragments.
func (sv *saver) dropFragments(h *heldFrags) {
	if h.gone {
		return
	}
	h.gone = true
	sv.fragHeld -= h.bytes
	if sv.frags[h.key] == h {
		delete(sv.frags, h.key)
	}
	if i := slices.Index(sv.fragOrder, h); i >= 0 {
		sv.fragOrder = slices.Delete(sv.fragOrder, i, i+1)
	}
}
