package report

import (
	"bytes"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
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
	fitColumns(width, cols, rows)
	return renderGrid(w, cols, rows, tableWidths(cols, rows), gridChunk)
}

// fitColumns shrinks the flexible columns, last-listed first, until the
// grid fits in width columns (or they reach their minimum), fitting the
// cells in place.
func fitColumns(width int, cols []column, rows [][]string) {
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
}

// gridChunk is how many rows tablewriter holds at a time. It builds
// several contexts per cell while rendering, so feeding it a whole
// capture's rows at once made memory grow with the capture (issue 6);
// chunks keep that cost bounded while the column widths, fixed once for
// the whole grid, keep the chunks lined up as one table.
const gridChunk = 256

// tableWidths returns the widths tablewriter itself would give the
// columns if it saw every row at once: the widest line of each column as
// tablewriter measures it (twwidth, tabs expanded), padding included, at
// least 1. Forcing exactly these on every chunk makes the chunked output
// byte-identical to a single-shot rendering, even where twwidth and
// textWidth disagree on a rune.
func tableWidths(cols []column, rows [][]string) []int {
	widths := make([]int, len(cols))
	measure := func(i int, cell string) {
		if strings.Contains(cell, twwidth.TabString.String()) {
			cell = strings.ReplaceAll(cell, twwidth.TabString.String(), strings.Repeat(tw.Space, twwidth.TabWidth()))
		}
		cw := 0
		for line := range strings.SplitSeq(cell, "\n") {
			cw = max(cw, twwidth.Width(line))
		}
		widths[i] = max(widths[i], cw+padding(cols, i))
	}
	for i, c := range cols {
		widths[i] = 1
		measure(i, c.title)
	}
	for _, row := range rows {
		for i := range min(len(row), len(cols)) {
			measure(i, row[i])
		}
	}
	return widths
}

// padding is the blank space tablewriter adds right of column i.
func padding(cols []column, i int) int {
	if i == len(cols)-1 {
		return 0
	}
	return gap
}

// renderGrid feeds rows to tablewriter chunk rows at a time, every chunk
// forced to widths, the header and its rule only on the first, and
// writes each chunk out trimmed as soon as it is rendered.
func renderGrid(w io.Writer, cols []column, rows [][]string, widths []int, chunk int) error {
	var buf bytes.Buffer
	t, titles := newGridTable(&buf, cols, widths)
	t.Header(titles...)
	for first := true; first || len(rows) > 0; first = false {
		n := min(chunk, len(rows))
		for _, row := range rows[:n] {
			if err := t.Append(row); err != nil {
				return err
			}
		}
		rows = rows[n:]
		buf.Reset()
		if err := t.Render(); err != nil {
			return err
		}
		t.Reset()
		if err := writeTrimmed(w, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// newGridTable returns a borderless tablewriter table rendering cols into
// out, and the header titles; widths, when not nil, fixes every column's
// width.
func newGridTable(out io.Writer, cols []column, widths []int) (*tablewriter.Table, []any) {
	aligns := make([]tw.Align, len(cols))
	pads := make([]tw.Padding, len(cols))
	titles := make([]any, len(cols))
	for i, c := range cols {
		aligns[i] = tw.AlignLeft
		if c.right {
			aligns[i] = tw.AlignRight
		}
		pads[i] = tw.Padding{Left: "", Right: strings.Repeat(" ", padding(cols, i)), Overwrite: true}
		titles[i] = c.title
	}
	cell := func() tw.CellConfig {
		return tw.CellConfig{
			Formatting: tw.CellFormatting{AutoFormat: tw.Off},
			Alignment:  tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns},
			Padding:    tw.CellPadding{Global: tw.PaddingNone, PerColumn: pads},
		}
	}
	var fixed tw.CellWidth
	if widths != nil {
		fixed.PerColumn = tw.NewMapper[int, int]()
		for i, cw := range widths {
			fixed.PerColumn.Set(i, cw)
		}
	}
	t := tablewriter.NewTable(out,
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
			Widths: fixed,
			Behavior: tw.Behavior{
				TrimSpace: tw.Off,
				TrimTab:   tw.Off,
				TrimLine:  tw.Off,
			},
		}),
		// WrapNone is the zero value, which WithConfig takes for "unset"
		// and replaces with wrapping defaults; those stay dormant only
		// while no width is fixed, so set it explicitly: with widths
		// fixed, WrapNormal would squeeze runs of blanks in cells.
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	return t, titles
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
// It trims in place (the result is never longer than text), so text is
// clobbered but no copy of the table is made.
func writeTrimmed(w io.Writer, text []byte) error {
	out := text[:0]
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
