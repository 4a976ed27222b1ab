package decoder

// This file holds the table of FTP commands the decoder knows, with where
// each is defined. RFC 959 5.3.1 makes command codes case-insensitive
// ("the command codes themselves are alphabetic characters terminated by
// <SP>"), so lookups fold case; the table stores the upper-case spelling
// that the rest of the decoder and the report use.

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

// knownVerbs maps each known verb, upper case, to what it does. It is a
// read-only table; VerbInfo.Verb repeats the key so that a lookup can
// return the canonical spelling without allocating.
var knownVerbs = map[string]VerbInfo{
	// RFC 959 4.1.1, access control.
	"USER": {Verb: "USER", RFC: rfc959Access},
	"PASS": {Verb: "PASS", RFC: rfc959Access},
	"ACCT": {Verb: "ACCT", RFC: rfc959Access},
	"CWD":  {Verb: "CWD", RFC: rfc959Access},
	"CDUP": {Verb: "CDUP", RFC: rfc959Access},
	"SMNT": {Verb: "SMNT", RFC: rfc959Access},
	"REIN": {Verb: "REIN", RFC: rfc959Access},
	"QUIT": {Verb: "QUIT", RFC: rfc959Access},

	// RFC 959 4.1.2, transfer parameters.
	"PORT": {Verb: "PORT", RFC: rfc959Params},
	"PASV": {Verb: "PASV", RFC: rfc959Params},
	"TYPE": {Verb: "TYPE", RFC: rfc959Params},
	"STRU": {Verb: "STRU", RFC: rfc959Params},
	"MODE": {Verb: "MODE", RFC: rfc959Params}, // MODE Z (deflate) is an argument

	// RFC 959 4.1.3, service commands. The six that open a data
	// connection are marked Transfer; the three that send a file to the
	// server are marked Upload.
	"RETR": {Verb: "RETR", RFC: rfc959Service, Transfer: true},
	"STOR": {Verb: "STOR", RFC: rfc959Service, Transfer: true, Upload: true},
	"STOU": {Verb: "STOU", RFC: rfc959Service, Transfer: true, Upload: true},
	"APPE": {Verb: "APPE", RFC: rfc959Service, Transfer: true, Upload: true},
	"LIST": {Verb: "LIST", RFC: rfc959Service, Transfer: true},
	"NLST": {Verb: "NLST", RFC: rfc959Service, Transfer: true},
	"ALLO": {Verb: "ALLO", RFC: rfc959Service},
	"REST": {Verb: "REST", RFC: rfc959Service + ", RFC 3659 5"},
	"RNFR": {Verb: "RNFR", RFC: rfc959Service},
	"RNTO": {Verb: "RNTO", RFC: rfc959Service},
	"ABOR": {Verb: "ABOR", RFC: rfc959Service},
	"DELE": {Verb: "DELE", RFC: rfc959Service},
	"RMD":  {Verb: "RMD", RFC: rfc959Service},
	"MKD":  {Verb: "MKD", RFC: rfc959Service},
	"PWD":  {Verb: "PWD", RFC: rfc959Service},
	"SITE": {Verb: "SITE", RFC: rfc959Service},
	"SYST": {Verb: "SYST", RFC: rfc959Service},
	"STAT": {Verb: "STAT", RFC: rfc959Service},
	"HELP": {Verb: "HELP", RFC: rfc959Service},
	"NOOP": {Verb: "NOOP", RFC: rfc959Service},

	// RFC 775: the experimental directory commands, which RFC 1123
	// 4.1.3.1 asks servers to keep accepting.
	"XCWD": {Verb: "XCWD", RFC: rfc775},
	"XCUP": {Verb: "XCUP", RFC: rfc775},
	"XPWD": {Verb: "XPWD", RFC: rfc775},
	"XMKD": {Verb: "XMKD", RFC: rfc775},
	"XRMD": {Verb: "XRMD", RFC: rfc775},

	// RFC 1639: long addresses.
	"LPRT": {Verb: "LPRT", RFC: "RFC 1639 2"},
	"LPSV": {Verb: "LPSV", RFC: "RFC 1639 3"},

	// RFC 2228: security extensions (RFC 4217 uses AUTH, PBSZ, PROT and
	// CCC for TLS).
	"AUTH": {Verb: "AUTH", RFC: rfc2228},
	"ADAT": {Verb: "ADAT", RFC: rfc2228},
	"PROT": {Verb: "PROT", RFC: rfc2228},
	"PBSZ": {Verb: "PBSZ", RFC: rfc2228},
	"CCC":  {Verb: "CCC", RFC: rfc2228},
	"MIC":  {Verb: "MIC", RFC: rfc2228},
	"CONF": {Verb: "CONF", RFC: rfc2228},
	"ENC":  {Verb: "ENC", RFC: rfc2228},

	// RFC 2389: feature negotiation.
	"FEAT": {Verb: "FEAT", RFC: "RFC 2389 3"},
	"OPTS": {Verb: "OPTS", RFC: "RFC 2389 4"},

	// RFC 2428: extended addresses (IPv6).
	"EPRT": {Verb: "EPRT", RFC: "RFC 2428 2"},
	"EPSV": {Verb: "EPSV", RFC: "RFC 2428 3"},

	// RFC 2640: internationalization.
	"LANG": {Verb: "LANG", RFC: "RFC 2640 4.1"},

	// RFC 3659: extensions to FTP.
	"MDTM": {Verb: "MDTM", RFC: "RFC 3659 3"},
	"SIZE": {Verb: "SIZE", RFC: "RFC 3659 4"},
	"MLST": {Verb: "MLST", RFC: "RFC 3659 7"},
	"MLSD": {Verb: "MLSD", RFC: "RFC 3659 7", Transfer: true},

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

// lookupVerbBytes is LookupVerb on the raw bytes of a command line: it
// folds ASCII case into a stack array, so it never allocates (the map
// index of a string conversion does not copy).
func lookupVerbBytes(verb []byte) (VerbInfo, bool) {
	if len(verb) == 0 || len(verb) > maxKnownVerb {
		return VerbInfo{}, false
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
func lookupVerbString(verb string) (VerbInfo, bool) {
	if len(verb) == 0 || len(verb) > maxKnownVerb {
		return VerbInfo{}, false
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
