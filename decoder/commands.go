package decoder

// This file is the command table: for each FTP command the decoder knows,
// where it is defined, what it is (a transfer, an upload, a change of
// directory, a data-channel negotiation), the replies it may receive
// (RFC 959 5.4 and the extensions' own sequences) and the handlers that
// apply it. Adding a command is one row here, plus its handlers in
// handlers.go when it changes the session's state.
//
// RFC 959 5.3.1 makes command codes case-insensitive ("the command codes
// themselves are alphabetic characters terminated by <SP>"), so lookups
// fold case; the table stores the upper-case spelling that the rest of
// the decoder and the report use.

// VerbInfo is one row of the command table.
type VerbInfo struct {
	// Verb is the command's canonical, upper-case spelling.
	Verb string
	// RFC names where it is defined, e.g. "RFC 959 4.1.3".
	RFC string
	// Flags say what the command is.
	Flags VerbFlags
	// Replies are the reply codes the command may receive.
	Replies ReplyCodes
	// AddressReply is the positive reply that carries the address of a
	// passive negotiation: 227 (RFC 959 4.1.2), 229 (RFC 2428 3), 228
	// (RFC 1639 3); 0 for the other commands.
	AddressReply int

	// onCommand applies the command when it is sent, onReply when its
	// final reply comes (handlers.go); nil when it changes nothing.
	onCommand commandHandler
	onReply   replyHandler
}

// Is reports whether the command has every flag of f.
func (v VerbInfo) Is(f VerbFlags) bool { return v.Flags&f == f }

// VerbFlags say what a command is.
type VerbFlags uint16

const (
	// FlagTransfer: the command uses a data connection (RFC 959 4.1.3
	// RETR, STOR, STOU, APPE, LIST, NLST; RFC 3659 7 MLSD).
	FlagTransfer VerbFlags = 1 << iota
	// FlagUpload: the command sends a file to the server (STOR, STOU,
	// APPE); always with FlagTransfer.
	FlagUpload
	// FlagChangesDir: the command moves the working directory (RFC 959
	// 4.1.1 CWD, CDUP; RFC 775 XCWD, XCUP).
	FlagChangesDir
	// FlagModifies: the command changes the server's files (uploads,
	// MKD, RMD, DELE, RNTO).
	FlagModifies
	// FlagActive: the command announces an address for the server to
	// connect to (PORT, EPRT, LPRT).
	FlagActive
	// FlagPassive: the command asks the server for an address to connect
	// to (PASV, EPSV, LPSV).
	FlagPassive
	// FlagLogin: the command is part of a login (RFC 959 4.1.1 USER, PASS,
	// ACCT).
	FlagLogin
)

// ReplyCodes are the replies a command may receive, by kind (RFC 959
// 4.2). Empty Preliminary, Completion and Intermediate sets leave the
// command unconstrained: any reply may answer it.
type ReplyCodes struct {
	// Preliminary are the 1yz replies before the final one.
	Preliminary []int
	// Completion are the 2yz replies.
	Completion []int
	// Intermediate are the 3yz replies (the command is answered, the
	// server waits for another: PASS after USER, RNTO after RNFR).
	Intermediate []int
	// Negative are the 4yz and 5yz replies the RFC lists; any negative
	// reply is accepted as an answer (a server may say 421 at any time).
	Negative []int
}

// constrained reports whether the positive replies are listed.
func (r ReplyCodes) constrained() bool {
	return len(r.Preliminary)+len(r.Completion)+len(r.Intermediate) > 0
}

// maxKnownVerb is the length of the longest verb in knownVerbs (XSHA256,
// XSHA512). A longer verb cannot be known, which keeps lookups in a small
// stack array.
const maxKnownVerb = 7

// RFC references for the table, so that a section is spelled one way.
const (
	rfc959Access   = "RFC 959 4.1.1"             // access control commands
	rfc959Params   = "RFC 959 4.1.2"             // transfer parameter commands
	rfc959Service  = "RFC 959 4.1.3"             // FTP service commands
	rfc775         = "RFC 775, RFC 1123 4.1.3.1" // directory-oriented X verbs
	rfc2228        = "RFC 2228 3"                // security extensions
	rfcMFxx        = "draft-somers-ftp-mfxx"     // MFMT, MFCT, MFF
	rfcStreamlined = "draft-peterson-streamlined-ftp-command-extensions"
	rfcHash        = "draft-bryan-ftpext-hash"     // HASH
	deFactoSum     = "de facto (checksum command)" // XCRC, XMD5, XSHA*
	deFactoFXP     = "de facto (server-to-server transfer)"
)

// Reply sets of RFC 959 5.4 ("Sequencing of commands and replies") shared
// by several rows.
var (
	// retrieveReplies: RETR; 110 is a restart marker.
	retrieveReplies = ReplyCodes{
		Preliminary: []int{110, 125, 150}, Completion: []int{226, 250},
		Negative: []int{421, 425, 426, 450, 451, 500, 501, 530, 550},
	}
	// storeReplies: STOR, STOU, APPE.
	storeReplies = ReplyCodes{
		Preliminary: []int{110, 125, 150}, Completion: []int{226, 250},
		Negative: []int{421, 425, 426, 450, 451, 452, 500, 501, 530, 532, 551, 552, 553},
	}
	// listReplies: LIST, NLST (and RFC 3659 7.2 MLSD).
	listReplies = ReplyCodes{
		Preliminary: []int{110, 125, 150}, Completion: []int{226, 250},
		Negative: []int{421, 425, 426, 450, 451, 500, 501, 502, 530},
	}
	// parameterReplies: TYPE, STRU, MODE.
	parameterReplies = ReplyCodes{Completion: []int{200}, Negative: []int{421, 500, 501, 504, 530}}
	// activeReplies: PORT (and RFC 2428 2 EPRT, RFC 1639 LPRT, with 522
	// for an unsupported network protocol).
	activeReplies = ReplyCodes{Completion: []int{200}, Negative: []int{421, 500, 501, 522, 530}}
	// cwdReplies: RFC 959 5.4 lists 250 for CWD, never 200: a 200 after a
	// gap belongs to a lost command (TYPE, PORT...) and must not move the
	// working directory.
	cwdReplies = ReplyCodes{Completion: []int{250}, Negative: []int{421, 500, 501, 502, 530, 550}}
	// cdupReplies: RFC 959 5.4 lists 200; most servers answer 250, as for
	// CWD.
	cdupReplies = ReplyCodes{Completion: []int{200, 250}, Negative: []int{421, 500, 501, 502, 530, 550}}
	// removeReplies: DELE, RMD (200 from some servers).
	removeReplies = ReplyCodes{Completion: []int{250, 200}, Negative: []int{421, 450, 500, 501, 502, 530, 550}}
	// pathReplies: MKD, PWD (RFC 959 Appendix II).
	pathReplies = ReplyCodes{Completion: []int{257}, Negative: []int{421, 500, 501, 502, 530, 550}}
	// fileStatusReplies: RFC 3659 3 MDTM, 4 SIZE.
	fileStatusReplies = ReplyCodes{Completion: []int{213}, Negative: []int{500, 501, 550}}
)

// knownVerbs is the command table: each known verb, upper case, to its
// row. It is read-only; VerbInfo.Verb repeats the key so that a lookup
// can return the canonical spelling without allocating.
var knownVerbs = map[string]*VerbInfo{
	// RFC 959 4.1.1, access control.
	"USER": {Verb: "USER", RFC: rfc959Access, Flags: FlagLogin, Replies: ReplyCodes{Completion: []int{230, 232}, Intermediate: []int{331, 332}, Negative: []int{421, 500, 501, 530}}, onCommand: (*session).onUserCommand, onReply: (*session).onUserReply},
	"PASS": {Verb: "PASS", RFC: rfc959Access, Flags: FlagLogin, Replies: ReplyCodes{Completion: []int{230, 202, 232}, Intermediate: []int{332}, Negative: []int{421, 500, 501, 503, 530}}, onCommand: (*session).onPassCommand, onReply: (*session).onPassReply},
	"ACCT": {Verb: "ACCT", RFC: rfc959Access, Flags: FlagLogin, Replies: ReplyCodes{Completion: []int{230, 202}, Negative: []int{421, 500, 501, 503, 530}}, onCommand: (*session).onAcctCommand, onReply: (*session).onPassReply},
	"CWD":  {Verb: "CWD", RFC: rfc959Access, Flags: FlagChangesDir, Replies: cwdReplies, onReply: (*session).onCwdReply},
	"CDUP": {Verb: "CDUP", RFC: rfc959Access, Flags: FlagChangesDir, Replies: cdupReplies, onReply: (*session).onCdupReply},
	"SMNT": {Verb: "SMNT", RFC: rfc959Access},
	"REIN": {Verb: "REIN", RFC: rfc959Access, Replies: ReplyCodes{Preliminary: []int{120}, Completion: []int{220}, Negative: []int{421, 500, 502}}, onReply: (*session).onReinReply},
	"QUIT": {Verb: "QUIT", RFC: rfc959Access, Replies: ReplyCodes{Completion: []int{221}, Negative: []int{500}}, onReply: (*session).onQuitReply},

	// RFC 959 4.1.2, transfer parameters.
	"PORT": {Verb: "PORT", RFC: rfc959Params, Flags: FlagActive, Replies: activeReplies, onCommand: (*session).onPortCommand, onReply: (*session).onPortReply},
	"PASV": {Verb: "PASV", RFC: rfc959Params, Flags: FlagPassive, AddressReply: 227, Replies: ReplyCodes{Completion: []int{227}, Negative: []int{421, 500, 501, 502, 530}}, onCommand: (*session).onPasvCommand, onReply: (*session).onPasvReply},
	"TYPE": {Verb: "TYPE", RFC: rfc959Params, Replies: parameterReplies, onCommand: (*session).onTypeCommand, onReply: (*session).onTypeReply},
	"STRU": {Verb: "STRU", RFC: rfc959Params, Replies: parameterReplies},
	"MODE": {Verb: "MODE", RFC: rfc959Params, Replies: parameterReplies}, // MODE Z (deflate) is an argument

	// RFC 959 4.1.3, service commands.
	"RETR": {Verb: "RETR", RFC: rfc959Service, Flags: FlagTransfer, Replies: retrieveReplies, onCommand: (*session).onDownloadCommand},
	"STOR": {Verb: "STOR", RFC: rfc959Service, Flags: FlagTransfer | FlagUpload | FlagModifies, Replies: storeReplies, onCommand: (*session).onUploadCommand},
	"STOU": {Verb: "STOU", RFC: rfc959Service, Flags: FlagTransfer | FlagUpload | FlagModifies, Replies: storeReplies, onCommand: (*session).onUploadCommand},
	"APPE": {Verb: "APPE", RFC: rfc959Service, Flags: FlagTransfer | FlagUpload | FlagModifies, Replies: storeReplies, onCommand: (*session).onUploadCommand},
	"LIST": {Verb: "LIST", RFC: rfc959Service, Flags: FlagTransfer, Replies: listReplies, onCommand: (*session).onDownloadCommand},
	"NLST": {Verb: "NLST", RFC: rfc959Service, Flags: FlagTransfer, Replies: listReplies, onCommand: (*session).onDownloadCommand},
	"ALLO": {Verb: "ALLO", RFC: rfc959Service},
	"REST": {Verb: "REST", RFC: rfc959Service + ", RFC 3659 5", Replies: ReplyCodes{Intermediate: []int{350}, Negative: []int{421, 500, 501, 502, 530}}, onCommand: (*session).onRestCommand, onReply: (*session).onRestReply},
	"RNFR": {Verb: "RNFR", RFC: rfc959Service, Replies: ReplyCodes{Intermediate: []int{350}, Negative: []int{421, 450, 500, 501, 502, 530, 550}}, onCommand: (*session).onRenameCommand, onReply: (*session).onRnfrReply},
	"RNTO": {Verb: "RNTO", RFC: rfc959Service, Flags: FlagModifies, onCommand: (*session).onRenameCommand, onReply: (*session).onRntoReply},
	"ABOR": {Verb: "ABOR", RFC: rfc959Service},
	"DELE": {Verb: "DELE", RFC: rfc959Service, Flags: FlagModifies, Replies: removeReplies},
	"RMD":  {Verb: "RMD", RFC: rfc959Service, Flags: FlagModifies, Replies: removeReplies},
	"MKD":  {Verb: "MKD", RFC: rfc959Service, Flags: FlagModifies, Replies: pathReplies, onReply: (*session).onMkdReply},
	"PWD":  {Verb: "PWD", RFC: rfc959Service, Replies: pathReplies, onReply: (*session).onPwdReply},
	"SITE": {Verb: "SITE", RFC: rfc959Service},
	"SYST": {Verb: "SYST", RFC: rfc959Service, Replies: ReplyCodes{Completion: []int{215}, Negative: []int{421, 500, 501, 502}}, onReply: (*session).onSystReply},
	"STAT": {Verb: "STAT", RFC: rfc959Service},
	"HELP": {Verb: "HELP", RFC: rfc959Service},
	"NOOP": {Verb: "NOOP", RFC: rfc959Service, Replies: ReplyCodes{Completion: []int{200}, Negative: []int{421, 500}}},

	// RFC 775: the experimental directory commands, which RFC 1123
	// 4.1.3.1 asks servers to keep accepting.
	"XCWD": {Verb: "XCWD", RFC: rfc775, Flags: FlagChangesDir, Replies: cwdReplies, onReply: (*session).onCwdReply},
	"XCUP": {Verb: "XCUP", RFC: rfc775, Flags: FlagChangesDir, Replies: cdupReplies, onReply: (*session).onCdupReply},
	"XPWD": {Verb: "XPWD", RFC: rfc775, Replies: pathReplies, onReply: (*session).onPwdReply},
	"XMKD": {Verb: "XMKD", RFC: rfc775, Flags: FlagModifies, Replies: pathReplies, onReply: (*session).onMkdReply},
	"XRMD": {Verb: "XRMD", RFC: rfc775, Flags: FlagModifies, Replies: removeReplies},

	// RFC 1639: long addresses.
	"LPRT": {Verb: "LPRT", RFC: "RFC 1639 2", Flags: FlagActive, Replies: activeReplies, onCommand: (*session).onPortCommand, onReply: (*session).onPortReply},
	"LPSV": {Verb: "LPSV", RFC: "RFC 1639 3", Flags: FlagPassive, AddressReply: 228, Replies: ReplyCodes{Completion: []int{228}, Negative: []int{421, 500, 501, 502, 521, 530}}, onCommand: (*session).onPasvCommand, onReply: (*session).onPasvReply},

	// RFC 2228: security extensions (RFC 4217 uses AUTH, PBSZ, PROT and
	// CCC for TLS).
	"AUTH": {Verb: "AUTH", RFC: rfc2228, Replies: ReplyCodes{Completion: []int{234, 235}, Intermediate: []int{334}, Negative: []int{421, 431, 500, 501, 502, 504, 534}}, onCommand: (*session).onAuthCommand, onReply: (*session).onAuthReply},
	"ADAT": {Verb: "ADAT", RFC: rfc2228},
	"PROT": {Verb: "PROT", RFC: rfc2228},
	"PBSZ": {Verb: "PBSZ", RFC: rfc2228},
	"CCC":  {Verb: "CCC", RFC: rfc2228},
	"MIC":  {Verb: "MIC", RFC: rfc2228},
	"CONF": {Verb: "CONF", RFC: rfc2228},
	"ENC":  {Verb: "ENC", RFC: rfc2228},

	// RFC 2389: feature negotiation.
	"FEAT": {Verb: "FEAT", RFC: "RFC 2389 3", Replies: ReplyCodes{Completion: []int{211}, Negative: []int{500, 502}}, onReply: (*session).onFeatReply},
	"OPTS": {Verb: "OPTS", RFC: "RFC 2389 4"},

	// RFC 2428: extended addresses (IPv6).
	"EPRT": {Verb: "EPRT", RFC: "RFC 2428 2", Flags: FlagActive, Replies: activeReplies, onCommand: (*session).onPortCommand, onReply: (*session).onPortReply},
	"EPSV": {Verb: "EPSV", RFC: "RFC 2428 3", Flags: FlagPassive, AddressReply: 229, Replies: ReplyCodes{Completion: []int{229, 200}, Negative: []int{421, 500, 501, 502, 522, 530}}, onCommand: (*session).onPasvCommand, onReply: (*session).onPasvReply},

	// RFC 2640: internationalization.
	"LANG": {Verb: "LANG", RFC: "RFC 2640 4.1"},

	// RFC 3659: extensions to FTP.
	"MDTM": {Verb: "MDTM", RFC: "RFC 3659 3", Replies: fileStatusReplies},
	"SIZE": {Verb: "SIZE", RFC: "RFC 3659 4", Replies: fileStatusReplies, onCommand: (*session).onSizeCommand, onReply: (*session).onSizeReply},
	"MLST": {Verb: "MLST", RFC: "RFC 3659 7"},
	"MLSD": {Verb: "MLSD", RFC: "RFC 3659 7", Flags: FlagTransfer, Replies: listReplies, onCommand: (*session).onDownloadCommand},

	// RFC 7151: virtual hosts.
	"HOST": {Verb: "HOST", RFC: "RFC 7151 3"},

	// Common extensions without an RFC.
	"CLNT":    {Verb: "CLNT", RFC: "de facto (client identification)"},
	"MFMT":    {Verb: "MFMT", RFC: rfcMFxx},
	"MFCT":    {Verb: "MFCT", RFC: rfcMFxx},
	"MFF":     {Verb: "MFF", RFC: rfcMFxx},
	"AVBL":    {Verb: "AVBL", RFC: rfcStreamlined},
	"CSID":    {Verb: "CSID", RFC: rfcStreamlined},
	"DSIZ":    {Verb: "DSIZ", RFC: rfcStreamlined},
	"RMDA":    {Verb: "RMDA", RFC: rfcStreamlined},
	"THMB":    {Verb: "THMB", RFC: rfcStreamlined},
	"HASH":    {Verb: "HASH", RFC: rfcHash},
	"XCRC":    {Verb: "XCRC", RFC: deFactoSum},
	"XMD5":    {Verb: "XMD5", RFC: deFactoSum},
	"XSHA":    {Verb: "XSHA", RFC: deFactoSum},
	"XSHA1":   {Verb: "XSHA1", RFC: deFactoSum},
	"XSHA256": {Verb: "XSHA256", RFC: deFactoSum},
	"XSHA512": {Verb: "XSHA512", RFC: deFactoSum},
	"SPSV":    {Verb: "SPSV", RFC: deFactoFXP},
	"SSCN":    {Verb: "SSCN", RFC: deFactoFXP},
	"CPSV":    {Verb: "CPSV", RFC: deFactoFXP},
	"PRET":    {Verb: "PRET", RFC: "de facto (pre-transfer announcement)"},
}

// LookupVerb returns the command table's row of a verb (case-insensitive,
// RFC 959 5.3). It does not allocate; the row's slices are the table's,
// to be read, not changed.
func LookupVerb(verb string) (VerbInfo, bool) {
	if info, ok := lookupVerbString(verb); ok {
		return *info, true
	}
	return VerbInfo{}, false
}

// lookupVerbBytes is LookupVerb on the raw bytes of a command line: it
// folds ASCII case into a stack array, so it never allocates (the map
// index of a string conversion does not copy).
func lookupVerbBytes(verb []byte) (*VerbInfo, bool) {
	if len(verb) == 0 || len(verb) > maxKnownVerb {
		return nil, false
	}
	var folded [maxKnownVerb]byte
	for i, c := range verb {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		folded[i] = c
	}
	info, ok := knownVerbs[string(folded[:len(verb)])]
	return info, ok
}

// lookupVerbString is lookupVerbBytes for a string.
func lookupVerbString(verb string) (*VerbInfo, bool) {
	if len(verb) == 0 || len(verb) > maxKnownVerb {
		return nil, false
	}
	var folded [maxKnownVerb]byte
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		folded[i] = c
	}
	info, ok := knownVerbs[string(folded[:len(verb)])]
	return info, ok
}
