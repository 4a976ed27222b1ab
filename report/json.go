package report

import (
	"bytes"
	"encoding/json"
	"io"
	"net/netip"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// JSONWriter writes newline-delimited JSON records following the ftpsniff
// JSON contract (docs/json.md): one "session" object per line, each
// written whole with a single Write so records from one writer never
// interleave. Keys keep a fixed order. A value that was not seen is null,
// never "" or 0; times are RFC 3339 in UTC with exactly nine fractional
// digits; IPs are plain text and ports numbers.
//
// Beyond the contract it adds keys (consumers ignore unknown keys):
// session "features", "system", "gap_bytes", "login_count" (every attempt,
// also those beyond the kept login_attempts) and "tls_records"; login
// attempt "account";
// transfer "size", "mime", "file" and "notes". It also writes a "summary"
// record (see Summary); consumers ignore record types they do not know.
//
// Passwords, in "password" and in every login attempt, are "<hidden>"
// unless Options.ShowPasswords. Strings are kept exactly when they are
// valid UTF-8 (encoding/json escapes their control characters); in a
// string holding invalid UTF-8 each invalid byte is written as the text
// \xNN instead of being replaced by U+FFFD, so non-UTF-8 file names stay
// recoverable. A session whose end reason is unknown has "end_reason":
// null. Non-ASCII characters that are invisible or that steer a
// terminal (C1 controls, bidi overrides, zero-width characters) are
// written as \uXXXX escapes, which decode to the same string.
//
// A JSONWriter is not safe for concurrent use.
type JSONWriter struct {
	w    io.Writer
	opts Options
	buf  bytes.Buffer
	alt  []byte
	enc  *json.Encoder
}

// NewJSONWriter returns a JSONWriter writing to w.
func NewJSONWriter(w io.Writer, opts Options) *JSONWriter {
	j := &JSONWriter{w: w, opts: opts}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// Session writes one "session" record.
func (j *JSONWriter) Session(s *decoder.Session) error {
	return j.write(j.session(s))
}

// Summary writes a "summary" record, an ftpsniff extension to the
// contract: {"type":"summary","sessions":N,"transfers":N,"logins":N,
// "limits":{"name":count,...},"packets":N,"bytes":N,"first":T,"last":T,
// "damaged":B,"warnings":[...]}. limits is always an object, empty when
// no limit fired, with keys in sorted order; warnings always an array.
func (j *JSONWriter) Summary(sum decoder.Summary, in Input) error {
	limits := sum.Limits
	if limits == nil {
		limits = map[string]int64{}
	}
	warnings := in.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	return j.write(jsonSummary{
		Type:      "summary",
		Sessions:  sum.Sessions,
		Transfers: sum.Transfers,
		Logins:    sum.Logins,
		Limits:    limits,
		Packets:   in.Packets,
		Bytes:     in.Bytes,
		First:     jsonTime(in.First),
		Last:      jsonTime(in.Last),
		Damaged:   in.Damaged,
		Warnings:  warnings,
	})
}

// Input is what a run knows about the capture it read beyond the
// sessions: how much it read and whether all of it could be read. The
// summary record carries it, so that a saved report says by itself that
// it covers only part of a damaged capture.
type Input struct {
	// Packets and Bytes are the frames read and their captured bytes.
	Packets, Bytes int64
	// First and Last are the earliest and latest frame times.
	First, Last time.Time
	// Damaged: an input ended early (truncated, corrupt) or some packets
	// could not be decoded; the report covers the rest.
	Damaged bool
	// Warnings are the problems met, one line each, as printed on stderr.
	Warnings []string
}

func (j *JSONWriter) write(v any) error {
	j.buf.Reset()
	if err := j.enc.Encode(v); err != nil {
		return err
	}
	_, err := j.w.Write(escapeInvisible(j.buf.Bytes(), &j.alt))
	return err
}

// escapeInvisible rewrites, in encoded JSON, DEL and every non-ASCII rune
// that Escape would not print (C1 controls, bidi overrides, zero-width and
// other format characters, U+2028/U+2029, odd spaces) as a \uXXXX escape.
// encoding/json leaves them raw, and a C1 control or a bidi override
// reaching a terminal through `tail -f` can mislead the reader. Such runes
// can only occur inside JSON strings, and the escape decodes to the same
// rune, so the record's meaning is unchanged. alt is reused scratch space.
func escapeInvisible(enc []byte, alt *[]byte) []byte {
	i := 0
	for i < len(enc) {
		if enc[i] < utf8.RuneSelf {
			if enc[i] == del {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(enc[i:])
		if needsEscape(r) {
			break
		}
		i += size
	}
	if i == len(enc) {
		return enc
	}
	out := append((*alt)[:0], enc[:i]...)
	for i < len(enc) {
		c := enc[i]
		if c < utf8.RuneSelf {
			if c == del {
				out = appendU(out, del)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(enc[i:])
		if needsEscape(r) {
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = appendU(appendU(out, r1), r2)
			} else {
				out = appendU(out, r)
			}
		} else {
			out = append(out, enc[i:i+size]...)
		}
		i += size
	}
	*alt = out
	return out
}

// del is the ASCII DEL control, which encoding/json leaves raw: a terminal
// may act on it, so it is escaped like the C1 controls.
const del = 0x7f

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// jsonTime is a capture time: null when zero, else RFC 3339 UTC with nine
// fractional digits so the field has a fixed width and sorts as text.
type jsonTime time.Time

const jsonTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// MarshalJSON implements json.Marshaler.
func (t jsonTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(jsonTimeLayout)+2)
	b = append(b, '"')
	b = tt.UTC().AppendFormat(b, jsonTimeLayout)
	return append(b, '"'), nil
}

type jsonSession struct {
	Type           string         `json:"type"`
	ID             string         `json:"id"`
	ClientIP       *string        `json:"client_ip"`
	ClientPort     *uint16        `json:"client_port"`
	ServerIP       *string        `json:"server_ip"`
	ServerPort     *uint16        `json:"server_port"`
	Start          jsonTime       `json:"start"`
	End            jsonTime       `json:"end"`
	Handshake      bool           `json:"handshake"`
	HandshakeRTTMs *float64       `json:"handshake_rtt_ms"`
	EndReason      *string        `json:"end_reason"`
	Banner         *string        `json:"banner"`
	User           *string        `json:"user"`
	Password       *string        `json:"password"`
	Anonymous      bool           `json:"anonymous"`
	Login          string         `json:"login"`
	LoginAttempts  []jsonAttempt  `json:"login_attempts"`
	TLS            bool           `json:"tls"`
	Mode           string         `json:"mode"`
	Commands       int            `json:"commands"`
	Transfers      []jsonTransfer `json:"transfers"`
	Notes          []string       `json:"notes"`
	// Extensions.
	Features   []string `json:"features"`
	System     *string  `json:"system"`
	GapBytes   int64    `json:"gap_bytes"`
	LoginCount int      `json:"login_count"`
	TLSRecords int64    `json:"tls_records"`
}

type jsonAttempt struct {
	User      string   `json:"user"`
	Password  *string  `json:"password"`
	Outcome   string   `json:"outcome"`
	ReplyCode *int     `json:"reply_code"`
	Time      jsonTime `json:"time"`
	Account   *string  `json:"account"`
}

type jsonTransfer struct {
	Command        string   `json:"command"`
	Arg            *string  `json:"arg"`
	Path           *string  `json:"path"`
	Direction      *string  `json:"direction"`
	Mode           *string  `json:"mode"`
	Negotiation    *string  `json:"negotiation"`
	AdvertisedIP   *string  `json:"advertised_ip"`
	AdvertisedPort *uint16  `json:"advertised_port"`
	DataSrcIP      *string  `json:"data_src_ip"`
	DataSrcPort    *uint16  `json:"data_src_port"`
	DataDstIP      *string  `json:"data_dst_ip"`
	DataDstPort    *uint16  `json:"data_dst_port"`
	Bytes          *int64   `json:"bytes"`
	MissingBytes   int64    `json:"missing_bytes"`
	Rest           int64    `json:"rest"`
	Type           *string  `json:"type"`
	Status         *int     `json:"status"`
	Complete       bool     `json:"complete"`
	Start          jsonTime `json:"start"`
	End            jsonTime `json:"end"`
	SHA256         string   `json:"sha256,omitempty"`
	// Extensions.
	Size  *int64   `json:"size"`
	MIME  string   `json:"mime,omitempty"`
	File  string   `json:"file,omitempty"`
	Notes []string `json:"notes"`
}

type jsonSummary struct {
	Type      string           `json:"type"`
	Sessions  int              `json:"sessions"`
	Transfers int              `json:"transfers"`
	Logins    int              `json:"logins"`
	Limits    map[string]int64 `json:"limits"`
	Packets   int64            `json:"packets"`
	Bytes     int64            `json:"bytes"`
	First     jsonTime         `json:"first"`
	Last      jsonTime         `json:"last"`
	Damaged   bool             `json:"damaged"`
	Warnings  []string         `json:"warnings"`
}

func (j *JSONWriter) session(s *decoder.Session) jsonSession {
	out := jsonSession{
		Type:          "session",
		ID:            jsonText(s.ID),
		Start:         jsonTime(s.Start),
		End:           jsonTime(s.End),
		Handshake:     s.Handshake,
		EndReason:     optText(string(s.EndReason)),
		Banner:        optPtr(s.Banner),
		User:          optPtr(s.User),
		Password:      optPtr(j.opts.password(s.Password)),
		Anonymous:     s.Anonymous,
		Login:         orDefault(string(s.Login), string(decoder.OutcomeNone)),
		LoginAttempts: make([]jsonAttempt, 0, len(s.LoginAttempts)),
		TLS:           s.TLS,
		Mode:          orDefault(string(s.Mode), string(decoder.ModeNone)),
		Commands:      s.Commands,
		Transfers:     make([]jsonTransfer, 0, len(s.Transfers)),
		Notes:         texts(s.Notes),
		System:        optPtr(s.System),
		GapBytes:      s.GapBytes,
		LoginCount:    max(s.LoginCount, len(s.LoginAttempts)),
		TLSRecords:    s.TLSRecords,
	}
	out.ClientIP, out.ClientPort = addrPort(s.Client)
	out.ServerIP, out.ServerPort = addrPort(s.Server)
	if s.HandshakeRTT != nil {
		ms := float64(*s.HandshakeRTT) / float64(time.Millisecond)
		out.HandshakeRTTMs = &ms
	}
	if len(s.Features) > 0 {
		out.Features = texts(s.Features)
	}
	for i := range s.LoginAttempts {
		a := &s.LoginAttempts[i]
		out.LoginAttempts = append(out.LoginAttempts, jsonAttempt{
			User:      jsonText(a.User),
			Password:  optPtr(j.opts.password(a.Password)),
			Outcome:   orDefault(string(a.Outcome), string(decoder.OutcomeUnknown)),
			ReplyCode: a.ReplyCode,
			Time:      jsonTime(a.Time),
			Account:   optPtr(a.Account),
		})
	}
	for _, t := range s.Transfers {
		if t != nil {
			out.Transfers = append(out.Transfers, transferRecord(t))
		}
	}
	return out
}

func transferRecord(t *decoder.Transfer) jsonTransfer {
	out := jsonTransfer{
		Command:      jsonText(t.Command),
		Arg:          optPtr(t.Arg),
		Path:         optPtr(t.Path),
		Direction:    optText(string(t.Direction)),
		Mode:         optText(string(t.Mode)),
		Negotiation:  optText(t.Negotiation),
		Bytes:        t.Bytes,
		MissingBytes: t.MissingBytes,
		Rest:         t.Rest,
		Type:         optPtr(t.Type),
		Status:       t.Status,
		Complete:     t.Complete,
		Start:        jsonTime(t.Start),
		End:          jsonTime(t.End),
		SHA256:       t.SHA256,
		Size:         t.Size,
		MIME:         jsonText(t.MIME),
		File:         jsonText(t.File),
		Notes:        texts(t.Notes),
	}
	out.AdvertisedIP, out.AdvertisedPort = addrPort(t.Advertised)
	out.DataSrcIP, out.DataSrcPort = addrPort(t.DataSrc)
	out.DataDstIP, out.DataDstPort = addrPort(t.DataDst)
	return out
}

// addrPort splits an endpoint into its JSON IP and port, both null when
// the endpoint was not seen. Addresses are shown as captured (an
// IPv4-mapped IPv6 address stays IPv6).
func addrPort(ap netip.AddrPort) (*string, *uint16) {
	if !ap.IsValid() {
		return nil, nil
	}
	ip := ap.Addr().String()
	port := ap.Port()
	return &ip, &port
}

// optPtr returns a JSON-safe copy of an optional wire string.
func optPtr(p *string) *string {
	if p == nil {
		return nil
	}
	s := jsonText(*p)
	return &s
}

// optText is nil for the empty string (not seen), else a JSON-safe copy.
func optText(s string) *string {
	if s == "" {
		return nil
	}
	s = jsonText(s)
	return &s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return jsonText(s)
}

// texts returns JSON-safe copies of a list, never nil, so it encodes as
// [] rather than null.
func texts(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = jsonText(s)
	}
	return out
}
