package main

import (
	"strings"
	"testing"
)

// feed runs events through a summary and returns its output and status.
func feed(t *testing.T, events ...event) (string, int) {
	t.Helper()
	var out strings.Builder
	s := &summary{out: &out, build: "b", output: map[testKey]*strings.Builder{}, skipped: map[string][]string{}}
	for _, e := range events {
		s.add(e)
	}
	code := s.finish()
	return out.String(), code
}

func TestSkipReasonsAreListed(t *testing.T) {
	out, code := feed(t,
		event{Action: "run", Package: "m/p", Test: "TestA"},
		event{Action: "output", Package: "m/p", Test: "TestA", Output: "=== RUN   TestA\n"},
		event{Action: "output", Package: "m/p", Test: "TestA", Output: "    a_test.go:12: needs root\n"},
		event{Action: "output", Package: "m/p", Test: "TestA", Output: "--- SKIP: TestA (0.00s)\n"},
		event{Action: "skip", Package: "m/p", Test: "TestA"},
		event{Action: "pass", Package: "m/p", Test: "TestB"},
		event{Action: "output", Package: "m/p", Output: "ok  \tm/p\t0.1s\n"},
	)
	if code != 0 {
		t.Fatalf("status %d, want 0:\n%s", code, out)
	}
	for _, want := range []string{"ok  \tm/p", "needs root", "m/p TestA", "b: 1 passed, 0 failed, 1 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestFailureShowsOutputAndFails(t *testing.T) {
	out, code := feed(t,
		event{Action: "output", Package: "m/p", Test: "TestC", Output: "    c_test.go:3: got 1, want 2\n"},
		event{Action: "fail", Package: "m/p", Test: "TestC"},
		event{Action: "pass", Package: "m/p", Test: "TestD"},
	)
	if code != 1 || !strings.Contains(out, "got 1, want 2") {
		t.Fatalf("status %d, output:\n%s", code, out)
	}
}

func TestBuildFailureFails(t *testing.T) {
	out, code := feed(t,
		event{Action: "build-output", ImportPath: "m/p", Output: "p.go:1: syntax error\n"},
		event{Action: "build-fail", ImportPath: "m/p"},
		event{Action: "pass", Package: "m/q", Test: "TestE"},
	)
	if code != 1 || !strings.Contains(out, "syntax error") {
		t.Fatalf("status %d, output:\n%s", code, out)
	}
}

func TestNoTestRunFails(t *testing.T) {
	if _, code := feed(t); code != 1 {
		t.Fatalf("an empty run passed")
	}
}

func TestManySkipsShareALine(t *testing.T) {
	var ev []event
	for i := 0; i < 20; i++ {
		name := "TestCase/" + string(rune('a'+i))
		ev = append(ev,
			event{Action: "output", Package: "m/p", Test: name, Output: "    x_test.go:1: corpus missing\n"},
			event{Action: "skip", Package: "m/p", Test: name})
	}
	ev = append(ev, event{Action: "pass", Package: "m/p", Test: "TestOK"})
	out, _ := feed(t, ev...)
	if strings.Count(out, "corpus missing") != 1 || !strings.Contains(out, "and 14 more") {
		t.Fatalf("skips not grouped:\n%s", out)
	}
}
