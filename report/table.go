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
	tw := NewTableWriter(opts)
	for _, s := range sessions {
		tw.Add(s)
	}
	return tw.Write(w, sum)
}

// TableWriter builds the Table report one session at a time: Add renders
// a session's rows and counts it into the summary at once, and keeps
// nothing of the session itself, so the report of a long capture costs
// its rows, not its sessions with their dialogues. Write prints it.
type TableWriter struct {
	opts Options
	// Rows of the three grids, escaped and ready to fit.
	sessionRows, transferRows, loginRows [][]string
	// transferFloor is the narrowest the transfer detail column may be
	// cut to: its widest connection line.
	transferFloor int
	// showAccount: some attempt sent ACCT; login rows always carry the
	// account cell, left out when no attempt has one.
	showAccount bool
	// elided are the lines under the login grid for attempts not listed.
	elided []string
	// Summary counts.
	attempts                         int
	logins                           map[decoder.Outcome]int
	transfers, complete, notCaptured int
	moved                            int64
	first, last                      time.Time
	notes                            map[string]*noteUse
}

// NewTableWriter returns an empty report.
func NewTableWriter(opts Options) *TableWriter {
	return &TableWriter{
		opts:          opts,
		transferFloor: 24,
		logins:        map[decoder.Outcome]int{},
		notes:         map[string]*noteUse{},
	}
}

// Add renders one session into the report; nil is skipped.
func (t *TableWriter) Add(s *decoder.Session) {
	if s == nil {
		return
	}
	t.sessionRows = append(t.sessionRows, []string{
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
	t.addTransfers(s)
	t.addLogins(s)
	t.count(s)
}

// Write prints the sessions, transfers and login-attempts grids (the last
// two when not empty) and the summary. It fits the rows in place, so it is
// called once, after the last Add.
func (t *TableWriter) Write(w io.Writer, sum decoder.Summary) error {
	bw := bufio.NewWriter(w)
	if len(t.sessionRows) == 0 {
		fmt.Fprintln(bw, "No FTP sessions.")
		fmt.Fprintln(bw)
	} else {
		fmt.Fprintf(bw, "Sessions (%d)\n", len(t.sessionRows))
		if err := grid(bw, t.opts.width(), sessionCols, t.sessionRows); err != nil {
			return err
		}
		if t.transfers > 0 {
			fmt.Fprintf(bw, "\nTransfers (%d)\n", t.transfers)
			if err := t.transferGrid(bw); err != nil {
				return err
			}
		}
		if t.attempts > 0 {
			fmt.Fprintf(bw, "\nLogin attempts (%d)\n", t.attempts)
			if err := t.loginGrid(bw); err != nil {
				return err
			}
		}
		fmt.Fprintln(bw)
	}
	t.writeSummary(bw, sum)
	return bw.Flush()
}

// attemptCount is how many login attempts a session saw, including those
// the decoder counted but did not keep (Session.LoginCount).
func attemptCount(s *decoder.Session) int {
	return max(s.LoginCount, len(s.LoginAttempts))
}

// sessionCols: one row per control connection.
var sessionCols = []column{
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

// addTransfers renders s's transfers: one row per transfer, grouped by
// session. The PATH cell stacks what would not fit side by side in 120
// columns: the path (or argument), then mode/negotiation and the data
// connection, then the notes, so every row stays readable without a very
// wide terminal.
func (t *TableWriter) addTransfers(s *decoder.Session) {
	for _, x := range s.Transfers {
		if x == nil {
			continue
		}
		bytesCell, rate := "-", "-"
		if x.Bytes != nil {
			bytesCell = humanBytes(*x.Bytes)
			rate = humanRate(*x.Bytes, x.End.Sub(x.Start))
		}
		conn := modeNegotiation(x) + "  " + dataConn(x)
		t.transferFloor = max(t.transferFloor, textWidth(conn))
		detail := transferTarget(x) + "\n" + conn
		if notes := transferNotes(x); len(notes) > 0 {
			detail += "\n" + notesPrefix + strings.Join(escapeAll(notes), ", ")
		}
		t.transferRows = append(t.transferRows, []string{
			Escape(s.ID),
			Escape(x.Command),
			detail,
			bytesCell,
			rate,
			transferStatus(x),
		})
	}
}

func (t *TableWriter) transferGrid(w io.Writer) error {
	cols := []column{
		{title: "SESSION"},
		{title: "CMD"},
		{title: "PATH / DATA CONNECTION / NOTES", min: t.transferFloor, fit: fitTransferDetail},
		{title: "BYTES", right: true},
		{title: "RATE", right: true},
		{title: "STATUS"},
	}
	return grid(w, t.opts.width(), cols, t.transferRows)
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

// addLogins renders s's login attempts: at most Options.MaxLoginRows per
// session plus every success, then a line per session counting the rest.
func (t *TableWriter) addLogins(s *decoder.Session) {
	limit := t.opts.maxLoginRows()
	loc := t.opts.location()
	skipped := map[decoder.Outcome]int{}
	for i, a := range s.LoginAttempts {
		t.showAccount = t.showAccount || a.Account != nil
		if i >= limit && a.Outcome != decoder.OutcomeSuccess {
			skipped[outcomeOf(a.Outcome)]++
			continue
		}
		user := a.User
		outcome := string(outcomeOf(a.Outcome))
		if a.ReplyCode != nil {
			outcome += " " + strconv.Itoa(*a.ReplyCode)
		}
		t.loginRows = append(t.loginRows, []string{
			Escape(s.ID), clock(a.Time, loc), quoted(&user), quoted(t.opts.password(a.Password)),
			quoted(a.Account), outcome,
		})
	}
	if len(skipped) > 0 {
		t.elided = append(t.elided, fmt.Sprintf("%s: %d more attempts not listed (%s)",
			Escape(s.ID), sumValues(skipped), countList(skipped)))
	}
	if lost := attemptCount(s) - len(s.LoginAttempts); lost > 0 {
		t.elided = append(t.elided, fmt.Sprintf("%s: %d more attempts counted but not kept by the decoder",
			Escape(s.ID), lost))
	}
}

// loginAccount is the index of the account cell in a login row.
const loginAccount = 4

func (t *TableWriter) loginGrid(w io.Writer) error {
	cols := []column{
		{title: "SESSION"},
		{title: "TIME"},
		{title: "USER", min: 12},
		{title: "PASSWORD", min: 10},
		{title: "ACCOUNT", min: 10},
		{title: "OUTCOME"},
	}
	rows := t.loginRows
	if !t.showAccount {
		cols = slices.Delete(cols, loginAccount, loginAccount+1)
		for i, r := range rows {
			rows[i] = slices.Delete(r, loginAccount, loginAccount+1)
		}
	}
	if err := grid(w, t.opts.width(), cols, rows); err != nil {
		return err
	}
	for _, line := range t.elided {
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

// noteUse is how often one note appeared and in which sessions: the
// first maxNoteSessions of them, and how many there were.
type noteUse struct {
	name      string
	count     int
	sessions  []string
	nsessions int
	last      string // the session counted last
}

// maxNoteSessions is how many session IDs the summary lists per note.
const maxNoteSessions = 5

// writeSummary prints the counts, the limits that fired and the notes.
func (t *TableWriter) writeSummary(w io.Writer, sum decoder.Summary) {
	line := func(label, value string) { fmt.Fprintf(w, "  %-10s %s\n", label, value) }
	fmt.Fprintln(w, "Summary")

	n := len(t.sessionRows)
	count := strconv.Itoa(n)
	if sum.Sessions > n {
		count += fmt.Sprintf(" (of %d in the run)", sum.Sessions)
	}
	line("sessions", count)

	line("logins", fmt.Sprintf("%d success, %d failure, %d none; %d attempts",
		t.logins[decoder.OutcomeSuccess], t.logins[decoder.OutcomeFailure], t.logins[decoder.OutcomeNone], t.attempts))

	xfers := fmt.Sprintf("%d (%d complete", t.transfers, t.complete)
	if t.notCaptured > 0 {
		xfers += fmt.Sprintf(", %d data not captured", t.notCaptured)
	}
	xfers += "), " + humanBytes(t.moved)
	if sum.Transfers > t.transfers {
		xfers += fmt.Sprintf("; %d in the run", sum.Transfers)
	}
	line("transfers", xfers)

	if !t.first.IsZero() && !t.last.IsZero() {
		loc := t.opts.location()
		line("span", t.first.In(loc).Format(stampLayout)+" .. "+t.last.In(loc).Format(stampLayout)+
			" ("+humanDuration(t.last.Sub(t.first))+")")
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

	uses := t.noteUses()
	if len(uses) == 0 {
		line("notes", "none")
		return
	}
	nameW := 0
	for _, u := range uses {
		nameW = max(nameW, textWidth(u.name))
	}
	for i, u := range uses {
		more := ""
		if u.nsessions > len(u.sessions) {
			more = fmt.Sprintf(" +%d more", u.nsessions-len(u.sessions))
		}
		label := ""
		if i == 0 {
			label = "notes"
		}
		pad := strings.Repeat(" ", nameW-textWidth(u.name))
		line(label, fmt.Sprintf("%s%s %5d  %s%s", u.name, pad, u.count, strings.Join(u.sessions, ", "), more))
	}
}

// count adds s to the summary counts.
func (t *TableWriter) count(s *decoder.Session) {
	o := s.Login
	if o == "" {
		o = decoder.OutcomeNone
	}
	t.logins[o]++
	t.attempts += attemptCount(s)
	id := Escape(s.ID)
	for _, n := range s.Notes {
		t.addNote(n, id)
	}
	for _, x := range s.Transfers {
		if x == nil {
			continue
		}
		t.transfers++
		if x.Complete {
			t.complete++
		}
		if x.Bytes == nil {
			t.notCaptured++
		} else {
			t.moved += *x.Bytes
		}
		for _, n := range x.Notes {
			t.addNote(n, id)
		}
	}
	if !s.Start.IsZero() && (t.first.IsZero() || s.Start.Before(t.first)) {
		t.first = s.Start
	}
	if s.End.After(t.last) {
		t.last = s.End
	}
}

// addNote counts one use of a note in session id.
func (t *TableWriter) addNote(name, id string) {
	u := t.notes[name]
	if u == nil {
		u = &noteUse{name: Escape(name)}
		t.notes[name] = u
	}
	u.count++
	if u.nsessions == 0 || u.last != id {
		u.last = id
		u.nsessions++
		if len(u.sessions) < maxNoteSessions {
			u.sessions = append(u.sessions, id)
		}
	}
}

// noteUses lists the notes, most frequent first.
func (t *TableWriter) noteUses() []noteUse {
	uses := make([]noteUse, 0, len(t.notes))
	for _, u := range t.notes {
		uses = append(uses, *u)
	}
	slices.SortFunc(uses, func(a, b noteUse) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.name, b.name))
	})
	return uses
}
