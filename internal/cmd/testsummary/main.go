// Command testsummary reads `go test -json` on standard input and writes what
// a person reads of a plain `go test` run: one line per package, the output of
// every failing test, then every skipped test grouped by the reason it gave,
// and a closing "N passed, N failed, N skipped" line. A skip that says nothing
// is a hole in the suite nobody sees; listing skips with their reasons makes
// them visible in every CI log.
//
// It exits 1 when a test or a package build failed, or when no test ran, so
// `go test -json ./... | testsummary` can stand in a Makefile without
// pipefail.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is the subset of test2json's TestEvent read here (go doc cmd/test2json).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output and build-fail events
	FailedBuild string
}

type testKey struct{ pkg, test string }

// maxKeptOutput bounds the output kept per test: a runaway test cannot take
// the summary's memory.
const maxKeptOutput = 64 << 10

type summary struct {
	out      io.Writer
	build    string // names the build in the closing line
	output   map[testKey]*strings.Builder
	passed   int
	failed   int
	skipped  map[string][]string // reason -> "pkg TestName"
	nSkipped int
	broken   bool
}

func main() {
	build := flag.String("build", "", "name of the build tested (tags, cgo), printed before the closing counts")
	flag.Parse()
	s := &summary{out: os.Stdout, build: *build, output: map[testKey]*strings.Builder{}, skipped: map[string][]string{}}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (go vet output, a build error printed raw).
			fmt.Fprintln(s.out, string(line))
			continue
		}
		s.add(e)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		s.broken = true
	}
	os.Exit(s.finish())
}

func (s *summary) add(e event) {
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.out, e.Output)
		return
	case "build-fail":
		s.broken = true
		return
	}
	if e.Test == "" {
		s.packageEvent(e)
		return
	}
	k := testKey{e.Package, e.Test}
	switch e.Action {
	case "output":
		b := s.output[k]
		if b == nil {
			b = &strings.Builder{}
			s.output[k] = b
		}
		if b.Len() < maxKeptOutput {
			b.WriteString(e.Output)
		}
	case "pass":
		s.passed++
		delete(s.output, k)
	case "skip":
		s.nSkipped++
		reason := skipReason(s.output[k])
		s.skipped[reason] = append(s.skipped[reason], shortPkg(e.Package)+" "+e.Test)
		delete(s.output, k)
	case "fail":
		s.failed++
		if b := s.output[k]; b != nil {
			fmt.Fprint(s.out, b.String())
		}
		delete(s.output, k)
	}
}

// packageEvent prints the package's own lines ("ok", "FAIL", "no test
// files", a panic outside any test), not the per-test chatter of -v.
func (s *summary) packageEvent(e event) {
	switch e.Action {
	case "output":
		o := e.Output
		if strings.HasPrefix(o, "=== ") || o == "PASS\n" || strings.HasPrefix(o, "--- PASS") {
			return
		}
		fmt.Fprint(s.out, o)
	case "fail":
		s.broken = true
	}
}

// skipReason is what a skipped test said, without test2json's framing
// lines, on one line.
func skipReason(b *strings.Builder) string {
	if b == nil {
		return "(no reason given)"
	}
	var parts []string
	for _, l := range strings.Split(b.String(), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		// "file_test.go:12: reason" -> "reason"
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			t = t[i+2:]
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " / ")
}

func shortPkg(p string) string {
	return strings.TrimPrefix(p, "github.com/ftpsniff/ftpsniff/")
}

// maxNamesPerReason keeps a reason shared by hundreds of table cases to
// one readable line.
const maxNamesPerReason = 6

func (s *summary) finish() int {
	if s.nSkipped > 0 {
		fmt.Fprintf(s.out, "\nSkipped tests (%d), by reason:\n", s.nSkipped)
		reasons := make([]string, 0, len(s.skipped))
		for r := range s.skipped {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			names := s.skipped[r]
			sort.Strings(names)
			shown := names
			more := ""
			if len(shown) > maxNamesPerReason {
				shown = shown[:maxNamesPerReason]
				more = fmt.Sprintf(" and %d more", len(names)-maxNamesPerReason)
			}
			fmt.Fprintf(s.out, "  %s\n      %s%s\n", r, strings.Join(shown, ", "), more)
		}
	}
	label := ""
	if s.build != "" {
		label = s.build + ": "
	}
	fmt.Fprintf(s.out, "\n%s%d passed, %d failed, %d skipped\n", label, s.passed, s.failed, s.nSkipped)
	if s.failed > 0 || s.broken {
		return 1
	}
	if s.passed == 0 {
		fmt.Fprintln(s.out, "testsummary: no test ran")
		return 1
	}
	return 0
}
