package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pcapPath(name string) string { return filepath.Join(repoRoot, "testdata", "pcaps", name) }

// assertOneLineError checks the shape of every error a user can meet: one
// line on stderr, starting with the program name, no Go stack trace.
func assertOneLineError(t *testing.T, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) < 1 || !strings.HasPrefix(lines[0], "ftpsniff: ") {
		t.Errorf("stderr does not start with 'ftpsniff: ':\n%s", stderr)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr looks like a stack trace (%q):\n%s", bad, stderr)
		}
	}
}

func TestReadBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("these are my notes, not packets\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pcap")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"not a capture", []string{"read", text}, exitError, "not a pcap or pcapng capture"},
		{"empty file", []string{"read", empty}, exitError, "empty"},
		{"missing file", []string{"read", filepath.Join(dir, "nope.pcap")}, exitError, "no such file"},
		{"no file", []string{"read"}, exitUsage, "requires at least 1 arg"},
		{"unknown flag", []string{"read", "--frobnicate", text}, exitUsage, "unknown flag"},
		{"bad port", []string{"read", "--ports", "70000", text}, exitUsage, "not a TCP port"},
		{"bad limit", []string{"read", "--max-line", "3", text}, exitUsage, "--max-line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			if out != "" {
				t.Errorf("stdout not empty:\n%s", out)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not mention %q", errOut, tt.wantErr)
			}
			assertOneLineError(t, errOut)
		})
	}
}

// A capture cut inside a record still gives the report of what was read,
// a warning naming the file and the packet count, and exit status 3.
func TestReadTruncatedCapture(t *testing.T) {
	full, err := os.ReadFile(pcapPath("vsftpd-user-active-port20.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, full[:len(full)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, nil, "read", cut)
	if code != exitPartial {
		t.Errorf("exit %d, want %d", code, exitPartial)
	}
	if !strings.Contains(out, "ftpuser") || !strings.Contains(out, "Sessions (1)") {
		t.Errorf("report of what was read is missing:\n%s", out)
	}
	if !strings.Contains(errOut, "cut.pcap") || !strings.Contains(errOut, "truncated") || !strings.Contains(errOut, "packets") {
		t.Errorf("warning should name the file, say truncated and after how many packets:\n%s", errOut)
	}
	assertOneLineError(t, errOut)
}

// "-" reads standard input; a gzip-compressed capture reads like the
// plain one.
func TestReadStdinAndGzip(t *testing.T) {
	want, _, code := runCLI(t, nil, "read", "--json", pcapPath("vsftpd-anon-passive.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	raw, err := os.ReadFile(pcapPath("vsftpd-anon-passive.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	got, errOut, code := runCLI(t, raw, "read", "--json", "-")
	if code != exitOK || got != want {
		t.Errorf("stdin: exit %d, output differs from the file's; stderr:\n%s", code, errOut)
	}
	gz, errOut, code := runCLI(t, nil, "read", "--json", pcapPath("vsftpd-anon-passive.pcap.gz"))
	if code != exitOK || gz != want {
		t.Errorf("gzip: exit %d, output differs from the plain capture's; stderr:\n%s", code, errOut)
	}
}

// Two rotated files are one capture: the session split between them is
// reported once, whole, whatever order the files are named in.
func TestReadRotatedFilesAsOneCapture(t *testing.T) {
	a, b := pcapPath("split-session-1.pcap"), pcapPath("split-session-2.pcap")
	one, _, code := runCLI(t, nil, "read", "--json", a, b)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	swapped, _, _ := runCLI(t, nil, "read", "--json", b, a)
	if one != swapped {
		t.Errorf("output depends on the order of the files")
	}
	sessions := jsonRecords(t, one, "session")
	if len(sessions) != 1 {
		t.Fatalf("got %d sessions, want 1", len(sessions))
	}
	s := sessions[0]
	if s["handshake"] != true || s["end_reason"] != "quit" || s["login"] != "success" {
		t.Errorf("split session not whole: handshake=%v end=%v login=%v", s["handshake"], s["end_reason"], s["login"])
	}
}

// Passwords never reach the output unless asked for.
func TestReadPasswordMasking(t *testing.T) {
	const secret = "lab-pass-1"
	for _, mode := range [][]string{nil, {"--json"}, {"--transcript"}} {
		args := append(append([]string{"read"}, mode...), pcapPath("vsftpd-user-active-port20.pcap"))
		out, _, _ := runCLI(t, nil, args...)
		if strings.Contains(out, secret) {
			t.Errorf("%v: password printed without --show-passwords", mode)
		}
		if !strings.Contains(out, "<hidden>") {
			t.Errorf("%v: no <hidden> placeholder", mode)
		}
		args = append([]string{"read", "--show-passwords"}, args[1:]...)
		out, _, _ = runCLI(t, nil, args...)
		if !strings.Contains(out, secret) {
			t.Errorf("%v: --show-passwords did not show the password", mode)
		}
	}
}

// jsonRecords decodes NDJSON output and returns the records of one type.
func jsonRecords(t *testing.T, ndjson, typ string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %v: %s", err, line)
		}
		if m["type"] == typ {
			recs = append(recs, m)
		}
	}
	return recs
}
