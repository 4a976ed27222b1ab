package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/report"
)

// Fuzz targets for the whole pipeline, capture bytes to printed report.
// The decoder's own targets (FuzzSession, FuzzEndToEnd) start below the
// capture and packet layers and stop before the report; these start at
// the file and end at the text a terminal or a JSON consumer receives:
//
//   - FuzzPipeline: arbitrary bytes as a capture file.
//   - FuzzDialogue: an FTP dialogue in the chunk format of Zeek's FTP
//     fuzzer (so its OSS-Fuzz corpus seeds it), turned into the packets of
//     one TCP connection, with holes, conflicting retransmissions and
//     reordering chosen by the input.
//
// Both run with small limits so the fuzzer reaches them, and check that
// the run ends without a panic, that every output is valid (JSON) and
// safe for a terminal (no control character, no bidi override), that
// warnings are one line each, and that the same input gives the same
// output. `make fuzz` runs them for FUZZTIME each; CI does too.

// zeekFuzzCorpus is the seed corpus of Zeek's FTP fuzzer, read (never
// copied) when the shared corpus is present next to the repository.
func zeekFuzzCorpus(tb testing.TB) [][]byte {
	tb.Helper()
	path := filepath.Join(repoRoot, "..", "shared", "corpus", "zeek", "extra", "ftp-fuzz-corpus.zip")
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer zr.Close()
	var seeds [][]byte
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || f.UncompressedSize64 > 1<<20 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			tb.Fatalf("%s: %s: %v", path, f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatalf("%s: %s: %v", path, f.Name, err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// maxSeed keeps seeds small: the first 8 KiB of a capture hold the
// handshake, the login and the first commands, and keep every fuzzing
// iteration fast.
const maxSeed = 8 << 10

func FuzzPipeline(f *testing.F) {
	for _, dir := range []string{"pcaps", "broken"} {
		files, err := filepath.Glob(filepath.Join(repoRoot, "testdata", dir, "*"))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() ||
				!strings.Contains(p, ".pcap") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b[:min(len(b), maxSeed)])
		}
	}
	for _, d := range zeekFuzzCorpus(f) {
		f.Add(dialoguePcap(d))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPipeline(t, data)
	})
}

func FuzzDialogue(f *testing.F) {
	f.Add([]byte("\x01PKT\x02220 ready\r\n\x01PKT\x01USER a\r\n\x01PKT\x02331 pw\r\n\x01PKT\x01PASS b\r\n\x01PKT\x02230 ok\r\n"))
	f.Add([]byte("\x01PKT\x02220 ready\r\n\x01PKT\x01PASV\r\n\x01PKT\x02227 Entering Passive Mode (198,51,100,10,4,1)\r\n" +
		"\x01PKT\x21RETR x\r\n\x01PKT\x02150 go\r\n\x01PKT\x82226 ok\r\n\x01PKT\x41QUIT\r\n\x01PKT\x02221 bye\r\n"))
	f.Add([]byte("\x01PKT\x02220-a\r\n220-b\r\n\x01PKT\x02220 c\r\n\x01PKT\x01AUTH TLS\r\n\x01PKT\x02234 go\r\n\x01PKT\x01\x16\x03\x01\x00\x05hello"))
	for _, d := range zeekFuzzCorpus(f) {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPipeline(t, dialoguePcap(data))
	})
}

// dialoguePcap turns input in the format of Zeek's fuzzers into a pcap
// of one FTP control connection. The input is chunks, each introduced by
// "\x01PKT" and a flags byte; the bytes up to the next "\x01PKT" are one
// TCP segment. Flags: 0x01 the client sends it (else the server, as in
// Zeek); 0x80 it is not captured (a hole); 0x40 a copy with different
// content follows it (a conflicting retransmission); 0x20 it arrives
// after the next segment (reordering). Bytes before the first "\x01PKT"
// are ignored.
func dialoguePcap(data []byte) []byte {
	const magic = "\x01PKT"
	type seg struct {
		fromClient bool
		seq, ack   uint32
		payload    []byte
	}
	c := newSynthCapture()
	k := c.conn(attackClient(40000), attackServer(21))
	k.open()
	var (
		out     []seg
		delayed *seg
	)
	emit := func(s seg) {
		out = append(out, s)
		if delayed != nil {
			out = append(out, *delayed)
			delayed = nil
		}
	}
	i := bytes.Index(data, []byte(magic))
	for i >= 0 && i+len(magic) < len(data) {
		flags := data[i+len(magic)]
		body := data[i+len(magic)+1:]
		next := bytes.Index(body, []byte(magic))
		if next >= 0 {
			body = body[:next]
			i += len(magic) + 1 + next
		} else {
			i = -1
		}
		for len(body) > 0 {
			p := body[:min(len(body), synthMaxPayload)]
			body = body[len(p):]
			s := seg{fromClient: flags&0x01 != 0, payload: p}
			if s.fromClient {
				s.seq, s.ack = k.cseq, k.sseq
				k.cseq += uint32(len(p))
			} else {
				s.seq, s.ack = k.sseq, k.cseq
				k.sseq += uint32(len(p))
			}
			switch {
			case flags&0x80 != 0:
				// not captured
			case flags&0x20 != 0 && delayed == nil:
				delayed = &s
			default:
				emit(s)
			}
			if flags&0x40 != 0 {
				alt := bytes.Clone(p)
				for j := range alt {
					alt[j] ^= 0x20
				}
				s.payload = alt
				emit(s)
			}
		}
	}
	if delayed != nil {
		out = append(out, *delayed)
	}
	for _, s := range out {
		src, dst := k.srv, k.cli
		if s.fromClient {
			src, dst = k.cli, k.srv
		}
		c.segment(src, dst, s.seq, s.ack, 0x18, s.payload) // PSH|ACK
	}
	k.close()
	return c.bytes()
}

// fuzzAnalysis are small bounds, so fuzzed inputs reach them.
func fuzzAnalysis() (analysisFlags, decoder.Config) {
	af := defaultAnalysisFlags()
	af.maxConns = 16
	af.maxConnBuffer = 4 << 10
	af.maxBuffer = 16 << 10
	af.maxLine = 128
	af.maxExpectations = 8
	af.idleTimeout = time.Minute
	cfg := af.decoderConfig()
	cfg.MaxTranscript = 64
	cfg.MaxPending = 8
	cfg.MaxReplyLines = 8
	cfg.MaxTransfers = 8
	cfg.MaxLoginAttempts = 4
	return af, cfg
}

// checkPipeline runs data through the pipeline twice and checks the
// invariants every input must keep.
func checkPipeline(t *testing.T, data []byte) {
	first, ok := renderPipeline(t, data)
	if !ok {
		return
	}
	if again, _ := renderPipeline(t, data); again != first {
		t.Fatalf("the same input gave different output:\n%s", firstDiff(first, again))
	}
}

// renderPipeline analyses data as a capture file and renders every
// report; ok is false when the input was refused as a whole.
func renderPipeline(t *testing.T, data []byte) (string, bool) {
	src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(data), MaxFrame: 64 << 10})
	if err != nil {
		// From memory there is no I/O error: every refusal must be one
		// the command can explain.
		if !errors.Is(err, capture.ErrEmpty) && !errors.Is(err, capture.ErrNotCapture) && !errors.Is(err, capture.ErrTruncated) {
			t.Fatalf("refused with an unclassified error: %v", err)
		}
		if strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error of more than one line: %q", err)
		}
		return "", false
	}
	defer src.Close()
	af, cfg := fuzzAnalysis()
	res, err := analyze(src, &af, cfg, true)
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	for _, w := range res.Warnings {
		if strings.ContainsAny(w, "\r\n") {
			t.Fatalf("warning of more than one line: %q", w)
		}
	}
	for _, s := range res.Sessions {
		if len(s.Transcript) > cfg.MaxTranscript || len(s.Transfers) > cfg.MaxTransfers || len(s.LoginAttempts) > cfg.MaxLoginAttempts {
			t.Fatalf("%s keeps %d entries, %d transfers, %d login attempts: past the bounds %d, %d, %d", s.ID,
				len(s.Transcript), len(s.Transfers), len(s.LoginAttempts), cfg.MaxTranscript, cfg.MaxTransfers, cfg.MaxLoginAttempts)
		}
	}

	var text, js bytes.Buffer
	opts := report.Options{}
	if err := report.Table(&text, res.Sessions, res.Summary, opts); err != nil {
		t.Fatalf("table: %v", err)
	}
	if err := report.Transcript(&text, res.Sessions, opts); err != nil {
		t.Fatalf("transcript: %v", err)
	}
	var ladders []*report.Ladder
	for _, s := range res.Sessions {
		ladders = append(ladders, report.Explain(s, res.Sessions, opts))
	}
	if err := report.ExplainText(&text, ladders, opts); err != nil {
		t.Fatalf("explain: %v", err)
	}
	jw := report.NewJSONWriter(&js, opts)
	for _, s := range res.Sessions {
		if err := jw.Session(s); err != nil {
			t.Fatalf("json session: %v", err)
		}
	}
	for _, f := range audit.Audit(res.Sessions, audit.DefaultConfig()) {
		if err := jw.Finding(f); err != nil {
			t.Fatalf("json finding: %v", err)
		}
	}
	if err := jw.Summary(res.Summary, res.input()); err != nil {
		t.Fatalf("json summary: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(js.String(), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("invalid JSON record: %q", line)
		}
	}
	if err := terminalSafe(text.String(), false); err != nil {
		t.Fatalf("text report: %v", err)
	}
	// encoding/json leaves DEL as is (RFC 8259 allows it, and terminals
	// ignore it); everything else must be escaped there too.
	if err := terminalSafe(js.String(), true); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return fmt.Sprintf("%s\n%s\n%q", text.String(), js.String(), res.Warnings), true
}

// terminalSafe reports the first thing in s that a terminal could obey
// or that could make one line look like another: invalid UTF-8, a control
// character other than the line feed, a format character (bidi
// overrides, zero-width), a line or paragraph separator. allowDEL
// accepts U+007F.
func terminalSafe(s string, allowDEL bool) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d: %q", i, around(s, i))
			}
		case r == '\n', r == 0x7f && allowDEL:
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			return fmt.Errorf("%U at byte %d: %q", r, i, around(s, i))
		}
	}
	return nil
}

// around is the text around byte i, for error messages.
func around(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}
