package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/cmd/ftpsniff-benchgen/benchgen"
)

func TestFormatProgress(t *testing.T) {
	const (
		MB = 1_000_000
		GB = 1_000 * MB
	)
	tests := []struct {
		name    string
		p       capture.Progress
		elapsed time.Duration
		width   int
		want    string
	}{
		{"one file",
			capture.Progress{BytesRead: 412_300_000, TotalBytes: 954_200_000, Frames: 1_260_000, File: "/data/bench-1g.pcap", Files: 1},
			1330 * time.Millisecond, 80,
			"reading bench-1g.pcap  412.3/954.2 MB  43%  1.26 M packets  310 MB/s  ETA 0:02"},
		{"size unknown (a pipe)",
			capture.Progress{BytesRead: 412_300_000, Frames: 1_260_000, File: "standard input", Files: 1},
			1330 * time.Millisecond, 80,
			"reading standard input  412 MB  1.26 M packets  310 MB/s"},
		{"several files: which one, overall figures",
			capture.Progress{BytesRead: 3 * GB / 2, TotalBytes: 3 * GB, Frames: 12_345, File: "/var/log/ftp/r01.pcap", FileIndex: 1, Files: 3},
			10 * time.Second, 80,
			"reading (2/3) r01.pcap  1.50/3.00 GB  50%  12.3 k packets  150 MB/s  ETA 0:10"},
		{"hours left",
			capture.Progress{BytesRead: 10 * MB, TotalBytes: 10 * GB, Frames: 9_999, File: "big.pcap", Files: 1},
			10 * time.Second, 80,
			"reading big.pcap  0.0/10.0 GB  0%  9999 packets  1.00 MB/s  ETA 2:46:30"},
		{"no time yet: no rate, no ETA",
			capture.Progress{BytesRead: 24, TotalBytes: 900, Frames: 0, File: "a.pcap", Files: 1},
			0, 80,
			"reading a.pcap  24/900 B  2%  0 packets"},
		{"done: no ETA",
			capture.Progress{BytesRead: 82_345, TotalBytes: 82_345, Frames: 1, File: "a.pcap", Files: 1},
			time.Second, 80,
			"reading a.pcap  82.3/82.3 kB  100%  1 packet  82.3 kB/s"},
		{"a file that grew while read counts as done",
			capture.Progress{BytesRead: 2 * MB, TotalBytes: MB, Frames: 10, File: "a.pcap", Files: 1},
			time.Second, 80,
			"reading a.pcap  1.00/1.00 MB  100%  10 packets  1.00 MB/s"},
		{"a long name loses the rate, the packet count, then its middle",
			capture.Progress{BytesRead: 412_300_000, TotalBytes: 954_200_000, Frames: 1_260_000, File: "/captures/edge-router-3-uplink-2024-05-06T07-00-00.pcap.gz", FileIndex: 11, Files: 42},
			1330 * time.Millisecond, 80,
			"reading (12/42) edge-router-3-u…07-00-00.pcap.gz  412.3/954.2 MB  43%  ETA 0:02"},
		{"a wide terminal keeps it all",
			capture.Progress{BytesRead: 412_300_000, TotalBytes: 954_200_000, Frames: 1_260_000, File: "/captures/edge-router-3-uplink-2024-05-06T07-00-00.pcap.gz", FileIndex: 11, Files: 42},
			1330 * time.Millisecond, 132,
			"reading (12/42) edge-router-3-uplink-2024-05-06T07-00-00.pcap.gz  412.3/954.2 MB  43%  1.26 M packets  310 MB/s  ETA 0:02"},
		{"a narrow one keeps at least 12 characters of the name",
			capture.Progress{BytesRead: 412_300_000, TotalBytes: 954_200_000, Frames: 1_260_000, File: "edge-router-3-uplink.pcap", Files: 1},
			1330 * time.Millisecond, 50,
			"reading edge-…k.pcap  412.3/954.2 MB  43%  ETA 0:02"},
		{"control characters in the name are escaped",
			capture.Progress{BytesRead: 100, TotalBytes: 100, Frames: 1, File: "x\x1b[2Jy.pcap", Files: 1},
			0, 80,
			`reading x\x1b[2Jy.pcap  100/100 B  100%  1 packet`},
		{"a source that knows only frames",
			capture.Progress{Frames: 8192},
			time.Second, 80,
			"reading  8192 packets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := formatProgress(tc.p, tc.elapsed, tc.width)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if n := len([]rune(got)); n > tc.width-1 && tc.width-1 >= len([]rune(tc.want)) {
				t.Errorf("%d columns, more than %d", n, tc.width-1)
			}
		})
	}
}

// fakeProgress is a source's progress set by the test.
type fakeProgress struct{ p capture.Progress }

func (f *fakeProgress) Progress() capture.Progress { return f.p }

// TestProgressLine drives the line with a fake clock: nothing before
// progressInterval, at most one drawing per interval, a shorter line
// padded over the longer one, and a clear at the end that leaves the
// cursor at the start of an empty line.
func TestProgressLine(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	clock := t0
	now := func() time.Time { return clock }
	src := &fakeProgress{capture.Progress{BytesRead: 250_000, TotalBytes: 1_000_000, Frames: 4096, File: "a.pcap", Files: 1}}
	var buf bytes.Buffer
	l := newProgressLine(&buf, src, now, false, 80)

	shown := 0 // width of the line on screen
	step := func(d time.Duration, line string) {
		t.Helper()
		clock = clock.Add(d)
		l.tick(src.p.Frames)
		want := ""
		if line != "" { // drawn over what was there, padded
			want = "\r" + line + strings.Repeat(" ", max(0, shown-len(line)))
			shown = len(line)
		}
		if got := buf.String(); got != want {
			t.Errorf("after %v: wrote %q, want %q", clock.Sub(t0), got, want)
		}
		buf.Reset()
	}
	step(100*time.Millisecond, "")
	step(150*time.Millisecond, "reading a.pcap  0.25/1.00 MB  25%  4096 packets  1.00 MB/s  ETA 0:01")
	src.p.BytesRead, src.p.Frames = 300_000, 8192
	step(200*time.Millisecond, "")
	step(100*time.Millisecond, "reading a.pcap  0.30/1.00 MB  30%  8192 packets  545 kB/s  ETA 0:02")
	src.p.TotalBytes = 0 // a shorter line
	step(time.Second-50*time.Millisecond, "reading a.pcap  300 kB  8192 packets  200 kB/s")
	l.done(8192)
	if got, want := buf.String(), "\r"+strings.Repeat(" ", shown)+"\r"; got != want {
		t.Errorf("done wrote %q, want %q", got, want)
	}
	buf.Reset()
	l.done(8192)
	if buf.Len() != 0 {
		t.Errorf("a second done wrote %q", buf.String())
	}

	// A read shorter than the interval shows nothing...
	l = newProgressLine(&buf, src, now, false, 80)
	clock = clock.Add(10 * time.Millisecond)
	l.tick(1)
	l.done(1)
	if buf.Len() != 0 {
		t.Errorf("a short read wrote %q", buf.String())
	}
	// ... unless forced: then the final state is drawn, and cleared.
	l = newProgressLine(&buf, src, now, true, 80)
	clock = clock.Add(time.Second)
	l.done(8192)
	if got, want := buf.String(), "\rreading a.pcap  300 kB  8192 packets  300 kB/s\r"+strings.Repeat(" ", 46)+"\r"; got != want {
		t.Errorf("forced done wrote %q, want %q", got, want)
	}

	var none *progressLine // what the pipeline holds when progress is off
	none.tick(1)
	none.done(1)
}

func TestWantProgress(t *testing.T) {
	tests := []struct {
		name                                        string
		on, off, quiet, streaming, errTerm, outTerm bool
		want                                        bool
	}{
		{name: "stderr is a terminal", errTerm: true, want: true},
		{name: "stderr is a terminal, report after the read", errTerm: true, outTerm: true, want: true},
		{name: "stderr is not a terminal", outTerm: true, want: false},
		{name: "--quiet", quiet: true, errTerm: true, want: false},
		{name: "--no-progress", off: true, errTerm: true, want: false},
		{name: "--progress without a terminal", on: true, want: true},
		{name: "--progress wins over --quiet", on: true, quiet: true, want: true},
		{name: "--no-progress wins over --progress", on: true, off: true, errTerm: true, want: false},
		{name: "report streamed to the same terminal", streaming: true, errTerm: true, outTerm: true, want: false},
		{name: "report streamed to a pipe", streaming: true, errTerm: true, want: true},
		{name: "report streamed to a terminal, --progress", on: true, streaming: true, errTerm: true, outTerm: true, want: true},
	}
	for _, tc := range tests {
		if got := wantProgress(tc.on, tc.off, tc.quiet, tc.streaming, tc.errTerm, tc.outTerm); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var nilFile *os.File
	for name, w := range map[string]interface{ Write([]byte) (int, error) }{
		"buffer": &bytes.Buffer{}, "regular file": f, "/dev/null": null, "nil file": nilFile,
	} {
		if isTerminal(w) {
			t.Errorf("%s taken for a terminal", name)
		}
	}
}

// progressRE is what --progress leaves on stderr for a clean read: one
// or more drawings of the line, then spaces over it, the cursor back at
// the start of the line and nothing else (no newline).
var progressRE = regexp.MustCompile(`^(\rreading [^\r\n]+ packets[^\r\n]*)+\r +\r$`)

// TestProgressOnTheCommandLine: --progress writes the line and clears it
// without changing stdout or the exit status; without a terminal and
// without --progress nothing is written to stderr.
func TestProgressOnTheCommandLine(t *testing.T) {
	passive := pcapPath("vsftpd-anon-passive.pcap")
	split1, split2 := pcapPath("split-session-1.pcap"), pcapPath("split-session-2.pcap")
	tests := []struct {
		name string
		args []string
		line string // must be in the final drawing
	}{
		{"read", []string{"read", passive}, "reading vsftpd-anon-passive.pcap  82.3/82.3 kB  100%  170 packets  "},
		{"read --json", []string{"read", "--json", passive}, "170 packets"},
		{"read --transcript", []string{"read", "--transcript", passive}, "170 packets"},
		{"read gzip", []string{"read", pcapPath("vsftpd-anon-passive.pcap.gz")}, "vsftpd-anon-passive.pcap.gz  "},
		{"read two files", []string{"read", split1, split2}, "reading (2/2) split-session-2.pcap  28.6/28.6 kB  100%  "},
		{"audit", []string{"audit", passive}, "170 packets"},
		{"explain", []string{"explain", passive}, "170 packets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantOut, wantErr, wantCode := runCLI(t, nil, tc.args...)
			if wantErr != "" {
				t.Errorf("without a terminal, stderr got %q", wantErr)
			}
			for _, flags := range [][]string{{"--progress"}, {"--progress", "--quiet"}} {
				args := append(append([]string{tc.args[0]}, flags...), tc.args[1:]...)
				out, errOut, code := runCLI(t, nil, args...)
				if out != wantOut || code != wantCode {
					t.Errorf("%v: stdout or exit status (%d, want %d) changed", flags, code, wantCode)
				}
				if !progressRE.MatchString(errOut) || !strings.Contains(errOut, tc.line) {
					t.Errorf("%v: stderr %q\nwant the line with %q, then a clear", flags, errOut, tc.line)
				}
			}
			out, errOut, code := runCLI(t, nil, append([]string{tc.args[0], "--no-progress"}, tc.args[1:]...)...)
			if out != wantOut || code != wantCode || errOut != "" {
				t.Errorf("--no-progress: exit %d, stderr %q", code, errOut)
			}
		})
	}

	// A real file as stderr is not a terminal either.
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	var out bytes.Buffer
	if code := run([]string{"read", passive}, bytes.NewReader(nil), &out, errFile); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if fi, err := errFile.Stat(); err != nil || fi.Size() != 0 {
		t.Errorf("stderr to a file: %d bytes written (%v)", fi.Size(), err)
	}

	_, errOut, code := runCLI(t, nil, "read", "--progress", "--no-progress", passive)
	if code != exitUsage || !strings.Contains(errOut, "--progress and --no-progress") {
		t.Errorf("--progress --no-progress: exit %d, stderr %q", code, errOut)
	}
}

// TestProgressClearedBeforeWarnings: warnings start on a line of their
// own, after the progress line was erased.
func TestProgressClearedBeforeWarnings(t *testing.T) {
	broken := filepath.Join(repoRoot, "testdata", "broken", "ethernet-cut-10.pcap")
	_, errOut, code := runCLI(t, nil, "read", "--progress", broken)
	if code != exitPartial {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	progress, warnings, ok := strings.Cut(errOut, "ftpsniff: warning: ")
	if !ok || !progressRE.MatchString(progress) || strings.Contains(warnings, "\r") {
		t.Errorf("stderr %q: want the progress line, its clear, then the warnings", errOut)
	}
}

// TestProgressDuringAnalysis runs the pipeline over a capture of many
// thousand packets with a clock that makes every check draw, serially and
// with the read-ahead stage (where the source is read on another
// goroutine: run with -race). The line follows the read to its end and
// the analysis is the same as without it.
func TestProgressDuringAnalysis(t *testing.T) {
	file, st := benchCapture(t, benchgen.Config{FTPSessions: 10, DNSFlows: 3000})
	if st.Packets < 3*progressEvery {
		t.Fatalf("only %d packets", st.Packets)
	}
	for _, threads := range []int{1, 2} {
		af := defaultAnalysisFlags()
		af.threads = threads
		plain, err := analyze(benchOpen(t, file), &af, af.decoderConfig(), true)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		clock := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
		af.progress = progressFlags{w: &buf, width: 80, now: func() time.Time {
			clock = clock.Add(progressInterval)
			return clock
		}}
		res, err := analyze(benchOpen(t, file), &af, af.decoderConfig(), true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Frames != plain.Frames || len(res.Sessions) != len(plain.Sessions) || len(res.Warnings) != len(plain.Warnings) {
			t.Errorf("threads %d: %d frames, %d sessions with progress; %d, %d without", threads, res.Frames, len(res.Sessions), plain.Frames, len(plain.Sessions))
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\r"), "\r")
		if want := int(res.Frames/progressEvery) + 2; len(lines) != want { // "", the drawings, the clear
			t.Errorf("threads %d: %d pieces of output, want %d: %q", threads, len(lines), want, buf.String())
			continue
		}
		t.Logf("threads %d: %d drawings, the last %q", threads, len(lines)-2, lines[len(lines)-2])
		if !progressRE.MatchString(buf.String()) || !strings.Contains(lines[len(lines)-2], "reading standard input  ") {
			t.Errorf("threads %d: output %q", threads, buf.String())
		}
	}
}
