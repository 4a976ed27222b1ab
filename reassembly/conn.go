package reassembly

import "net/netip"

// connKey identifies a connection by its unordered pair of endpoints, so
// both directions find the same entry with one map lookup. It is packed
// (38 bytes, no padding, no pointers) so the map hashes and compares it as
// one block of memory: it is on the path of every packet. IPv4 addresses
// are stored in their IPv4-mapped form; family keeps them apart from real
// IPv6 addresses of that form. Zones are not part of the identity.
type connKey struct {
	lo, hi         [16]byte
	loPort, hiPort uint16
	family         uint16
}

// keyOf returns the key of the connection a segment from src to dst
// belongs to: the lower endpoint (netip ordering, then port) comes first.
func keyOf(src, dst netip.AddrPort) connKey {
	sa, da := src.Addr(), dst.Addr()
	if c := sa.Compare(da); c > 0 || c == 0 && src.Port() > dst.Port() {
		src, dst, sa, da = dst, src, da, sa
	}
	k := connKey{lo: sa.As16(), hi: da.As16(), loPort: src.Port(), hiPort: dst.Port(), family: 6}
	if sa.Is4() {
		k.family = 4
	}
	return k
}

// connState is the assembler's private per-connection state. It is
// embedded in Conn so that a connection costs one allocation, and it holds
// the intrusive links of the assembler's recency lists, which makes
// "touch" O(1) without a side table.
type connState struct {
	key connKey
	// prev and next link the connection into the assembler's live list
	// (ordered by last activity).
	prev, next *Conn
	// lastNs is the capture clock (Unix nanoseconds) of the last packet.
	lastNs int64
	// stream is nil for a connection the Factory did not want and after
	// Close.
	stream Stream
	// mode is the Mode the stream asked for at the last packet.
	mode Mode
	// synSeen: a SYN without ACK came from the client; synAckSeen: the
	// server answered it with a SYN-ACK acknowledging the client's ISN.
	synSeen, synAckSeen bool
	// synNs is the capture time of the latest SYN, for HandshakeRTT.
	synNs int64
	// bufCost is what this connection's buffered segments are charged
	// against Limits.MaxConnBuffer (both directions).
	bufCost int
	dir     [2]half
}

// half is the state of one direction of a connection.
//
// Sequence numbers are unwrapped into signed 64-bit offsets relative to
// base, the sequence number of offset 0: ISN+1 after a SYN, otherwise the
// first sequence number seen (or the peer's acknowledgment seen before it,
// see Assembler). Offsets below 0 are possible for data older than the
// start of a capture that missed the handshake.
type half struct {
	// init is set once base is known; synced when it came from a SYN.
	init, synced bool
	isn          uint32 // the ISN, when synced
	base         uint32
	// peerAck is the peer's latest acknowledgment seen before init, a
	// hint for base.
	peerAck   uint32
	peerAckOK bool
	// lo and hi bound the sequence space seen: DirStats.Bytes is hi-lo.
	lo, hi int64
	// cov tracks which bytes of [lo, hi) were captured, for Missing.
	cov coverage
	// finOff is the offset of the FIN, valid when DirStats.FIN.
	finOff int64
	// acked is the highest acknowledgment from the peer, unwrapped.
	acked   int64
	ackedOK bool

	// Reassemble state. next is the offset of the first byte neither
	// delivered nor reported as a gap; head..tail are the buffered
	// out-of-order segments, sorted, disjoint, all ending after next.
	next       int64
	head, tail *segment
	// hist remembers the last historySize delivered bytes (ending at
	// next) to compare retransmissions with; histLen are valid.
	hist       *history
	histLen    int
	histDenied bool
	// resync is set when the stream came back to Reassemble: delivery
	// restarts at resyncTo (the highest offset seen meanwhile) with a Gap.
	resync   bool
	resyncTo int64
	// snapNoted and spansNoted: AnomalySnaplenCut and
	// AnomalyCoverageLimit were already reported for this direction.
	snapNoted, spansNoted bool
}

// unwrap maps a 32-bit sequence number to the offset nearest to the
// highest offset seen, which is how a sequence number that wrapped past
// 2^32 (or a transfer beyond 4 GiB) keeps counting up. A jump of 2^31 or
// more between two consecutive segments cannot be told from a step
// backwards; TCP windows make such jumps impossible on the wire.
func (h *half) unwrap(seq uint32) int64 {
	rel := seq - h.base
	delta := int32(rel - uint32(h.hi))
	return h.hi + int64(delta)
}

// start sets the direction's base, the sequence number of offset 0.
func (h *half) start(base uint32, synced bool, isn uint32) {
	h.init, h.synced, h.isn, h.base = true, synced, isn, base
	h.lo, h.hi, h.next = 0, 0, 0
	h.cov = coverage{}
}
