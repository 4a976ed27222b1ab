package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
	"github.com/ftpsniff/ftpsniff/report"
)

// analysis is what ftpsniff reported for one capture.
type analysis struct {
	// Sessions in the order they started (then by client address), so
	// that "the n-th session" means the same thing on every run.
	Sessions []*decoder.Session
	// Warnings are the reader's and the packet decoder's complaints.
	Warnings []string
}

// options are the few settings a comparison may change from `ftpsniff
// read`'s defaults.
type options struct {
	// Extract sends file payloads through report.Extractor into a
	// temporary directory (removed before analyze returns), so that
	// Transfer.SHA256 is the hash `ftpsniff read --extract` prints.
	Extract bool
	// MaxLine, when set, is --max-line: the peer's own line limit, so
	// that both cut an over-long line at the same byte.
	MaxLine int
}

// analyze runs paths through the same stages, with the same defaults, as
// `ftpsniff read` (cmd/ftpsniff/pipeline.go): capture.OpenFiles ->
// packet.Decoder -> reassembly.Assembler -> decoder.Analyzer.
func analyze(paths []string, opt options) (*analysis, error) {
	src, err := capture.OpenFiles(paths, capture.Options{})
	if err != nil {
		return nil, err
	}
	defer src.Close()

	res := &analysis{}
	cfg := decoder.DefaultConfig()
	cfg.OnSession = func(s *decoder.Session) { res.Sessions = append(res.Sessions, s) }
	if opt.MaxLine > 0 {
		cfg.MaxLine = opt.MaxLine
	}
	var ex *report.Extractor
	if opt.Extract {
		dir, err := os.MkdirTemp("", "ftpsniff-conformance-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if ex, err = report.NewExtractor(dir); err != nil {
			return nil, err
		}
		cfg.Content = ex
	}

	an := decoder.NewAnalyzer(cfg)
	asm := reassembly.NewAssembler(an, reassembly.DefaultLimits())
	pd := packet.NewDecoder()
	var (
		pkt       tcp.Segment
		lastTS    time.Time
		undecoded int
	)
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Warnings = append(res.Warnings, err.Error())
			break
		}
		if f.TS.After(lastTS) {
			lastTS = f.TS
		}
		ok, err := pd.Decode(f.LinkType, f.Data, f.TS, &pkt)
		if err != nil {
			undecoded++
			continue
		}
		if ok {
			asm.Process(&pkt)
		}
	}
	asm.Flush(lastTS)
	an.Finish()
	for _, w := range src.Warnings() {
		res.Warnings = append(res.Warnings, w.Error())
	}
	if undecoded > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d packets not decoded", undecoded))
	}
	if ex != nil {
		if err := ex.Close(); err != nil {
			return nil, fmt.Errorf("extraction: %w", err)
		}
	}
	slices.SortStableFunc(res.Sessions, func(a, b *decoder.Session) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.Client.Compare(b.Client)
	})
	return res, nil
}

// readCheck records that the capture was read to its end and every packet
// decoded: the peers saw all of it, so ftpsniff must too.
func (a *analysis) readCheck(o *outcome) {
	got := "yes"
	if len(a.Warnings) > 0 {
		got = strings.Join(a.Warnings, "; ")
	}
	o.add(colSessions, "capture read and decoded to its end", "yes", got)
}
