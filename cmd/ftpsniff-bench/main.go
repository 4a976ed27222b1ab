// Command ftpsniff-bench measures ftpsniff against the practical floor
// (reading and decoding packet headers, nothing else) and against other
// tools on the same capture (make bench):
//
//	go run ./cmd/ftpsniff-bench bench-data/bench-1g.pcap
//
// Every tool runs as a child process; wall time, user+system CPU time and
// peak resident memory come from wait4(2)'s rusage. The floor is a
// hidden mode of this binary ("ftpsniff-bench floor FILE"), run first so
// that the file is in the page cache for everyone.
//
// "ftpsniff-bench live FILE" (make bench-live, root) replays the capture
// with tcpreplay over a veth pair to `ftpsniff live` instead (live.go).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unsafe"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "floor", "floor-ahead", "read-only", "pipeline", "pipeline-ahead":
			if err := floor(os.Args[1], os.Args[2:], os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, "ftpsniff-bench:", err)
				os.Exit(1)
			}
			return
		case "live":
			if err := liveMain(os.Args[2:], os.Stdout, os.Stderr); err != nil {
				fmt.Fprintln(os.Stderr, "ftpsniff-bench:", err)
				os.Exit(1)
			}
			return
		}
	}
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ftpsniff-bench:", err)
		os.Exit(1)
	}
}

// floorStats is what a floor run prints, for the parent to read.
type floorStats struct {
	Frames   int64 `json:"frames"`
	TCP      int64 `json:"tcp"`
	Payload  int64 `json:"payload"`
	Bytes    int64 `json:"bytes"`
	Errors   int64 `json:"errors"`
	Sessions int   `json:"sessions,omitempty"`
}

// floor is the practical lower bound of any analysis: open the capture,
// read every frame and decode its headers to a TCP segment, with the
// same packages ftpsniff uses (capture.OpenFiles, packet.Decoder.Decode).
// "read-only" skips the decoding; "floor-ahead" decodes through
// packet.DecodeAhead, as ftpsniff does on two cores. "pipeline" and
// "pipeline-ahead" add TCP reassembly and the FTP decoder but keep no
// session: the streaming core, whose memory must not depend on the
// capture's size (the report keeps every session for its findings).
func floor(mode string, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(mode + ": no capture file given")
	}
	src, err := capture.OpenFiles(args, capture.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	var st floorStats
	pd := packet.NewDecoder()
	switch mode {
	case "read-only":
		for {
			f, err := src.Next()
			if err != nil {
				break
			}
			st.Frames++
			st.Bytes += int64(len(f.Data))
		}
	case "floor":
		var p tcp.Segment
		for {
			f, err := src.Next()
			if err != nil {
				break
			}
			st.Frames++
			st.Bytes += int64(len(f.Data))
			ok, derr := pd.Decode(f.LinkType, f.Data, f.TS, &p)
			if derr != nil {
				st.Errors++
			}
			if ok {
				st.TCP++
				st.Payload += int64(len(p.Payload))
			}
		}
	case "pipeline", "pipeline-ahead":
		st.Sessions = pipeline(src, pd, mode == "pipeline-ahead", &st)
	case "floor-ahead":
		a := packet.DecodeAhead(src, pd, packet.AheadOptions{})
		for {
			d, err := a.Next()
			if err != nil {
				break
			}
			st.Frames++
			st.Bytes += int64(len(d.Frame.Data))
			if d.Err != nil {
				st.Errors++
			}
			if d.OK {
				st.TCP++
				st.Payload += int64(len(d.Segment.Payload))
			}
		}
		a.Close()
	}
	return json.NewEncoder(out).Encode(st)
}

// pipeline runs reassembly and the FTP decoder over src, counting
// sessions and dropping them.
func pipeline(src capture.Source, pd *packet.Decoder, ahead bool, st *floorStats) int {
	sessions := 0
	cfg := decoder.DefaultConfig()
	cfg.OnSession = func(*decoder.Session) { sessions++ }
	an := decoder.NewAnalyzer(cfg)
	asm := reassembly.NewAssembler(an, reassembly.DefaultLimits())
	var last time.Time
	count := func(data []byte, ok bool, err error, p *tcp.Segment) {
		st.Frames++
		st.Bytes += int64(len(data))
		if err != nil {
			st.Errors++
		}
		if ok {
			st.TCP++
			st.Payload += int64(len(p.Payload))
			asm.Process(p)
			last = p.TS
		}
	}
	if ahead {
		a := packet.DecodeAhead(src, pd, packet.AheadOptions{})
		for {
			d, err := a.Next()
			if err != nil {
				break
			}
			count(d.Frame.Data, d.OK, d.Err, &d.Segment)
		}
		a.Close()
	} else {
		var p tcp.Segment
		for {
			f, err := src.Next()
			if err != nil {
				break
			}
			ok, derr := pd.Decode(f.LinkType, f.Data, f.TS, &p)
			count(f.Data, ok, derr, &p)
		}
	}
	asm.Flush(last)
	an.Finish()
	return sessions
}

// measurement is one child process run.
type measurement struct {
	name   string
	cmd    string
	wall   time.Duration
	cpu    time.Duration // user + system
	maxRSS int64         // bytes
	exit   int
	stdout []byte
	stderr string
	err    error
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ftpsniff-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin/ftpsniff", "ftpsniff binary to measure")
	runs := fs.Int("runs", 1, "runs per tool; the table shows the one with the least CPU time")
	only := fs.String("tools", "", "comma-separated subset of: read-only,floor,floor-ahead,pipeline,pipeline-ahead,json,table,json-1thread,tshark,dsniff")
	noSlow := fs.Bool("no-slow", false, "skip tshark and dsniff")
	timeout := fs.Duration("timeout", time.Hour, "give up on a tool after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ftpsniff-bench [flags] FILE...\n\nOne table per capture; run `make bench-data` first for bench-data/*.pcap.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("no capture file given")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, t := range strings.Split(*only, ",") {
		if t = strings.TrimSpace(t); t != "" {
			want[t] = true
		}
	}
	threads := supportsThreads(*bin)
	for _, file := range fs.Args() {
		if err := benchFile(file, self, *bin, threads, want, *noSlow, *runs, *timeout, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// supportsThreads reports whether bin has a --threads flag, to show the
// single-threaded run beside the default one.
func supportsThreads(bin string) bool {
	out, err := exec.Command(bin, "read", "--help").CombinedOutput()
	return err == nil && bytes.Contains(out, []byte("--threads"))
}

type tool struct {
	name string
	argv []string
	// optional tools are skipped when not installed.
	optional bool
	slow     bool
}

func benchFile(file, self, bin string, threads bool, want map[string]bool, noSlow bool, runs int, timeout time.Duration, stdout, stderr io.Writer) error {
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	size := fi.Size()
	tools := []tool{
		{name: "read-only", argv: []string{self, "read-only", file}},
		{name: "floor", argv: []string{self, "floor", file}},
		{name: "floor-ahead", argv: []string{self, "floor-ahead", file}},
		{name: "pipeline", argv: []string{self, "pipeline", file}},
		{name: "pipeline-ahead", argv: []string{self, "pipeline-ahead", file}},
		{name: "json", argv: []string{bin, "read", "--json", "--quiet", file}},
		{name: "table", argv: []string{bin, "read", "--quiet", file}},
	}
	if threads {
		tools = append(tools, tool{name: "json-1thread", argv: []string{bin, "read", "--json", "--quiet", "--threads", "1", file}})
	}
	tools = append(tools,
		tool{name: "tshark", argv: []string{"tshark", "-r", file, "-Y", "ftp.request", "-T", "fields", "-e", "ftp.request.command"}, optional: true, slow: true},
		// -n: no DNS lookups of the addresses it prints, which would
		// measure the resolver, not dsniff.
		tool{name: "dsniff", argv: []string{"dsniff", "-n", "-p", file}, optional: true, slow: true},
	)

	fmt.Fprintf(stdout, "== %s: %.1f MB, %s, GOMAXPROCS %d on %d CPUs\n", file, float64(size)/1e6, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(stdout, "   load average before: %s\n", loadavg())
	fmt.Fprintf(stdout, "   page cache: %s of the file resident before the warm-up read\n", residency(file))

	// Warm the page cache (and learn the packet count) with a floor run
	// that is not reported.
	warm := execMeasure("warm-up", []string{self, "floor", file}, timeout)
	if warm.err != nil || warm.exit != 0 {
		return fmt.Errorf("floor run failed: %v %s", warm.err, warm.stderr)
	}
	var fst floorStats
	if err := json.Unmarshal(warm.stdout, &fst); err != nil {
		return fmt.Errorf("floor output: %w", err)
	}
	fmt.Fprintf(stdout, "   %d frames (%d TCP segments, %.1f MB of TCP payload); page cache after warm-up: %s\n\n",
		fst.Frames, fst.TCP, float64(fst.Payload)/1e6, residency(file))

	var results []measurement
	for _, t := range tools {
		if len(want) > 0 && !want[t.name] {
			continue
		}
		if t.slow && noSlow {
			continue
		}
		if t.optional {
			if _, err := exec.LookPath(t.argv[0]); err != nil {
				fmt.Fprintf(stdout, "   (%s not installed: skipped)\n", t.argv[0])
				continue
			}
		}
		var best measurement
		for i := range runs {
			m := execMeasure(t.name, t.argv, timeout)
			if i == 0 || (m.err == nil && m.cpu < best.cpu) {
				best = m
			}
		}
		fmt.Fprintf(stderr, "   %-13s %6.2fs wall %6.2fs CPU %6.1f MiB  (%s)\n", t.name, best.wall.Seconds(), best.cpu.Seconds(), float64(best.maxRSS)/(1<<20), strings.Join(best.displayArgv(t.argv), " "))
		results = append(results, best)
	}
	fmt.Fprintf(stdout, "   load average after: %s\n\n", loadavg())
	printTable(stdout, results, size, fst.Frames)
	return nil
}

func (m measurement) displayArgv(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = a
		if i == 0 {
			out[i] = filepath.Base(a)
		}
	}
	return out
}

func printTable(w io.Writer, rs []measurement, size, frames int64) {
	var floorM, tshark *measurement
	for i := range rs {
		switch rs[i].name {
		case "floor":
			floorM = &rs[i]
		case "tshark":
			tshark = &rs[i]
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\twall s\tCPU s\tpeak RSS MiB\tMB/s\tpackets/s\tx floor wall\tx floor CPU\ttshark/tool wall\ttshark/tool CPU\t")
	ratio := func(a, b time.Duration) string {
		if a <= 0 || b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a.Seconds()/b.Seconds())
	}
	for _, m := range rs {
		status := ""
		if m.err != nil {
			status = " (" + m.err.Error() + ")"
		} else if m.exit != 0 {
			status = fmt.Sprintf(" (exit %d)", m.exit)
		}
		wall := m.wall.Seconds()
		fw, fc, tw2, tc := "-", "-", "-", "-"
		if floorM != nil {
			fw, fc = ratio(m.wall, floorM.wall), ratio(m.cpu, floorM.cpu)
		}
		if tshark != nil {
			tw2, tc = ratio(tshark.wall, m.wall), ratio(tshark.cpu, m.cpu)
		}
		fmt.Fprintf(tw, "%s%s\t%.2f\t%.2f\t%.1f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n",
			m.name, status, wall, m.cpu.Seconds(), float64(m.maxRSS)/(1<<20),
			float64(size)/1e6/wall, float64(frames)/wall, fw, fc, tw2, tc)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nMB/s and packets/s are per wall-clock second. CPU = user + system (wait4 rusage);")
	fmt.Fprintln(w, "on a loaded machine compare CPU columns. read-only: capture.OpenFiles only; floor: + packet.Decoder.Decode;")
	fmt.Fprintln(w, "floor-ahead: floor through packet.DecodeAhead; pipeline: + reassembly and FTP decoding, sessions dropped;")
	fmt.Fprintln(w, "json/table: the full ftpsniff report to /dev/null (JSON streamed with the findings at the end; the table holds its rows).")
}

// execMeasure runs argv with stdout captured (up to 1 MiB, the rest
// discarded: only the floor's one line is read) and stderr kept for
// errors, and measures it with wait4(2).
func execMeasure(name string, argv []string, timeout time.Duration) measurement {
	m := measurement{name: name, cmd: strings.Join(argv, " ")}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		m.err = err
		return m
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		m.err = err
		return m
	}
	defer devnull.Close()
	out, err := os.CreateTemp("", "ftpsniff-bench-out-")
	if err != nil {
		m.err = err
		return m
	}
	defer os.Remove(out.Name())
	defer out.Close()
	errf, err := os.CreateTemp("", "ftpsniff-bench-err-")
	if err != nil {
		m.err = err
		return m
	}
	defer os.Remove(errf.Name())
	defer errf.Close()
	stdoutFile := out
	if !strings.HasPrefix(name, "warm") && !isFloor(argv) {
		// Reports go to /dev/null, as `tool > /dev/null` would.
		if stdoutFile, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
			m.err = err
			return m
		}
		defer stdoutFile.Close()
	}
	start := time.Now()
	proc, err := os.StartProcess(path, argv, &os.ProcAttr{Files: []*os.File{devnull, stdoutFile, errf}})
	if err != nil {
		m.err = err
		return m
	}
	timer := time.AfterFunc(timeout, func() { _ = proc.Kill() })
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(proc.Pid, &ws, 0, &ru)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	m.wall = time.Since(start)
	timer.Stop()
	_ = proc.Release()
	if err != nil {
		m.err = err
		return m
	}
	m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	m.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	m.exit = ws.ExitStatus()
	if ws.Signaled() {
		m.err = fmt.Errorf("killed by %v", ws.Signal())
	}
	if _, err := out.Seek(0, io.SeekStart); err == nil {
		m.stdout, _ = io.ReadAll(io.LimitReader(out, 1<<20))
	}
	if _, err := errf.Seek(0, io.SeekStart); err == nil {
		b, _ := io.ReadAll(io.LimitReader(errf, 4096))
		m.stderr = string(b)
	}
	return m
}

func isFloor(argv []string) bool {
	if len(argv) < 2 {
		return false
	}
	switch argv[1] {
	case "floor", "floor-ahead", "read-only", "pipeline", "pipeline-ahead":
		return true
	}
	return false
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// residency reports how much of file is in the page cache (mincore(2)).
func residency(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return "unknown"
	}
	page := int64(os.Getpagesize())
	var resident, total int64
	const chunk = 1 << 30 // map a GiB at a time
	for off := int64(0); off < fi.Size(); off += chunk {
		n := min(chunk, fi.Size()-off)
		mem, err := syscall.Mmap(int(f.Fd()), off, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			return "unknown"
		}
		vec := make([]byte, (n+page-1)/page)
		_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(n), uintptr(unsafe.Pointer(&vec[0])))
		_ = syscall.Munmap(mem)
		if errno != 0 {
			return "unknown"
		}
		for _, v := range vec {
			resident += int64(v & 1)
		}
		total += int64(len(vec))
	}
	return fmt.Sprintf("%.0f%%", 100*float64(resident)/float64(total))
}
