package decoder

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

func TestContentDetection(t *testing.T) {
	tests := []struct {
		name    string
		client  string // connection client (SYN sender, or the assembler's guess)
		server  string
		syn     bool
		script  []string // RAW steps, so segments are exactly as given
		ftp     bool
		wantCli string // expected Session.Client when ftp
	}{
		{
			name: "FTP on 2121", client: "192.0.2.10:50000", server: "198.51.100.20:2121", syn: true,
			script: []string{"RAW S 220 ProFTPD Server ready.\r\n", "RAW C USER alice\r\n", "RAW S 331 pw\r\n", "RAW C PASS x\r\n", "RAW S 230 ok\r\n"},
			ftp:    true, wantCli: "192.0.2.10:50000",
		},
		{
			name: "FTP with pipelined client and split lines", client: "192.0.2.10:50000", server: "198.51.100.20:8021", syn: true,
			script: []string{"RAW C FE", "RAW C AT\r\nSYST\r\n", "RAW S 220-multi\r\n", "RAW S  line banner\r\n220 ready\r\n", "RAW S 211 none\r\n215 UNIX\r\n"},
			ftp:    true, wantCli: "192.0.2.10:50000",
		},
		{
			name: "AUTH TLS first", client: "192.0.2.10:50000", server: "198.51.100.20:4321", syn: true,
			script: []string{"RAW S 220 ready\r\n", "RAW C AUTH TLS\r\n", "RAW S 234 go\r\n"},
			ftp:    true, wantCli: "192.0.2.10:50000",
		},
		{
			name: "roles swapped without handshake", client: "198.51.100.20:2121", server: "192.0.2.10:50000", syn: false,
			// The assembler guessed wrong: what it calls the client sends
			// the greeting.
			script: []string{"RAW C 220 ready\r\n", "RAW S USER bob\r\n", "RAW C 331 pw\r\n"},
			ftp:    true, wantCli: "192.0.2.10:50000",
		},
		{
			name: "SMTP greets 220 but says EHLO", client: "192.0.2.10:50000", server: "198.51.100.20:2525", syn: true,
			script: []string{"RAW S 220 mail.example.com ESMTP Postfix\r\n", "RAW C EHLO client.example.com\r\n"},
		},
		{
			name: "SMTP with HELP", client: "192.0.2.10:50000", server: "198.51.100.20:587", syn: true,
			script: []string{"RAW S 220 mail.example.com ESMTP\r\n", "RAW C HELP\r\n"},
		},
		{
			name: "POP3", client: "192.0.2.10:50000", server: "198.51.100.20:110", syn: true,
			script: []string{"RAW S +OK POP3 ready\r\n", "RAW C USER alice\r\n"},
		},
		{
			name: "HTTP", client: "192.0.2.10:50000", server: "198.51.100.20:8080", syn: true,
			script: []string{"RAW C GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		},
		{
			name: "TLS", client: "192.0.2.10:50000", server: "198.51.100.20:443", syn: true,
			script: []string{"RAW C \x16\x03\x01\x02\x00\x01\x00\x01\xfc"},
		},
		{
			name: "SSH", client: "192.0.2.10:50000", server: "198.51.100.20:22", syn: true,
			script: []string{"RAW S SSH-2.0-OpenSSH_9.6\r\n"},
		},
		{
			name: "greeting only", client: "192.0.2.10:50000", server: "198.51.100.20:2121", syn: true,
			script: []string{"RAW S 220 ready\r\n"},
		},
		{
			name: "endless first line", client: "192.0.2.10:50000", server: "198.51.100.20:2121", syn: true,
			script: []string{"RAW S 220 " + strings.Repeat("a", 3000)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			hc := h.dial(tc.client, tc.server, tc.syn)
			play(hc, tc.script)
			if !tc.ftp && hc.st != nil && hc.st.Mode() != reassembly.Ignore && len(tc.script) > 1 && tc.name != "greeting only" {
				t.Errorf("still %v after the first lines", hc.st.Mode())
			}
			hc.close(reassembly.CloseFIN)
			ss := h.finish()
			if !tc.ftp {
				if len(ss) != 0 {
					t.Fatalf("taken as FTP:\n%s", dump(ss[0]))
				}
				return
			}
			if len(ss) != 1 {
				t.Fatalf("not taken as FTP")
			}
			s := ss[0]
			if s.Client.String() != tc.wantCli || s.Commands == 0 || s.Banner == nil {
				t.Errorf("%s", dump(s))
			}
		})
	}
}

func TestNoProbe(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.NoProbe = true })
	hc := h.dial("192.0.2.10:50000", "198.51.100.20:2121", true)
	if hc.st != nil {
		t.Fatal("probe with NoProbe")
	}
}

func TestPortRolesFromPort(t *testing.T) {
	// Mid-session capture where the assembler put the server first: the
	// FTP port decides.
	h := newHarness(t, nil)
	hc := h.dial("198.51.100.20:21", "192.0.2.10:50000", false)
	hc.send(s2c, "NOOP\r\n")
	hc.send(c2s, "200 ok\r\n")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if s.Client.String() != "192.0.2.10:50000" || s.Server.String() != "198.51.100.20:21" || s.Commands != 1 {
		t.Fatalf("%s", dump(s))
	}
}

func TestBothPortsGreetingDecides(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.dial("198.51.100.20:21", "192.0.2.10:21", true)
	hc.send(s2c, "USER x\r\n")
	hc.send(c2s, "220 hello\r\n230 ok\r\n")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if s.Server.String() != "198.51.100.20:21" || s.Login != OutcomeSuccess {
		t.Fatalf("%s", dump(s))
	}
}

func TestProbeReplaysTimes(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.dial("192.0.2.10:50000", "198.51.100.20:2121", true)
	hc.send(s2c, "220 ready\r\n")
	hc.send(c2s, "USER a\r\n")
	hc.send(s2c, "331 pw\r\n")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if len(s.Transcript) != 3 || s.Transcript[2].Latency != 1e6 {
		t.Fatalf("transcript %+v", s.Transcript)
	}
	if h.events[0] != "open S1" {
		t.Errorf("events %v", h.events)
	}
}
