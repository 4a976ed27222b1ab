package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// zeekCase is one Zeek test: a trace and the baselines Zeek's own test
// suite checks it against (see zeek/README.txt in the corpus).
type zeekCase struct {
	// Name is the row label (the btest name without its prefix).
	Name string
	// Trace is relative to zeek/traces.
	Trace string
	// FTPLog is an ftp.log baseline, relative to zeek/baselines.
	FTPLog string
	// Extra are the commands the test adds to FTP::logged_commands.
	Extra []string
	// CapturePasswords: FTP::default_capture_password=T.
	CapturePasswords bool
	// Truncated: the test sets FTP::max_*_length, so Zeek's user,
	// password, arg and reply_msg are prefixes of the real values.
	Truncated bool
	// SubsetOnly: the test sets FTP::max_pending_commands, so Zeek drops
	// commands; only the rows it did log are compared.
	SubsetOnly bool
	// Events is a signatures.dpd event dump (every ftp_request and
	// ftp_reply), Lines an "out" file with one line per reply line and
	// its continuation flag; both relative to zeek/baselines.
	Events string
	Lines  string
	// ConnLogs are conn.log baselines (relative to zeek/baselines).
	ConnLogs []string
	// File is a file Zeek's file analysis saw on a data connection.
	File *zeekFile
	// Expect holds what README.txt states where no baseline log covers it.
	Expect *expectation
}

// zeekFile is a file seen by Zeek's file analysis over FTP_DATA.
type zeekFile struct {
	// Conn is the data connection, "orig:port->resp:port".
	Conn string
	// Out is a file-analysis dump with "MIME_TYPE" and "SHA256:" lines;
	// Extracted the extracted payload (both relative to zeek/baselines).
	Out       string
	Extracted string
}

// zeekDefaultLogged are the commands Zeek logs by default
// (FTP::logged_commands).
var zeekDefaultLogged = []string{"APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV"}

// zeekLog is one Zeek TSV log.
type zeekLog struct {
	Rows []map[string]string
}

// readZeekLog parses a Zeek TSV log baseline: the btest header line and
// the '#' meta lines are skipped, '#fields' names the columns, values
// are unescaped (\xNN).
func readZeekLog(file string) (*zeekLog, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		lg     zeekLog
		fields []string
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#fields\t") {
			fields = strings.Split(line, "\t")[1:]
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if fields == nil {
			return nil, fmt.Errorf("%s: data before #fields", file)
		}
		vals := strings.Split(line, "\t")
		if len(vals) != len(fields) {
			return nil, fmt.Errorf("%s: %d values for %d fields", file, len(vals), len(fields))
		}
		row := make(map[string]string, len(fields))
		for i, k := range fields {
			row[k] = unescapeZeek(vals[i])
		}
		lg.Rows = append(lg.Rows, row)
	}
	return &lg, sc.Err()
}

// unescapeZeek undoes Zeek's \xNN escaping of log values.
func unescapeZeek(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// endpoints returns "orig:port->resp:port" from a row's id fields.
func endpoints(row map[string]string) (orig, resp netip.AddrPort, err error) {
	parse := func(h, p string) (netip.AddrPort, error) {
		a, err := netip.ParseAddr(row[h])
		if err != nil {
			return netip.AddrPort{}, err
		}
		n, err := strconv.ParseUint(row[p], 10, 16)
		if err != nil {
			return netip.AddrPort{}, err
		}
		return netip.AddrPortFrom(a, uint16(n)), nil
	}
	if orig, err = parse("id.orig_h", "id.orig_p"); err != nil {
		return
	}
	resp, err = parse("id.resp_h", "id.resp_p")
	return
}

// runZeek compares ftpsniff with one Zeek test.
func runZeek(corpus string, zc zeekCase) *outcome {
	base := filepath.Join(corpus, "zeek", "baselines")
	o := &outcome{Peer: "zeek", Name: zc.Name, Source: zc.Trace}
	if zc.FTPLog != "" {
		o.Source = zc.FTPLog
	}
	a, err := analyze([]string{filepath.Join(corpus, "zeek", "traces", zc.Trace)}, options{Extract: zc.File != nil})
	if err != nil {
		o.Err = err
		return o
	}
	a.readCheck(o)
	ds := make(map[[2]netip.AddrPort]*dialogue, len(a.Sessions))
	for _, s := range a.Sessions {
		ds[[2]netip.AddrPort{s.Client, s.Server}] = dialogueOf(s)
	}
	// Every control connection a peer log names must be an FTP session,
	// and ftpsniff must find no other.
	control := map[[2]netip.AddrPort]bool{}
	if zc.FTPLog != "" {
		lg, err := readZeekLog(filepath.Join(base, zc.FTPLog))
		if err != nil {
			o.Err = err
			return o
		}
		compareFTPLog(o, zc, lg, ds, control)
	}
	for _, c := range zc.ConnLogs {
		lg, err := readZeekLog(filepath.Join(base, c))
		if err != nil {
			o.Err = err
			return o
		}
		compareConnLog(o, lg, a, control)
	}
	if len(control) > 0 {
		o.addInt(colSessions, "FTP sessions", int64(len(control)), int64(len(a.Sessions)))
	}
	if zc.Events != "" || zc.Lines != "" {
		if len(a.Sessions) != 1 {
			o.addInt(colSessions, "FTP sessions (event dump covers one)", 1, int64(len(a.Sessions)))
		} else {
			d := dialogueOf(a.Sessions[0])
			if zc.Events != "" {
				if err := compareEvents(o, filepath.Join(base, zc.Events), d); err != nil {
					o.Err = err
					return o
				}
			}
			if zc.Lines != "" {
				if err := compareReplyLines(o, filepath.Join(base, zc.Lines), d); err != nil {
					o.Err = err
					return o
				}
			}
		}
	}
	if zc.File != nil {
		if err := compareFile(o, base, zc.File, a); err != nil {
			o.Err = err
			return o
		}
	}
	if zc.Expect != nil {
		zc.Expect.evaluate(o, a)
	}
	return o
}

// compareFTPLog matches ftp.log rows with ftpsniff's commands, session by
// session, and compares their fields.
func compareFTPLog(o *outcome, zc zeekCase, lg *zeekLog, ds map[[2]netip.AddrPort]*dialogue, control map[[2]netip.AddrPort]bool) {
	logged := map[string]bool{}
	for _, v := range zeekDefaultLogged {
		logged[v] = true
	}
	for _, v := range zc.Extra {
		logged[v] = true
	}
	// Rows by connection, in log order; row numbers are 1-based file order.
	type row struct {
		n int
		f map[string]string
	}
	var order [][2]netip.AddrPort
	byConn := map[[2]netip.AddrPort][]row{}
	for i, r := range lg.Rows {
		orig, resp, err := endpoints(r)
		if err != nil {
			o.add(colSessions, fmt.Sprintf("row %d endpoints", i+1), r["id.orig_h"], err.Error())
			continue
		}
		k := [2]netip.AddrPort{orig, resp}
		if _, ok := byConn[k]; !ok {
			order = append(order, k)
		}
		byConn[k] = append(byConn[k], row{i + 1, r})
	}
	for _, k := range order {
		control[k] = true
		rows := byConn[k]
		name := k[0].String() + "->" + k[1].String()
		d := ds[k]
		if d == nil {
			o.add(colSessions, "session "+name, "ftp.log rows", "(no session)")
			continue
		}
		o.add(colSessions, "session "+name, "ftp.log rows", "ftp.log rows")

		// The rows ftpsniff's dialogue implies under the test's settings.
		var ours []*exchange
		if logged["<init>"] && d.Greeting.Code != 0 {
			g := d.Greeting
			g.Verb, g.Index = "<init>", -1
			ours = append(ours, &g)
		}
		for _, c := range d.Commands {
			if logged[c.Verb] {
				ours = append(ours, c)
			}
		}
		if len(ours) == 0 && len(d.users()) > 0 && len(d.Commands) > 0 {
			// FTP::log_at_least_one_command: a session with a USER but no
			// logged command logs its last command.
			ours = append(ours, d.Commands[len(d.Commands)-1])
		}

		zv := make([]string, len(rows))
		for i, r := range rows {
			zv[i] = r.f["command"]
		}
		ov := make([]string, len(ours))
		for i, c := range ours {
			ov[i] = c.Verb
		}
		guestChecked := false
		for _, p := range align(zv, ov) {
			switch {
			case p.b < 0:
				r := rows[p.a]
				o.add(colCommands, fmt.Sprintf("row %d %s", r.n, zv[p.a]), zv[p.a], "(not seen)")
			case p.a < 0:
				if !zc.SubsetOnly {
					c := ours[p.b]
					o.add(colCommands, fmt.Sprintf("%s command %d %s", name, c.Index+1, c.Verb), "(not logged)", c.Verb)
				}
			case zv[p.a] != ov[p.b]:
				r, c := rows[p.a], ours[p.b]
				o.add(colCommands, fmt.Sprintf("row %d %s", r.n, zv[p.a]), zv[p.a], "(not seen)")
				if !zc.SubsetOnly {
					o.add(colCommands, fmt.Sprintf("%s command %d %s", name, c.Index+1, c.Verb), "(not logged)", c.Verb)
				}
			default:
				r := rows[p.a]
				c := ours[p.b]
				compareRow(o, zc, fmt.Sprintf("row %d %s", r.n, zv[p.a]), r.f, c, d)
				if !guestChecked && !zc.CapturePasswords && r.f["password"] != "-" {
					// Zeek shows a guest's password, hides the others'.
					guestChecked = true
					want := strconv.FormatBool(r.f["password"] != "<hidden>")
					o.add(colUsers, name+" guest login (password shown)", want, strconv.FormatBool(d.Session.Anonymous))
				}
			}
		}
	}
}

// fileVerbs are the commands whose ftp.log arg is a URL.
var fileVerbs = map[string]bool{"RETR": true, "STOR": true, "APPE": true, "STOU": true, "DELE": true}

// compareRow compares one ftp.log row with the command it matched.
func compareRow(o *outcome, zc zeekCase, item string, r map[string]string, c *exchange, d *dialogue) {
	same := func(col column, field, want, got string) {
		if zc.Truncated {
			o.addOK(col, item+" "+field, want, got, strings.HasPrefix(got, want))
			return
		}
		o.add(col, item+" "+field, want, got)
	}
	o.add(colCommands, item, r["command"], c.Verb)

	user := "<unknown>"
	if c.User != nil {
		user = *c.User
	}
	same(colUsers, "user", r["user"], user)
	if pw := r["password"]; pw != "-" && pw != "<hidden>" {
		same(colUsers, "password", pw, orNone(c.Pass))
	}

	if arg := r["arg"]; arg != "-" && arg != "<hidden>" && c.Verb != "<init>" {
		if fileVerbs[c.Verb] && strings.HasPrefix(arg, "ftp://") {
			if !zc.Truncated && c.Transfer != nil {
				o.add(colFiles, item+" path", urlPath(arg), normalPath(orNone(c.Transfer.Path)))
			}
		} else {
			same(colCommands, "arg", arg, c.Arg)
		}
	}

	same(colReplies, "reply_code", r["reply_code"], codeString(c.Code))
	if msg := r["reply_msg"]; msg != "-" {
		if zc.Truncated {
			same(colReplies, "reply_msg", msg, c.Text)
		} else {
			same(colReplies, "reply_msg", strings.TrimSpace(msg), c.Text)
		}
	}

	if rp := r["data_channel.resp_p"]; rp != "-" {
		want := joinHostPort(r["data_channel.resp_h"], rp)
		ap, ok := d.dataChannel(c)
		got := "(none)"
		if ok {
			got = ap.String()
		}
		o.add(colPorts, item+" data_channel.resp_h:resp_p", want, got)
		if c.Used != nil && c.Used.DataSrc.IsValid() {
			o.add(colPorts, item+" data connection", r["data_channel.orig_h"]+" -> "+want,
				c.Used.DataSrc.Addr().String()+" -> "+c.Used.DataDst.String())
		}
	}
	if pv := r["data_channel.passive"]; pv != "-" && c.Used != nil {
		got := "F"
		if c.Used.Mode == decoder.ModePassive {
			got = "T"
		}
		o.add(colModes, item+" data_channel.passive", pv, got)
	}

	if fs := r["file_size"]; fs != "-" && c.Transfer != nil {
		o.add(colSizes, item+" file_size", fs, int64String(c.Transfer.Size))
	}
}

func codeString(c int) string {
	if c == 0 {
		return "(none)"
	}
	return strconv.Itoa(c)
}

// joinHostPort formats a Zeek address and port as netip.AddrPort does.
func joinHostPort(h, p string) string {
	a, err := netip.ParseAddr(h)
	n, err2 := strconv.ParseUint(p, 10, 16)
	if err != nil || err2 != nil {
		return h + ":" + p
	}
	return netip.AddrPortFrom(a, uint16(n)).String()
}

// urlPath turns Zeek's "ftp://host/cwd/arg" into a normalized path.
func urlPath(u string) string {
	rest := strings.TrimPrefix(u, "ftp://")
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "]"); i >= 0 {
			rest = rest[i+1:]
		}
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		return normalPath(rest[i:])
	}
	return ""
}

// normalPath makes Zeek's and ftpsniff's paths comparable. Zeek starts
// the working directory at "." (so its paths are relative to the login
// directory, "./robots.txt"), ftpsniff at the login directory's name once
// PWD or a 257 told it ("/robots.txt") and at nothing before
// ("robots.txt"). Both are cleaned and stripped of their leading "/" or
// "./": what remains is the path below the login directory.
func normalPath(p string) string {
	if p == "(none)" {
		return p
	}
	p = path.Clean("/" + p)
	return strings.TrimPrefix(p, "/")
}

// compareConnLog compares conn.log's FTP connections: control
// connections must be sessions, data connections transfers with the same
// byte counts.
func compareConnLog(o *outcome, lg *zeekLog, a *analysis, control map[[2]netip.AddrPort]bool) {
	for _, r := range lg.Rows {
		orig, resp, err := endpoints(r)
		if err != nil {
			continue
		}
		name := orig.String() + "->" + resp.String()
		svc := r["service"]
		switch {
		case strings.Contains(svc, "ftp-data"):
			var t *decoder.Transfer
			for _, s := range a.Sessions {
				for _, x := range s.Transfers {
					if x.DataSrc == orig && x.DataDst == resp {
						t = x
					}
				}
			}
			if t == nil {
				o.add(colPorts, "conn "+name+" data connection", svc, "(no transfer)")
				continue
			}
			o.add(colPorts, "conn "+name+" data connection", svc, svc)
			ob, _ := strconv.ParseInt(r["orig_bytes"], 10, 64)
			rb, _ := strconv.ParseInt(r["resp_bytes"], 10, 64)
			o.add(colSizes, "conn "+name+" bytes", strconv.FormatInt(ob+rb, 10), int64String(t.Bytes))
			o.add(colSizes, "conn "+name+" missed_bytes", r["missed_bytes"], strconv.FormatInt(t.MissingBytes, 10))
		case strings.Contains(svc, "ftp") || resp.Port() == 21 || resp.Port() == 2811:
			control[[2]netip.AddrPort{orig, resp}] = true
			var s *decoder.Session
			for _, x := range a.Sessions {
				if x.Client == orig && x.Server == resp {
					s = x
				}
			}
			if s == nil {
				o.add(colSessions, "conn "+name+" control connection", "service "+svc, "(no session)")
				continue
			}
			o.add(colSessions, "conn "+name+" control connection", "service "+svc, "service "+svc)
			o.add(colSizes, "conn "+name+" missed_bytes", r["missed_bytes"], strconv.FormatInt(s.GapBytes, 10))
		}
	}
}

// compareEvents compares a signatures.dpd event dump (ftp_request and
// ftp_reply per line) with the session's commands and replies, in order.
func compareEvents(o *outcome, file string, d *dialogue) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	type ev struct {
		request bool
		text    string // request "VERB arg"; reply line "code msg"
		code    int
	}
	var evs []ev
	for line := range strings.SplitSeq(string(b), "\n") {
		kind, rest, ok := strings.Cut(line, " ")
		if !ok || (kind != "ftp_request" && kind != "ftp_reply") {
			continue
		}
		_, text, ok := strings.Cut(rest, " - ")
		if !ok {
			continue
		}
		e := ev{request: kind == "ftp_request", text: text}
		if !e.request {
			c, _, _ := strings.Cut(text, " ")
			e.code, _ = strconv.Atoi(c)
		}
		evs = append(evs, e)
	}
	// Commands: "VERB arg" (Zeek prints "SYST " for a command without
	// argument).
	var zc, oc []string
	for _, e := range evs {
		if e.request {
			verb, arg, _ := strings.Cut(e.text, " ")
			zc = append(zc, strings.TrimSpace(verb+" "+arg))
		}
	}
	for _, c := range d.Commands {
		oc = append(oc, strings.TrimSpace(c.Verb+" "+c.Arg))
	}
	compareSeq(o, colCommands, "event request", zc, oc)

	// Replies: Zeek sends one ftp_reply per line, continuation lines with
	// code 0; a reply whose next line has code 0 is multi-line and ends at
	// the next line carrying a code (RFC 959 4.2).
	var zr []string
	for i := 0; i < len(evs); i++ {
		e := evs[i]
		if e.request || e.code == 0 {
			continue
		}
		zr = append(zr, strconv.Itoa(e.code))
		if i+1 < len(evs) && !evs[i+1].request && evs[i+1].code == 0 {
			for i++; i < len(evs) && !evs[i].request && evs[i].code == 0; i++ {
			}
			// evs[i] is the closing line of the multi-line reply.
		}
	}
	var or []string
	for _, c := range d.Replies {
		or = append(or, strconv.Itoa(c))
	}
	compareSeq(o, colReplies, "event reply", zr, or)
	return nil
}

// compareReplyLines compares an "out" file (ftp_reply, cont, code, msg
// per reply line) with the session's replies, in order.
func compareReplyLines(o *outcome, file string, d *dialogue) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var zr []string
	open := false
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.SplitN(line, ", ", 4)
		if len(f) < 3 || f[0] != "ftp_reply" {
			continue
		}
		if !open {
			zr = append(zr, f[2])
		}
		open = f[1] == "T"
	}
	var or []string
	for _, c := range d.Replies {
		or = append(or, strconv.Itoa(c))
	}
	compareSeq(o, colReplies, "reply", zr, or)
	return nil
}

// compareSeq aligns two sequences and records one check per element.
func compareSeq(o *outcome, col column, what string, want, got []string) {
	for _, p := range align(want, got) {
		switch {
		case p.b < 0:
			o.add(col, fmt.Sprintf("%s %d", what, p.a+1), want[p.a], "(not seen)")
		case p.a < 0:
			o.add(col, fmt.Sprintf("%s extra after %d", what, p.prevA+1), "(none)", got[p.b])
		default:
			o.add(col, fmt.Sprintf("%s %d", what, p.a+1), want[p.a], got[p.b])
		}
	}
}

// compareFile compares a file Zeek's file analysis saw with ftpsniff's
// extracted transfer.
func compareFile(o *outcome, base string, zf *zeekFile, a *analysis) error {
	out, err := os.ReadFile(filepath.Join(base, zf.Out))
	if err != nil {
		return err
	}
	var mime, sum string
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if l == "MIME_TYPE" && i+1 < len(lines) {
			mime = lines[i+1]
		}
		if s, ok := strings.CutPrefix(l, "SHA256: "); ok {
			sum = s
		}
	}
	payload, err := os.ReadFile(filepath.Join(base, zf.Extracted))
	if err != nil {
		return err
	}
	var t *decoder.Transfer
	for _, s := range a.Sessions {
		for _, x := range s.Transfers {
			if x.DataSrc.String()+"->"+x.DataDst.String() == zf.Conn {
				t = x
			}
		}
	}
	item := "file on " + zf.Conn
	if t == nil {
		o.add(colFiles, item, "FTP_DATA file", "(no transfer)")
		return nil
	}
	o.add(colFiles, item, "FTP_DATA file", "FTP_DATA file")
	o.add(colSizes, item+" bytes", strconv.Itoa(len(payload)), int64String(t.Bytes))
	o.add(colSizes, item+" sha256", sum, orEmpty(t.SHA256))
	h := sha256.Sum256(payload)
	o.add(colSizes, item+" sha256 of extract_files.3", hex.EncodeToString(h[:]), orEmpty(t.SHA256))
	gotMime, _, _ := strings.Cut(t.MIME, ";")
	o.add(colFiles, item+" mime_type", mime, orEmpty(gotMime))
	return nil
}
