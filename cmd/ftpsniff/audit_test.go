package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenAudit pins `ftpsniff audit` on the captures recorded for the
// audit: brute force then success, spray, refused AUTH TLS, USER before
// AUTH TLS, bounce, FXP, anonymous upload, SITE EXEC, hostile credentials,
// NAT-advertising PASV, explicit FTPS, and a cleartext login although the
// server's FEAT offered AUTH TLS.
func TestGoldenAudit(t *testing.T) {
	for _, name := range []string{
		"proftpd-bruteforce", "proftpd-password-spray", "vsftpd-auth-tls-refused",
		"proftpd-user-before-auth-tls", "vsftpd-bounce-rejected", "vsftpd-bounce-promiscuous",
		"vsftpd-fxp", "vsftpd-anon-upload", "proftpd-site-exec", "vsftpd-hostile-creds",
		"vsftpd-nat-pasv", "proftpd-auth-tls", "proftpd-cleartext-after-tls-offer",
	} {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := runCLI(t, nil, "audit", pcapPath(name+".pcap"))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			checkGolden(t, filepath.Join(repoRoot, "testdata", "golden", "audit-"+name+".txt"), out)
		})
	}
}

// The audit's exit status is usable in scripts, and each expected finding
// kind appears for its capture.
func TestAuditFindingsAndFailOn(t *testing.T) {
	tests := []struct {
		capture string
		kinds   []string
	}{
		{"proftpd-bruteforce.pcap", []string{`"brute_force"`, `"cleartext_credentials"`}},
		{"proftpd-password-spray.pcap", []string{`"password_spray"`}},
		{"vsftpd-auth-tls-refused.pcap", []string{`"auth_tls_refused"`}},
		{"proftpd-user-before-auth-tls.pcap", []string{`"user_before_auth_tls"`}},
		{"vsftpd-bounce-rejected.pcap", []string{`"ftp_bounce"`}},
		{"vsftpd-bounce-promiscuous.pcap", []string{`"ftp_bounce"`}},
		{"vsftpd-fxp.pcap", []string{`"fxp"`}},
		{"vsftpd-anon-upload.pcap", []string{`"anonymous_login"`}},
		{"proftpd-site-exec.pcap", []string{`"site_exec"`}},
		{"vsftpd-nat-pasv.pcap", []string{`"pasv_address_mismatch"`}},
		{"proftpd-cleartext-after-tls-offer.pcap", []string{`"cleartext_after_tls_offer"`}},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			out, errOut, code := runCLI(t, nil, "audit", "--json", pcapPath(tt.capture))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, k := range tt.kinds {
				if !strings.Contains(out, `"kind":`+k) {
					t.Errorf("no %s finding in:\n%s", k, out)
				}
			}
		})
	}
	if _, _, code := runCLI(t, nil, "audit", "--fail-on", "high", pcapPath("proftpd-bruteforce.pcap")); code != exitFindings {
		t.Errorf("--fail-on high with a cleartext login: exit %d, want %d", code, exitFindings)
	}
	if _, _, code := runCLI(t, nil, "audit", "--fail-on", "high", pcapPath("proftpd-auth-tls.pcap")); code != exitOK {
		t.Errorf("--fail-on high on an FTPS-only capture: exit %d, want 0", code)
	}
	if _, errOut, code := runCLI(t, nil, "audit", "--fail-on", "severe", pcapPath("proftpd-auth-tls.pcap")); code != exitUsage {
		t.Errorf("--fail-on severe: exit %d, want %d (%s)", code, exitUsage, errOut)
	}
}
