package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/audit"
	"github.com/ftpsniff/ftpsniff/decoder"
)

// auditT0 is the capture time the audit fixtures start at.
var auditT0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func auditAt(sec float64) time.Time {
	return auditT0.Add(time.Duration(sec * float64(time.Second)))
}

func auditStr(s string) *string { return &s }

// Hostile wire strings: terminal escapes, line breaks, NUL, invalid UTF-8,
// a bidi override, spreadsheet formulas and Markdown/CSV metacharacters.
const (
	auditHostileUser     = "\x1b[31mroot\r\n\x00\xff|`x`\u202e"
	auditFormulaUser     = "=cmd|' /C calc'!A0"
	auditFormulaPassword = "-2+3|@SUM(A1)"
	auditHostilePassword = "p|w\x1b]0;owned\x07\ttab"
)

// auditFixture is a hand-built audit: every credential shape (success,
// failure, unknown, anonymous, protected by TLS, user before TLS, an
// account) and a finding of most kinds, with hostile strings in the
// places that come from the wire.
func auditFixture() ([]audit.Credential, []audit.Finding) {
	c1 := netip.MustParseAddrPort("192.0.2.10:40001")
	c2 := netip.MustParseAddrPort("192.0.2.66:51000")
	c3 := netip.MustParseAddrPort("[2001:db8::66]:51001")
	srv := netip.MustParseAddrPort("198.51.100.10:21")
	srv6 := netip.MustParseAddrPort("[2001:db8::21]:21")
	creds := []audit.Credential{
		{Time: auditAt(0.1), Client: c1, Server: srv, SessionID: "s1", User: auditStr("alice"), Password: auditStr("s3cret!"),
			Outcome: decoder.OutcomeSuccess, ReplyCode: auditCode(230)},
		{Time: auditAt(1.2), Client: c1, Server: srv, SessionID: "s2", User: auditStr("anonymous"), Password: auditStr("guest@example.org"),
			Outcome: decoder.OutcomeSuccess, ReplyCode: auditCode(230), Anonymous: true},
		{Time: auditAt(2.3), Client: c2, Server: srv, SessionID: "s3", User: auditStr(auditFormulaUser), Password: auditStr(auditFormulaPassword),
			Outcome: decoder.OutcomeFailure, ReplyCode: auditCode(530)},
		{Time: auditAt(3.4), Client: c2, Server: srv, SessionID: "s4", User: auditStr(auditHostileUser), Password: auditStr(auditHostilePassword),
			Outcome: decoder.OutcomeSuccess, ReplyCode: auditCode(230)},
		{Time: auditAt(4.5), Client: c3, Server: srv6, SessionID: "s5", User: auditStr("bob"), Password: auditStr(""),
			Account: auditStr("acct-7"), Outcome: decoder.OutcomeUnknown},
		{Time: auditAt(5.6), Client: c1, Server: srv, SessionID: "s6", Outcome: decoder.OutcomeUnknown, TLS: true},
		{Time: auditAt(6.7), Client: c1, Server: srv, SessionID: "s7", User: auditStr("carol"), Outcome: decoder.OutcomeUnknown, TLS: true},
	}
	findings := []audit.Finding{
		{Kind: audit.CleartextCredentials, Severity: audit.High, ClientIP: c1.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s1"}, Sessions: 1, Time: auditAt(0.1), End: auditAt(0.1), User: "alice", Count: 1,
			Detail: `192.0.2.10 logged in to 198.51.100.10 as "alice" with a cleartext password`},
		{Kind: audit.AnonymousLogin, Severity: audit.High, ClientIP: c1.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s2"}, Sessions: 1, Time: auditAt(1.2), End: auditAt(1.2), User: "anonymous", Uploads: 2, Count: 1,
			Detail: "192.0.2.10 logged in anonymously to 198.51.100.10 and uploaded 2 files"},
		{Kind: audit.BruteForce, Severity: audit.Medium, ClientIP: c2.Addr(),
			SessionIDs: []string{"s3", "b01", "b02", "b03", "b04"}, Sessions: 30, Time: auditAt(2.3), End: auditAt(72.3),
			User: auditFormulaUser, Failures: 30, Users: 1, Servers: []netip.Addr{srv.Addr(), netip.MustParseAddr("203.0.113.30"), netip.MustParseAddr("203.0.113.31")},
			Detail: `192.0.2.66 had 30 failed logins for user "=cmd|' /C calc'!A0" on 3 servers within 1m10s`},
		{Kind: audit.PasswordSpray, Severity: audit.High, ClientIP: c2.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s3", "s4"}, Sessions: 2, Time: auditAt(2.3), End: auditAt(3.4),
			Password: auditStr(auditFormulaPassword), Users: 6, Failures: 5, Successes: 1, Servers: []netip.Addr{srv.Addr()},
			Detail: "192.0.2.66 tried one password against 6 users on 198.51.100.10 within 1s; 1 login succeeded"},
		{Kind: audit.SiteExec, Severity: audit.High, ClientIP: c2.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s4"}, Sessions: 1, Time: auditAt(3.5), End: auditAt(3.6), Count: 2, Accepted: 1,
			Commands: []string{"CPFR /etc/passwd", "CPTO /var/www/\x1b[2J|x.txt"},
			// A detail holding raw control bytes must still be escaped.
			Detail: "192.0.2.66 sent 2 SITE CPFR/CPTO commands to 198.51.100.10\r\n\x1b[2J; the server accepted 1"},
		{Kind: audit.FTPBounce, Severity: audit.Medium, ClientIP: c2.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s4"}, Sessions: 1, Time: auditAt(3.7), End: auditAt(3.7), Count: 1,
			Targets: []netip.AddrPort{netip.MustParseAddrPort("203.0.113.5:25")},
			Detail:  "192.0.2.66 sent 1 PORT command naming another host to 198.51.100.10 (203.0.113.5:25); the server accepted none"},
		{Kind: audit.PASVAddressMismatch, Severity: audit.Low, ClientIP: c3.Addr(), ServerIP: srv6.Addr(),
			SessionIDs: []string{"s5"}, Sessions: 1, Time: auditAt(4.6), End: auditAt(4.6), Count: 1,
			Targets: []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::99]:50000")},
			Detail:  "2001:db8::21 told 2001:db8::66 to open data connections to [2001:db8::99]:50000, not to itself (1 reply)"},
		{Kind: audit.AuthTLSRefused, Severity: audit.Medium, ClientIP: c1.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s8"}, Sessions: 1, Time: auditAt(8), End: auditAt(8), Count: 1,
			Detail: "198.51.100.10 refused AUTH TLS from 192.0.2.10 (534)"},
		{Kind: audit.UserBeforeAuthTLS, Severity: audit.Low, ClientIP: c1.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s7"}, Sessions: 1, Time: auditAt(6.7), End: auditAt(6.7), User: "carol", Count: 1,
			Detail: `192.0.2.10 sent USER "carol" to 198.51.100.10 before AUTH TLS, so the user name crossed in cleartext`},
		{Kind: audit.FXP, Severity: audit.Medium, ClientIP: c1.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s9"}, Sessions: 1, Time: auditAt(9), End: auditAt(9), Count: 1,
			Targets: []netip.AddrPort{netip.MustParseAddrPort("203.0.113.30:20")},
			Detail:  "192.0.2.10 set up 1 server-to-server data connection between 198.51.100.10 and 203.0.113.30:20 (FXP)"},
		{Kind: audit.CleartextAfterTLSOffer, Severity: audit.Info, ClientIP: c1.Addr(), ServerIP: srv.Addr(),
			SessionIDs: []string{"s1"}, Sessions: 1, Time: auditAt(0.1), End: auditAt(0.1), Count: 1,
			Detail: `198.51.100.10 offered AUTH TLS but 192.0.2.10 sent the password of several users in cleartext`},
	}
	return creds, findings
}

func auditCode(c int) *int { return &c }

// renderAudit runs one of the audit renderers into a string.
func renderAudit(t *testing.T, render func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestAuditGolden(t *testing.T) {
	creds, findings := auditFixture()
	show := Options{ShowPasswords: true}
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"audit_table", func(b *bytes.Buffer) error { return AuditTable(b, creds, findings, Options{}) }},
		{"audit_table_passwords", func(b *bytes.Buffer) error { return AuditTable(b, creds, findings, show) }},
		{"audit_table_narrow", func(b *bytes.Buffer) error { return AuditTable(b, creds, findings, Options{Width: 80}) }},
		{"audit_table_empty", func(b *bytes.Buffer) error { return AuditTable(b, nil, nil, Options{}) }},
		{"audit_csv", func(b *bytes.Buffer) error { return AuditCSV(b, creds, findings, Options{}) }},
		{"audit_csv_passwords", func(b *bytes.Buffer) error { return AuditCSV(b, creds, findings, show) }},
		{"audit_markdown", func(b *bytes.Buffer) error { return AuditMarkdown(b, creds, findings, Options{}) }},
		{"audit_markdown_empty", func(b *bytes.Buffer) error { return AuditMarkdown(b, nil, nil, Options{}) }},
		{"audit_json", func(b *bytes.Buffer) error { return writeAuditJSON(b, creds, findings, Options{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, []byte(renderAudit(t, tc.render)))
		})
	}
}

func writeAuditJSON(w *bytes.Buffer, creds []audit.Credential, findings []audit.Finding, opts Options) error {
	j := NewJSONWriter(w, opts)
	for _, c := range creds {
		if err := j.Credential(c); err != nil {
			return err
		}
	}
	for _, f := range findings {
		if err := j.Finding(f); err != nil {
			return err
		}
	}
	return nil
}

// checkTerminalSafe fails on any byte that could steer a terminal: C0
// controls other than the line feed ending each line, DEL, invalid UTF-8,
// C1 controls and invisible format characters.
func checkTerminalSafe(t *testing.T, what, out string, allowCR bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8", what)
	}
	for i, r := range out {
		switch {
		case r == '\n':
		case r == '\r' && allowCR && strings.HasPrefix(out[i:], "\r\n"):
		case r < 0x20 || r == 0x7f || needsEscape(r) && r >= 0x80:
			t.Errorf("%s: unsafe rune %U at byte %d: %q", what, r, i, out[max(0, i-20):min(len(out), i+20)])
			return
		}
	}
}

func TestAuditOutputsAreSafe(t *testing.T) {
	creds, findings := auditFixture()
	for _, opts := range []Options{{}, {ShowPasswords: true}} {
		table := renderAudit(t, func(b *bytes.Buffer) error { return AuditTable(b, creds, findings, opts) })
		checkTerminalSafe(t, "table", table, false)
		md := renderAudit(t, func(b *bytes.Buffer) error { return AuditMarkdown(b, creds, findings, opts) })
		checkTerminalSafe(t, "markdown", md, false)
		csvOut := renderAudit(t, func(b *bytes.Buffer) error { return AuditCSV(b, creds, findings, opts) })
		checkTerminalSafe(t, "csv", csvOut, true)
		js := renderAudit(t, func(b *bytes.Buffer) error { return writeAuditJSON(b, creds, findings, opts) })
		checkTerminalSafe(t, "json", js, false)

		for _, out := range []string{table, md, csvOut, js} {
			if !opts.ShowPasswords && (strings.Contains(out, "s3cret") || strings.Contains(out, "SUM(A1)")) {
				t.Errorf("password leaked with ShowPasswords off:\n%s", out)
			}
		}
		if opts.ShowPasswords && !strings.Contains(table, "s3cret!") {
			t.Errorf("ShowPasswords: password missing from the table")
		}
	}
}

func TestAuditCSV(t *testing.T) {
	creds, findings := auditFixture()
	out := renderAudit(t, func(b *bytes.Buffer) error {
		return AuditCSV(b, creds, findings, Options{ShowPasswords: true})
	})
	if !strings.HasSuffix(out, "\r\n") || strings.Count(out, "\n") != strings.Count(out, "\r\n") {
		t.Error("CSV lines do not all end in CRLF (RFC 4180 2.1)")
	}
	r := csv.NewReader(strings.NewReader(out))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(creds)+len(findings) {
		t.Fatalf("%d rows, want %d", len(rows), 1+len(creds)+len(findings))
	}
	if !slices.Equal(rows[0], auditColumns) {
		t.Errorf("header = %v", rows[0])
	}
	col := func(name string) int { return slices.Index(auditColumns, name) }
	for i, row := range rows[1:] {
		for j, cell := range row {
			if cell != "" && strings.IndexByte("=+-@\t\r", cell[0]) >= 0 {
				t.Errorf("row %d column %s starts with a formula character: %q", i+1, auditColumns[j], cell)
			}
		}
	}
	formula := rows[3]
	if got := formula[col("user")]; got != "'"+auditFormulaUser {
		t.Errorf("formula user cell = %q", got)
	}
	if got := formula[col("password")]; got != "'"+auditFormulaPassword {
		t.Errorf("formula password cell = %q", got)
	}
	hostile := rows[4]
	if got, want := hostile[col("user")], Escape(auditHostileUser); got != want {
		t.Errorf("hostile user cell = %q, want %q", got, want)
	}
	if got := hostile[col("password")]; got != `p|w\x1b]0;owned\x07\ttab` {
		t.Errorf("hostile password cell = %q", got)
	}
	protected := rows[6]
	if protected[col("user")] != "" || protected[col("password")] != "" || protected[col("tls")] != "true" {
		t.Errorf("protected row = %q", protected)
	}
	brute := rows[1+len(creds)+2]
	if brute[col("type")] != "finding" || brute[col("kind")] != "brute_force" || brute[col("server_ip")] != "" ||
		brute[col("user")] != "'"+auditFormulaUser || !strings.HasPrefix(brute[col("session_ids")], "s3 b01") {
		t.Errorf("brute force row = %q", brute)
	}
	site := rows[1+len(creds)+4]
	if strings.ContainsAny(site[col("detail")], "\r\n\x1b") {
		t.Errorf("site exec detail not escaped: %q", site[col("detail")])
	}
}

// unescapedPipes counts the pipes of a Markdown line that are not
// backslash-escaped.
func unescapedPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestAuditMarkdown(t *testing.T) {
	creds, findings := auditFixture()
	out := renderAudit(t, func(b *bytes.Buffer) error {
		return AuditMarkdown(b, creds, findings, Options{ShowPasswords: true})
	})
	cells := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = 0
			continue
		}
		n := unescapedPipes(line)
		if cells == 0 {
			cells = n
		}
		if n != cells {
			t.Errorf("row has %d cell separators, header %d: %s", n, cells, line)
		}
		if strings.Contains(line, "`") && !strings.Contains(line, "\\`") {
			t.Errorf("unescaped backtick: %s", line)
		}
		for _, bad := range []string{"<", ">", "[", "*"} {
			if i := strings.Index(line, bad); i >= 0 && (i == 0 || line[i-1] != '\\') {
				t.Errorf("unescaped %q: %s", bad, line)
			}
		}
	}
	for _, want := range []string{
		`'=cmd\|' /C calc'!A0`,                               // formula defused, pipe escaped
		`\\x1b\[31mroot \\x00\\xff\|\` + "`x\\`" + `\\u202e`, // CR LF as spaces, escapes visible
		`'-2+3\|@SUM(A1)`,
		`p\|w\\x1b\]0;owned\\x07\\ttab`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %s\n%s", want, out)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"a|b", `a\|b`},
		{`C:\dir`, `C:\\dir`},
		{"`rm -rf`", "\\`rm -rf\\`"},
		{"line\r\nbreak\nhere\r", "line break here "},
		{"+1", `'+1`},
		{"@x", `'@x`},
		{"<script>&amp;", `\<script\>\&amp;`},
		{"[a](javascript:x)", `\[a\](javascript:x)`},
		{"*b* _i_ ~s~", `\*b\* \_i\_ \~s\~`},
		{"\x00\xfe", `\\x00\\xfe`},
	} {
		if got := mdText(tc.in); got != tc.want {
			t.Errorf("mdText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAuditJSON(t *testing.T) {
	creds, findings := auditFixture()
	for _, show := range []bool{false, true} {
		out := renderAudit(t, func(b *bytes.Buffer) error {
			return writeAuditJSON(b, creds, findings, Options{ShowPasswords: show})
		})
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<20)
		var recs []map[string]any
		var raws []string
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%v: %s", err, sc.Text())
			}
			recs = append(recs, m)
			raws = append(raws, sc.Text())
		}
		if len(recs) != len(creds)+len(findings) {
			t.Fatalf("%d records, want %d", len(recs), len(creds)+len(findings))
		}
		timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)
		credKeys := []string{"type", "time", "session_id", "client_ip", "client_port", "server_ip", "server_port",
			"user", "password", "account", "outcome", "reply_code", "anonymous", "tls"}
		for i, c := range creds {
			m := recs[i]
			if got := keyOrder(t, json.RawMessage(raws[i])); !slices.Equal(got, credKeys) {
				t.Errorf("credential keys = %v", got)
			}
			if m["type"] != "credential" || !timeRE.MatchString(m["time"].(string)) {
				t.Errorf("credential %d = %v", i, m)
			}
			switch {
			case c.User == nil:
				if m["user"] != nil || m["password"] != nil || m["tls"] != true || m["outcome"] != "unknown" {
					t.Errorf("protected credential = %v", m)
				}
			case c.Password != nil && !show:
				if m["password"] != Hidden {
					t.Errorf("password not hidden: %v", m)
				}
			case c.Password != nil && show:
				if m["password"] != jsonText(*c.Password) {
					t.Errorf("password = %q, want %q", m["password"], *c.Password)
				}
			}
		}
		// The ANSI user round-trips exactly except for its invalid byte.
		if got, want := recs[3]["user"], jsonText(auditHostileUser); got != want {
			t.Errorf("hostile user = %q, want %q", got, want)
		}
		common := []string{"type", "kind", "severity", "client_ip", "server_ip", "session_ids", "detail", "time", "end", "sessions"}
		specific := map[audit.Kind][]string{
			audit.CleartextCredentials:   {"user", "count"},
			audit.AnonymousLogin:         {"user", "uploads", "changes", "count"},
			audit.BruteForce:             {"user", "failures", "successes", "users", "servers"},
			audit.PasswordSpray:          {"password", "failures", "successes", "users", "servers"},
			audit.SiteExec:               {"commands", "count", "accepted"},
			audit.FTPBounce:              {"targets", "count", "accepted"},
			audit.PASVAddressMismatch:    {"targets", "count"},
			audit.FXP:                    {"targets", "count"},
			audit.AuthTLSRefused:         {"count"},
			audit.UserBeforeAuthTLS:      {"user", "count"},
			audit.CleartextAfterTLSOffer: {"user", "count"},
		}
		for i, f := range findings {
			m, raw := recs[len(creds)+i], raws[len(creds)+i]
			want := append(slices.Clone(common), specific[f.Kind]...)
			if got := keyOrder(t, json.RawMessage(raw)); !slices.Equal(got, want) {
				t.Errorf("%s keys = %v, want %v", f.Kind, got, want)
			}
			if m["type"] != "finding" || m["kind"] != string(f.Kind) || m["severity"] != f.Severity.String() {
				t.Errorf("finding %d = %v", i, m)
			}
			switch f.Kind {
			case audit.BruteForce:
				if m["server_ip"] != nil || m["failures"] != float64(30) || m["user"] != auditFormulaUser || m["sessions"] != float64(30) {
					t.Errorf("brute force = %v", m)
				}
			case audit.PasswordSpray:
				if want := map[bool]string{false: Hidden, true: auditFormulaPassword}[show]; m["password"] != want {
					t.Errorf("spray password = %v, want %v", m["password"], want)
				}
			case audit.FTPBounce:
				tg := m["targets"].([]any)[0].(map[string]any)
				if tg["ip"] != "203.0.113.5" || tg["port"] != float64(25) {
					t.Errorf("targets = %v", m["targets"])
				}
			case audit.CleartextAfterTLSOffer:
				if v, ok := m["user"]; !ok || v != nil {
					t.Errorf("user = %v, want null", v)
				}
			}
		}
	}
}

// TestAuditEndToEnd renders the findings package audit computes from
// hand-built sessions, hostile names included.
func TestAuditEndToEnd(t *testing.T) {
	cl := netip.MustParseAddrPort("192.0.2.66:50000")
	sv := netip.MustParseAddrPort("198.51.100.10:21")
	var sessions []*decoder.Session
	for i := range 12 {
		start := auditAt(float64(i) * 2.4)
		user := auditFormulaUser + string(rune('a'+i%6))
		if i == 11 {
			user = auditHostileUser
		}
		sessions = append(sessions, &decoder.Session{
			ID: "bf" + string(rune('a'+i)), Client: cl, Server: sv, Start: start, End: start.Add(time.Second),
			LoginAttempts: []decoder.LoginAttempt{{User: user, Password: auditStr(auditHostilePassword),
				Outcome: decoder.OutcomeFailure, ReplyCode: auditCode(530), Time: start.Add(100 * time.Millisecond)}},
		})
	}
	creds := audit.Credentials(sessions)
	findings := audit.Audit(sessions, audit.Config{})
	if len(creds) != 12 || len(findings) != 2 {
		t.Fatalf("%d credentials, %d findings", len(creds), len(findings))
	}
	for _, opts := range []Options{{}, {ShowPasswords: true}} {
		table := renderAudit(t, func(b *bytes.Buffer) error { return AuditTable(b, creds, findings, opts) })
		checkTerminalSafe(t, "table", table, false)
		if !strings.Contains(table, "brute_force") || !strings.Contains(table, "password_spray") {
			t.Errorf("table:\n%s", table)
		}
		md := renderAudit(t, func(b *bytes.Buffer) error { return AuditMarkdown(b, creds, findings, opts) })
		checkTerminalSafe(t, "markdown", md, false)
		js := renderAudit(t, func(b *bytes.Buffer) error { return writeAuditJSON(b, creds, findings, opts) })
		checkTerminalSafe(t, "json", js, false)
		if !opts.ShowPasswords && strings.Contains(js, "owned") {
			t.Errorf("password leaked into JSON:\n%s", js)
		}
	}
}

// FuzzAuditCells: whatever a client sends, a CSV cell holds no control
// character and cannot start a formula, and a Markdown cell can neither
// end its cell, break its row nor open markup.
func FuzzAuditCells(f *testing.F) {
	for _, s := range []string{auditHostileUser, auditFormulaUser, auditFormulaPassword, auditHostilePassword,
		"\t=1+1", "\r@x", "a\\|b", "<b>&lt;", "\u2028\u0085x", "\xef\xbb\xbf=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := csvText(s)
		if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
			t.Errorf("csvText(%q) = %q starts a formula", s, c)
		}
		m := mdText(s)
		if m != "" && strings.IndexByte("=+-@\t\r", m[0]) >= 0 {
			t.Errorf("mdText(%q) = %q starts a formula", s, m)
		}
		for _, out := range []string{c, m} {
			if !utf8.ValidString(out) {
				t.Errorf("%q: invalid UTF-8", out)
			}
			for _, r := range out {
				if r < 0x20 || r == 0x7f || needsEscape(r) && r >= 0x80 {
					t.Errorf("%q: unsafe rune %U", out, r)
				}
			}
		}
		if n := unescapedPipes("|" + m + "|"); n != 2 {
			t.Errorf("mdText(%q) = %q has an unescaped pipe", s, m)
		}
		for i := 0; i < len(m); i++ {
			if m[i] == '\\' {
				i++
				continue
			}
			if strings.IndexByte("`*_~[]<>&", m[i]) >= 0 {
				t.Errorf("mdText(%q) = %q: unescaped %q", s, m, m[i])
			}
		}
	})
}
