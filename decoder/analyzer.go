package decoder

import (
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// Config sets what the Analyzer looks for and how much it may keep.
type Config struct {
	// Ports are the TCP ports treated as FTP control by port number; a
	// connection on any other port is FTP when its content says so.
	Ports []uint16
	// MaxLine is the longest command or reply line kept; longer lines are
	// cut and noted (line_truncated).
	MaxLine int
	// MaxReplyLines is the most lines kept of one multi-line reply.
	MaxReplyLines int
	// MaxTranscript is the most transcript entries kept per session.
	MaxTranscript int
	// MaxPending is the most commands awaiting a reply per session.
	MaxPending int
	// MaxExpectations is the most announced-but-unused data connections
	// kept across all sessions; ExpectationTTL expires them on the
	// capture clock.
	MaxExpectations int
	ExpectationTTL  time.Duration
	// MaxTransfers is the most transfers kept per session.
	MaxTransfers int
	// Content, when set, receives the payload of file transfers.
	Content ContentSink
	// OnEvent, when set, is called for each event as it happens.
	OnEvent func(Event)
	// OnSession is called once per session when it is final.
	OnSession func(*Session)
}

// DefaultConfig returns the defaults documented in the README.
func DefaultConfig() Config {
	return Config{
		Ports:           []uint16{21},
		MaxLine:         8192,
		MaxReplyLines:   1000,
		MaxTranscript:   100000,
		MaxPending:      1000,
		MaxExpectations: 4096,
		ExpectationTTL:  5 * time.Minute,
		MaxTransfers:    100000,
	}
}

// ContentSink receives data-connection payload for extraction. The decoder
// calls it; the sink, outside the decoder, does the I/O.
type ContentSink interface {
	// Open is called when a file transfer's first payload arrives;
	// returning nil skips the transfer.
	Open(s *Session, t *Transfer) ContentWriter
}

// ContentWriter receives one transfer's payload in order.
type ContentWriter interface {
	// Write takes the next in-order bytes (valid only during the call).
	Write(p []byte)
	// Skip says n bytes are missing at this point.
	Skip(n int64)
	// Close ends the transfer; the writer records SHA256, MIME and File
	// in t.
	Close(t *Transfer)
}

// Analyzer is the FTP decoder for a whole capture. It is a
// reassembly.Factory: give it to the assembler.
type Analyzer struct {
	cfg Config
}

// NewAnalyzer returns an Analyzer with cfg; zero limits take defaults.
func NewAnalyzer(cfg Config) *Analyzer { return &Analyzer{cfg: cfg} }

// New implements reassembly.Factory.
func (a *Analyzer) New(c *reassembly.Conn, ts time.Time) reassembly.Stream { return nil }

// Finish ends the run after the assembler has closed every connection:
// remaining sessions are emitted and the summary returned.
func (a *Analyzer) Finish() Summary { return Summary{} }
