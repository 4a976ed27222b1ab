package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// servedFiles reads testdata/pcaps/files.sha256: name, size, sha256.
func servedFiles(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(pcapPath("files.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 3 {
			sums[filepath.Base(fields[0])] = fields[2]
		}
	}
	return sums
}

// Files carried by RETR/STOR/APPE/STOU are extracted byte for byte: their
// SHA-256 equals the served file's, in the report and on disk; files with
// missing bytes are marked .partial.
func TestExtractMatchesServedFiles(t *testing.T) {
	sums := servedFiles(t)
	tests := []struct {
		capture string
		// want maps an extracted file's suffix to the served file it must equal.
		want    map[string]string
		partial []string
	}{
		{"vsftpd-anon-passive.pcap", map[string]string{"-hello.txt": "hello.txt", "-data-64k.bin": "data-64k.bin"}, nil},
		{"vsftpd-user-active-port20.pcap", map[string]string{"-hello.txt": "hello.txt", "-upload-20k.bin": "upload-20k.bin"}, nil},
		{"ipv6-epsv-eprt.pcap", map[string]string{"-data-64k.bin": "data-64k.bin"}, nil},
		{"vsftpd-fxp.pcap", map[string]string{"S1-0-data-64k.bin": "data-64k.bin", "S2-0-fxp-copy.bin": "data-64k.bin"}, nil},
		{"vsftpd-dropped-data-segment.pcap", nil, []string{"big-300k.bin.partial"}},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			dir := t.TempDir()
			out, errOut, code := runCLI(t, nil, "read", "--json", "--extract", dir, pcapPath(tt.capture))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			onDisk := map[string]string{}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(b)
				onDisk[e.Name()] = hex.EncodeToString(sum[:])
				if !strings.Contains(out, onDisk[e.Name()]) {
					t.Errorf("%s: its SHA-256 is not in the JSON report", e.Name())
				}
			}
			for suffix, served := range tt.want {
				found := false
				for name, sum := range onDisk {
					if strings.HasSuffix(name, suffix) {
						found = true
						if sum != sums[served] {
							t.Errorf("%s: sha256 %s, served %s has %s", name, sum, served, sums[served])
						}
					}
				}
				if !found {
					t.Errorf("no extracted file ends in %q; have %v", suffix, keys(onDisk))
				}
			}
			for _, suffix := range tt.partial {
				found := false
				for name := range onDisk {
					found = found || strings.HasSuffix(name, suffix)
				}
				if !found {
					t.Errorf("no partial file ending in %q; have %v", suffix, keys(onDisk))
				}
			}
		})
	}
}

func keys(m map[string]string) []string { return sortedKeys(m) }
