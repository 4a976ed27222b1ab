package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// This file renders decoder.Events, one line each, for live capture:
// people read them scrolling by (EventLine), pipelines read NDJSON
// "event" records (JSONWriter.Event). A line never contains a raw
// newline or control character from the wire, whatever the wire sent.

// Bounds of one event line: a multi-line reply (STAT, HELP, FEAT) shows
// its first lines joined with " | " and how many more there were, and no
// wire string can make one line longer than maxEventText.
const (
	maxEventReplyLines = 8
	maxEventText       = 2048
)

// EventName is the snake_case name of an event kind, as in the JSON
// "event" key: session_open, login, command, reply, transfer_start,
// transfer_end, session_close ("unknown" for anything else).
func EventName(k decoder.EventKind) string {
	switch k {
	case decoder.EventSessionOpen:
		return "session_open"
	case decoder.EventLogin:
		return "login"
	case decoder.EventCommand:
		return "command"
	case decoder.EventReply:
		return "reply"
	case decoder.EventTransferStart:
		return "transfer_start"
	case decoder.EventTransferEnd:
		return "transfer_end"
	case decoder.EventSessionClose:
		return "session_close"
	}
	return "unknown"
}

// WriteEvent writes EventLine and a newline with a single Write, so lines
// from one writer never interleave.
func WriteEvent(w io.Writer, ev decoder.Event, opts Options) error {
	_, err := io.WriteString(w, EventLine(ev, opts)+"\n")
	return err
}

// EventLine formats ev as one line for a person watching a live capture:
// capture time (Options.TimeZone), session id, client -> server, and what
// happened:
//
//	2024-03-01T12:00:00.120Z  S1  192.0.2.10:50000 -> 198.51.100.10:21  session opened
//	2024-03-01T12:00:00.300Z  S1  192.0.2.10:50000 -> 198.51.100.10:21  login "anonymous" password <hidden>: success (230)
//	2024-03-01T12:00:00.310Z  S1  192.0.2.10:50000 -> 198.51.100.10:21  C> RETR hello.txt
//	2024-03-01T12:00:00.311Z  S1  192.0.2.10:50000 -> 198.51.100.10:21  S< 150 Opening BINARY mode data connection (0.9 ms)
//	2024-03-01T12:00:00.312Z  S1  ...  transfer started: RETR /pub/hello.txt, download, passive/EPSV, data 192.0.2.10:41000 -> 198.51.100.10:40001
//	2024-03-01T12:00:00.330Z  S1  ...  transfer finished: RETR /pub/hello.txt, 1024 bytes (1.0 KiB) in 18 ms (55.6 KiB/s), 226 complete
//	2024-03-01T12:00:01.000Z  S1  ...  session closed: quit after 880 ms, user "anonymous", login success, mode passive, 1 transfer, 1.0 KiB
//
// Wire strings are escaped (Escape) and passwords masked unless
// Options.ShowPasswords. An event without a session is still one line.
func EventLine(ev decoder.Event, opts Options) string {
	var b strings.Builder
	if ev.TS.IsZero() {
		b.WriteString("-")
	} else {
		b.WriteString(ev.TS.In(opts.location()).Format(stampLayout))
	}
	s := ev.Session
	if s != nil {
		b.WriteString("  ")
		b.WriteString(orDash(Escape(s.ID)))
		b.WriteString("  ")
		b.WriteString(endpoint(s.Client))
		b.WriteString(" -> ")
		b.WriteString(endpoint(s.Server))
	}
	b.WriteString("  ")
	b.WriteString(eventText(ev, opts))
	return capLine(b.String())
}

// eventText is what happened, after the line's time and endpoints.
func eventText(ev decoder.Event, opts Options) string {
	s := ev.Session
	switch ev.Kind {
	case decoder.EventSessionOpen:
		return "session opened"
	case decoder.EventLogin:
		if ev.Login == nil {
			return "login"
		}
		return loginText(ev.Login, opts)
	case decoder.EventCommand:
		if ev.Entry == nil {
			return "C>"
		}
		text := "C> " + Escape(ev.Entry.Verb)
		if arg := commandArg(ev.Entry, opts); arg != "" {
			text += " " + arg
		}
		return text
	case decoder.EventReply:
		if ev.Entry == nil {
			return "S<"
		}
		return "S< " + replyText(ev.Entry)
	case decoder.EventTransferStart:
		if ev.Transfer == nil {
			return "transfer started"
		}
		return "transfer started: " + transferStartText(ev.Transfer)
	case decoder.EventTransferEnd:
		if ev.Transfer == nil {
			return "transfer finished"
		}
		return "transfer finished: " + transferEndText(ev.Transfer)
	case decoder.EventSessionClose:
		if s == nil {
			return "session closed"
		}
		return "session closed: " + sessionCloseText(s)
	}
	return "event " + strconv.Itoa(int(ev.Kind))
}

// loginText: `login "bob" password <hidden>: failure (530)`.
func loginText(la *decoder.LoginAttempt, opts Options) string {
	var b strings.Builder
	b.WriteString("login ")
	b.WriteString(quoteWire(la.User))
	if la.Password != nil {
		b.WriteString(" password ")
		b.WriteString(Escape(*opts.password(la.Password)))
	} else {
		b.WriteString(" (no password)")
	}
	if la.Account != nil {
		b.WriteString(" account ")
		b.WriteString(Escape(*la.Account))
	}
	b.WriteString(": ")
	outcome := string(la.Outcome)
	if outcome == "" {
		outcome = string(decoder.OutcomeUnknown)
	}
	b.WriteString(Escape(outcome))
	if la.ReplyCode != nil {
		b.WriteString(" (" + strconv.Itoa(*la.ReplyCode) + ")")
	}
	return b.String()
}

// replyText is a reply on one line: "226 Transfer complete (1.2 ms)", the
// lines of a multi-line reply joined with " | ", at most
// maxEventReplyLines of them.
func replyText(e *decoder.Entry) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(e.Code))
	for i, line := range e.Lines {
		if i == maxEventReplyLines {
			b.WriteString(" | ... (+" + strconv.Itoa(len(e.Lines)-i) + " lines)")
			break
		}
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(" | ")
		}
		b.WriteString(Escape(line))
	}
	if e.Latency > 0 {
		b.WriteString(" (" + latency(e.Latency) + ")")
	}
	return b.String()
}

// transferStartText: the command and target, direction, mode and, when
// already known, the data connection and announced size.
func transferStartText(t *decoder.Transfer) string {
	parts := []string{Escape(t.Command) + " " + transferTarget(t)}
	if t.Direction != "" {
		parts = append(parts, Escape(string(t.Direction)))
	}
	if mn := modeNegotiation(t); mn != "-" {
		parts = append(parts, mn)
	}
	if t.DataSrc.IsValid() || t.DataDst.IsValid() {
		parts = append(parts, "data "+dataConn(t))
	}
	if t.Size != nil {
		parts = append(parts, "size "+strconv.FormatInt(*t.Size, 10))
	}
	return strings.Join(parts, ", ")
}

// transferEndText: bytes, time and rate, status, missing bytes, notes.
func transferEndText(t *decoder.Transfer) string {
	parts := []string{Escape(t.Command) + " " + transferTarget(t)}
	if t.Direction != "" {
		parts = append(parts, Escape(string(t.Direction)))
	}
	if mn := modeNegotiation(t); mn != "-" {
		parts = append(parts, mn)
	}
	if t.Bytes == nil {
		parts = append(parts, "data not captured")
	} else {
		n := *t.Bytes
		size := strconv.FormatInt(n, 10) + " bytes"
		if n >= 1024 {
			size += " (" + humanBytes(n) + ")"
		}
		if d := t.End.Sub(t.Start); !t.Start.IsZero() && !t.End.IsZero() && d >= 0 {
			size += " in " + humanDuration(d) + " (" + humanRate(n, d) + ")"
		}
		parts = append(parts, size)
	}
	parts = append(parts, transferStatus(t))
	if t.MissingBytes > 0 {
		parts = append(parts, strconv.FormatInt(t.MissingBytes, 10)+" bytes missing")
	}
	if len(t.Notes) > 0 {
		parts = append(parts, "notes "+escapeList(t.Notes))
	}
	return strings.Join(parts, ", ")
}

// sessionCloseText: how and after how long it ended, who, and what moved.
func sessionCloseText(s *decoder.Session) string {
	reason := string(s.EndReason)
	if reason == "" {
		reason = "unknown"
	}
	parts := []string{Escape(reason) + " after " + eventSpan(s.Start, s.End)}
	if s.User != nil {
		parts = append(parts, "user "+quoteWire(*s.User))
	}
	login := string(s.Login)
	if login == "" {
		login = string(decoder.OutcomeNone)
	}
	parts = append(parts, "login "+Escape(login))
	if s.Mode != "" && s.Mode != decoder.ModeNone {
		parts = append(parts, "mode "+Escape(string(s.Mode)))
	}
	n := len(s.Transfers)
	if n == 1 {
		parts = append(parts, "1 transfer")
	} else {
		parts = append(parts, strconv.Itoa(n)+" transfers")
	}
	if n > 0 {
		parts = append(parts, humanBytes(sessionBytes(s)))
	}
	if s.TLS {
		parts = append(parts, "TLS")
	}
	if len(s.Notes) > 0 {
		parts = append(parts, "notes "+escapeList(s.Notes))
	}
	return strings.Join(parts, ", ")
}

// eventSpan is humanDuration of end-start, "-" when either is unknown.
func eventSpan(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "-"
	}
	return humanDuration(end.Sub(start))
}

// escapeList escapes and joins notes with commas.
func escapeList(list []string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Escape(s)
	}
	return strings.Join(out, ",")
}

// quoteWire escapes a wire string and puts it in double quotes, with its
// own double quotes backslashed, so a crafted user name cannot fake the
// rest of the line.
func quoteWire(s string) string {
	return `"` + strings.ReplaceAll(Escape(s), `"`, `\"`) + `"`
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// capLine bounds a line at maxEventText bytes, cutting on a rune
// boundary (the text is already escaped, so every byte is printable).
func capLine(s string) string {
	if len(s) <= maxEventText {
		return s
	}
	cut := maxEventText
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + " ...(cut)"
}

// Event writes one "event" record, an ftpsniff extension to the JSON
// contract for live capture (see docs/json.md, "event"):
//
//	{"type":"event","event":"login","time":"...","session":"S1",
//	 "client_ip":"192.0.2.10","client_port":50000,
//	 "server_ip":"198.51.100.10","server_port":21, ...kind-specific keys}
//
// Kind-specific keys: login has user, password, account, outcome and
// reply_code; command has verb and arg (PASS's arg masked unless
// ShowPasswords); reply has code, lines and latency_ms; transfer_start
// and transfer_end have index (position in the session's transfers) and
// transfer (a transfer object as in session records, as known at that
// moment); session_close has end_reason, user, login, mode, commands and
// transfer_count. The full session record still follows when the session
// is final.
func (j *JSONWriter) Event(ev decoder.Event) error {
	head := jsonEventHead{Type: "event", Event: EventName(ev.Kind), Time: jsonTime(ev.TS)}
	if s := ev.Session; s != nil {
		id := jsonText(s.ID)
		head.Session = &id
		head.ClientIP, head.ClientPort = addrPort(s.Client)
		head.ServerIP, head.ServerPort = addrPort(s.Server)
	}
	switch ev.Kind {
	case decoder.EventLogin:
		if la := ev.Login; la != nil {
			return j.write(jsonLoginEvent{
				jsonEventHead: head,
				User:          jsonText(la.User),
				Password:      optPtr(j.opts.password(la.Password)),
				Account:       optPtr(la.Account),
				Outcome:       orDefault(string(la.Outcome), string(decoder.OutcomeUnknown)),
				ReplyCode:     la.ReplyCode,
			})
		}
	case decoder.EventCommand:
		if e := ev.Entry; e != nil {
			arg := e.Arg
			if strings.EqualFold(e.Verb, "PASS") && !j.opts.ShowPasswords {
				arg = Hidden
			}
			return j.write(jsonCommandEvent{jsonEventHead: head, Verb: jsonText(e.Verb), Arg: optText(arg)})
		}
	case decoder.EventReply:
		if e := ev.Entry; e != nil {
			out := jsonReplyEvent{jsonEventHead: head, Code: e.Code, Lines: texts(e.Lines)}
			if e.Latency > 0 {
				ms := float64(e.Latency) / float64(time.Millisecond)
				out.LatencyMs = &ms
			}
			return j.write(out)
		}
	case decoder.EventTransferStart, decoder.EventTransferEnd:
		if t := ev.Transfer; t != nil {
			idx := -1
			if ev.Session != nil {
				idx = transferIndex(ev.Session, t)
			}
			return j.write(jsonTransferEvent{jsonEventHead: head, Index: idx, Transfer: transferRecord(t)})
		}
	case decoder.EventSessionClose:
		if s := ev.Session; s != nil {
			return j.write(jsonCloseEvent{
				jsonEventHead: head,
				EndReason:     optText(string(s.EndReason)),
				User:          optPtr(s.User),
				Login:         orDefault(string(s.Login), string(decoder.OutcomeNone)),
				Mode:          orDefault(string(s.Mode), string(decoder.ModeNone)),
				Commands:      s.Commands,
				TransferCount: len(s.Transfers),
			})
		}
	}
	return j.write(head)
}

// jsonEventHead is the part every event record has.
type jsonEventHead struct {
	Type       string   `json:"type"`
	Event      string   `json:"event"`
	Time       jsonTime `json:"time"`
	Session    *string  `json:"session"`
	ClientIP   *string  `json:"client_ip"`
	ClientPort *uint16  `json:"client_port"`
	ServerIP   *string  `json:"server_ip"`
	ServerPort *uint16  `json:"server_port"`
}

type jsonLoginEvent struct {
	jsonEventHead
	User      string  `json:"user"`
	Password  *string `json:"password"`
	Account   *string `json:"account"`
	Outcome   string  `json:"outcome"`
	ReplyCode *int    `json:"reply_code"`
}

type jsonCommandEvent struct {
	jsonEventHead
	Verb string  `json:"verb"`
	Arg  *string `json:"arg"`
}

type jsonReplyEvent struct {
	jsonEventHead
	Code      int      `json:"code"`
	Lines     []string `json:"lines"`
	LatencyMs *float64 `json:"latency_ms"`
}

type jsonTransferEvent struct {
	jsonEventHead
	Index    int          `json:"index"`
	Transfer jsonTransfer `json:"transfer"`
}

type jsonCloseEvent struct {
	jsonEventHead
	EndReason     *string `json:"end_reason"`
	User          *string `json:"user"`
	Login         string  `json:"login"`
	Mode          string  `json:"mode"`
	Commands      int     `json:"commands"`
	TransferCount int     `json:"transfer_count"`
}
