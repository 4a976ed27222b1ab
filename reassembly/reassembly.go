// Package reassembly turns decoded TCP segments into ordered byte streams,
// one pair per connection, for a consumer that only wants to read lines.
//
// It owns everything about TCP that a protocol decoder should not care
// about: which side opened the connection, the three-way handshake,
// retransmissions, overlaps, reordering, holes, sequence wraparound, port
// reuse and how a connection ended. Every buffer and table it keeps is
// bounded by Limits; what a limit cuts is reported, never silently lost.
//
// The contract follows gopacket's reassembly package: a Factory is offered
// each new connection and returns a Stream that receives its events in
// capture order. Unlike gopacket's, a Stream chooses per connection whether
// it wants payload (Reassemble), only sequence-space accounting (Count) or
// nothing (Ignore), so data channels and background traffic take a fast
// path that buffers nothing.
package reassembly

import (
	"net/netip"
	"time"
)

// Dir is the direction of a segment relative to its connection.
type Dir uint8

const (
	// ClientToServer is the direction of the side that sent the SYN (or,
	// without a handshake, the side guessed to be the client).
	ClientToServer Dir = 0
	// ServerToClient is the opposite direction.
	ServerToClient Dir = 1
)

// Reverse returns the other direction.
func (d Dir) Reverse() Dir { return d ^ 1 }

// String names the direction for logs and tests.
func (d Dir) String() string {
	if d == ClientToServer {
		return "client->server"
	}
	return "server->client"
}

// Mode says how much work a Stream wants done for its connection.
type Mode uint8

const (
	// Reassemble delivers ordered payload through Stream.Data.
	Reassemble Mode = iota
	// Count keeps only sequence-space accounting (bytes, missing bytes,
	// packets, times); no payload is buffered or delivered.
	Count
	// Ignore tracks the connection only so that its later packets are
	// dropped cheaply; no callbacks but Close are made.
	Ignore
)

// CloseReason says how a connection ended.
type CloseReason uint8

const (
	// CloseFIN means both sides sent FIN, or one side did and the other
	// went silent until the capture ended or the idle timeout.
	CloseFIN CloseReason = iota + 1
	// CloseRST means a reset was seen.
	CloseRST
	// CloseTimeout means the connection was idle longer than
	// Limits.IdleTimeout on the capture clock.
	CloseTimeout
	// CloseCaptureEnd means the capture ended with the connection open.
	CloseCaptureEnd
	// CloseEvicted means the connection table was full and this was the
	// least recently active connection.
	CloseEvicted
	// CloseReused means a new SYN reused the connection's addresses and
	// ports with a different initial sequence number.
	CloseReused
)

// String returns the lower-case name used in reports.
func (r CloseReason) String() string {
	switch r {
	case CloseFIN:
		return "fin"
	case CloseRST:
		return "rst"
	case CloseTimeout:
		return "timeout"
	case CloseCaptureEnd:
		return "capture_end"
	case CloseEvicted:
		return "evicted"
	case CloseReused:
		return "reused"
	}
	return "unknown"
}

// Anomaly is something odd about a connection that a report should mention.
type Anomaly uint8

const (
	// AnomalyConflict: a retransmission overlapped bytes already delivered
	// with different content; the first copy was kept.
	AnomalyConflict Anomaly = iota + 1
	// AnomalyConnBufferLimit: out-of-order bytes exceeded the per-connection
	// limit; the hole was skipped and reported as a gap.
	AnomalyConnBufferLimit
	// AnomalyTotalBufferLimit: out-of-order bytes exceeded the global limit.
	AnomalyTotalBufferLimit
	// AnomalySnaplenCut: segments were shorter than their wire length, so
	// their missing tail was reported as a gap.
	AnomalySnaplenCut
	// AnomalyCoverageLimit: more disjoint captured ranges were pending
	// than the accounting tracks, so the lowest holes were settled early:
	// DirStats.Missing may count bytes that arrived later (it errs towards
	// missing, never counts a byte twice).
	AnomalyCoverageLimit
	// AnomalyHistoryLimit: the budget for retransmission-check rings was
	// spent, so retransmissions of already delivered bytes in this
	// direction are dropped without comparing them (no
	// AnomalyConflict can be reported).
	AnomalyHistoryLimit
)

// AnomalyName is the snake_case name of an Anomaly, used as a report
// note (the decoder's notes name them from here).
type AnomalyName string

// The names of the anomalies.
const (
	NameConflict         AnomalyName = "retransmission_conflict"
	NameConnBufferLimit  AnomalyName = "conn_buffer_limit"
	NameTotalBufferLimit AnomalyName = "total_buffer_limit"
	NameSnaplenCut       AnomalyName = "snaplen_cut"
	NameCoverageLimit    AnomalyName = "coverage_spans_limit"
	NameHistoryLimit     AnomalyName = "history_limit"
)

// String returns the snake_case name used as a report note.
func (a Anomaly) String() string {
	switch a {
	case AnomalyConflict:
		return string(NameConflict)
	case AnomalyConnBufferLimit:
		return string(NameConnBufferLimit)
	case AnomalyTotalBufferLimit:
		return string(NameTotalBufferLimit)
	case AnomalySnaplenCut:
		return string(NameSnaplenCut)
	case AnomalyCoverageLimit:
		return string(NameCoverageLimit)
	case AnomalyHistoryLimit:
		return string(NameHistoryLimit)
	}
	return "unknown"
}

// DirStats is the sequence-space accounting of one direction.
type DirStats struct {
	// Bytes is the span of payload sequence space seen, from the first
	// payload byte (or SYN+1) to the highest byte seen, wraparound and
	// 4 GiB boundaries included.
	Bytes int64
	// Missing is how many bytes of that span were never seen.
	Missing int64
	// Packets counts segments, payload or not.
	Packets int64
	// First and Last are the times of the first and last segment.
	First, Last time.Time
	// FirstPayload is the time of the first segment carrying payload
	// (the SYN, SYN-ACK and bare ACKs that precede it do not count), zero
	// while none was seen: on a data connection, the first byte of the
	// file, which First (often the handshake) is not.
	FirstPayload time.Time
	// FIN is true once a FIN was seen in this direction.
	FIN bool
}

// Times are the capture times of the segments that opened and closed a
// connection, for drawing its life on a timeline (RFC 9293 section 3.5
// handshake, section 3.6 close). A zero time was not seen.
type Times struct {
	// SYN is the client's first SYN (a retransmission carries the same
	// ISN and does not move it; HandshakeRTT is measured from the last
	// one). SYNACK is the server's first SYN-ACK for that ISN. ACK is
	// the client's segment that completed the handshake, set with
	// Conn.Handshake.
	SYN, SYNACK, ACK time.Time
	// FIN is the time of the first FIN of each direction, indexed by Dir.
	FIN [2]time.Time
	// RST is the time of the reset that ended the connection and RSTDir
	// the direction it was sent in (meaningful only when RST is set).
	RST    time.Time
	RSTDir Dir
}

// Conn is one tracked TCP connection. The assembler owns it; a Stream may
// read its fields and Stats but must not keep it after Close.
type Conn struct {
	// ID numbers connections in the order their first packet was seen,
	// starting at 1, so it is stable for the same input.
	ID uint64
	// Client and Server are the two endpoints: the SYN sender is the
	// client; without a handshake, the assembler guesses (the lower,
	// well-known port is the server) and a Stream may know better.
	Client, Server netip.AddrPort
	// Start is the time of the first packet.
	Start time.Time
	// SawSYN is true when the connection's first packet was its SYN or
	// SYN-ACK, so nothing before it was missed.
	SawSYN bool
	// Handshake is true when SYN, SYN-ACK and ACK were all seen.
	Handshake bool
	// HandshakeRTT is the time from SYN to the final ACK, when Handshake.
	HandshakeRTT time.Duration
	// Times are the handshake and teardown segments seen so far.
	Times Times

	// Traffic is the accounting of each direction so far, indexed by Dir.
	// The assembler updates it before each callback.
	Traffic [2]DirStats

	state connState
}

// Delivered is the offset in direction d's stream up to which bytes were
// handed to the Stream, as Data or as Gap; inside a callback it includes
// the callback's own bytes. Offsets count from the direction's first byte
// (ISN+1 after a SYN) and compare with Acked.
func (c *Conn) Delivered(d Dir) int64 { return c.state.dir[d].next }

// Acked returns how far the peer has acknowledged direction d's stream, an
// offset comparable with Delivered, as of the latest packet; ok is false
// before any acknowledgment was seen. A receiver acknowledges only bytes it
// received (RFC 9293 section 3.4), so bytes below Acked that the capture
// missed did reach the peer: a client acknowledging a lost server reply
// had read it.
func (c *Conn) Acked(d Dir) (offset int64, ok bool) {
	h := &c.state.dir[d]
	return h.acked, h.ackedOK && h.init
}

// Stream receives the events of one connection in capture order.
// Implementations must not block and must not keep payload slices. The
// Assembler documentation states precisely what is delivered when.
type Stream interface {
	// Mode is consulted before each segment is handled, so a Stream may
	// change its mind (for example Reassemble while probing, then Ignore
	// when the content is not wanted).
	Mode() Mode
	// Handshake reports a completed three-way handshake.
	Handshake(c *Conn, ts time.Time)
	// Data delivers the next in-order payload of one direction.
	Data(c *Conn, d Dir, payload []byte, ts time.Time)
	// Gap reports n bytes of one direction that will never be delivered;
	// the next Data for that direction follows the hole.
	Gap(c *Conn, d Dir, n int64, ts time.Time)
	// Anomaly reports something odd about the connection.
	Anomaly(c *Conn, d Dir, a Anomaly, ts time.Time)
	// Close is the last call for the connection.
	Close(c *Conn, reason CloseReason, ts time.Time)
}

// Factory is offered each connection on its first packet.
type Factory interface {
	// New returns the Stream for c, or nil to ignore the connection.
	New(c *Conn, ts time.Time) Stream
}

// Limits bound the memory the assembler may use, whatever the input.
type Limits struct {
	// MaxConns is the most connections tracked at once; past it the least
	// recently active connection is closed with CloseEvicted.
	MaxConns int
	// MaxConnBuffer is the most out-of-order bytes held per connection.
	MaxConnBuffer int
	// MaxBuffer is the most out-of-order bytes held in total.
	MaxBuffer int
	// IdleTimeout closes a connection silent for this long on the capture
	// clock.
	IdleTimeout time.Duration
}

// DefaultLimits are sized so that a busy link fits in tens of MiB: a
// tracked connection costs about 1 KiB, so the table tops out near 32 MiB.
func DefaultLimits() Limits {
	return Limits{
		MaxConns:      32768,
		MaxConnBuffer: 1 << 20,
		MaxBuffer:     32 << 20,
		IdleTimeout:   15 * time.Minute,
	}
}
