package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUndecodedWarningNamesTheFile: with several inputs, the warning about
// undecodable packets says in which file the first one is, since packet
// numbers count within a file; with one input it stays "packet K" (the
// goldens pin that form).
func TestUndecodedWarningNamesTheFile(t *testing.T) {
	// Paths in messages are the ones a user types from the repository root.
	t.Chdir(repoRoot)
	const (
		good   = "testdata/pcaps/vsftpd-user-active-port20.pcap"
		broken = "testdata/broken/ethernet-cut-10.pcap" // packet 12 cut to 10 bytes
		cause  = "ftpsniff: warning: 1 packets not decoded: ethernet: packet too short "
	)
	brokenBytes, err := os.ReadFile(broken)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin []byte
		files []string
		want  string
	}{
		{"one file", nil, []string{broken}, "(first at packet 12)"},
		{"second of two", nil, []string{good, broken}, "(first at " + broken + " packet 12)"},
		{"first of two", nil, []string{broken, good}, "(first at " + broken + " packet 12)"},
		{"standard input", brokenBytes, []string{good, "-"}, "(first at standard input packet 12)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range []string{"read", "audit", "explain"} {
				_, errOut, code := runCLI(t, tc.stdin, append([]string{cmd}, tc.files...)...)
				if code != exitPartial {
					t.Errorf("%s: exit %d, want %d", cmd, code, exitPartial)
				}
				if !strings.Contains(errOut, cause+tc.want+"\n") {
					t.Errorf("%s: stderr %q\nwant %q", cmd, errOut, cause+tc.want)
				}
			}
		})
	}
}

// TestJSONSummarySaysDamaged: the summary record of read --json carries
// what stderr says (damaged, the warnings) and how much was read, so a
// saved report tells by itself that it covers only part of a capture.
func TestJSONSummarySaysDamaged(t *testing.T) {
	t.Chdir(repoRoot)
	tests := []struct {
		file     string
		damaged  bool
		warnings []string
	}{
		{"testdata/pcaps/vsftpd-anon-passive.pcap", false, []string{}},
		{"testdata/broken/cut-in-record-data.pcap", true, []string{
			"testdata/broken/cut-in-record-data.pcap: capture file is truncated: file ends inside a packet record (after 25 packets)"}},
		{"testdata/broken/tcp-header-cut.pcap", true, []string{
			"1 packets not decoded: TCP: packet too short (first at packet 16)"}},
	}
	for _, tc := range tests {
		out, _, _ := runCLI(t, nil, "read", "--json", tc.file)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var sum struct {
			Type     string
			Packets  int64
			Bytes    int64
			First    *string
			Damaged  bool
			Warnings []string
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Type != "summary" {
			t.Fatalf("%s: last record %q: %v", tc.file, lines[len(lines)-1], err)
		}
		if sum.Damaged != tc.damaged || !slices.Equal(sum.Warnings, tc.warnings) {
			t.Errorf("%s: damaged %v, warnings %q; want %v, %q", tc.file, sum.Damaged, sum.Warnings, tc.damaged, tc.warnings)
		}
		if sum.Packets <= 0 || sum.Bytes <= sum.Packets || sum.First == nil {
			t.Errorf("%s: packets %d, bytes %d, first %v", tc.file, sum.Packets, sum.Bytes, sum.First)
		}
	}
}

// TestNoFindings: read --json --no-findings writes the same session and
// summary records, without the findings (and without what the audit keeps
// until the end); without --json the flag is a usage error.
func TestNoFindings(t *testing.T) {
	t.Chdir(repoRoot)
	const capture = "testdata/pcaps/proftpd-bruteforce.pcap"
	all, _, code := runCLI(t, nil, "read", "--json", capture)
	some, _, code2 := runCLI(t, nil, "read", "--json", "--no-findings", capture)
	if code != 0 || code2 != 0 || !strings.Contains(all, `"type":"finding"`) {
		t.Fatalf("exit %d and %d; findings in the full report: %v", code, code2, strings.Contains(all, `"type":"finding"`))
	}
	var want []string
	for _, line := range strings.SplitAfter(all, "\n") {
		if !strings.Contains(line, `"type":"finding"`) {
			want = append(want, line)
		}
	}
	if some != strings.Join(want, "") {
		t.Errorf("--no-findings output differs from the full report without its findings:\n%s", some)
	}
	if _, errOut, code := runCLI(t, nil, "read", "--no-findings", capture); code != exitUsage || !strings.Contains(errOut, "--no-findings goes with --json") {
		t.Errorf("without --json: exit %d, stderr %q", code, errOut)
	}
}

// TestHostileFileNameEscaped: a capture whose file name carries terminal
// escapes (a file from a directory someone else filled) is named in
// errors and warnings with its control characters escaped.
func TestHostileFileNameEscaped(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content string }{
		{"x\x1b[2Jnot-a-capture.pcap", "hello"},
		{"y\x1b]0;title\x07cut.pcap", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00"}, // pcap header cut
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := runCLI(t, nil, "read", path)
		if code == 0 || strings.ContainsAny(errOut, "\x1b\x07") || !strings.Contains(errOut, `\x1b`) {
			t.Errorf("%q: exit %d, stderr %q", tc.name, code, errOut)
		}
	}
}
