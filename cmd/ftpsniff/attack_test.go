package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// Traffic attacks: synthetic captures, built in memory, of what a hostile
// client or server (or a flood) can put on the wire. Each test feeds one
// through the whole pipeline and checks three things: nothing crashes,
// what is kept stays within its bound (counted from what the pipeline
// reports keeping, never from wall-clock time or heap sizes), and every
// bound that fired is counted in the summary and noted on the session it
// cut.

// Addresses of the synthetic traffic (documentation ranges only).
func attackClient(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 10}), port)
}

func attackServer(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, 10}), port)
}

// attackJSON runs `ftpsniff read --json [flags] -` on the capture and
// returns the session records and the summary record. The input is
// well-formed, so the run must succeed without a warning.
func attackJSON(t *testing.T, pcap []byte, flags ...string) ([]map[string]any, map[string]any) {
	t.Helper()
	args := append(append([]string{"read", "--json"}, flags...), "-")
	out, errOut, code := runCLI(t, pcap, args...)
	if code != exitOK || errOut != "" {
		t.Fatalf("%v: exit %d, stderr:\n%s", args, code, errOut)
	}
	sums := jsonRecords(t, out, "summary")
	if len(sums) != 1 {
		t.Fatalf("%d summary records, want 1", len(sums))
	}
	return jsonRecords(t, out, "session"), sums[0]
}

// limitOf is how often the named limit fired, from a JSON summary.
func limitOf(sum map[string]any, name string) int64 {
	m, _ := sum["limits"].(map[string]any)
	n, _ := m[name].(float64)
	return int64(n)
}

// hasNote reports whether a JSON session carries the note.
func hasNote(s map[string]any, note string) bool {
	notes, _ := s["notes"].([]any)
	for _, n := range notes {
		if n == note {
			return true
		}
	}
	return false
}

// num reads a JSON number.
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// idleAfterEach makes the pipeline's idle hook run after every frame (by
// answering capture.ErrIdle between frames), so a test can read the
// assembler's counters as the capture goes.
type idleAfterEach struct {
	capture.Source
	pending bool
}

func (s *idleAfterEach) Next() (capture.Frame, error) {
	if s.pending {
		s.pending = false
		return capture.Frame{}, capture.ErrIdle
	}
	f, err := s.Source.Next()
	s.pending = err == nil
	return f, err
}

// inProcess is what an in-process run of the pipeline kept and counted.
type inProcess struct {
	res *result
	// asm is the assembler's last counters; peakBuffered the most it
	// held at any packet boundary.
	asm          reassembly.AssemblerStats
	peakBuffered int64
}

// analyzeInProcess runs analyzeWith, the code behind `ftpsniff read`, on
// the capture with the given limits, sampling the assembler after every
// packet.
func analyzeInProcess(t *testing.T, pcap []byte, af analysisFlags, cfg decoder.Config) inProcess {
	t.Helper()
	src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(pcap)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var run inProcess
	res, err := analyzeWith(&idleAfterEach{Source: src}, &af, cfg, true, pipelineHooks{
		idle: func(a *reassembly.Assembler, _ time.Time) {
			run.asm = a.Stats()
			run.peakBuffered = max(run.peakBuffered, run.asm.Buffered)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run.res = res
	return run
}

// A control line that never ends: 10 MB without a line feed. The line
// is cut at --max-line once (line_truncated, limits.line_length = 1), the
// rest is skipped without being kept, and the dialogue before it is intact.
func TestAttackEndlessLine(t *testing.T) {
	c := newSynthCapture()
	k := c.conn(attackClient(40000), attackServer(21))
	k.open()
	k.server([]byte("220 ready\r\n"))
	k.client([]byte("USER alice\r\n"))
	k.server([]byte("331 password please\r\n"))
	k.client(bytes.Repeat([]byte("A"), 10<<20))
	k.close()
	pcap := c.bytes()

	sessions, sum := attackJSON(t, pcap, "--max-line", "1024")
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(sessions))
	}
	s := sessions[0]
	if !hasNote(s, "line_truncated") || limitOf(sum, "line_length") != 1 {
		t.Errorf("line cut but not reported: notes %v, limits %v", s["notes"], sum["limits"])
	}
	if s["user"] != "alice" || num(s["commands"]) != 2 || s["end_reason"] != "fin" {
		t.Errorf("user %v, commands %v, end %v; want alice, 2 (USER and the cut line), fin", s["user"], s["commands"], s["end_reason"])
	}

	af := defaultAnalysisFlags()
	af.maxLine = 1024
	run := analyzeInProcess(t, pcap, af, af.decoderConfig())
	if len(run.res.Sessions) != 1 {
		t.Fatalf("in process: %d sessions", len(run.res.Sessions))
	}
	kept := 0
	for _, e := range run.res.Sessions[0].Transcript {
		n := len(e.Verb) + 1 + len(e.Arg) + len(e.Text)
		for _, l := range e.Lines {
			n += len(l)
		}
		if n > af.maxLine+1 {
			t.Errorf("transcript entry of %d bytes kept, limit %d", n, af.maxLine)
		}
		kept += n
	}
	if kept > 2*af.maxLine {
		t.Errorf("%d bytes of dialogue kept out of 10 MB, want at most about one cut line", kept)
	}
	if run.asm.DeliveredBytes < 10<<20 || run.peakBuffered != 0 {
		t.Errorf("assembler delivered %d bytes and held up to %d: in-order data must stream through unbuffered", run.asm.DeliveredBytes, run.peakBuffered)
	}
}

// A million pipelined commands in large segments, never answered: every
// command is counted exactly, the pending queue and the transcript stop
// at their bounds, and the summary counts each command they dropped.
func TestAttackPipelinedCommands(t *testing.T) {
	n := 1000000 // 6 MB of NOOPs, the million
	if testing.Short() {
		n = 120000 // 720 KB in 11 segments
	}
	c := newSynthCapture()
	k := c.conn(attackClient(40001), attackServer(21))
	k.open()
	k.server([]byte("220 ready\r\n"))
	k.client(bytes.Repeat([]byte("NOOP\r\n"), n))
	k.close()
	pcap := c.bytes()

	d := decoder.DefaultConfig()
	sessions, sum := attackJSON(t, pcap)
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(sessions))
	}
	s := sessions[0]
	if num(s["commands"]) != int64(n) {
		t.Errorf("commands = %v, want exactly %d", s["commands"], n)
	}
	// The greeting and n commands are transcript entries; the ones past
	// MaxTranscript are dropped and each is counted.
	if got, want := limitOf(sum, "transcript"), int64(n+1-d.MaxTranscript); got != want || !hasNote(s, "transcript_truncated") {
		t.Errorf("limits.transcript = %d (want %d), notes %v", got, want, s["notes"])
	}
	if got, want := limitOf(sum, "pending"), int64(n-d.MaxPending); got != want || !hasNote(s, "too_many_pending") {
		t.Errorf("limits.pending = %d (want %d), notes %v", got, want, s["notes"])
	}

	// Smaller bounds in process: what is kept is exactly the bound.
	af := defaultAnalysisFlags()
	cfg := af.decoderConfig()
	cfg.MaxTranscript, cfg.MaxPending = 500, 10
	run := analyzeInProcess(t, pcap, af, cfg)
	got := run.res.Sessions[0]
	if len(got.Transcript) != cfg.MaxTranscript || got.Commands != n {
		t.Errorf("kept %d transcript entries (bound %d), counted %d commands (want %d)", len(got.Transcript), cfg.MaxTranscript, got.Commands, n)
	}
	if l := run.res.Summary.Limits; l["transcript"] != int64(n+1-cfg.MaxTranscript) || l["pending"] != int64(n-cfg.MaxPending) {
		t.Errorf("limits %v, want transcript %d and pending %d", l, n+1-cfg.MaxTranscript, n-cfg.MaxPending)
	}
}

// Replies nobody asked for: a server streaming 150,000 replies. No command
// or login is invented, and the transcript stops at its bound.
func TestAttackRepliesWithoutCommands(t *testing.T) {
	const n = 150000
	c := newSynthCapture()
	k := c.conn(attackClient(40002), attackServer(21))
	k.open()
	k.server([]byte("220 ready\r\n"))
	k.server(bytes.Repeat([]byte("230 Login successful.\r\n"), n))
	k.close()

	sessions, sum := attackJSON(t, c.bytes())
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(sessions))
	}
	s := sessions[0]
	if num(s["commands"]) != 0 || s["login"] != "none" || s["user"] != nil || num(s["login_count"]) != 0 || num(sum["logins"]) != 0 {
		t.Errorf("commands %v, login %v, user %v, login_count %v, summary logins %v: a 230 without USER/PASS is no login",
			s["commands"], s["login"], s["user"], s["login_count"], sum["logins"])
	}
	if got, want := limitOf(sum, "transcript"), int64(n+1-decoder.DefaultConfig().MaxTranscript); got != want || !hasNote(s, "transcript_truncated") {
		t.Errorf("limits.transcript = %d (want %d), notes %v", got, want, s["notes"])
	}
}

// pasvReply is a 227 reply announcing 198.51.100.10 on port p.
func pasvReply(p int) []byte {
	return fmt.Appendf(nil, "227 Entering Passive Mode (198,51,100,10,%d,%d).\r\n", p>>8, p&0xff)
}

// Passive replies never used. One session looping on PASV fills only its
// own share of the expectation table (16), and the data connection of the
// last PASV is still tied to its transfer; many sessions together stop at
// --max-expectations. Each bound is counted and noted on the session
// whose announcement was dropped.
func TestAttackUnusedPassiveReplies(t *testing.T) {
	t.Run("one session", func(t *testing.T) {
		const n = 5000
		c := newSynthCapture()
		k := c.conn(attackClient(40003), attackServer(21))
		k.open()
		k.server([]byte("220 ready\r\n"))
		for i := range n {
			k.client([]byte("PASV\r\n"))
			k.server(pasvReply(30000 + i))
		}
		last := 30000 + n - 1
		k.client([]byte("RETR file.bin\r\n"))
		d := c.conn(attackClient(50000), attackServer(uint16(last)))
		d.open()
		k.server([]byte("150 Opening data connection.\r\n"))
		d.server(bytes.Repeat([]byte("z"), 1000))
		d.close()
		k.server([]byte("226 Transfer complete.\r\n"))
		k.close()

		sessions, sum := attackJSON(t, c.bytes(), "--max-expectations", "64")
		if len(sessions) != 1 {
			t.Fatalf("%d sessions, want 1", len(sessions))
		}
		s := sessions[0]
		if got := limitOf(sum, "session_expects"); got != n-16 {
			t.Errorf("limits.session_expects = %d, want %d", got, n-16)
		}
		if limitOf(sum, "expectations") != 0 {
			t.Errorf("one session filled the shared table: limits %v", sum["limits"])
		}
		if !hasNote(s, "expectation_evicted") {
			t.Errorf("announcements dropped without a note: %v", s["notes"])
		}
		xs, _ := s["transfers"].([]any)
		if len(xs) != 1 {
			t.Fatalf("%d transfers, want 1", len(xs))
		}
		x := xs[0].(map[string]any)
		if num(x["bytes"]) != 1000 || x["complete"] != true || num(x["data_dst_port"]) != int64(last) {
			t.Errorf("transfer after the flood: %v bytes to port %v, complete %v; want 1000 to %d, complete", x["bytes"], x["data_dst_port"], x["complete"], last)
		}
	})
	t.Run("many sessions", func(t *testing.T) {
		const sessionsN, each, maxExp = 100, 10, 64
		c := newSynthCapture()
		var ks []*synthConn
		for i := range sessionsN {
			k := c.conn(attackClient(uint16(41000+i)), attackServer(21))
			k.open()
			k.server([]byte("220 ready\r\n"))
			ks = append(ks, k)
		}
		for j := range each {
			for i, k := range ks {
				k.client([]byte("PASV\r\n"))
				k.server(pasvReply(20000 + i*each + j))
			}
		}
		for _, k := range ks {
			k.close()
		}
		sessions, sum := attackJSON(t, c.bytes(), "--max-expectations", fmt.Sprint(maxExp))
		if len(sessions) != sessionsN {
			t.Fatalf("%d sessions, want %d", len(sessions), sessionsN)
		}
		if got, want := limitOf(sum, "expectations"), int64(sessionsN*each-maxExp); got != want {
			t.Errorf("limits.expectations = %d, want %d", got, want)
		}
		for _, s := range sessions {
			if !hasNote(s, "expectation_evicted") {
				t.Errorf("%v: announcements evicted without a note: %v", s["id"], s["notes"])
			}
		}
	})
}

// A SYN flood on the FTP port: 100,000 SYNs from different addresses and
// ports with --max-conns 64. The table never holds more than 64, each
// eviction is counted, and no session is invented for a SYN that said
// nothing. A real session caught in the flood is evicted too, and says so.
func TestAttackSYNFlood(t *testing.T) {
	flood := func(c *synthCapture, n int) {
		for i := range n {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i % 250)}), uint16(1024+i%60000))
			c.segment(src, attackServer(21), uint32(i)*7919, 0, tcp.SYN, nil)
		}
	}
	const n, maxConns = 100000, 64
	c := newSynthCapture()
	c.step = time.Microsecond
	flood(c, n)
	sessions, sum := attackJSON(t, c.bytes(), "--max-conns", fmt.Sprint(maxConns))
	if len(sessions) != 0 || num(sum["sessions"]) != 0 {
		t.Errorf("%d sessions invented from SYNs alone", len(sessions))
	}
	if got := limitOf(sum, "tcp_max_conns"); got != n-maxConns {
		t.Errorf("limits.tcp_max_conns = %d, want %d", got, n-maxConns)
	}

	c = newSynthCapture()
	k := c.conn(attackClient(40004), attackServer(21))
	k.open()
	k.server([]byte("220 ready\r\n"))
	k.client([]byte("USER alice\r\n"))
	flood(c, 1000)
	k.server([]byte("331 password please\r\n"))
	k.client([]byte("PASS secret\r\n"))
	k.server([]byte("230 ok\r\n"))
	k.close()
	sessions, sum = attackJSON(t, c.bytes(), "--max-conns", fmt.Sprint(maxConns))
	if len(sessions) != 2 {
		t.Fatalf("%d sessions, want 2 (the evicted one and its continuation)", len(sessions))
	}
	first, rest := sessions[0], sessions[1]
	if !hasNote(first, "conn_evicted") || first["end_reason"] != "timeout" || first["user"] != "alice" {
		t.Errorf("evicted session: notes %v, end %v, user %v", first["notes"], first["end_reason"], first["user"])
	}
	if !hasNote(rest, "no_handshake") || rest["handshake"] != false {
		t.Errorf("continuation after eviction must not claim a handshake: notes %v", rest["notes"])
	}
	if got := limitOf(sum, "tcp_max_conns"); got != 1002-maxConns {
		t.Errorf("limits.tcp_max_conns = %d, want %d", got, 1002-maxConns)
	}
}

// Overlapping retransmissions with different contents, in order (a copy
// of bytes already delivered) and out of order (two copies buffered
// before the hole fills): the first copy is kept, the conflict is noted
// on the session and counted by the assembler.
func TestAttackConflictingRetransmissions(t *testing.T) {
	c := newSynthCapture()
	k := c.conn(attackClient(40005), attackServer(21))
	k.open()
	k.server([]byte("220 ready\r\n"))
	k.client([]byte("USER alice\r\n"))
	k.sendAt(true, ^uint32(11), []byte("USER bobby\r\n")) // the same 12 bytes again
	k.server([]byte("331 password please\r\n"))
	pass := []byte("PASS secret\r\n")
	k.sendAt(true, uint32(len(pass)), []byte("SYST\r\n"))
	k.sendAt(true, uint32(len(pass)), []byte("HELP\r\n"))
	k.client(pass)
	k.cseq += 6
	k.server([]byte("230 ok\r\n"))
	k.server([]byte("215 UNIX Type: L8\r\n"))
	k.client([]byte("QUIT\r\n"))
	k.server([]byte("221 bye\r\n"))
	k.close()
	pcap := c.bytes()

	out, errOut, code := runCLI(t, pcap, "read", "--transcript", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"C>  USER alice", "C>  SYST", "S<  215 UNIX", "retransmission_conflict"} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"bobby", "HELP", "bytes missing"} {
		if strings.Contains(out, bad) {
			t.Errorf("transcript shows %q: the first copy must win and nothing is missing:\n%s", bad, out)
		}
	}
	af := defaultAnalysisFlags()
	run := analyzeInProcess(t, pcap, af, af.decoderConfig())
	if run.asm.Conflicts != 2 {
		t.Errorf("assembler counted %d conflicts, want 2", run.asm.Conflicts)
	}
	s := run.res.Sessions[0]
	if s.EndReason != decoder.EndQuit || s.Commands != 4 || s.GapBytes != 0 {
		t.Errorf("end %v, %d commands, %d gap bytes; want quit, 4, 0", s.EndReason, s.Commands, s.GapBytes)
	}
}

// Sessions that never close: without a FIN they end with the capture
// (capture_end); with --idle-timeout they end, on the capture clock, when
// they have been silent that long (timeout).
func TestAttackSessionsNeverClose(t *testing.T) {
	c := newSynthCapture()
	for i := range 2 {
		k := c.conn(attackClient(uint16(40010+i)), attackServer(21))
		k.open()
		k.server([]byte("220 ready\r\n"))
		k.client([]byte("USER alice\r\n"))
		k.server([]byte("331 password please\r\n"))
	}
	c.wait(10 * time.Minute)
	k := c.conn(attackClient(40020), attackServer(21))
	k.open()
	k.server([]byte("220 ready\r\n"))
	k.client([]byte("QUIT\r\n"))
	k.server([]byte("221 bye\r\n"))
	k.close()
	pcap := c.bytes()

	ends := func(flags ...string) map[string]string {
		sessions, _ := attackJSON(t, pcap, flags...)
		m := map[string]string{}
		for _, s := range sessions {
			m[fmt.Sprint(s["id"])] = fmt.Sprint(s["end_reason"])
		}
		return m
	}
	if got, want := ends(), map[string]string{"S1": "capture_end", "S2": "capture_end", "S3": "quit"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("default: end reasons %v, want %v", got, want)
	}
	if got, want := ends("--idle-timeout", "1m"), map[string]string{"S1": "timeout", "S2": "timeout", "S3": "quit"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("--idle-timeout 1m: end reasons %v, want %v", got, want)
	}
}

// Out-of-order data held behind holes that never fill, on ten control
// connections: the assembler never holds more than --max-buffer in total
// (read from its own counters after every packet), a connection past
// --max-conn-buffer gives up its hole, and every connection cut by either
// bound says so.
func TestAttackBufferFlood(t *testing.T) {
	c := newSynthCapture()
	var ks []*synthConn
	for i := range 10 {
		k := c.conn(attackClient(uint16(41000+i)), attackServer(21))
		k.open()
		k.server([]byte("220 ready\r\n"))
		ks = append(ks, k)
	}
	chunk := bytes.Repeat([]byte("x"), 1000)
	for i := range 100 { // 100 KB behind a 10-byte hole: past the per-connection bound
		ks[0].sendAt(true, uint32(10+i*1000), chunk)
	}
	for _, k := range ks[1:] { // 12 KB each: under it, but together past the total
		for i := range 12 {
			k.sendAt(true, uint32(10+i*1000), chunk)
		}
	}
	for _, k := range ks {
		k.close()
	}
	pcap := c.bytes()

	af := defaultAnalysisFlags()
	af.maxConnBuffer, af.maxBuffer = 16<<10, 64<<10
	run := analyzeInProcess(t, pcap, af, af.decoderConfig())
	if run.peakBuffered > int64(af.maxBuffer) || run.asm.BufferedPeak > int64(af.maxBuffer) {
		t.Errorf("assembler held %d bytes (peak %d), bound %d", run.peakBuffered, run.asm.BufferedPeak, af.maxBuffer)
	}
	if run.asm.BufferedPeak < int64(af.maxBuffer)/2 {
		t.Errorf("peak %d: the flood did not reach the bound, the test proves nothing", run.asm.BufferedPeak)
	}
	lim := run.res.Summary.Limits
	if lim["tcp_max_conn_buffer"] == 0 || lim["tcp_max_buffer"] == 0 {
		t.Errorf("limits %v: both buffer bounds must have fired", lim)
	}
	var connNoted, totalNoted int64
	for _, s := range run.res.Sessions {
		note := strings.Join(s.Notes, " ")
		if strings.Contains(note, "conn_buffer_limit") {
			connNoted++
		}
		if strings.Contains(note, "total_buffer_limit") {
			totalNoted++
		}
		if s.GapBytes != 10 || !strings.Contains(note, "gap_in_control") {
			t.Errorf("%s: gap of %d bytes, notes %v; want the 10-byte hole reported", s.ID, s.GapBytes, s.Notes)
		}
	}
	if connNoted == 0 || totalNoted == 0 || connNoted+totalNoted < lim["tcp_max_conn_buffer"]+lim["tcp_max_buffer"] {
		t.Errorf("%d sessions noted conn_buffer_limit, %d total_buffer_limit; limits %v", connNoted, totalNoted, lim)
	}

	// The same flags on the command line give the same counts.
	_, sum := attackJSON(t, pcap, "--max-conn-buffer", fmt.Sprint(af.maxConnBuffer), "--max-buffer", fmt.Sprint(af.maxBuffer))
	for _, name := range []string{"tcp_max_conn_buffer", "tcp_max_buffer"} {
		if limitOf(sum, name) != lim[name] {
			t.Errorf("--json limits.%s = %d, in process %d", name, limitOf(sum, name), lim[name])
		}
	}
}

// ---- synthetic captures ----

// synthCapture builds a pcap file in memory, packet by packet: Ethernet,
// IPv4 and TCP headers with correct lengths and checksums, so hostile
// traffic can be made at any scale without a lab. Timestamps start at a
// fixed time and advance by step per packet: the output depends only on
// what the test writes.
type synthCapture struct {
	buf  []byte
	ts   time.Time
	step time.Duration
	n    int
}

// synthMaxPayload is the most TCP payload one IPv4 packet carries.
const synthMaxPayload = 65535 - 20 - 20

func newSynthCapture() *synthCapture {
	h := make([]byte, 24, 1<<16)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], 1) // Ethernet
	return &synthCapture{buf: h, ts: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), step: 10 * time.Microsecond}
}

// bytes returns the capture so far.
func (c *synthCapture) bytes() []byte { return c.buf }

// wait moves the capture clock forward.
func (c *synthCapture) wait(d time.Duration) { c.ts = c.ts.Add(d) }

// segment appends one TCP segment (payload at most synthMaxPayload).
func (c *synthCapture) segment(src, dst netip.AddrPort, seq, ack uint32, flags tcp.Flags, payload []byte) {
	n := 14 + 20 + 20 + len(payload)
	rec := make([]byte, 16+n)
	binary.LittleEndian.PutUint32(rec[0:], uint32(c.ts.Unix()))
	binary.LittleEndian.PutUint32(rec[4:], uint32(c.ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(rec[8:], uint32(n))
	binary.LittleEndian.PutUint32(rec[12:], uint32(n))
	f := rec[16:]
	copy(f[0:6], []byte{2, 0, 0, 0, 0, 2})
	copy(f[6:12], []byte{2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+20+len(payload)))
	binary.BigEndian.PutUint16(ip[4:], uint16(c.n))
	binary.BigEndian.PutUint16(ip[6:], 0x4000) // DF
	ip[8] = 64
	ip[9] = 6
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:16], s4[:])
	copy(ip[16:20], d4[:])
	binary.BigEndian.PutUint16(ip[10:], ^onesSum(0, ip))
	tcp := f[34:]
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], ack)
	tcp[12] = 5 << 4
	tcp[13] = byte(flags)
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	copy(tcp[20:], payload)
	// RFC 9293 3.1: the checksum covers a pseudo-header and the segment.
	var pseudo [12]byte
	copy(pseudo[0:4], s4[:])
	copy(pseudo[4:8], d4[:])
	pseudo[9] = 6
	binary.BigEndian.PutUint16(pseudo[10:], uint16(len(tcp)))
	binary.BigEndian.PutUint16(tcp[16:], ^onesSum(onesSum(0, pseudo[:]), tcp))
	c.buf = append(c.buf, rec...)
	c.n++
	c.ts = c.ts.Add(c.step)
}

// onesSum adds b to the one's-complement sum s (RFC 1071).
func onesSum(s uint16, b []byte) uint16 {
	sum := uint32(s)
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// synthConn is one TCP connection of a synthCapture, tracking both
// directions' next sequence numbers.
type synthConn struct {
	c          *synthCapture
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

// conn starts tracking a connection; nothing is written until open or
// a segment.
func (c *synthCapture) conn(cli, srv netip.AddrPort) *synthConn {
	return &synthConn{c: c, cli: cli, srv: srv, cseq: 1000, sseq: 500000}
}

// open writes the three-way handshake.
func (k *synthConn) open() {
	k.c.segment(k.cli, k.srv, k.cseq, 0, tcp.SYN, nil)
	k.c.segment(k.srv, k.cli, k.sseq, k.cseq+1, tcp.SYN|tcp.ACK, nil)
	k.cseq++
	k.sseq++
	k.c.segment(k.cli, k.srv, k.cseq, k.sseq, tcp.ACK, nil)
}

// client sends p from the client, in segments of at most
// synthMaxPayload bytes.
func (k *synthConn) client(p []byte) { k.send(true, p) }

// server sends p from the server.
func (k *synthConn) server(p []byte) { k.send(false, p) }

func (k *synthConn) send(fromClient bool, p []byte) {
	for len(p) > 0 {
		n := min(len(p), synthMaxPayload)
		k.sendAt(fromClient, 0, p[:n])
		if fromClient {
			k.cseq += uint32(n)
		} else {
			k.sseq += uint32(n)
		}
		p = p[n:]
	}
}

// sendAt writes one segment off bytes after the direction's next
// sequence number, without moving it: for holes, overlaps and
// retransmissions.
func (k *synthConn) sendAt(fromClient bool, off uint32, p []byte) {
	if fromClient {
		k.c.segment(k.cli, k.srv, k.cseq+off, k.sseq, tcp.ACK|tcp.PSH, p)
	} else {
		k.c.segment(k.srv, k.cli, k.sseq+off, k.cseq, tcp.ACK|tcp.PSH, p)
	}
}

// close writes FIN, FIN and the last ACK.
func (k *synthConn) close() {
	k.c.segment(k.cli, k.srv, k.cseq, k.sseq, tcp.FIN|tcp.ACK, nil)
	k.cseq++
	k.c.segment(k.srv, k.cli, k.sseq, k.cseq, tcp.FIN|tcp.ACK, nil)
	k.sseq++
	k.c.segment(k.cli, k.srv, k.cseq, k.sseq, tcp.ACK, nil)
}
