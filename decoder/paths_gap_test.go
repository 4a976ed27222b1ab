package decoder

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// TestPathsAfterGap plays dialogues with bytes lost from the control
// connection and checks the transfer paths: after a loss that may hide a
// CWD, paths are reported as sent (note cwd_unknown) until a command
// sent after the loss names the directory again.
//
// Script lines: "C <command>", "S <reply>", "GC <n>" (n client bytes
// lost), "GS <n>" (n server bytes lost).
func TestPathsAfterGap(t *testing.T) {
	tests := []struct {
		name   string
		script []string
		// paths are the transfers' paths in order ("-" for none).
		paths   []string
		unknown bool // note cwd_unknown expected
	}{
		{
			name:   "no gap: resolved",
			script: []string{"C PWD", `S 257 "/pub"`, "C CWD data", "S 250 ok", "C RETR a", "S 550 no"},
			paths:  []string{"/pub/data/a"},
		},
		{
			name:    "client gap: paths as sent",
			script:  []string{"C PWD", `S 257 "/pub"`, "GC 10", "C RETR a", "S 550 no", "C RETR ../b", "S 550 no"},
			paths:   []string{"a", "../b"},
			unknown: true,
		},
		{
			name:    "client gap: a relative directory is lost as well",
			script:  []string{"C CWD pub", "S 250 ok", "C RETR a", "S 550 no", "GC 9", "C RETR b", "S 550 no"},
			paths:   []string{"pub/a", "b"},
			unknown: true,
		},
		{
			name:    "client gap: LIST without argument has no path",
			script:  []string{"C PWD", `S 257 "/pub"`, "GC 10", "C LIST", "S 550 no", "C NLST -la", "S 550 no"},
			paths:   []string{"-", "-"},
			unknown: true,
		},
		{
			name:    "client gap: STOU name from the reply stays relative",
			script:  []string{"C PWD", `S 257 "/pub"`, "GC 10", "C STOU", "S 150 FILE: up.1", "S 226 ok"},
			paths:   []string{"up.1"},
			unknown: true,
		},
		{
			name:   "client gap: absolute and home paths need no directory",
			script: []string{"C PWD", `S 257 "/pub"`, "GC 10", "C RETR /etc/x", "S 550 no", "C RETR ~/y", "S 550 no"},
			paths:  []string{"/etc/x", "~/y"},
		},
		{
			name:   "client gap, then PWD re-anchors",
			script: []string{"C PWD", `S 257 "/pub"`, "GC 10", "C PWD", `S 257 "/srv"`, "C RETR a", "S 550 no"},
			paths:  []string{"/srv/a"},
		},
		{
			name:    "client gap, then absolute CWD re-anchors",
			script:  []string{"GC 10", "C RETR a", "S 550 no", "C CWD /data", "S 250 ok", "C RETR b", "S 550 no"},
			paths:   []string{"a", "/data/b"},
			unknown: true,
		},
		{
			name: "client gap, then a drive-letter CWD re-anchors",
			// A foreign-style directory is not joined with arguments:
			// the path is as sent, but the directory is known again.
			script: []string{"C PWD", `S 257 "/pub"`, "GC 10", `C CWD C:\ftp`, "S 250 ok", "C RETR a", "S 550 no"},
			paths:  []string{"a"},
		},
		{
			name:   "client gap, then a CWD reply naming the directory re-anchors",
			script: []string{"GC 10", "C CWD up", `S 250 "/srv/up" is the current directory`, "C RETR a", "S 550 no"},
			paths:  []string{"/srv/up/a"},
		},
		{
			name:   "client gap, then MKD's 257 reveals the directory",
			script: []string{"GC 10", "C MKD new", `S 257 "/home/u/new" created`, "C RETR a", "S 550 no"},
			paths:  []string{"/home/u/a"},
		},
		{
			name: "client gap, then relative CWD and CDUP keep it unknown",
			script: []string{"C PWD", `S 257 "/pub"`, "GC 10", "C CWD sub", "S 250 ok", "C RETR a", "S 550 no",
				"C CDUP", "S 200 ok", "C RETR b", "S 550 no"},
			paths:   []string{"a", "b"},
			unknown: true,
		},
		{
			name: "replies to commands sent before the gap are stale",
			script: []string{"C PWD", `S 257 "/pub"`, "C CWD /abs", "C PWD", "GC 10",
				"S 250 ok", `S 257 "/abs"`, "C RETR a", "S 550 no"},
			paths:   []string{"a"},
			unknown: true,
		},
		{
			name:   "server gap that spares CWD keeps the directory",
			script: []string{"C PWD", `S 257 "/pub"`, "C CWD sub", "S 250 ok", "C TYPE I", "C NOOP", "GS 20", "S 200 NOOP ok", "C RETR a", "S 550 no"},
			paths:  []string{"/pub/sub/a"},
		},
		{
			name: "server gap swallows CWD's reply: its outcome, so the directory, is unknown",
			script: []string{"C PWD", `S 257 "/pub"`, "C CWD sub", "C PASV", "GS 28",
				"S 227 Entering Passive Mode (198,51,100,20,195,80).", "C RETR a", "S 550 no"},
			paths:   []string{"a"},
			unknown: true,
		},
		{
			name: "a 200 never answers CWD (RFC 959 5.4)",
			// As in Zeek's cwd-navigation.pcap: TYPE I is lost from the
			// client, the 250 of CWD from the server; the 200 that comes
			// is TYPE I's.
			script: []string{"C PWD", `S 257 "/pub"`, "C CWD 2014", "GC 8", "GS 28", "S 200 Type set to I",
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80).", "C RETR a", "S 550 no"},
			paths:   []string{"a"},
			unknown: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			hc := login(h.ctl())
			for _, line := range tc.script {
				kind, arg, _ := strings.Cut(line, " ")
				switch kind {
				case "C":
					hc.C(arg)
				case "S":
					hc.S(arg)
				case "GC", "GS":
					n, err := strconv.Atoi(arg)
					if err != nil {
						t.Fatal(err)
					}
					d := c2s
					if kind == "GS" {
						d = s2c
					}
					hc.gap(d, int64(n))
				default:
					t.Fatalf("bad script line %q", line)
				}
			}
			hc.close(reassembly.CloseFIN)
			s := h.only()
			var got []string
			for _, x := range s.Transfers {
				p := "-"
				if x.Path != nil {
					p = *x.Path
				}
				got = append(got, p)
			}
			if strings.Join(got, "|") != strings.Join(tc.paths, "|") {
				t.Errorf("paths %q, want %q\n%s", got, tc.paths, dump(s))
			}
			if hasNote(s.Notes, "cwd_unknown") != tc.unknown {
				t.Errorf("notes %v, cwd_unknown expected: %v", s.Notes, tc.unknown)
			}
		})
	}
}

// TestPlausibleDirReplies pins the replies RFC 959 5.4 allows for the
// directory commands, which realign relies on after a gap.
func TestPlausibleDirReplies(t *testing.T) {
	tests := []struct {
		verb string
		code int
		want bool
	}{
		{"CWD", 250, true},
		{"CWD", 200, false},
		{"XCWD", 200, false},
		{"CWD", 550, true},
		{"CWD", 226, false},
		{"CDUP", 200, true},
		{"CDUP", 250, true},
		{"XCUP", 227, false},
		{"PWD", 257, true},
		{"PWD", 250, false},
		{"DELE", 250, true},
	}
	for _, tc := range tests {
		if got := plausibleReply(tc.verb, tc.code); got != tc.want {
			t.Errorf("plausibleReply(%s, %d) = %v, want %v", tc.verb, tc.code, got, tc.want)
		}
	}
}
