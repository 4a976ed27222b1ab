package decoder_test

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// BenchmarkRecordedDialogues replays the control connections of real
// recorded sessions (testdata/pcaps) through the Analyzer's streams,
// exactly as the assembler delivered them: the same segmentation,
// pipelining, multi-line replies and handshakes. One op is one replay of
// every dialogue of the set; commands/s counts client command lines.
// The analyzer's own unit benchmarks (analyzer_test.go) cover single
// lines and data connections; this one is the mix a real capture has.
func BenchmarkRecordedDialogues(b *testing.B) {
	sets := []struct {
		name  string
		files []string
	}{
		{"downloads", []string{"vsftpd-anon-passive", "vsftpd-user-active-port20", "vsftpd-active-ephemeral", "vsftpd-rest-resume", "vsftpd-concurrent", "pureftpd-anon"}},
		{"uploads-listings", []string{"vsftpd-uploads", "proftpd-listings", "vsftpd-cwd-paths", "proftpd-multiline", "ipv6-epsv-eprt"}},
		{"logins-attacks", []string{"vsftpd-failed-login", "proftpd-bruteforce", "proftpd-password-spray", "vsftpd-hostile-creds", "vsftpd-pipelined"}},
	}
	for _, set := range sets {
		var all []*dialogue
		for _, f := range set.files {
			all = append(all, recordDialogues(b, filepath.Join("..", "testdata", "pcaps", f+".pcap"))...)
		}
		var cmds, size int64
		for _, d := range all {
			cmds += d.commands
			size += d.bytes
		}
		b.Run(set.name, func(b *testing.B) {
			sessions := 0
			cfg := decoder.DefaultConfig()
			cfg.OnSession = func(*decoder.Session) { sessions++ }
			an := decoder.NewAnalyzer(cfg)
			id := uint64(0)
			b.SetBytes(size)
			b.ReportAllocs()
			round := 0
			for b.Loop() {
				shift := time.Duration(round) * time.Hour // expectations of the last round expire
				for _, d := range all {
					id++
					d.replay(an, id, shift)
				}
				round++
			}
			an.Finish()
			if sessions != round*len(all) {
				b.Fatalf("%d sessions reported for %d replays", sessions, round*len(all))
			}
			b.ReportMetric(float64(cmds)*float64(b.N)/b.Elapsed().Seconds(), "commands/s")
		})
	}
}

// event is one call the assembler made on a control connection's stream.
type event struct {
	kind    byte // 'h' handshake, 'd' data, 'g' gap, 'c' close
	dir     reassembly.Dir
	payload []byte
	n       int64
	reason  reassembly.CloseReason
	ts      time.Time
}

// dialogue is a recorded control connection.
type dialogue struct {
	conn     reassembly.Conn // as first seen: endpoints, start, SYN
	events   []event
	commands int64
	bytes    int64
}

// replay feeds d to an, as connection id, shifted in time.
func (d *dialogue) replay(an *decoder.Analyzer, id uint64, shift time.Duration) {
	c := d.conn
	c.ID = id
	c.Start = c.Start.Add(shift)
	st := an.New(&c, c.Start)
	if st == nil {
		return
	}
	for i := range d.events {
		e := &d.events[i]
		ts := e.ts.Add(shift)
		switch e.kind {
		case 'h':
			c.Handshake = true
			st.Handshake(&c, ts)
		case 'd':
			if st.Mode() == reassembly.Reassemble {
				st.Data(&c, e.dir, e.payload, ts)
			}
		case 'g':
			st.Gap(&c, e.dir, e.n, ts)
		case 'c':
			st.Close(&c, e.reason, ts)
		}
	}
}

// recorder is a reassembly.Factory that keeps what the assembler
// delivers on port-21 connections.
type recorder struct {
	out []*dialogue
}

func (r *recorder) New(c *reassembly.Conn, _ time.Time) reassembly.Stream {
	if c.Server.Port() != 21 {
		return nil
	}
	d := &dialogue{conn: reassembly.Conn{Client: c.Client, Server: c.Server, Start: c.Start, SawSYN: c.SawSYN}}
	r.out = append(r.out, d)
	return &recording{d: d}
}

type recording struct{ d *dialogue }

func (r *recording) Mode() reassembly.Mode { return reassembly.Reassemble }
func (r *recording) Handshake(_ *reassembly.Conn, ts time.Time) {
	r.d.events = append(r.d.events, event{kind: 'h', ts: ts})
}
func (r *recording) Data(_ *reassembly.Conn, dir reassembly.Dir, p []byte, ts time.Time) {
	r.d.events = append(r.d.events, event{kind: 'd', dir: dir, payload: bytes.Clone(p), ts: ts})
	r.d.bytes += int64(len(p))
	if dir == reassembly.ClientToServer {
		r.d.commands += int64(bytes.Count(p, []byte("\n")))
	}
}
func (r *recording) Gap(_ *reassembly.Conn, dir reassembly.Dir, n int64, ts time.Time) {
	r.d.events = append(r.d.events, event{kind: 'g', dir: dir, n: n, ts: ts})
}
func (r *recording) Anomaly(*reassembly.Conn, reassembly.Dir, reassembly.Anomaly, time.Time) {}
func (r *recording) Close(_ *reassembly.Conn, reason reassembly.CloseReason, ts time.Time) {
	r.d.events = append(r.d.events, event{kind: 'c', reason: reason, ts: ts})
}

func recordDialogues(tb testing.TB, path string) []*dialogue {
	tb.Helper()
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	rec := &recorder{}
	asm := reassembly.NewAssembler(rec, reassembly.DefaultLimits())
	pd := packet.NewDecoder()
	var p tcp.Segment
	var last time.Time
	for {
		f, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if ok, _ := pd.Decode(f.LinkType, f.Data, f.TS, &p); ok {
			asm.Process(&p)
			last = f.TS
		}
	}
	asm.Flush(last)
	if len(rec.out) == 0 {
		tb.Fatalf("%s: no control connection", path)
	}
	return rec.out
}
