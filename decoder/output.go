package decoder

import (
	"errors"
	"net/netip"
	"time"
)

// This file holds what the decoder hands out: sessions, transfers, login
// attempts, transcript entries, events and the run summary.

// Sentinel errors returned (wrapped with %w) by the parsers.
var (
	// ErrSyntax: the line does not have the form the RFC requires.
	ErrSyntax = errors.New("syntax error")
	// ErrRange: a number is out of its range (a byte above 255, a port
	// above 65535, a reply code outside 100-599).
	ErrRange = errors.New("value out of range")
	// ErrTooLong: a line exceeded the configured limit and was cut.
	ErrTooLong = errors.New("line too long")
)

// EndReason says how a session ended.
type EndReason string

// End reasons, as in the JSON schema.
const (
	EndQuit       EndReason = "quit"
	EndFIN        EndReason = "fin"
	EndRST        EndReason = "rst"
	EndTimeout    EndReason = "timeout"
	EndCaptureEnd EndReason = "capture_end"
)

// Outcome is the result of a login attempt.
type Outcome string

// Login outcomes, as in the JSON schema.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeUnknown Outcome = "unknown"
	// OutcomeNone is a session-level login state: no attempt seen, or its
	// outcome was not seen.
	OutcomeNone Outcome = "none"
)

// Mode is how data connections are opened.
type Mode string

// Data-connection modes, as in the JSON schema.
const (
	ModeActive  Mode = "active"  // the server side opens the data connection
	ModePassive Mode = "passive" // the client side opens it
	ModeMixed   Mode = "mixed"   // session level: both were used
	ModeNone    Mode = "none"    // session level: no data connection
)

// Direction is which way a transfer's payload flows.
type Direction string

// Transfer directions, as in the JSON schema.
const (
	Download Direction = "download" // server to client, listings included
	Upload   Direction = "upload"
)

// Session is one FTP control connection and everything it caused.
type Session struct {
	// ID is unique within one run and stable for the same input.
	ID         string
	Client     netip.AddrPort
	Server     netip.AddrPort
	Start, End time.Time
	// Handshake is true when the control connection's three-way handshake
	// was seen; HandshakeRTT is SYN to final ACK, nil when not seen.
	Handshake    bool
	HandshakeRTT *time.Duration
	// TCP are the control connection's handshake and teardown segment
	// times; its opener is Client.
	TCP       TCPTimes
	EndReason EndReason
	// Banner is the first line of the 220 greeting, nil if not seen.
	Banner *string
	// User and Password are the last USER and PASS arguments, nil if not
	// seen. Password is never masked here: masking is the report's job.
	User      *string
	Password  *string
	Anonymous bool
	// Login is success, failure or none.
	Login         Outcome
	LoginAttempts []LoginAttempt
	// LoginCount counts every attempt, including those beyond the kept
	// list (note login_attempts_truncated).
	LoginCount int
	// TLS is true once AUTH TLS/SSL was accepted (or implicit FTPS).
	TLS bool
	// TLSRecords counts the TLS records seen on the control connection,
	// both directions (headers only; nothing is decrypted).
	TLSRecords int64
	// Mode is active, passive, mixed or none, from the data connections.
	Mode Mode
	// Commands counts every command seen from the client, including any
	// beyond the transcript limit.
	Commands  int
	Transfers []*Transfer
	// Notes are snake_case anomalies in the order first met, each once
	// (pasv_address_mismatch, gap_in_control, line_truncated,
	// no_handshake, ...).
	Notes []string
	// Transcript is the dialogue in capture order, bounded by
	// Config.MaxTranscript (note transcript_truncated when cut).
	Transcript []Entry
	// Features are the FEAT reply's feature lines (RFC 2389), if seen.
	Features []string
	// System is the SYST reply text, if seen.
	System *string
	// GapBytes counts control-connection bytes lost in the capture.
	GapBytes int64
}

// TCPTimes are the capture times of the segments that opened and closed
// one TCP connection (RFC 9293 section 3.5 handshake, section 3.6 close),
// so a report can draw who did what when: who closed first, who reset.
// The opener is the side that sent (or, without a SYN, is taken to have
// sent) the SYN. A zero time was not seen.
type TCPTimes struct {
	// SYN is the opener's first SYN, SYNACK the acceptor's SYN-ACK to it,
	// ACK the opener's segment that completed the handshake.
	SYN, SYNACK, ACK time.Time
	// OpenerFIN and AcceptorFIN are each side's first FIN.
	OpenerFIN, AcceptorFIN time.Time
	// RST is the reset that ended the connection; RSTByOpener says which
	// side sent it.
	RST         time.Time
	RSTByOpener bool
}

// LoginAttempt is one USER (and PASS, ACCT) attempt.
type LoginAttempt struct {
	User     string
	Password *string
	// Account is the ACCT argument, if one was sent (RFC 959 4.1.1).
	Account   *string
	Outcome   Outcome
	ReplyCode *int
	Time      time.Time
}

// Transfer is one transfer command and the data connection that served it.
type Transfer struct {
	Command string // RETR, STOR, STOU, APPE, LIST, NLST, MLSD
	Arg     *string
	Path    *string
	// Direction is download or upload.
	Direction Direction
	// Mode is active or passive ("" when no negotiation was seen).
	Mode Mode
	// Negotiation is PORT, PASV, EPRT, EPSV, LPRT or LPSV ("" if unseen).
	Negotiation string
	// Advertised is the address carried by PORT/EPRT or the 227/229
	// reply; invalid when none was seen.
	Advertised netip.AddrPort
	// DataSrc sent the data connection's SYN; DataDst accepted it. Both
	// invalid when the data connection is not in the capture.
	DataSrc, DataDst netip.AddrPort
	// Bytes is payload in the transfer direction, from TCP sequence space;
	// nil when the data connection was not captured.
	Bytes *int64
	// MissingBytes is how much of that span was never seen.
	MissingBytes int64
	// Rest is the REST offset in force (RFC 3659 5), 0 if none.
	Rest int64
	// Type is the TYPE in force (A, I, ...), nil if never set.
	Type *string
	// Status is the reply code that ended the transfer, nil if none seen.
	Status *int
	// Complete: 2xx final reply and nothing missing.
	Complete bool
	// Start and End are the data connection's first and last packets
	// (the command's time when no data connection was seen).
	Start, End time.Time
	// FirstData is when the first payload segment in the transfer
	// direction was seen (zero when none was): Start is usually the
	// handshake, so FirstData-Start is the wait for the first byte and
	// End-FirstData the transfer proper.
	FirstData time.Time
	// TCP are the data connection's handshake and teardown segment
	// times, zero when it was not captured; its opener is DataSrc.
	TCP TCPTimes
	// Size is the size announced by SIZE/213 or the 150 reply, if any.
	Size *int64
	// SHA256 and MIME are set when content extraction is on.
	SHA256 string
	MIME   string
	// File is where the content was extracted, relative to the
	// extraction directory ("" when not extracted).
	File string
	// Notes are per-transfer anomalies (data_not_captured, size_mismatch,
	// pasv_address_mismatch, fxp, ...).
	Notes []string
}

// LoginState is whether a login is in force, and whether it is anonymous
// (IsAnonymousUser).
type LoginState uint8

// Login states.
const (
	LoggedOut LoginState = iota
	LoggedIn
	LoggedInAnonymous
)

// EntryKind is what a transcript entry records.
type EntryKind uint8

// Transcript entry kinds.
const (
	EntryCommand   EntryKind = iota + 1 // a client command
	EntryReply                          // a server reply (all its lines)
	EntryDataOpen                       // a data connection opened
	EntryDataClose                      // a data connection closed
	EntryGap                            // bytes lost in the control stream
	EntryTLS                            // the control connection went TLS (or back)
	EntryNote                           // anything else worth a line
)

// Entry is one line of a session's transcript.
type Entry struct {
	Kind EntryKind
	TS   time.Time
	// Verb and Arg are set for commands (Verb upper-cased). Arg of PASS is
	// the real password: the report masks it.
	Verb string
	Arg  string
	// Code and Lines are set for replies; Lines holds each line's text
	// without the code.
	Code  int
	Lines []string
	// Latency is, for a reply, the time since the command it answers.
	Latency time.Duration
	// Transfer indexes Session.Transfers for data entries, -1 otherwise.
	Transfer int
	// Bytes is the gap size (EntryGap) or transfer size (EntryDataClose).
	Bytes int64
	// Text is free text for EntryNote and EntryTLS, and the direction
	// that lost bytes ("client" or "server") for EntryGap.
	Text string
	// Answers is, for a reply, the index in Session.Transcript of the
	// command entry it answers, as the decoder paired them (in order,
	// RFC 959 4.2 and 5.4, realigned after a gap); -1 for a greeting, an
	// unsolicited reply, a reply whose command was not kept, and for
	// every other kind of entry. A 1yz reply answers its command too;
	// the final reply is the last one with that index.
	Answers int
	// Addr is the data address a PORT, EPRT or LPRT command names (RFC
	// 959 4.1.2, RFC 2428 2, RFC 1639 2) or a 227, 228 or 229 reply
	// announces (RFC 959 4.1.2, RFC 1639 3; a 229 carries only the port,
	// the host being the server's, RFC 2428 3), IPv4-mapped addresses
	// unmapped; invalid when there is none or it does not parse.
	Addr netip.AddrPort
	// Login is, for a command, the login in force when the server
	// answered it: after the replies to every earlier command, in order
	// (RFC 959 4.1.1). LoginAfter is the one its own reply left: a USER
	// starts over, an accepted USER, PASS or ACCT logs in, an accepted
	// REIN logs out. A command without a reply counts as refused, except
	// that a USER still starts over and a REIN still logs out.
	Login, LoginAfter LoginState
	// ThirdHost is true when Addr names a host other than the client (a
	// command) or the server (a reply): FXP, an FTP bounce (RFC 2577 2),
	// or a NAT rewriting addresses.
	ThirdHost bool
}

// EventKind is what an Event announces.
type EventKind uint8

// Event kinds, streamed as they happen (live mode).
const (
	EventSessionOpen EventKind = iota + 1
	EventLogin
	EventCommand
	EventReply
	EventTransferStart
	EventTransferEnd
	EventSessionClose
)

// Event is something that just happened, for streaming consumers. Session
// points at the live session: read it during the callback only.
type Event struct {
	Kind     EventKind
	TS       time.Time
	Session  *Session
	Entry    *Entry        // EventCommand, EventReply
	Login    *LoginAttempt // EventLogin
	Transfer *Transfer     // EventTransferStart, EventTransferEnd
}

// Summary counts what a whole run saw and which limits fired.
type Summary struct {
	Sessions  int
	Transfers int
	Logins    int
	// Limits maps a limit's name to how many times it fired.
	Limits map[string]int64
}
