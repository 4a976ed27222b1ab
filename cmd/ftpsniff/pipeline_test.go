package main

import (
	"os"
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
