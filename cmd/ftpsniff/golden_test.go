package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// repoRoot is where testdata/ lives, from this package's directory.
const repoRoot = "../.."

// capturesIn lists the capture files of a testdata directory, sorted.
func capturesIn(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	return files
}

// captureName is a capture's file name without its extensions.
func captureName(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".gz", ".pcapng", ".pcap"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// runCLI runs the command line in memory and returns stdout, stderr and
// the exit status.
func runCLI(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make golden` to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the current output (run `make golden` and review the diff):\n%s", path, firstDiff(string(want), got))
	}
}

// firstDiff shows the first differing line, enough to see what changed.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no line differs)"
}

// TestGoldenReports pins the table, transcript and JSON report of every
// capture in testdata/pcaps.
func TestGoldenReports(t *testing.T) {
	pcaps := capturesIn(t, filepath.Join(repoRoot, "testdata", "pcaps"))
	if len(pcaps) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	modes := []struct {
		ext  string
		args []string
	}{
		{".table.txt", nil},
		{".transcript.txt", []string{"--transcript"}},
		{".json", []string{"--json"}},
	}
	for _, pcap := range pcaps {
		name := captureName(pcap)
		t.Run(name, func(t *testing.T) {
			for _, m := range modes {
				args := append([]string{"read"}, m.args...)
				args = append(args, pcap)
				out, errOut, code := runCLI(t, nil, args...)
				if code != exitOK {
					t.Fatalf("%v: exit %d, stderr:\n%s", args, code, errOut)
				}
				checkGolden(t, filepath.Join(repoRoot, "testdata", "golden", name+m.ext), out)
			}
		})
	}
}
