package report

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Teaching mode: a session drawn as a ladder (sequence) diagram, one
// vertical line per host and one arrow per thing that crossed the wire,
// followed by plain-language notes about what this session shows (active
// or passive, who had to accept which connection, cleartext credentials,
// NAT, bounce, FXP, TLS, aborts). Explain builds the drawing once as a
// Ladder; ExplainText and ExplainHTML only lay it out.

// DefaultExplainWidth is the terminal width ladders are drawn for when
// Options.Width is zero: two IPv6 endpoints fit on one arrow and the
// diagram still fits a 100-column terminal.
const DefaultExplainWidth = 96

// MinExplainWidth is the narrowest a text ladder is drawn; a smaller
// Options.Width is raised to it.
const MinExplainWidth = 60

// maxExtraLanes bounds the hosts drawn besides the client and the server
// (an FXP peer, a bounce target); any further host shares the last lane.
const maxExtraLanes = 2

// Lane roles.
const (
	RoleClient      = "client"
	RoleServer      = "server"
	RoleFXPServer   = "second server (FXP)"
	RoleThirdParty  = "third party"
	RoleOtherHost   = "other host"
	RoleOtherHosts  = "other hosts"
	roleSharedLabel = "(several)"
)

// Lane is one host of a ladder: a vertical line arrows leave and reach.
type Lane struct {
	// Role is what the host is to the session: RoleClient, RoleServer,
	// RoleFXPServer, RoleThirdParty, RoleOtherHost or RoleOtherHosts.
	Role string
	// Addr is the host's address, invalid for RoleOtherHosts. Ports vary
	// per connection, so they are on the arrows.
	Addr netip.Addr
}

// Header is the lane's address as drawn above it.
func (l Lane) Header() string {
	switch {
	case l.Role == RoleOtherHosts:
		return roleSharedLabel
	case !l.Addr.IsValid():
		return "-"
	}
	return l.Addr.String()
}

// StepKind says what one row of a ladder shows; renderers style by it.
type StepKind uint8

// Step kinds.
const (
	StepTCP     StepKind = iota + 1 // control connection segment: SYN, SYN-ACK, ACK, FIN, RST
	StepCommand                     // FTP command, client to server
	StepReply                       // FTP reply, server to client
	StepDataTCP                     // data connection segment: SYN, SYN-ACK, ACK, FIN
	StepData                        // a data connection's payload (file or listing)
	StepRemark                      // a remark across every lane: gap, TLS, note, capture end
)

// Step is one row of a ladder.
type Step struct {
	Kind StepKind
	// At is the time since the session's first packet. Timed is false
	// when the capture does not say when it happened (a SYN-ACK somewhere
	// inside the handshake, the payload of a data connection).
	At    time.Duration
	Timed bool
	// From and To index Ladder.Lanes (unused for StepRemark). Both draws
	// heads at both ends: the segments went both ways or which side sent
	// first is not known.
	From, To int
	Both     bool
	// Label is the text on the arrow, Details the explanation lines drawn
	// under it. Both are escaped (see Escape) and passwords masked.
	Label   string
	Details []string
	// Short replaces Label where it does not fit ("" to cut Label).
	Short string
	// Alert marks what failed or deserves a look: 4xx/5xx replies,
	// aborted or incomplete transfers, gaps, bounce.
	Alert bool
}

// Ladder is one FTP session as a sequence diagram, ready to render.
// Every string in it is escaped (terminal safe); HTML output escapes
// them again for HTML.
type Ladder struct {
	// ID is the session ID; Title its control connection ("client:port
	// -> server:21"); Summary a one-line account (user, login, mode,
	// transfers, how it ended).
	ID, Title, Summary string
	// Start is the session's first packet: Step.At counts from it.
	Start time.Time
	// StartText is Start in Options.TimeZone, "" when unknown.
	StartText string
	Lanes     []Lane
	Steps     []Step
	// Notes are plain-language paragraphs derived from this session.
	Notes []string
}

// Explain draws session s. all is every session of the capture (s
// included, nil allowed): it is only read to name the other control
// connection of an FXP transfer. Passwords are masked unless
// opts.ShowPasswords.
func Explain(s *decoder.Session, all []*decoder.Session, opts Options) *Ladder {
	b := &ladderBuilder{s: s, all: all, opts: opts, taught: map[string]bool{},
		control: controlTimes(s), dataTimes: dataTimes}
	return b.build()
}

// stepSpan is the leftmost and rightmost lane a step touches.
func stepSpan(st Step) (lo, hi int) {
	return min(st.From, st.To), max(st.From, st.To)
}
