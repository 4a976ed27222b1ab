package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/report"
)

// auditOptions are the inputs of `ftpsniff audit`.
type auditOptions struct {
	files         []string
	format        string
	showPasswords bool
	failOn        string
	bruteMin      int
	bruteWindow   time.Duration
	sprayUsers    int
	sprayWindow   time.Duration
	localNets     []string
	quiet         bool
	analysis      analysisFlags
}

// auditFormats are the output formats of `ftpsniff audit`.
var auditFormats = []string{"table", "json", "csv", "markdown"}

func newAuditCmd(s *streams) *cobra.Command {
	def := audit.DefaultConfig()
	o := &auditOptions{
		format:      "table",
		bruteMin:    def.BruteThreshold,
		bruteWindow: def.BruteWindow,
		sprayUsers:  def.SprayUsers,
		sprayWindow: def.SprayWindow,
		analysis:    defaultAnalysisFlags(),
	}
	var asJSON, asCSV, asMarkdown bool
	cmd := &cobra.Command{
		Use:   "audit FILE...",
		Short: "List the credentials seen in cleartext and the FTP traffic worth a look",
		Long: `Audit FTP traffic the way an auditor reads it: every login attempt with its
user, password (masked unless --show-passwords), outcome and whether TLS
protected it, then findings: cleartext credentials, anonymous logins (worse
when they wrote files), brute force, password spraying, FTP bounce, FXP,
PASV address mismatches, SITE EXEC/CPFR/CPTO, refused AUTH TLS, USER sent
before AUTH TLS, and cleartext logins where the server offered TLS.

Brute force: at least --brute-threshold failed logins from one client within
--brute-window. Password spray: one password against at least --spray-users
users from one client within --spray-window.`,
		Example: `  ftpsniff audit capture.pcap
  ftpsniff audit --markdown capture.pcap > findings.md
  ftpsniff audit --csv --show-passwords capture.pcap > creds.csv

  # in a script: exit status 4 when anything of medium severity or worse is found
  ftpsniff audit --fail-on medium nightly.pcap.gz || alert-the-team`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeCaptureFiles,
		RunE: func(_ *cobra.Command, args []string) error {
			o.files = args
			switch {
			case asJSON:
				o.format = "json"
			case asCSV:
				o.format = "csv"
			case asMarkdown:
				o.format = "markdown"
			}
			return runAudit(o, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", o.format, "output format: table, json, csv or markdown")
	f.BoolVar(&asJSON, "json", false, "same as --format json (NDJSON credential and finding records)")
	f.BoolVar(&asCSV, "csv", false, "same as --format csv (for spreadsheets; formula-like cells defused)")
	f.BoolVar(&asMarkdown, "markdown", false, "same as --format markdown (for pasting into a report)")
	cmd.MarkFlagsMutuallyExclusive("json", "csv", "markdown")
	f.BoolVar(&o.showPasswords, "show-passwords", false, "print passwords instead of <hidden>")
	f.StringVar(&o.failOn, "fail-on", "", "exit with status 4 when a finding of at least this `SEVERITY` exists (info, low, medium, high)")
	f.IntVar(&o.bruteMin, "brute-threshold", o.bruteMin, "failed logins from one client that make a brute force")
	f.DurationVar(&o.bruteWindow, "brute-window", o.bruteWindow, "window in which --brute-threshold failures must fall")
	f.IntVar(&o.sprayUsers, "spray-users", o.sprayUsers, "distinct users tried with one password that make a password spray")
	f.DurationVar(&o.sprayWindow, "spray-window", o.sprayWindow, "window in which --spray-users users must be tried")
	f.StringSliceVar(&o.localNets, "local-nets", nil, "internal `CIDR`s behind NAT, used to tell NAT artefacts from attacks (default: RFC 1918, RFC 6598, loopback, link-local, ULA)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress or warnings on stderr")
	o.analysis.register(f)
	o.analysis.registerProgress(f)
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return auditFormats, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("fail-on", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"info", "low", "medium", "high"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// auditConfig turns the flags into an audit configuration, rejecting values
// that would silently fall back to defaults.
func (o *auditOptions) auditConfig() (audit.Config, error) {
	cfg := audit.DefaultConfig()
	if o.bruteMin < 1 || o.sprayUsers < 2 {
		return cfg, fmt.Errorf("--brute-threshold must be at least 1 and --spray-users at least 2")
	}
	if o.bruteWindow <= 0 || o.sprayWindow <= 0 {
		return cfg, fmt.Errorf("--brute-window and --spray-window must be positive")
	}
	cfg.BruteThreshold, cfg.BruteWindow = o.bruteMin, o.bruteWindow
	cfg.SprayUsers, cfg.SprayWindow = o.sprayUsers, o.sprayWindow
	if len(o.localNets) > 0 {
		cfg.LocalNets = cfg.LocalNets[:0:0]
		for _, n := range o.localNets {
			p, err := netip.ParsePrefix(n)
			if err != nil {
				return cfg, fmt.Errorf("--local-nets: %q is not a CIDR prefix", n)
			}
			cfg.LocalNets = append(cfg.LocalNets, p.Masked())
		}
	}
	return cfg, nil
}

// runAudit analyses the files and writes credentials and findings.
func runAudit(o *auditOptions, s *streams) error {
	if err := o.analysis.validate(); err != nil {
		return fail(exitUsage, err)
	}
	acfg, err := o.auditConfig()
	if err != nil {
		return fail(exitUsage, err)
	}
	var failOn audit.Severity
	if o.failOn != "" {
		if failOn, err = audit.ParseSeverity(o.failOn); err != nil {
			return fail(exitUsage, fmt.Errorf("--fail-on: %w", err))
		}
	}
	if !validFormat(o.format) {
		return fail(exitUsage, fmt.Errorf("--format must be one of table, json, csv, markdown"))
	}
	// The auditor digests each session as it becomes final; no session
	// is kept, so a long capture is audited in little memory.
	auditor := audit.NewAuditor(acfg, true)
	dcfg := o.analysis.decoderConfig()
	dcfg.OnSession = auditor.Add
	res, err := analyzeFiles(o.files, s, o.analysis.progressTo(s, o.quiet, false), dcfg, false)
	if err != nil {
		return err
	}
	creds := auditor.Credentials()
	findings := auditor.Findings()

	out := bufio.NewWriterSize(s.out, 64<<10)
	ropts := report.Options{ShowPasswords: o.showPasswords}
	switch o.format {
	case "json":
		jw := report.NewJSONWriter(out, ropts)
		for _, c := range creds {
			if err = jw.Credential(c); err != nil {
				break
			}
		}
		for _, f := range findings {
			if err == nil {
				err = jw.Finding(f)
			}
		}
	case "csv":
		err = report.AuditCSV(out, creds, findings, ropts)
	case "markdown":
		err = report.AuditMarkdown(out, creds, findings, ropts)
	default:
		err = report.AuditTable(out, creds, findings, ropts)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return fail(exitError, fmt.Errorf("writing the audit: %w", err))
	}
	for _, w := range res.Warnings {
		warn(s.err, o.quiet, w)
	}
	if o.failOn != "" {
		if top, ok := audit.Highest(findings); ok && top.AtLeast(failOn) {
			return fail(exitFindings, nil)
		}
	}
	if res.Damaged {
		return fail(exitPartial, nil)
	}
	return nil
}

func validFormat(f string) bool {
	for _, v := range auditFormats {
		if f == v {
			return true
		}
	}
	return false
}
