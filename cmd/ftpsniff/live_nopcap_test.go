//go:build !pcap

package main

import (
	"bytes"
	"strings"
	"testing"
)

// Without -tags pcap, live capture fails with one line saying how to get
// it, and nothing on stdout.
func TestLiveNotBuiltIn(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"live", []string{"live", "-i", "eth0"}, exitError,
			"ftpsniff: live capture is not built in: install libpcap-dev and rebuild with 'make build' (go build -tags pcap)\n"},
		{"usage errors come first", []string{"live", "-i", "eth0", "--snaplen", "10"}, exitUsage,
			"ftpsniff: --snaplen below 96 cuts TCP headers off; use at least 96\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if errb.String() != tc.want {
				t.Errorf("stderr %q, want %q", errb.String(), tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

// `interfaces` still lists the system's interfaces, with a note.
func TestInterfacesWithoutLibpcap(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"interfaces"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "NAME") {
		t.Errorf("stdout %q lacks the header", out.String())
	}
	if got := errb.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "install libpcap-dev") {
		t.Errorf("stderr %q, want one note line", got)
	}
}
