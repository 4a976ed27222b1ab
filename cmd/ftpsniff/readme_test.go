package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's example outputs are the real output: the demo report and
// the two explain diagrams must match their golden files, so the README
// cannot drift from what the tool prints.
func TestReadmeExamplesAreRealOutput(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, golden := range []string{
		"vsftpd-anon-passive.table.txt", // make demo
		"explain-readme-active.txt",
		"explain-readme-passive.txt",
	} {
		want, err := os.ReadFile(filepath.Join(repoRoot, "testdata", "golden", golden))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), strings.TrimRight(string(want), "\n")) {
			t.Errorf("README.md does not contain the current %s; paste it again", golden)
		}
	}
}
