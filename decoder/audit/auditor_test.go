package audit_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/decoder/audit"
)

// TestAuditorForgetsSessions: an Auditor fed every recorded capture's
// sessions, in reverse order, gives Audit's findings and credentials even
// after the sessions' transcripts, transfers and features were wiped
// right after Add: the digest keeps nothing of them that the checks
// would still read, which is what lets `read --json` stream sessions out
// and audit a capture of any length.
func TestAuditorForgetsSessions(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/pcaps/*.pcap*")
	if err != nil || len(paths) < 10 {
		t.Fatalf("recorded captures: %v (%d)", err, len(paths))
	}
	var sessions []*decoder.Session
	for _, p := range paths {
		sessions = append(sessions, analyze(t, p)...)
	}
	want, wantCreds := audit.Audit(sessions, audit.Config{}), audit.Credentials(sessions)
	if len(want) < 10 {
		t.Fatalf("only %d findings over %d sessions", len(want), len(sessions))
	}

	a := audit.NewAuditor(audit.Config{})
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
