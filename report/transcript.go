package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Transcript writes each session's dialogue in capture order, the way an
// analyst reads a control connection: a header (id, client -> server,
// start, user, login, banner, system, notes) and then one line per entry:
//
//	03:04:05.123   +0.000  S<  220 FTP server ready
//	03:04:05.200   +0.077  C>  USER anonymous
//	03:04:05.212   +0.089  S<  331 Send password (12.3 ms)
//	03:04:05.300   +0.177  C>  PASS <hidden>
//	03:04:05.520   +0.397      data  passive/EPSV 192.0.2.10:50001 -> 198.51.100.5:40000 opened for RETR x
//	03:04:06.020   +0.897      data  closed: 1.2 MiB in 500 ms (2.4 MiB/s)
//	03:04:06.400   +1.277      -- 1234 bytes missing --
//
// The first column is the capture time in Options.TimeZone, the second the
// seconds since the session started. C> is a client command, S< a server
// reply with every line of a multi-line reply and, on its last line, the
// time since the command it answers. PASS arguments are masked unless
// Options.ShowPasswords. Every wire string is escaped (see Escape).
func Transcript(w io.Writer, sessions []*decoder.Session, opts Options) error {
	tw := NewTranscriptWriter(w, opts)
	for _, s := range sessions {
		if err := tw.Session(s); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// TranscriptWriter writes transcripts one session at a time, as sessions
// become final, so that a long capture's dialogues need not all be held
// in memory; the output is Transcript's.
type TranscriptWriter struct {
	w     *bufio.Writer
	opts  Options
	wrote bool
}

// NewTranscriptWriter returns a writer that buffers on top of w; call
// Flush at the end.
func NewTranscriptWriter(w io.Writer, opts Options) *TranscriptWriter {
	return &TranscriptWriter{w: bufio.NewWriter(w), opts: opts}
}

// Session writes one session's transcript, after a blank line when it is
// not the first. Nil is skipped.
func (t *TranscriptWriter) Session(s *decoder.Session) error {
	if s == nil {
		return nil
	}
	if t.wrote {
		t.w.WriteByte('\n')
	}
	t.wrote = true
	writeTranscript(t.w, s, t.opts)
	return nil
}

// Flush writes out what is buffered and returns the first write error.
func (t *TranscriptWriter) Flush() error { return t.w.Flush() }

// Transcript layout: "HH:MM:SS.mmm", two blanks, the relative time right
// aligned in relWidth, two blanks, then the direction and two blanks.
const (
	relWidth = 8
	dirAt    = len(clockLayout) + 2 + relWidth + 2 // column of "C>"/"S<"
	textAt   = dirAt + 4                           // column of the text
)

func writeTranscript(w *bufio.Writer, s *decoder.Session, opts Options) {
	loc := opts.location()
	fmt.Fprintf(w, "=== %s  %s -> %s", Escape(s.ID), endpoint(s.Client), endpoint(s.Server))
	if !s.Start.IsZero() {
		fmt.Fprintf(w, "  %s", s.Start.In(loc).Format(stampLayout))
	}
	w.WriteByte('\n')

	login := string(s.Login)
	if login == "" {
		login = string(decoder.OutcomeNone)
	}
	fmt.Fprintf(w, "    user %s, login %s (%s), TLS %s, mode %s, %s, %s",
		quoted(s.User), Escape(login), plural(attemptCount(s), "attempt"), tlsState(s),
		modeCell(s.Mode), plural(s.Commands, "command"), plural(len(s.Transfers), "transfer"))
	if s.Password != nil {
		fmt.Fprintf(w, ", password %s", quoted(opts.password(s.Password)))
	}
	w.WriteByte('\n')
	fmt.Fprintf(w, "    end %s after %s", endCell(s.EndReason), spanCell(s.Start, s.End))
	if s.Handshake {
		fmt.Fprint(w, ", handshake seen")
		if s.HandshakeRTT != nil {
			fmt.Fprintf(w, " (rtt %s)", latency(*s.HandshakeRTT))
		}
	} else {
		fmt.Fprint(w, ", handshake not seen")
	}
	if s.GapBytes > 0 {
		fmt.Fprintf(w, ", %s missing in control", plural(int(s.GapBytes), "byte"))
	}
	w.WriteByte('\n')
	if s.Banner != nil {
		fmt.Fprintf(w, "    banner: %s\n", Escape(*s.Banner))
	}
	if s.System != nil {
		fmt.Fprintf(w, "    system: %s\n", Escape(*s.System))
	}
	if len(s.Features) > 0 {
		fmt.Fprintf(w, "    features: %s\n", strings.Join(escapeAll(s.Features), ", "))
	}
	if len(s.Notes) > 0 {
		fmt.Fprintf(w, "    notes: %s\n", strings.Join(escapeAll(s.Notes), ", "))
	}
	if len(s.Transcript) == 0 {
		fmt.Fprintln(w, "    (no transcript entries)")
		return
	}
	w.WriteByte('\n')

	origin := s.Start
	if origin.IsZero() {
		origin = s.Transcript[0].TS
	}
	for i := range s.Transcript {
		writeEntry(w, s, &s.Transcript[i], origin, opts)
	}
}

func writeEntry(w *bufio.Writer, s *decoder.Session, e *decoder.Entry, origin time.Time, opts Options) {
	prefix := func(dir string) {
		if e.TS.IsZero() {
			fmt.Fprintf(w, "%*s%s  ", dirAt, "", dir)
		} else {
			rel := strconv.FormatFloat(e.TS.Sub(origin).Seconds(), 'f', 3, 64)
			if !strings.HasPrefix(rel, "-") {
				rel = "+" + rel
			}
			fmt.Fprintf(w, "%s  %*s  %s  ", e.TS.In(opts.location()).Format(clockLayout), relWidth, rel, dir)
		}
	}
	switch e.Kind {
	case decoder.EntryCommand:
		prefix("C>")
		w.WriteString(Escape(e.Verb))
		if arg := commandArg(e, opts); arg != "" {
			w.WriteByte(' ')
			w.WriteString(arg)
		}
	case decoder.EntryReply:
		prefix("S<")
		writeReply(w, e)
	case decoder.EntryDataOpen:
		prefix("  ")
		w.WriteString("data  ")
		t := transferAt(s, e.Transfer)
		if t == nil {
			fmt.Fprintf(w, "opened (transfer #%d not kept)", e.Transfer)
			break
		}
		fmt.Fprintf(w, "%s %s opened for %s", modeNegotiation(t), dataConn(t), Escape(t.Command))
		if t.Arg != nil {
			w.WriteByte(' ')
			w.WriteString(Escape(*t.Arg))
		}
	case decoder.EntryDataClose:
		prefix("  ")
		fmt.Fprintf(w, "data  closed: %s", humanBytes(e.Bytes))
		if t := transferAt(s, e.Transfer); t != nil {
			if d := t.End.Sub(t.Start); !t.Start.IsZero() && d >= 0 {
				fmt.Fprintf(w, " in %s (%s)", humanDuration(d), humanRate(e.Bytes, d))
			}
			if t.MissingBytes > 0 {
				fmt.Fprintf(w, ", %d bytes missing", t.MissingBytes)
			}
		}
	case decoder.EntryGap:
		prefix("  ")
		fmt.Fprintf(w, "-- %d bytes missing --", e.Bytes)
	case decoder.EntryTLS:
		prefix("  ")
		text := e.Text
		if text == "" {
			text = "control connection switched to TLS; dialogue no longer visible"
		}
		w.WriteString("tls   ")
		w.WriteString(Escape(text))
	case decoder.EntryNote:
		prefix("  ")
		w.WriteString("note  ")
		w.WriteString(Escape(e.Text))
	default:
		prefix("??")
		fmt.Fprintf(w, "entry kind %d", e.Kind)
	}
	w.WriteByte('\n')
}

// commandArg is the escaped argument of a command, masked for PASS.
func commandArg(e *decoder.Entry, opts Options) string {
	if strings.EqualFold(e.Verb, "PASS") && !opts.ShowPasswords {
		return Hidden
	}
	return Escape(e.Arg)
}

// writeReply prints a reply the way RFC 959 4.2 frames a multi-line one:
// "230-first line", continuation lines indented under the text, and
// "230 last line" followed by the latency.
func writeReply(w *bufio.Writer, e *decoder.Entry) {
	code := strconv.Itoa(e.Code)
	lines := e.Lines
	if len(lines) == 0 {
		lines = []string{""}
	}
	indent := strings.Repeat(" ", textAt)
	for i, line := range lines {
		switch {
		case len(lines) == 1:
			w.WriteString(code + " ")
		case i == 0:
			w.WriteString(code + "-")
		case i == len(lines)-1:
			w.WriteString(indent + code + " ")
		case line == "":
			// An empty continuation line: no trailing blanks.
		default:
			w.WriteString(indent + strings.Repeat(" ", len(code)+1))
		}
		w.WriteString(Escape(line))
		if i < len(lines)-1 {
			w.WriteByte('\n')
		}
	}
	if e.Latency > 0 {
		fmt.Fprintf(w, " (%s)", latency(e.Latency))
	}
}

// tlsState is "no", "yes" or "yes (N records)".
func tlsState(s *decoder.Session) string {
	if s.TLS && s.TLSRecords > 0 {
		return "yes (" + plural(int(s.TLSRecords), "record") + ")"
	}
	return yesNo(s.TLS)
}

// plural formats a count with its noun: "1 attempt", "3 attempts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// transferAt returns s.Transfers[i], nil when out of range.
func transferAt(s *decoder.Session, i int) *decoder.Transfer {
	if i < 0 || i >= len(s.Transfers) {
		return nil
	}
	return s.Transfers[i]
}
