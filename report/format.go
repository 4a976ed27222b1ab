package report

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Human-readable formats for times shown in the tables and transcript.
const (
	clockLayout = "15:04:05.000"                  // transcript time column
	stampLayout = "2006-01-02T15:04:05.000Z07:00" // RFC 3339 with milliseconds
)

// humanBytes formats a byte count with binary (IEC) units: "512 B",
// "1.2 KiB", "3.4 MiB".
func humanBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	const units = "KMGTPE"
	v := float64(n) / 1024
	u := 0
	for v >= 1023.95 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[u:u+1] + "iB"
}

// humanRate formats bytes over d as a rate, "-" when d is not positive.
func humanRate(n int64, d time.Duration) string {
	if d <= 0 || n < 0 {
		return "-"
	}
	bps := float64(n) / d.Seconds()
	if bps < 1024 {
		return strconv.FormatFloat(bps, 'f', 0, 64) + " B/s"
	}
	return humanBytes(int64(bps)) + "/s"
}

// humanDuration formats a span for tables: "850 ms", "12.3 s", "5m03s",
// "2h03m"; "-" when negative.
func humanDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Hour:
		s := int64(d / time.Second)
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	m := int64(d / time.Minute)
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

// latency formats a reply latency: "12.3 ms" below a second, "1.234 s"
// above.
func latency(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}

// endpoint formats ip:port (IPv6 in brackets), "-" when not seen.
func endpoint(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "-"
	}
	return ap.String()
}

// dataConn formats a data connection as "src -> dst"; without one, "not
// captured" when data should have flowed (the decoder noted
// data_not_captured), else "no data connection" (refused, e.g. 550).
func dataConn(t *decoder.Transfer) string {
	if !t.DataSrc.IsValid() && !t.DataDst.IsValid() {
		if decoder.NoteDataNotCaptured.In(t.Notes) {
			return "not captured"
		}
		return "no data connection"
	}
	return endpoint(t.DataSrc) + " -> " + endpoint(t.DataDst)
}

// modeNegotiation formats a transfer's mode and the command that set it
// up: "passive/EPSV", "active/PORT"; "-" when neither was seen.
func modeNegotiation(t *decoder.Transfer) string {
	mode := string(t.Mode)
	switch {
	case mode == "" && t.Negotiation == "":
		return "-"
	case mode == "":
		return "?/" + Escape(t.Negotiation)
	case t.Negotiation == "":
		return mode
	}
	return mode + "/" + Escape(t.Negotiation)
}

// abortCodes are the replies RFC 959 (4.2.2) words as "transfer aborted"
// or "action aborted": the transfer started and was cut short.
var abortCodes = map[int]bool{426: true, 451: true, 551: true, 552: true}

// transferStatus formats the final reply and the outcome: "226 complete",
// "226 incomplete" (2xx but bytes missing or no data connection seen),
// "426 aborted" (an abort reply, or any error after data moved), "550
// failed" (refused before any data moved), "- no reply".
func transferStatus(t *decoder.Transfer) string {
	if t.Status == nil {
		return "- no reply"
	}
	code := strconv.Itoa(*t.Status)
	switch {
	case t.Complete:
		return code + " complete"
	case *t.Status/100 == 2 || *t.Status/100 == 1:
		return code + " incomplete"
	case t.Bytes != nil && *t.Bytes > 0, abortCodes[*t.Status]:
		return code + " aborted"
	}
	return code + " failed"
}

// transferTarget is what the table shows as the transfer's object: the
// resolved path, else the argument as sent, else "-".
func transferTarget(t *decoder.Transfer) string {
	switch {
	case t.Path != nil:
		return Escape(*t.Path)
	case t.Arg != nil:
		return Escape(*t.Arg)
	}
	return "-"
}

// sessionBytes sums the bytes of every captured data connection.
func sessionBytes(s *decoder.Session) int64 {
	var n int64
	for _, t := range s.Transfers {
		if t != nil && t.Bytes != nil {
			n += *t.Bytes
		}
	}
	return n
}

// textWidth estimates how many terminal columns s takes once escaped:
// combining marks take none, East Asian wide and emoji runes two.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf && r != 0x303f,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6, r >= 0x1f300 && r <= 0x1f64f,
		r >= 0x1f900 && r <= 0x1f9ff, r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}

// blockWidth is the widest line of a possibly multi-line cell.
func blockWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, textWidth(line))
	}
	return w
}

const ellipsis = "…"

// cutEnd shortens s to at most w columns, marking the cut with "…".
func cutEnd(s string, w int) string {
	if textWidth(s) <= w {
		return s
	}
	if w < 1 {
		return ""
	}
	return prefixWidth(s, w-1) + ellipsis
}

// cutMiddle shortens s to at most w columns by removing its middle, so the
// start of a path and its file name both stay visible.
func cutMiddle(s string, w int) string {
	if textWidth(s) <= w {
		return s
	}
	if w < 4 {
		return cutEnd(s, w)
	}
	tail := (w - 1) * 3 / 5
	head := w - 1 - tail
	return prefixWidth(s, head) + ellipsis + suffixWidth(s, tail)
}

func prefixWidth(s string, w int) string {
	n := 0
	for i, r := range s {
		rw := runeWidth(r)
		if n+rw > w {
			return s[:i]
		}
		n += rw
	}
	return s
}

func suffixWidth(s string, w int) string {
	n := 0
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		rw := runeWidth(r)
		if n+rw > w {
			return s[i:]
		}
		n += rw
		i -= size
	}
	return s
}

// wrapList lays items out in lines of at most w columns, separated by
// ", ", one item per line when an item alone is wider.
func wrapList(items []string, w int) string {
	var b strings.Builder
	lineW := 0
	for i, it := range items {
		iw := textWidth(it)
		switch {
		case i == 0:
		case lineW+2+iw <= w:
			b.WriteString(", ")
			lineW += 2
		default:
			b.WriteString(",\n")
			lineW = 0
		}
		b.WriteString(it)
		lineW += iw
	}
	return b.String()
}

// escapeAll escapes every string of a list.
func escapeAll(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = Escape(s)
	}
	return out
}
