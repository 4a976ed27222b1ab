package report

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

func TestGolden(t *testing.T) {
	plus2 := time.FixedZone("", 2*3600)
	tests := []struct {
		name string
		run  func(w *bytes.Buffer) error
	}{
		{"table", func(w *bytes.Buffer) error {
			return Table(w, fixtureSessions(), fixtureSummary(), Options{})
		}},
		{"table_narrow", func(w *bytes.Buffer) error {
			return Table(w, fixtureSessions(), fixtureSummary(), Options{Width: 80, MaxLoginRows: 2})
		}},
		{"table_passwords", func(w *bytes.Buffer) error {
			return Table(w, fixtureSessions()[:2], decoder.Summary{Sessions: 7}, Options{ShowPasswords: true, MaxLoginRows: -1, TimeZone: plus2})
		}},
		{"table_empty", func(w *bytes.Buffer) error {
			return Table(w, nil, decoder.Summary{}, Options{})
		}},
		{"transcript", func(w *bytes.Buffer) error {
			return Transcript(w, fixtureSessions(), Options{})
		}},
		{"transcript_passwords", func(w *bytes.Buffer) error {
			return Transcript(w, fixtureSessions()[1:2], Options{ShowPasswords: true, TimeZone: plus2})
		}},
		{"json", func(w *bytes.Buffer) error {
			j := NewJSONWriter(w, Options{})
			for _, s := range fixtureSessions() {
				if err := j.Session(s); err != nil {
					return err
				}
			}
			return j.Summary(fixtureSummary(), Input{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.run(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
			if !strings.HasPrefix(tt.name, "json") {
				assertTerminalSafe(t, buf.String())
			}
		})
	}
}

// assertTerminalSafe fails when out holds a control character other than
// newline or a rune Escape should have caught.
func assertTerminalSafe(t *testing.T, out string) {
	t.Helper()
	for i, r := range out {
		if r != '\n' && needsEscape(r) || r == '\uFFFD' {
			t.Fatalf("unsafe rune %U at byte %d: %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

// TestPasswordsHidden: no password of the fixtures appears anywhere in the
// default outputs.
func TestPasswordsHidden(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(&buf, fixtureSessions(), fixtureSummary(), Options{MaxLoginRows: -1}); err != nil {
		t.Fatal(err)
	}
	if err := Transcript(&buf, fixtureSessions(), Options{}); err != nil {
		t.Fatal(err)
	}
	j := NewJSONWriter(&buf, Options{})
	for _, s := range fixtureSessions() {
		if err := j.Session(s); err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	for _, pw := range []string{"guest@example.org", "hunter2", "Winter2024!", "S3cure!pass", "letmein", "pwa"} {
		if strings.Contains(out, pw) {
			t.Errorf("password %q leaked", pw)
		}
	}
	if !strings.Contains(out, Hidden) {
		t.Error("no masked password shown")
	}
}

// TestTableWidth: with IPv4 addresses every table line fits 120 columns,
// long paths included.
func TestTableWidth(t *testing.T) {
	for _, width := range []int{116, 120} {
		var buf bytes.Buffer
		sessions := fixtureSessions()[:2]
		long := strings.Repeat("/very-long-directory-name", 10) + "/file.bin"
		sessions[0].Transfers[1].Path = &long
		sessions[1].Transfers[0].Notes = strings.Fields(strings.Repeat("some_long_note_name ", 12))
		if err := Table(&buf, sessions, decoder.Summary{}, Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(buf.String(), "\n") {
			if w := textWidth(line); w > width {
				t.Errorf("width %d: line is %d wide: %q", width, w, line)
			}
		}
	}
}

func TestTableLoginElision(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(&buf, []*decoder.Session{bruteSession()}, decoder.Summary{}, Options{MaxLoginRows: 3}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// First three failures, then the success beyond the cap, then a count.
	if !strings.Contains(out, "success 230") {
		t.Errorf("successful attempt beyond the cap not listed:\n%s", out)
	}
	if !strings.Contains(out, "s4: 12 more attempts not listed (11 failure, 1 unknown)") {
		t.Errorf("elision line missing:\n%s", out)
	}
}

func TestTranscriptRobust(t *testing.T) {
	// Entries pointing at missing transfers, unknown kinds, zero times and
	// empty replies must not panic and must be reported.
	s := &decoder.Session{ID: "x", Transcript: []decoder.Entry{
		{Kind: decoder.EntryDataOpen, Transfer: -1},
		{Kind: decoder.EntryDataClose, Transfer: 3, Bytes: 10},
		{Kind: decoder.EntryReply, Code: 200},
		{Kind: 99},
	}}
	var buf bytes.Buffer
	if err := Transcript(&buf, []*decoder.Session{nil, s}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"transfer #-1 not kept", "closed: 10 B", "S<  200 ", "entry kind 99"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("missing %q in\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := Table(&buf, []*decoder.Session{nil, s, {ID: "y", Transfers: []*decoder.Transfer{nil}}}, decoder.Summary{}, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestHumanUnits(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{1048575, "1.0 MiB"}, {1258291, "1.2 MiB"}, {5 << 30, "5.0 GiB"}, {1 << 62, "4.0 EiB"},
	}
	for _, tt := range tests {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	durations := []struct {
		d    time.Duration
		want string
	}{
		{-1, "-"}, {0, "0 ms"}, {850 * time.Millisecond, "850 ms"}, {12300 * time.Millisecond, "12.3 s"},
		{5*time.Minute + 3*time.Second, "5m03s"}, {2*time.Hour + 3*time.Minute, "2h03m"},
	}
	for _, tt := range durations {
		if got := humanDuration(tt.d); got != tt.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := humanRate(1<<20, 500*time.Millisecond); got != "2.0 MiB/s" {
		t.Errorf("humanRate = %q", got)
	}
	if got := latency(ms(12.34)); got != "12.3 ms" {
		t.Errorf("latency = %q", got)
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		fn   func(string, int) string
		s    string
		w    int
		want string
	}{
		{cutEnd, "administrator", 8, "adminis…"},
		{cutEnd, "short", 8, "short"},
		{cutMiddle, "/srv/ftp/very/long/dir/file.tar.gz", 20, "/srv/ftp…file.tar.gz"},
		{cutMiddle, "日本語のファイル名.txt", 12, "日本…名.txt"},
	}
	for _, tt := range tests {
		got := tt.fn(tt.s, tt.w)
		if got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
		if textWidth(got) > tt.w {
			t.Errorf("cut(%q, %d) = %q is %d wide", tt.s, tt.w, got, textWidth(got))
		}
	}
}

func manySessions(n int) []*decoder.Session {
	out := make([]*decoder.Session, 0, n)
	for i := 0; i < n; i++ {
		s := anonymousSession()
		s.ID = "s" + strconv.Itoa(i)
		out = append(out, s)
	}
	return out
}

func BenchmarkTable1000(b *testing.B) {
	sessions := manySessions(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Table(io.Discard, sessions, decoder.Summary{}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTranscript1000(b *testing.B) {
	sessions := manySessions(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Transcript(io.Discard, sessions, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTransferStatus(t *testing.T) {
	tests := []struct {
		tr   decoder.Transfer
		want string
	}{
		{decoder.Transfer{}, "- no reply"},
		{decoder.Transfer{Status: ptr(226), Complete: true}, "226 complete"},
		{decoder.Transfer{Status: ptr(226), MissingBytes: 3}, "226 incomplete"},
		{decoder.Transfer{Status: ptr(150)}, "150 incomplete"},
		{decoder.Transfer{Status: ptr(426)}, "426 aborted"},
		{decoder.Transfer{Status: ptr(451)}, "451 aborted"},
		{decoder.Transfer{Status: ptr(550), Bytes: ptr(int64(10))}, "550 aborted"},
		{decoder.Transfer{Status: ptr(550)}, "550 failed"},
		{decoder.Transfer{Status: ptr(425), Bytes: ptr(int64(0))}, "425 failed"},
	}
	for _, tt := range tests {
		if got := transferStatus(&tt.tr); got != tt.want {
			t.Errorf("transferStatus(%+v) = %q, want %q", tt.tr, got, tt.want)
		}
	}
	conns := []struct {
		tr   decoder.Transfer
		want string
	}{
		{decoder.Transfer{}, "no data connection"},
		{decoder.Transfer{Notes: []string{"data_not_captured"}}, "not captured"},
		{decoder.Transfer{DataSrc: ap("[2001:db8::1]:20"), DataDst: ap("[2001:db8::2]:50000")}, "[2001:db8::1]:20 -> [2001:db8::2]:50000"},
		{decoder.Transfer{DataDst: ap("192.0.2.1:50000")}, "- -> 192.0.2.1:50000"},
	}
	for _, tt := range conns {
		if got := dataConn(&tt.tr); got != tt.want {
			t.Errorf("dataConn(%+v) = %q, want %q", tt.tr, got, tt.want)
		}
	}
	modes := []struct {
		tr   decoder.Transfer
		want string
	}{
		{decoder.Transfer{}, "-"},
		{decoder.Transfer{Mode: decoder.ModePassive, Negotiation: "EPSV"}, "passive/EPSV"},
		{decoder.Transfer{Mode: decoder.ModeActive}, "active"},
		{decoder.Transfer{Negotiation: "LPRT"}, "?/LPRT"},
	}
	for _, tt := range modes {
		if got := modeNegotiation(&tt.tr); got != tt.want {
			t.Errorf("modeNegotiation(%+v) = %q, want %q", tt.tr, got, tt.want)
		}
	}
}

func TestTranscriptNoTrailingBlanks(t *testing.T) {
	var buf bytes.Buffer
	s := &decoder.Session{ID: "m", Start: base, Transcript: []decoder.Entry{
		{Kind: decoder.EntryReply, TS: base, Code: 220, Lines: []string{"Welcome", "", "  indented", "ready"}, Transfer: -1},
	}}
	if err := Transcript(&buf, []*decoder.Session{s}, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing blank in %q", line)
		}
	}
	if !strings.Contains(buf.String(), "S<  220-Welcome\n\n") || !strings.Contains(buf.String(), "      indented\n") {
		t.Errorf("multi-line reply layout:\n%s", buf.String())
	}
}
