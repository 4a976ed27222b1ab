package report

import (
	"bytes"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// column describes one column of a grid.
type column struct {
	title string
	right bool // right-aligned (numbers)
	// min > 0 makes the column flexible: when the grid is wider than the
	// target, it shrinks towards min columns and its wider cells are
	// fitted with fit (each line cut with cutEnd when nil). Flexible
	// columns shrink last-listed first.
	min int
	fit func(cell string, w int) string
}

// gap is the blank space between columns.
const gap = 2

// grid renders rows under cols as a borderless table: upper-case titles,
// a dashed rule, columns two spaces apart, no colour and no trailing
// blanks, so output is stable for golden files and friendly to grep and
// cut. Cells must already be escaped; a cell may hold several lines.
func grid(w io.Writer, width int, cols []column, rows [][]string) error {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = textWidth(c.title)
	}
	for _, row := range rows {
		for i := range cols {
			if i < len(row) {
				widths[i] = max(widths[i], blockWidth(row[i]))
			}
		}
	}
	total := gap * (len(cols) - 1)
	for _, cw := range widths {
		total += cw
	}
	for i := len(cols) - 1; i >= 0 && total > width; i-- {
		c := cols[i]
		if c.min <= 0 || widths[i] <= c.min {
			continue
		}
		target := max(c.min, widths[i]-(total-width), textWidth(c.title))
		total -= widths[i] - target
		widths[i] = target
	}
	for _, row := range rows {
		for i, c := range cols {
			if i >= len(row) || c.min <= 0 || blockWidth(row[i]) <= widths[i] {
				continue
			}
			fit := c.fit
			if fit == nil {
				fit = fitLines(cutEnd)
			}
			row[i] = fit(row[i], widths[i])
		}
	}

	aligns := make([]tw.Align, len(cols))
	pads := make([]tw.Padding, len(cols))
	titles := make([]any, len(cols))
	for i, c := range cols {
		aligns[i] = tw.AlignLeft
		if c.right {
			aligns[i] = tw.AlignRight
		}
		pads[i] = tw.Padding{Left: "", Right: strings.Repeat(" ", gap), Overwrite: true}
		if i == len(cols)-1 {
			pads[i] = tw.Padding{Left: "", Right: "", Overwrite: true}
		}
		titles[i] = c.title
	}
	cell := func() tw.CellConfig {
		return tw.CellConfig{
			Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone, AutoFormat: tw.Off},
			Alignment:  tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns},
			Padding:    tw.CellPadding{Global: tw.PaddingNone, PerColumn: pads},
		}
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleASCII),
			Settings: tw.Settings{
				Separators: tw.Separators{ShowHeader: tw.On, BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.On},
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: cell(),
			Row:    cell(),
			Behavior: tw.Behavior{
				TrimSpace: tw.Off,
				TrimTab:   tw.Off,
				TrimLine:  tw.Off,
			},
		}),
	)
	t.Header(titles...)
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return writeTrimmed(w, buf.Bytes())
}

// fitLines returns a fit function applying cut to each line of a cell.
func fitLines(cut func(string, int) string) func(string, int) string {
	return func(cell string, w int) string {
		lines := strings.Split(cell, "\n")
		for j := range lines {
			lines[j] = cut(lines[j], w)
		}
		return strings.Join(lines, "\n")
	}
}

// writeTrimmed writes text with the trailing blanks of every line removed.
func writeTrimmed(w io.Writer, text []byte) error {
	out := make([]byte, 0, len(text))
	for len(text) > 0 {
		line := text
		rest := []byte(nil)
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, rest = text[:i], text[i+1:]
		}
		out = append(out, bytes.TrimRight(line, " ")...)
		out = append(out, '\n')
		text = rest
	}
	_, err := w.Write(out)
	return err
}
