package audit_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/decoder"
)

// TestAuditorForgetsSessions: an Auditor fed every recorded capture's
// sessions in reverse order, each wiped (transcript, transfers, features)
// right after Add, gives what Audit and Credentials give on the intact
// sessions in capture order: Add keeps nothing of a session that a check
// still reads, and the order of Add does not matter. That is what lets
// `read --json` and `audit` stream sessions and audit a capture of any
// length.
func TestAuditorForgetsSessions(t *testing.T) {
	paths, err := filepath.Glob("../testdata/pcaps/*.pcap*")
	if err != nil || len(paths) < 10 {
		t.Fatalf("recorded captures: %v (%d)", err, len(paths))
	}
	var sessions []*decoder.Session
	for i, p := range paths {
		for _, s := range analyze(t, p) {
			// IDs are unique within one run; these are many runs (and
			// some captures hold the same sessions).
			s.ID = fmt.Sprintf("%s/%d", s.ID, i)
			sessions = append(sessions, s)
		}
	}
	want, wantCreds := audit.Audit(sessions, audit.Config{}), audit.Credentials(sessions)
	if len(want) < 10 {
		t.Fatalf("only %d findings over %d sessions", len(want), len(sessions))
	}

	a := audit.NewAuditor(audit.Config{}, true)
	for _, s := range slices.Backward(sessions) {
		a.Add(s)
		wipe(s)
	}
	a.Add(nil)
	if a.Sessions() != len(sessions) {
		t.Errorf("Sessions() = %d, want %d", a.Sessions(), len(sessions))
	}
	if got := a.Findings(); !reflect.DeepEqual(got, want) {
		t.Errorf("findings differ from Audit's:\n%v\nwant:\n%v", got, want)
	}
	if got := a.Credentials(); !reflect.DeepEqual(got, wantCreds) {
		t.Errorf("credentials differ from Credentials'")
	}
	// Findings can be asked for again, with the same answer.
	if got := a.Findings(); !reflect.DeepEqual(got, want) {
		t.Errorf("a second Findings call differs")
	}
}

// wipe overwrites what a streaming caller drops after handing a session
// on: every transcript entry, every transfer and the feature lines.
func wipe(s *decoder.Session) {
	for i := range s.Transcript {
		s.Transcript[i] = decoder.Entry{Kind: decoder.EntryCommand, Verb: "NOOP", Lines: []string{"227 (203,0,113,9,1,1)"}}
	}
	for _, t := range s.Transfers {
		if t != nil {
			*t = decoder.Transfer{}
		}
	}
	for i := range s.Features {
		s.Features[i] = "wiped"
	}
}
