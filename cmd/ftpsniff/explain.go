package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/report"
)

// explainOptions are the inputs of `ftpsniff explain`.
type explainOptions struct {
	files         []string
	sessions      []string
	format        string
	output        string
	width         int
	showPasswords bool
	quiet         bool
	analysis      analysisFlags
}

// explainFormats are the output formats of `ftpsniff explain`.
var explainFormats = []string{"text", "html"}

func newExplainCmd(s *streams) *cobra.Command {
	o := &explainOptions{format: "text", analysis: defaultAnalysisFlags()}
	cmd := &cobra.Command{
		Use:   "explain FILE...",
		Short: "Draw what happened on the wire, session by session, and explain it",
		Long: `Draw each FTP session as a ladder (sequence) diagram: the client, the
server and, for FXP or a bounce, the third host, with an arrow for every
TCP handshake, command, reply, data connection and close, in the direction
it really went, with times since the session's first packet. The
addresses in PORT, EPRT, 227 and 229 are decoded with their arithmetic
("PORT 192,0,2,10,195,80 => 192.0.2.10 port 195*256+80 = 50000").

Under each diagram, plain-language notes say what this session shows:
active or passive mode and which side had to accept which connection
(why active mode breaks behind NAT, which ports a server firewall must
open), credentials seen in cleartext (masked unless --show-passwords),
NAT address mismatches, FTP bounce, FXP, aborted transfers and TLS.

--format html writes one self-contained page (inline CSS and SVG, no
scripts, nothing fetched) that reads on a phone and prints well.`,
		Example: `  # every session of a capture, on the terminal
  ftpsniff explain testdata/pcaps/vsftpd-user-active-port20.pcap

  # one session (IDs as in 'ftpsniff read') as a web page
  ftpsniff explain --session S5 --format html -o passive.html testdata/pcaps/vsftpd-anon-passive.pcap`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: completeCaptureFiles,
		RunE: func(_ *cobra.Command, args []string) error {
			o.files = args
			return runExplain(o, s)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.sessions, "session", nil, "draw only the session with this `ID` (repeat or comma-separate for several)")
	f.StringVar(&o.format, "format", o.format, "output format: text or html")
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output (its directory must exist)")
	f.IntVar(&o.width, "width", 0, fmt.Sprintf("terminal width of text diagrams (default %d, at least %d)", report.DefaultExplainWidth, report.MinExplainWidth))
	f.BoolVar(&o.showPasswords, "show-passwords", false, "print passwords instead of <hidden>")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress or warnings on stderr")
	o.analysis.register(f)
	o.analysis.registerProgress(f)
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return explainFormats, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.MarkFlagFilename("output", "html", "txt")
	return cmd
}

// runExplain analyses the files and writes the diagrams.
func runExplain(o *explainOptions, s *streams) error {
	if err := o.analysis.validate(); err != nil {
		return fail(exitUsage, err)
	}
	if o.format != "text" && o.format != "html" {
		return fail(exitUsage, fmt.Errorf("--format must be text or html"))
	}
	if o.width != 0 && (o.width < report.MinExplainWidth || o.width > 1000) {
		return fail(exitUsage, fmt.Errorf("--width must be between %d and 1000", report.MinExplainWidth))
	}
	toFile := o.output != "" && o.output != "-"
	if toFile {
		if err := checkOutputPath(o.output, o.files); err != nil {
			return err
		}
	}
	res, err := analyzeFiles(o.files, s, o.analysis.progressTo(s, o.quiet, false), o.analysis.decoderConfig(), true)
	if err != nil {
		return err
	}
	chosen, err := selectSessions(res.Sessions, o.sessions)
	if err != nil {
		return fail(exitUsage, err)
	}
	ropts := report.Options{ShowPasswords: o.showPasswords, Width: o.width}
	ladders := make([]*report.Ladder, 0, len(chosen))
	for _, sess := range chosen {
		ladders = append(ladders, report.Explain(sess, res.Sessions, ropts))
	}

	// Render in memory first: a failed analysis or render never leaves a
	// truncated file behind.
	var buf bytes.Buffer
	if o.format == "html" {
		err = report.ExplainHTML(&buf, pageTitle(o.files), ladders, ropts)
	} else {
		err = report.ExplainText(&buf, ladders, ropts)
	}
	if err != nil {
		return fail(exitError, fmt.Errorf("rendering the diagrams: %w", err))
	}
	if toFile {
		err = writeOutput(o.output, buf.Bytes(), o.showPasswords)
	} else {
		_, err = s.out.Write(buf.Bytes())
	}
	if err != nil {
		return fail(exitError, fmt.Errorf("writing the diagrams: %w", err))
	}
	for _, w := range res.Warnings {
		warn(s.err, o.quiet, w)
	}
	if res.Damaged {
		return fail(exitPartial, nil)
	}
	return nil
}

// selectSessions keeps the sessions named by ids (case-insensitively, in
// capture order), all of them when ids is empty; an unknown ID is an
// error listing the known ones.
func selectSessions(all []*decoder.Session, ids []string) ([]*decoder.Session, error) {
	var out []*decoder.Session
	if len(ids) == 0 {
		for _, s := range all {
			if s != nil {
				out = append(out, s)
			}
		}
		return out, nil
	}
	for _, id := range ids {
		found := false
		for _, s := range all {
			if s != nil && strings.EqualFold(s.ID, strings.TrimSpace(id)) {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("--session: no session %q in the capture (sessions: %s)", id, knownIDs(all))
		}
	}
	for _, s := range all {
		if s == nil {
			continue
		}
		for _, id := range ids {
			if strings.EqualFold(s.ID, strings.TrimSpace(id)) {
				out = append(out, s)
				break
			}
		}
	}
	return out, nil
}

// knownIDs lists session IDs for an error message, at most 20.
func knownIDs(all []*decoder.Session) string {
	const most = 20
	var ids []string
	for _, s := range all {
		if s == nil {
			continue
		}
		if len(ids) == most {
			ids = append(ids, fmt.Sprintf("and %d more", len(all)-most))
			break
		}
		ids = append(ids, report.Escape(s.ID))
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// pageTitle names the HTML page after the capture files.
func pageTitle(files []string) string {
	names := make([]string, 0, len(files))
	for _, f := range files {
		if f == "-" {
			names = append(names, "standard input")
			continue
		}
		names = append(names, filepath.Base(f))
	}
	return strings.Join(names, ", ")
}

// checkOutputPath refuses an output path whose directory does not exist
// (so a typo never creates directories or writes somewhere unexpected),
// that is a directory, or that is one of the input captures.
func checkOutputPath(path string, inputs []string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(exitError, fmt.Errorf("-o %s: directory %s does not exist", path, dir))
	case err != nil:
		return fail(exitError, fmt.Errorf("-o %s: %w", path, err))
	case !st.IsDir():
		return fail(exitError, fmt.Errorf("-o %s: %s is not a directory", path, dir))
	}
	out, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fail(exitError, fmt.Errorf("-o %s: %w", path, err))
	}
	if out.IsDir() {
		return fail(exitError, fmt.Errorf("-o %s is a directory", path))
	}
	for _, in := range inputs {
		if in == "-" {
			continue
		}
		if ist, err := os.Stat(in); err == nil && os.SameFile(ist, out) {
			return fail(exitUsage, fmt.Errorf("-o %s is one of the input captures; refusing to overwrite it", path))
		}
	}
	return nil
}

// writeOutput writes data to path (created or truncated, never a
// temporary file elsewhere). A page that may hold passwords is readable
// by its owner only.
func writeOutput(path string, data []byte, secret bool) error {
	perm := os.FileMode(0o644)
	if secret {
		perm = 0o600
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
