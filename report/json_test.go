package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// kind is the JSON type a contract key may take; a key may allow several.
type kind string

const (
	kString kind = "string"
	kNumber kind = "number"
	kBool   kind = "bool"
	kArray  kind = "array"
	kObject kind = "object"
	kNull   kind = "null"
	kTime   kind = "time" // string in RFC 3339 UTC with nine digits
)

type keySpec struct {
	key   string
	kinds []kind
}

func spec(key string, kinds ...kind) keySpec { return keySpec{key, kinds} }

// sessionKeys and transferKeys are the contract of docs/json.md, in
// the order the writer emits them; nullable keys are those the contract
// allows to be unseen.
var (
	sessionKeys = []keySpec{
		spec("type", kString), spec("id", kString),
		spec("client_ip", kString, kNull), spec("client_port", kNumber, kNull),
		spec("server_ip", kString, kNull), spec("server_port", kNumber, kNull),
		spec("start", kTime, kNull), spec("end", kTime, kNull),
		spec("handshake", kBool), spec("handshake_rtt_ms", kNumber, kNull),
		spec("end_reason", kString, kNull), spec("banner", kString, kNull),
		spec("user", kString, kNull), spec("password", kString, kNull),
		spec("anonymous", kBool), spec("login", kString),
		spec("login_attempts", kArray), spec("tls", kBool), spec("mode", kString),
		spec("commands", kNumber), spec("transfers", kArray), spec("notes", kArray),
		spec("features", kArray, kNull), spec("system", kString, kNull), spec("gap_bytes", kNumber),
		spec("login_count", kNumber), spec("tls_records", kNumber),
	}
	attemptKeys = []keySpec{
		spec("user", kString), spec("password", kString, kNull), spec("outcome", kString),
		spec("reply_code", kNumber, kNull), spec("time", kTime, kNull), spec("account", kString, kNull),
	}
	transferKeys = []keySpec{
		spec("command", kString), spec("arg", kString, kNull), spec("path", kString, kNull),
		spec("direction", kString), spec("mode", kString, kNull), spec("negotiation", kString, kNull),
		spec("advertised_ip", kString, kNull), spec("advertised_port", kNumber, kNull),
		spec("data_src_ip", kString, kNull), spec("data_src_port", kNumber, kNull),
		spec("data_dst_ip", kString, kNull), spec("data_dst_port", kNumber, kNull),
		spec("bytes", kNumber, kNull), spec("missing_bytes", kNumber), spec("rest", kNumber),
		spec("type", kString, kNull), spec("status", kNumber, kNull), spec("complete", kBool),
		spec("start", kTime, kNull), spec("end", kTime, kNull),
		spec("sha256", kString), // only when extraction set it
		spec("size", kNumber, kNull), spec("mime", kString), spec("file", kString),
		spec("notes", kArray),
	}
	optionalTransferKeys = []string{"sha256", "mime", "file"}
	summaryKeys          = []keySpec{
		spec("type", kString), spec("sessions", kNumber), spec("transfers", kNumber),
		spec("logins", kNumber), spec("limits", kObject),
		spec("packets", kNumber), spec("bytes", kNumber),
		spec("first", kTime, kNull), spec("last", kTime, kNull),
		spec("damaged", kBool), spec("warnings", kArray),
	}
	timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)
)

func kindOf(v any) kind {
	switch v := v.(type) {
	case nil:
		return kNull
	case string:
		if timeRE.MatchString(v) {
			return kTime
		}
		return kString
	case float64:
		return kNumber
	case bool:
		return kBool
	case []any:
		return kArray
	case map[string]any:
		return kObject
	}
	return "?"
}

// checkObject verifies keys, their JSON types and their order in raw.
func checkObject(t *testing.T, what string, raw json.RawMessage, keys []keySpec, optional []string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var want []string
	for _, ks := range keys {
		v, ok := obj[ks.key]
		if !ok {
			if !slices.Contains(optional, ks.key) {
				t.Errorf("%s: key %q missing", what, ks.key)
			}
			continue
		}
		want = append(want, ks.key)
		k := kindOf(v)
		if k == kTime && !slices.Contains(ks.kinds, kTime) {
			k = kString
		}
		if !slices.Contains(ks.kinds, k) {
			t.Errorf("%s: key %q is %s (%v), want one of %v", what, ks.key, k, v, ks.kinds)
		}
	}
	if got := keyOrder(t, raw); !slices.Equal(got, want) {
		t.Errorf("%s: key order\n got %v\nwant %v", what, got, want)
	}
	return obj
}

// keyOrder lists the top-level keys of a JSON object in written order.
func keyOrder(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

type record struct {
	Type          string            `json:"type"`
	ID            string            `json:"id"`
	LoginAttempts []json.RawMessage `json:"login_attempts"`
	Transfers     []json.RawMessage `json:"transfers"`
	Password      *string           `json:"password"`
}

func writeJSON(t *testing.T, opts Options, sessions []*decoder.Session, sum *decoder.Summary) []byte {
	t.Helper()
	var buf bytes.Buffer
	j := NewJSONWriter(&buf, opts)
	for _, s := range sessions {
		if err := j.Session(s); err != nil {
			t.Fatal(err)
		}
	}
	if sum != nil {
		if err := j.Summary(*sum, Input{}); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestJSONContract decodes every record and checks every contract key is
// present with the right JSON type and null rules, in a stable order.
func TestJSONContract(t *testing.T) {
	sum := fixtureSummary()
	extracted := anonymousSession()
	sessions := append(fixtureSessions(), extracted, &decoder.Session{ID: "bare"})
	out := writeJSON(t, Options{}, sessions, &sum)

	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var types []string
	bySession := map[string]map[string]any{}
	transfersBySession := map[string][]map[string]any{}
	for sc.Scan() {
		line := sc.Bytes()
		var head struct{ Type string }
		if err := json.Unmarshal(line, &head); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		types = append(types, head.Type)
		switch head.Type {
		case "session":
			var rec record
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			obj := checkObject(t, "session "+rec.ID, line, sessionKeys, nil)
			bySession[rec.ID] = obj
			if rec.Password != nil && *rec.Password != Hidden {
				t.Errorf("session %s: password %q not masked", rec.ID, *rec.Password)
			}
			for i, a := range rec.LoginAttempts {
				att := checkObject(t, rec.ID+" attempt", a, attemptKeys, nil)
				if p, ok := att["password"].(string); ok && p != Hidden {
					t.Errorf("session %s attempt %d: password %q not masked", rec.ID, i, p)
				}
				if o := att["outcome"]; o != "success" && o != "failure" && o != "unknown" {
					t.Errorf("session %s attempt %d: outcome %v", rec.ID, i, o)
				}
			}
			for _, tr := range rec.Transfers {
				transfersBySession[rec.ID] = append(transfersBySession[rec.ID],
					checkObject(t, rec.ID+" transfer", tr, transferKeys, optionalTransferKeys))
			}
			if login := obj["login"]; login != "success" && login != "failure" && login != "none" {
				t.Errorf("session %s: login %v", rec.ID, login)
			}
			if mode := obj["mode"]; !slices.Contains([]any{"active", "passive", "mixed", "none"}, mode) {
				t.Errorf("session %s: mode %v", rec.ID, mode)
			}
		case "summary":
			obj := checkObject(t, "summary", line, summaryKeys, nil)
			if lim := obj["limits"].(map[string]any); lim["max_transcript"] != 2.0 {
				t.Errorf("summary limits = %v", lim)
			}
		default:
			t.Errorf("unexpected record type %q", head.Type)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"session", "session", "session", "session", "session", "session", "summary"}; !slices.Equal(types, want) {
		t.Fatalf("record types %v, want %v", types, want)
	}

	// A session without transfers has [] (not null) and null for what was
	// not seen.
	s3 := bySession["s3"]
	if tr, ok := s3["transfers"].([]any); !ok || len(tr) != 0 {
		t.Errorf("s3 transfers = %#v, want []", s3["transfers"])
	}
	for _, k := range []string{"user", "password", "handshake_rtt_ms", "features", "system"} {
		if s3[k] != nil {
			t.Errorf("s3 %s = %v, want null", k, s3[k])
		}
	}
	if s3["end_reason"] != "rst" {
		t.Errorf("s3 end_reason = %v", s3["end_reason"])
	}
	if s3["client_ip"] != "2001:db8::10" || s3["client_port"] != 50300.0 {
		t.Errorf("s3 client = %v %v", s3["client_ip"], s3["client_port"])
	}
	bare := bySession["bare"]
	for _, k := range []string{"client_ip", "client_port", "start", "end", "banner", "end_reason"} {
		if bare[k] != nil {
			t.Errorf("bare %s = %v, want null", k, bare[k])
		}
	}
	if bare["login"] != "none" || bare["mode"] != "none" {
		t.Errorf("bare login/mode = %v/%v", bare["login"], bare["mode"])
	}
	for _, k := range []string{"login_attempts", "transfers", "notes"} {
		if a, ok := bare[k].([]any); !ok || len(a) != 0 {
			t.Errorf("bare %s = %#v, want []", k, bare[k])
		}
	}

	// data_not_captured: bytes and data endpoints null, advertised kept.
	nc := transfersBySession["s4"][0]
	for _, k := range []string{"bytes", "data_src_ip", "data_src_port", "data_dst_ip", "data_dst_port", "type"} {
		if nc[k] != nil {
			t.Errorf("s4 transfer %s = %v, want null", k, nc[k])
		}
	}
	if nc["advertised_ip"] != "10.0.0.5" || nc["status"] != 426.0 || nc["complete"] != false {
		t.Errorf("s4 transfer = %v", nc)
	}
	if _, ok := nc["sha256"]; ok {
		t.Error("sha256 present without extraction")
	}
	// Extraction keys appear when set.
	retr := transfersBySession["s1"][1]
	if retr["sha256"] == nil || retr["mime"] != "application/x-gzip" || retr["file"] == nil {
		t.Errorf("s1 RETR extraction keys = %v %v %v", retr["sha256"], retr["mime"], retr["file"])
	}
	if rtt := bySession["s1"]["handshake_rtt_ms"]; rtt != 1.25 {
		t.Errorf("handshake_rtt_ms = %v, want 1.25", rtt)
	}
	if start := bySession["s1"]["start"]; start != "2024-03-01T09:30:00.000000000Z" {
		t.Errorf("start = %v", start)
	}
}

func TestJSONShowPasswords(t *testing.T) {
	out := writeJSON(t, Options{ShowPasswords: true}, []*decoder.Session{hostileSession()}, nil)
	var rec struct {
		Password      string `json:"password"`
		LoginAttempts []struct {
			Password string `json:"password"`
		} `json:"login_attempts"`
	}
	if err := json.Unmarshal(out, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Password != "S3cure!pass" || rec.LoginAttempts[1].Password != "Winter2024!" {
		t.Errorf("passwords not shown: %+v", rec)
	}
}

// TestJSONStrings: control characters survive exactly, invalid UTF-8
// bytes become \xNN text rather than U+FFFD, invisible runes are escaped
// in the raw output but decode to themselves, and HTML is not escaped.
func TestJSONStrings(t *testing.T) {
	s := &decoder.Session{
		ID:     "j",
		User:   ptr("a\x1b[31m\r\n\x00\x7f<b>&\u0085\u202e\U000E0041é"),
		Banner: ptr("Bericht_M\xe4rz.pdf"),
	}
	out := writeJSON(t, Options{}, []*decoder.Session{s}, nil)
	if !bytes.HasSuffix(out, []byte("}\n")) || bytes.Count(out, []byte("\n")) != 1 {
		t.Fatalf("not one NDJSON line: %q", out)
	}
	for _, raw := range []string{`\u001b`, `\u0000`, `\u007f`, `\u0085`, `\u202e`, `\udb40\udc41`, `<b>&`, `é`, `M\\xe4rz`} {
		if !strings.Contains(string(out), raw) {
			t.Errorf("raw output lacks %s: %s", raw, out)
		}
	}
	var rec struct{ User, Banner string }
	if err := json.Unmarshal(out, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.User != *s.User {
		t.Errorf("user = %q, want %q", rec.User, *s.User)
	}
	if rec.Banner != `Bericht_M\xe4rz.pdf` {
		t.Errorf("banner = %q", rec.Banner)
	}
}

// TestJSONOneWritePerRecord: each record reaches the writer in one Write.
func TestJSONOneWritePerRecord(t *testing.T) {
	var cw countingWriter
	j := NewJSONWriter(&cw, Options{})
	for _, s := range fixtureSessions() {
		if err := j.Session(s); err != nil {
			t.Fatal(err)
		}
	}
	if cw.writes != 4 {
		t.Errorf("%d writes for 4 records", cw.writes)
	}
}

type countingWriter struct{ writes int }

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

func BenchmarkJSONSession(b *testing.B) {
	s := anonymousSession()
	j := NewJSONWriter(io.Discard, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if err := j.Session(s); err != nil {
			b.Fatal(err)
		}
	}
}
