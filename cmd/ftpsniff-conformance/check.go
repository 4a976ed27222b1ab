package main

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// expectation is what a peer's test asserts about a capture, transcribed
// from its README or test definition (test.yaml) where the peer has no
// machine-readable log to parse. Zero values are "not checked".
type expectation struct {
	// Sessions is the number of FTP control connections; -1 is "not
	// checked" (0 is a real expectation: IRC and POP3 are not FTP).
	Sessions int
	// Control are control connections that must be found,
	// "client-ip:port->server-ip:port".
	Control []string
	// Users and Passwords are the last USER and PASS of each session, in
	// session order; "-" skips one, "" is an empty argument.
	Users     []string
	Passwords []string
	// Commands counts commands across the capture.
	Commands []commandWant
	// CommandTotal is the number of commands of the whole capture.
	CommandTotal int
	// Replies are the codes each command of a verb got.
	Replies []replyWant
	// AllReplied: every command got a final reply.
	AllReplied bool
	// Negotiations must appear in this order (other negotiations may come
	// between them); NegotiationTotal, when set, is their number.
	Negotiations     []negotiationWant
	NegotiationTotal int
	// Transfers that must be found.
	Transfers []transferWant
	// DataConns is the number of data connections found (-1: not checked).
	DataConns int
	// Bounce says, per session, whether a PORT/EPRT pointed at a host other
	// than the client (an FTP bounce, RFC 2577 3).
	Bounce []bool
	// Truncated says whether a line was cut at the line limit
	// (nil: not checked).
	Truncated *bool
}

// commandWant is "Count commands Verb (with argument Arg, or an
// argument of ArgLen bytes, when set)".
type commandWant struct {
	Verb   string
	Arg    string
	ArgLen int
	Count  int
}

// replyWant is the replies of every command Verb, one entry per command:
// the codes, preliminary ones first ("150,226"), and optionally the text
// of the final reply's last line.
type replyWant struct {
	Verb  string
	Codes []string
	Texts []string
}

// negotiationWant is one PORT/EPRT/PASV/EPSV and what it announced. Port
// 0 skips the port; -1 means no address can be parsed from it.
type negotiationWant struct {
	Verb string
	Port int
	Mode string
}

// transferWant is one transfer. Name is its file name ("" for none: a
// listing without argument); Count how many such transfers (default 1).
// Zero Bytes, Announced, ServerPort and ClientPort and empty SHA256,
// DataSrc and Mode are not checked.
type transferWant struct {
	Command string
	Name    string
	Count   int
	// Bytes is the payload seen; Announced the size the server announced
	// (SIZE or the 150 reply).
	Bytes     int64
	Announced int64
	SHA256    string
	// DataSrc is the IP that opened the data connection.
	DataSrc string
	// ServerPort and ClientPort are the data connection's ports on each
	// side.
	ServerPort int
	ClientPort int
	Mode       string
}

// transferName is the file name ftpsniff gives a transfer: the command's
// argument, else for a bare STOU the name the server chose (its path,
// read from the 125/150 reply), else "" (a listing without argument).
func transferName(t *decoder.Transfer) string {
	switch {
	case t.Arg != nil:
		return *t.Arg
	case t.Command == "STOU" && t.Path != nil:
		return path.Base(*t.Path)
	}
	return ""
}

// orNone shows a missing value.
func orNone(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

// evaluate compares the expectation with what ftpsniff found.
func (e *expectation) evaluate(o *outcome, a *analysis) {
	ds := make([]*dialogue, len(a.Sessions))
	for i, s := range a.Sessions {
		ds[i] = dialogueOf(s)
	}
	if e.Sessions >= 0 {
		o.addInt(colSessions, "FTP sessions", int64(e.Sessions), int64(len(a.Sessions)))
	}
	for _, c := range e.Control {
		got := "(none)"
		for _, s := range a.Sessions {
			if s.Client.String()+"->"+s.Server.String() == c {
				got = c
			}
		}
		o.add(colSessions, "control "+c, c, got)
	}
	for i, u := range e.Users {
		if u == "-" {
			continue
		}
		got := "(no session)"
		if i < len(a.Sessions) {
			got = orNone(a.Sessions[i].User)
		}
		o.add(colUsers, fmt.Sprintf("session %d user", i+1), u, got)
	}
	for i, p := range e.Passwords {
		if p == "-" {
			continue
		}
		got := "(no session)"
		if i < len(a.Sessions) {
			got = orNone(a.Sessions[i].Password)
		}
		o.add(colUsers, fmt.Sprintf("session %d password", i+1), p, got)
	}

	var all []*exchange
	for _, d := range ds {
		all = append(all, d.Commands...)
	}
	for _, w := range e.Commands {
		n := 0
		for _, c := range all {
			if c.Verb == w.Verb && (w.Arg == "" || c.Arg == w.Arg) && (w.ArgLen == 0 || len(c.Arg) == w.ArgLen) {
				n++
			}
		}
		item := "command " + w.Verb
		if w.Arg != "" {
			item += " " + w.Arg
		}
		if w.ArgLen != 0 {
			item += fmt.Sprintf(" with a %d-byte argument", w.ArgLen)
		}
		o.addInt(colCommands, item, int64(w.Count), int64(n))
	}
	if e.CommandTotal > 0 {
		o.addInt(colCommands, "commands in all", int64(e.CommandTotal), int64(len(all)))
	}
	for _, w := range e.Replies {
		var codes, texts []string
		for _, c := range all {
			if c.Verb != w.Verb {
				continue
			}
			var cs []string
			for _, p := range c.Prelim {
				cs = append(cs, strconv.Itoa(p))
			}
			if c.Code != 0 {
				cs = append(cs, strconv.Itoa(c.Code))
			}
			codes = append(codes, strings.Join(cs, ","))
			texts = append(texts, c.Text)
		}
		o.add(colReplies, w.Verb+" reply codes", strings.Join(w.Codes, "; "), strings.Join(codes, "; "))
		if w.Texts != nil {
			o.add(colReplies, w.Verb+" reply text", strings.Join(w.Texts, "; "), strings.Join(texts, "; "))
		}
	}
	if e.AllReplied {
		var unanswered []string
		for _, c := range all {
			if c.Code == 0 {
				unanswered = append(unanswered, c.Verb)
			}
		}
		o.add(colReplies, "every command answered", "yes", yesNo(len(unanswered) == 0, "unanswered: "+strings.Join(unanswered, " ")))
	}
	e.negotiations(o, ds)
	e.transfers(o, a)
	if e.DataConns >= 0 {
		n := 0
		for _, s := range a.Sessions {
			for _, t := range s.Transfers {
				if t.DataSrc.IsValid() {
					n++
				}
			}
		}
		o.addInt(colSessions, "data connections", int64(e.DataConns), int64(n))
	}
	for i, b := range e.Bounce {
		got := "(no session)"
		if i < len(a.Sessions) {
			got = strconv.FormatBool(decoder.NotePORTAddressMismatch.In(a.Sessions[i].Notes))
		}
		o.add(colPorts, fmt.Sprintf("session %d FTP bounce (PORT to a third party)", i+1), strconv.FormatBool(b), got)
	}
	if e.Truncated != nil {
		cut := false
		for _, s := range a.Sessions {
			cut = cut || decoder.NoteLineTruncated.In(s.Notes)
		}
		o.add(colCommands, "line cut at the line limit", strconv.FormatBool(*e.Truncated), strconv.FormatBool(cut))
	}
}

func yesNo(ok bool, no string) string {
	if ok {
		return "yes"
	}
	return no
}

// negotiations finds the expected negotiations, in order, among the
// capture's.
func (e *expectation) negotiations(o *outcome, ds []*dialogue) {
	type neg struct {
		d  *dialogue
		ex *exchange
	}
	var got []neg
	for _, d := range ds {
		for _, c := range d.Commands {
			if negotiationVerbs[c.Verb] {
				got = append(got, neg{d, c})
			}
		}
	}
	if e.NegotiationTotal > 0 {
		o.addInt(colCommands, "negotiations (PORT/EPRT/PASV/EPSV)", int64(e.NegotiationTotal), int64(len(got)))
	}
	next := 0
	for i, w := range e.Negotiations {
		item := fmt.Sprintf("negotiation %d %s", i+1, w.Verb)
		found := -1
		for k := next; k < len(got); k++ {
			if got[k].ex.Verb != w.Verb {
				continue
			}
			ap, ok := got[k].d.dataChannel(got[k].ex)
			port := -1
			if ok {
				port = int(ap.Port())
			}
			if w.Port == 0 || w.Port == port {
				found = k
				break
			}
		}
		if found < 0 {
			var ports []string
			for _, g := range got {
				if g.ex.Verb == w.Verb {
					ap, ok := g.d.dataChannel(g.ex)
					ports = append(ports, portString(ap.Port(), ok))
				}
			}
			o.add(colPorts, item+" port", portString(uint16(max(w.Port, 0)), w.Port > 0), w.Verb+" ports seen: "+strings.Join(ports, " "))
			continue
		}
		next = found + 1
		g := got[found]
		if w.Port != 0 {
			ap, ok := g.d.dataChannel(g.ex)
			o.add(colPorts, item+" port", portString(uint16(max(w.Port, 0)), w.Port > 0), portString(ap.Port(), ok))
		}
		if w.Mode != "" {
			o.add(colModes, item+" mode", w.Mode, g.d.mode(g.ex))
		}
	}
}

func portString(p uint16, ok bool) string {
	if !ok {
		return "(none)"
	}
	return strconv.Itoa(int(p))
}

// transfers finds each expected transfer and compares its details.
func (e *expectation) transfers(o *outcome, a *analysis) {
	type xfer struct {
		s *decoder.Session
		t *decoder.Transfer
	}
	var all []xfer
	for _, s := range a.Sessions {
		for _, t := range s.Transfers {
			all = append(all, xfer{s, t})
		}
	}
	used := make([]bool, len(all))
	for _, w := range e.Transfers {
		count := max(w.Count, 1)
		for n := range count {
			item := fmt.Sprintf("%s %q", w.Command, w.Name)
			if count > 1 {
				item += fmt.Sprintf(" #%d", n+1)
			}
			k := -1
			for j, x := range all {
				if !used[j] && x.t.Command == w.Command && transferName(x.t) == w.Name {
					k = j
					break
				}
			}
			if k < 0 {
				var names []string
				for _, x := range all {
					if x.t.Command == w.Command {
						names = append(names, fmt.Sprintf("%q", transferName(x.t)))
					}
				}
				o.add(colFiles, item+" file name", w.Name, w.Command+" transfers seen: "+strings.Join(names, " "))
				continue
			}
			used[k] = true
			x := all[k]
			o.add(colFiles, item+" file name", w.Name, transferName(x.t))
			if w.Bytes != 0 {
				o.add(colSizes, item+" bytes", strconv.FormatInt(w.Bytes, 10), int64String(x.t.Bytes))
			}
			if w.Announced != 0 {
				o.add(colSizes, item+" announced size", strconv.FormatInt(w.Announced, 10), int64String(x.t.Size))
			}
			if w.SHA256 != "" {
				o.add(colSizes, item+" sha256", w.SHA256, orEmpty(x.t.SHA256))
			}
			if w.Mode != "" {
				o.add(colModes, item+" mode", w.Mode, orEmpty(string(x.t.Mode)))
			}
			srv, cli := dataSides(x.s, x.t)
			if w.DataSrc != "" {
				got := "(no data connection)"
				if x.t.DataSrc.IsValid() {
					got = x.t.DataSrc.Addr().String()
				}
				o.add(colPorts, item+" data connection opened by", w.DataSrc, got)
			}
			if w.ServerPort != 0 {
				o.add(colPorts, item+" server data port", strconv.Itoa(w.ServerPort), srv)
			}
			if w.ClientPort != 0 {
				o.add(colPorts, item+" client data port", strconv.Itoa(w.ClientPort), cli)
			}
		}
	}
}

// dataSides returns the data connection's port on the server's side and
// on the client's side.
func dataSides(s *decoder.Session, t *decoder.Transfer) (server, client string) {
	if !t.DataSrc.IsValid() {
		return "(no data connection)", "(no data connection)"
	}
	src, dst := strconv.Itoa(int(t.DataSrc.Port())), strconv.Itoa(int(t.DataDst.Port()))
	if t.DataSrc.Addr() == s.Server.Addr() {
		return src, dst
	}
	return dst, src
}

func int64String(p *int64) string {
	if p == nil {
		return "(none)"
	}
	return strconv.FormatInt(*p, 10)
}

func orEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
