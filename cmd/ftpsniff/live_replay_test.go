//go:build pcap

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/cmd/ftpsniff-benchgen/benchgen"
)

// TestLiveReplay is the short form of `make bench-live` (issue 6): a
// generated capture of real sessions replayed by tcpreplay at top speed
// into a veth pair between two namespaces, `ftpsniff live` on the far
// end. It asserts only what holds at any speed on any machine: every
// packet libpcap delivered was analysed (packets captured = received -
// dropped by kernel), the exit status says whether packets were dropped,
// and, when nothing was dropped anywhere, the live session records are
// those of `ftpsniff read` of the same file, times aside. Whether drops
// happen is the machine's business, never asserted.
//
//	sudo go test -tags pcap -run LiveReplay -v ./cmd/ftpsniff/
func TestLiveReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("replay test skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: it creates network namespaces and captures packets")
	}
	tools := findTools(t, "apt-get install tcpreplay iproute2 procps", "tcpreplay", "ip", "sysctl", "go")

	dir := t.TempDir()
	capPath := filepath.Join(dir, "replay.pcap")
	writeReplayCapture(t, capPath)
	bin := filepath.Join(dir, "ftpsniff")
	if out, err := exec.Command(tools["go"], "build", "-tags", "pcap", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags pcap: %v\n%s", err, out)
	}
	var rout, rerr bytes.Buffer
	read := exec.Command(bin, "read", "--json", capPath)
	read.Stdout, read.Stderr = &rout, &rerr
	if err := read.Run(); err != nil {
		t.Fatalf("ftpsniff read: %v\n%s", err, rerr.String())
	}
	readPath := filepath.Join(dir, "read.ndjson")
	if err := os.WriteFile(readPath, rout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	file := timelessSessions(t, readPath)
	if len(file) == 0 {
		t.Fatal("the generated capture has no FTP session")
	}

	for _, tc := range []struct {
		name string
		// stopped: ftpsniff is stopped (SIGSTOP) during the whole replay
		// and gets SIGINT as soon as it runs again: everything it reports
		// comes from its capture buffer, read after the stop request.
		stopped bool
		args    []string
	}{
		{"top speed", false, nil},
		{"ctrl-c with a full buffer", true, []string{"--buffer-size", strconv.Itoa(256 << 20)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			replayOnce(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")), tools, bin, capPath, file, tc.stopped, tc.args)
		})
	}
}

// replayOnce replays capPath to a new `ftpsniff live` and checks its
// counters and, when nothing was lost, its sessions against file's.
func replayOnce(t *testing.T, dir string, tools map[string]string, bin, capPath string, file []string, stopped bool, args []string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l := newReplayLab(t, dir, tools)

	outPath, errPath := filepath.Join(dir, "live.ndjson"), filepath.Join(dir, "live.stderr")
	sniff := l.start(outPath, errPath, tools["ip"], append([]string{"netns", "exec", l.srvNS, bin,
		"live", "-i", l.srvVeth, "--json", "--promisc"}, args...)...)
	waitFor(t, 30*time.Second, "ftpsniff listening", func() bool {
		b, _ := os.ReadFile(errPath)
		if sniff.exited() {
			t.Fatalf("ftpsniff exited early: %s", b)
		}
		return bytes.Contains(b, []byte("listening on"))
	})
	if stopped {
		if err := sniff.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP: %v", err)
		}
	}
	before := vethRxPackets(t, tools["ip"], l.srvNS, l.srvVeth)
	out, err := exec.Command(tools["ip"], "netns", "exec", l.cliNS, tools["tcpreplay"],
		"-i", l.cliVeth, "--topspeed", capPath).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpreplay: %v\n%s", err, out)
	}
	t.Logf("tcpreplay:\n%s", out)
	m := regexp.MustCompile(`Successful packets:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no packet count in tcpreplay's output")
	}
	sent, _ := strconv.ParseInt(string(m[1]), 10, 64)
	delivered := vethRxPackets(t, tools["ip"], l.srvNS, l.srvVeth) - before

	// Not a timing assertion: the kernel finishes delivering the last
	// frames (its backlog) to the capture buffer; ftpsniff reads what is
	// there after SIGINT and then stops.
	time.Sleep(500 * time.Millisecond)
	if stopped {
		if err := sniff.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatalf("SIGCONT: %v", err)
		}
	}
	if err := sniff.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	code := l.wait(sniff, 5*time.Minute)
	stderr, _ := os.ReadFile(errPath)
	t.Logf("ftpsniff live stderr:\n%s", stderr)

	st := regexp.MustCompile(`(\d+) packets captured, (\d+) received by filter, (\d+) dropped by kernel, (\d+) dropped by interface`).FindSubmatch(stderr)
	if st == nil {
		t.Fatalf("ftpsniff live (exit %d) printed no capture statistics", code)
	}
	var n [4]int64
	for i := range n {
		n[i], _ = strconv.ParseInt(string(st[i+1]), 10, 64)
	}
	processed, received, kernelDrops, ifDrops := n[0], n[1], n[2], n[3]
	t.Logf("sent %d, delivered to the veth %d, received %d, dropped by kernel %d, by interface %d, processed %d",
		sent, delivered, received, kernelDrops, ifDrops, processed)
	if processed != received-kernelDrops {
		t.Errorf("ftpsniff processed %d packets, libpcap delivered %d (received %d - dropped by kernel %d): ftpsniff lost packets of its own",
			processed, received-kernelDrops, received, kernelDrops)
	}
	dropped := kernelDrops > 0 || ifDrops > 0
	switch {
	case dropped && code != exitPartial:
		t.Errorf("packets were dropped but ftpsniff live exited %d, want %d", code, exitPartial)
	case !dropped && code != exitOK:
		t.Errorf("ftpsniff live exited %d without drops, want %d", code, exitOK)
	}
	if dropped || delivered != sent {
		t.Logf("packets were lost (veth delivered %d of %d; %d kernel, %d interface drops): sessions not compared", delivered, sent, kernelDrops, ifDrops)
		return
	}

	live := timelessSessions(t, outPath)
	if len(live) != len(file) {
		t.Errorf("live reported %d sessions, read %d", len(live), len(file))
	}
	for i := 0; i < len(live) && i < len(file); i++ {
		if live[i] != file[i] {
			t.Errorf("session records differ (times left out), first difference:\nlive: %s\nread: %s", live[i], file[i])
			break
		}
	}
	t.Logf("%d sessions, the same live and from the file", len(live))
}

// writeReplayCapture writes a capture of a few tens of megabytes: the
// recorded sessions of testdata/pcaps with documentation addresses, mixed
// with HTTP and DNS, Ethernet frames of at most 1514 bytes.
func writeReplayCapture(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	st, err := benchgen.Generate(w, benchgen.Config{Size: 24e6, Seed: 6, TemplateDir: benchTemplates})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("generating the capture: %v", err)
	}
	t.Logf("capture: %d packets, %d bytes, %d FTP replays", st.Packets, st.Bytes, st.FTPReplays)
}

// newReplayLab creates two namespaces joined by a veth pair without
// addresses and with IPv6 off, so nothing but the replay crosses it, and
// offloads off, so frames arrive as replayed. cliNS/cliVeth send, srvNS/
// srvVeth capture; l.close deletes everything.
func newReplayLab(t *testing.T, dir string, tools map[string]string) *lab {
	pid := os.Getpid()
	ip := tools["ip"]
	l := newVethLab(t, dir, ip,
		fmt.Sprintf("ftpsniff-replay-tx-%d", pid), fmt.Sprintf("ftpsniff-replay-rx-%d", pid),
		fmt.Sprintf("fsrpt%d", pid%1000000), fmt.Sprintf("fsrpr%d", pid%1000000))
	for _, ns := range []string{l.cliNS, l.srvNS} {
		l.run(ip, "netns", "exec", ns, tools["sysctl"], "-qw",
			"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	for _, side := range [][2]string{{l.cliNS, l.cliVeth}, {l.srvNS, l.srvVeth}} {
		l.run(ip, "-n", side[0], "link", "set", side[1], "up")
		l.offloadsOff(ip, side[0], side[1])
	}
	return l
}

// vethRxPackets reads an interface's received-packets counter.
func vethRxPackets(t *testing.T, ip, ns, dev string) int64 {
	t.Helper()
	out, err := exec.Command(ip, "-n", ns, "-s", "-j", "link", "show", "dev", dev).Output()
	if err != nil {
		t.Fatalf("ip -s link show %s: %v", dev, err)
	}
	var links []struct {
		Stats64 struct {
			RX struct {
				Packets int64 `json:"packets"`
			} `json:"rx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal(out, &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -s -j link show %s: %v: %s", dev, err, out)
	}
	return links[0].Stats64.RX.Packets
}

// timelessSessions returns the session records of an NDJSON file as
// canonical JSON without the keys that come from the capture clock (a
// replay has its own times and round-trip times), sorted.
func timelessSessions(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, rec := range sessionsOf(readRecords(t, path)) {
		b, err := json.Marshal(stripTimes(rec))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func stripTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "start", "end", "time", "handshake_rtt_ms":
				delete(x, k)
			default:
				x[k] = stripTimes(e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = stripTimes(e)
		}
	}
	return v
}
