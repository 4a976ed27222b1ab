package report

import (
	"bytes"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// gridTestColumns mixes left and right alignment with two flexible
// columns (one cut in the middle, one at the end) that a width of 80
// forces to shrink.
func gridTestColumns() []column {
	return []column{
		{title: "ID"},
		{title: "NAME", min: 12, fit: fitLines(cutMiddle)},
		{title: "DETAIL / NOTES", min: 20},
		{title: "BYTES", right: true},
		{title: "RATE", right: true},
		{title: "STATUS"},
	}
}

// gridTestRows returns n deterministic rows: multi-line cells, runs of
// blanks, trailing blanks, empty cells, a tab, wide (CJK, Hangul,
// fullwidth, emoji) and zero-width (combining) runes, and one very wide
// row in the middle so that a chunk's own widths would differ from the
// whole grid's, with runes that textWidth and tablewriter measure apart.
func gridTestRows(n int) [][]string {
	names := []string{
		"report.pdf",
		"文件-数据-备份-二〇二四.txt",
		"cafe\u0301-menu\u0301.txt",
		"📁 photos/📷 holiday 🏖️.jpg",
		"/srv/ftp/pub/very/deep/directory/tree/with/a/long/file-name.tar.gz",
		"",
		"한국어 파일.hwp",
		"ＦＵＬＬＷＩＤＴＨ.TXT",
	}
	details := []string{
		"RETR  file",
		"passive/PASV  192.0.2.10:44936 -> 198.51.100.10:40072",
		"STOR upload\npassive/EPSV  192.0.2.10:41880 -> 198.51.100.10:40054\nnotes: gap, reset",
		"trailing blanks   ",
		"tab\there",
		"LIST\n\n  indented third line",
	}
	statuses := []string{"226 complete", "426 aborted\n(reset)", "", "550 denied"}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{
			"S" + strconv.Itoa(i+1),
			names[i%len(names)] + strings.Repeat("x", i%5),
			details[i%len(details)],
			strconv.Itoa(i * i * 37),
			strconv.Itoa(i%977) + ".5 KiB/s",
			statuses[i%len(statuses)],
		}
		if i == n/2 {
			rows[i][0] = "S-widest-id-of-all"
			rows[i][3] = "123456789012345"
			// Flags: twwidth counts 4 columns each where textWidth
			// counts 2, so the widths must be tablewriter's own.
			rows[i][5] = "🇫🇷🇫🇷🇫🇷🇫🇷🇫🇷🇫🇷 ok"
		}
	}
	return rows
}

// singleShotGrid is the reference: every row handed to one tablewriter
// table that works out the column widths itself, as grid did before it
// rendered in chunks.
func singleShotGrid(t *testing.T, cols []column, rows [][]string) string {
	t.Helper()
	var buf bytes.Buffer
	table, titles := newGridTable(&buf, cols, nil)
	table.Header(titles...)
	for _, row := range rows {
		if err := table.Append(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := table.Render(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeTrimmed(&out, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestGridChunksMatchSingleShot(t *testing.T) {
	tests := []struct {
		name  string
		rows  int
		width int
	}{
		{"empty", 0, 80},
		{"one row", 1, 80},
		{"fewer rows than a chunk", 40, 80},
		{"many rows, narrow", 3000, 80},
		{"many rows, wide enough", 3000, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cols := gridTestColumns()
			rows := gridTestRows(tt.rows)
			fitColumns(tt.width, cols, rows)
			want := singleShotGrid(t, cols, rows)
			if tt.rows >= 3000 && tt.width == 80 && !strings.Contains(want, ellipsis) {
				t.Fatal("no cell was cut: the flexible columns are not exercised")
			}
			widths := tableWidths(cols, rows)
			for _, chunk := range []int{1, 7, gridChunk, tt.rows + 1} {
				var got bytes.Buffer
				if err := renderGrid(&got, cols, rows, widths, chunk); err != nil {
					t.Fatal(err)
				}
				if got.String() != want {
					t.Errorf("chunk %d: output differs from the single-shot rendering\n%s",
						chunk, firstDifference(got.String(), want))
				}
			}
			// grid itself, on fresh rows: fitting is part of what it does.
			var got bytes.Buffer
			if err := grid(&got, tt.width, gridTestColumns(), gridTestRows(tt.rows)); err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("grid: output differs from the single-shot rendering\n%s",
					firstDifference(got.String(), want))
			}
		})
	}
}

// firstDifference names the first line where got and want part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + strconv.Quote(gl) + "\nwant: " + strconv.Quote(wl)
		}
	}
	return "(same lines)"
}

func TestWriteTrimmed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "a\n"},
		{"a  \nb\n", "a\nb\n"},
		{"  \n\n x \t  \n", "\n\n x \t\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := writeTrimmed(&out, []byte(tt.in)); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("writeTrimmed(%q) = %q, want %q", tt.in, out.String(), tt.want)
		}
	}
}

// BenchmarkGrid renders grids of 1,000 and 10,000 rows. B/row is what
// grid allocates per row over a run (tablewriter's per-cell work, so it
// is spent row after row); peak-live-B is the most the heap held at once
// beyond the rows themselves, which must not grow with the number of
// rows (issue 6).
func BenchmarkGrid(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
			// grid fits cells in place, so from the second run on it
			// finds them fitted already and renders the same output.
			rows := gridTestRows(n)
			render := func() {
				if err := grid(io.Discard, 80, gridTestColumns(), rows); err != nil {
					b.Fatal(err)
				}
			}
			render()
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				render()
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(n), "B/row")
			b.ReportMetric(float64(peakLiveHeap(render)), "peak-live-B")
		})
	}
}

// peakLiveHeap runs f with the collector running often and returns the
// largest live heap that a collection during f found, less the live heap
// before f. A finalizer, re-armed at every collection, takes the samples.
func peakLiveHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	liveHeap := func() uint64 {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := liveHeap()
	var peak atomic.Uint64
	var stop atomic.Bool
	type sentinel struct{ _ *int }
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
			if stop.Load() {
				return
			}
			for live := liveHeap(); ; {
				old := peak.Load()
				if live <= old || peak.CompareAndSwap(old, live) {
					break
				}
			}
			arm()
		})
	}
	arm()
	f()
	stop.Store(true)
	runtime.GC()
	return max(peak.Load(), base) - base
}
