package decoder

import (
	"slices"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// Note names an anomaly recorded on a session or a transfer (Session.Notes,
// Transfer.Notes): snake_case, part of the JSON contract (docs/json.md lists
// them from here, checked by a test). Compare with In, never with a string
// literal, so that a misspelt name does not compile.
type Note string

// In reports whether n is among notes.
func (n Note) In(notes []string) bool { return slices.Contains(notes, string(n)) }

// Session notes.
const (
	// NoteNoHandshake: the capture began after the control connection's
	// TCP handshake, so its start and first bytes may be missing.
	NoteNoHandshake Note = "no_handshake"
	// NoteGapInControl: bytes of the control connection are missing from
	// the capture (Session.GapBytes counts them).
	NoteGapInControl Note = "gap_in_control"
	// NoteLineTruncated: a command or reply line was longer than MaxLine;
	// the rest was skipped.
	NoteLineTruncated Note = "line_truncated"
	// NoteUnterminatedLine: the client's last line had no CRLF when the
	// connection ended.
	NoteUnterminatedLine Note = "unterminated_line"
	// NoteReplyTruncated: a multi-line reply had more lines than kept.
	NoteReplyTruncated Note = "reply_truncated"
	// NoteUnterminatedReply: the server's last reply had no end line
	// (RFC 959 4.2) when the connection ended.
	NoteUnterminatedReply Note = "unterminated_reply"
	// NoteBadCommand: a client line is not a command (RFC 959 5.3).
	NoteBadCommand Note = "bad_command"
	// NoteBadReply: a server line is not a reply (RFC 959 4.2).
	NoteBadReply Note = "bad_reply"
	// NoteBadLinesTruncated: more unparsable server lines than are copied
	// to the transcript.
	NoteBadLinesTruncated Note = "bad_lines_truncated"
	// NoteTooManyPending: the client sent more commands ahead of their
	// replies than are queued.
	NoteTooManyPending Note = "too_many_pending"
	// NoteTranscriptTruncated: transcript entries past MaxTranscript were
	// dropped (Session.Commands still counts every command).
	NoteTranscriptTruncated Note = "transcript_truncated"
	// NoteLoginAttemptsTruncated: login attempts past the kept list were
	// dropped (Session.LoginCount counts all).
	NoteLoginAttemptsTruncated Note = "login_attempts_truncated"
	// NoteTransfersTruncated: transfers past MaxTransfers were dropped.
	NoteTransfersTruncated Note = "transfers_truncated"
	// NoteFeaturesTruncated: FEAT lines past the kept list were dropped.
	NoteFeaturesTruncated Note = "features_truncated"
	// NoteAuthTLSRefused: the server refused AUTH TLS/SSL (RFC 4217 4.1)
	// and the dialogue went on in cleartext.
	NoteAuthTLSRefused Note = "auth_tls_refused"
	// NoteTLSDesync: the control connection carried TLS records where
	// cleartext was expected, or the reverse.
	NoteTLSDesync Note = "tls_desync"
	// NoteEPSVAll: the client sent EPSV ALL (RFC 2428 4): no other data
	// negotiation is allowed afterwards.
	NoteEPSVAll Note = "epsv_all"
	// NoteBadNegotiation: a PORT, EPRT, LPRT argument or a 227/228/229
	// reply could not be parsed.
	NoteBadNegotiation Note = "bad_negotiation"
	// NotePASVAddressMismatch: a passive reply named a host other than the
	// server (session), or the data connection went elsewhere (transfer).
	NotePASVAddressMismatch Note = "pasv_address_mismatch"
	// NotePORTAddressMismatch: the active data connection came from or
	// went to an endpoint other than the one PORT/EPRT announced.
	NotePORTAddressMismatch Note = "port_address_mismatch"
	// NoteDataWithoutTransfer: a data connection was seen that no transfer
	// command used.
	NoteDataWithoutTransfer Note = "data_without_transfer"
	// NoteContentBufferLimit: payload held for extraction before the
	// transfer command was cut (transfer), or a connection never tied to a
	// transfer hit it (session).
	NoteContentBufferLimit Note = "content_buffer_limit"
	// NoteCWDUnknown: the working directory is unknown (a gap, or a
	// CWD whose reply was lost), so paths may be relative.
	NoteCWDUnknown Note = "cwd_unknown"
	// NoteExpectationEvicted: an announced data connection was forgotten
	// before it opened (table full).
	NoteExpectationEvicted Note = "expectation_evicted"
	// NoteGuessEvicted: the session stopped guessing an unannounced data
	// connection (too many sessions guessing).
	NoteGuessEvicted Note = "guess_evicted"
	// NoteLinksPerConnLimit: too many sessions shared one data connection;
	// this one was left out.
	NoteLinksPerConnLimit Note = "links_per_conn_limit"
	// NoteProbeUndecided: the probe deciding whether a connection is FTP
	// filled up before it could decide.
	NoteProbeUndecided Note = "probe_undecided"
	// NoteConnEvicted: the assembler's connection table was full and this
	// connection was closed early (session or transfer).
	NoteConnEvicted Note = "conn_evicted"
	// NotePortReused: a new control connection reused the endpoints of a
	// session not yet closed.
	NotePortReused Note = "port_reused"
)

// Transfer notes (NotePASVAddressMismatch, NotePORTAddressMismatch,
// NoteContentBufferLimit and NoteConnEvicted apply to transfers too).
const (
	// NoteDataNotCaptured: the transfer's data connection is not in the
	// capture.
	NoteDataNotCaptured Note = "data_not_captured"
	// NoteSizeMismatch: the bytes seen differ from the announced size.
	NoteSizeMismatch Note = "size_mismatch"
	// NoteFXP: the data connection ran between two servers (RFC 959 5.2,
	// server-to-server transfer).
	NoteFXP Note = "fxp"
	// NoteDataGuessed: the data connection was tied to the transfer by
	// guessing (no announcement seen), not by its negotiation.
	NoteDataGuessed Note = "data_guessed"
	// NoteWaitingLimit: the transfer stopped waiting for its data
	// connection (too many waiting).
	NoteWaitingLimit Note = "waiting_limit"
	// NoteExtractFailed: an I/O error lost some or all of the extracted
	// file (added by extraction, not the decoder).
	NoteExtractFailed Note = "extract_failed"
	// NoteExtractSkipped: too many files open, the content was not
	// extracted (added by extraction).
	NoteExtractSkipped Note = "extract_skipped"
	// NoteExtractTruncated: the extraction size limit was reached and the
	// rest was not written (added by extraction).
	NoteExtractTruncated Note = "extract_truncated"
)

// TCP reassembly notes, on the session (control connection) or the
// transfer (data connection): the names of reassembly.Anomaly, defined
// there (reassembly.AnomalyName).
const (
	// NoteRetransmissionConflict: a retransmission disagreed with bytes
	// already seen; the first copy was kept.
	NoteRetransmissionConflict = Note(reassembly.NameConflict)
	// NoteConnBufferLimit: out-of-order bytes passed the per-connection
	// limit; the hole was given up as a gap.
	NoteConnBufferLimit = Note(reassembly.NameConnBufferLimit)
	// NoteTotalBufferLimit: out-of-order bytes passed the global limit.
	NoteTotalBufferLimit = Note(reassembly.NameTotalBufferLimit)
	// NoteCoverageSpansLimit: more disjoint captured ranges than tracked;
	// missing bytes may be over-counted.
	NoteCoverageSpansLimit = Note(reassembly.NameCoverageLimit)
	// NoteHistoryLimit: retransmissions were dropped unchecked, so a
	// conflict could go unseen.
	NoteHistoryLimit = Note(reassembly.NameHistoryLimit)
	// NoteSnaplenCut: segments were cut by the capture's snapshot length;
	// their tail counts as a gap.
	NoteSnaplenCut = Note(reassembly.NameSnaplenCut)
)

// anomalyNote is the note of a reassembly anomaly: its name.
func anomalyNote(an reassembly.Anomaly) Note { return Note(an.String()) }

// SessionNotes and TransferNotes list every note in the order docs/json.md
// gives them.
func SessionNotes() []Note {
	return []Note{
		NoteNoHandshake, NoteGapInControl, NoteLineTruncated,
		NoteUnterminatedLine, NoteReplyTruncated, NoteUnterminatedReply, NoteBadCommand,
		NoteBadReply, NoteBadLinesTruncated, NoteTooManyPending, NoteTranscriptTruncated,
		NoteLoginAttemptsTruncated, NoteTransfersTruncated, NoteFeaturesTruncated,
		NoteAuthTLSRefused, NoteTLSDesync, NoteEPSVAll, NoteBadNegotiation,
		NotePASVAddressMismatch, NotePORTAddressMismatch, NoteDataWithoutTransfer,
		NoteContentBufferLimit, NoteCWDUnknown,
		NoteExpectationEvicted, NoteGuessEvicted, NoteLinksPerConnLimit,
		NoteProbeUndecided, NoteConnEvicted, NotePortReused,
	}
}

// TransferNotes lists the transfer notes (see SessionNotes).
func TransferNotes() []Note {
	return []Note{
		NoteDataNotCaptured, NoteSizeMismatch, NotePASVAddressMismatch,
		NotePORTAddressMismatch, NoteFXP, NoteDataGuessed, NoteWaitingLimit,
		NoteContentBufferLimit, NoteConnEvicted, NoteExtractFailed, NoteExtractSkipped,
		NoteExtractTruncated,
	}
}

// ReassemblyNotes lists the notes of TCP reassembly anomalies, on either.
func ReassemblyNotes() []Note {
	return []Note{
		NoteRetransmissionConflict, NoteConnBufferLimit, NoteTotalBufferLimit,
		NoteCoverageSpansLimit, NoteHistoryLimit, NoteSnaplenCut,
	}
}
