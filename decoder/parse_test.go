package decoder

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// lineOut is one line a LineReader emitted.
type lineOut struct {
	Line      string
	Truncated bool
}

// readLines feeds chunks to a fresh LineReader and collects its lines
// and what it holds at the end.
func readLines(max int, chunks ...[]byte) ([]lineOut, int) {
	r := NewLineReader(max)
	var out []lineOut
	emit := func(line []byte, truncated bool) {
		out = append(out, lineOut{string(line), truncated})
	}
	for _, c := range chunks {
		r.Feed(c, emit)
	}
	return out, r.Pending()
}

// byteChunks cuts p into one-byte chunks.
func byteChunks(p []byte) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i : i+1]
	}
	return out
}

// checkSplitInvariant fails unless feeding p at once, cut at every
// offset and byte by byte all give want.
func checkSplitInvariant(t *testing.T, max int, p []byte, want []lineOut, wantPending int) {
	t.Helper()
	got, pending := readLines(max, p)
	if !reflect.DeepEqual(got, want) || pending != wantPending {
		t.Fatalf("at once: got %v pending %d, want %v pending %d", got, pending, want, wantPending)
	}
	for i := 0; i <= len(p); i++ {
		got, pending := readLines(max, p[:i], p[i:])
		if !reflect.DeepEqual(got, want) || pending != wantPending {
			t.Fatalf("split at %d: got %v pending %d, want %v pending %d", i, got, pending, want, wantPending)
		}
	}
	got, pending = readLines(max, byteChunks(p)...)
	if !reflect.DeepEqual(got, want) || pending != wantPending {
		t.Fatalf("byte by byte: got %v pending %d, want %v pending %d", got, pending, want, wantPending)
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		in      string
		want    []lineOut
		pending int
	}{
		{"crlf", 0, "USER anonymous\r\nPASS x\r\n", []lineOut{{"USER anonymous", false}, {"PASS x", false}}, 0},
		{"bare lf", 0, "220 a\n230 b\n", []lineOut{{"220 a", false}, {"230 b", false}}, 0},
		{"empty lines", 0, "\r\n\n", []lineOut{{"", false}, {"", false}}, 0},
		{"cr inside is data", 0, "a\rb\r\n", []lineOut{{"a\rb", false}}, 0},
		{"cr cr lf", 0, "a\r\r\n", []lineOut{{"a\r", false}}, 0},
		{"unterminated", 0, "abc", nil, 3},
		{"unterminated with cr", 0, "abc\r", nil, 4},
		{"nul kept", 0, "a\x00b\r\n", []lineOut{{"a\x00b", false}}, 0},
		{"non utf8 kept", 0, "CWD caf\xe9\r\n", []lineOut{{"CWD caf\xe9", false}}, 0},
		{"exactly max", 4, "abcd\r\nef\n", []lineOut{{"abcd", false}, {"ef", false}}, 0},
		{"max then cr lf", 4, "abcd\r\n", []lineOut{{"abcd", false}}, 0},
		{"max then bare cr", 4, "abcd\rX\n", []lineOut{{"abcd", true}}, 0},
		{"too long", 4, "abcdef\r\nxy\r\n", []lineOut{{"abcd", true}, {"xy", false}}, 0},
		{"too long unterminated", 4, "abcdefgh", []lineOut{{"abcd", true}}, 0},
		{"too long twice", 2, "abc\nabc\n", []lineOut{{"ab", true}, {"ab", true}}, 0},
		{"iac iac is 0xff", 0, "a\xff\xffb\r\n", []lineOut{{"a\xffb", false}}, 0},
		{"iac ip dm before abor", 0, "\xff\xf4\xff\xf2ABOR\r\n", []lineOut{{"ABOR", false}}, 0},
		{"iac will option removed", 0, "\xff\xfb\x01USER x\r\n", []lineOut{{"USER x", false}}, 0},
		{"iac dont option removed", 0, "NO\xff\xfe\x03OP\r\n", []lineOut{{"NOOP", false}}, 0},
		{"iac do swallows an lf option byte", 0, "ab\xff\xfd\ncd\r\n", []lineOut{{"abcd", false}}, 0},
		{"iac ayt nop removed", 0, "a\xff\xf6b\xff\xf1c\n", []lineOut{{"abc", false}}, 0},
		{"iac between cr and lf", 0, "ab\r\xff\xf1\n", []lineOut{{"ab", false}}, 0},
		{"iac before a non-command is data", 0, "a\xffb\r\n", []lineOut{{"a\xffb", false}}, 0},
		{"iac before lf keeps the line end", 0, "a\xff\nb\n", []lineOut{{"a\xff", false}, {"b", false}}, 0},
		{"iac at the end is held", 0, "ab\xff", nil, 2},
		{"iac iac counts toward max", 3, "ab\xff\xffcd\n", []lineOut{{"ab\xff", true}}, 0},
		{"iac in a discarded tail", 3, "abcd\xff\xfd\nX\nok\n", []lineOut{{"abc", true}, {"ok", false}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSplitInvariant(t, tt.max, []byte(tt.in), tt.want, tt.pending)
		})
	}
}

// readLinesStopping feeds p with FeedUntil, stopping after every line
// and resuming with the unconsumed rest; it also checks that each stop
// consumed exactly up to the line that caused it.
func readLinesStopping(t testing.TB, max int, p []byte) ([]lineOut, int) {
	r := NewLineReader(max)
	var out []lineOut
	for len(p) > 0 {
		stopped := false
		n := r.FeedUntil(p, func(line []byte, truncated bool) bool {
			out = append(out, lineOut{string(line), truncated})
			stopped = true
			return false
		})
		// Every call makes progress: a stop comes from a byte of p.
		if n <= 0 || n > len(p) || (n < len(p) && !stopped) {
			t.Fatalf("FeedUntil consumed %d of %d (stopped %v)", n, len(p), stopped)
		}
		p = p[n:]
	}
	return out, r.Pending()
}

func TestLineReaderFeedUntil(t *testing.T) {
	r := NewLineReader(0)
	data := []byte("AUTH TLS\r\n\x16\x03\x01\x00\x05hello\n")
	var got []string
	n := r.FeedUntil(data, func(line []byte, _ bool) bool {
		got = append(got, string(line))
		return string(line) != "AUTH TLS"
	})
	if n != len("AUTH TLS\r\n") || !slices.Equal(got, []string{"AUTH TLS"}) || r.Pending() != 0 {
		t.Fatalf("consumed %d, lines %q, pending %d", n, got, r.Pending())
	}
	// A held CR that overflows the line stops before the next byte.
	r = NewLineReader(2)
	n = r.FeedUntil([]byte("ab\rX\nok\n"), func([]byte, bool) bool { return false })
	if n != 3 {
		t.Fatalf("CR overflow: consumed %d, want 3", n)
	}
	var rest []lineOut
	r.Feed([]byte("X\nok\n"), func(line []byte, tr bool) { rest = append(rest, lineOut{string(line), tr}) })
	if !reflect.DeepEqual(rest, []lineOut{{"ok", false}}) {
		t.Fatalf("after resuming: %v", rest)
	}
	// Stopping at every line and resuming gives what Feed gives.
	for _, tt := range []struct {
		max  int
		data string
	}{
		{0, clientTranscript},
		{0, serverTranscript},
		{3, "abcd\r\nab\r\r\nab\xff\n\xffx\nabc\xff\xff\n"},
		{2, "ab\r\nab\xffx\nab\xff\n"},
	} {
		want, wantPending := readLines(tt.max, []byte(tt.data))
		got, pending := readLinesStopping(t, tt.max, []byte(tt.data))
		if !reflect.DeepEqual(got, want) || pending != wantPending {
			t.Fatalf("%q: got %v (%d), want %v (%d)", tt.data, got, pending, want, wantPending)
		}
	}
}

func TestLineReaderZeroValue(t *testing.T) {
	var r LineReader
	var got []string
	r.Feed([]byte("NOOP\r\n"+strings.Repeat("x", 9000)+"\n"), func(line []byte, truncated bool) {
		got = append(got, fmt.Sprint(len(line), truncated))
	})
	if want := []string{"4 false", "8192 true"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestLineReaderResetResync(t *testing.T) {
	r := NewLineReader(0)
	var got []string
	emit := func(line []byte, _ bool) { got = append(got, string(line)) }
	r.Feed([]byte("USER par"), emit)
	r.Reset()
	if r.Pending() != 0 {
		t.Fatalf("Pending after Reset = %d", r.Pending())
	}
	r.Feed([]byte("PASS x\r\nSTOR par"), emit)
	r.Resync()
	r.Feed([]byte("tial\r\nQUIT\r\n"), emit)
	if want := []string{"PASS x", "QUIT"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Reset also forgets a half-read IAC sequence.
	got = nil
	r.Feed([]byte("\xff"), emit)
	r.Reset()
	r.Feed([]byte("\xffA\n"), emit)
	if want := []string{"\xffA"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestLineReaderBounded feeds a megabyte without a line end: one
// truncated line comes out and the reader never holds more than max.
func TestLineReaderBounded(t *testing.T) {
	const max = 64
	r := NewLineReader(max)
	chunk := bytes.Repeat([]byte("A"), 4096)
	emitted := 0
	for i := 0; i < 256; i++ {
		r.Feed(chunk, func(line []byte, truncated bool) {
			emitted++
			if len(line) != max || !truncated {
				t.Fatalf("line of %d bytes, truncated %v", len(line), truncated)
			}
		})
		if r.Pending() > max+1 || cap(r.buf) > 2*max {
			t.Fatalf("holding %d bytes (cap %d)", r.Pending(), cap(r.buf))
		}
	}
	if emitted != 1 {
		t.Fatalf("emitted %d lines, want 1", emitted)
	}
}

func TestLineReaderAllocs(t *testing.T) {
	data := []byte(clientTranscript + serverTranscript)
	r := NewLineReader(0)
	n := 0
	emit := func(line []byte, _ bool) { n++ }
	r.Feed(data, emit) // grow the buffer once
	allocs := testing.AllocsPerRun(50, func() {
		for i := 0; i < len(data); i += 7 { // lines cut across calls
			r.Feed(data[i:min(i+7, len(data))], emit)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per transcript", allocs)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line    string
		want    Command
		wantErr bool
	}{
		{"USER anonymous", Command{Verb: "USER", Arg: "anonymous", HasArg: true, Known: true}, false},
		{"user anonymous", Command{Verb: "USER", Arg: "anonymous", HasArg: true, Known: true}, false},
		{"PoRt 1,1,1,2,232,157", Command{Verb: "PORT", Arg: "1,1,1,2,232,157", HasArg: true, Known: true}, false},
		{"NOOP", Command{Verb: "NOOP", Known: true}, false},
		{"NOOP ", Command{Verb: "NOOP", HasArg: true, Known: true}, false},
		{"STOR  a b", Command{Verb: "STOR", Arg: " a b", HasArg: true, Known: true}, false},
		{"STOR a  b ", Command{Verb: "STOR", Arg: "a  b ", HasArg: true, Known: true}, false},
		{"CWD caf\xe9", Command{Verb: "CWD", Arg: "caf\xe9", HasArg: true, Known: true}, false},
		{"xsha256 f", Command{Verb: "XSHA256", Arg: "f", HasArg: true, Known: true}, false},
		{"EPSV ALL", Command{Verb: "EPSV", Arg: "ALL", HasArg: true, Known: true}, false},
		{"MODE Z", Command{Verb: "MODE", Arg: "Z", HasArg: true, Known: true}, false},
		{"host ftp.example.com", Command{Verb: "HOST", Arg: "ftp.example.com", HasArg: true, Known: true}, false},
		{"XyZzY plugh", Command{Verb: "XyZzY", Arg: "plugh", HasArg: true}, false},
		{"SITE2", Command{Verb: "SITE2"}, false},
		{"", Command{}, true},
		{" USER x", Command{Verb: "", Arg: "USER x", HasArg: true}, true},
		{"TYPE" + strings.Repeat("E", 128), Command{Verb: "TYPE" + strings.Repeat("E", 128)}, true},
		{"SSH-2.0-OpenSSH_9.6", Command{Verb: "SSH-2.0-OpenSSH_9.6"}, true},
		{"US\x00ER x", Command{Verb: "US\x00ER", Arg: "x", HasArg: true}, true},
		{"USER\tx", Command{Verb: "USER\tx"}, true},
		{"1USER", Command{Verb: "1USER"}, true},
		{"\x16\x03\x01\x02\x00", Command{Verb: "\x16\x03\x01\x02\x00"}, true},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if got != tt.want {
			t.Errorf("ParseCommand(%q) = %+v, want %+v", tt.line, got, tt.want)
		}
		if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrSyntax)) {
			t.Errorf("ParseCommand(%q) error %v, want error %v (ErrSyntax)", tt.line, err, tt.wantErr)
		}
	}
}

func TestParseCommandAllocs(t *testing.T) {
	for _, line := range []string{"NOOP", "pasv", "EPSV", "QUIT", "CDUP", "FEAT", "XSHA256"} {
		b := []byte(line)
		allocs := testing.AllocsPerRun(100, func() {
			if c, err := ParseCommand(b); err != nil || !c.Known {
				t.Fatalf("%q: %+v %v", line, c, err)
			}
		})
		if allocs != 0 {
			t.Errorf("ParseCommand(%q): %v allocations", line, allocs)
		}
	}
}

func TestLookupVerb(t *testing.T) {
	transfers := []string{"APPE", "LIST", "MLSD", "NLST", "RETR", "STOR", "STOU"}
	uploads := []string{"APPE", "STOR", "STOU"}
	mustKnow := strings.Fields(`USER PASS ACCT CWD CDUP SMNT REIN QUIT PORT PASV TYPE STRU MODE
		RETR STOR STOU APPE ALLO REST RNFR RNTO ABOR DELE RMD MKD PWD LIST NLST SITE SYST STAT
		HELP NOOP XCWD XCUP XPWD XMKD XRMD LPRT LPSV AUTH ADAT PROT PBSZ CCC MIC CONF ENC FEAT
		OPTS EPRT EPSV LANG MDTM SIZE MLST MLSD HOST CLNT MFMT MFCT MFF AVBL CSID DSIZ RMDA
		HASH XCRC XMD5 XSHA1 XSHA256`)
	for _, v := range mustKnow {
		if _, ok := LookupVerb(v); !ok {
			t.Errorf("LookupVerb(%q) not known", v)
		}
	}
	var gotTransfers, gotUploads []string
	for name, info := range knownVerbs {
		if info.Verb != name || strings.ToUpper(name) != name || len(name) > maxKnownVerb {
			t.Errorf("table entry %q has Verb %q", name, info.Verb)
		}
		if !strings.HasPrefix(info.RFC, "RFC ") && !strings.HasPrefix(info.RFC, "draft-") &&
			!strings.HasPrefix(info.RFC, "de facto") {
			t.Errorf("%s: RFC %q", name, info.RFC)
		}
		if info.Is(FlagTransfer) {
			gotTransfers = append(gotTransfers, name)
		}
		if info.Is(FlagUpload) {
			gotUploads = append(gotUploads, name)
		}
		for _, spelled := range []string{strings.ToLower(name), name[:1] + strings.ToLower(name[1:])} {
			if got, ok := LookupVerb(spelled); !ok || got.Verb != info.Verb {
				t.Errorf("LookupVerb(%q) = %+v, %v", spelled, got, ok)
			}
		}
	}
	slices.Sort(gotTransfers)
	slices.Sort(gotUploads)
	if !slices.Equal(gotTransfers, transfers) || !slices.Equal(gotUploads, uploads) {
		t.Errorf("transfers %v uploads %v", gotTransfers, gotUploads)
	}
	if info, _ := LookupVerb("rest"); info.RFC != "RFC 959 4.1.3, RFC 3659 5" {
		t.Errorf("REST: %q", info.RFC)
	}
	for _, v := range []string{"", "EHLO", "HELO", "STARTTLS", "XSHA2560", "US", "USER "} {
		if _, ok := LookupVerb(v); ok {
			t.Errorf("LookupVerb(%q) known", v)
		}
	}
	if a := testing.AllocsPerRun(100, func() { LookupVerb("retr") }); a != 0 {
		t.Errorf("LookupVerb allocates %v", a)
	}
}

func TestParseReplyLine(t *testing.T) {
	tests := []struct {
		line string
		want ReplyLine
		err  error
	}{
		{"220 ready", ReplyLine{Code: 220, Text: "ready"}, nil},
		{"220-Welcome", ReplyLine{Code: 220, More: true, Text: "Welcome"}, nil},
		{"226", ReplyLine{Code: 226}, nil},
		{"226 ", ReplyLine{Code: 226}, nil},
		{"230-", ReplyLine{Code: 230, More: true}, nil},
		{"257 \"/\" is current", ReplyLine{Code: 257, Text: "\"/\" is current"}, nil},
		{"632 base64data", ReplyLine{Code: 632, Text: "base64data"}, nil},
		{"230no_space", ReplyLine{Code: 230, Text: "no_space"}, ErrSyntax},
		{"2300 x", ReplyLine{Code: 230, Text: "0 x"}, ErrSyntax},
		{"99 PASV invalid", ReplyLine{Text: "99 PASV invalid"}, ErrSyntax},
		{"SYST not supported", ReplyLine{Text: "SYST not supported"}, ErrSyntax},
		{"    indented continuation", ReplyLine{Text: "    indented continuation"}, ErrSyntax},
		{"", ReplyLine{}, ErrSyntax},
		{"600 x", ReplyLine{Text: "600 x"}, ErrRange},
		{"099 x", ReplyLine{Text: "099 x"}, ErrRange},
		{"700-x", ReplyLine{Text: "700-x"}, ErrRange},
		{"SSH-2.0-mod_sftp/0.9.7", ReplyLine{Text: "SSH-2.0-mod_sftp/0.9.7"}, ErrSyntax},
	}
	for _, tt := range tests {
		got, err := ParseReplyLine([]byte(tt.line))
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseReplyLine(%q) = %+v, %v; want %+v, %v", tt.line, got, err, tt.want, tt.err)
		}
	}
}

// addResult is what ReplyAssembler.Add returned for one line.
type addResult struct {
	reply Reply
	done  bool
	err   error
}

func TestReplyAssembler(t *testing.T) {
	type step struct {
		line string
		want *Reply // nil: not done
		err  error
	}
	tests := []struct {
		name     string
		maxLines int
		steps    []step
	}{
		{"single", 0, []step{{"220 ready", &Reply{Code: 220, Lines: []string{"ready"}}, nil}}},
		{"bare code", 0, []step{{"226", &Reply{Code: 226, Lines: []string{""}}, nil}}},
		{"multi-line", 0, []step{
			{"211-Features:", nil, nil},
			{" EPSV", nil, nil},
			{" MDTM", nil, nil},
			{"211 End", &Reply{Code: 211, Lines: []string{"Features:", " EPSV", " MDTM", "End"}}, nil},
		}},
		{"end line of the bare code", 0, []step{
			{"226-Transfer", nil, nil},
			{"226", &Reply{Code: 226, Lines: []string{"Transfer", ""}}, nil},
		}},
		{"continuations that look like replies", 0, []step{
			{"230-", nil, nil},
			{"230-Second block", nil, nil},
			{"123 another code is text", nil, nil},
			{"230no_space is text here", nil, nil},
			{"220-other code with dash", nil, nil},
			{"SYST not supported", nil, nil},
			{"", nil, nil},
			{"230 Login successful.", &Reply{Code: 230, Lines: []string{"", "Second block",
				"123 another code is text", "230no_space is text here", "220-other code with dash",
				"SYST not supported", "", "Login successful."}}, nil},
		}},
		{"invalid lines outside a reply", 0, []step{
			{"SYST not supported", nil, ErrSyntax},
			{"99 PASV invalid", nil, ErrSyntax},
			{"600 nope", nil, ErrRange},
			{"    stray", nil, ErrSyntax},
			{"215 UNIX Type: L8", &Reply{Code: 215, Lines: []string{"UNIX Type: L8"}}, nil},
		}},
		{"code glued to text", 0, []step{
			{"230no_space", &Reply{Code: 230, Lines: []string{"no_space"}}, ErrSyntax},
			{"221 bye", &Reply{Code: 221, Lines: []string{"bye"}}, nil},
		}},
		{"truncated keeps the end line", 3, []step{
			{"220-a", nil, nil},
			{"b", nil, nil},
			{"c", nil, nil},
			{"d", nil, nil},
			{"220 e", &Reply{Code: 220, Lines: []string{"a", "b", "e"}, Truncated: true}, nil},
			{"200 next", &Reply{Code: 200, Lines: []string{"next"}}, nil},
		}},
		{"one line per reply", 1, []step{
			{"220-a", nil, nil},
			{"220 e", &Reply{Code: 220, Lines: []string{"e"}, Truncated: true}, nil},
			{"220 f", &Reply{Code: 220, Lines: []string{"f"}}, nil},
		}},
		{"protected reply", 0, []step{
			{"632 c2VjcmV0", &Reply{Code: 632, Lines: []string{"c2VjcmV0"}}, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewReplyAssembler(tt.maxLines)
			for i, s := range tt.steps {
				r, done, err := a.Add([]byte(s.line))
				if !errors.Is(err, s.err) || (s.err == nil) != (err == nil) {
					t.Fatalf("step %d %q: err %v, want %v", i, s.line, err, s.err)
				}
				if done != (s.want != nil) {
					t.Fatalf("step %d %q: done %v", i, s.line, done)
				}
				if done && !reflect.DeepEqual(r, *s.want) {
					t.Fatalf("step %d %q: got %+v, want %+v", i, s.line, r, *s.want)
				}
			}
			if a.Unfinished() {
				t.Fatalf("reply left open")
			}
		})
	}
}

func TestReplyAssemblerFlushAndBound(t *testing.T) {
	a := NewReplyAssembler(10)
	if _, ok := a.Flush(); ok {
		t.Fatal("Flush with nothing open")
	}
	a.Add([]byte("230-never ends"))
	for i := 0; i < 100000; i++ {
		if _, done, err := a.Add([]byte("more text")); done || err != nil {
			t.Fatalf("done %v err %v", done, err)
		}
		if len(a.lines) > 9 {
			t.Fatalf("holding %d lines", len(a.lines))
		}
	}
	if !a.Unfinished() {
		t.Fatal("not open")
	}
	r, ok := a.Flush()
	if !ok || r.Code != 230 || len(r.Lines) != 9 || !r.Truncated || !r.Unterminated || r.Lines[0] != "never ends" {
		t.Fatalf("Flush = %+v, %v", r, ok)
	}
	if a.Unfinished() {
		t.Fatal("still open after Flush")
	}
	a.Add([]byte("150-x"))
	a.Reset()
	if r, done, err := a.Add([]byte("150 y")); !done || err != nil || !reflect.DeepEqual(r.Lines, []string{"y"}) {
		t.Fatalf("after Reset: %+v %v %v", r, done, err)
	}
	var zero ReplyAssembler
	if r, done, _ := zero.Add([]byte("200 ok")); !done || r.Code != 200 {
		t.Fatalf("zero value: %+v %v", r, done)
	}
}

// ap is a test shorthand for netip.MustParseAddrPort.
func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// addrCase is one input of an address parser and what it must give.
type addrCase struct {
	in   string
	want netip.AddrPort
	err  error
}

func checkAddrCases(t *testing.T, name string, parse func(string) (netip.AddrPort, error), cases []addrCase) {
	t.Helper()
	for _, tt := range cases {
		got, err := parse(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s(%q) = %v, %v; want %v, %v", name, tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParsePORT(t *testing.T) {
	checkAddrCases(t, "ParsePORT", ParsePORT, []addrCase{
		{"1,1,1,2,232,157", ap("1.1.1.2:59549"), nil}, // Suricata ftp-bounce
		{"192,0,2,1,4,1", ap("192.0.2.1:1025"), nil},
		{" 192, 0 ,2,1, 195 ,80 ", ap("192.0.2.1:50000"), nil},
		{"192,000,002,001,004,001", ap("192.0.2.1:1025"), nil},
		{"0,0,0,0,0,1", ap("0.0.0.0:1"), nil},
		{"255,255,255,255,255,255", ap("255.255.255.255:65535"), nil},
		{"114,115", netip.AddrPort{}, ErrSyntax}, // Zeek fake-long-commands
		{"", netip.AddrPort{}, ErrSyntax},
		{"1234", netip.AddrPort{}, ErrSyntax},
		{"192,0,2,1,4", netip.AddrPort{}, ErrSyntax},
		{"192,0,2,1,4,1,7", netip.AddrPort{}, ErrSyntax},
		{"192,0,2,1,4,1,", netip.AddrPort{}, ErrSyntax},
		{"192,0,2,,4,1", netip.AddrPort{}, ErrSyntax},
		{"2,1,-1,0,0,0", netip.AddrPort{}, ErrSyntax}, // Zeek fuzz corpus
		{"192,0,2,1,4,1x", netip.AddrPort{}, ErrSyntax},
		{"192.0.2.1,4,1", netip.AddrPort{}, ErrSyntax},
		{"(192,0,2,1,4,1)", netip.AddrPort{}, ErrSyntax},
		{"305,6,0,1,1,3", netip.AddrPort{}, ErrRange},
		{"664336808023,5,0,1,1,4", netip.AddrPort{}, ErrRange},
		{"2,0,1,3,32064282,1", netip.AddrPort{}, ErrRange},
		{"192,0,2,1,0,0", netip.AddrPort{}, ErrRange},
		{"192,0,2,1,256,0", netip.AddrPort{}, ErrRange},
		{"1" + strings.Repeat("0", 100000) + ",0,2,1,4,1", netip.AddrPort{}, ErrRange},
	})
}

func TestFormatPORT(t *testing.T) {
	for _, s := range []string{"192.0.2.1:1025", "203.0.113.255:65535", "[::ffff:198.51.100.7]:21"} {
		p := ap(s)
		arg, ok := FormatPORT(p)
		got, err := ParsePORT(arg)
		if !ok || err != nil || got != netip.AddrPortFrom(p.Addr().Unmap(), p.Port()) {
			t.Errorf("FormatPORT(%v) = %q, %v; parsed back %v, %v", p, arg, ok, got, err)
		}
	}
	if _, ok := FormatPORT(ap("[2001:db8::1]:21")); ok {
		t.Error("FormatPORT accepted IPv6")
	}
}

func TestParseEPRT(t *testing.T) {
	checkAddrCases(t, "ParseEPRT", ParseEPRT, []addrCase{
		{"|2|2601:191:8500:2e00:7c0f:78e0:dc5b:f7c1|34325|", ap("[2601:191:8500:2e00:7c0f:78e0:dc5b:f7c1]:34325"), nil}, // Suricata
		{"|1|192.0.2.1|6446|", ap("192.0.2.1:6446"), nil},
		{"|2|2001:db8::1|5282|", ap("[2001:db8::1]:5282"), nil},
		{"!1!198.51.100.7!21!", ap("198.51.100.7:21"), nil},
		{"  |1|192.0.2.1|6446|  ", ap("192.0.2.1:6446"), nil},
		{"~2~::ffff:192.0.2.1~65535~", ap("[::ffff:192.0.2.1]:65535"), nil},
		{"", netip.AddrPort{}, ErrSyntax},
		{" |1|192.0.2.1|6446", netip.AddrPort{}, ErrSyntax},
		{"|1|192.0.2.1|6446|x", netip.AddrPort{}, ErrSyntax},
		{"|1|2001:db8::1|6446|", netip.AddrPort{}, ErrSyntax},
		{"|2|192.0.2.1|6446|", netip.AddrPort{}, ErrSyntax},
		{"|3|192.0.2.1|6446|", netip.AddrPort{}, ErrRange},
		{"|x|192.0.2.1|6446|", netip.AddrPort{}, ErrSyntax},
		{"||192.0.2.1|6446|", netip.AddrPort{}, ErrSyntax},
		{"|1|192.0.2|6446|", netip.AddrPort{}, ErrSyntax},
		{"|1|host.example|6446|", netip.AddrPort{}, ErrSyntax},
		{"|2|fe80::1%eth0|6446|", netip.AddrPort{}, ErrSyntax},
		{"|1|192.0.2.1||", netip.AddrPort{}, ErrSyntax},
		{"|1|192.0.2.1|-1|", netip.AddrPort{}, ErrSyntax},
		{"|1|192.0.2.1|0|", netip.AddrPort{}, ErrRange},
		{"|1|192.0.2.1|65536|", netip.AddrPort{}, ErrRange},
		{"\x7f1\x7f192.0.2.1\x7f21\x7f", netip.AddrPort{}, ErrSyntax},
	})
}

func TestParseLPRT(t *testing.T) {
	checkAddrCases(t, "ParseLPRT", ParseLPRT, []addrCase{
		{"4,4,192,0,2,1,2,195,80", ap("192.0.2.1:50000"), nil},
		{"4, 4, 192, 0, 2, 1, 2, 195, 80", ap("192.0.2.1:50000"), nil},
		{"4,4,192,0,2,1,1,80", ap("192.0.2.1:80"), nil},
		{"6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,1", ap("[2001:db8::1]:1025"), nil},
		{"", netip.AddrPort{}, ErrSyntax},
		{"4", netip.AddrPort{}, ErrSyntax},
		{"4,4,192,0,2,1", netip.AddrPort{}, ErrSyntax},
		{"4,4,192,0,2,1,2,195", netip.AddrPort{}, ErrSyntax},
		{"4,4,192,0,2,1,2,195,80,1", netip.AddrPort{}, ErrSyntax},
		{"4,16,192,0,2,1,2,195,80", netip.AddrPort{}, ErrSyntax},
		{"6,4,192,0,2,1,2,195,80", netip.AddrPort{}, ErrSyntax},
		{"4,4,192,0,2,1,3,0,195,80", netip.AddrPort{}, ErrSyntax},
		{"4,4,192,0,2,1,0", netip.AddrPort{}, ErrSyntax},
		{strings.Repeat("1,", 40) + "1", netip.AddrPort{}, ErrSyntax},
		{"5,4,192,0,2,1,2,195,80", netip.AddrPort{}, ErrRange},
		{"4,4,300,0,2,1,2,195,80", netip.AddrPort{}, ErrRange},
		{"4,4,192,0,2,1,2,0,0", netip.AddrPort{}, ErrRange},
	})
}

func TestParsePASVReply(t *testing.T) {
	checkAddrCases(t, "ParsePASVReply", ParsePASVReply, []addrCase{
		{"Entering Passive Mode (2,2,2,2,185,13).", ap("2.2.2.2:47373"), nil}, // Suricata
		{"Entering Passive Mode (192,0,2,1,195,80).", ap("192.0.2.1:50000"), nil},
		{"Entering Passive Mode 192,0,2,1,195,80", ap("192.0.2.1:50000"), nil},
		{"=192,0,2,1,4,1", ap("192.0.2.1:1025"), nil},
		{"Entering Passive Mode (192, 0, 2, 1, 195, 80)", ap("192.0.2.1:50000"), nil},
		{"vsFTPd 3.0.5 (192,0,2,1,4,1)", ap("192.0.2.1:1025"), nil},
		{"Mode 1,2 then (192,0,2,1,4,1,9) then 203,0,113,5,4,1.", ap("203.0.113.5:1025"), nil},
		{"Entering Passive Mode (0,0,0,0,4,1)", ap("0.0.0.0:1025"), nil},
		{"", netip.AddrPort{}, ErrSyntax},
		{"Entering Passive Mode", netip.AddrPort{}, ErrSyntax},
		{"Entering Passive Mode (192,0,2,1,195)", netip.AddrPort{}, ErrSyntax},
		{"(2,2,2,2,185,-13)", netip.AddrPort{}, ErrSyntax},
		{"(192.0.2.1:4001)", netip.AddrPort{}, ErrSyntax},
		{"Entering Passive Mode (192,0,2,1,300,80)", netip.AddrPort{}, ErrRange},
		{"Entering Passive Mode (192,0,2,1,0,0)", netip.AddrPort{}, ErrRange},
		{"Entering Passive Mode (999,0,2,1,4,1) (192,0,2,1,4,1)", netip.AddrPort{}, ErrRange},
	})
}

func TestParseLPSVReply(t *testing.T) {
	checkAddrCases(t, "ParseLPSVReply", ParseLPSVReply, []addrCase{
		{"Entering Long Passive Mode (4,4,192,0,2,1,2,195,80)", ap("192.0.2.1:50000"), nil},
		{"Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,195,80).", ap("[2001:db8::1]:50000"), nil},
		{"v1,2 (4,4,192,0,2,1,2,195,80)", ap("192.0.2.1:50000"), nil},
		{"Entering Long Passive Mode", netip.AddrPort{}, ErrSyntax},
		{"Entering Long Passive Mode (4,4,192,0,2,1,2)", netip.AddrPort{}, ErrSyntax},
		{"Entering Long Passive Mode (4,16,192,0,2,1,2,195,80)", netip.AddrPort{}, ErrSyntax},
		{"Entering Long Passive Mode (9,4,192,0,2,1,2,195,80)", netip.AddrPort{}, ErrRange},
	})
}

func TestParseEPSVReply(t *testing.T) {
	tests := []struct {
		in   string
		want uint16
		err  error
	}{
		{"Entering Extended Passive Mode (|||6446|)", 6446, nil},
		{"Entering extended passive mode (|||21008|).", 21008, nil}, // Suricata
		{"(!!!65535!)", 65535, nil},
		{"|||1|", 1, nil},
		{"EPSV ok (|||57086|) 2nd (|||1|)", 57086, nil},
		{"(||||6446|)", 6446, nil},
		{"(|2|2001:db8::1|6446|) then (|||7000|)", 7000, nil},
		{"", 0, ErrSyntax},
		{"Entering Extended Passive Mode", 0, ErrSyntax},
		{"(|||6446)", 0, ErrSyntax},
		{"(||6446|)", 0, ErrSyntax},
		{"(|!|6446|)", 0, ErrSyntax},
		{"(111222|)", 0, ErrSyntax},
		{"(   6446 )", 0, ErrSyntax},
		{"(|||0|)", 0, ErrRange},
		{"(|||65536|)", 0, ErrRange},
		{"(|||" + strings.Repeat("9", 1000) + "|)", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := ParseEPSVReply(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseEPSVReply(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestPathologicalInputs runs every text scanner over megabyte inputs
// built to defeat naive rescanning; a quadratic scan would not finish.
func TestPathologicalInputs(t *testing.T) {
	const n = 1 << 20
	inputs := []string{
		strings.Repeat("1,", n/2),
		strings.Repeat("1, ", n/3),
		strings.Repeat("1,1,1,1,1 ", n/10),
		strings.Repeat("(", n),
		strings.Repeat("(1 ", n/3),
		strings.Repeat("(1 byte", n/7),
		strings.Repeat("|", n),
		strings.Repeat("||1", n/3),
		strings.Repeat("|||1", n/4),
		strings.Repeat("9", n),
		strings.Repeat("\"\"", n/2),
		strings.Repeat(" ", n),
	}
	// Only two of them hold a value: "|||1|||1..." an EPSV port and
	// `""""...` a quoted path.
	found := 0
	note := func(ok bool) {
		if ok {
			found++
		}
	}
	for _, s := range inputs {
		_, err := ParsePASVReply(s)
		note(err == nil)
		_, err = ParseLPSVReply(s)
		note(err == nil)
		_, err = ParseEPSVReply(s)
		note(err == nil)
		_, ok := ParseSizeReply(s)
		note(ok)
		_, ok = ParseSizeValue(s)
		note(ok)
		_, ok = ParsePathReply(s)
		note(ok)
		_, err = ParsePORT(s)
		note(err == nil)
		_, err = ParseLPRT(s)
		note(err == nil)
		_, err = ParseEPRT(s)
		note(err == nil)
		note(LooksLikeGreeting([]byte("220 " + s + "SMTP")))
		note(LooksLikeCommand([]byte("AUTH " + s)))
	}
	if found != 2 {
		t.Errorf("%d values found, want 2", found)
	}
}

func TestParseSizeReply(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Opening BINARY mode data connection for rfc1001.txt (154427 bytes).", 154427, true}, // Zeek
		{"Opening BINARY mode data connection for 'robots.txt' (77 bytes).", 77, true},
		{"Opening ASCII mode data connection for /README (1164 bytes)", 1164, true},
		{"Opening data connection for a(1 byte) (2 bytes) b", 2, true},
		{"Opening for x ( 12 Bytes )", 12, true},
		{"Opening for x (1 BYTE)", 1, true},
		{"Opening for x (0 bytes)", 0, true},
		{"Opening for x (5416666670 bytes)", 5416666670, true},
		{"Opening for x (9223372036854775807 bytes)", 9223372036854775807, true},
		{"Opening for x (9223372036854775808 bytes)", 0, false},
		{"Opening ASCII mode data connection for '/bin/ls'.", 0, false},
		{"Accepted data connection", 0, false},
		{"Opening for file2048 bytes", 0, false},
		{"Opening for x (12 kbytes)", 0, false},
		{"Opening for x (-12 bytes)", 0, false},
		{"Opening for x (12 bytes", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseSizeReply(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSizeReply(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseSizeValue(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"16557", 16557, true},
		{" 77 ", 77, true},
		{"0", 0, true},
		{"5416666670", 5416666670, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999999", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"", 0, false},
		{"16557 bytes", 0, false},
		{"0x10", 0, false},
		{"File not found", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseSizeValue(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSizeValue(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParsePathReply(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"/a ""quoted"" dir" created`, `/a "quoted" dir`, true},
		{`"/" is the current directory.`, "/", true},
		{`"/usr/dm" created.`, "/usr/dm", true},
		{`Current directory is "/pub"`, "/pub", true},
		{`""""`, `"`, true},
		{`"" empty`, "", true},
		{`"/x""y"`, `/x"y`, true},
		{`"caf` + "\xe9" + `"`, "caf\xe9", true},
		{`"/unterminated`, "", false},
		{`"/unterminated ""`, "", false},
		{`MKD command successful.`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := ParsePathReply(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePathReply(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLooksLikeCommand(t *testing.T) {
	yes := []string{"USER anonymous", "user ftp", "AUTH TLS", "auth ssl", "AUTH TLS-C", "AUTH GSSAPI",
		"FEAT", "SYST", "OPTS UTF8 ON", "HOST ftp.example.com", "QUIT", "NOOP", "CLNT FileZilla",
		"LANG en", "PWD", "XPWD", "HELP", "STAT"}
	no := []string{"", "EHLO mail.example.com", "HELO mail.example.com", "STARTTLS", "MAIL FROM:<a@example.com>",
		"AUTH PLAIN dGVzdA==", "AUTH LOGIN", "AUTH", "CAPA", "STLS", "a001 LOGIN user pass", "* OK",
		"PASS secret", "GET / HTTP/1.1", "SSH-2.0-OpenSSH_9.6", "RETR file", "USER a\x00b", "USER\tx",
		"\x16\x03\x01\x00\xa5"}
	for _, s := range yes {
		if !LooksLikeCommand([]byte(s)) {
			t.Errorf("LooksLikeCommand(%q) = false", s)
		}
	}
	for _, s := range no {
		if LooksLikeCommand([]byte(s)) {
			t.Errorf("LooksLikeCommand(%q) = true", s)
		}
	}
}

func TestLooksLikeGreeting(t *testing.T) {
	yes := []string{"220 ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.", "220 (vsFTPd 3.0.5)",
		"220-Welcome", "220", "120 Service ready in 5 minutes.", "421 Too many connections"}
	no := []string{"", "+OK POP3 server ready", "* OK IMAP4rev1 ready", "220 mx.example.com ESMTP Postfix",
		"220 mail.example.com Microsoft ESMTP MAIL Service ready", "421 mx.example.com SMTP busy",
		"200 NNTP server ready", "230 logged in", "220Welcome", "SSH-2.0-OpenSSH_9.6", "HTTP/1.1 200 OK"}
	for _, s := range yes {
		if !LooksLikeGreeting([]byte(s)) {
			t.Errorf("LooksLikeGreeting(%q) = false", s)
		}
	}
	for _, s := range no {
		if LooksLikeGreeting([]byte(s)) {
			t.Errorf("LooksLikeGreeting(%q) = true", s)
		}
	}
}

// Transcripts for the every-split-offset tests. They use documentation
// addresses only.
const clientTranscript = "USER anonymous\r\n" +
	"PASS guest@example.com\r\n" +
	"syst\r\n" +
	"FEAT\r\n" +
	"OPTS UTF8 ON\r\n" +
	"PWD\r\n" +
	"TYPE I\r\n" +
	"PASV\r\n" +
	"RETR rfc1001.txt\r\n" +
	"PORT 192,0,2,1,4,1\r\n" +
	"EPRT |2|2001:db8::1|6446|\r\n" +
	"LPRT 4,4,192,0,2,1,2,195,80\n" +
	"STOR  a b\r\n" +
	"\xff\xf4\xff\xf2ABOR\r\n" +
	"SITE CHMOD 644 x\r\n" +
	"XYZZY plugh\r\n" +
	"CWD caf\xe9\r\n" +
	"MKD a\xff\xffb\r\n" +
	"\r\n" +
	"QUIT\r\n"

var clientWant = []Command{
	{Verb: "USER", Arg: "anonymous", HasArg: true, Known: true},
	{Verb: "PASS", Arg: "guest@example.com", HasArg: true, Known: true},
	{Verb: "SYST", Known: true},
	{Verb: "FEAT", Known: true},
	{Verb: "OPTS", Arg: "UTF8 ON", HasArg: true, Known: true},
	{Verb: "PWD", Known: true},
	{Verb: "TYPE", Arg: "I", HasArg: true, Known: true},
	{Verb: "PASV", Known: true},
	{Verb: "RETR", Arg: "rfc1001.txt", HasArg: true, Known: true},
	{Verb: "PORT", Arg: "192,0,2,1,4,1", HasArg: true, Known: true},
	{Verb: "EPRT", Arg: "|2|2001:db8::1|6446|", HasArg: true, Known: true},
	{Verb: "LPRT", Arg: "4,4,192,0,2,1,2,195,80", HasArg: true, Known: true},
	{Verb: "STOR", Arg: " a b", HasArg: true, Known: true},
	{Verb: "ABOR", Known: true},
	{Verb: "SITE", Arg: "CHMOD 644 x", HasArg: true, Known: true},
	{Verb: "XYZZY", Arg: "plugh", HasArg: true},
	{Verb: "CWD", Arg: "caf\xe9", HasArg: true, Known: true},
	{Verb: "MKD", Arg: "a\xffb", HasArg: true, Known: true},
	{}, // the empty line: ErrSyntax, still counted
	{Verb: "QUIT", Known: true},
}

const serverTranscript = "220-Welcome to the documentation FTP service\r\n" +
	"220-  123 this line starts with digits\r\n" +
	"220 Ready.\r\n" +
	"331 Please specify the password.\r\n" +
	"230-\r\n" +
	"    Banner line one\r\n" +
	"230-Second block\r\n" +
	"123 not the end: another code\r\n" +
	"230no_space is continuation here\r\n" +
	"230 Login successful.\r\n" +
	"215 UNIX Type: L8\r\n" +
	"211-Features:\r\n" +
	" EPRT\r\n" +
	" EPSV\r\n" +
	" MDTM\r\n" +
	"211 End\r\n" +
	"257 \"/pub \"\"quoted\"\" dir\" is the current directory\r\n" +
	"200 Switching to Binary mode.\r\n" +
	"227 Entering Passive Mode (192,0,2,10,195,80).\r\n" +
	"150 Opening BINARY mode data connection for rfc1001.txt (154427 bytes).\r\n" +
	"226\r\n" +
	"SYST not supported\r\n" +
	"229 Entering Extended Passive Mode (|||6446|)\n" +
	"228 Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,195,80)\r\n" +
	"230no_space\r\n" +
	"213 16557\r\n" +
	"221 Goodbye.\r\n"

var serverWant = []addResult{
	{Reply{Code: 220, Lines: []string{"Welcome to the documentation FTP service", "  123 this line starts with digits", "Ready."}}, true, nil},
	{Reply{Code: 331, Lines: []string{"Please specify the password."}}, true, nil},
	{Reply{Code: 230, Lines: []string{"", "    Banner line one", "Second block", "123 not the end: another code",
		"230no_space is continuation here", "Login successful."}}, true, nil},
	{Reply{Code: 215, Lines: []string{"UNIX Type: L8"}}, true, nil},
	{Reply{Code: 211, Lines: []string{"Features:", " EPRT", " EPSV", " MDTM", "End"}}, true, nil},
	{Reply{Code: 257, Lines: []string{"\"/pub \"\"quoted\"\" dir\" is the current directory"}}, true, nil},
	{Reply{Code: 200, Lines: []string{"Switching to Binary mode."}}, true, nil},
	{Reply{Code: 227, Lines: []string{"Entering Passive Mode (192,0,2,10,195,80)."}}, true, nil},
	{Reply{Code: 150, Lines: []string{"Opening BINARY mode data connection for rfc1001.txt (154427 bytes)."}}, true, nil},
	{Reply{Code: 226, Lines: []string{""}}, true, nil},
	{Reply{}, false, ErrSyntax},
	{Reply{Code: 229, Lines: []string{"Entering Extended Passive Mode (|||6446|)"}}, true, nil},
	{Reply{Code: 228, Lines: []string{"Entering Long Passive Mode (6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,195,80)"}}, true, nil},
	{Reply{Code: 230, Lines: []string{"no_space"}}, true, ErrSyntax},
	{Reply{Code: 213, Lines: []string{"16557"}}, true, nil},
	{Reply{Code: 221, Lines: []string{"Goodbye."}}, true, nil},
}

// parseCommands runs a client stream through LineReader and
// ParseCommand, chunked as given.
func parseCommands(chunks ...[]byte) (cmds []Command, errs int) {
	r := NewLineReader(0)
	emit := func(line []byte, _ bool) {
		c, err := ParseCommand(line)
		if err != nil {
			errs++
		}
		cmds = append(cmds, c)
	}
	for _, c := range chunks {
		r.Feed(c, emit)
	}
	return cmds, errs
}

// assembleReplies runs a server stream through LineReader and
// ReplyAssembler; it keeps completed replies and the error lines.
func assembleReplies(chunks ...[]byte) []addResult {
	r := NewLineReader(0)
	a := NewReplyAssembler(0)
	var out []addResult
	emit := func(line []byte, _ bool) {
		rep, done, err := a.Add(line)
		if done || err != nil {
			out = append(out, addResult{rep, done, err})
		}
	}
	for _, c := range chunks {
		r.Feed(c, emit)
	}
	return out
}

func sameResults(got, want []addResult) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !reflect.DeepEqual(got[i].reply, want[i].reply) || got[i].done != want[i].done ||
			!errors.Is(got[i].err, want[i].err) || (got[i].err == nil) != (want[i].err == nil) {
			return false
		}
	}
	return true
}

func TestClientTranscriptEverySplit(t *testing.T) {
	data := []byte(clientTranscript)
	got, errs := parseCommands(data)
	if !reflect.DeepEqual(got, clientWant) || errs != 1 {
		t.Fatalf("at once: %d errors\n got %+v\nwant %+v", errs, got, clientWant)
	}
	for i := 0; i <= len(data); i++ {
		if got, _ := parseCommands(data[:i], data[i:]); !reflect.DeepEqual(got, clientWant) {
			t.Fatalf("split at %d: got %+v", i, got)
		}
	}
	if got, _ := parseCommands(byteChunks(data)...); !reflect.DeepEqual(got, clientWant) {
		t.Fatalf("byte by byte: got %+v", got)
	}
	// The address arguments in it parse.
	if p, err := ParsePORT(got[9].Arg); err != nil || p != ap("192.0.2.1:1025") {
		t.Errorf("PORT: %v %v", p, err)
	}
	if p, err := ParseEPRT(got[10].Arg); err != nil || p != ap("[2001:db8::1]:6446") {
		t.Errorf("EPRT: %v %v", p, err)
	}
	if p, err := ParseLPRT(got[11].Arg); err != nil || p != ap("192.0.2.1:50000") {
		t.Errorf("LPRT: %v %v", p, err)
	}
}

func TestServerTranscriptEverySplit(t *testing.T) {
	data := []byte(serverTranscript)
	got := assembleReplies(data)
	if !sameResults(got, serverWant) {
		t.Fatalf("at once:\n got %+v\nwant %+v", got, serverWant)
	}
	for i := 0; i <= len(data); i++ {
		if got := assembleReplies(data[:i], data[i:]); !sameResults(got, serverWant) {
			t.Fatalf("split at %d: got %+v", i, got)
		}
	}
	if got := assembleReplies(byteChunks(data)...); !sameResults(got, serverWant) {
		t.Fatalf("byte by byte: got %+v", got)
	}
	// The values carried by the replies parse.
	if p, ok := ParsePathReply(got[5].reply.Lines[0]); !ok || p != `/pub "quoted" dir` {
		t.Errorf("257: %q %v", p, ok)
	}
	if p, err := ParsePASVReply(got[7].reply.Lines[0]); err != nil || p != ap("192.0.2.10:50000") {
		t.Errorf("227: %v %v", p, err)
	}
	if n, ok := ParseSizeReply(got[8].reply.Lines[0]); !ok || n != 154427 {
		t.Errorf("150: %v %v", n, ok)
	}
	if p, err := ParseEPSVReply(got[11].reply.Lines[0]); err != nil || p != 6446 {
		t.Errorf("229: %v %v", p, err)
	}
	if p, err := ParseLPSVReply(got[12].reply.Lines[0]); err != nil || p != ap("[2001:db8::1]:50000") {
		t.Errorf("228: %v %v", p, err)
	}
	if n, ok := ParseSizeValue(got[14].reply.Lines[0]); !ok || n != 16557 {
		t.Errorf("213: %v %v", n, ok)
	}
}

// zeekContents reads one of Zeek's reassembled control streams (BSD-3
// test data, read in place, never copied) without its btest header line.
func zeekContents(t *testing.T, side string) []byte {
	t.Helper()
	const dir = "../../shared/corpus/zeek/baselines/scripts.base.protocols.conn.contents-default-extract/"
	name := dir + "contents_[2001-470-1f11-81f-c999-d94-aa7c-2e3e]-49185-[2001-470-4867-99--21]-21_" + side + ".dat"
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skipf("Zeek corpus not available: %v", err)
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 && bytes.HasPrefix(data, []byte("### BTest")) {
		data = data[i+1:]
	}
	return data
}

func TestZeekClientStreamEverySplit(t *testing.T) {
	data := zeekContents(t, "orig")
	want, errs := parseCommands(data)
	var verbs []string
	for _, c := range want {
		if !c.Known {
			t.Errorf("unknown verb %q", c.Verb)
		}
		verbs = append(verbs, c.Verb)
	}
	wantVerbs := strings.Fields("USER PASS SYST FEAT PWD EPSV LIST EPSV NLST TYPE SIZE EPSV RETR MDTM SIZE EPRT RETR MDTM TYPE EPRT LIST QUIT")
	if errs != 0 || !slices.Equal(verbs, wantVerbs) {
		t.Fatalf("%d errors, verbs %v", errs, verbs)
	}
	if p, err := ParseEPRT(want[15].Arg); err != nil || p != ap("[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:49189") {
		t.Errorf("EPRT %q: %v %v", want[15].Arg, p, err)
	}
	for i := 0; i <= len(data); i++ {
		if got, _ := parseCommands(data[:i], data[i:]); !reflect.DeepEqual(got, want) {
			t.Fatalf("split at %d differs", i)
		}
	}
}

func TestZeekServerStreamEverySplit(t *testing.T) {
	data := zeekContents(t, "resp")
	want := assembleReplies(data)
	var codes []int
	for _, r := range want {
		if r.err != nil || !r.done {
			t.Fatalf("unexpected result %+v", r)
		}
		codes = append(codes, r.reply.Code)
	}
	wantCodes := []int{220, 331, 230, 215, 211, 257, 229, 150, 226, 229, 150, 226, 200, 213, 229, 150, 226,
		213, 213, 200, 150, 226, 213, 200, 200, 150, 226, 221}
	if !slices.Equal(codes, wantCodes) {
		t.Fatalf("codes %v", codes)
	}
	if feat := want[4].reply.Lines; len(feat) != 7 || feat[0] != "Features supported" || feat[6] != "End" {
		t.Errorf("FEAT reply %q", feat)
	}
	if login := want[2].reply.Lines; login[len(login)-1] != "Guest login ok, access restrictions apply." || len(login) < 30 {
		t.Errorf("230 reply of %d lines", len(login))
	}
	if p, err := ParseEPSVReply(want[6].reply.Lines[0]); err != nil || p != 57086 {
		t.Errorf("229: %v %v", p, err)
	}
	if n, ok := ParseSizeReply(want[15].reply.Lines[0]); !ok || n != 77 {
		t.Errorf("150: %v %v", n, ok)
	}
	if p, ok := ParsePathReply(want[5].reply.Lines[0]); !ok || p != "/" {
		t.Errorf("257: %q %v", p, ok)
	}
	for i := 0; i <= len(data); i++ {
		if got := assembleReplies(data[:i], data[i:]); !sameResults(got, want) {
			t.Fatalf("split at %d differs", i)
		}
	}
}

// benchTranscript is a client dialogue of known verbs, the common case.
var benchTranscript = []byte(strings.Repeat("NOOP\r\nPASV\r\nTYPE I\r\nRETR pub/file.tar.gz\r\nCWD /pub\r\nEPSV\r\nPWD\r\nQUIT\r\n", 64))

// BenchmarkLineReaderParseCommand measures the command path: lines split
// from a stream cut into 1460-byte segments, then parsed.
func BenchmarkLineReaderParseCommand(b *testing.B) {
	lines := bytes.Count(benchTranscript, []byte("\n"))
	r := NewLineReader(0)
	n := 0
	emit := func(line []byte, _ bool) {
		if c, err := ParseCommand(line); err == nil && c.Known {
			n++
		}
	}
	b.SetBytes(int64(len(benchTranscript)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(benchTranscript); i += 1460 {
			r.Feed(benchTranscript[i:min(i+1460, len(benchTranscript))], emit)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}

// BenchmarkLineReaderParseCommandNoArg is the same for argument-less
// verbs only, which must not allocate at all.
func BenchmarkLineReaderParseCommandNoArg(b *testing.B) {
	data := []byte(strings.Repeat("NOOP\r\nPASV\r\nEPSV\r\nPWD\r\nFEAT\r\nSYST\r\nCDUP\r\nQUIT\r\n", 64))
	lines := bytes.Count(data, []byte("\n"))
	r := NewLineReader(0)
	emit := func(line []byte, _ bool) { ParseCommand(line) }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(data); i += 1460 {
			r.Feed(data[i:min(i+1460, len(data))], emit)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}

// BenchmarkLineReaderReplyAssembler measures the reply path on the
// server transcript.
func BenchmarkLineReaderReplyAssembler(b *testing.B) {
	data := []byte(strings.Repeat(serverTranscript, 16))
	lines := bytes.Count(data, []byte("\n"))
	r := NewLineReader(0)
	a := NewReplyAssembler(0)
	emit := func(line []byte, _ bool) { a.Add(line) }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(data); i += 1460 {
			r.Feed(data[i:min(i+1460, len(data))], emit)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}
