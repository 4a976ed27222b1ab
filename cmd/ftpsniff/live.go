package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
	"github.com/ftpsniff/ftpsniff/report"
)

// liveOptions are the inputs of `ftpsniff live`.
type liveOptions struct {
	iface         string
	bpf           string
	bpfSet        bool
	snaplen       int
	promisc       bool
	bufferSize    int
	duration      time.Duration
	count         int64
	json          bool
	transcript    bool
	showPasswords bool
	write         string
	force         bool
	quiet         bool
	maxKept       int
	analysis      analysisFlags
	// readTimeout is capture.LiveOptions.ReadTimeout (tests shorten it).
	readTimeout time.Duration
	// signals are the signals that end the capture; nil means SIGINT and
	// SIGTERM.
	signals []os.Signal
}

// defaultMaxKept bounds the sessions a long human-mode capture keeps for
// its closing table; they were all streamed as events already.
const defaultMaxKept = 10000

func newLiveCmd(s *streams) *cobra.Command {
	o := &liveOptions{analysis: defaultAnalysisFlags(), maxKept: defaultMaxKept}
	cmd := &cobra.Command{
		Use:   "live -i IFACE",
		Short: "Watch FTP on a network interface as it happens",
		Long: `Capture on a network interface and report FTP as it happens: one line per
event (session opened, login attempt and outcome, transfer started and
finished, session closed; with --transcript every command and reply too),
then, when the capture ends (Ctrl-C, SIGTERM, --duration or --count), the
same closing report as 'ftpsniff read' and the capture statistics on stderr.
Packets already in the capture buffer when Ctrl-C comes are still analysed
(a second Ctrl-C quits at once).

The default capture filter keeps every TCP packet (and IP fragments), not
only port 21: data connections use ports announced inside the FTP dialogue.
A --bpf filter replaces it; --bpf '' captures everything.

Idle sessions are closed after --idle-timeout on the capture clock. On a
quiet interface no packet moves that clock, so live capture also advances
it with the time elapsed since the last packet; file analysis never does.

Capturing needs root or the CAP_NET_RAW capability
(setcap cap_net_raw,cap_net_admin=eip $(which ftpsniff)), and a build with
libpcap ('make build').`,
		Example: `  # watch FTP on eth0
  sudo ftpsniff live -i eth0

  # every command and reply, as NDJSON, for a pipeline or a log
  sudo ftpsniff live -i eth0 --transcript --json | tee ftp-events.ndjson

  # one hour on a mirror port, keeping the FTP packets for later
  sudo ftpsniff live -i span0 --promisc --duration 1h -w ftp.pcap`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.bpfSet = cmd.Flags().Changed("bpf")
			return runLive(o, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.iface, "interface", "i", "", "capture on `IFACE` ('ftpsniff interfaces' lists them; \"any\" for all on Linux)")
	f.StringVar(&o.bpf, "bpf", "", "capture filter `EXPR` (pcap-filter(7)) replacing the default (all TCP and IP fragments); '' for everything")
	f.IntVar(&o.snaplen, "snaplen", capture.DefaultSnaplen, "bytes kept of each packet")
	f.BoolVar(&o.promisc, "promisc", false, "promiscuous mode: also capture traffic not addressed to this host (mirror ports)")
	f.IntVar(&o.bufferSize, "buffer-size", capture.DefaultBufferSize, "kernel capture buffer in `BYTES` (raise it if packets are dropped)")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (wall clock), e.g. 30s, 1h")
	f.Int64VarP(&o.count, "count", "c", 0, "stop after this many captured packets")
	f.BoolVar(&o.json, "json", false, "write NDJSON: event records as they happen, session records when final, a summary at the end")
	f.BoolVarP(&o.transcript, "transcript", "t", false, "also stream every command and reply")
	f.BoolVar(&o.showPasswords, "show-passwords", false, "print passwords instead of <hidden>")
	f.StringVarP(&o.write, "write", "w", "", "save the packets of FTP control and data connections to the pcap `FILE` (readable by 'ftpsniff read')")
	f.BoolVar(&o.force, "force", false, "let -w replace an existing file")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no statistics or warnings on stderr")
	f.IntVar(&o.maxKept, "max-sessions", o.maxKept, "most finished sessions kept for the closing table (the oldest are left out; all were streamed)")
	o.analysis.register(f)
	// A live capture is read packet by packet (it must see quiet
	// moments), never a batch ahead.
	_ = f.MarkHidden("threads")
	_ = cmd.MarkFlagRequired("interface")
	_ = cmd.MarkFlagFilename("write", "pcap")
	_ = cmd.RegisterFlagCompletionFunc("interface", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		ifs, err := capture.Interfaces()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]string, 0, len(ifs))
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// validate rejects option values that cannot work, before anything is
// opened.
func (o *liveOptions) validate() error {
	if err := o.analysis.validate(); err != nil {
		return err
	}
	switch {
	case o.iface == "":
		return errors.New("-i/--interface is required ('ftpsniff interfaces' lists them)")
	case o.snaplen < 0 || o.snaplen > capture.DefaultSnaplen:
		return fmt.Errorf("--snaplen must be between 0 (whole packets) and %d", capture.DefaultSnaplen)
	case o.snaplen > 0 && o.snaplen < 96:
		return errors.New("--snaplen below 96 cuts TCP headers off; use at least 96")
	case o.bufferSize < 0:
		return errors.New("--buffer-size cannot be negative")
	case o.duration < 0:
		return errors.New("--duration cannot be negative")
	case o.count < 0:
		return errors.New("--count cannot be negative")
	case o.maxKept < 0:
		return errors.New("--max-sessions cannot be negative")
	case o.force && o.write == "":
		return errors.New("--force only applies to -w")
	}
	return nil
}

// runLive captures until stopped and writes events, the closing report
// and the capture statistics.
func runLive(o *liveOptions, s *streams) error {
	if err := o.validate(); err != nil {
		return fail(exitUsage, err)
	}
	src, err := capture.OpenLive(capture.LiveOptions{
		Interface:    o.iface,
		Filter:       o.bpf,
		CustomFilter: o.bpfSet,
		Snaplen:      o.snaplen,
		Promisc:      o.promisc,
		BufferSize:   o.bufferSize,
		ReadTimeout:  o.readTimeout,
	})
	if err != nil {
		if errors.Is(err, capture.ErrBadFilter) {
			return fail(exitUsage, err)
		}
		return fail(exitError, err)
	}
	defer src.Close()

	var sv *saver
	if o.write != "" {
		w, err := capture.CreateFile(o.write, capture.WriterOptions{
			LinkType:   src.LinkType(),
			Snaplen:    src.Snaplen(),
			Nanosecond: src.Nanosecond(),
		}, o.force)
		if err != nil {
			return fail(exitError, fmt.Errorf("-w: %w", err))
		}
		defer w.Close()
		cfg := o.analysis.decoderConfig()
		sv = newSaver(w, cfg.Ports)
	}

	signals := o.signals
	if signals == nil {
		signals = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), signals...)
	defer stopSignals()
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}

	if !o.quiet {
		filter := src.Filter()
		if filter == "" {
			filter = "none"
		}
		fmt.Fprintf(s.err, "ftpsniff: listening on %s, link type %s, snaplen %d, filter %q\n",
			report.Escape(o.iface), src.LinkType(), src.Snaplen(), filter)
	}

	out := bufio.NewWriterSize(s.out, 64<<10)
	defer out.Flush()
	ropts := report.Options{ShowPasswords: o.showPasswords}
	lr := &liveRun{o: o, out: out, sv: sv}
	if o.json {
		lr.jw = report.NewJSONWriter(out, ropts)
	}
	lr.ropts = ropts

	cfg := o.analysis.decoderConfig()
	cfg.OnEvent = lr.event
	cfg.OnSession = lr.session

	hooks := pipelineHooks{
		stop: func() bool {
			if o.count > 0 && lr.frames >= o.count {
				return true
			}
			if ctx.Err() == nil {
				return false
			}
			return lr.drained(src, stopSignals)
		},
		idle:  lr.idle,
		frame: lr.frame,
	}
	if sv != nil {
		hooks.factory = sv.wrap
	}
	res, err := analyzeWith(src, &o.analysis, cfg, false, hooks)
	// A second Ctrl-C from now on kills the process the default way, in
	// case the closing report is slow.
	stopSignals()
	if err != nil {
		return fail(exitError, err)
	}
	// The counters as the analysis ended, before the closing report takes
	// its time: after a drain on a quiet link, captured = received -
	// dropped by kernel.
	st, stErr := src.Stats()
	if stErr == nil && (st.DroppedKernel > 0 || st.DroppedInterface > 0) {
		// Lost before ftpsniff saw them: the report is partial, and the
		// summary record says so like the damage of a file.
		res.Damaged = true
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"%d packets dropped by the kernel, %d by the interface: the report may miss data (raise --buffer-size, narrow --bpf)",
			st.DroppedKernel, st.DroppedInterface))
	}
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) && !o.quiet && !o.json {
		fmt.Fprintln(s.err)
	}

	// The closing report, as `read` writes it.
	var writeErr error
	switch {
	case o.json:
		writeErr = lr.jw.Summary(res.Summary, res.input())
	default:
		if lr.shown > 0 {
			out.WriteByte('\n')
		}
		if lr.dropped > 0 {
			fmt.Fprintf(out, "%d earlier sessions are left out of this table (--max-sessions %d); they were streamed above.\n\n", lr.dropped, o.maxKept)
		}
		writeErr = report.Table(out, lr.kept, res.Summary, ropts)
	}
	if writeErr == nil {
		writeErr = lr.writeErr
	}
	if err := out.Flush(); err != nil && writeErr == nil {
		writeErr = err
	}

	partial := res.Damaged
	if !o.quiet {
		for _, w := range res.Warnings {
			warn(s.err, false, w)
		}
	}
	if stErr == nil {
		if !o.quiet {
			fmt.Fprintf(s.err, "ftpsniff: %d packets captured, %d received by filter, %d dropped by kernel, %d dropped by interface\n",
				res.Frames, st.Received, st.DroppedKernel, st.DroppedInterface)
		}
	} else {
		warn(s.err, o.quiet, "capture statistics: "+stErr.Error())
	}
	if sv != nil {
		if err := sv.w.Close(); err != nil && sv.err == nil {
			sv.err = err
		}
		if !o.quiet {
			fmt.Fprintf(s.err, "ftpsniff: %d packets of FTP connections written to %s\n", sv.written, report.Escape(o.write))
		}
		if sv.cutConns > 0 {
			warn(s.err, o.quiet, fmt.Sprintf("-w: %d connections were saved without their first packets (held-back buffer full)", sv.cutConns))
		}
		if sv.err != nil {
			return fail(exitError, fmt.Errorf("-w %s: %w (%d packets not written)", o.write, sv.err, sv.errs))
		}
	}
	if writeErr != nil {
		return fail(exitError, fmt.Errorf("writing the report: %w", writeErr))
	}
	if partial {
		return fail(exitPartial, nil)
	}
	return nil
}

// liveRun is the state of one live capture's output.
type liveRun struct {
	o     *liveOptions
	out   *bufio.Writer
	jw    *report.JSONWriter
	ropts report.Options
	sv    *saver

	frames int64
	// wall is the wall-clock time the latest packet was read, the base of
	// the capture-clock estimate on a quiet link.
	wall      time.Time
	lastFlush time.Time

	kept     []*decoder.Session
	dropped  int
	shown    int
	writeErr error

	// The drain after a stop request (see drained).
	stopping   bool
	drainTo    int64
	drainUntil time.Time
	drainIdle  bool
}

// liveDrainLimit bounds the drain after a stop request in wall time, for
// a decoder much slower than the link that filled a large buffer.
const liveDrainLimit = 10 * time.Second

// drained reports whether a stopping capture may end. Packets the kernel
// already put in the capture buffer when the stop request (Ctrl-C,
// SIGTERM, --duration) came are still analysed: stopping at once would
// leave them unread, counted by libpcap as received but never seen, and
// the closing report would miss the end of the traffic. The drain ends
// when every packet received by then (received - dropped by kernel) was
// read, when the interface is quiet for the read timeout, or after
// liveDrainLimit, whichever comes first; release restores the default
// signal handling, so a second Ctrl-C ends the process at once.
func (r *liveRun) drained(src capture.LiveSource, release func()) bool {
	if !r.stopping {
		r.stopping = true
		release()
		st, err := src.Stats()
		if err != nil {
			return true
		}
		r.drainTo = st.Received - st.DroppedKernel
		r.drainUntil = time.Now().Add(liveDrainLimit)
	}
	return r.drainIdle || r.frames >= r.drainTo || time.Now().After(r.drainUntil)
}

// event streams one decoder event as a line and flushes it, so a pipe
// (| tee, | jq) sees it at once.
func (r *liveRun) event(ev decoder.Event) {
	if r.sv != nil {
		r.sv.onEvent(ev)
	}
	if !r.o.transcript && (ev.Kind == decoder.EventCommand || ev.Kind == decoder.EventReply) {
		return
	}
	var err error
	if r.jw != nil {
		err = r.jw.Event(ev)
	} else {
		err = report.WriteEvent(r.out, ev, r.ropts)
	}
	if err == nil {
		err = r.out.Flush()
	}
	r.shown++
	if err != nil && r.writeErr == nil {
		r.writeErr = err
	}
}

// session writes a final session record (JSON) or keeps it for the
// closing table, at most maxKept of them.
func (r *liveRun) session(s *decoder.Session) {
	if r.jw != nil {
		err := r.jw.Session(s)
		if err == nil {
			err = r.out.Flush()
		}
		if err != nil && r.writeErr == nil {
			r.writeErr = err
		}
		return
	}
	// The table does not show the dialogue, which was streamed already.
	s.Transcript = nil
	if r.o.maxKept == 0 {
		r.dropped++
		return
	}
	if len(r.kept) >= r.o.maxKept {
		r.kept[0] = nil
		r.kept = r.kept[1:]
		r.dropped++
	}
	r.kept = append(r.kept, s)
}

// frame counts packets for --count and feeds -w.
func (r *liveRun) frame(f *capture.Frame, p *tcp.Segment, ok bool) {
	r.frames++
	r.wall = time.Now()
	if r.sv != nil {
		r.sv.frame(f, p, ok)
		if r.wall.Sub(r.lastFlush) >= time.Second {
			r.sv.flush()
			r.lastFlush = r.wall
		}
	}
}

// clockAdvancer is the assembler method a quiet link needs to close idle
// connections: it moves the capture clock forward without a packet. It is
// used when the assembler has it (asked of reassembly/).
type clockAdvancer interface {
	Advance(now time.Time)
}

// idle runs when the interface was quiet for the read timeout: it moves
// the capture clock to its estimate (last packet time plus the wall time
// since that packet was read), so idle sessions still time out, and
// flushes -w. This is the only place ftpsniff uses the wall clock for
// analysis, and only live.
func (r *liveRun) idle(asm *reassembly.Assembler, last time.Time) {
	if r.stopping {
		// Nothing left in the capture buffer: the drain is over.
		r.drainIdle = true
		return
	}
	if r.sv != nil {
		r.sv.flush()
		r.lastFlush = time.Now()
	}
	if last.IsZero() || r.wall.IsZero() {
		return
	}
	if adv, ok := any(asm).(clockAdvancer); ok {
		adv.Advance(last.Add(time.Since(r.wall)))
	}
}
