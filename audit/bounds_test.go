package audit

import (
	"fmt"
	"testing"
	"time"
)

// TestAuditorKeepsLittle counts what an Auditor keeps of 20,000 finished
// sessions (each a cleartext login, a listing over PASV and a download):
// one login event per attempt, one endpoint per passive reply, no session
// waiting for its peers, and finding lists bounded by MaxSessionIDs. The
// dialogue itself is never kept.
func TestAuditorKeepsLittle(t *testing.T) {
	const n = 20000
	a := NewAuditor(Config{MaxSessionIDs: 50}, false)
	for i := range n {
		start := t0.Add(time.Duration(i) * time.Second)
		s := session(fmt.Sprintf("S%d", i), client, server, start).
			login("alice", str("pw"), 230).
			do("PASV", "", 227, fmt.Sprintf("Entering Passive Mode (198,51,100,10,%d,%d).", 100+i/256%100, i%256)).
			do("LIST", "", 226).
			do("QUIT", "", 221).done()
		a.Add(s)
	}
	if len(a.deferred) != 0 || len(a.logins) != n || len(a.creds) != 0 {
		t.Errorf("kept %d deferred sessions, %d login events, %d credential rows; want 0, %d, 0",
			len(a.deferred), len(a.logins), len(a.creds), n)
	}
	endpoints := 0
	for _, m := range a.peers.endpoints {
		endpoints += len(m)
	}
	if endpoints > n || len(a.agg.byKey) != 1 {
		t.Errorf("%d endpoints, %d aggregates", endpoints, len(a.agg.byKey))
	}
	for _, g := range a.agg.byKey {
		if len(g.ids) != 50 || g.f.Sessions != n {
			t.Errorf("aggregate keeps %d session IDs for %d sessions", len(g.ids), g.f.Sessions)
		}
	}
	fs := a.Findings()
	if len(fs) != 1 || fs[0].Kind != CleartextCredentials || fs[0].Sessions != n || len(fs[0].SessionIDs) != 50 || fs[0].SessionIDs[0] != "S0" {
		t.Errorf("findings: %s", details(fs))
	}
}
