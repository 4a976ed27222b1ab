package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/pflag"

	"github.com/ftpsniff/ftpsniff/decoder"
	"github.com/ftpsniff/ftpsniff/reassembly"
)

// analysisFlags are the knobs shared by every command that analyses
// traffic: which ports are FTP and how much memory each stage may use.
type analysisFlags struct {
	ports           []uint
	maxConns        int
	maxConnBuffer   int
	maxBuffer       int
	maxLine         int
	maxExpectations int
	idleTimeout     time.Duration
	threads         int
	// progress is the progress line of commands that read files
	// (registerProgress, progressTo); live capture leaves it off.
	progress progressFlags
}

func defaultAnalysisFlags() analysisFlags {
	l := reassembly.DefaultLimits()
	d := decoder.DefaultConfig()
	return analysisFlags{
		ports:           []uint{21},
		maxConns:        l.MaxConns,
		maxConnBuffer:   l.MaxConnBuffer,
		maxBuffer:       l.MaxBuffer,
		maxLine:         d.MaxLine,
		maxExpectations: d.MaxExpectations,
		idleTimeout:     l.IdleTimeout,
		threads:         min(runtime.GOMAXPROCS(0), 2),
	}
}

func (a *analysisFlags) register(fs *pflag.FlagSet) {
	fs.UintSliceVar(&a.ports, "ports", a.ports, "TCP ports of FTP control connections (FTP on other ports is found by content)")
	fs.IntVar(&a.maxConns, "max-conns", a.maxConns, "most TCP connections tracked at once, closed ones lingering included (those go first, then the least recently active)")
	fs.IntVar(&a.maxConnBuffer, "max-conn-buffer", a.maxConnBuffer, "most out-of-order bytes buffered per connection")
	fs.IntVar(&a.maxBuffer, "max-buffer", a.maxBuffer, "most out-of-order bytes buffered in total")
	fs.IntVar(&a.maxLine, "max-line", a.maxLine, "longest FTP command or reply line kept (longer lines are cut and flagged)")
	fs.IntVar(&a.maxExpectations, "max-expectations", a.maxExpectations, "most announced-but-unopened data connections remembered")
	fs.IntVar(&a.threads, "threads", a.threads, "2: read and decode capture files on a second core, 1: all on one (the output is the same)")
	fs.DurationVar(&a.idleTimeout, "idle-timeout", a.idleTimeout, "close a connection idle this long (capture clock)")
}

// validate rejects values that would make a limit meaningless.
func (a *analysisFlags) validate() error {
	for _, p := range a.ports {
		if p == 0 || p > 65535 {
			return fmt.Errorf("--ports: %d is not a TCP port", p)
		}
	}
	switch {
	case a.maxConns < 1:
		return fmt.Errorf("--max-conns must be at least 1")
	case a.maxConnBuffer < 0 || a.maxBuffer < 0:
		return fmt.Errorf("--max-conn-buffer and --max-buffer cannot be negative")
	case a.maxLine < 64:
		return fmt.Errorf("--max-line must be at least 64")
	case a.maxExpectations < 1:
		return fmt.Errorf("--max-expectations must be at least 1")
	case a.threads < 1 || a.threads > 2:
		return fmt.Errorf("--threads must be 1 or 2")
	case a.idleTimeout <= 0:
		return fmt.Errorf("--idle-timeout must be positive")
	case a.progress.on && a.progress.off:
		return fmt.Errorf("--progress and --no-progress cannot be used together")
	}
	return nil
}

func (a *analysisFlags) limits() reassembly.Limits {
	l := reassembly.DefaultLimits()
	l.MaxConns = a.maxConns
	l.MaxConnBuffer = a.maxConnBuffer
	l.MaxBuffer = a.maxBuffer
	l.IdleTimeout = a.idleTimeout
	return l
}

func (a *analysisFlags) decoderConfig() decoder.Config {
	c := decoder.DefaultConfig()
	c.Ports = c.Ports[:0]
	for _, p := range a.ports {
		c.Ports = append(c.Ports, uint16(p))
	}
	c.MaxLine = a.maxLine
	c.MaxExpectations = a.maxExpectations
	return c
}
