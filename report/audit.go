package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/decoder"
)

// This file renders `ftpsniff audit`: the credentials that crossed the
// wire and the findings of package audit, as a terminal table, CSV,
// Markdown and JSON records. Every wire string (user, password, account,
// session ID, SITE arguments) is escaped with Escape for the terminal; CSV
// and Markdown add their own quoting and defuse spreadsheet formulas.
// Passwords follow Options.ShowPasswords everywhere.

// auditTime is how CSV and Markdown show a capture time: RFC 3339 with
// milliseconds, in Options.TimeZone.
func auditTime(t time.Time, opts Options) string {
	if t.IsZero() {
		return ""
	}
	return t.In(opts.location()).Format(stampLayout)
}

// tableTimeLayout is the audit table's shorter time, to the second; the
// zone is Options.TimeZone (UTC by default).
const tableTimeLayout = "2006-01-02 15:04:05"

func tableTime(t time.Time, opts Options) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(opts.location()).Format(tableTimeLayout)
}

// credentialUser is the USER cell: the escaped name, "-" on a protected
// row (no user readable).
func credentialUser(c audit.Credential) string { return quoted(c.User) }

// credentialOutcome is "success 230", "failure 530" or "unknown".
func credentialOutcome(c audit.Credential) string {
	o := string(outcomeOf(c.Outcome))
	if c.ReplyCode != nil {
		o += " " + strconv.Itoa(*c.ReplyCode)
	}
	return Escape(o)
}

// findingSessions lists a finding's sessions for a cell: at most two
// IDs, then "+N" for the rest.
func findingSessions(f audit.Finding) string {
	const shown = 2
	ids := f.SessionIDs
	if len(ids) > shown {
		ids = ids[:shown]
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = Escape(id)
	}
	s := strings.Join(parts, ", ")
	if more := max(f.Sessions, len(f.SessionIDs)) - len(ids); more > 0 {
		s += " +" + strconv.Itoa(more)
	}
	if s == "" {
		return "-"
	}
	return s
}

// findingServer is the server cell: the server, or for a finding
// spanning several the first and how many more ("198.51.100.10 +2").
func findingServer(f audit.Finding) string {
	switch {
	case f.ServerIP.IsValid():
		return f.ServerIP.String()
	case len(f.Servers) == 0:
		return "-"
	case len(f.Servers) == 1:
		return f.Servers[0].String()
	}
	return f.Servers[0].String() + " +" + strconv.Itoa(len(f.Servers)-1)
}

func addrCell(a netip.Addr) string {
	if !a.IsValid() {
		return "-"
	}
	return a.String()
}

// wrapWords fits text into lines of at most w columns, breaking at
// spaces; a word wider than w is cut.
func wrapWords(text string, w int) string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		cur := ""
		for _, word := range strings.Fields(line) {
			switch {
			case cur == "":
				cur = word
			case textWidth(cur)+1+textWidth(word) <= w:
				cur += " " + word
			default:
				lines = append(lines, cutEnd(cur, w))
				cur = word
			}
		}
		lines = append(lines, cutEnd(cur, w))
	}
	return strings.Join(lines, "\n")
}

// AuditTable writes the audit for a terminal: a credentials table (time,
// session, client, server, user, password, outcome, anonymous, TLS), a
// findings table (severity, kind, client, server, sessions, detail, the
// detail wrapped to fit Options.Width) and a one-line count by severity.
// Passwords are "<hidden>" unless Options.ShowPasswords; a protected row
// (login inside TLS) shows "-" for user and password and "yes" for TLS.
func AuditTable(w io.Writer, creds []audit.Credential, findings []audit.Finding, opts Options) error {
	bw := bufio.NewWriter(w)
	if len(creds) == 0 {
		fmt.Fprintln(bw, "No credentials seen.")
	} else {
		fmt.Fprintf(bw, "Credentials (%d)\n", len(creds))
		cols := []column{
			{title: "TIME"},
			{title: "SESSION"},
			{title: "CLIENT"},
			{title: "SERVER"},
			{title: "USER", min: 12},
			{title: "PASSWORD", min: 10},
			{title: "OUTCOME"},
			{title: "ANON"},
			{title: "TLS"},
		}
		rows := make([][]string, 0, len(creds))
		for _, c := range creds {
			rows = append(rows, []string{
				tableTime(c.Time, opts),
				Escape(c.SessionID),
				endpoint(c.Client),
				endpoint(c.Server),
				credentialUser(c),
				quoted(opts.password(c.Password)),
				credentialOutcome(c),
				yesNo(c.Anonymous),
				yesNo(c.TLS),
			})
		}
		if err := grid(bw, opts.width(), cols, rows); err != nil {
			return err
		}
	}
	fmt.Fprintln(bw)
	if len(findings) == 0 {
		fmt.Fprintln(bw, "No findings.")
		return bw.Flush()
	}
	fmt.Fprintf(bw, "Findings (%d)\n", len(findings))
	cols := []column{
		{title: "SEVERITY"},
		{title: "KIND"},
		{title: "CLIENT"},
		{title: "SERVER"},
		{title: "SESSIONS", min: 8},
		{title: "DETAIL", min: 24, fit: wrapWords},
	}
	rows := make([][]string, 0, len(findings))
	for _, f := range findings {
		rows = append(rows, []string{
			f.Severity.String(),
			Escape(string(f.Kind)),
			addrCell(f.ClientIP),
			findingServer(f),
			findingSessions(f),
			Escape(f.Detail),
		})
	}
	if err := grid(bw, opts.width(), cols, rows); err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n%s\n", severityCounts(findings))
	return bw.Flush()
}

// severityCounts is "3 findings: 1 high, 2 medium", highest first.
func severityCounts(findings []audit.Finding) string {
	var n [audit.High + 1]int
	for _, f := range findings {
		if f.Severity <= audit.High {
			n[f.Severity]++
		}
	}
	var parts []string
	for s := audit.High; ; s-- {
		if n[s] > 0 {
			parts = append(parts, strconv.Itoa(n[s])+" "+s.String())
		}
		if s == audit.Info {
			break
		}
	}
	word := "findings"
	if len(findings) == 1 {
		word = "finding"
	}
	return fmt.Sprintf("%d %s: %s", len(findings), word, strings.Join(parts, ", "))
}

// auditColumns are the CSV header: one row per credential (type
// "credential") and per finding (type "finding"), sharing one header so
// a spreadsheet can sort and filter them together. Cells that do not
// apply to a row are empty, as are values that were not seen.
var auditColumns = []string{
	"type", "time", "end", "severity", "kind", "session_ids",
	"client_ip", "client_port", "server_ip", "server_port",
	"user", "password", "outcome", "reply_code", "anonymous", "tls", "detail",
}

// defuseFormula prefixes a single quote to a cell a spreadsheet would run
// as a formula: one starting with =, +, -, @, tab or carriage return
// (the OWASP "CSV injection" list). The quote makes the cell text.
func defuseFormula(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// csvText is a wire string for a CSV cell: formula-defused on its raw
// first character, then escaped (no control character, no line break,
// no invalid UTF-8 reaches the file).
func csvText(s string) string { return Escape(defuseFormula(s)) }

func csvOpt(p *string) string {
	if p == nil {
		return ""
	}
	return csvText(*p)
}

func csvAddr(ap netip.AddrPort) (ip, port string) {
	if !ap.IsValid() {
		return "", ""
	}
	return ap.Addr().String(), strconv.Itoa(int(ap.Port()))
}

func csvIP(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func boolText(b bool) string { return strconv.FormatBool(b) }

// AuditCSV writes credentials and findings as RFC 4180 CSV (CRLF line
// ends, quoting by encoding/csv) under one header, auditColumns. Cells
// from the wire are escaped like the terminal output, so they hold no
// control characters or line breaks, and a cell starting with =, +, -, @,
// tab or CR gets a leading single quote so spreadsheets do not evaluate
// it. session_ids is space-separated. Passwords follow
// Options.ShowPasswords.
func AuditCSV(w io.Writer, creds []audit.Credential, findings []audit.Finding, opts Options) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(auditColumns); err != nil {
		return err
	}
	for _, c := range creds {
		cip, cport := csvAddr(c.Client)
		sip, sport := csvAddr(c.Server)
		code := ""
		if c.ReplyCode != nil {
			code = strconv.Itoa(*c.ReplyCode)
		}
		if err := cw.Write([]string{
			"credential", auditTime(c.Time, opts), "", "", "", csvText(c.SessionID),
			cip, cport, sip, sport,
			csvOpt(c.User), csvOpt(opts.password(c.Password)), csvText(string(outcomeOf(c.Outcome))), code,
			boolText(c.Anonymous), boolText(c.TLS), "",
		}); err != nil {
			return err
		}
	}
	for _, f := range findings {
		ids := make([]string, len(f.SessionIDs))
		for i, id := range f.SessionIDs {
			ids[i] = Escape(id)
		}
		user := ""
		if f.User != "" {
			user = csvText(f.User)
		}
		if err := cw.Write([]string{
			"finding", auditTime(f.Time, opts), auditTime(f.End, opts), f.Severity.String(), csvText(string(f.Kind)),
			defuseFormula(strings.Join(ids, " ")),
			csvIP(f.ClientIP), "", csvIP(f.ServerIP), "",
			user, "", "", "", "", "", csvText(f.Detail),
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// mdText is a wire string for a Markdown table cell: line breaks become
// spaces, other controls and invalid UTF-8 are escaped (Escape), a leading
// formula character is defused, and the characters Markdown would act on
// inside a cell are backslash-escaped: the pipe that ends a cell, the
// backslash and backtick, emphasis (* _ ~), links and images ([ ]), and
// the angle brackets and ampersand of inline HTML and entities.
func mdText(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	return mdEscape(Escape(defuseFormula(s)))
}

// mdEscape backslash-escapes the Markdown metacharacters of mdText in
// text that is already terminal-safe (addresses, our own words).
func mdEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte("\\|`*_~[]<>&", c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func mdOpt(p *string) string {
	if p == nil {
		return "-"
	}
	if *p == "" {
		return `""`
	}
	return mdText(*p)
}

func mdRow(b *strings.Builder, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		if c == "" {
			c = " "
		}
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n")
}

// AuditMarkdown writes the audit as two GitHub-flavoured Markdown tables,
// Credentials and Findings, for reports and tickets. Cells are escaped by
// mdText, so a hostile user name can neither break the table nor inject
// markup. Passwords follow Options.ShowPasswords.
func AuditMarkdown(w io.Writer, creds []audit.Credential, findings []audit.Finding, opts Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Credentials (%d)\n\n", len(creds))
	if len(creds) == 0 {
		b.WriteString("No credentials seen.\n")
	} else {
		mdRow(&b, "Time", "Session", "Client", "Server", "User", "Password", "Outcome", "Anonymous", "TLS")
		mdRow(&b, "---", "---", "---", "---", "---", "---", "---", "---", "---")
		for _, c := range creds {
			outcome := string(outcomeOf(c.Outcome))
			if c.ReplyCode != nil {
				outcome += " " + strconv.Itoa(*c.ReplyCode)
			}
			mdRow(&b, auditTime(c.Time, opts), mdText(c.SessionID), mdEscape(endpoint(c.Client)), mdEscape(endpoint(c.Server)),
				mdOpt(c.User), mdOpt(opts.password(c.Password)), mdText(outcome), yesNo(c.Anonymous), yesNo(c.TLS))
		}
	}
	fmt.Fprintf(&b, "\n## Findings (%d)\n\n", len(findings))
	if len(findings) == 0 {
		b.WriteString("No findings.\n")
	} else {
		mdRow(&b, "Severity", "Kind", "Client", "Server", "Sessions", "Detail")
		mdRow(&b, "---", "---", "---", "---", "---", "---")
		for _, f := range findings {
			ids := make([]string, len(f.SessionIDs))
			for i, id := range f.SessionIDs {
				ids[i] = mdText(id)
			}
			sessions := strings.Join(ids, ", ")
			if more := f.Sessions - len(f.SessionIDs); more > 0 {
				sessions += " +" + strconv.Itoa(more)
			}
			mdRow(&b, f.Severity.String(), mdText(string(f.Kind)), addrCell(f.ClientIP), mdEscape(findingServer(f)),
				sessions, mdText(f.Detail))
		}
		fmt.Fprintf(&b, "\n%s\n", severityCounts(findings))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonField is one key of a jsonObject.
type jsonField struct {
	key   string
	value any
}

// jsonObject is a JSON object with keys in the given order, for records
// whose keys depend on their kind.
type jsonObject []jsonField

// MarshalJSON implements json.Marshaler without HTML escaping, like the
// JSONWriter's encoder.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var out bytes.Buffer
	out.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			out.WriteByte(',')
		}
		buf.Reset()
		if err := enc.Encode(f.key); err != nil {
			return nil, err
		}
		out.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		out.WriteByte(':')
		buf.Reset()
		if err := enc.Encode(f.value); err != nil {
			return nil, err
		}
		out.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

type jsonEndpoint struct {
	IP   string `json:"ip"`
	Port uint16 `json:"port"`
}

func jsonIP(a netip.Addr) *string {
	if !a.IsValid() {
		return nil
	}
	s := a.String()
	return &s
}

// Finding writes one "finding" record of the JSON contract: type, kind,
// severity, client_ip, server_ip, session_ids, detail, then the
// ftpsniff additions time and end (first and last evidence), sessions
// (how many, session_ids being capped), and the keys of its kind:
//
//	cleartext_credentials      user, count
//	anonymous_login            user, uploads, changes, count
//	brute_force                user (null when several), failures,
//	                           successes, users, servers
//	password_spray             password, failures, successes, users, servers
//	ftp_bounce                 targets, count, accepted
//	fxp, pasv_address_mismatch targets, count
//	site_exec                  commands, count, accepted
//	cleartext_after_tls_offer  user (null when several), count
//	user_before_auth_tls       user (null when several), count
//	auth_tls_refused           count
//
// targets are {"ip","port"} objects, servers plain IPs; the sprayed
// password is "<hidden>" unless Options.ShowPasswords.
func (j *JSONWriter) Finding(f audit.Finding) error {
	ids := make([]string, len(f.SessionIDs))
	for i, id := range f.SessionIDs {
		ids[i] = jsonText(id)
	}
	o := jsonObject{
		{"type", "finding"},
		{"kind", jsonText(string(f.Kind))},
		{"severity", f.Severity.String()},
		{"client_ip", jsonIP(f.ClientIP)},
		{"server_ip", jsonIP(f.ServerIP)},
		{"session_ids", ids},
		{"detail", jsonText(f.Detail)},
		{"time", jsonTime(f.Time)},
		{"end", jsonTime(f.End)},
		{"sessions", max(f.Sessions, len(f.SessionIDs))},
	}
	user := func() jsonField {
		if f.User == "" {
			return jsonField{"user", nil}
		}
		return jsonField{"user", jsonText(f.User)}
	}
	servers := func() jsonField {
		out := make([]string, len(f.Servers))
		for i, s := range f.Servers {
			out[i] = s.String()
		}
		return jsonField{"servers", out}
	}
	targets := func() jsonField {
		out := make([]jsonEndpoint, len(f.Targets))
		for i, t := range f.Targets {
			out[i] = jsonEndpoint{IP: t.Addr().String(), Port: t.Port()}
		}
		return jsonField{"targets", out}
	}
	count := jsonField{"count", f.Count}
	switch f.Kind {
	case audit.CleartextCredentials, audit.CleartextAfterTLSOffer, audit.UserBeforeAuthTLS:
		o = append(o, user(), count)
	case audit.AnonymousLogin:
		o = append(o, user(), jsonField{"uploads", f.Uploads}, jsonField{"changes", f.Changes}, count)
	case audit.BruteForce:
		o = append(o, user(), jsonField{"failures", f.Failures}, jsonField{"successes", f.Successes},
			jsonField{"users", f.Users}, servers())
	case audit.PasswordSpray:
		o = append(o, jsonField{"password", optPtr(j.opts.password(f.Password))},
			jsonField{"failures", f.Failures}, jsonField{"successes", f.Successes},
			jsonField{"users", f.Users}, servers())
	case audit.FTPBounce:
		o = append(o, targets(), count, jsonField{"accepted", f.Accepted})
	case audit.FXP, audit.PASVAddressMismatch:
		o = append(o, targets(), count)
	case audit.SiteExec:
		o = append(o, jsonField{"commands", texts(f.Commands)}, count, jsonField{"accepted", f.Accepted})
	case audit.AuthTLSRefused:
		o = append(o, count)
	}
	return j.write(o)
}

// Credential writes one "credential" record, an ftpsniff addition to the
// JSON contract (consumers ignore record types they do not know), for
// `ftpsniff audit --json`:
//
//	{"type":"credential","time":...,"session_id":"...",
//	 "client_ip":...,"client_port":...,"server_ip":...,"server_port":...,
//	 "user":...,"password":...,"account":...,"outcome":"success",
//	 "reply_code":230,"anonymous":false,"tls":false}
//
// user is null on a protected row (the login happened inside TLS);
// password is "<hidden>" unless Options.ShowPasswords, null when none was
// readable; outcome is success, failure or unknown.
func (j *JSONWriter) Credential(c audit.Credential) error {
	cip, cport := addrPort(c.Client)
	sip, sport := addrPort(c.Server)
	return j.write(jsonObject{
		{"type", "credential"},
		{"time", jsonTime(c.Time)},
		{"session_id", jsonText(c.SessionID)},
		{"client_ip", cip},
		{"client_port", cport},
		{"server_ip", sip},
		{"server_port", sport},
		{"user", optPtr(c.User)},
		{"password", optPtr(j.opts.password(c.Password))},
		{"account", optPtr(c.Account)},
		{"outcome", orDefault(string(c.Outcome), string(decoder.OutcomeUnknown))},
		{"reply_code", c.ReplyCode},
		{"anonymous", c.Anonymous},
		{"tls", c.TLS},
	})
}
