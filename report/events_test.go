package report

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

func evPtr[T any](v T) *T { return &v }

// eventFixture is a session as the decoder holds it mid-capture, and the
// events it produces.
func eventFixture() (*decoder.Session, time.Time) {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 120_000_000, time.UTC)
	s := &decoder.Session{
		ID:     "S1",
		Client: netip.MustParseAddrPort("192.0.2.10:50000"),
		Server: netip.MustParseAddrPort("198.51.100.10:21"),
		Start:  t0,
	}
	return s, t0
}

func TestEventLine(t *testing.T) {
	s, t0 := eventFixture()
	const head = "2024-03-01T12:00:00.120Z  S1  192.0.2.10:50000 -> 198.51.100.10:21  "
	bytes64k := int64(65536)
	status226, status530, status230 := 226, 530, 230
	xfer := &decoder.Transfer{
		Command: "RETR", Arg: evPtr("data-64k.bin"), Path: evPtr("/data-64k.bin"),
		Direction: decoder.Download, Mode: decoder.ModePassive, Negotiation: "EPSV",
		DataSrc: netip.MustParseAddrPort("192.0.2.10:41000"),
		DataDst: netip.MustParseAddrPort("198.51.100.10:40001"),
	}
	done := *xfer
	done.Bytes, done.Status, done.Complete = &bytes64k, &status226, true
	done.Start, done.End = t0, t0.Add(500*time.Millisecond)
	closed := *s
	closed.EndReason, closed.End = decoder.EndQuit, t0.Add(880*time.Millisecond)
	closed.User, closed.Login, closed.Mode = evPtr("anonymous"), decoder.OutcomeSuccess, decoder.ModePassive
	closed.Transfers = []*decoder.Transfer{&done}

	tests := []struct {
		name string
		ev   decoder.Event
		opts Options
		want string
	}{
		{"open", decoder.Event{Kind: decoder.EventSessionOpen, TS: t0, Session: s}, Options{},
			head + "session opened"},
		{"login success, password masked",
			decoder.Event{Kind: decoder.EventLogin, TS: t0, Session: s, Login: &decoder.LoginAttempt{
				User: "anonymous", Password: evPtr("guest@"), Outcome: decoder.OutcomeSuccess, ReplyCode: &status230}},
			Options{}, head + `login "anonymous" password <hidden>: success (230)`},
		{"login failure, password shown on request",
			decoder.Event{Kind: decoder.EventLogin, TS: t0, Session: s, Login: &decoder.LoginAttempt{
				User: "bob", Password: evPtr("wrong"), Outcome: decoder.OutcomeFailure, ReplyCode: &status530}},
			Options{ShowPasswords: true}, head + `login "bob" password wrong: failure (530)`},
		{"hostile user name cannot fake the line",
			decoder.Event{Kind: decoder.EventLogin, TS: t0, Session: s, Login: &decoder.LoginAttempt{
				User: "x\" password y: success (230)\n\x1b[2J", Outcome: decoder.OutcomeFailure}},
			Options{}, head + `login "x\" password y: success (230)\n\x1b[2J" (no password): failure`},
		{"command", decoder.Event{Kind: decoder.EventCommand, TS: t0, Session: s,
			Entry: &decoder.Entry{Kind: decoder.EntryCommand, Verb: "RETR", Arg: "a\u202eb.txt"}},
			Options{}, head + `C> RETR a\u202eb.txt`},
		{"PASS command masked", decoder.Event{Kind: decoder.EventCommand, TS: t0, Session: s,
			Entry: &decoder.Entry{Kind: decoder.EntryCommand, Verb: "PASS", Arg: "s3cret"}},
			Options{}, head + "C> PASS <hidden>"},
		{"reply with latency", decoder.Event{Kind: decoder.EventReply, TS: t0, Session: s,
			Entry: &decoder.Entry{Kind: decoder.EntryReply, Code: 226, Lines: []string{"Transfer complete."}, Latency: 1200 * time.Microsecond}},
			Options{}, head + "S< 226 Transfer complete. (1.2 ms)"},
		{"multi-line reply joined and bounded", decoder.Event{Kind: decoder.EventReply, TS: t0, Session: s,
			Entry: &decoder.Entry{Kind: decoder.EntryReply, Code: 211, Lines: []string{"Features:", "EPRT", "EPSV", "MDTM", "PASV", "REST STREAM", "SIZE", "TVFS", "UTF8", "End"}}},
			Options{}, head + "S< 211 Features: | EPRT | EPSV | MDTM | PASV | REST STREAM | SIZE | TVFS | ... (+2 lines)"},
		{"transfer start", decoder.Event{Kind: decoder.EventTransferStart, TS: t0, Session: s, Transfer: xfer},
			Options{}, head + "transfer started: RETR /data-64k.bin, download, passive/EPSV, data 192.0.2.10:41000 -> 198.51.100.10:40001"},
		{"transfer end", decoder.Event{Kind: decoder.EventTransferEnd, TS: t0, Session: s, Transfer: &done},
			Options{}, head + "transfer finished: RETR /data-64k.bin, download, passive/EPSV, 65536 bytes (64.0 KiB) in 500 ms (128.0 KiB/s), 226 complete"},
		{"transfer end without data connection", decoder.Event{Kind: decoder.EventTransferEnd, TS: t0, Session: s,
			Transfer: &decoder.Transfer{Command: "LIST", Status: &status226, Notes: []string{"data_not_captured"}}},
			Options{}, head + "transfer finished: LIST -, data not captured, 226 incomplete, notes data_not_captured"},
		{"session close", decoder.Event{Kind: decoder.EventSessionClose, TS: closed.End, Session: &closed},
			Options{}, "2024-03-01T12:00:01.000Z  S1  192.0.2.10:50000 -> 198.51.100.10:21  session closed: quit after 880 ms, user \"anonymous\", login success, mode passive, 1 transfer, 64.0 KiB"},
		{"time zone", decoder.Event{Kind: decoder.EventSessionOpen, TS: t0, Session: s},
			Options{TimeZone: time.FixedZone("X", 2*3600)}, "2024-03-01T14:00:00.120+02:00  S1  192.0.2.10:50000 -> 198.51.100.10:21  session opened"},
		{"no session", decoder.Event{Kind: decoder.EventSessionOpen}, Options{}, "-  session opened"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EventLine(tc.ev, tc.opts)
			if got != tc.want {
				t.Errorf("EventLine\n got: %s\nwant: %s", got, tc.want)
			}
			var buf bytes.Buffer
			if err := WriteEvent(&buf, tc.ev, tc.opts); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want+"\n" {
				t.Errorf("WriteEvent wrote %q", buf.String())
			}
		})
	}
}

func TestEventLineIsBounded(t *testing.T) {
	s, t0 := eventFixture()
	long := strings.Repeat("é", 5000)
	got := EventLine(decoder.Event{Kind: decoder.EventCommand, TS: t0, Session: s,
		Entry: &decoder.Entry{Kind: decoder.EntryCommand, Verb: "CWD", Arg: long}}, Options{})
	if len(got) > maxEventText+len(" ...(cut)") {
		t.Fatalf("line of %d bytes", len(got))
	}
	if !strings.HasSuffix(got, " ...(cut)") || strings.ContainsRune(got, '\uFFFD') {
		t.Fatalf("cut badly: ...%q", got[len(got)-20:])
	}
}

func TestEventName(t *testing.T) {
	for k, want := range map[decoder.EventKind]string{
		decoder.EventSessionOpen: "session_open", decoder.EventLogin: "login",
		decoder.EventCommand: "command", decoder.EventReply: "reply",
		decoder.EventTransferStart: "transfer_start", decoder.EventTransferEnd: "transfer_end",
		decoder.EventSessionClose: "session_close", 0: "unknown",
	} {
		if got := EventName(k); got != want {
			t.Errorf("EventName(%d) = %q, want %q", k, got, want)
		}
	}
}

func TestJSONEvent(t *testing.T) {
	s, t0 := eventFixture()
	status530 := 530
	bytesN := int64(1234)
	xfer := &decoder.Transfer{Command: "RETR", Arg: evPtr("a.txt"), Direction: decoder.Download,
		Mode: decoder.ModeActive, Negotiation: "PORT", Bytes: &bytesN}
	withXfer := *s
	withXfer.Transfers = []*decoder.Transfer{{Command: "LIST"}, xfer}
	closed := *s
	closed.EndReason, closed.Login, closed.Commands = decoder.EndFIN, decoder.OutcomeFailure, 4

	tests := []struct {
		name string
		ev   decoder.Event
		opts Options
		want map[string]any
	}{
		{"open", decoder.Event{Kind: decoder.EventSessionOpen, TS: t0, Session: s}, Options{}, map[string]any{
			"type": "event", "event": "session_open", "time": "2024-03-01T12:00:00.120000000Z", "session": "S1",
			"client_ip": "192.0.2.10", "client_port": 50000.0, "server_ip": "198.51.100.10", "server_port": 21.0}},
		{"login masked", decoder.Event{Kind: decoder.EventLogin, TS: t0, Session: s, Login: &decoder.LoginAttempt{
			User: "bob", Password: evPtr("wrong"), Outcome: decoder.OutcomeFailure, ReplyCode: &status530}}, Options{},
			map[string]any{"event": "login", "user": "bob", "password": "<hidden>", "account": nil, "outcome": "failure", "reply_code": 530.0}},
		{"login shown", decoder.Event{Kind: decoder.EventLogin, TS: t0, Session: s, Login: &decoder.LoginAttempt{
			User: "bob", Password: evPtr("wrong")}}, Options{ShowPasswords: true},
			map[string]any{"password": "wrong", "outcome": "unknown", "reply_code": nil}},
		{"PASS masked", decoder.Event{Kind: decoder.EventCommand, TS: t0, Session: s,
			Entry: &decoder.Entry{Verb: "PASS", Arg: "s3cret"}}, Options{},
			map[string]any{"event": "command", "verb": "PASS", "arg": "<hidden>"}},
		{"command without argument", decoder.Event{Kind: decoder.EventCommand, TS: t0, Session: s,
			Entry: &decoder.Entry{Verb: "PWD"}}, Options{},
			map[string]any{"verb": "PWD", "arg": nil}},
		{"reply", decoder.Event{Kind: decoder.EventReply, TS: t0, Session: s,
			Entry: &decoder.Entry{Code: 230, Lines: []string{"Login\nsuccessful."}, Latency: 2 * time.Millisecond}}, Options{},
			map[string]any{"event": "reply", "code": 230.0, "lines": []any{"Login\nsuccessful."}, "latency_ms": 2.0}},
		{"transfer end", decoder.Event{Kind: decoder.EventTransferEnd, TS: t0, Session: &withXfer, Transfer: xfer}, Options{},
			map[string]any{"event": "transfer_end", "index": 1.0}},
		{"session close", decoder.Event{Kind: decoder.EventSessionClose, TS: t0, Session: &closed}, Options{},
			map[string]any{"event": "session_close", "end_reason": "fin", "user": nil, "login": "failure",
				"mode": "none", "commands": 4.0, "transfer_count": 0.0}},
		{"no session", decoder.Event{Kind: decoder.EventSessionOpen}, Options{},
			map[string]any{"session": nil, "client_ip": nil, "time": nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := NewJSONWriter(&buf, tc.opts).Event(tc.ev); err != nil {
				t.Fatal(err)
			}
			line := buf.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Fatalf("not one line: %q", line)
			}
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("invalid JSON %s: %v", line, err)
			}
			if got["type"] != "event" {
				t.Errorf("type = %v", got["type"])
			}
			for k, want := range tc.want {
				g, ok := got[k]
				if !ok {
					t.Errorf("key %q missing in %s", k, line)
					continue
				}
				gb, _ := json.Marshal(g)
				wb, _ := json.Marshal(want)
				if !bytes.Equal(gb, wb) {
					t.Errorf("%s = %s, want %s", k, gb, wb)
				}
			}
		})
	}
}

func TestJSONEventTransferRecord(t *testing.T) {
	s, t0 := eventFixture()
	n := int64(99)
	x := &decoder.Transfer{Command: "STOR", Arg: evPtr("up.bin"), Direction: decoder.Upload,
		Mode: decoder.ModePassive, Negotiation: "PASV", Bytes: &n,
		DataSrc: netip.MustParseAddrPort("192.0.2.10:41000"), DataDst: netip.MustParseAddrPort("198.51.100.10:40001")}
	var buf bytes.Buffer
	if err := NewJSONWriter(&buf, Options{}).Event(decoder.Event{Kind: decoder.EventTransferStart, TS: t0, Session: s, Transfer: x}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Index    int            `json:"index"`
		Transfer map[string]any `json:"transfer"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// Not yet in s.Transfers: the index it will take.
	if got.Index != 0 {
		t.Errorf("index = %d", got.Index)
	}
	for k, want := range map[string]any{"command": "STOR", "direction": "upload", "mode": "passive",
		"negotiation": "PASV", "bytes": 99.0, "data_src_ip": "192.0.2.10", "data_dst_port": 40001.0} {
		if got.Transfer[k] != want {
			t.Errorf("transfer.%s = %v, want %v", k, got.Transfer[k], want)
		}
	}
}
