package report

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/<name>.golden, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s differs at line %d (run go test -update after checking)\n got: %q\nwant: %q", path, i+1, gl, wl)
			return
		}
	}
}

func ptr[T any](v T) *T { return &v }

// base is the capture time all fixtures are relative to.
var base = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)

func at(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// anonymousSession: IPv4, passive (EPSV) listing and download, multi-line
// replies, FEAT and SYST, clean QUIT.
func anonymousSession() *decoder.Session {
	list := &decoder.Transfer{
		Command: "LIST", Direction: decoder.Download, Mode: decoder.ModePassive, Negotiation: "EPSV",
		Advertised: ap("198.51.100.5:40000"),
		DataSrc:    ap("192.0.2.10:50001"), DataDst: ap("198.51.100.5:40000"),
		Bytes: ptr(int64(812)), Type: ptr("A"), Status: ptr(226), Complete: true,
		Start: at(1510), End: at(1530),
	}
	retr := &decoder.Transfer{
		Command: "RETR", Arg: ptr("pub/release-1.2.tar.gz"), Path: ptr("/pub/release-1.2.tar.gz"),
		Direction: decoder.Download, Mode: decoder.ModePassive, Negotiation: "EPSV",
		Advertised: ap("198.51.100.5:40001"),
		DataSrc:    ap("192.0.2.10:50002"), DataDst: ap("198.51.100.5:40001"),
		Bytes: ptr(int64(1258291)), Type: ptr("I"), Status: ptr(226), Complete: true,
		Start: at(2020), End: at(2520), Size: ptr(int64(1258291)),
		SHA256: "4f2b0c57c4c1a0b3f3d16e5a0cbd2a1e8f1e1c3b6b7a8a9c0d1e2f3a4b5c6d7e", MIME: "application/x-gzip",
		File: "s1-1-release-1.2.tar.gz",
	}
	s := &decoder.Session{
		ID: "s1", Client: ap("192.0.2.10:49152"), Server: ap("198.51.100.5:21"),
		Start: at(0), End: at(3100), Handshake: true, HandshakeRTT: ptr(ms(1.25)),
		EndReason: decoder.EndQuit,
		Banner:    ptr("ProFTPD 1.3.8 Server (Example FTP) [198.51.100.5]"),
		User:      ptr("anonymous"), Password: ptr("guest@example.org"), Anonymous: true,
		Login: decoder.OutcomeSuccess,
		LoginAttempts: []decoder.LoginAttempt{
			{User: "anonymous", Password: ptr("guest@example.org"), Outcome: decoder.OutcomeSuccess, ReplyCode: ptr(230), Time: at(320)},
		},
		Mode: decoder.ModePassive, Commands: 9,
		Transfers: []*decoder.Transfer{list, retr},
		Notes:     []string{},
		Features:  []string{"EPSV", "MDTM", "REST STREAM", "SIZE", "UTF8"},
		System:    ptr("UNIX Type: L8"),
		Transcript: []decoder.Entry{
			{Kind: decoder.EntryReply, TS: at(5), Code: 220, Lines: []string{"ProFTPD 1.3.8 Server (Example FTP) [198.51.100.5]"}, Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(100), Verb: "USER", Arg: "anonymous", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(112), Code: 331, Lines: []string{"Anonymous login ok, send your complete email address as your password"}, Latency: ms(12.3), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(300), Verb: "PASS", Arg: "guest@example.org", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(320), Code: 230, Lines: []string{"Welcome to the example archive.", "  Local time is Fri Mar 01 09:30:00 2024.", "Anonymous access granted, restrictions apply"}, Latency: ms(20), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(400), Verb: "SYST", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(402), Code: 215, Lines: []string{"UNIX Type: L8"}, Latency: ms(2.04), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(500), Verb: "FEAT", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(503), Code: 211, Lines: []string{"Features:", " EPSV", " MDTM", " REST STREAM", " SIZE", " UTF8", "End"}, Latency: ms(3), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(1500), Verb: "EPSV", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(1501), Code: 229, Lines: []string{"Entering Extended Passive Mode (|||40000|)"}, Latency: ms(1), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(1505), Verb: "LIST", Transfer: -1},
			{Kind: decoder.EntryDataOpen, TS: at(1510), Transfer: 0},
			{Kind: decoder.EntryReply, TS: at(1511), Code: 150, Lines: []string{"Opening ASCII mode data connection for file list"}, Latency: ms(6), Transfer: -1},
			{Kind: decoder.EntryDataClose, TS: at(1530), Transfer: 0, Bytes: 812},
			{Kind: decoder.EntryReply, TS: at(1531), Code: 226, Lines: []string{"Transfer complete"}, Latency: ms(26), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(2000), Verb: "EPSV", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(2001), Code: 229, Lines: []string{"Entering Extended Passive Mode (|||40001|)"}, Latency: ms(1), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(2010), Verb: "RETR", Arg: "pub/release-1.2.tar.gz", Transfer: -1},
			{Kind: decoder.EntryDataOpen, TS: at(2020), Transfer: 1},
			{Kind: decoder.EntryReply, TS: at(2021), Code: 150, Lines: []string{"Opening BINARY mode data connection for pub/release-1.2.tar.gz (1258291 bytes)"}, Latency: ms(11), Transfer: -1},
			{Kind: decoder.EntryDataClose, TS: at(2520), Transfer: 1, Bytes: 1258291},
			{Kind: decoder.EntryReply, TS: at(2522), Code: 226, Lines: []string{"Transfer complete"}, Latency: ms(512), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(3000), Verb: "QUIT", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(3001), Code: 221, Lines: []string{"Goodbye."}, Latency: ms(1), Transfer: -1},
		},
	}
	fixture.Annotate(s)
	return s
}

// hostileSession: active mode (PORT), failed logins then success, a user
// name with terminal escapes, an upload with bytes missing, a control gap,
// a hostile file name (bidi override, invalid UTF-8, CR/LF, NUL), a note.
func hostileSession() *decoder.Session {
	evil := "\x1b[31mroot\x1b[0m\r\n"
	name := "report\u202egnp.exe\xff\x00\r\n"
	stor := &decoder.Transfer{
		Command: "STOR", Arg: ptr(name), Path: ptr("/home/ops/" + name),
		Direction: decoder.Upload, Mode: decoder.ModeActive, Negotiation: "PORT",
		Advertised: ap("192.0.2.20:50010"),
		DataSrc:    ap("198.51.100.7:20"), DataDst: ap("192.0.2.20:50010"),
		Bytes: ptr(int64(70000)), MissingBytes: 1448, Type: ptr("I"), Status: ptr(226),
		Start: at(9100), End: at(9600),
		Notes: []string{"size_mismatch"},
	}
	attempts := []decoder.LoginAttempt{
		{User: evil, Password: ptr("hunter2"), Outcome: decoder.OutcomeFailure, ReplyCode: ptr(530), Time: at(2000)},
		{User: "ops", Password: ptr("Winter2024!"), Outcome: decoder.OutcomeFailure, ReplyCode: ptr(530), Time: at(4000)},
		{User: "ops", Password: ptr("S3cure!pass"), Account: ptr("billing"), Outcome: decoder.OutcomeSuccess, ReplyCode: ptr(230), Time: at(6000)},
	}
	s := &decoder.Session{
		ID: "s2", Client: ap("192.0.2.20:50000"), Server: ap("198.51.100.7:21"),
		Start: at(1000), End: at(75000), Handshake: true, HandshakeRTT: ptr(ms(0.4)),
		EndReason: decoder.EndFIN,
		Banner:    ptr("FTP server ready \x1b]0;pwned\x07"),
		User:      ptr("ops"), Password: ptr("S3cure!pass"),
		Login: decoder.OutcomeSuccess, LoginAttempts: attempts,
		Mode: decoder.ModeActive, Commands: 12,
		Transfers: []*decoder.Transfer{stor},
		Notes:     []string{"gap_in_control", "line_truncated"},
		GapBytes:  1234,
		Transcript: []decoder.Entry{
			{Kind: decoder.EntryReply, TS: at(1010), Code: 220, Lines: []string{"FTP server ready \x1b]0;pwned\x07"}, Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(1900), Verb: "USER", Arg: evil, Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(1905), Code: 331, Lines: []string{"Password required"}, Latency: ms(5), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(1990), Verb: "PASS", Arg: "hunter2", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(2000), Code: 530, Lines: []string{"Login incorrect."}, Latency: ms(10), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(3900), Verb: "USER", Arg: "ops", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(3905), Code: 331, Lines: []string{"Password required"}, Latency: ms(5), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(3990), Verb: "PASS", Arg: "Winter2024!", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(4000), Code: 530, Lines: []string{"Login incorrect."}, Latency: ms(10), Transfer: -1},
			{Kind: decoder.EntryGap, TS: at(4500), Bytes: 1234, Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(5990), Verb: "PASS", Arg: "S3cure!pass", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(5995), Code: 332, Lines: []string{"Need account for login."}, Latency: ms(5), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(5998), Verb: "ACCT", Arg: "billing", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(6000), Code: 230, Lines: []string{"User ops logged in."}, Latency: ms(2), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(9000), Verb: "PORT", Arg: "192,0,2,20,195,90", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(9001), Code: 200, Lines: []string{"PORT command successful"}, Latency: ms(1), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(9050), Verb: "STOR", Arg: name, Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(9060), Code: 150, Lines: []string{"Opening BINARY mode data connection"}, Latency: ms(10), Transfer: -1},
			{Kind: decoder.EntryDataOpen, TS: at(9100), Transfer: 0},
			{Kind: decoder.EntryDataClose, TS: at(9600), Transfer: 0, Bytes: 70000},
			{Kind: decoder.EntryReply, TS: at(9610), Code: 226, Lines: []string{"Transfer complete"}, Latency: ms(560), Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(10000), Verb: "SITE", Arg: "CHMOD 777 " + name, Transfer: -1},
			{Kind: decoder.EntryNote, TS: at(10000), Text: "line_truncated: command cut at 8192 bytes", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(10002), Code: 200, Lines: []string{"SITE CHMOD command successful"}, Latency: ms(2), Transfer: -1},
			{Kind: decoder.EntryDataOpen, TS: at(11000), Transfer: 7},
		},
	}
	fixture.Annotate(s)
	return s
}

// tlsSession: IPv6, no handshake seen, AUTH TLS, no transfer, RST.
func tlsSession() *decoder.Session {
	s := &decoder.Session{
		ID: "s3", Client: ap("[2001:db8::10]:50300"), Server: ap("[2001:db8::21]:21"),
		Start: at(20000), End: at(20450), EndReason: decoder.EndRST,
		Banner: ptr("Service ready for new user."),
		Login:  decoder.OutcomeNone, Mode: decoder.ModeNone, TLS: true, TLSRecords: 14, Commands: 1,
		Notes: []string{"no_handshake"},
		Transcript: []decoder.Entry{
			{Kind: decoder.EntryReply, TS: at(20001), Code: 220, Lines: []string{"Service ready for new user."}, Transfer: -1},
			{Kind: decoder.EntryCommand, TS: at(20100), Verb: "AUTH", Arg: "TLS", Transfer: -1},
			{Kind: decoder.EntryReply, TS: at(20102), Code: 234, Lines: []string{"AUTH TLS successful"}, Latency: ms(2), Transfer: -1},
			{Kind: decoder.EntryTLS, TS: at(20103), Transfer: -1},
		},
	}
	fixture.Annotate(s)
	return s
}

// bruteSession: many failed logins, a transfer whose data connection was
// never captured and that was aborted, capture end.
func bruteSession() *decoder.Session {
	s := &decoder.Session{
		ID: "s4", Client: ap("203.0.113.50:41000"), Server: ap("198.51.100.5:21"),
		Start: at(30000), End: at(3*3600*1000 + 30000), Handshake: true, EndReason: decoder.EndCaptureEnd,
		Banner: ptr("ProFTPD 1.3.8 Server (Example FTP) [198.51.100.5]"),
		User:   ptr("admin"), Password: ptr("letmein"),
		Login: decoder.OutcomeSuccess, Mode: decoder.ModePassive, Commands: 40,
		Notes:      []string{"gap_in_control", "login_attempts_truncated"},
		LoginCount: 116,
	}
	for i := 0; i < 14; i++ {
		user := "admin"
		if i%3 == 1 {
			user = "root"
		}
		s.LoginAttempts = append(s.LoginAttempts, decoder.LoginAttempt{
			User: user, Password: ptr("pw" + string(rune('a'+i))), Outcome: decoder.OutcomeFailure,
			ReplyCode: ptr(530), Time: at(31000 + i*1000),
		})
	}
	s.LoginAttempts = append(s.LoginAttempts,
		decoder.LoginAttempt{User: "admin", Password: ptr("letmein"), Outcome: decoder.OutcomeSuccess, ReplyCode: ptr(230), Time: at(46000)},
		decoder.LoginAttempt{User: "admin", Outcome: decoder.OutcomeUnknown, Time: at(47000)},
	)
	s.Transfers = []*decoder.Transfer{{
		Command: "RETR", Arg: ptr("../../etc/shadow"), Path: ptr("/srv/ftp/very/long/directory/structure/that/keeps/going/and/going/until/the/table/must/cut/it/../../etc/shadow"),
		Direction: decoder.Download, Mode: decoder.ModePassive, Negotiation: "PASV",
		Advertised: ap("10.0.0.5:40500"), Status: ptr(426),
		Start: at(50000), End: at(50000),
		Notes: []string{"data_not_captured", "pasv_address_mismatch"},
	}}
	fixture.Annotate(s)
	return s
}

func fixtureSessions() []*decoder.Session {
	return []*decoder.Session{anonymousSession(), hostileSession(), tlsSession(), bruteSession()}
}

func fixtureSummary() decoder.Summary {
	return decoder.Summary{
		Sessions: 4, Transfers: 4, Logins: 3,
		Limits: map[string]int64{"max_transcript": 2, "max_expectations": 1},
	}
}
