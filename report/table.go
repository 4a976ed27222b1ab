package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Table writes the human report of a run: a sessions table, a transfers
// table (when any transfer exists), a login-attempts table (when any
// attempt exists) and a short summary with the limits that fired and the
// anomaly notes, each with the sessions it concerns, so an analyst knows
// where to look next in the transcript or JSON.
//
// Every wire string is escaped (see Escape). Free-text cells (user, path,
// notes) are shortened with "…" to fit Options.Width; the transcript and
// JSON keep them whole. Counts in the summary are taken from sessions;
// when sum says the run saw more sessions or transfers than were passed
// (a filtered report), both numbers are shown.
func Table(w io.Writer, sessions []*decoder.Session, sum decoder.Summary, opts Options) error {
	bw := bufio.NewWriter(w)
	sessions = slices.DeleteFunc(slices.Clone(sessions), func(s *decoder.Session) bool { return s == nil })
	if len(sessions) == 0 {
		fmt.Fprintln(bw, "No FTP sessions.")
		fmt.Fprintln(bw)
	} else {
		fmt.Fprintf(bw, "Sessions (%d)\n", len(sessions))
		if err := sessionGrid(bw, sessions, opts); err != nil {
			return err
		}
		if n := countTransfers(sessions); n > 0 {
			fmt.Fprintf(bw, "\nTransfers (%d)\n", n)
			if err := transferGrid(bw, sessions, opts); err != nil {
				return err
			}
		}
		if n := countAttempts(sessions); n > 0 {
			fmt.Fprintf(bw, "\nLogin attempts (%d)\n", n)
			if err := loginGrid(bw, sessions, opts); err != nil {
				return err
			}
		}
		fmt.Fprintln(bw)
	}
	writeSummary(bw, sessions, sum, opts)
	return bw.Flush()
}

func countTransfers(sessions []*decoder.Session) int {
	n := 0
	for _, s := range sessions {
		for _, t := range s.Transfers {
			if t != nil {
				n++
			}
		}
	}
	return n
}

func countAttempts(sessions []*decoder.Session) int {
	n := 0
	for _, s := range sessions {
		n += attemptCount(s)
	}
	return n
}

// attemptCount is how many login attempts a session saw, including those
// the decoder counted but did not keep (Session.LoginCount).
func attemptCount(s *decoder.Session) int {
	return max(s.LoginCount, len(s.LoginAttempts))
}

// sessionGrid: one row per control connection.
func sessionGrid(w io.Writer, sessions []*decoder.Session, opts Options) error {
	cols := []column{
		{title: "ID"},
		{title: "CLIENT"},
		{title: "SERVER"},
		{title: "USER", min: 12},
		{title: "LOGIN"},
		{title: "MODE"},
		{title: "TLS"},
		{title: "CMDS", right: true},
		{title: "XFERS", right: true},
		{title: "BYTES", right: true},
		{title: "DURATION", right: true},
		{title: "END"},
	}
	rows := make([][]string, 0, len(sessions))
	for _, s := range sessions {
		rows = append(rows, []string{
			Escape(s.ID),
			endpoint(s.Client),
			endpoint(s.Server),
			quoted(s.User),
			loginCell(s),
			modeCell(s.Mode),
			yesNo(s.TLS),
			strconv.Itoa(s.Commands),
			strconv.Itoa(len(s.Transfers)),
			humanBytes(sessionBytes(s)),
			spanCell(s.Start, s.End),
			endCell(s.EndReason),
		})
	}
	return grid(w, opts.width(), cols, rows)
}

// loginCell: the session's login state and, when any, the attempt count.
func loginCell(s *decoder.Session) string {
	login := string(s.Login)
	if login == "" {
		login = string(decoder.OutcomeNone)
	}
	if n := attemptCount(s); n > 0 {
		return Escape(login) + " (" + strconv.Itoa(n) + ")"
	}
	return Escape(login)
}

func modeCell(m decoder.Mode) string {
	if m == "" {
		return string(decoder.ModeNone)
	}
	return Escape(string(m))
}

func endCell(r decoder.EndReason) string {
	if r == "" {
		return "-"
	}
	return Escape(string(r))
}

func spanCell(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "-"
	}
	return humanDuration(end.Sub(start))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// quoted renders an optional wire string for a table cell: "-" when not
// seen, `""` when seen but empty, else escaped.
func quoted(p *string) string {
	switch {
	case p == nil:
		return "-"
	case *p == "":
		return `""`
	}
	return Escape(*p)
}

// transferGrid: one row per transfer, grouped by session. The PATH cell
// stacks what would not fit side by side in 120 columns: the path (or
// argument), then mode/negotiation and the data connection, then the
// notes, so every row stays readable without a very wide terminal.
func transferGrid(w io.Writer, sessions []*decoder.Session, opts Options) error {
	var rows [][]string
	floor := 24
	for _, s := range sessions {
		for _, t := range s.Transfers {
			if t == nil {
				continue
			}
			bytesCell, rate := "-", "-"
			if t.Bytes != nil {
				bytesCell = humanBytes(*t.Bytes)
				rate = humanRate(*t.Bytes, t.End.Sub(t.Start))
			}
			conn := modeNegotiation(t) + "  " + dataConn(t)
			floor = max(floor, textWidth(conn))
			detail := transferTarget(t) + "\n" + conn
			if notes := transferNotes(t); len(notes) > 0 {
				detail += "\n" + notesPrefix + strings.Join(escapeAll(notes), ", ")
			}
			rows = append(rows, []string{
				Escape(s.ID),
				Escape(t.Command),
				detail,
				bytesCell,
				rate,
				transferStatus(t),
			})
		}
	}
	cols := []column{
		{title: "SESSION"},
		{title: "CMD"},
		{title: "PATH / DATA CONNECTION / NOTES", min: floor, fit: fitTransferDetail},
		{title: "BYTES", right: true},
		{title: "RATE", right: true},
		{title: "STATUS"},
	}
	return grid(w, opts.width(), cols, rows)
}

const notesPrefix = "notes: "

// fitTransferDetail fits a transfer's PATH cell into w columns: the path
// loses its middle (keeping the file name), the connection line its end,
// and the notes wrap onto more lines.
func fitTransferDetail(cell string, w int) string {
	lines := strings.Split(cell, "\n")
	out := make([]string, 0, len(lines)+2)
	for i, line := range lines {
		switch {
		case i == 0:
			out = append(out, cutMiddle(line, w))
		case strings.HasPrefix(line, notesPrefix):
			items := strings.Split(strings.TrimPrefix(line, notesPrefix), ", ")
			indent := strings.Repeat(" ", len(notesPrefix))
			for j, l := range strings.Split(wrapList(items, w-len(notesPrefix)), "\n") {
				if j == 0 {
					out = append(out, cutEnd(notesPrefix+l, w))
				} else {
					out = append(out, cutEnd(indent+l, w))
				}
			}
		default:
			out = append(out, cutEnd(line, w))
		}
	}
	return strings.Join(out, "\n")
}

// transferNotes are the transfer's notes plus the extraction result, so
// an extracted file can be found from the table.
func transferNotes(t *decoder.Transfer) []string {
	notes := slices.Clone(t.Notes)
	if t.MissingBytes > 0 {
		notes = append(notes, "missing "+humanBytes(t.MissingBytes))
	}
	if t.Rest > 0 {
		notes = append(notes, "rest "+strconv.FormatInt(t.Rest, 10))
	}
	if t.File != "" {
		notes = append(notes, "file "+t.File)
	}
	return notes
}

// loginGrid lists login attempts: at most Options.MaxLoginRows per
// session plus every success, then a line per session counting the rest.
func loginGrid(w io.Writer, sessions []*decoder.Session, opts Options) error {
	showAccount := false
	for _, s := range sessions {
		for _, a := range s.LoginAttempts {
			showAccount = showAccount || a.Account != nil
		}
	}
	cols := []column{
		{title: "SESSION"},
		{title: "TIME"},
		{title: "USER", min: 12},
		{title: "PASSWORD", min: 10},
	}
	if showAccount {
		cols = append(cols, column{title: "ACCOUNT", min: 10})
	}
	cols = append(cols, column{title: "OUTCOME"})

	limit := opts.maxLoginRows()
	loc := opts.location()
	var rows [][]string
	var elided []string
	for _, s := range sessions {
		skipped := map[decoder.Outcome]int{}
		for i, a := range s.LoginAttempts {
			if i >= limit && a.Outcome != decoder.OutcomeSuccess {
				skipped[outcomeOf(a.Outcome)]++
				continue
			}
			user := a.User
			row := []string{Escape(s.ID), clock(a.Time, loc), quoted(&user), quoted(opts.password(a.Password))}
			if showAccount {
				row = append(row, quoted(a.Account))
			}
			outcome := string(outcomeOf(a.Outcome))
			if a.ReplyCode != nil {
				outcome += " " + strconv.Itoa(*a.ReplyCode)
			}
			rows = append(rows, append(row, outcome))
		}
		if len(skipped) > 0 {
			elided = append(elided, fmt.Sprintf("%s: %d more attempts not listed (%s)",
				Escape(s.ID), sumValues(skipped), countList(skipped)))
		}
		if lost := attemptCount(s) - len(s.LoginAttempts); lost > 0 {
			elided = append(elided, fmt.Sprintf("%s: %d more attempts counted but not kept by the decoder",
				Escape(s.ID), lost))
		}
	}
	if err := grid(w, opts.width(), cols, rows); err != nil {
		return err
	}
	for _, line := range elided {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

func outcomeOf(o decoder.Outcome) decoder.Outcome {
	if o == "" {
		return decoder.OutcomeUnknown
	}
	return o
}

func clock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format(clockLayout)
}

func sumValues[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// countList formats counts as "12 failure, 3 unknown", largest first.
func countList[K ~string](m map[K]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b K) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.Itoa(m[k]) + " " + Escape(string(k))
	}
	return strings.Join(parts, ", ")
}

// noteUse is how often one note appeared and in which sessions.
type noteUse struct {
	name     string
	count    int
	sessions []string
}

// maxNoteSessions is how many session IDs the summary lists per note.
const maxNoteSessions = 5

func writeSummary(w io.Writer, sessions []*decoder.Session, sum decoder.Summary, opts Options) {
	line := func(label, value string) { fmt.Fprintf(w, "  %-10s %s\n", label, value) }
	fmt.Fprintln(w, "Summary")

	count := strconv.Itoa(len(sessions))
	if sum.Sessions > len(sessions) {
		count += fmt.Sprintf(" (of %d in the run)", sum.Sessions)
	}
	line("sessions", count)

	logins := map[decoder.Outcome]int{}
	attempts := 0
	for _, s := range sessions {
		o := s.Login
		if o == "" {
			o = decoder.OutcomeNone
		}
		logins[o]++
		attempts += attemptCount(s)
	}
	line("logins", fmt.Sprintf("%d success, %d failure, %d none; %d attempts",
		logins[decoder.OutcomeSuccess], logins[decoder.OutcomeFailure], logins[decoder.OutcomeNone], attempts))

	n, complete, notCaptured := 0, 0, 0
	var moved int64
	for _, s := range sessions {
		for _, t := range s.Transfers {
			if t == nil {
				continue
			}
			n++
			if t.Complete {
				complete++
			}
			if t.Bytes == nil {
				notCaptured++
			} else {
				moved += *t.Bytes
			}
		}
	}
	xfers := fmt.Sprintf("%d (%d complete", n, complete)
	if notCaptured > 0 {
		xfers += fmt.Sprintf(", %d data not captured", notCaptured)
	}
	xfers += "), " + humanBytes(moved)
	if sum.Transfers > n {
		xfers += fmt.Sprintf("; %d in the run", sum.Transfers)
	}
	line("transfers", xfers)

	if first, last, ok := span(sessions); ok {
		loc := opts.location()
		line("span", first.In(loc).Format(stampLayout)+" .. "+last.In(loc).Format(stampLayout)+
			" ("+humanDuration(last.Sub(first))+")")
	}

	if len(sum.Limits) == 0 {
		line("limits", "none fired")
	} else {
		names := slices.Sorted(maps.Keys(sum.Limits))
		parts := make([]string, len(names))
		for i, name := range names {
			parts[i] = fmt.Sprintf("%s x%d", Escape(name), sum.Limits[name])
		}
		line("limits", strings.Join(parts, ", "))
	}

	uses := noteUses(sessions)
	if len(uses) == 0 {
		line("notes", "none")
		return
	}
	nameW := 0
	for _, u := range uses {
		nameW = max(nameW, textWidth(u.name))
	}
	for i, u := range uses {
		ids := u.sessions
		more := ""
		if len(ids) > maxNoteSessions {
			more = fmt.Sprintf(" +%d more", len(ids)-maxNoteSessions)
			ids = ids[:maxNoteSessions]
		}
		label := ""
		if i == 0 {
			label = "notes"
		}
		pad := strings.Repeat(" ", nameW-textWidth(u.name))
		line(label, fmt.Sprintf("%s%s %5d  %s%s", u.name, pad, u.count, strings.Join(ids, ", "), more))
	}
}

// noteUses counts session and transfer notes by name, most frequent
// first, each with the IDs of the sessions it appeared in.
func noteUses(sessions []*decoder.Session) []noteUse {
	byName := map[string]*noteUse{}
	add := func(name, id string) {
		u := byName[name]
		if u == nil {
			u = &noteUse{name: Escape(name)}
			byName[name] = u
		}
		u.count++
		if len(u.sessions) == 0 || u.sessions[len(u.sessions)-1] != id {
			u.sessions = append(u.sessions, id)
		}
	}
	for _, s := range sessions {
		id := Escape(s.ID)
		for _, n := range s.Notes {
			add(n, id)
		}
		for _, t := range s.Transfers {
			if t == nil {
				continue
			}
			for _, n := range t.Notes {
				add(n, id)
			}
		}
	}
	uses := make([]noteUse, 0, len(byName))
	for _, u := range byName {
		uses = append(uses, *u)
	}
	slices.SortFunc(uses, func(a, b noteUse) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.name, b.name))
	})
	return uses
}

// span is the first start and last end over all sessions.
func span(sessions []*decoder.Session) (first, last time.Time, ok bool) {
	for _, s := range sessions {
		if !s.Start.IsZero() && (first.IsZero() || s.Start.Before(first)) {
			first = s.Start
		}
		if s.End.After(last) {
			last = s.End
		}
	}
	return first, last, !first.IsZero() && !last.IsZero()
}
