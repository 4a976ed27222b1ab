package main

import (
	"fmt"
	"regexp"
	"strings"
)

// This file is the expectations table: which peer result each capture is
// compared with, and why each remaining disagreement is not a failure.
// Zeek's results are read from its baseline logs at run time; Suricata's
// are transcribed here from each test's test.yaml and the corpus
// README.txt (suricata-verify keeps no output logs, only assertions).

// zeekCases lists every FTP trace of the Zeek corpus with the baselines
// that check it (zeek/README.txt, "TRACE -> BASELINES MAP").
var zeekCases = []zeekCase{
	{
		Name:     "ftp-ipv4",
		Trace:    "ftp/ipv4.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-ipv4/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-ipv4/conn.log"},
		Events:   "signatures.dpd/dpd-ipv4.out",
	},
	{
		// logged_commands += CWD, USER; max_arg_length=13,
		// max_reply_msg_length=17.
		Name:      "ftp-max-arg-length",
		Trace:     "ftp/ipv4.pcap",
		FTPLog:    "scripts.base.protocols.ftp.ftp-max-arg-length/ftp.log",
		Extra:     []string{"CWD", "USER"},
		Truncated: true,
	},
	{
		// max_user_length=4, max_password_length=2, default_capture_password=T.
		Name:             "ftp-max-user-length",
		Trace:            "ftp/ipv4.pcap",
		FTPLog:           "scripts.base.protocols.ftp.ftp-max-user-length/ftp.log",
		CapturePasswords: true,
		Truncated:        true,
	},
	{
		Name:     "ftp-ipv6",
		Trace:    "ftp/ipv6.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-ipv6/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-ipv6/conn.log"},
		Events:   "signatures.dpd/dpd-ipv6.out",
	},
	{
		Name:   "ftp-multiline-reply",
		Trace:  "ftp/ipv6-multiline-reply.pcap",
		FTPLog: "scripts.base.protocols.ftp.ftp-multiline-reply/ftp.log",
		Extra:  []string{"<init>", "USER", "PASS"},
		Lines:  "scripts.base.protocols.ftp.ftp-multiline-reply/out",
	},
	{
		Name:   "policy ftp (detect, bruteforcing)",
		Trace:  "ftp/ipv6-multiline-reply.pcap",
		FTPLog: "scripts.policy.protocols.ftp.ftp/ftp.log",
	},
	{
		Name:   "ftp-samba-retr",
		Trace:  "ftp/ipv6-retr-samba.pcap",
		FTPLog: "scripts.base.protocols.ftp.ftp-samba-retr/ftp.log",
		Extra:  []string{"USER", "PASS", "RETR"},
		Lines:  "scripts.base.protocols.ftp.ftp-samba-retr/out",
	},
	{
		// No ftp.log: Zeek reports a protocol violation on the SSH banner
		// sent in answer to PASS. README.txt gives the session.
		Name:  "ipv6-violation (README)",
		Trace: "ftp/ipv6-violation.pcap",
		Expect: &expectation{
			Sessions:  1,
			Control:   []string{"[2001:470:1f05:17a6:d69a:20ff:fefd:6b88]:24316->[2001:6a8:a40::21]:21"},
			Users:     []string{"anonymous"},
			Passwords: []string{"michael@sponge.es.net"},
			DataConns: -1,
		},
	},
	{
		// No ftp.log; the file analysis baselines give the RETR payload.
		Name:  "retr (file analysis)",
		Trace: "ftp/retr.pcap",
		File: &zeekFile{
			Conn:      "141.142.228.5:50737->141.142.192.162:38141",
			Out:       "scripts.base.frameworks.file-analysis.ftp/out",
			Extracted: "scripts.base.files.extract.limit/extract_files.3",
		},
		Expect: &expectation{
			Sessions:     1,
			Control:      []string{"141.142.228.5:50736->141.142.192.162:21"},
			Users:        []string{"anonymous"},
			Passwords:    []string{"chrome@example.com"},
			Negotiations: []negotiationWant{{Verb: "EPSV", Port: 38141, Mode: "passive"}},
			DataConns:    -1,
		},
	},
	{
		Name:     "large-file-reassembly",
		Trace:    "ftp/bigtransfer.pcap",
		ConnLogs: []string{"core.tcp.large-file-reassembly/conn.log"},
		Expect: &expectation{
			Sessions: -1,
			// README.txt: USER ftp with no PASS (230 right after USER).
			Users:     []string{"ftp"},
			Passwords: []string{"(none)"},
			Commands:  []commandWant{{Verb: "PASS", Count: 0}, {Verb: "EPSV", Count: 2}, {Verb: "SIZE", Count: 1}},
			DataConns: 2,
		},
	},
	{
		Name:     "cwd-navigation",
		Trace:    "ftp/cwd-navigation.pcap",
		FTPLog:   "scripts.base.protocols.ftp.cwd-navigation/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.cwd-navigation/conn.log"},
	},
	{
		Name:   "ftp-get-file-size",
		Trace:  "ftp/ftp-with-numbers-in-filename.pcap",
		FTPLog: "scripts.base.protocols.ftp.ftp-get-file-size/ftp.log",
	},
	{
		Name:   "bruteforce",
		Trace:  "ftp/bruteforce.pcap",
		FTPLog: "scripts.policy.protocols.ftp.bruteforce/ftp.log",
	},
	{
		Name:             "ftp-password-pass-command",
		Trace:            "ftp/ftp-password-pass-command.pcap",
		FTPLog:           "scripts.base.protocols.ftp.ftp-password-pass-command/ftp.log",
		ConnLogs:         []string{"scripts.base.protocols.ftp.ftp-password-pass-command/conn.log"},
		Extra:            []string{"USER", "PASS", "SYST", "QUIT"},
		CapturePasswords: true,
	},
	{
		Name:   "ftp-password-pass-command-hidden",
		Trace:  "ftp/ftp-password-pass-command.pcap",
		FTPLog: "scripts.base.protocols.ftp.ftp-password-pass-command-hidden/ftp.log",
		Extra:  []string{"USER", "PASS", "SYST", "QUIT"},
	},
	{
		Name:     "ftp-auth-tls",
		Trace:    "ftp/ftp-auth-tls.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-auth-tls/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-auth-tls/conn.log"},
		Extra:    []string{"<init>", "AUTH"},
	},
	{
		Name:     "ftp-invalid-reply-code",
		Trace:    "ftp/ftp-invalid-reply-code.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-invalid-reply-code/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-invalid-reply-code/conn.log"},
		Extra:    []string{"USER", "PASS", "SYST", "QUIT"},
	},
	{
		Name:     "ftp-missing-reply-code",
		Trace:    "ftp/ftp-missing-reply-code.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-missing-reply-code/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-missing-reply-code/conn.log"},
		Extra:    []string{"USER", "PASS", "SYST", "QUIT"},
	},
	{
		Name:     "ftp-missing-space-after-reply-code",
		Trace:    "ftp/ftp-missing-space-after-reply-code.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-missing-space-after-reply-code/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-missing-space-after-reply-code/conn.log"},
		Extra:    []string{"USER", "PASS", "SYST", "QUIT"},
	},
	{
		// max_command_length=100: Zeek drops the 132-byte commands.
		Name:     "ftp-max-command-length",
		Trace:    "ftp/fake-long-commands.pcap",
		FTPLog:   "scripts.base.protocols.ftp.ftp-max-command-length/ftp.log",
		ConnLogs: []string{"scripts.base.protocols.ftp.ftp-max-command-length/conn.log"},
		Extra:    []string{"USER", "SYST"},
	},
	{
		// max_pending_commands=5: Zeek drops PASV, RETR and PORT.
		Name:       "ftp-max-pending-commands",
		Trace:      "ftp/fake-server-delays-all.pcap",
		FTPLog:     "scripts.base.protocols.ftp.ftp-max-pending-commands/ftp.log",
		ConnLogs:   []string{"scripts.base.protocols.ftp.ftp-max-pending-commands/conn.log"},
		Extra:      []string{"USER", "SYST"},
		SubsetOnly: true,
	},
	{
		// max_expected_data_channels=499 caps Zeek's table; README.txt
		// gives what the client sent: 500 pipelined PORTs for 10.0.0.200,
		// ports from 20001.
		Name:  "expected-data-channel-cap (README)",
		Trace: "ftp/ftp-many-port-expected.pcap.gz",
		Expect: &expectation{
			Sessions:         1,
			Control:          []string{"10.0.0.1:49152->10.0.0.2:21"},
			Commands:         []commandWant{{Verb: "PORT", Count: 500}},
			NegotiationTotal: 500,
			Negotiations:     []negotiationWant{{Verb: "PORT", Port: 20001, Mode: "active"}, {Verb: "PORT", Port: 20500, Mode: "active"}},
			DataConns:        0,
		},
	},
	{
		Name:     "gridftp",
		Trace:    "globus-url-copy.pcap",
		ConnLogs: []string{"scripts.base.protocols.ftp.gridftp/conn.log"},
	},
	{
		Name:  "bad-adat-encoding (no crash)",
		Trace: "globus-url-copy-bad-encoding.pcap",
		Expect: &expectation{
			Sessions:  1,
			DataConns: -1,
		},
	},
}

// verdict says why a disagreement is not a test failure.
type verdict int

const (
	// peerQuirk: the peer's result is wrong (a documented quirk).
	peerQuirk verdict = iota + 1
	// peerSetting: the peer's test runs with a non-default setting (or a
	// default limit that differs from ftpsniff's) that changes the value.
	peerSetting
	// ftpsniffLimit: the peer reports something no passive decoder can
	// read from the capture (an encrypted negotiation, what lost bytes
	// held); ftpsniff does not guess.
	ftpsniffLimit
	// ftpsniffBug: ftpsniff is wrong; the bug is open.
	ftpsniffBug
)

func (v verdict) String() string {
	switch v {
	case peerQuirk:
		return "peer quirk"
	case peerSetting:
		return "peer setting"
	case ftpsniffLimit:
		return "ftpsniff limitation"
	case ftpsniffBug:
		return "OPEN FTPSNIFF BUG"
	}
	return "?"
}

// explanation covers the disagreements of one capture whose item equals
// Item, or starts with it when Item ends in "*". When Rows is set, the
// item must be "row N <Item>" with Rows[0] <= N <= Rows[1] (ftp.log rows).
// When Got is set, ftpsniff's value must match it: the explanation is
// about that value, and a change of behaviour must revisit it.
type explanation struct {
	Peer    string
	Capture string
	Item    string
	Rows    [2]int
	Got     *regexp.Regexp
	Verdict verdict
	Why     string
}

func (e explanation) matches(o *outcome, c check) bool {
	if e.Peer != o.Peer || e.Capture != o.Name {
		return false
	}
	item := c.Item
	if e.Rows != [2]int{} {
		var n int
		var rest string
		num, after, ok := strings.Cut(strings.TrimPrefix(item, "row "), " ")
		if !strings.HasPrefix(item, "row ") || !ok {
			return false
		}
		if _, err := fmt.Sscan(num, &n); err != nil || n < e.Rows[0] || n > e.Rows[1] {
			return false
		}
		rest = after
		item = rest
	}
	if e.Got != nil && !e.Got.MatchString(c.Got) {
		return false
	}
	if p, ok := strings.CutSuffix(e.Item, "*"); ok {
		return strings.HasPrefix(item, p)
	}
	return e.Item == item
}

// explanations lists every known disagreement. docs/conformance.md tells
// the longer story of each.
var explanations = []explanation{
	// Zeek: the unsolicited 221 overwrites the pending RETR's 550.
	{Peer: "zeek", Capture: "ftp-multiline-reply", Item: "row 5 RETR reply_*", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(550|libssh-0\.5\.2\.tar\.gz: No such file or directory\.)$`),
		Why: "RETR was answered 550; the trace has no QUIT, and Zeek writes the unsolicited 221 that follows into the still-open RETR record (README.txt). ftpsniff pairs RETR with its 550 and counts the 221 as unsolicited."},
	{Peer: "zeek", Capture: "policy ftp (detect, bruteforcing)", Item: "row 2 RETR reply_*", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(550|libssh-0\.5\.2\.tar\.gz: No such file or directory\.)$`),
		Why: "same trace and quirk as ftp-multiline-reply: the unsolicited 221 replaces RETR's 550 in Zeek's record."},

	// Zeek: commands lost in capture gaps.
	{Peer: "zeek", Capture: "cwd-navigation", Item: "PASV reply_*", Rows: [2]int{111, 111}, Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(227|Entering Passive Mode \(205,167,25,101,241,103\)\.)$`),
		Why: "the RETR after this PASV is lost in the capture (27 client bytes missing at 21:51:53.799); Zeek writes its orphaned 150/226 replies into the PASV record. ftpsniff keeps PASV's own 227 and counts 150/226 as unsolicited."},
	{Peer: "zeek", Capture: "cwd-navigation", Item: "PASV reply_*", Rows: [2]int{595, 595}, Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(227|Entering Passive Mode \(205,167,25,101,248,59\)\.)$`),
		Why: "as row 111: the RETR is lost (27 client bytes missing at 21:55:25.129) and Zeek gives its 226 to the PASV."},
	// ftpsniff: the working directory is unknown after client bytes are
	// lost (a CWD may have been among them); paths stay as sent.
	{Peer: "zeek", Capture: "cwd-navigation", Item: "RETR path", Rows: [2]int{113, 525}, Verdict: ftpsniffLimit,
		Got: regexp.MustCompile(`^[0-9]{6}-[0-9]{5}-[0-9]{4}\.gz$`),
		Why: "27 client bytes are lost at 21:51:53.799, after row 111. They held a RETR, so Zeek's paths stay right, but nothing in the capture proves that no CWD was among them: from there ftpsniff does not resolve paths against the working directory (note cwd_unknown) and reports each RETR argument as sent, until a 257 reply or an absolute CWD, which this session never sends."},
	{Peer: "zeek", Capture: "cwd-navigation", Item: "RETR path", Rows: [2]int{526, 1181}, Verdict: peerQuirk,
		Got: regexp.MustCompile(`^[0-9]{6}-[0-9]{5}-[0-9]{4}\.gz$`),
		Why: "the 250 answering CWD 2014 is lost (28 server bytes missing at 21:54:54.513), so Zeek never enters 2014 and every later path is one level short (isd-lite/721028-99999-2014.gz, then noaa/2015/...), against the NOAA layout isd-lite/<year>/<station>-<year>.gz the file names show. ftpsniff, whose directory is unknown since the client bytes lost after row 111 (and again at 21:54:54.513, a TYPE I), reports the argument as sent."},
	{Peer: "zeek", Capture: "cwd-navigation", Item: "RETR path", Rows: [2]int{1183, 1375}, Verdict: peerQuirk,
		Got: regexp.MustCompile(`^[0-9]{6}-[0-9]{5}-[0-9]{4}\.gz$`),
		Why: "the command CWD 1974 is lost (10 client bytes missing at 21:59:39.737) together with the 250 of the CWD ../ before it (28 server bytes); Zeek pairs the remaining 250 with CWD ../ and from here its paths are two levels short (pub/data/1975/...). ftpsniff reports the argument as sent (note cwd_unknown): no decoder can know the directory after a lost client command."},

	// Zeek gives up at a malformed reply and logs a stale one; ftpsniff
	// notes bad_reply, leaves the command unanswered and pairs the next
	// valid reply by plausibility.
	{Peer: "zeek", Capture: "ftp-invalid-reply-code", Item: "row 3 PASV reply_*", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(\(none\)|)$`),
		Why: "PASV was answered by the malformed line \"99 PASV invalid\": it got no valid reply, which is what ftpsniff reports (with a bad_reply note). Zeek logs the stale 230 \"PASS OK\" of the previous command."},
	{Peer: "zeek", Capture: "ftp-invalid-reply-code", Item: "127.0.0.1:51354->127.0.0.1:21 command 4 QUIT", Verdict: peerQuirk,
		Why: "Zeek removes its FTP analyzer at the protocol violation and never sees the QUIT; ftpsniff notes bad_reply and keeps decoding."},
	{Peer: "zeek", Capture: "ftp-missing-reply-code", Item: "row 3 SYST reply_*", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(\(none\)|)$`),
		Why: "SYST was answered by \"SYST not supported\" (no code): it got no valid reply, which is what ftpsniff reports (with a bad_reply note). Zeek logs the stale 230 \"PASS OK\"."},
	{Peer: "zeek", Capture: "ftp-missing-reply-code", Item: "127.0.0.1:51344->127.0.0.1:21 command 4 QUIT", Verdict: peerQuirk,
		Why: "Zeek removes its FTP analyzer at the protocol violation and never sees the QUIT."},
	{Peer: "zeek", Capture: "ftp-missing-space-after-reply-code", Item: "row 3 RETR reply_msg", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^_no_space$`),
		Why: "RETR was answered \"230_no_space\"; Zeek rejects the line and logs the stale \"PASS OK\" (the codes agree only by chance). ftpsniff reads code 230, text \"_no_space\", and notes bad_reply."},
	{Peer: "zeek", Capture: "ftp-missing-space-after-reply-code", Item: "row 3 RETR path", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^\(none\)$`),
		Why: "RETR was sent without an argument; Zeek builds the URL ftp://127.0.0.1/. (the directory). There is no file name, and ftpsniff reports no path."},
	{Peer: "zeek", Capture: "ftp-missing-space-after-reply-code", Item: "127.0.0.1:51346->127.0.0.1:21 command 4 QUIT", Verdict: peerQuirk,
		Why: "Zeek removes its FTP analyzer at the protocol violation and never sees the QUIT."},

	// Zeek drops over-long commands but not their replies.
	{Peer: "zeek", Capture: "ftp-max-command-length", Item: "row 2 SYST reply_*", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(215|Response to SYST command)$`),
		Why: "Zeek drops the 132-byte TYPEEE... and SYSTTT... commands (max_command_length 100) but not their replies, so SYST is logged with the reply to TYPEEE... (README.txt). ftpsniff keeps both commands and pairs each reply with its own."},
	{Peer: "zeek", Capture: "ftp-max-command-length", Item: "row 3 PASV reply_*", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^(227|Response to PASV command)$`),
		Why: "same mis-pairing: Zeek's PASV gets the reply to SYSTTT...; ftpsniff's PASV has its own 227."},

	// Zeek fills a row's user and password when the reply arrives.
	{Peer: "zeek", Capture: "ftp-max-pending-commands", Item: "row 1 USER password", Verdict: peerQuirk,
		Got: regexp.MustCompile(`^\(none\)$`),
		Why: "the client pipelines USER and PASS before the greeting; Zeek writes the USER row when its reply arrives, after PASS was seen. No password was in force when USER was sent, which is what ftpsniff reports."},

	// GridFTP data channel.
	{Peer: "zeek", Capture: "gridftp", Item: "conn 192.168.57.103:35391->192.168.57.101:55968 data connection", Verdict: ftpsniffLimit,
		Why: "after AUTH GSSAPI the GridFTP commands are ENC-protected (RFC 2228), so the data channel's negotiation is not readable; Zeek tags the connection gridftp-data by a heuristic on SSL connections (size_threshold=2). ftpsniff reports the control session and does not guess a data connection."},

	// Suricata.
	{Peer: "suricata", Capture: "ruletype-firewall-118-ftp-stou-no-filename-active", Item: "STOU \"<stou>\" file name", Verdict: peerQuirk,
		Got: regexp.MustCompile(`"ftpd\.lk2m3y98"$`),
		Why: "for a bare STOU Suricata logs the placeholder <stou>; ftpsniff reads the name the server chose from \"125 FILE: ftpd.lk2m3y98\" (RFC 1123 4.1.2.9), which is the file actually stored."},
}
