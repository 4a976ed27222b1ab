package main

import (
	"path/filepath"
)

// suricataCase is one suricata-verify test that concerns FTP.
type suricataCase struct {
	// Test is the test's directory under suricata-verify/.
	Test string
	// Pcap is the capture in that directory; "" for a test that runs no
	// traffic (rule parsing, configuration checks).
	Pcap string
	// Asserts says in one line what the test checks, for the report.
	Asserts string
	// Extract turns on file extraction (for SHA-256 checks).
	Extract bool
	// MaxLine is the test's line limit (Suricata's ftp max-line-length,
	// 4 KiB by default), given to ftpsniff as --max-line for the tests
	// about over-long lines.
	MaxLine int
	Expect  expectation
}

// runSuricata compares ftpsniff with one suricata-verify test.
func runSuricata(corpus string, sc suricataCase) *outcome {
	o := &outcome{Peer: "suricata", Name: sc.Test, Source: sc.Test + "/test.yaml", Note: sc.Asserts}
	if sc.Pcap == "" {
		return o
	}
	a, err := analyze([]string{filepath.Join(corpus, "suricata-verify", sc.Test, sc.Pcap)}, options{Extract: sc.Extract, MaxLine: sc.MaxLine})
	if err != nil {
		o.Err = err
		return o
	}
	a.readCheck(o)
	sc.Expect.evaluate(o, a)
	return o
}
