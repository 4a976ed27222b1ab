package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/report"
)

// A long read shows one line on stderr, redrawn in place:
//
//	reading bench-1g.pcap  412.3/954.2 MB  43%  1.26 M packets  310 MB/s  ETA 0:02
//
// It is for the person waiting, so it only appears when stderr is a
// terminal (or with --progress, which wins over --quiet), and is erased before
// anything else is written to stderr. The wall clock it reads paces the
// drawing and the rate shown; it never reaches the report.
const (
	// progressEvery is how many frames the pipeline lets pass between two
	// looks at the clock: one integer compare per frame when the line is
	// shown, none of the work when it is not.
	progressEvery = 4096
	// progressInterval is the least time between two drawings. A read
	// shorter than this shows nothing (unless forced with --progress).
	progressInterval = 250 * time.Millisecond
	// progressWidth is the line's width budget when $COLUMNS does not say;
	// a line longer than the terminal would wrap and redraw as a scroll.
	progressWidth = 80
	// progressNameMin is the fewest characters of the file name kept when
	// the line is tight; the packet count is left out before the name is
	// cut below progressNameGood.
	progressNameMin  = 12
	progressNameGood = 24
)

// progressFlags are --progress and --no-progress, and what progressTo
// decided from them for the run.
type progressFlags struct {
	on, off bool // --progress, --no-progress
	// w receives the line; nil means no progress line.
	w io.Writer
	// forced: --progress was given, so the final state is drawn even
	// after a short read, and streamed output does not turn it off.
	forced bool
	// width is the terminal's, from $COLUMNS, else progressWidth.
	width int
	// now is the clock pacing the drawing; nil is time.Now (tests set it).
	now func() time.Time
}

// registerProgress adds --progress and --no-progress to a command that
// reads capture files.
func (a *analysisFlags) registerProgress(fs *pflag.FlagSet) {
	fs.BoolVar(&a.progress.on, "progress", false, "show progress on stderr even when it is not a terminal or with --quiet")
	fs.BoolVar(&a.progress.off, "no-progress", false, "never show progress (default: shown on a terminal for reads longer than a moment)")
}

// progressTo decides whether this run shows progress on s.err, given the
// command's --quiet, and returns a for use as analyze's argument.
// streaming says the command writes its report while it reads (read
// --json, --transcript): on a terminal shared with stdout the line would
// be drawn over that output, and the scrolling output shows progress
// anyway, so only --progress draws it then.
func (a *analysisFlags) progressTo(s *streams, quiet, streaming bool) *analysisFlags {
	p := &a.progress
	p.w, p.forced = nil, false
	if !wantProgress(p.on, p.off, quiet, streaming, isTerminal(s.err), isTerminal(s.out)) {
		return a
	}
	p.w, p.forced = s.err, p.on
	p.width = progressWidth
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 && n <= 1000 {
		p.width = n
	}
	return a
}

// wantProgress: --no-progress wins, then --progress (even with --quiet,
// like wget -q --show-progress), then --quiet; by default the line is
// shown only when stderr is a terminal, and not when the report is being
// written to a terminal at the same time.
func wantProgress(on, off, quiet, streaming, stderrTerminal, stdoutTerminal bool) bool {
	switch {
	case off:
		return false
	case on:
		return true
	case quiet:
		return false
	}
	return stderrTerminal && !(streaming && stdoutTerminal)
}

// isTerminal reports whether w is a character device other than
// /dev/null: a terminal, as far as os can tell without a terminal library.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// start returns the progress line for one analysis of src, or nil when
// none is to be shown.
func (p *progressFlags) start(src capture.Source) *progressLine {
	if p.w == nil {
		return nil
	}
	pr, _ := src.(capture.Progresser)
	now := p.now
	if now == nil {
		now = time.Now
	}
	return newProgressLine(p.w, pr, now, p.forced, p.width)
}

// progressLine draws the progress of one read on a single line, redrawn
// in place with a carriage return. Its methods are no-ops on nil, so the
// pipeline calls them without checking.
type progressLine struct {
	w      io.Writer
	src    capture.Progresser // nil: only the frame count is known
	now    func() time.Time
	forced bool
	width  int
	start  time.Time
	last   time.Time // of the latest drawing (start before the first)
	shown  int       // width of what is on screen, 0 when nothing is
	buf    []byte
}

func newProgressLine(w io.Writer, src capture.Progresser, now func() time.Time, forced bool, width int) *progressLine {
	t := now()
	return &progressLine{w: w, src: src, now: now, forced: forced, width: width, start: t, last: t}
}

// tick is called every progressEvery frames; frames is how many the
// pipeline has taken, used when the source cannot say. It draws when
// progressInterval has passed since the last drawing (or the start).
func (l *progressLine) tick(frames int64) {
	if l == nil {
		return
	}
	t := l.now()
	if t.Sub(l.last) < progressInterval {
		return
	}
	l.last = t
	l.draw(formatProgress(l.progress(frames), t.Sub(l.start), l.width))
}

// done erases the line, so warnings and the report start on a clean
// line. With --progress the final state is drawn first, so even a short
// run (or a log of stderr) shows what was read, at what rate.
func (l *progressLine) done(frames int64) {
	if l == nil {
		return
	}
	if l.forced {
		l.draw(formatProgress(l.progress(frames), l.now().Sub(l.start), l.width))
	}
	if l.shown > 0 {
		l.buf = append(l.buf[:0], '\r')
		l.buf = appendSpaces(l.buf, l.shown)
		l.buf = append(l.buf, '\r')
		_, _ = l.w.Write(l.buf)
		l.shown = 0
	}
}

func (l *progressLine) progress(frames int64) capture.Progress {
	if l.src != nil {
		return l.src.Progress()
	}
	return capture.Progress{Frames: frames}
}

// draw replaces the line on screen with line, padding with spaces over
// whatever of the previous one would show past its end.
func (l *progressLine) draw(line string) {
	n := utf8.RuneCountInString(line)
	l.buf = append(l.buf[:0], '\r')
	l.buf = append(l.buf, line...)
	l.buf = appendSpaces(l.buf, l.shown-n)
	_, _ = l.w.Write(l.buf)
	l.shown = n
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// formatProgress renders the line for p after elapsed, in at most width-1
// columns (the last column is left free: some terminals wrap on it):
//
//	reading NAME  412.3/954.2 MB  43%  1.26 M packets  310 MB/s  ETA 0:02
//	reading NAME (2/3)  ...                        several files: overall figures
//	reading standard input  412 MB  1.26 M packets  310 MB/s
//
// The byte figures are positions in the files on disk (compressed bytes
// for gzip), in SI units; the rate is the average since the start, which
// a disk cache or a slow start can only make pessimistic. When the line
// is too long for the width, the rate goes first, then the file name is
// shortened in its middle, to progressNameGood characters before the
// packet count goes, and never below progressNameMin.
func formatProgress(p capture.Progress, elapsed time.Duration, width int) string {
	read := p.BytesRead
	var amount, packets, rate, eta string
	if p.TotalBytes > 0 {
		read = min(read, p.TotalBytes) // a file that grew while read
		amount = fmt.Sprintf("  %s  %d%%", fraction(read, p.TotalBytes), read*100/p.TotalBytes)
	} else if read > 0 {
		amount = "  " + siBytes(float64(read))
	}
	packets = "  " + siCount(p.Frames) + " packets"
	if p.Frames == 1 {
		packets = "  1 packet"
	}
	if secs := elapsed.Seconds(); secs > 0 && read > 0 {
		perSec := float64(read) / secs
		rate = "  " + siBytes(perSec) + "/s"
		if left := p.TotalBytes - read; left > 0 {
			if d := time.Duration(float64(left) / perSec * float64(time.Second)); d < 100*time.Hour {
				eta = "  ETA " + clock(d)
			}
		}
	}
	head := "reading"
	if p.Files > 1 {
		head = fmt.Sprintf("reading (%d/%d)", p.FileIndex+1, p.Files)
	}
	name := ""
	if p.File != "" {
		name = report.Escape(filepath.Base(p.File))
	}
	room := func() int { // columns left for the name
		return width - 1 - len(head) - 1 - len(amount) - len(packets) - len(rate) - len(eta)
	}
	n := utf8.RuneCountInString(name)
	if n > room() {
		rate = ""
	}
	if n > room() && room() < progressNameGood {
		packets = ""
	}
	if name != "" {
		name = " " + shorten(name, max(room(), progressNameMin))
	}
	return head + name + amount + packets + rate + eta
}

// fraction renders read/total in the unit of total, with three or four
// significant digits: "412.3/954.2 MB", "0.25/1.00 MB".
func fraction(read, total int64) string {
	if total < 1000 {
		return fmt.Sprintf("%d/%d B", read, total)
	}
	scale, unit := 1e3, "kB"
	for _, u := range []string{"MB", "GB", "TB", "PB"} {
		if float64(total) < scale*1e3 {
			break
		}
		scale, unit = scale*1e3, u
	}
	if float64(total) < 9.995*scale {
		return fmt.Sprintf("%.2f/%.2f %s", float64(read)/scale, float64(total)/scale, unit)
	}
	return fmt.Sprintf("%.1f/%.1f %s", float64(read)/scale, float64(total)/scale, unit)
}

// siBytes renders a byte count or rate with three significant digits:
// "512 B", "4.31 MB", "310 MB".
func siBytes(v float64) string {
	if v < 999.5 {
		return fmt.Sprintf("%.0f B", v)
	}
	return sig3(v/1e3, []string{"kB", "MB", "GB", "TB", "PB"})
}

// siCount renders a packet count: exact below 10000, then "12.3 k",
// "1.26 M".
func siCount(n int64) string {
	if n < 10000 {
		return strconv.FormatInt(n, 10)
	}
	return sig3(float64(n)/1e3, []string{"k", "M", "G", "T"})
}

// sig3 renders v (already divided by 1000 once) in the first unit that
// keeps it under 1000, with three significant digits.
func sig3(v float64, units []string) string {
	i := 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1e3
		i++
	}
	switch {
	case v < 9.995:
		return fmt.Sprintf("%.2f %s", v, units[i])
	case v < 99.95:
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.0f %s", v, units[i])
}

// clock renders a duration as m:ss or h:mm:ss, rounded up so the line
// never promises 0:00 while work is left.
func clock(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// shorten cuts s to at most n characters by replacing its middle with
// "…", keeping the start and the end (where rotated files differ).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) / 2
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
