package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// corpusDir is the reference corpus seen from this package's directory.
const corpusDir = "../../../shared/corpus"

// TestConformance is `make conformance` as a test: it fails on any
// disagreement with the peers that expect.go does not explain, on an
// explanation that no longer matches anything, and on a capture that
// cannot be read. Run with -v to see the table.
func TestConformance(t *testing.T) {
	if _, err := os.Stat(filepath.Join(corpusDir, "zeek")); err != nil {
		t.Skipf("no reference corpus at %s", corpusDir)
	}
	outs := runAll(corpusDir)
	dis, stale := classify(outs, explanations)
	var table bytes.Buffer
	printTable(&table, outs, dis)
	t.Log("\n" + table.String())
	for _, m := range failures(outs, dis, stale) {
		t.Error(m)
	}
	// Every case must compare something (a rule-only Suricata test
	// excepted), or the row is an empty promise.
	for _, o := range outs {
		if len(o.Checks) == 0 && !ruleOnly(o.Name) {
			t.Errorf("%s %s: nothing compared", o.Peer, o.Name)
		}
	}
}

func ruleOnly(test string) bool {
	for _, sc := range suricataCases {
		if sc.Test == test {
			return sc.Pcap == ""
		}
	}
	return false
}

// TestConformanceDeterministic: two runs print the same report.
func TestConformanceDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the corpus twice")
	}
	if _, err := os.Stat(filepath.Join(corpusDir, "zeek")); err != nil {
		t.Skipf("no reference corpus at %s", corpusDir)
	}
	report := func() string {
		var b bytes.Buffer
		if code := run([]string{"-v", corpusDir}, &b, &b); code != 0 {
			t.Fatalf("exit status %d:\n%s", code, b.String())
		}
		return b.String()
	}
	if a, b := report(), report(); a != b {
		t.Error("two runs differ")
	}
}

func TestAlign(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want []pair
	}{
		{"equal", []string{"x", "y"}, []string{"x", "y"}, []pair{{0, 0, -1}, {1, 1, 0}}},
		{"missing", []string{"x", "y", "z"}, []string{"x", "z"}, []pair{{0, 0, -1}, {1, -1, 0}, {2, 1, 1}}},
		{"extra", []string{"x", "z"}, []string{"x", "y", "z"}, []pair{{0, 0, -1}, {-1, 1, 0}, {1, 2, 0}}},
		{"substituted", []string{"x", "y", "z"}, []string{"x", "q", "z"}, []pair{{0, 0, -1}, {1, 1, 0}, {2, 2, 1}}},
		{"extra at start", []string{"x"}, []string{"q", "x"}, []pair{{-1, 0, -1}, {0, 1, -1}}},
		{"empty", nil, []string{"q"}, []pair{{-1, 0, -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := align(tt.a, tt.b); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("align(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestUnescapeZeek(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\x09b`, "a\tb"},
		{`\x5cx41`, `\x41`},
		{`bad\xZZ`, `bad\xZZ`},
		{`end\x4`, `end\x4`},
	}
	for _, tt := range tests {
		if got := unescapeZeek(tt.in); got != tt.want {
			t.Errorf("unescapeZeek(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct{ url, ours string }{
		{"ftp://199.233.217.249/./robots.txt", "robots.txt"},
		{"ftp://[2001:db8::21]/robots.txt", "/robots.txt"},
		{"ftp://192.0.2.1/pub/a/../b/f.gz", "/pub/b/f.gz"},
		{"ftp://192.0.2.1/.", ""},
	}
	for _, tt := range tests {
		if u, o := urlPath(tt.url), normalPath(tt.ours); u != o {
			t.Errorf("urlPath(%q) = %q, normalPath(%q) = %q: want equal", tt.url, u, tt.ours, o)
		}
	}
}

func TestExplanationMatches(t *testing.T) {
	o := &outcome{Peer: "zeek", Name: "cap"}
	e := explanation{Peer: "zeek", Capture: "cap", Item: "RETR path", Rows: [2]int{10, 20}}
	tests := []struct {
		item string
		want bool
	}{
		{"row 10 RETR path", true},
		{"row 20 RETR path", true},
		{"row 21 RETR path", false},
		{"row 15 PASV reply_code", false},
		{"RETR path", false},
	}
	for _, tt := range tests {
		if got := e.matches(o, check{Item: tt.item}); got != tt.want {
			t.Errorf("matches(%q) = %v, want %v", tt.item, got, tt.want)
		}
	}
	wild := explanation{Peer: "zeek", Capture: "cap", Item: "row 5 RETR reply_*"}
	if !wild.matches(o, check{Item: "row 5 RETR reply_msg"}) || wild.matches(o, check{Item: "row 6 RETR reply_msg"}) {
		t.Error("wildcard item")
	}
	if wild.matches(&outcome{Peer: "suricata", Name: "cap"}, check{Item: "row 5 RETR reply_msg"}) {
		t.Error("peer ignored")
	}
	pinned := explanation{Peer: "zeek", Capture: "cap", Item: "row 5 RETR reply_code", Got: regexp.MustCompile(`^550$`)}
	if !pinned.matches(o, check{Item: "row 5 RETR reply_code", Got: "550"}) || pinned.matches(o, check{Item: "row 5 RETR reply_code", Got: "226"}) {
		t.Error("ftpsniff's value ignored")
	}
}

// TestDialogue checks the pairing of replies with commands from the
// transcript's latencies: pipelining, preliminary replies, unsolicited
// replies and a greeting that arrives after pipelined commands.
func TestDialogue(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	cmd := func(ms int, verb, arg string) decoder.Entry {
		return decoder.Entry{Kind: decoder.EntryCommand, TS: at(ms), Verb: verb, Arg: arg, Transfer: -1}
	}
	rep := func(ms, sentMs, code int, text string) decoder.Entry {
		lat := time.Duration(0)
		if sentMs >= 0 {
			lat = at(ms).Sub(at(sentMs))
		}
		return decoder.Entry{Kind: decoder.EntryReply, TS: at(ms), Code: code, Lines: []string{text}, Latency: lat, Transfer: -1}
	}
	xfer := &decoder.Transfer{Command: "RETR", Advertised: netip.MustParseAddrPort("192.0.2.1:50000"), Mode: decoder.ModePassive}
	s := &decoder.Session{
		Client:    netip.MustParseAddrPort("198.51.100.7:40000"),
		Server:    netip.MustParseAddrPort("192.0.2.1:21"),
		Transfers: []*decoder.Transfer{xfer},
		Transcript: []decoder.Entry{
			cmd(1, "USER", "alice"), // pipelined before the greeting
			cmd(1, "PASS", "secret"),
			rep(2, -1, 220, "ready"),
			rep(3, 1, 331, "password"),
			rep(4, 1, 230, "in"),
			cmd(5, "PASV", ""),
			rep(6, 5, 227, "Entering Passive Mode (192,0,2,1,195,80)"),
			cmd(7, "RETR", "f.txt"),
			rep(8, 7, 150, "opening"),
			rep(9, 7, 226, "done"),
			rep(10, -1, 421, "bye"), // unsolicited
			cmd(11, "QUIT", ""),
		},
	}
	d := dialogueOf(s)
	if d.Greeting.Code != 220 || d.Unsolicited != 1 {
		t.Errorf("greeting %d, unsolicited %d", d.Greeting.Code, d.Unsolicited)
	}
	type row struct {
		verb   string
		code   int
		prelim []int
		user   string
		pass   string
	}
	var got []row
	for _, c := range d.Commands {
		got = append(got, row{c.Verb, c.Code, c.Prelim, orNone(c.User), orNone(c.Pass)})
	}
	want := []row{
		{"USER", 331, nil, "alice", "(none)"},
		{"PASS", 230, nil, "alice", "secret"},
		{"PASV", 227, nil, "alice", "secret"},
		{"RETR", 226, []int{150}, "alice", "secret"},
		{"QUIT", 0, nil, "alice", "secret"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("exchanges\n got %v\nwant %v", got, want)
	}
	if d.Commands[2].Used != xfer || d.Commands[3].Transfer != xfer {
		t.Error("PASV and RETR not tied to the transfer")
	}
	if ap, ok := d.dataChannel(d.Commands[2]); !ok || ap != xfer.Advertised {
		t.Errorf("data channel %v %v", ap, ok)
	}
	if got := d.mode(d.Commands[2]); got != "passive" {
		t.Errorf("mode %q", got)
	}
}

// TestDataChannelFallback: a negotiation no transfer used is read with
// the decoder's parsers.
func TestDataChannelFallback(t *testing.T) {
	d := &dialogue{Session: &decoder.Session{Server: netip.MustParseAddrPort("[2001:db8::21]:21")}}
	tests := []struct {
		ex   exchange
		want string
	}{
		{exchange{Verb: "PORT", Arg: "192,0,2,7,4,1"}, "192.0.2.7:1025"},
		{exchange{Verb: "EPRT", Arg: "|2|2001:db8::7|5000|"}, "[2001:db8::7]:5000"},
		{exchange{Verb: "PASV", Code: 227, Text: "Entering Passive Mode (192,0,2,1,195,80)."}, "192.0.2.1:50000"},
		{exchange{Verb: "EPSV", Code: 229, Text: "Entering Extended Passive Mode (|||6446|)"}, "[2001:db8::21]:6446"},
		{exchange{Verb: "PASV", Code: 500, Text: "no"}, "(none)"},
		{exchange{Verb: "PORT", Arg: "1234"}, "(none)"},
	}
	for _, tt := range tests {
		ap, ok := d.dataChannel(&tt.ex)
		got := "(none)"
		if ok {
			got = ap.String()
		}
		if got != tt.want {
			t.Errorf("%s %q %q: %s, want %s", tt.ex.Verb, tt.ex.Arg, tt.ex.Text, got, tt.want)
		}
	}
}

// TestClassify: explained, buggy, unexplained and stale entries are told
// apart, and only the unexplained and stale ones fail the run.
func TestClassify(t *testing.T) {
	o := &outcome{Peer: "zeek", Name: "cap"}
	o.add(colReplies, "row 1 RETR reply_code", "226", "226")
	o.add(colReplies, "row 2 RETR reply_code", "221", "550")
	o.add(colFiles, "row 3 RETR path", "a", "b")
	o.add(colSizes, "row 4 RETR file_size", "1", "2")
	why := []explanation{
		{Peer: "zeek", Capture: "cap", Item: "row 2 RETR reply_code", Verdict: peerQuirk, Why: "quirk"},
		{Peer: "zeek", Capture: "cap", Item: "RETR path", Rows: [2]int{3, 3}, Verdict: ftpsniffBug, Why: "bug"},
		{Peer: "zeek", Capture: "cap", Item: "row 9 PASV", Verdict: peerQuirk, Why: "stale"},
	}
	dis, stale := classify([]*outcome{o}, why)
	if len(dis) != 3 || dis[0].Why != &why[0] || dis[1].Why != &why[1] || dis[2].Why != nil {
		t.Fatalf("disagreements %+v", dis)
	}
	if len(stale) != 1 || stale[0].Why != "stale" {
		t.Errorf("stale %+v", stale)
	}
	if msgs := failures([]*outcome{o}, dis, stale); len(msgs) != 2 {
		t.Errorf("failures %q", msgs)
	}
	var b bytes.Buffer
	printTable(&b, []*outcome{o}, dis)
	if !bytes.Contains(b.Bytes(), []byte("0/1!")) || !bytes.Contains(b.Bytes(), []byte("0/1b")) || !bytes.Contains(b.Bytes(), []byte("1/1x")) {
		t.Errorf("table:\n%s", b.String())
	}
}
