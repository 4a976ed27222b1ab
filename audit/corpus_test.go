package audit_test

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// The reference captures are read in place, never copied into the repo;
// tests using them skip when they are absent.
const (
	zeekTraces = "/work/shared/corpus/zeek/traces/ftp/"
	suricata   = "/work/shared/corpus/suricata-verify/"
)

// analyze runs a capture through the whole pipeline below the report, as
// the CLI does, and returns the sessions.
func analyze(t *testing.T, path string) []*decoder.Session {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("reference capture not available: %v", err)
	}
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var sessions []*decoder.Session
	cfg := decoder.DefaultConfig()
	cfg.OnSession = func(s *decoder.Session) { sessions = append(sessions, s) }
	an := decoder.NewAnalyzer(cfg)
	asm := reassembly.NewAssembler(an, reassembly.DefaultLimits())
	pd := packet.NewDecoder()
	var (
		pkt  tcp.Segment
		last time.Time
	)
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = f.TS
		if ok, err := pd.Decode(f.LinkType, f.Data, f.TS, &pkt); err == nil && ok {
			asm.Process(&pkt)
		}
	}
	asm.Flush(last)
	an.Finish()
	if len(sessions) == 0 {
		t.Skip("the decoder found no session (not implemented yet?)")
	}
	return sessions
}

func kinds(fs []audit.Finding) map[audit.Kind]int {
	m := map[audit.Kind]int{}
	for _, f := range fs {
		m[f.Kind]++
	}
	return m
}

// Zeek's bruteforce trace: 30 connections, each USER bro / PASS n / 530 /
// QUIT, within a minute. Zeek raises one notice at 20 failures; the audit
// must raise one brute_force finding counting all 30.
func TestCorpusZeekBruteforce(t *testing.T) {
	sessions := analyze(t, zeekTraces+"bruteforce.pcap")
	fs := audit.Audit(sessions, audit.Config{})
	if got := kinds(fs); len(got) != 1 || got[audit.BruteForce] != 1 {
		t.Fatalf("findings = %v", got)
	}
	f := fs[0]
	if f.Failures != 30 || f.User != "bro" || f.Sessions != 30 || f.Severity != audit.Medium {
		t.Errorf("brute force = %+v", f)
	}
	if f.ClientIP.String() != "192.168.56.1" || f.ServerIP.String() != "192.168.56.101" {
		t.Errorf("addresses = %v -> %v", f.ClientIP, f.ServerIP)
	}
	t.Log(f.Detail)
	creds := audit.Credentials(sessions)
	if len(creds) != 30 {
		t.Fatalf("%d credentials", len(creds))
	}
	for _, c := range creds {
		if c.User == nil || *c.User != "bro" || c.Outcome != decoder.OutcomeFailure || c.Password == nil {
			t.Errorf("credential = %+v", c)
		}
	}
	// With Zeek's own threshold the trace still gives one finding.
	if fs := audit.Audit(sessions, audit.Config{BruteThreshold: 20, BruteWindow: 15 * time.Minute}); len(fs) != 1 {
		t.Errorf("Zeek thresholds: %d findings", len(fs))
	}
}

// Explicit FTPS: AUTH TLS before USER, so the login is hidden.
func TestCorpusZeekAuthTLS(t *testing.T) {
	sessions := analyze(t, zeekTraces+"ftp-auth-tls.pcap")
	if fs := audit.Audit(sessions, audit.Config{}); len(fs) != 0 {
		t.Errorf("findings = %+v", fs)
	}
	creds := audit.Credentials(sessions)
	if len(creds) != 1 || creds[0].User != nil || !creds[0].TLS {
		t.Errorf("credentials = %+v", creds)
	}
}

// NetBSD ftpd, anonymous, PORT naming the client itself: an anonymous
// login and nothing else.
func TestCorpusZeekIPv4(t *testing.T) {
	sessions := analyze(t, zeekTraces+"ipv4.pcap")
	fs := audit.Audit(sessions, audit.Config{})
	if got := kinds(fs); len(got) != 1 || got[audit.AnonymousLogin] != 1 {
		t.Errorf("findings = %v", got)
	}
}

// A failed login in cleartext (FileZilla Server, 530) is no finding by
// itself, but its credential is listed.
func TestCorpusZeekFailedLogin(t *testing.T) {
	sessions := analyze(t, zeekTraces+"ftp-password-pass-command.pcap")
	if fs := audit.Audit(sessions, audit.Config{}); len(fs) != 0 {
		t.Errorf("findings = %+v", fs)
	}
	creds := audit.Credentials(sessions)
	if len(creds) != 1 || creds[0].Outcome != decoder.OutcomeFailure || *creds[0].Password != "qwerty" {
		t.Errorf("credentials = %+v", creds)
	}
}

// Suricata's ftp-bounce: one session's PORT names the client, the other's
// a third party (2.2.2.3:80).
func TestCorpusSuricataBounce(t *testing.T) {
	sessions := analyze(t, suricata+"ftp-bounce/test.pcap")
	fs := audit.Audit(sessions, audit.Config{})
	n := 0
	for _, f := range fs {
		if f.Kind != audit.FTPBounce {
			continue
		}
		n++
		if len(f.Targets) != 1 || f.Targets[0].String() != "2.2.2.3:80" || f.Count != 1 {
			t.Errorf("bounce = %+v", f)
		}
		t.Log(f.Detail)
	}
	if n != 1 {
		t.Errorf("%d ftp_bounce findings in %+v", n, fs)
	}
}
