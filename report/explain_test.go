package report

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/internal/fixture"
)

// findStep returns the first step whose label starts with prefix.
func findStep(t *testing.T, l *Ladder, prefix string) Step {
	t.Helper()
	for _, st := range l.Steps {
		if strings.HasPrefix(st.Label, prefix) {
			return st
		}
	}
	t.Fatalf("no step labelled %q in %s", prefix, l.ID)
	return Step{}
}

// oneEntrySession is a minimal IPv4 session whose transcript is entries.
func oneEntrySession(entries ...decoder.Entry) *decoder.Session {
	s := &decoder.Session{
		ID: "s9", Client: ap("192.0.2.10:50000"), Server: ap("198.51.100.10:21"),
		Start: at(0), End: at(100), Handshake: true, HandshakeRTT: ptr(ms(0.5)),
		EndReason: decoder.EndQuit, Login: decoder.OutcomeNone, Mode: decoder.ModeNone,
		Transcript: entries,
	}
	fixture.Annotate(s)
	return s
}

func TestExplainAddressArithmetic(t *testing.T) {
	cmd := func(verb, arg string) decoder.Entry {
		return decoder.Entry{Kind: decoder.EntryCommand, TS: at(10), Verb: verb, Arg: arg, Transfer: -1}
	}
	rep := func(code int, text string) decoder.Entry {
		return decoder.Entry{Kind: decoder.EntryReply, TS: at(11), Code: code, Lines: []string{text}, Transfer: -1}
	}
	tests := []struct {
		entry decoder.Entry
		label string
		want  []string
		alert bool
	}{
		{cmd("PORT", "192,0,2,10,195,80"), "PORT 192,0,2,10,195,80",
			[]string{"=> 192.0.2.10 port 195*256+80 = 50000", "the client listens there; the server will connect"}, false},
		{cmd("PORT", "203,0,113,9,31,85"), "PORT 203,0,113,9,31,85",
			[]string{"=> 203.0.113.9 port 31*256+85 = 8021", "not the client (192.0.2.10): the server is sent to another host"}, true},
		{cmd("PORT", "192,0,2,10,300,1"), "PORT 192,0,2,10,300,1",
			[]string{"unreadable PORT argument: no data connection can follow"}, true},
		{cmd("EPRT", "|1|192.0.2.10|40465|"), "EPRT |1|192.0.2.10|40465|",
			[]string{"=> IPv4 192.0.2.10 port 40465", "the client listens there; the server will connect"}, false},
		{cmd("EPRT", "|2|2001:db8::10|40465|"), "EPRT |2|2001:db8::10|40465|",
			[]string{"=> IPv6 2001:db8::10 port 40465", "not the client (192.0.2.10): the server is sent to another host"}, true},
		{cmd("LPRT", "4,4,192,0,2,10,2,195,80"), "LPRT 4,4,192,0,2,10,2,195,80",
			[]string{"=> 192.0.2.10 port 50000", "the client listens there; the server will connect"}, false},
		{cmd("EPSV", "ALL"), "EPSV ALL", []string{"from now on only EPSV (RFC 2428 4)"}, false},
		{rep(227, "Entering Passive Mode (198,51,100,10,156,115)."), "227 Entering Passive Mode (198,51,100,10,156,115).",
			[]string{"=> 198.51.100.10 port 156*256+115 = 40051"}, false},
		{rep(227, "Entering Passive Mode (198,51,100,200,156,77)."), "227 Entering Passive Mode (198,51,100,200,156,77).",
			[]string{"=> 198.51.100.200 port 156*256+77 = 40013", "not the server's address (198.51.100.10): NAT or a configured public address"}, false},
		{rep(229, "Entering Extended Passive Mode (|||40045|)"), "229 Entering Extended Passive Mode (|||40045|)",
			[]string{"(|||40045|) => port 40045 on the control server's address (198.51.100.10)"}, false},
		{rep(228, "Entering Long Passive Mode (4,4,198,51,100,10,2,156,115)"), "228 Entering Long Passive Mode (4,4,198,51,100,10,2,156,115)",
			[]string{"=> 198.51.100.10 port 40051 (RFC 1639)"}, false},
		{rep(229, "Entering Extended Passive Mode"), "229 Entering Extended Passive Mode",
			[]string{"no readable port in this reply"}, false},
		{rep(426, "Failure writing network stream."), "426 Failure writing network stream.",
			[]string{"transfer aborted: data connection closed early"}, true},
	}
	for _, tt := range tests {
		l := Explain(oneEntrySession(tt.entry), nil, Options{})
		st := findStep(t, l, tt.label)
		if !slices.Equal(st.Details, tt.want) || st.Alert != tt.alert {
			t.Errorf("%s:\n got %q alert %v\nwant %q alert %v", tt.label, st.Details, st.Alert, tt.want, tt.alert)
		}
	}
}

func TestExplainStepsInTimeOrder(t *testing.T) {
	for _, s := range fixtureSessions() {
		l := Explain(s, fixtureSessions(), Options{})
		last := l.Steps[0].At
		for _, st := range l.Steps {
			if st.Timed && st.At < last {
				t.Errorf("%s: step %q at %v after one at %v", s.ID, st.Label, st.At, last)
			}
			if st.Timed {
				last = st.At
			}
			if st.Kind != StepRemark && (st.From < 0 || st.From >= len(l.Lanes) || st.To < 0 || st.To >= len(l.Lanes)) {
				t.Errorf("%s: step %q goes from lane %d to %d of %d", s.ID, st.Label, st.From, st.To, len(l.Lanes))
			}
		}
	}
}

func TestExplainDataConnectionDirection(t *testing.T) {
	// Passive (EPSV): the client opens the data connection to the server.
	l := Explain(anonymousSession(), nil, Options{})
	syn := findStep(t, l, "SYN  192.0.2.10:50001 -> 198.51.100.5:40000")
	if syn.Kind != StepDataTCP || syn.From != 0 || syn.To != 1 {
		t.Errorf("passive SYN drawn %d -> %d", syn.From, syn.To)
	}
	data := findStep(t, l, "RETR pub/release-1.2.tar.gz: 1258291 bytes")
	if data.From != 1 || data.To != 0 {
		t.Errorf("download drawn %d -> %d, want server to client", data.From, data.To)
	}
	// Active (PORT): the server opens it; an upload flows client to server.
	l = Explain(hostileSession(), nil, Options{})
	syn = findStep(t, l, "SYN  198.51.100.7:20 -> 192.0.2.20:50010")
	if syn.From != 1 || syn.To != 0 {
		t.Errorf("active SYN drawn %d -> %d", syn.From, syn.To)
	}
	data = Step{}
	for _, st := range l.Steps {
		if st.Kind == StepData {
			data = st
		}
	}
	if data.From != 0 || data.To != 1 || !data.Alert {
		t.Errorf("upload with missing bytes drawn %d -> %d alert %v", data.From, data.To, data.Alert)
	}
}

// fxpPair is two sessions of one client driving an FXP copy: PASV on A,
// PORT on B, B connects to A.
func fxpPair() (a, b *decoder.Session) {
	conn := func(mode decoder.Mode, neg, cmd string, dir decoder.Direction) *decoder.Transfer {
		return &decoder.Transfer{Command: cmd, Arg: ptr("big.iso"), Direction: dir, Mode: mode, Negotiation: neg,
			Advertised: ap("198.51.100.10:40070"), DataSrc: ap("198.51.100.20:38147"), DataDst: ap("198.51.100.10:40070"),
			Bytes: ptr(int64(65536)), Status: ptr(226), Complete: true, Start: at(500), End: at(510), Notes: []string{"fxp"}}
	}
	a = oneEntrySession()
	a.ID, a.Mode = "A", decoder.ModePassive
	a.Transfers = []*decoder.Transfer{conn(decoder.ModePassive, "PASV", "RETR", decoder.Download)}
	b = oneEntrySession()
	b.ID, b.Mode = "B", decoder.ModeActive
	b.Client, b.Server = ap("192.0.2.10:50001"), ap("198.51.100.20:21")
	b.Transfers = []*decoder.Transfer{conn(decoder.ModeActive, "PORT", "STOR", decoder.Upload)}
	return a, b
}

func TestExplainFXPAndBounceLanes(t *testing.T) {
	a, b := fxpPair()
	all := []*decoder.Session{a, b}
	la := Explain(a, all, Options{})
	if len(la.Lanes) != 3 || la.Lanes[2].Role != RoleFXPServer || la.Lanes[2].Header() != "198.51.100.20" {
		t.Fatalf("FXP lanes: %+v", la.Lanes)
	}
	syn := findStep(t, la, "SYN  198.51.100.20:38147")
	if syn.From != 2 || syn.To != 1 {
		t.Errorf("FXP SYN drawn %d -> %d, want second server to server", syn.From, syn.To)
	}
	if !strings.Contains(strings.Join(la.Notes, "\n"), "session B (192.0.2.10:50001 -> 198.51.100.20:21)") {
		t.Errorf("FXP notes do not name the other session:\n%s", strings.Join(la.Notes, "\n"))
	}
	lb := Explain(b, all, Options{})
	if lb.Lanes[2].Addr.String() != "198.51.100.10" {
		t.Errorf("FXP lanes of B: %+v", lb.Lanes)
	}
	if st := findStep(t, lb, "STOR big.iso"); st.From != 2 || st.To != 1 {
		t.Errorf("FXP upload into B drawn %d -> %d", st.From, st.To)
	}

	// A bounce: PORT to a third party that the server then connects to.
	s := oneEntrySession(decoder.Entry{Kind: decoder.EntryCommand, TS: at(10), Verb: "PORT", Arg: "203,0,113,9,31,85", Transfer: -1})
	s.Transfers = []*decoder.Transfer{{Command: "LIST", Direction: decoder.Download, Mode: decoder.ModeActive, Negotiation: "PORT",
		Advertised: ap("203.0.113.9:8021"), DataSrc: ap("198.51.100.10:20"), DataDst: ap("203.0.113.9:8021"),
		Bytes: ptr(int64(127)), Status: ptr(226), Complete: true, Start: at(20), End: at(30)}}
	l := Explain(s, nil, Options{})
	if len(l.Lanes) != 3 || l.Lanes[2].Role != RoleThirdParty {
		t.Fatalf("bounce lanes: %+v", l.Lanes)
	}
	if !strings.Contains(strings.Join(l.Notes, "\n"), "FTP bounce") {
		t.Errorf("bounce not explained:\n%s", strings.Join(l.Notes, "\n"))
	}

	// More hosts than lanes share the last one.
	for i := range 4 {
		u := *s.Transfers[0]
		u.DataDst = ap("203.0.113." + string(rune('1'+i)) + ":8021")
		u.Start, u.End = at(40+i), at(41+i)
		s.Transfers = append(s.Transfers, &u)
	}
	l = Explain(s, nil, Options{})
	if len(l.Lanes) != 2+maxExtraLanes || l.Lanes[len(l.Lanes)-1].Header() != roleSharedLabel {
		t.Errorf("lanes not bounded: %+v", l.Lanes)
	}
}

func TestExplainNotes(t *testing.T) {
	tests := []struct {
		name string
		s    *decoder.Session
		want []string
	}{
		{"passive", anonymousSession(), []string{
			"Passive mode (EPSV, 2 transfers): the server announced a listening port and the client (192.0.2.10) opened the data connection to the server's port 40000.",
			"(this session used ports 40000-40001)",
			"Anonymous login as anonymous with the password <hidden>",
			"End: the client sent QUIT"}},
		{"active", hostileSession(), []string{
			"Active mode (PORT, 1 transfer): the client announced where it listens, and the server (198.51.100.7) opened the data connection from port 20",
			"which is why active mode breaks behind NAT",
			"user ops, the password <hidden> (masked here",
			"3 login attempts, 2 of them failed (530).",
			"1234 bytes of the control connection are missing",
			"1448 bytes of the data connection for STOR"}},
		{"tls", tlsSession(), []string{
			"No credentials are visible",
			"TLS: the control channel is encrypted after AUTH TLS at +0.103s",
			"(14 TLS records seen)",
			"The capture starts after it was opened (no SYN seen)",
			"End: the control connection was reset (RST)"}},
		{"brute", bruteSession(), []string{
			"116 login attempts, 14 of them failed (530).",
			"The data connection for RETR ../../etc/shadow is not in the capture",
			"End: the capture ends while the control connection is still open."}},
	}
	for _, tt := range tests {
		notes := strings.Join(Explain(tt.s, nil, Options{}).Notes, "\n")
		for _, w := range tt.want {
			if !strings.Contains(notes, w) {
				t.Errorf("%s: notes lack %q:\n%s", tt.name, w, notes)
			}
		}
	}
}

func TestExplainTextGolden(t *testing.T) {
	a, b := fxpPair()
	sessions := append(fixtureSessions(), a, b)
	var ladders []*Ladder
	for _, s := range sessions {
		ladders = append(ladders, Explain(s, sessions, Options{}))
	}
	var out bytes.Buffer
	if err := ExplainText(&out, ladders, Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "explain_text", out.Bytes())
}

func TestExplainHTMLGolden(t *testing.T) {
	var out bytes.Buffer
	s := anonymousSession()
	if err := ExplainHTML(&out, "fixture.pcap", []*Ladder{Explain(s, nil, Options{})}, Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "explain_html", out.Bytes())
}

// TestExplainTextFits checks every width: no line is wider than asked,
// nothing reaches the terminal unescaped, passwords stay hidden.
func TestExplainTextFits(t *testing.T) {
	a, b := fxpPair()
	sessions := append(fixtureSessions(), a, b)
	for _, show := range []bool{false, true} {
		for _, width := range []int{1, 60, 80, 96, 120, 200} {
			opts := Options{Width: width, ShowPasswords: show}
			var ladders []*Ladder
			for _, s := range sessions {
				ladders = append(ladders, Explain(s, sessions, opts))
			}
			var out bytes.Buffer
			if err := ExplainText(&out, ladders, opts); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			checkTerminalSafe(t, "explain text", text, false)
			limit := explainWidth(opts)
			for i, line := range strings.Split(text, "\n") {
				if w := textWidth(line); w > limit {
					t.Errorf("width %d: line %d is %d wide: %q", width, i+1, w, line)
				}
				if strings.HasSuffix(line, " ") {
					t.Errorf("width %d: line %d has trailing blanks: %q", width, i+1, line)
				}
			}
			for _, pw := range []string{"S3cure!pass", "Winter2024!", "hunter2", "guest@example.org", "letmein"} {
				if got := strings.Contains(text, pw); got != show {
					t.Errorf("width %d, ShowPasswords %v: password %q present = %v", width, show, pw, got)
				}
			}
		}
	}
}

// TestExplainHTMLIsInertAndSelfContained feeds markup and controls from
// the wire and checks none of it survives as markup, and that the page
// references nothing outside itself.
func TestExplainHTMLIsInertAndSelfContained(t *testing.T) {
	s := hostileSession()
	s.Transcript = append(s.Transcript,
		decoder.Entry{Kind: decoder.EntryCommand, TS: at(12000), Verb: "CWD", Arg: `</text></svg><script>alert(1)</script>`, Transfer: -1},
		decoder.Entry{Kind: decoder.EntryReply, TS: at(12001), Code: 550, Lines: []string{`"><img src=x onerror=alert(1)> & <style>@import url(https://example.com/x.css)</style>`}, Transfer: -1},
	)
	s.ID = `S2"><b>`
	var out bytes.Buffer
	opts := Options{ShowPasswords: true}
	if err := ExplainHTML(&out, `cap<script>.pcap`, []*Ladder{Explain(s, nil, opts)}, opts); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	checkTerminalSafe(t, "explain html", page, false)
	for _, bad := range []string{"<script", "<img", "<b>", "<style>@", "\x1b", "\u202e"} {
		if strings.Contains(page, bad) {
			i := strings.Index(page, bad)
			t.Errorf("page contains %q: %q", bad, page[max(0, i-60):min(len(page), i+60)])
		}
	}
	for _, want := range []string{"&lt;/text&gt;&lt;/svg&gt;&lt;script&gt;", "&#34;&gt;&lt;img", `\x1b[31mroot\x1b[0m\r\n`, `report\u202egnp.exe\xff\x00\r\n`, "S3cure!pass"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 1 {
		t.Errorf("%d <svg> elements, want 1", n)
	}
	if n := strings.Count(page, "<style"); n != 1 {
		t.Errorf("%d <style> elements, want 1", n)
	}

	// Nothing outside the page is referenced: no URL, import, source or
	// script of any kind in a page drawn from benign sessions.
	out.Reset()
	var ladders []*Ladder
	for _, s := range fixtureSessions()[:1] {
		ladders = append(ladders, Explain(s, nil, Options{}))
	}
	if err := ExplainHTML(&out, "fixtures", ladders, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"http:", "https:", "//", "url(", "@import", "src=", "<script", "<link", "<iframe", "<object", "<img"} {
		if strings.Contains(strings.ToLower(out.String()), bad) {
			i := strings.Index(strings.ToLower(out.String()), bad)
			t.Errorf("page references the outside (%q): %q", bad, out.String()[max(0, i-60):min(out.Len(), i+60)])
		}
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+\s*=`).FindString(out.String()); m != "" {
		t.Errorf("page has an event handler attribute: %q", m)
	}
}

func TestExplainEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := ExplainText(&out, nil, Options{}); err != nil || out.String() != "No FTP sessions.\n" {
		t.Errorf("text: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := ExplainHTML(&out, "empty.pcap", nil, Options{}); err != nil || !strings.Contains(out.String(), "No FTP sessions.") {
		t.Errorf("html: %v\n%s", err, out.String())
	}
	// A session with nothing in it still draws.
	l := Explain(&decoder.Session{ID: "s0"}, nil, Options{})
	out.Reset()
	if err := ExplainText(&out, []*Ladder{l}, Options{}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := ExplainHTML(&out, "x", []*Ladder{l}, Options{}); err != nil {
		t.Fatal(err)
	}
}

// FuzzExplain draws sessions made of arbitrary commands and replies, as
// the decoder would hand them over, and checks nothing panics, the text
// stays terminal safe and within its width, and the page stays inert.
func FuzzExplain(f *testing.F) {
	seeds := [][3]string{
		{"PORT", "192,0,2,10,195,80", "Entering Passive Mode (198,51,100,10,156,115)."},
		{"EPRT", "|2|2001:db8::1|5282|", "Entering Extended Passive Mode (|||40045|)"},
		{"LPRT", "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,1", "Entering Long Passive Mode (4,4,198,51,100,10,2,156,115)"},
		{"PASS", "\x1b]0;pwned\x07", "<script>alert(1)</script>"},
		{"RETR", "日本語\u202e.txt", "150 Opening (1024 bytes)\xff"},
		{"EPSV", "ALL", "(|||0|)"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], 227, uint8(0))
	}
	f.Fuzz(func(t *testing.T, verb, arg, reply string, code int, mode uint8) {
		s := oneEntrySession(
			decoder.Entry{Kind: decoder.EntryCommand, TS: at(10), Verb: verb, Arg: arg, Transfer: -1},
			decoder.Entry{Kind: decoder.EntryReply, TS: at(11), Code: code, Lines: []string{reply, arg}, Transfer: -1},
			decoder.Entry{Kind: decoder.EntryDataOpen, TS: at(12), Transfer: int(mode) % 3},
			decoder.Entry{Kind: decoder.EntryNote, TS: at(13), Text: reply, Transfer: -1},
		)
		s.User, s.Password = &arg, &reply
		tr := &decoder.Transfer{Command: verb, Arg: &arg, Negotiation: verb, Start: at(12), End: at(14), Bytes: ptr(int64(len(reply)))}
		switch mode % 4 {
		case 0:
			tr.Mode, tr.DataSrc, tr.DataDst = decoder.ModeActive, ap("198.51.100.10:20"), ap("203.0.113.9:8021")
		case 1:
			tr.Mode, tr.DataSrc, tr.DataDst = decoder.ModePassive, ap("[2001:db8::1]:5000"), ap("198.51.100.10:40000")
			tr.Notes = []string{"fxp", reply}
		case 2:
			tr.Notes = []string{"data_not_captured"}
		}
		s.Transfers = []*decoder.Transfer{tr}
		s.Notes = []string{reply}
		opts := Options{Width: 60 + int(mode)}
		l := Explain(s, []*decoder.Session{s, nil}, opts)
		var out bytes.Buffer
		if err := ExplainText(&out, []*Ladder{l}, opts); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, "text", out.String(), false)
		for _, line := range strings.Split(out.String(), "\n") {
			if textWidth(line) > opts.Width {
				t.Fatalf("line wider than %d: %q", opts.Width, line)
			}
		}
		out.Reset()
		if err := ExplainHTML(&out, arg, []*Ladder{l}, opts); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "<script") {
			t.Fatalf("markup from the wire reached the page")
		}
	})
}

// TestExplainWithSegmentTimes draws with every TCP segment time known, as
// it will once the decoder records them (see connTimes): the SYN-ACK gets
// its time and the closes their real direction.
func TestExplainWithSegmentTimes(t *testing.T) {
	s := anonymousSession()
	b := &ladderBuilder{s: s, opts: Options{}, taught: map[string]bool{},
		control: connTimes{Handshake: true, SYN: at(0), SYNACK: at(1), ACK: at(2), OpenerFIN: at(3050), AcceptorFIN: at(3040)},
		dataTimes: func(tr *decoder.Transfer) connTimes {
			c := connTimes{Handshake: true, SYN: tr.Start, SYNACK: tr.Start.Add(ms(0.2)), ACK: tr.Start.Add(ms(0.3)), AcceptorFIN: tr.End}
			if tr.Command == "LIST" {
				c.AcceptorFIN, c.RST, c.RSTByOpener = time.Time{}, tr.End, true
			}
			return c
		}}
	l := b.build()
	var got []string
	for _, st := range l.Steps {
		if st.Kind == StepTCP || st.Kind == StepDataTCP {
			when := "-"
			if st.Timed {
				when = ladderTime(st.At)
			}
			got = append(got, fmt.Sprintf("%s %d>%d %s", when, st.From, st.To, strings.Fields(st.Label)[0]))
		}
	}
	want := []string{
		"+0.000s 0>1 SYN", "+0.001s 1>0 SYN-ACK", "+0.002s 0>1 ACK",
		"+1.510s 0>1 SYN", "+1.510s 1>0 SYN-ACK", "+1.510s 0>1 ACK", "+1.530s 0>1 RST",
		"+2.020s 0>1 SYN", "+2.020s 1>0 SYN-ACK", "+2.020s 0>1 ACK", "+2.520s 1>0 FIN",
		"+3.040s 1>0 FIN", "+3.050s 0>1 FIN",
	}
	if !slices.Equal(got, want) {
		t.Errorf("segments:\n got %q\nwant %q", got, want)
	}
}
