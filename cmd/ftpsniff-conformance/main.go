// Command ftpsniff-conformance checks that ftpsniff agrees with the
// results other FTP analyzers expect on their own public reference
// captures: Zeek's FTP traces with their baseline logs (ftp.log,
// conn.log, event dumps, file analysis) and the FTP tests of
// suricata-verify with the assertions of their test.yaml.
//
// It runs each capture through ftpsniff's pipeline in-process (capture ->
// reassembly -> decoder, and report's extractor for hashes), compares
// users, commands, reply codes, dynamic ports, modes, file names and
// sizes with the peer's expected values, and prints one row per capture
// with agree/disagree counts per column. Every disagreement must be
// explained in expect.go (a peer quirk, a peer setting, or a known open
// ftpsniff bug); the exit status is 1 when one is not, so that `make
// conformance` and the package test fail on any new disagreement.
//
// Usage:
//
//	ftpsniff-conformance [-v] [CORPUS]
//
// CORPUS is the directory holding zeek/ and suricata-verify/
// (default ../shared/corpus). -v lists every comparison.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ftpsniff-conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "list every comparison, not only the disagreements")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ftpsniff-conformance [-v] [CORPUS]")
		fmt.Fprintln(stderr, "CORPUS holds zeek/ and suricata-verify/ (default ../shared/corpus)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	corpus := "../shared/corpus"
	switch fs.NArg() {
	case 0:
	case 1:
		corpus = fs.Arg(0)
	default:
		fs.Usage()
		return 2
	}
	if _, err := os.Stat(filepath.Join(corpus, "zeek")); err != nil {
		fmt.Fprintf(stderr, "ftpsniff-conformance: no reference corpus: %v\n", err)
		return 2
	}
	outs := runAll(corpus)
	dis, stale := classify(outs, explanations)
	printTable(stdout, outs, dis)
	printSummary(stdout, outs, dis)
	printDisagreements(stdout, dis, stale)
	if *verbose {
		printChecks(stdout, outs)
	}
	if msgs := failures(outs, dis, stale); len(msgs) > 0 {
		fmt.Fprintf(stdout, "\nFAIL: %d problems\n", len(msgs))
		for _, m := range msgs {
			fmt.Fprintf(stdout, "  %s\n", m)
		}
		return 1
	}
	fmt.Fprintln(stdout, "\nOK: every disagreement is explained")
	return 0
}

// runAll compares every capture of the corpus with its peer.
func runAll(corpus string) []*outcome {
	var outs []*outcome
	for _, zc := range zeekCases {
		outs = append(outs, runZeek(corpus, zc))
	}
	for _, sc := range suricataCases {
		outs = append(outs, runSuricata(corpus, sc))
	}
	return outs
}

// failures lists what makes the conformance run fail: a capture that
// could not be read, a disagreement nobody explained, an explanation that
// no longer matches anything (the table must stay truthful).
func failures(outs []*outcome, dis []disagreement, stale []explanation) []string {
	var msgs []string
	for _, o := range outs {
		if o.Err != nil {
			msgs = append(msgs, fmt.Sprintf("%s %s: %v", o.Peer, o.Name, o.Err))
		}
	}
	for _, d := range dis {
		if d.Why == nil {
			msgs = append(msgs, fmt.Sprintf("%s %s: %s: peer %s, ftpsniff %s (not explained)",
				d.Outcome.Peer, d.Outcome.Name, d.Check.Item, clip(d.Check.Want), clip(d.Check.Got)))
		}
	}
	for _, e := range stale {
		msgs = append(msgs, fmt.Sprintf("%s %s: explanation for %q matches no disagreement any more", e.Peer, e.Capture, e.Item))
	}
	return msgs
}
