package main

// Suricata-verify keeps assertions, not logs: each case below transcribes
// what its test.yaml asserts (and what suricata-verify/README.txt says of
// the capture) into the same terms as the Zeek comparison. Only what the
// test's non-default settings (max-tx, memcaps, stream depth, firewall
// drops) leave unchanged is compared.

// The canonical dialogues of suricata-verify/README.txt.
var (
	// P1, bug-3519/input.pcap: vsFTPd, active mode, control connection
	// only.
	p1Commands = []commandWant{
		{Verb: "USER", Count: 1}, {Verb: "PASS", Count: 1}, {Verb: "NLST", Count: 1},
		{Verb: "RETR", Count: 1}, {Verb: "QUIT", Count: 1}, {Verb: "PORT", Count: 2},
	}
	p1Ports = []negotiationWant{{Verb: "PORT", Port: 59914, Mode: "active"}, {Verb: "PORT", Port: 59926, Mode: "active"}}
	// P2, ftp-epsv/input.pcap: ProFTPD, four EPSV.
	p2Ports = []negotiationWant{
		{Verb: "EPSV", Port: 58612, Mode: "passive"}, {Verb: "EPSV", Port: 37100, Mode: "passive"},
		{Verb: "EPSV", Port: 36986, Mode: "passive"}, {Verb: "EPSV", Port: 35656, Mode: "passive"},
	}
	// P3 ("FTP Sandbox"): server 172.23.0.2, client 172.23.0.3.
	p3Server, p3Client = "172.23.0.2", "172.23.0.3"
)

// p3 is a P3 capture: one session of user, three data connections opened
// by verb (PORT or PASV), NLST, file transfer cmd of index.html (39
// bytes), NLST.
func p3(user, cmd, verb string) expectation {
	mode, src := "active", p3Server
	if verb == "PASV" {
		mode, src = "passive", p3Client
	}
	return expectation{
		Sessions:  1,
		Users:     []string{user},
		Passwords: []string{"password"},
		Commands: []commandWant{
			{Verb: "USER", Arg: user, Count: 1}, {Verb: "TYPE", Count: 3}, {Verb: verb, Count: 3},
			{Verb: "NLST", Count: 2}, {Verb: cmd, Arg: "index.html", Count: 1}, {Verb: "QUIT", Count: 1},
		},
		Negotiations: []negotiationWant{{Verb: verb, Mode: mode}, {Verb: verb, Mode: mode}, {Verb: verb, Mode: mode}},
		Transfers: []transferWant{
			{Command: "NLST", Count: 2, DataSrc: src, Mode: mode},
			{Command: cmd, Name: "index.html", Bytes: 39, DataSrc: src, Mode: mode},
		},
		DataConns: 3,
	}
}

// allData is the firewall 116/117 capture: a passive and an active
// session, each with STOR, APPE, STOU, LIST, NLST, MLSD and RETR.
func allData(family string, passive, active negotiationWant) expectation {
	name := func(mode, what string) string { return "all-data-" + family + "-" + mode + "-" + what + ".txt" }
	return expectation{
		Sessions:     2,
		Users:        []string{"alice", "alice"},
		Negotiations: []negotiationWant{passive, active},
		Transfers: []transferWant{
			{Command: "APPE", Name: name("passive", "stor-appe"), Mode: "passive"},
			{Command: "APPE", Name: name("active", "stor-appe"), Mode: "active"},
			{Command: "STOU", Name: name("passive", "stou"), Mode: "passive"},
			{Command: "STOU", Name: name("active", "stou"), Mode: "active"},
			{Command: "LIST", Count: 2},
			{Command: "MLSD", Count: 2},
		},
		DataConns: -1,
	}
}

func boolp(b bool) *bool { return &b }

// suricataCases lists every FTP test of suricata-verify/README.txt.
var suricataCases = []suricataCase{
	{
		Test: "bug-3519", Pcap: "input.pcap",
		Asserts: "P1, 8 ftp transactions (7 commands and the banner), no memory left accounted",
		Expect:  expectation{Sessions: 1, CommandTotal: 7, Commands: p1Commands, DataConns: -1},
	},
	{
		Test: "bug-4877", Pcap: "input.pcap", Extract: true,
		Asserts: "active vsFTPd, STOR/RETR of notepad.exe and test.pdf: 4 whole files with sizes and SHA-256, server data port 20",
		Expect: expectation{
			Sessions: 1, Users: []string{"anonymous"}, Passwords: []string{""},
			Transfers: []transferWant{
				{Command: "STOR", Name: "notepad.exe", Bytes: 69120, SHA256: "fefeac4c10bbe237cc6c861229ecaacbd2a366ac4fbd04a3862b62bd7a778093", ServerPort: 20, ClientPort: 57829, Mode: "active"},
				{Command: "RETR", Name: "notepad.exe", Bytes: 69120, SHA256: "fefeac4c10bbe237cc6c861229ecaacbd2a366ac4fbd04a3862b62bd7a778093", ServerPort: 20, ClientPort: 48902, Mode: "active"},
				{Command: "STOR", Name: "test.pdf", Bytes: 118196, SHA256: "7d400735ff3054837da5d92a10ad2faa8b6825f100dc167a6b008e753015b382", ServerPort: 20, ClientPort: 42987, Mode: "active"},
				{Command: "RETR", Name: "test.pdf", Bytes: 118196, SHA256: "7d400735ff3054837da5d92a10ad2faa8b6825f100dc167a6b008e753015b382", ServerPort: 20, ClientPort: 52407, Mode: "active"},
			},
			DataConns: 4,
		},
	},
	{
		Test: "bug-8489-01", Pcap: "bug-8489-01.pcap",
		Asserts: "max-tx=1 (setting), PWD PWD pipelined in one segment without replies",
		Expect: expectation{Sessions: 1, CommandTotal: 4, Commands: []commandWant{{Verb: "USER", Count: 1}, {Verb: "PASS", Count: 1}, {Verb: "PWD", Count: 2}},
			Replies: []replyWant{{Verb: "PWD", Codes: []string{"", ""}}}, DataConns: -1},
	},
	{
		Test: "bug-8489-02", Pcap: "bug-8489-02.pcap",
		Asserts: "max-tx=10, NOOP, PWD, TYPE I each answered: 6 transactions (5 commands and the banner)",
		Expect: expectation{Sessions: 1, CommandTotal: 5, AllReplied: true,
			Replies:   []replyWant{{Verb: "NOOP", Codes: []string{"200"}}, {Verb: "PWD", Codes: []string{"257"}}, {Verb: "TYPE", Codes: []string{"200"}}},
			DataConns: -1},
	},
	{
		Test: "bug-8489-03", Pcap: "bug-8489-03.pcap",
		Asserts: "max-tx=1 (setting), three pipelined PWD then CWD /tmp (Suricata drops CWD at its transaction limit)",
		Expect:  expectation{Sessions: 1, CommandTotal: 6, Commands: []commandWant{{Verb: "PWD", Count: 3}, {Verb: "CWD", Arg: "/tmp", Count: 1}}, DataConns: -1},
	},
	{
		Test: "detect-app-layer-protocol-03", Pcap: "input.pcap",
		Asserts: "data-channel-only slice of the output-eve-ftp-data capture: no FTP control connection",
		Expect:  expectation{Sessions: 0, DataConns: 0},
	},
	{
		Test: "feature-5976-zero-stats-02", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1, statistics only",
		Expect:  expectation{Sessions: 1, DataConns: -1},
	},
	{
		Test: "filestore-ftp-active-mode", Pcap: "ftp-active-mode.pcap",
		Asserts: "PORT 127,0,0,1,156,67 and RETR index.html (39 bytes): one file stored",
		Expect: expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PORT", Port: 40003, Mode: "active"}},
			Transfers: []transferWant{{Command: "RETR", Name: "index.html", Bytes: 39, Mode: "active"}}, DataConns: 1},
	},
	{
		Test: "filestore-ftp-passive-mode", Pcap: "ftp-passive-mode.pcap",
		Asserts: "PASV (127,0,0,1,185,13) and RETR index.html: one file stored",
		Expect: expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PASV", Port: 47373, Mode: "passive"}},
			Transfers: []transferWant{{Command: "RETR", Name: "index.html", Bytes: 39, Mode: "passive"}}, DataConns: 1},
	},
	{
		Test: "filestore-v2.7-stream-depth", Pcap: "input.pcap",
		Asserts: "PORT 192,168,169,173,230,15, RETR from server port 20; stream-depth 100000 (setting) truncates the file at 99400",
		Expect: expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PORT", Port: 58895, Mode: "active"}},
			Transfers: []transferWant{{Command: "RETR", Name: "ACam_img_20200613_150004_619.fff", DataSrc: "35.209.241.59", ServerPort: 20}}, DataConns: 1},
	},
	{
		Test: "filestore-v2.8-stream-depth", Pcap: "ref__filestore-v2.7-stream-depth__input.pcap",
		Asserts: "same capture, stream-depth 1mb: the whole file, 157548 bytes",
		Expect: expectation{Sessions: 1,
			Transfers: []transferWant{{Command: "RETR", Name: "ACam_img_20200613_150004_619.fff", Bytes: 157548, ServerPort: 20}}, DataConns: 1},
	},
	{
		Test: "filestore-v2.9-stream-depth", Pcap: "ref__filestore-v2.7-stream-depth__input.pcap",
		Asserts: "same capture, stream-depth 0: the whole file, 157548 bytes",
		Expect: expectation{Sessions: 1,
			Transfers: []transferWant{{Command: "RETR", Name: "ACam_img_20200613_150004_619.fff", Bytes: 157548, ServerPort: 20}}, DataConns: 1},
	},
	{
		Test: "ftp-active-dynamic_port-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: ftp.dynamic_port 59914 and 59926 on the PORT transactions",
		Expect:  expectation{Sessions: 1, Negotiations: p1Ports, NegotiationTotal: 2, DataConns: -1},
	},
	{
		Test: "ftp-active-dynamic_port-02", Pcap: "ftp-active-dynamic_port.pcap",
		Asserts: "EPRT |2|<IPv6>|34325| over an IPv4 control connection: dynamic_port 34325",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "EPRT", Count: 1}},
			Negotiations: []negotiationWant{{Verb: "EPRT", Port: 34325, Mode: "active"}}, DataConns: -1},
	},
	{
		Test: "ftp-bounce", Pcap: "test.pcap",
		Asserts: "two sessions, PORT to the client (59549) and PORT to a third party (80, ftpbounce alert)",
		Expect: expectation{Sessions: 2, Users: []string{"anonymous", "anonymous"},
			Negotiations: []negotiationWant{{Verb: "PORT", Port: 59549, Mode: "active"}, {Verb: "PORT", Port: 80, Mode: "active"}},
			Replies:      []replyWant{{Verb: "PORT", Codes: []string{"200", "200"}}},
			Bounce:       []bool{false, true}, DataConns: 0},
	},
	{
		Test: "ftp-command-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: ftp.command PASS, USER, NLST, RETR, QUIT once each, PORT twice",
		Expect:  expectation{Sessions: 1, Commands: p1Commands, DataConns: -1},
	},
	{
		Test: "ftp-command-02", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "rules mixing ftp.command with flow:to_client are rejected (rule parsing only)",
		Expect:  expectation{Sessions: 1, DataConns: -1},
	},
	{
		Test: "ftp-command-data-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: command_data anonymous (USER, PASS), temp.txt (RETR), 192,168,0,13,234,10 (PORT)",
		Expect: expectation{Sessions: 1, Commands: []commandWant{
			{Verb: "USER", Arg: "anonymous", Count: 1}, {Verb: "PASS", Arg: "anonymous", Count: 1},
			{Verb: "RETR", Arg: "temp.txt", Count: 1}, {Verb: "PORT", Arg: "192,168,0,13,234,10", Count: 1},
		}, DataConns: -1},
	},
	{
		Test: "ftp-completion-code-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: completion codes per transaction, RETR and NLST [150,226]",
		Expect: expectation{Sessions: 1, Replies: []replyWant{
			{Verb: "RETR", Codes: []string{"150,226"}, Texts: []string{"Transfer complete."}},
			{Verb: "NLST", Codes: []string{"150,226"}, Texts: []string{"Directory send OK."}},
			{Verb: "USER", Codes: []string{"331"}}, {Verb: "PASS", Codes: []string{"230"}}, {Verb: "QUIT", Codes: []string{"221"}},
		}, Transfers: []transferWant{{Command: "RETR", Name: "temp.txt", Announced: 1164}}, DataConns: -1},
	},
	{Test: "ftp-download-active", Pcap: "input.pcap", Asserts: "P3 active RETR: ftp_data from 172.23.0.2 to 172.23.0.3", Expect: p3("bob", "RETR", "PORT")},
	{Test: "ftp-download-passive", Pcap: "input.pcap", Asserts: "P3 passive RETR: ftp_data from 172.23.0.3 to 172.23.0.2", Expect: p3("bob", "RETR", "PASV")},
	{
		Test: "ftp-epsv", Pcap: "input.pcap",
		Asserts: "P2: exactly one EPSV with dynamic_port 58612 (the others 37100, 36986, 35656)",
		Expect: expectation{Sessions: 1, Users: []string{"ftp"}, Passwords: []string{"ftp"},
			Negotiations: p2Ports, NegotiationTotal: 4,
			Transfers: []transferWant{{Command: "RETR", Name: "resume.doc", Mode: "passive"}, {Command: "STOR", Name: "README", Mode: "passive"}, {Command: "LIST", Count: 2}},
			Replies:   []replyWant{{Verb: "SITE", Codes: []string{"550"}}}, DataConns: -1},
	},
	{Test: "ftp-invalid-config", Asserts: "configuration values are rejected (no traffic)"},
	{
		Test: "ftp-ippair-leak-5204", Pcap: "input.pcap",
		Asserts: "P1-like flows replayed 10 times with unique IPs: 10 ftp flows, 20 ftp-data flows",
		Expect:  expectation{Sessions: 10, DataConns: 20},
	},
	{
		Test: "ftp-mode-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: ftp.mode active on the two PORT transactions",
		Expect:  expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PORT", Mode: "active"}, {Verb: "PORT", Mode: "active"}}, NegotiationTotal: 2, DataConns: -1},
	},
	{
		Test: "ftp-mode-02", Pcap: "ref__ftp-epsv__input.pcap",
		Asserts: "P2: ftp.mode passive on the four EPSV transactions",
		Expect:  expectation{Sessions: 1, Negotiations: p2Ports, NegotiationTotal: 4, DataConns: -1},
	},
	{Test: "ftp-mode-03", Asserts: "invalid ftp.mode values are rejected (rule parsing only)"},
	{
		Test: "ftp-passive-dynamic_port-01", Pcap: "ref__ftp-epsv__input.pcap",
		Asserts: "P2: EPSV with dynamic_port 58612",
		Expect:  expectation{Sessions: 1, Negotiations: p2Ports[:1], DataConns: -1},
	},
	{
		Test: "ftp-passive-dynamic_port-02", Pcap: "ftp-passive-dynamic_port.pcap",
		Asserts: "227 (2,2,2,2,185,13): PASV dynamic_port 47373; RETR then gets 550",
		Expect: expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PASV", Port: 47373, Mode: "passive"}},
			Replies: []replyWant{{Verb: "RETR", Codes: []string{"550"}}}, DataConns: -1},
	},
	{
		Test: "ftp-port-memcap", Pcap: "input.pcap",
		Asserts: "fuzzed P2 with PORT 1234 and a 64-digit PORT: two PORT transactions, no crash",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "PORT", Count: 2}},
			Negotiations: []negotiationWant{{Verb: "PORT", Port: -1}, {Verb: "PORT", Port: -1}}, DataConns: -1},
	},
	{
		Test: "ftp-quit", Pcap: "input.pcap",
		Asserts: "midstream capture with only the client's QUIT: one FTP flow",
		Expect:  expectation{Sessions: 1, Commands: []commandWant{{Verb: "QUIT", Count: 1}}, DataConns: -1},
	},
	{
		Test: "ftp-reply-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: ftp.reply texts",
		Expect: expectation{Sessions: 1, Replies: []replyWant{
			{Verb: "USER", Codes: []string{"331"}, Texts: []string{"Please specify the password."}},
			{Verb: "RETR", Codes: []string{"150,226"}, Texts: []string{"Transfer complete."}},
			{Verb: "QUIT", Codes: []string{"221"}, Texts: []string{"Goodbye."}},
			{Verb: "NLST", Codes: []string{"150,226"}, Texts: []string{"Directory send OK."}},
		}, DataConns: -1},
	},
	{
		Test: "ftp-reply-received-01", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: reply_received yes on all 7 commands",
		Expect:  expectation{Sessions: 1, CommandTotal: 7, AllReplied: true, DataConns: -1},
	},
	{
		Test: "ftp-reply-received-02", Pcap: "ref__ftp__ftp-too-long-response__ftp-too-long-response.pcap", MaxLine: 4096,
		Asserts: "every request, the PASV with the 116 KB reply included, got a reply",
		Expect:  expectation{Sessions: 1, AllReplied: true, DataConns: -1},
	},
	{Test: "ftp-reply-received-03", Asserts: "invalid reply_received values are rejected (rule parsing only)"},
	{
		Test: "ftp-retr-bypass-baseline", Pcap: "input.pcap",
		Asserts: "USER, PASS, PORT, RETR secret_file.txt, CWD /, QUIT: 7 transactions; RETR and CWD seen",
		Expect: expectation{Sessions: 1, Users: []string{"testuser"}, Passwords: []string{"testpass"}, CommandTotal: 6,
			Commands:     []commandWant{{Verb: "RETR", Arg: "secret_file.txt", Count: 1}, {Verb: "CWD", Arg: "/", Count: 1}},
			Negotiations: []negotiationWant{{Verb: "PORT", Port: 51300, Mode: "active"}}, DataConns: -1},
	},
	{
		Test: "ftp-retr-bypass-realserver", Pcap: "input.pcap",
		Asserts: "RETR without PORT/PASV answered 425; the CWD after it is still seen",
		Expect: expectation{Sessions: 1, CommandTotal: 5,
			Commands: []commandWant{{Verb: "RETR", Arg: "secret_file.txt", Count: 1}, {Verb: "CWD", Arg: "/", Count: 1}},
			Replies:  []replyWant{{Verb: "RETR", Codes: []string{"425"}}}, NegotiationTotal: 0, DataConns: -1},
	},
	{
		Test: "ftp-too-long-command", Pcap: "ftp-too-long-command.pcap", MaxLine: 4096,
		Asserts: "5007-byte RETR line cut at the 4 KiB default limit (4091 bytes of argument), the next RETR index.html intact",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "RETR", Count: 2}, {Verb: "RETR", ArgLen: 4091, Count: 1}, {Verb: "RETR", Arg: "index.html", Count: 1}},
			Truncated: boolp(true), DataConns: -1},
	},
	{
		Test: "ftp-too-long-command-buffered", Pcap: "ftp-too-long-command.pcap", MaxLine: 4096,
		Asserts: "a long RETR spread over ~1024-byte segments is cut; the next RETR index.html intact",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "RETR", Count: 2}, {Verb: "RETR", Arg: "index.html", Count: 1}},
			Truncated: boolp(true), DataConns: -1},
	},
	{
		Test: "ftp-too-long-command-first", Pcap: "ftp-too-long-command.pcap", MaxLine: 4096,
		Asserts: "a 4097-byte first segment without LF: RETR cut to 4091 bytes of argument",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "RETR", Count: 2}, {Verb: "RETR", ArgLen: 4091, Count: 1}, {Verb: "RETR", Arg: "index.html", Count: 1}},
			Truncated: boolp(true), DataConns: -1},
	},
	{
		Test: "ftp-too-long-command-higher-limit", Pcap: "ftp-too-long-command.pcap", MaxLine: 5 << 10,
		Asserts: "max-line-length 5kb: both RETR intact",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "RETR", Count: 2}, {Verb: "RETR", Arg: "index.html", Count: 1}},
			Truncated: boolp(false), DataConns: -1},
	},
	{
		Test: "ftp-too-long-response", Pcap: "ftp-too-long-response.pcap", MaxLine: 4096,
		Asserts: "PASV answered by a ~116 KB 227 line: reply truncated, no dynamic port",
		Expect: expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PASV", Port: -1}},
			Replies:   []replyWant{{Verb: "RETR", Codes: []string{"550", "550"}}},
			Truncated: boolp(true), DataConns: -1},
	},
	{Test: "ftp-upload-active", Pcap: "input.pcap", Asserts: "P3 active STOR: ftp_data from 172.23.0.2 to 172.23.0.3", Expect: p3("alice", "STOR", "PORT")},
	{Test: "ftp-upload-passive", Pcap: "input.pcap", Asserts: "P3 passive STOR: ftp_data from 172.23.0.3 to 172.23.0.2", Expect: p3("alice", "STOR", "PASV")},
	{Test: "ftpbounce", Asserts: "engine analysis of the ftpbounce keyword (no traffic)"},
	{Test: "irc", Pcap: "input.pcap", Asserts: "IRC is not FTP: no ftp flow", Expect: expectation{Sessions: 0, DataConns: 0}},
	{
		Test: "output-eve-ftp", Pcap: "ref__bug-3519__input.pcap",
		Asserts: "P1: 8 ftp events, USER/PASS/NLST/RETR/QUIT once, PORT twice; PASS 230 Login successful.",
		Expect: expectation{Sessions: 1, CommandTotal: 7, Commands: p1Commands,
			Replies: []replyWant{
				{Verb: "PASS", Codes: []string{"230"}, Texts: []string{"Login successful."}},
				{Verb: "NLST", Codes: []string{"150,226"}, Texts: []string{"Directory send OK."}},
			}, DataConns: -1},
	},
	{
		Test: "output-eve-ftp-data", Pcap: "input.pcap",
		Asserts: "P1 with its data connections: ftp_data RETR temp.txt, 2 ftp_data in all",
		Expect: expectation{Sessions: 1, Negotiations: p1Ports,
			Transfers: []transferWant{{Command: "RETR", Name: "temp.txt", Bytes: 1164, DataSrc: "192.168.0.10", Mode: "active"}, {Command: "NLST", Mode: "active"}},
			DataConns: 2},
	},
	{Test: "pop3", Pcap: "input.pcap", Asserts: "POP3 USER is not FTP: no ftp flow", Expect: expectation{Sessions: 0, DataConns: 0}},
	{Test: "ruletype-firewall-111-ftp-download-active", Pcap: "ref__ftp__ftp-download-active__input.pcap", Asserts: "P3 active download: 3 ftp_data, 1 file", Expect: p3("bob", "RETR", "PORT")},
	{Test: "ruletype-firewall-112-ftp-download-passive", Pcap: "ref__ftp__ftp-download-passive__input.pcap", Asserts: "P3 passive download: ftp_data RETR 1, NLST 2", Expect: p3("bob", "RETR", "PASV")},
	{Test: "ruletype-firewall-113-ftp-upload-active", Pcap: "ref__ftp__ftp-upload-active__input.pcap", Asserts: "P3 active upload: ftp_data STOR 1, NLST 2", Expect: p3("alice", "STOR", "PORT")},
	{Test: "ruletype-firewall-114-ftp-upload-passive", Pcap: "ref__ftp__ftp-upload-passive__input.pcap", Asserts: "P3 passive upload: ftp_data STOR 1, NLST 2", Expect: p3("alice", "STOR", "PASV")},
	{
		Test: "ruletype-firewall-115-ftp-download-active-user", Pcap: "ref__ftp__ftp-download-active__input.pcap",
		Asserts: "USER bob, 230 after PASS, ftp.mode active on 3 PORT",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "USER", Arg: "bob", Count: 1}},
			Replies:      []replyWant{{Verb: "PASS", Codes: []string{"230"}}},
			Negotiations: []negotiationWant{{Verb: "PORT", Mode: "active"}, {Verb: "PORT", Mode: "active"}, {Verb: "PORT", Mode: "active"}}, NegotiationTotal: 3, DataConns: -1},
	},
	{
		Test: "ruletype-firewall-116-ftp-all-data-ipv4", Pcap: "input.pcap",
		Asserts: "APPE and STOU file names per mode, LIST and MLSD without file name",
		Expect:  allData("ipv4", negotiationWant{Verb: "PASV", Mode: "passive"}, negotiationWant{Verb: "PORT", Mode: "active"}),
	},
	{
		Test: "ruletype-firewall-117-ftp-all-data-ipv6", Pcap: "input.pcap",
		Asserts: "the same over IPv6: 229 (|||21008|). and EPRT |2|fd00:10:16:1::3|40467|",
		Expect:  allData("ipv6", negotiationWant{Verb: "EPSV", Port: 21008, Mode: "passive"}, negotiationWant{Verb: "EPRT", Port: 40467, Mode: "active"}),
	},
	{
		Test: "ruletype-firewall-118-ftp-stou-no-filename-active", Pcap: "input.pcap",
		Asserts: "bare STOU: file name placeholder <stou>",
		Expect: expectation{Sessions: 1, Commands: []commandWant{{Verb: "STOU", Count: 1}},
			Transfers: []transferWant{{Command: "STOU", Name: "<stou>", Mode: "active"}}, DataConns: 1},
	},
	{
		Test: "ruletype-firewall-119-ftp-non-anonymous-default-allow", Pcap: "ref__ftp__ftp-download-active__input.pcap",
		Asserts: "firewall drops USER bob (setting): only the banner is logged",
		Expect:  expectation{Sessions: 1, Users: []string{"bob"}, DataConns: -1},
	},
	{
		Test: "ruletype-firewall-120-ftp-drop-by-dynamic-port", Pcap: "ref__ftp__ftp-download-active__input.pcap",
		Asserts: "firewall drops data connections to dynamic ports above 1024 (setting)",
		Expect:  expectation{Sessions: 1, Negotiations: []negotiationWant{{Verb: "PORT", Mode: "active"}, {Verb: "PORT", Mode: "active"}, {Verb: "PORT", Mode: "active"}}, DataConns: -1},
	},
	{
		Test: "ruletype-firewall-121-ftp-bounce", Pcap: "ref__ftp__ftp-bounce__test.pcap",
		Asserts: "ftpbounce blocks session 58316; the valid session still logs QUIT with its reply",
		Expect: expectation{Sessions: 2, Bounce: []bool{false, true},
			Replies: []replyWant{{Verb: "QUIT", Codes: []string{"221", "221"}}}, DataConns: 0},
	},
	{
		Test: "sip-method", Pcap: "sip.pcap",
		Asserts: "SIP test; its capture holds a real ProFTPD anonymous session (PASS d0xa!, PASV, RETR SiteStat.xml 550)",
		Expect: expectation{Sessions: 1, Users: []string{"anonymous"}, Passwords: []string{"d0xa!"},
			Negotiations: []negotiationWant{{Verb: "PASV", Port: 58999, Mode: "passive"}},
			Replies:      []replyWant{{Verb: "RETR", Codes: []string{"550"}}}, DataConns: -1},
	},
}
