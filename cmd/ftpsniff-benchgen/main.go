// Command ftpsniff-benchgen writes a large, realistic and reproducible
// capture for benchmarking ftpsniff (make bench-data): the real FTP
// sessions of testdata/pcaps replayed hundreds of times with fresh
// documentation addresses, ports, sequence numbers and times, some
// transfers stretched to tens of megabytes, interleaved with synthetic
// HTTP and DNS traffic. The same flags give a byte-identical file.
//
//	go run ./cmd/ftpsniff-benchgen -o bench-data/bench-1g.pcap -size 1GB -seed 1
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/cmd/ftpsniff-benchgen/benchgen"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ftpsniff-benchgen:", err)
		os.Exit(1)
	}
}

func run(args []string, log io.Writer) error {
	fs := flag.NewFlagSet("ftpsniff-benchgen", flag.ContinueOnError)
	fs.SetOutput(log)
	out := fs.String("o", "", "output `file` (written to FILE.tmp, then renamed); - for standard output")
	size := fs.String("size", "1GB", "approximate file `size`: 100MB, 1GB, 4GB, 10GiB...")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same bytes")
	dir := fs.String("templates", "testdata/pcaps", "`dir`ectory of the recorded FTP captures")
	bg := fs.Float64("background", 0.4, "share of bytes that is not FTP (HTTP, DNS), 0 to 1")
	conc := fs.Int("concurrency", 32, "flows in progress at once")
	quiet := fs.Bool("q", false, "no summary on standard error")
	fs.Usage = func() {
		fmt.Fprintf(log, "usage: ftpsniff-benchgen -o FILE [-size 1GB] [-seed 1]\n\nTemplates: %s\n\n", strings.Join(benchgen.TemplateNames(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-o FILE is required")
	}
	n, err := benchgen.ParseSize(*size)
	if err != nil {
		return err
	}
	if *bg <= 0 {
		*bg = -1 // Config: negative is none, zero is the default
	}
	cfg := benchgen.Config{Size: n, Seed: *seed, TemplateDir: *dir, Background: *bg, Concurrency: *conc}

	var w io.Writer = os.Stdout
	var f *os.File
	tmp := *out + ".tmp"
	if *out != "-" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return err
		}
		if f, err = os.Create(tmp); err != nil {
			return err
		}
		w = f
	}
	start := time.Now()
	st, err := benchgen.Generate(w, cfg)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, *out); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	if !*quiet {
		printStats(log, *out, st, time.Since(start))
	}
	return nil
}

func printStats(w io.Writer, name string, st benchgen.Stats, took time.Duration) {
	frames := st.FTPBytes + st.OtherBytes
	fmt.Fprintf(w, "%s: %d bytes, %d packets, %s of capture time, written in %.1fs\n",
		name, st.Bytes, st.Packets, st.Last.Sub(st.First).Round(time.Millisecond), took.Seconds())
	fmt.Fprintf(w, "  FTP: %d template replays, %.0f%% of frame bytes; background: %d HTTP flows, %d DNS flows, %.0f%%\n",
		st.FTPReplays, 100*float64(st.FTPBytes)/float64(max(frames, 1)), st.HTTPFlows, st.DNSFlows, 100*float64(st.OtherBytes)/float64(max(frames, 1)))
	names := make([]string, 0, len(st.Templates))
	for k := range st.Templates {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := st.Templates[names[i]], st.Templates[names[j]]
		return a > b || (a == b && names[i] < names[j])
	})
	var parts []string
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s %d", k, st.Templates[k]))
	}
	fmt.Fprintf(w, "  replays: %s\n", strings.Join(parts, ", "))
}
