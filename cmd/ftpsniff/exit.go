package main

import (
	"strconv"
	"strings"

	"github.com/ftpsniff/ftpsniff/report"
)

// Exit statuses, documented in the README for scripts.
const (
	// exitOK: every input was read and reported.
	exitOK = 0
	// exitError: nothing could be analysed (missing file, not a capture,
	// no permission, cannot write output).
	exitError = 1
	// exitUsage: the command line is wrong.
	exitUsage = 2
	// exitPartial: a report was produced, but some input was damaged or
	// truncated, packets could not be decoded, or live capture dropped
	// packets (the warnings on stderr say where).
	exitPartial = 3
	// exitFindings: audit --fail-on found a finding at or above the
	// requested severity.
	exitFindings = 4
)

// statusError carries an exit status up through cobra; err (may be nil) is
// printed as one line on stderr.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string {
	if e.err == nil {
		return "exit status " + strconv.Itoa(e.code)
	}
	return e.err.Error()
}

func (e *statusError) Unwrap() error { return e.err }

// fail wraps err with an exit status.
func fail(code int, err error) error { return &statusError{code: code, err: err} }

// oneLine keeps error messages to one line, whatever they quote, with
// control characters escaped.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	// A file name is the user's, but it may come from a hostile
	// directory: its control characters must not reach the terminal.
	return report.Escape(s)
}
