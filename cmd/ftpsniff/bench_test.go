package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/cmd/ftpsniff-benchgen/benchgen"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// Whole-pipeline benchmarks over a capture made by the benchmark
// generator (replayed real sessions plus HTTP and DNS background) and
// held in memory, so they measure CPU, not the disk. The capture is 4 MB
// by default, which keeps
//
//	go test -run '^$' -bench . -benchtime 1x ./...
//
// to a second here; FTPSNIFF_BENCH_SIZE=100MB gives a capture worth
// profiling:
//
//	FTPSNIFF_BENCH_SIZE=100MB go test -run '^$' -bench 'Pipeline$' -cpuprofile cpu.prof ./cmd/ftpsniff/

// benchTemplates is where the recorded sessions are, from this package.
var benchTemplates = filepath.Join("..", "..", "testdata", "pcaps")

func benchCapture(tb testing.TB, cfg benchgen.Config) ([]byte, benchgen.Stats) {
	tb.Helper()
	cfg.TemplateDir = benchTemplates
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	var buf bytes.Buffer
	st, err := benchgen.Generate(&buf, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), st
}

func benchSize(tb testing.TB) int64 {
	s := os.Getenv("FTPSNIFF_BENCH_SIZE")
	if s == "" {
		return 4e6
	}
	n, err := benchgen.ParseSize(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func benchOpen(tb testing.TB, file []byte) capture.Source {
	src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(file)})
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// BenchmarkPipeline is what `ftpsniff read` does before writing the
// report: analyze() over the whole capture, sessions kept.
func BenchmarkPipeline(b *testing.B) {
	file, st := benchCapture(b, benchgen.Config{Size: benchSize(b)})
	af := defaultAnalysisFlags()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := analyze(benchOpen(b, file), &af, af.decoderConfig(), true)
		if err != nil {
			b.Fatal(err)
		}
		if res.Frames != st.Packets {
			b.Fatalf("%d frames analysed, %d written", res.Frames, st.Packets)
		}
	}
	b.ReportMetric(float64(st.Packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkPipelineStages adds one stage at a time, so the cost of each
// is the difference between two lines: reading, decoding headers,
// reassembly with the FTP decoder; serial and with the read-ahead stage.
func BenchmarkPipelineStages(b *testing.B) {
	file, st := benchCapture(b, benchgen.Config{Size: benchSize(b)})
	stages := []struct {
		name string
		run  func(src capture.Source)
	}{
		{"read", func(src capture.Source) {
			for {
				if _, err := src.Next(); err != nil {
					return
				}
			}
		}},
		{"decode", func(src capture.Source) {
			pd := packet.NewDecoder()
			var p tcp.Segment
			for {
				f, err := src.Next()
				if err != nil {
					return
				}
				_, _ = pd.Decode(f.LinkType, f.Data, f.TS, &p)
			}
		}},
		{"decode-ahead", func(src capture.Source) {
			a := packet.DecodeAhead(src, packet.NewDecoder(), packet.AheadOptions{})
			defer a.Close()
			for {
				if _, err := a.Next(); err != nil {
					return
				}
			}
		}},
		{"analyze-serial", func(src capture.Source) { benchAnalyze(src, false) }},
		{"analyze-ahead", func(src capture.Source) { benchAnalyze(src, true) }},
	}
	for _, s := range stages {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			b.ReportAllocs()
			for b.Loop() {
				s.run(benchOpen(b, file))
			}
			b.ReportMetric(float64(st.Packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}

// benchAnalyze is the core of analyze(): decode, reassemble, decode FTP,
// without the result bookkeeping, serially or through DecodeAhead.
func benchAnalyze(src capture.Source, ahead bool) int {
	sessions := 0
	cfg := decoder.DefaultConfig()
	cfg.OnSession = func(*decoder.Session) { sessions++ }
	an := decoder.NewAnalyzer(cfg)
	asm := reassembly.NewAssembler(an, reassembly.DefaultLimits())
	pd := packet.NewDecoder()
	var last tcp.Segment
	if ahead {
		a := packet.DecodeAhead(src, pd, packet.AheadOptions{})
		defer a.Close()
		for {
			d, err := a.Next()
			if err != nil {
				break
			}
			if d.OK {
				asm.Process(&d.Segment)
				last.TS = d.Segment.TS
			}
		}
	} else {
		var p tcp.Segment
		for {
			f, err := src.Next()
			if err != nil {
				break
			}
			if ok, _ := pd.Decode(f.LinkType, f.Data, f.TS, &p); ok {
				asm.Process(&p)
				last.TS = p.TS
			}
		}
	}
	asm.Flush(last.TS)
	an.Finish()
	return sessions
}

// TestBenchFastPathAllocs checks the promise that data connections and
// non-FTP traffic cost no allocation per packet: two captures differ
// only in how many packets those carry (same sessions, same flows), and
// the difference in allocations, divided by the difference in packets,
// must be about zero.
func TestBenchFastPathAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and analyses a few MB")
	}
	cases := []struct {
		name       string
		small, big benchgen.Config
	}{
		{"ftp data connections",
			benchgen.Config{FTPSessions: 3, Templates: []string{"vsftpd-passive-300k", "vsftpd-user-active-port20"}, Stretch: 1, Background: -1},
			benchgen.Config{FTPSessions: 3, Templates: []string{"vsftpd-passive-300k", "vsftpd-user-active-port20"}, Stretch: 20, Background: -1}},
		{"http flows",
			benchgen.Config{HTTPFlows: 4, HTTPBody: 20 << 10},
			benchgen.Config{HTTPFlows: 4, HTTPBody: 2 << 20}},
		{"dns (udp)",
			benchgen.Config{DNSFlows: 20},
			benchgen.Config{DNSFlows: 400}},
	}
	af := defaultAnalysisFlags()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			measure := func(cfg benchgen.Config) (float64, int64) {
				file, st := benchCapture(t, cfg)
				allocs := testing.AllocsPerRun(3, func() {
					if _, err := analyze(benchOpen(t, file), &af, af.decoderConfig(), true); err != nil {
						t.Fatal(err)
					}
				})
				return allocs, st.Packets
			}
			a1, p1 := measure(c.small)
			a2, p2 := measure(c.big)
			if p2 <= p1 {
				t.Fatalf("the big capture has %d packets, the small one %d", p2, p1)
			}
			per := (a2 - a1) / float64(p2-p1)
			t.Logf("%.0f allocs for %d packets, %.0f for %d: %.4f per extra packet", a1, p1, a2, p2, per)
			if per > 0.01 {
				t.Errorf("%.4f allocations per packet on the fast path", per)
			}
		})
	}
}
