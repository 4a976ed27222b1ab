package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/report"
)

// readOptions are the inputs of `ftpsniff read`.
type readOptions struct {
	files         []string
	json          bool
	noFindings    bool
	transcript    bool
	showPasswords bool
	extractDir    string
	quiet         bool
	analysis      analysisFlags
}

func newReadCmd(s *streams) *cobra.Command {
	o := &readOptions{analysis: defaultAnalysisFlags()}
	cmd := &cobra.Command{
		Use:   "read FILE...",
		Short: "Report the FTP sessions in capture files",
		Long: `Read pcap or pcapng files (gzip-compressed or not, "-" for standard input),
reassemble TCP and report every FTP session: client, server, login, active
or passive data connections, transfers, bytes, duration and how it ended.

Several files are read as one capture in timestamp order, so a session
split across rotated files is reported once.`,
		Example: `  # tables: sessions, transfers, login attempts, summary
  ftpsniff read testdata/pcaps/vsftpd-anon-passive.pcap

  # the whole dialogue with capture timestamps and reply latencies
  ftpsniff read --transcript capture.pcapng

  # one JSON object per line, for pipelines
  ftpsniff read --json rotated-00.pcap rotated-01.pcap | jq -c 'select(.type=="session") | {user, mode}'

  # straight from tcpdump
  tcpdump -i eth0 -w - tcp | ftpsniff read -`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeCaptureFiles,
		RunE: func(_ *cobra.Command, args []string) error {
			o.files = args
			return runRead(o, s)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "write newline-delimited JSON records (see docs/json.md)")
	f.BoolVar(&o.noFindings, "no-findings", false, "with --json, leave out the finding records (and the little the audit keeps per login attempt and passive endpoint until the end)")
	f.BoolVarP(&o.transcript, "transcript", "t", false, "print the full command/reply dialogue of each session")
	f.BoolVar(&o.showPasswords, "show-passwords", false, "print passwords instead of <hidden>")
	f.StringVar(&o.extractDir, "extract", "", "write every transferred file under `DIR` (SHA-256 and MIME type in --json; the table names the file)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress or warnings on stderr")
	o.analysis.register(f)
	o.analysis.registerProgress(f)
	_ = cmd.MarkFlagDirname("extract")
	return cmd
}

// runRead analyses the files and writes the report to s.out.
func runRead(o *readOptions, s *streams) error {
	if err := o.analysis.validate(); err != nil {
		return fail(exitUsage, err)
	}
	if o.noFindings && !o.json {
		return fail(exitUsage, fmt.Errorf("--no-findings goes with --json (the table and transcript have no findings)"))
	}
	src, err := capture.OpenFiles(o.files, capture.Options{Stdin: s.in})
	if err != nil {
		return fail(exitError, err)
	}
	defer src.Close()

	out := bufio.NewWriterSize(s.out, 64<<10)
	defer out.Flush()
	ropts := report.Options{ShowPasswords: o.showPasswords}
	cfg := o.analysis.decoderConfig()

	var extractor *report.Extractor
	if o.extractDir != "" {
		extractor, err = report.NewExtractor(o.extractDir)
		if err != nil {
			return fail(exitError, err)
		}
		cfg.Content = extractor
	}

	// Sessions go out (JSON, transcript) or into the table's rows as soon
	// as they are final, and the auditor keeps only what later sessions
	// can change: memory follows the sessions open at one moment, not the
	// length of the capture.
	var (
		jw       *report.JSONWriter
		tw       *report.TranscriptWriter
		auditor  *audit.Auditor
		table    *report.TableWriter
		writeErr error
	)
	switch {
	case o.json:
		jw = report.NewJSONWriter(out, ropts)
		if !o.noFindings {
			auditor = audit.NewAuditor(audit.DefaultConfig(), false)
		}
	case o.transcript:
		tw = report.NewTranscriptWriter(out, ropts)
	default:
		table = report.NewTableWriter(ropts)
	}
	cfg.OnSession = func(sess *decoder.Session) {
		var err error
		switch {
		case jw != nil:
			err = jw.Session(sess)
			if auditor != nil {
				auditor.Add(sess)
			}
		case tw != nil:
			err = tw.Session(sess)
		default:
			table.Add(sess)
		}
		if err != nil && writeErr == nil {
			writeErr = err
		}
	}
	res, err := analyze(src, o.analysis.progressTo(s, o.quiet, o.json || o.transcript), cfg, false)
	if extractor != nil {
		// Flushes whatever the capture left open, marked partial.
		if cerr := extractor.Close(); cerr != nil {
			warn(s.err, o.quiet, "extraction: "+cerr.Error())
		}
	}
	if err != nil {
		return fail(exitError, err)
	}
	var endErr error
	switch {
	case jw != nil:
		// Findings need every session, so they follow the sessions.
		var findings []audit.Finding
		if auditor != nil {
			findings = auditor.Findings()
		}
		for _, f := range findings {
			if err := jw.Finding(f); err != nil && endErr == nil {
				endErr = err
			}
		}
		if err := jw.Summary(res.Summary, res.input()); err != nil && endErr == nil {
			endErr = err
		}
	case tw != nil:
		endErr = tw.Flush()
	default:
		endErr = table.Write(out, res.Summary)
	}
	if writeErr == nil {
		writeErr = endErr
	}
	if writeErr == nil {
		writeErr = out.Flush()
	}
	if writeErr != nil {
		return fail(exitError, fmt.Errorf("writing the report: %w", writeErr))
	}
	if extractor != nil {
		for _, e := range extractor.Errors() {
			warn(s.err, o.quiet, e.Error())
		}
	}
	for _, w := range res.Warnings {
		warn(s.err, o.quiet, w)
	}
	if res.Damaged {
		return fail(exitPartial, nil)
	}
	return nil
}

// warn prints one warning line on stderr unless quiet.
func warn(w io.Writer, quiet bool, msg string) {
	if !quiet {
		fmt.Fprintf(w, "ftpsniff: warning: %s\n", oneLine(msg))
	}
}
