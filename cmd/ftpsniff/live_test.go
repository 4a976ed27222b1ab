//go:build pcap

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end test of `ftpsniff live`: a real vsftpd in one network
// namespace, real curl clients in another, joined by a veth pair, and the
// freshly built ftpsniff capturing on the server's end of the pair. It
// needs root (namespaces, packet capture), vsftpd, curl and iproute2; it
// skips with the reason when any is missing. Waits are bounded polls for
// something to appear, never assertions about speed.
//
// Run it alone with:
//
//	sudo go test -tags pcap -run TestLiveEndToEnd -v ./cmd/ftpsniff/

// Lab addresses (documentation ranges) and the served file.
const (
	e2eClientIP = "192.0.2.10"
	e2eServerIP = "198.51.100.10"
	e2eFileName = "lab-file.bin"
	e2eFileSize = 96*1024 + 123 // several segments, not a round number
	e2eBadUser  = "labuser"
	e2eBadPass  = "wrong-password"
)

// lab is one test's namespaces and processes; close undoes everything.
type lab struct {
	t                *testing.T
	dir              string
	cliNS, srvNS     string
	cliVeth, srvVeth string
	procs            []*proc
}

// proc is a background process; done is closed when it has exited.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	code int
}

// exited reports whether p has exited, without blocking.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func TestLiveEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end capture test skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: it creates network namespaces and captures packets")
	}
	tools := findTools(t, "apt-get install vsftpd curl iproute2", "vsftpd", "curl", "ip", "ss", "go")
	if _, err := exec.Command("id", "ftp").CombinedOutput(); err != nil {
		t.Skip("needs the system user \"ftp\" for vsftpd's anonymous sessions (installed with vsftpd)")
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "ftpsniff")
	build := exec.Command(tools["go"], "build", "-tags", "pcap", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags pcap: %v\n%s", err, out)
	}

	l := newLab(t, dir, tools)
	payload := l.serveFile()
	l.startVsftpd(tools["vsftpd"], tools["ss"])

	// Start the sniffer on the server's veth and wait until it listens.
	outPath := filepath.Join(dir, "live.ndjson")
	errPath := filepath.Join(dir, "live.stderr")
	pcapPath := filepath.Join(dir, "out.pcap")
	sniff := l.start(outPath, errPath, "ip", "netns", "exec", l.srvNS, bin,
		"live", "-i", l.srvVeth, "--json", "-w", pcapPath)
	// A second capture on the same interface, for people: one line per
	// event, commands and replies included, then the closing table.
	humanPath := filepath.Join(dir, "live.txt")
	humanErr := filepath.Join(dir, "live-human.stderr")
	human := l.start(humanPath, humanErr, "ip", "netns", "exec", l.srvNS, bin,
		"live", "-i", l.srvVeth, "--transcript")
	for _, p := range []struct {
		proc   *proc
		stderr string
	}{{sniff, errPath}, {human, humanErr}} {
		waitFor(t, 30*time.Second, "ftpsniff listening", func() bool {
			b, _ := os.ReadFile(p.stderr)
			if p.proc.exited() {
				t.Fatalf("ftpsniff exited early: %s", b)
			}
			return bytes.Contains(b, []byte("listening on"))
		})
	}

	url := "ftp://" + e2eServerIP + "/" + e2eFileName
	// Anonymous passive download (curl tries EPSV, then PASV).
	l.curl(tools["curl"], filepath.Join(dir, "passive.bin"), 0, url)
	// Anonymous active download: the server connects back (EPRT/PORT).
	l.curl(tools["curl"], filepath.Join(dir, "active.bin"), 0, "-P", "-", url)
	// A failed login: 530 after PASS, curl exits 67.
	l.curl(tools["curl"], "", 67, "-u", e2eBadUser+":"+e2eBadPass, "ftp://"+e2eServerIP+"/")
	for _, f := range []string{"passive.bin", "active.bin"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("curl did not download the file intact (%s): %v", f, err)
		}
	}

	// Wait for the three sessions to be final, then stop the capture.
	waitFor(t, 60*time.Second, "three session records", func() bool {
		return countType(readRecords(t, outPath), "session") >= 3
	})
	waitFor(t, 60*time.Second, "three closed sessions in the human output", func() bool {
		b, _ := os.ReadFile(humanPath)
		return bytes.Count(b, []byte("session closed:")) >= 3
	})
	if err := sniff.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	if err := human.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if code := l.wait(sniff, 30*time.Second); code != 0 {
		b, _ := os.ReadFile(errPath)
		t.Fatalf("ftpsniff live exited %d after SIGINT:\n%s", code, b)
	}
	if code := l.wait(human, 30*time.Second); code != 0 {
		b, _ := os.ReadFile(humanErr)
		t.Fatalf("ftpsniff live (human) exited %d after SIGTERM:\n%s", code, b)
	}
	checkHumanOutput(t, humanPath)
	stderr, _ := os.ReadFile(errPath)
	t.Logf("ftpsniff live stderr:\n%s", stderr)
	for _, want := range []string{"packets captured", "dropped by kernel", "packets of FTP connections written to"} {
		if !bytes.Contains(stderr, []byte(want)) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	// libpcap says so when the kernel rejects the filter and it falls
	// back to filtering every packet in user space.
	if bytes.Contains(stderr, []byte("Kernel filter failed")) {
		t.Errorf("the default filter does not run in the kernel")
	}

	recs := readRecords(t, outPath)
	checkStreamedEvents(t, recs)
	live := sessionsOf(recs)
	checkSessions(t, "live", live)
	if last := recs[len(recs)-1]; last["type"] != "summary" || last["sessions"] != 3.0 {
		t.Errorf("last record is not a summary of 3 sessions: %v", last)
	}

	// The saved packets tell the same story to `ftpsniff read`.
	var rout, rerr bytes.Buffer
	read := exec.Command(bin, "read", "--json", pcapPath)
	read.Stdout, read.Stderr = &rout, &rerr
	if err := read.Run(); err != nil {
		t.Fatalf("ftpsniff read out.pcap: %v\n%s", err, rerr.String())
	}
	readPath := filepath.Join(dir, "read.ndjson")
	if err := os.WriteFile(readPath, rout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile := sessionsOf(readRecords(t, readPath))
	checkSessions(t, "read -w file", fromFile)
	if a, b := sessionDigest(live), sessionDigest(fromFile); a != b {
		t.Errorf("live and read of the -w file differ:\nlive: %s\nread: %s", a, b)
	}
}

// findTools looks up the programs a test runs, on PATH or in the sbin and
// Go directories a root shell may lack, and skips the test, naming the
// Debian packages (install), when one is missing.
func findTools(t *testing.T, install string, names ...string) map[string]string {
	t.Helper()
	tools := map[string]string{}
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/go/bin"} {
				if _, serr := os.Stat(filepath.Join(dir, name)); serr == nil {
					p, err = filepath.Join(dir, name), nil
					break
				}
			}
		}
		if err != nil {
			t.Skipf("needs %s (Debian: %s)", name, install)
		}
		tools[name] = p
	}
	return tools
}

// newLab creates two namespaces joined by a veth pair with offloads off,
// so frames on the wire are what the capture sees.
func newLab(t *testing.T, dir string, tools map[string]string) *lab {
	pid := os.Getpid()
	l := newVethLab(t, dir, tools["ip"],
		fmt.Sprintf("ftpsniff-e2e-cli-%d", pid), fmt.Sprintf("ftpsniff-e2e-srv-%d", pid),
		fmt.Sprintf("fse2c%d", pid%1000000), fmt.Sprintf("fse2s%d", pid%1000000))
	ip := tools["ip"]
	for _, side := range []struct{ ns, veth, addr, peerNet string }{
		{l.cliNS, l.cliVeth, e2eClientIP + "/24", "198.51.100.0/24"},
		{l.srvNS, l.srvVeth, e2eServerIP + "/24", "192.0.2.0/24"},
	} {
		l.run(ip, "-n", side.ns, "link", "set", "lo", "up")
		l.run(ip, "-n", side.ns, "addr", "add", side.addr, "dev", side.veth)
		l.run(ip, "-n", side.ns, "link", "set", side.veth, "up")
		l.run(ip, "-n", side.ns, "route", "add", side.peerNet, "dev", side.veth)
		l.offloadsOff(ip, side.ns, side.veth)
	}
	return l
}

// newVethLab creates the namespaces cliNS and srvNS joined by the veth
// pair cliVeth/srvVeth (down, no addresses); l.close deletes them. It
// skips the test where namespaces cannot be made.
func newVethLab(t *testing.T, dir, ip, cliNS, srvNS, cliVeth, srvVeth string) *lab {
	l := &lab{t: t, dir: dir, cliNS: cliNS, srvNS: srvNS, cliVeth: cliVeth, srvVeth: srvVeth}
	t.Cleanup(l.close)
	// Leftovers of an earlier run with the same pid would make "add" fail.
	l.delNamespaces()
	if out, err := exec.Command(ip, "netns", "add", l.cliNS).CombinedOutput(); err != nil {
		// Root without CAP_SYS_ADMIN (some containers): an environment
		// limit, not a failure of ftpsniff.
		t.Skipf("cannot create a network namespace here: %v: %s", err, bytes.TrimSpace(out))
	}
	l.run(ip, "netns", "add", l.srvNS)
	l.run(ip, "link", "add", l.cliVeth, "netns", l.cliNS, "type", "veth", "peer", "name", l.srvVeth, "netns", l.srvNS)
	return l
}

// offloadsOff turns segmentation and checksum offloads off on veth, best
// effort: without it the capture sees 64 KiB "segments".
func (l *lab) offloadsOff(ip, ns, veth string) {
	if eth, err := exec.LookPath("ethtool"); err == nil {
		_ = exec.Command(ip, "netns", "exec", ns, eth, "-K", veth,
			"tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off").Run()
	}
}

// serveFile writes the served tree and returns the file's content.
func (l *lab) serveFile() []byte {
	anon := filepath.Join(l.dir, "anon")
	empty := filepath.Join(l.dir, "empty")
	for _, d := range []string{anon, empty} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			l.t.Fatal(err)
		}
		// t.TempDir is 0700; vsftpd's unprivileged processes need to
		// enter the chroot.
		if err := os.Chmod(d, 0o755); err != nil {
			l.t.Fatal(err)
		}
	}
	payload := make([]byte, e2eFileSize)
	for i := range payload {
		payload[i] = byte(i*7 + i/251)
	}
	if err := os.WriteFile(filepath.Join(anon, e2eFileName), payload, 0o644); err != nil {
		l.t.Fatal(err)
	}
	return payload
}

// startVsftpd runs vsftpd in the server namespace and waits for port 21.
func (l *lab) startVsftpd(vsftpd, ss string) {
	conf := strings.Join([]string{
		"listen=YES",
		"listen_ipv6=NO",
		"listen_address=" + e2eServerIP,
		"background=NO",
		"anonymous_enable=YES",
		"anon_root=" + filepath.Join(l.dir, "anon"),
		"no_anon_password=NO", // so anonymous logins send PASS too
		// Local users authenticate through PAM; the test's user does not
		// exist, so its login fails the way a wrong password does.
		"local_enable=YES",
		"pam_service_name=vsftpd",
		"write_enable=NO",
		"secure_chroot_dir=" + filepath.Join(l.dir, "empty"),
		"seccomp_sandbox=NO",
		"pasv_enable=YES",
		"pasv_min_port=40000",
		"pasv_max_port=40100",
		"port_enable=YES",
		"connect_from_port_20=YES",
		"delay_failed_login=0",
		"xferlog_enable=YES",
		"vsftpd_log_file=" + filepath.Join(l.dir, "vsftpd.log"),
		"",
	}, "\n")
	confPath := filepath.Join(l.dir, "vsftpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		l.t.Fatal(err)
	}
	logPath := filepath.Join(l.dir, "vsftpd.out")
	p := l.start(logPath, logPath, "ip", "netns", "exec", l.srvNS, vsftpd, confPath)
	waitFor(l.t, 20*time.Second, "vsftpd listening on port 21", func() bool {
		if p.exited() {
			b, _ := os.ReadFile(logPath)
			l.t.Fatalf("vsftpd exited: %s", b)
		}
		out, _ := exec.Command("ip", "netns", "exec", l.srvNS, ss, "-Hltn", "sport", "= :21").Output()
		return len(bytes.TrimSpace(out)) > 0
	})
}

// curl runs curl in the client namespace and checks its exit status.
func (l *lab) curl(curl, out string, wantCode int, args ...string) {
	full := []string{"netns", "exec", l.cliNS, curl, "-sS", "--max-time", "30"}
	if out != "" {
		full = append(full, "-o", out)
	}
	full = append(full, args...)
	cmd := exec.Command("ip", full...)
	b, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		l.t.Fatalf("curl %v: %v", args, err)
	}
	if code != wantCode {
		l.t.Fatalf("curl %v exited %d, want %d: %s", args, code, wantCode, b)
	}
}

// start runs a background process with stdout and stderr to files.
func (l *lab) start(stdout, stderr string, name string, args ...string) *proc {
	l.t.Helper()
	open := func(p string) *os.File {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			l.t.Fatal(err)
		}
		l.t.Cleanup(func() { f.Close() })
		return f
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout = open(stdout)
	if stderr == stdout {
		cmd.Stderr = cmd.Stdout
	} else {
		cmd.Stderr = open(stderr)
	}
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	l.procs = append(l.procs, p)
	go func() {
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	return p
}

// wait waits (bounded) for cmd to exit and returns its status; on timeout
// it kills it and fails.
func (l *lab) wait(p *proc, limit time.Duration) int {
	waitFor(l.t, limit, "process exit", p.exited)
	return p.code
}

func (l *lab) run(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// close kills what the test started (and anything left in its
// namespaces) and deletes the namespaces, whatever state the test
// failed in.
func (l *lab) close() {
	for _, p := range l.procs {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	l.delNamespaces()
}

func (l *lab) delNamespaces() {
	for _, ns := range []string{l.cliNS, l.srvNS} {
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, f := range strings.Fields(string(out)) {
			var pid int
			if _, err := fmt.Sscan(f, &pid); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
}

// waitFor polls cond every 50 ms until it holds, failing after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readRecords parses an NDJSON file; a last line still being written is
// left for the next poll.
func readRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			if !bytes.HasSuffix(b, []byte("\n")) {
				break
			}
			t.Fatalf("bad NDJSON line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

func countType(recs []map[string]any, typ string) int {
	n := 0
	for _, r := range recs {
		if r["type"] == typ {
			n++
		}
	}
	return n
}

func sessionsOf(recs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["type"] == "session" {
			out = append(out, r)
		}
	}
	return out
}

// checkStreamedEvents checks the live events: every session opened and
// closed, the logins with their outcomes, and both transfers started and
// finished with the file's size, one passive and one active. Each
// session's events precede its session record.
func checkStreamedEvents(t *testing.T, recs []map[string]any) {
	t.Helper()
	count := map[string]int{}
	var logins []string
	modes := map[string]bool{}
	final := map[string]bool{}
	for _, r := range recs {
		switch r["type"] {
		case "session":
			final[r["id"].(string)] = true
			continue
		case "event":
		default:
			continue
		}
		ev, _ := r["event"].(string)
		count[ev]++
		if id, _ := r["session"].(string); final[id] {
			t.Errorf("%s event of %s after its session record", ev, id)
		}
		switch ev {
		case "login":
			logins = append(logins, fmt.Sprintf("%v/%v/%v", r["user"], r["outcome"], r["password"]))
		case "transfer_start", "transfer_end":
			tr, _ := r["transfer"].(map[string]any)
			if tr["command"] != "RETR" {
				t.Errorf("%s of %v", ev, tr["command"])
			}
			if ev == "transfer_end" {
				if tr["bytes"] != float64(e2eFileSize) || tr["status"] != 226.0 || tr["complete"] != true {
					t.Errorf("transfer_end: bytes %v status %v complete %v, want %d 226 true",
						tr["bytes"], tr["status"], tr["complete"], e2eFileSize)
				}
				m, _ := tr["mode"].(string)
				modes[m] = true
			}
		}
	}
	for ev, want := range map[string]int{"session_open": 3, "login": 3, "transfer_start": 2, "transfer_end": 2, "session_close": 3} {
		if count[ev] != want {
			t.Errorf("%d %s events, want %d (all: %v)", count[ev], ev, want, count)
		}
	}
	if count["command"]+count["reply"] != 0 {
		t.Errorf("commands and replies streamed without --transcript: %v", count)
	}
	want := map[string]int{"anonymous/success/<hidden>": 2, e2eBadUser + "/failure/<hidden>": 1}
	got := map[string]int{}
	for _, l := range logins {
		got[l]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("login events %v, want %v", got, want)
	}
	if !modes["passive"] || !modes["active"] {
		t.Errorf("transfer modes %v, want passive and active", modes)
	}
}

// checkHumanOutput checks the human event lines and the closing table.
func checkHumanOutput(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	t.Logf("ftpsniff live --transcript output:\n%s", text)
	size := fmt.Sprintf(", %d bytes (", e2eFileSize)
	for _, want := range []struct {
		what string
		n    int
	}{
		{"session opened", 3},
		{`login "anonymous" password <hidden>: success (230)`, 2},
		{`login "` + e2eBadUser + `" password <hidden>: failure (530)`, 1},
		{"C> PASS <hidden>", 3},
		{"C> RETR " + e2eFileName, 2},
		{"S< 226 ", 2},
		{"transfer started: RETR /" + e2eFileName, 2},
		{"transfer finished: RETR /" + e2eFileName + ", download, passive/", 1},
		{"transfer finished: RETR /" + e2eFileName + ", download, active/", 1},
		{size, 2},
		{"session closed:", 3},
	} {
		if got := strings.Count(text, want.what); got != want.n {
			t.Errorf("human output: %q %d times, want %d", want.what, got, want.n)
		}
	}
	if strings.Contains(text, e2eBadPass) {
		t.Errorf("human output shows the password")
	}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.ContainsAny(line, "\x1b\r") {
			t.Errorf("control character in %q", line)
		}
	}
}

// checkSessions checks the three session records of the lab.
func checkSessions(t *testing.T, what string, sessions []map[string]any) {
	t.Helper()
	if len(sessions) != 3 {
		t.Fatalf("%s: %d sessions, want 3", what, len(sessions))
	}
	var modes []string
	failed := 0
	for _, s := range sessions {
		if s["client_ip"] != e2eClientIP || s["server_ip"] != e2eServerIP || s["server_port"] != 21.0 {
			t.Errorf("%s: session endpoints %v:%v -> %v:%v", what, s["client_ip"], s["client_port"], s["server_ip"], s["server_port"])
		}
		if s["handshake"] != true {
			t.Errorf("%s: session %v: handshake not seen", what, s["id"])
		}
		switch s["user"] {
		case "anonymous":
			if s["login"] != "success" || s["password"] != "<hidden>" {
				t.Errorf("%s: anonymous session login %v password %v", what, s["login"], s["password"])
			}
			xs, _ := s["transfers"].([]any)
			if len(xs) != 1 {
				t.Errorf("%s: anonymous session with %d transfers", what, len(xs))
				continue
			}
			x := xs[0].(map[string]any)
			if x["bytes"] != float64(e2eFileSize) || x["complete"] != true || x["path"] != "/"+e2eFileName {
				t.Errorf("%s: transfer %v bytes %v complete %v", what, x["path"], x["bytes"], x["complete"])
			}
			modes = append(modes, fmt.Sprint(s["mode"]))
		case e2eBadUser:
			failed++
			if s["login"] != "failure" {
				t.Errorf("%s: %s login %v, want failure", what, e2eBadUser, s["login"])
			}
		default:
			t.Errorf("%s: unexpected user %v", what, s["user"])
		}
	}
	if failed != 1 || !(strings.Join(modes, ",") == "passive,active" || strings.Join(modes, ",") == "active,passive") {
		t.Errorf("%s: modes %v and %d failed sessions, want passive+active and 1", what, modes, failed)
	}
}

// sessionDigest is what must agree between live and the saved capture:
// endpoints, user, login, mode, end reason and transfers.
func sessionDigest(sessions []map[string]any) string {
	var b strings.Builder
	for _, s := range sessions {
		fmt.Fprintf(&b, "[%v:%v %v %v %v %v", s["client_ip"], s["client_port"], s["user"], s["login"], s["mode"], s["end_reason"])
		xs, _ := s["transfers"].([]any)
		for _, x := range xs {
			m := x.(map[string]any)
			fmt.Fprintf(&b, " {%v %v %v %v %v}", m["command"], m["path"], m["mode"], m["bytes"], m["status"])
		}
		b.WriteString("] ")
	}
	return b.String()
}

// TestLiveErrors checks the one-line errors of a build with libpcap.
func TestLiveErrors(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to open a capture")
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad filter", []string{"live", "-i", "lo", "--bpf", "tcp port nosuchservice"}, exitUsage, `ftpsniff: bad capture filter "tcp port nosuchservice" on lo`},
		{"missing interface", []string{"live", "-i", "nosuch0"}, exitError, "ftpsniff: cannot capture on nosuch0: no such interface"},
		{"no interface flag", []string{"live"}, exitUsage, `required flag(s) "interface" not set`},
		{"existing -w file", []string{"live", "-i", "lo", "-w", "live_test.go"}, exitError, "live_test.go already exists (use --force to overwrite it)"},
		{"force without -w", []string{"live", "-i", "lo", "--force"}, exitUsage, "--force only applies to -w"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.want)
			}
			if first, _, _ := strings.Cut(errb.String(), "\n"); !strings.HasPrefix(first, "ftpsniff: ") {
				t.Errorf("first stderr line %q", first)
			}
		})
	}
}

// TestLiveStopsByItself checks --duration and --count end the capture
// cleanly, with the closing report and statistics.
func TestLiveStopsByItself(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to open a capture")
	}
	// Some TCP on the loopback interface for --count to see.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	tests := []struct {
		name      string
		args      []string
		wantOut   string
		wantStats string
	}{
		{"duration", []string{"live", "-i", "lo", "--duration", "300ms", "--bpf", "udp port 9"}, "Summary", "0 packets captured"},
		{"count", []string{"live", "-i", "lo", "--count", "4", "--json", "--bpf", "tcp port " + portOf(ln.Addr())}, `{"type":"summary","sessions":0`, "4 packets captured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, strings.NewReader(""), &out, &errb); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantOut, out.String())
			}
			if !strings.Contains(errb.String(), tc.wantStats) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantStats, errb.String())
			}
		})
	}
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}
