package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
	"github.com/ftpsniff/ftpsniff/reassembly"
	"github.com/ftpsniff/ftpsniff/report"
)

// result is what one analysis run produced.
type result struct {
	// Sessions in the order they became final.
	Sessions []*decoder.Session
	Summary  decoder.Summary
	// Warnings are one-line problems with the input (damaged files,
	// undecodable packets); the report is still complete for what was read.
	Warnings []string
	// Damaged is true when some input could not be read to its end or
	// some packets could not be decoded (live capture adds its drops).
	Damaged bool
	Frames  int64
	Bytes   int64
	First   time.Time
	Last    time.Time
}

// input is what the summary record says about the capture read.
func (r *result) input() report.Input {
	return report.Input{
		Packets: r.Frames, Bytes: r.Bytes, First: r.First, Last: r.Last,
		Damaged: r.Damaged, Warnings: r.Warnings,
	}
}

// analyze runs frames from src through reassembly and the FTP decoder.
// cfg.OnSession, when set, still sees every session; the result keeps them
// too unless keep is false (streaming output keeps nothing).
func analyze(src capture.Source, af *analysisFlags, cfg decoder.Config, keep bool) (*result, error) {
	return analyzeWith(src, af, cfg, keep, pipelineHooks{})
}

// pipelineHooks let a live capture share analyze; every field is
// optional and file analysis sets none.
type pipelineHooks struct {
	// stop is asked before each read; true ends the run as the end of
	// the input does (every open session is flushed and reported).
	stop func() bool
	// idle is called each time the source had no packet within its read
	// timeout (capture.ErrIdle), with the assembler and the latest
	// packet time, so the caller can advance the capture clock.
	idle func(asm *reassembly.Assembler, last time.Time)
	// factory wraps the decoder before the assembler is built, to watch
	// which connections it takes (-w saves only those).
	factory func(reassembly.Factory) reassembly.Factory
	// frame is called after each frame went through the pipeline; ok is
	// true when it was a TCP segment handed to the assembler (p is then
	// that segment).
	frame func(f *capture.Frame, p *tcp.Segment, ok bool)
}

// analyzeWith is analyze with hooks.
func analyzeWith(src capture.Source, af *analysisFlags, cfg decoder.Config, keep bool, h pipelineHooks) (*result, error) {
	res := &result{}
	// The progress line (nil when not shown) is looked at every
	// progressEvery frames: one compare per frame, nothing allocated.
	prog := af.progress.start(src)
	nextProgress := int64(math.MaxInt64)
	if prog != nil {
		nextProgress = progressEvery
	}
	onSession := cfg.OnSession
	cfg.OnSession = func(s *decoder.Session) {
		if onSession != nil {
			onSession(s)
		}
		if keep {
			res.Sessions = append(res.Sessions, s)
		}
	}
	an := decoder.NewAnalyzer(cfg)
	var factory reassembly.Factory = an
	if h.factory != nil {
		factory = h.factory(an)
	}
	asm := reassembly.NewAssembler(factory, af.limits())
	pd := packet.NewDecoder()

	var (
		pkt       tcp.Segment
		f         capture.Frame
		hookFrame *capture.Frame // f as the frame hook sees it: f itself must not escape
		decodeErr = map[string]int64{}
		firstErr  = map[string]framePos{}
		ahead     *packet.Ahead
	)
	if h.frame != nil {
		hookFrame = new(capture.Frame)
	}
	// Files are read and decoded a batch ahead on a second core (same
	// frames, same order); live captures (stop, idle) keep the serial
	// loop, whose reads must see capture.ErrIdle.
	if af.threads > 1 && h.stop == nil && h.idle == nil {
		ahead = packet.DecodeAhead(src, pd, packet.AheadOptions{})
		defer ahead.Close()
	}
	for {
		if h.stop != nil && h.stop() {
			break
		}
		var (
			err, derr error
			ok        bool
			p         = &pkt
		)
		if ahead != nil {
			var d *packet.Decoded
			if d, err = ahead.Next(); err == nil {
				f, ok, derr, p = d.Frame, d.OK, d.Err, &d.Segment
			}
		} else {
			f, err = src.Next()
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, capture.ErrIdle) {
			if h.idle != nil {
				h.idle(asm, res.Last)
			}
			continue
		}
		if err != nil {
			res.Damaged = true
			res.Warnings = append(res.Warnings, oneLine(err.Error()))
			break
		}
		res.Frames++
		if res.Frames >= nextProgress {
			nextProgress += progressEvery
			prog.tick(res.Frames)
		}
		res.Bytes += int64(len(f.Data))
		if res.First.IsZero() {
			res.First = f.TS
		}
		if f.TS.After(res.Last) {
			res.Last = f.TS
		}
		if ahead == nil {
			ok, derr = pd.Decode(f.LinkType, f.Data, f.TS, &pkt)
		}
		if derr != nil {
			key := derr.Error()
			if decodeErr[key] == 0 && len(firstErr) < 64 {
				firstErr[key] = framePos{f.File, f.Number}
			}
			decodeErr[key]++
			if h.frame != nil {
				*hookFrame = f
				h.frame(hookFrame, p, false)
			}
			continue
		}
		if ok {
			asm.Process(p)
		}
		if h.frame != nil {
			*hookFrame = f
			h.frame(hookFrame, p, ok)
		}
	}
	if ahead != nil {
		ahead.Close() // the source and the decoder are ours again
	}
	asm.Flush(res.Last)
	res.Summary = an.Finish()
	addLowerLimits(&res.Summary, asm.Stats(), pd.DefragStats())
	for _, w := range src.Warnings() {
		res.Damaged = true
		res.Warnings = append(res.Warnings, oneLine(w.Error()))
	}
	// Packets that could not be decoded are damage too: the report covers
	// only what was read, and the exit status must say so.
	res.Damaged = res.Damaged || len(decodeErr) > 0
	var names []string
	if n, ok := src.(capture.Namer); ok && len(decodeErr) > 0 {
		names = n.Names()
	}
	for _, k := range sortedKeys(decodeErr) {
		msg := fmt.Sprintf("%d packets not decoded: %s", decodeErr[k], k)
		if pos, ok := firstErr[k]; ok {
			msg += " (first at " + pos.describe(names) + ")"
		}
		res.Warnings = append(res.Warnings, msg)
	}
	prog.done(res.Frames)
	return res, nil
}

// framePos is where a frame was: its input (Frame.File) and its number
// in that input.
type framePos struct {
	file   int
	number int64
}

// describe is "packet K" when one input was read, "FILE packet K" when
// several were (names from the source), so the packet can be found.
func (p framePos) describe(names []string) string {
	where := "packet " + strconv.FormatInt(p.number, 10)
	if len(names) > 1 && p.file >= 0 && p.file < len(names) {
		where = names[p.file] + " " + where
	}
	return where
}

// addLowerLimits folds the limits that fired below the decoder (TCP and IP
// reassembly) into the summary, so one place says what was cut.
func addLowerLimits(sum *decoder.Summary, as reassembly.AssemblerStats, ds packet.DefragStats) {
	add := func(name string, n int64) {
		if n <= 0 {
			return
		}
		if sum.Limits == nil {
			sum.Limits = map[string]int64{}
		}
		sum.Limits[name] += n
	}
	for name, n := range as.LimitHits {
		add("tcp_"+name, n)
	}
	add("fragments_timed_out", ds.TimedOut)
	add("fragments_evicted", ds.Evicted)
	add("fragments_too_big", ds.TooBig)
	add("fragments_incomplete_at_end", int64(ds.Pending))
}
