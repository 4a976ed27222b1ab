package decoder

// This file follows a control connection once it has switched to TLS
// (RFC 4217 4, RFC 2228 3 "AUTH"), or was TLS from its first byte
// (implicit FTPS, port 990). The payload is never decrypted nor parsed:
// the walker only checks that the bytes keep the shape of the TLS record
// layer, counts records, and notices when cleartext FTP comes back (after
// CCC, RFC 2228 5.3 and RFC 4217 12.3, the connection returns to
// cleartext once both sides have sent close_notify).

// TLS record layer (RFC 5246 6.2, RFC 8446 5.1): one byte of content type,
// two bytes of protocol version (3.x), two bytes of length.
const (
	tlsHeaderLen = 5
	// tlsMaxRecord is the longest record body a sender may use:
	// TLSCiphertext.length "MUST NOT exceed 2^14 + 2048" (RFC 5246
	// 6.2.3); RFC 8446 5.2 is tighter (2^14 + 256).
	tlsMaxRecord = 1<<14 + 2048
	// tlsHandshake is the content type of a handshake record, the first
	// record a client sends (RFC 5246 6.2.1, RFC 8446 5.1).
	tlsHandshake = 22
)

// tlsContentType reports whether b is a record content type:
// change_cipher_spec (20), alert (21), handshake (22), application_data
// (23) and heartbeat (24, RFC 6520 3).
func tlsContentType(b byte) bool { return b >= 20 && b <= 24 }

// plausibleTLSHeader reports whether b, the first bytes (up to five) of
// what should be a record header, can be one. A shorter b is checked as
// far as it goes.
func plausibleTLSHeader(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if !tlsContentType(b[0]) {
		return false
	}
	if len(b) > 1 && b[1] != 3 {
		return false
	}
	// Minor versions 0 (SSL 3.0) to 4 (TLS 1.3 drafts used 3.4 at times).
	if len(b) > 2 && b[2] > 4 {
		return false
	}
	if len(b) >= tlsHeaderLen && int(b[3])<<8|int(b[4]) > tlsMaxRecord {
		return false
	}
	return true
}

// tlsWalker skips TLS records one header at a time. Its zero value is
// ready at a record boundary.
type tlsWalker struct {
	hdr  [tlsHeaderLen]byte
	nhdr int // header bytes held (a header may straddle segments)
	body int // body bytes of the current record still to skip
	// records counts complete headers seen.
	records int64
}

// walk consumes records from p and returns how many bytes it took. When
// bad is true, p[n:] begins with bytes that cannot start a record: the
// caller decides whether they are cleartext FTP again.
func (w *tlsWalker) walk(p []byte) (n int, bad bool) {
	for n < len(p) {
		if w.body > 0 {
			k := min(w.body, len(p)-n)
			w.body -= k
			n += k
			continue
		}
		start := n
		if w.nhdr == 0 && !plausibleTLSHeader(p[n:min(len(p), n+tlsHeaderLen)]) {
			return n, true
		}
		k := copy(w.hdr[w.nhdr:], p[n:])
		w.nhdr += k
		n += k
		if w.nhdr < tlsHeaderLen {
			if !plausibleTLSHeader(w.hdr[:w.nhdr]) {
				w.nhdr = 0
				return start, true
			}
			return n, false
		}
		w.nhdr = 0
		if !plausibleTLSHeader(w.hdr[:]) {
			// The header began in an earlier segment; what is left of it
			// here is handed back.
			return start, true
		}
		w.records++
		w.body = int(w.hdr[3])<<8 | int(w.hdr[4])
	}
	return n, false
}

// reset forgets any partial header, for a gap or a resynchronisation.
func (w *tlsWalker) reset() {
	w.nhdr = 0
	w.body = 0
}
