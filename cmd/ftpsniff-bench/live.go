package main

// "ftpsniff-bench live" (make bench-live): does live capture keep up?
// A capture is replayed with tcpreplay into one end of a veth pair whose
// ends live in two network namespaces made for the run, and `ftpsniff
// live` captures on the other end, as it would on a mirror port. Each
// run (one kernel buffer size, one replay rate) ends with SIGINT once
// tcpreplay is done; ftpsniff then reads what is still in its capture
// buffer and prints libpcap's counters. One table shows, per run, what
// was sent, what libpcap received and dropped, what ftpsniff analysed
// (which must be received - dropped by kernel: ftpsniff's own processing
// drops nothing) and whether the sessions it reported are those of
// `ftpsniff read` of the same file.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ftpsniff/ftpsniff/cmd/ftpsniff-benchgen/benchgen"
)

// liveRate is one replay speed: tcpreplay's arguments and a label.
type liveRate struct {
	label string
	args  []string
}

// parseRates reads -rates: "top" (--topspeed), "Nx" (--multiplier N, 1x
// being the capture's own speed) or a number of Mbps (--mbps N).
func parseRates(s string) ([]liveRate, error) {
	var out []liveRate
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		switch {
		case f == "":
			continue
		case f == "top" || f == "topspeed":
			out = append(out, liveRate{"top speed", []string{"--topspeed"}})
		case strings.HasSuffix(f, "x"):
			m, err := strconv.ParseFloat(strings.TrimSuffix(f, "x"), 64)
			if err != nil || m <= 0 {
				return nil, fmt.Errorf("-rates: %q is not a multiplier such as 1x", f)
			}
			out = append(out, liveRate{f + " capture", []string{"--multiplier", strconv.FormatFloat(m, 'f', -1, 64)}})
		default:
			m, err := strconv.ParseFloat(strings.TrimSuffix(f, "mbps"), 64)
			if err != nil || m <= 0 {
				return nil, fmt.Errorf("-rates: %q is not top, Nx or a number of Mbps", f)
			}
			out = append(out, liveRate{f + " Mbps", []string{"--mbps", strconv.FormatFloat(m, 'f', -1, 64)}})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-rates: no rate given")
	}
	return out, nil
}

// liveBuffer is one --buffer-size; 0 is ftpsniff's default (no flag).
type liveBuffer struct {
	label string
	bytes int64
}

func parseBuffers(s string) ([]liveBuffer, error) {
	var out []liveBuffer
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case strings.EqualFold(f, "default"):
			out = append(out, liveBuffer{"default", 0})
		default:
			n, err := benchgen.ParseSize(f)
			if err != nil || n <= 0 || n > 1<<31-1 {
				return nil, fmt.Errorf("-buffers: %q is not a size such as 2MiB or 256MiB", f)
			}
			out = append(out, liveBuffer{f, n})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-buffers: no size given")
	}
	return out, nil
}

// liveStatsLine is the statistics line `ftpsniff live` writes on stderr.
var liveStatsLine = regexp.MustCompile(`ftpsniff: (\d+) packets captured, (\d+) received by filter, (\d+) dropped by kernel, (\d+) dropped by interface`)

// tcpreplay's summary lines.
var (
	replayActual = regexp.MustCompile(`Actual: (\d+) packets \((\d+) bytes\) sent in ([0-9.]+) seconds`)
	replayRated  = regexp.MustCompile(`Rated: ([0-9.]+) Bps, ([0-9.]+) Mbps, ([0-9.]+) pps`)
	replayFailed = regexp.MustCompile(`Failed packets:\s+(\d+)`)
)

// liveRow is one run's measurements.
type liveRow struct {
	buffer, rate string
	load         string // 1-minute load average as the run started

	sent, failed int64
	mbps, pps    float64

	delivered int64 // packets the receiving veth took in
	vethDrops int64 // packets the veth pair dropped before any capture

	received, kernelDrops, ifDrops, processed int64

	sessions  int
	identical int // live session records equal to one of read's
	exit      int
	cpu       time.Duration
	maxRSS    int64
	err       error
}

// consistent is the claim of issue 6: every packet libpcap delivered was
// analysed.
func (r liveRow) consistent() bool {
	return r.err == nil && r.processed == r.received-r.kernelDrops
}

// lossless reports whether no packet was lost anywhere, so the sessions
// must be read's.
func (r liveRow) lossless() bool {
	return r.kernelDrops == 0 && r.ifDrops == 0 && r.vethDrops == 0 && r.failed == 0 && r.delivered == r.sent
}

// liveBench is the namespaces, the veth pair and the processes of one
// "ftpsniff-bench live" run.
type liveBench struct {
	bin, tcpreplay, ip, sysctl string
	dir                        string
	txNS, rxNS                 string
	txIf, rxIf                 string

	mu    sync.Mutex
	procs []*child
}

// child is a process measured with wait4(2).
type child struct {
	proc *os.Process
	done chan struct{}
	ws   syscall.WaitStatus
	ru   syscall.Rusage
	err  error
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// liveMain runs "ftpsniff-bench live [flags] FILE".
func liveMain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ftpsniff-bench live", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin/ftpsniff", "ftpsniff binary, built with libpcap (make build)")
	buffers := fs.String("buffers", "2MiB,default,256MiB", "comma-separated --buffer-size values; default is ftpsniff's own (16 MiB), 2MiB libpcap's")
	rates := fs.String("rates", "1x,1000,top", "comma-separated replay rates: Nx (the capture's own speed times N), a number of Mbps, or top (tcpreplay --topspeed)")
	tcpreplay := fs.String("tcpreplay", "tcpreplay", "tcpreplay binary")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up on a run after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ftpsniff-bench live [flags] FILE\n\nReplays FILE over a veth pair between two new network namespaces to `ftpsniff live`;\nneeds root and tcpreplay. Run `make bench-data` first for bench-data/*.pcap.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("live: one capture file expected")
	}
	file := fs.Arg(0)
	rs, err := parseRates(*rates)
	if err != nil {
		return err
	}
	bs, err := parseBuffers(*buffers)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("live: needs root (it creates network namespaces and captures packets): sudo make bench-live")
	}
	b := &liveBench{}
	if b.tcpreplay, err = lookTool(*tcpreplay); err != nil {
		return errors.New("live: needs tcpreplay (Debian: apt-get install tcpreplay)")
	}
	if b.ip, err = lookTool("ip"); err != nil {
		return errors.New("live: needs ip from iproute2 (Debian: apt-get install iproute2)")
	}
	if b.sysctl, err = lookTool("sysctl"); err != nil {
		return errors.New("live: needs sysctl (Debian: apt-get install procps)")
	}
	if b.bin, err = filepath.Abs(*bin); err != nil {
		return err
	}
	if out, err := exec.Command(b.bin, "live", "--help").CombinedOutput(); err != nil {
		return fmt.Errorf("live: %s live --help: %v: %s", *bin, err, firstLine(out))
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	if b.dir, err = os.MkdirTemp("", "ftpsniff-bench-live-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.dir)

	// Ctrl-C or a kill must not leave namespaces behind.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; ok {
			b.close()
			os.RemoveAll(b.dir)
			fmt.Fprintln(stderr, "ftpsniff-bench: live: interrupted; namespaces deleted")
			os.Exit(130)
		}
	}()

	if err := b.setUp(stderr); err != nil {
		b.close()
		return err
	}
	defer b.close()

	fmt.Fprintf(stdout, "== live capture: %s (%.1f MB) replayed by %s over a veth pair to %s live\n",
		file, float64(fi.Size())/1e6, versionOf(b.tcpreplay), filepath.Base(*bin))
	fmt.Fprintf(stdout, "   %s, %d CPUs, kernel %s; load average before: %s\n", runtime.Version(), runtime.NumCPU(), kernelRelease(), loadavg())
	fmt.Fprintf(stdout, "   namespaces %s -> %s, veth %s -> %s, offloads off\n", b.txNS, b.rxNS, b.txIf, b.rxIf)

	// The reference: `ftpsniff read` of the same file.
	ref, refM, err := b.readReference(file, *timeout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "   ftpsniff read of the file: %d sessions, %.2fs wall, %.2fs CPU, %.1f MiB peak RSS\n\n",
		len(ref), refM.wall.Seconds(), refM.cpu.Seconds(), float64(refM.maxRSS)/(1<<20))

	var rows []liveRow
	for _, buf := range bs {
		for _, rate := range rs {
			row := b.runOnce(file, buf, rate, ref, *timeout)
			status := "ok"
			if row.err != nil {
				status = row.err.Error()
			}
			fmt.Fprintf(stderr, "   %-8s %-14s sent %d at %.0f Mbps, received %d, kernel drops %d, processed %d, sessions %d/%d (%s)\n",
				row.buffer, row.rate, row.sent, row.mbps, row.received, row.kernelDrops, row.processed, row.sessions, len(ref), status)
			rows = append(rows, row)
		}
	}
	fmt.Fprintf(stdout, "   load average after: %s\n\n", loadavg())
	printLiveTable(stdout, rows, len(ref))
	var bad []string
	for _, r := range rows {
		switch {
		case !r.consistent():
			bad = append(bad, r.buffer+"/"+r.rate+": processed != received - kernel drops")
		case r.lossless() && (r.sessions != len(ref) || r.identical != len(ref)):
			bad = append(bad, r.buffer+"/"+r.rate+": sessions differ from read's without any drop")
		}
	}
	if len(bad) > 0 {
		return errors.New("live: " + strings.Join(bad, "; "))
	}
	return nil
}

// setUp creates the namespaces and the veth pair: no addresses, IPv6
// off (no neighbour discovery or MLD of their own), offloads off so
// frames are forwarded as replayed.
func (b *liveBench) setUp(log io.Writer) error {
	pid := os.Getpid()
	b.txNS, b.rxNS = fmt.Sprintf("ftpsniff-bench-tx-%d", pid), fmt.Sprintf("ftpsniff-bench-rx-%d", pid)
	b.txIf, b.rxIf = fmt.Sprintf("fsbt%d", pid%1000000), fmt.Sprintf("fsbr%d", pid%1000000)
	b.deleteNamespaces() // leftovers of an earlier run with this pid
	for _, ns := range []string{b.txNS, b.rxNS} {
		if err := b.run(b.ip, "netns", "add", ns); err != nil {
			return err
		}
		if err := b.run(b.ip, "netns", "exec", ns, b.sysctl, "-qw",
			"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"); err != nil {
			return err
		}
	}
	if err := b.run(b.ip, "link", "add", b.txIf, "netns", b.txNS, "type", "veth", "peer", "name", b.rxIf, "netns", b.rxNS); err != nil {
		return err
	}
	ethtool, ethErr := lookTool("ethtool")
	if ethErr != nil {
		fmt.Fprintln(log, "   (ethtool not installed: veth offloads left on)")
	}
	for _, side := range [][2]string{{b.txNS, b.txIf}, {b.rxNS, b.rxIf}} {
		if err := b.run(b.ip, "-n", side[0], "link", "set", side[1], "up"); err != nil {
			return err
		}
		if ethErr == nil {
			// Best effort: some offloads are fixed on some kernels.
			_ = exec.Command(b.ip, "netns", "exec", side[0], ethtool, "-K", side[1],
				"tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off").Run()
		}
	}
	return nil
}

// close kills what is still running and deletes the namespaces.
func (b *liveBench) close() {
	b.mu.Lock()
	procs := b.procs
	b.procs = nil
	b.mu.Unlock()
	for _, c := range procs {
		if !c.exited() {
			_ = c.proc.Kill()
			<-c.done
		}
	}
	b.deleteNamespaces()
}

func (b *liveBench) deleteNamespaces() {
	if b.txNS == "" {
		return
	}
	for _, ns := range []string{b.txNS, b.rxNS} {
		out, _ := exec.Command(b.ip, "netns", "pids", ns).Output()
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		_ = exec.Command(b.ip, "netns", "del", ns).Run()
	}
}

func (b *liveBench) run(name string, args ...string) error {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("live: %s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, firstLine(out))
	}
	return nil
}

// start runs argv with stdout and stderr to files; wait4(2) in a
// goroutine keeps its rusage.
func (b *liveBench) start(argv []string, stdout, stderr string) (*child, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, p := range []string{stdout, stderr} {
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	// Its own process group: a Ctrl-C at the terminal reaches this
	// program, which stops the runs in order.
	proc, err := os.StartProcess(path, argv, &os.ProcAttr{
		Files: []*os.File{devnull, files[0], files[1]},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return nil, err
	}
	c := &child{proc: proc, done: make(chan struct{})}
	b.mu.Lock()
	b.procs = append(b.procs, c)
	b.mu.Unlock()
	go func() {
		for {
			_, c.err = syscall.Wait4(proc.Pid, &c.ws, 0, &c.ru)
			if !errors.Is(c.err, syscall.EINTR) {
				break
			}
		}
		close(c.done)
	}()
	return c, nil
}

// waitChild waits for c at most limit, then kills it.
func waitChild(c *child, limit time.Duration) error {
	select {
	case <-c.done:
	case <-time.After(limit):
		_ = c.proc.Kill()
		<-c.done
		return fmt.Errorf("killed after %v", limit)
	}
	if c.err != nil {
		return c.err
	}
	if c.ws.Signaled() {
		return fmt.Errorf("killed by %v", c.ws.Signal())
	}
	return nil
}

// readReference runs `ftpsniff read --json` on the file and returns its
// session records, normalised (see sessionKey).
func (b *liveBench) readReference(file string, limit time.Duration) ([]string, measurement, error) {
	out, errPath := filepath.Join(b.dir, "read.ndjson"), filepath.Join(b.dir, "read.stderr")
	start := time.Now()
	c, err := b.start([]string{b.bin, "read", "--json", "--quiet", file}, out, errPath)
	if err != nil {
		return nil, measurement{}, err
	}
	err = waitChild(c, limit)
	m := measurement{wall: time.Since(start), cpu: time.Duration(c.ru.Utime.Nano() + c.ru.Stime.Nano()), maxRSS: c.ru.Maxrss * 1024}
	if err == nil && c.ws.ExitStatus() != 0 {
		msg, _ := os.ReadFile(errPath)
		err = fmt.Errorf("exit %d: %s", c.ws.ExitStatus(), firstLine(msg))
	}
	if err != nil {
		return nil, m, fmt.Errorf("live: ftpsniff read %s: %v", file, err)
	}
	keys, err := sessionKeys(out)
	return keys, m, err
}

// runOnce is one run: ftpsniff live on the receiving end, tcpreplay on
// the sending end, SIGINT, counters.
func (b *liveBench) runOnce(file string, buf liveBuffer, rate liveRate, ref []string, limit time.Duration) (row liveRow) {
	row = liveRow{buffer: buf.label, rate: rate.label, load: load1()}
	tag := fmt.Sprintf("%s-%s", strings.ReplaceAll(buf.label, " ", ""), strings.ReplaceAll(rate.label, " ", ""))
	outPath, errPath := filepath.Join(b.dir, "live-"+tag+".ndjson"), filepath.Join(b.dir, "live-"+tag+".stderr")

	rx0, err := b.vethCounters(b.rxNS, b.rxIf)
	if err != nil {
		row.err = err
		return row
	}
	tx0, err := b.vethCounters(b.txNS, b.txIf)
	if err != nil {
		row.err = err
		return row
	}

	argv := []string{b.ip, "netns", "exec", b.rxNS, b.bin, "live", "-i", b.rxIf, "--json", "--promisc"}
	if buf.bytes > 0 {
		argv = append(argv, "--buffer-size", strconv.FormatInt(buf.bytes, 10))
	}
	sniff, err := b.start(argv, outPath, errPath)
	if err != nil {
		row.err = err
		return row
	}
	// ip netns exec execs ftpsniff: the child is ftpsniff itself, so
	// its rusage and the SIGINT below are ftpsniff's.
	deadline := time.Now().Add(30 * time.Second)
	for {
		msg, _ := os.ReadFile(errPath)
		if bytes.Contains(msg, []byte("listening on")) {
			break
		}
		if sniff.exited() || time.Now().After(deadline) {
			_ = waitChild(sniff, time.Second)
			row.err = fmt.Errorf("ftpsniff live did not start: %s", firstLine(msg))
			return row
		}
		time.Sleep(50 * time.Millisecond)
	}

	replayArgs := append([]string{b.ip, "netns", "exec", b.txNS, b.tcpreplay, "-i", b.txIf, "--preload-pcap"}, rate.args...)
	replayOut := filepath.Join(b.dir, "tcpreplay-"+tag+".out")
	replay, err := b.start(append(replayArgs, file), replayOut, replayOut+".err")
	if err != nil {
		row.err = err
		return row
	}
	replayErr := waitChild(replay, limit)
	msg, _ := os.ReadFile(replayOut)
	emsg, _ := os.ReadFile(replayOut + ".err")
	msg = append(msg, emsg...)
	if replayErr == nil && replay.ws.ExitStatus() != 0 {
		replayErr = fmt.Errorf("exit %d", replay.ws.ExitStatus())
	}
	parseReplay(msg, &row)

	// Let the kernel finish delivering the last frames (a backlog of at
	// most net.core.netdev_max_backlog packets) before asking ftpsniff to
	// stop; it then reads what is in its capture buffer and stops.
	time.Sleep(500 * time.Millisecond)
	if err := sniff.proc.Signal(os.Interrupt); err != nil && row.err == nil {
		row.err = err
	}
	if err := waitChild(sniff, limit); err != nil && row.err == nil {
		row.err = fmt.Errorf("ftpsniff live: %v", err)
	}
	row.exit = sniff.ws.ExitStatus()
	row.cpu = time.Duration(sniff.ru.Utime.Nano() + sniff.ru.Stime.Nano())
	row.maxRSS = sniff.ru.Maxrss * 1024
	if replayErr != nil && row.err == nil {
		row.err = fmt.Errorf("tcpreplay: %v: %s", replayErr, lastLine(msg))
	}

	if rx1, err := b.vethCounters(b.rxNS, b.rxIf); err == nil {
		row.delivered = rx1.rxPackets - rx0.rxPackets
		row.vethDrops += rx1.rxDropped - rx0.rxDropped
	}
	if tx1, err := b.vethCounters(b.txNS, b.txIf); err == nil {
		row.vethDrops += tx1.txDropped - tx0.txDropped
	}

	stderr, _ := os.ReadFile(errPath)
	m := liveStatsLine.FindSubmatch(stderr)
	if m == nil {
		if row.err == nil {
			row.err = fmt.Errorf("no statistics line from ftpsniff live (exit %d): %s", row.exit, lastLine(stderr))
		}
		return row
	}
	row.processed, row.received, row.kernelDrops, row.ifDrops = atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
	if row.exit != 0 && row.exit != 3 && row.err == nil {
		// 3 is "partial": packets were dropped.
		row.err = fmt.Errorf("ftpsniff live exited %d: %s", row.exit, lastLine(stderr))
	}
	keys, err := sessionKeys(outPath)
	if err != nil && row.err == nil {
		row.err = err
	}
	row.sessions = len(keys)
	row.identical = multisetCommon(keys, ref)
	return row
}

func parseReplay(out []byte, row *liveRow) {
	if m := replayActual.FindSubmatch(out); m != nil {
		row.sent = atoi(m[1])
	}
	if m := replayRated.FindSubmatch(out); m != nil {
		row.mbps, _ = strconv.ParseFloat(string(m[2]), 64)
		row.pps, _ = strconv.ParseFloat(string(m[3]), 64)
	}
	if m := replayFailed.FindSubmatch(out); m != nil {
		row.failed = atoi(m[1])
	}
}

// vethStats are the interface counters that matter here.
type vethStats struct {
	rxPackets, rxDropped, txDropped int64
}

// vethCounters reads an interface's counters (ip -s -j link show).
func (b *liveBench) vethCounters(ns, dev string) (vethStats, error) {
	out, err := exec.Command(b.ip, "-n", ns, "-s", "-j", "link", "show", "dev", dev).Output()
	if err != nil {
		return vethStats{}, fmt.Errorf("ip -s link show %s: %v", dev, err)
	}
	var links []struct {
		Stats64 struct {
			RX struct {
				Packets int64 `json:"packets"`
				Dropped int64 `json:"dropped"`
			} `json:"rx"`
			TX struct {
				Dropped int64 `json:"dropped"`
			} `json:"tx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal(out, &links); err != nil || len(links) != 1 {
		return vethStats{}, fmt.Errorf("ip -s -j link show %s: unexpected output", dev)
	}
	s := links[0].Stats64
	return vethStats{rxPackets: s.RX.Packets, rxDropped: s.RX.Dropped, txDropped: s.TX.Dropped}, nil
}

// timeKeys are the session record keys that come from the capture clock:
// a replay has other times than the file (and a faster one other
// round-trip times), nothing else.
var timeKeys = map[string]bool{"start": true, "end": true, "time": true, "handshake_rtt_ms": true}

// sessionKeys reads the session records of an NDJSON file, each without
// its times (at any depth), as canonical JSON.
func sessionKeys(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var keys []string
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(`{"type":"session"`)) {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		b, err := json.Marshal(withoutTimes(rec))
		if err != nil {
			return nil, err
		}
		keys = append(keys, string(b))
	}
	return keys, sc.Err()
}

func withoutTimes(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if timeKeys[k] {
				delete(t, k)
				continue
			}
			t[k] = withoutTimes(x)
		}
	case []any:
		for i, x := range t {
			t[i] = withoutTimes(x)
		}
	}
	return v
}

// multisetCommon counts the elements a and b have in common, as
// multisets: len(a) == len(b) == multisetCommon(a, b) when they are the
// same records in any order.
func multisetCommon(a, b []string) int {
	n := map[string]int{}
	for _, k := range b {
		n[k]++
	}
	common := 0
	for _, k := range a {
		if n[k] > 0 {
			n[k]--
			common++
		}
	}
	return common
}

func printLiveTable(w io.Writer, rows []liveRow, refSessions int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "buffer\trate asked\tload\tsent\tMbps\tpps\tveth drops\tdelivered\tnot matched\treceived\tkernel drops\tif drops\tprocessed\t= recv-drops\tsessions live/read\tidentical\tCPU s\tpeak RSS MiB\texit\t")
	for _, r := range rows {
		if r.err != nil && r.received == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t(%s)\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n", r.buffer, r.rate, r.load, r.err)
			continue
		}
		eq := "yes"
		if !r.consistent() {
			eq = "NO"
		}
		same := fmt.Sprint(r.identical)
		if r.identical == refSessions && r.sessions == refSessions {
			same = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.0f\t%.0f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%d/%d\t%s\t%.2f\t%.1f\t%d\t\n",
			r.buffer, r.rate, r.load, r.sent, r.mbps, r.pps, r.vethDrops, r.delivered, r.delivered-r.received,
			r.received, r.kernelDrops, r.ifDrops, r.processed, eq, r.sessions, refSessions, same,
			r.cpu.Seconds(), float64(r.maxRSS)/(1<<20), r.exit)
	}
	tw.Flush()
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(w, "   %s/%s: %v\n", r.buffer, r.rate, r.err)
		}
	}
	fmt.Fprintln(w, `
sent, Mbps, pps: tcpreplay's own report (--preload-pcap). veth drops: dropped by the veth pair
before any capture (sender tx_dropped + receiver rx_dropped). delivered: frames the receiving
veth took in; not matched: delivered - received, rejected by the default BPF filter (UDP).
received, kernel drops (ps_drop: capture buffer full), if drops (ps_ifdrop): libpcap's
pcap_stats; on Linux received counts the kernel drops too. processed: packets ftpsniff read and
analysed ("packets captured"); = recv-drops says whether processed = received - kernel drops,
i.e. ftpsniff's own processing lost nothing. sessions: session records of ftpsniff live --json
against ftpsniff read --json of the file; identical: live records equal to one of read's, times
left out ("all": the same sessions, record for record). CPU: ftpsniff's user + system time
(wait4 rusage) over the whole run; peak RSS includes the capture buffer, mapped into ftpsniff.
exit 3: ftpsniff reported drops. load: 1-minute load average as the run started (tcpreplay, the
kernel's veth forwarding and ftpsniff share the machine's cores).`)
}

// lookTool finds an administration tool also where root's PATH has it
// and a user's may not.
func lookTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil || strings.ContainsRune(name, '/') {
		return p, err
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if fi, serr := os.Stat(p); serr == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", err
}

func atoi(b []byte) int64 {
	n, _ := strconv.ParseInt(string(b), 10, 64)
	return n
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func load1() string {
	f := strings.Fields(loadavg())
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func versionOf(tcpreplay string) string {
	out, _ := exec.Command(tcpreplay, "--version").CombinedOutput()
	line := firstLine(out)
	if f := strings.Fields(line); len(f) >= 3 {
		return "tcpreplay " + f[2]
	}
	return "tcpreplay"
}

func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
