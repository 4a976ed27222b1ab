package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ExplainText writes each ladder as a terminal sequence diagram followed
// by its notes:
//
//	           client                                        server
//	         192.0.2.10                                198.51.100.10
//	          |                                                    |
//	+0.000s   |--- SYN  192.0.2.10:32932 -> 198.51.100.10:21 ----->|
//	          |        control connection: the client opens TCP... |
//	          |<-- SYN-ACK ----------------------------------------|
//	+0.085s   |--- PORT 192,0,2,10,200,103 ----------------------->|
//	          |        => 192.0.2.10 port 200*256+103 = 51303      |
//	+0.092s   |<== SYN  198.51.100.10:20 -> 192.0.2.10:51303 ======|
//
// "---" arrows are the control connection, "===" arrows a data
// connection; an arrow with two heads went both ways or its sender is
// not known. The first column is the time since the session's first
// packet, blank when the capture does not tell. Lines are at most
// Options.Width columns (DefaultExplainWidth when zero, at least
// MinExplainWidth); labels that do not fit are cut with "…". Every
// string in a Ladder is already escaped.
func ExplainText(w io.Writer, ladders []*Ladder, opts Options) error {
	width := explainWidth(opts)
	bw := bufio.NewWriter(w)
	if len(ladders) == 0 {
		fmt.Fprintln(bw, "No FTP sessions.")
	}
	for i, l := range ladders {
		if i > 0 {
			bw.WriteByte('\n')
		}
		writeLadderText(bw, l, width)
	}
	return bw.Flush()
}

// ladderLegend explains the columns and arrows under each heading.
const ladderLegend = "times: seconds since the first packet; ---> control connection, ===> data connection"

// explainWidth is the width text ladders are drawn for.
func explainWidth(opts Options) int {
	switch {
	case opts.Width <= 0:
		return DefaultExplainWidth
	case opts.Width < MinExplainWidth:
		return MinExplainWidth
	}
	return opts.Width
}

// textLadder places the lanes of one ladder on the terminal.
type textLadder struct {
	width int
	// bars are the columns of the lanes' vertical lines; timeW is the
	// width of the time column.
	bars  []int
	timeW int
}

func newTextLadder(l *Ladder, width int) *textLadder {
	g := &textLadder{width: width, timeW: len("+0.000s")}
	for _, st := range l.Steps {
		if st.Timed {
			g.timeW = max(g.timeW, len(ladderTime(st.At)))
		}
	}
	first, last := g.timeW+3, width-1
	n := max(len(l.Lanes), 2)
	// A very long time column on a narrow terminal still leaves every
	// lane room for a short arrow.
	first = min(first, last-(n-1)*minGap)
	// Each gap between neighbouring lanes gets room in proportion to the
	// widest label drawn across it alone (and at least minGap).
	need := make([]int, n-1)
	for i := range need {
		need[i] = minGap
	}
	for _, st := range l.Steps {
		if lo, hi := stepSpan(st); st.Kind != StepRemark && hi == lo+1 && hi < n {
			need[lo] = max(need[lo], textWidth(st.Label)+8)
		}
	}
	total := 0
	for _, v := range need {
		total += v
	}
	avail := last - first
	g.bars = append(g.bars, first)
	x, acc := first, 0
	for i, v := range need {
		acc += v
		next := first + avail*acc/total
		if i == len(need)-1 {
			next = last
		}
		// Keep minGap even when another gap is much greedier.
		next = max(next, x+minGap)
		next = min(next, last-(len(need)-1-i)*minGap)
		g.bars = append(g.bars, next)
		x = next
	}
	return g
}

// minGap is the narrowest space drawn between two lanes.
const minGap = 24

// row lays out one line: the time label, then the lanes, with content
// filling the space between bar lo and bar hi (the bars in between are
// covered). Content must be exactly that wide.
func (g *textLadder) row(b *strings.Builder, time string, lo, hi int, content string) {
	fmt.Fprintf(b, "%*s", g.timeW, time)
	b.WriteString(strings.Repeat(" ", g.bars[0]-g.timeW))
	for i := 0; i < len(g.bars); i++ {
		b.WriteByte('|')
		if i == len(g.bars)-1 {
			break
		}
		if i == lo && hi > lo {
			b.WriteString(content)
			i = hi - 1
			continue
		}
		b.WriteString(strings.Repeat(" ", g.bars[i+1]-g.bars[i]-1))
	}
	b.WriteByte('\n')
}

// span is the width between bar lo and bar hi.
func (g *textLadder) span(lo, hi int) int { return g.bars[hi] - g.bars[lo] - 1 }

// padTo pads s with blanks to w columns.
func padTo(s string, w int) string {
	if n := w - textWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// arrowText draws an arrow w columns wide with its label near the tail:
// "--- label ---->", "<-- label -----", "<-- label ---->" (line "-" for
// the control connection, "=" for a data connection).
func arrowText(label string, w int, right, both bool, line string) string {
	label = cutEnd(label, w-7)
	head, tail := line+line+line+" ", ">"
	switch {
	case both:
		head = "<" + line + line + " "
	case !right:
		head, tail = "<"+line+line+" ", line
	}
	body := head
	if label != "" {
		body += label + " "
	}
	return body + strings.Repeat(line, max(w-textWidth(body)-1, 0)) + tail
}

// ladderWrap breaks text into lines of at most w columns at blanks,
// splitting a word wider than w (an IPv6 address on a narrow terminal)
// rather than cutting it.
func ladderWrap(text string, w int) []string {
	w = max(w, 8)
	var lines []string
	cur := ""
	for word := range strings.FieldsSeq(text) {
		for textWidth(word) > w {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			head := prefixWidth(word, w)
			lines = append(lines, head)
			word = word[len(head):]
		}
		switch {
		case word == "":
		case cur == "":
			cur = word
		case textWidth(cur)+1+textWidth(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// centerAt writes s centred on column c of a line built so far in b
// (whose width is col), without overlapping it or passing width.
func centerAt(b *strings.Builder, col *int, s string, c, width int) {
	w := textWidth(s)
	start := c - w/2
	start = min(start, width-w)
	start = max(start, *col)
	if *col > 0 && start == *col {
		start++ // keep one blank between neighbours
	}
	b.WriteString(strings.Repeat(" ", max(start-*col, 0)))
	b.WriteString(s)
	*col = start + w
}

func writeLadderText(w *bufio.Writer, l *Ladder, width int) {
	g := newTextLadder(l, width)
	// The heading, wrapped to the width like everything else.
	head := "=== Session " + l.ID + "  " + l.Title
	if l.StartText != "" {
		head += "  " + l.StartText
	}
	if textWidth(head) <= width {
		fmt.Fprintln(w, head)
	} else {
		for i, line := range ladderWrap(head, width-4) {
			if i > 0 {
				w.WriteString("    ")
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, text := range []string{l.Summary, ladderLegend} {
		for _, line := range ladderWrap(text, width-4) {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	w.WriteByte('\n')

	var b strings.Builder
	// Lane headers: role, then address, each centred on its bar; a
	// header wider than the space between bars is cut in the middle.
	maxW := width
	for i := 1; i < len(g.bars); i++ {
		maxW = min(maxW, g.bars[i]-g.bars[i-1]-1)
	}
	for _, part := range []func(Lane) string{func(l Lane) string { return l.Role }, Lane.Header} {
		col := 0
		for i, lane := range l.Lanes {
			centerAt(&b, &col, cutMiddle(part(lane), maxW), g.bars[i], width)
		}
		b.WriteByte('\n')
	}
	n := len(g.bars) - 1
	g.row(&b, "", 0, 0, "")

	for _, st := range l.Steps {
		t := ""
		if st.Timed {
			t = ladderTime(st.At)
		}
		if st.Kind == StepRemark {
			wd := g.span(0, n)
			lines := ladderWrap(st.Label, wd-7)
			for i, line := range lines {
				if i == 0 {
					text := "~~ " + line + " "
					g.row(&b, t, 0, n, text+strings.Repeat("~", max(wd-textWidth(text), 0)))
					continue
				}
				g.row(&b, "", 0, n, padTo("   "+line, wd))
			}
			continue
		}
		lo, hi := stepSpan(st)
		if lo == hi || lo < 0 || hi > n {
			// Both ends on one host (FXP between two servers on one
			// address): drawn as a remark.
			wd := g.span(0, n)
			g.row(&b, t, 0, n, padTo(cutEnd("   "+st.Label, wd), wd))
			continue
		}
		line := "-"
		if st.Kind == StepDataTCP || st.Kind == StepData {
			line = "="
		}
		wd := g.span(lo, hi)
		label := st.Label
		if st.Short != "" && textWidth(label) > wd-7 {
			label = st.Short
		}
		g.row(&b, t, lo, hi, arrowText(label, wd, st.To > st.From, st.Both, line))
		indent := "        "
		if wd < 60 {
			indent = "    "
		}
		for _, d := range st.Details {
			for _, dl := range ladderWrap(d, wd-len(indent)-1) {
				g.row(&b, "", lo, hi, padTo(indent+dl, wd))
			}
		}
	}
	g.row(&b, "", 0, 0, "")
	writeTrimmed(w, []byte(b.String()))

	if len(l.Notes) > 0 {
		fmt.Fprintln(w, "\nWhat this session shows:")
		for _, note := range l.Notes {
			for i, line := range ladderWrap(note, width-4) {
				if i == 0 {
					fmt.Fprintf(w, "  - %s\n", line)
				} else {
					fmt.Fprintf(w, "    %s\n", line)
				}
			}
		}
	}
}
