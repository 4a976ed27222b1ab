package report

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
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

// connTimes is what a ladder knows about one TCP connection's opening
// and closing. Zero times are unknown and drawn without a time.
//
// controlTimes and dataTimes fill it from the segment times the decoder
// records (decoder.TCPTimes, Session.TCP and Transfer.TCP); the
// renderers draw every time this struct holds.
type connTimes struct {
	// Handshake is true when the three-way handshake is in the capture.
	Handshake bool
	// SYN, SYNACK, ACK are the handshake segments.
	SYN, SYNACK, ACK time.Time
	// OpenerFIN and AcceptorFIN are the first FIN of each side (the
	// opener sent the SYN); RST is the first reset, RSTByOpener who sent it.
	OpenerFIN, AcceptorFIN time.Time
	RST                    time.Time
	RSTByOpener            bool
}

// fromTCP copies the decoder's segment times.
func fromTCP(t decoder.TCPTimes) connTimes {
	return connTimes{SYN: t.SYN, SYNACK: t.SYNACK, ACK: t.ACK,
		OpenerFIN: t.OpenerFIN, AcceptorFIN: t.AcceptorFIN, RST: t.RST, RSTByOpener: t.RSTByOpener}
}

// controlTimes: the control connection's segment times, its handshake
// drawn when the handshake or at least its SYN was captured. A session
// without any (built by hand, or by an older decoder) gets what its
// other fields imply: the SYN at Session.Start and the final ACK one
// HandshakeRTT later.
func controlTimes(s *decoder.Session) connTimes {
	if s.TCP != (decoder.TCPTimes{}) {
		c := fromTCP(s.TCP)
		// A SYN in the capture is drawn even if the handshake's last ACK
		// is not.
		c.Handshake = s.Handshake || !c.SYN.IsZero()
		return c
	}
	var c connTimes
	if !s.Handshake {
		return c
	}
	c.Handshake = true
	c.SYN = s.Start
	if s.HandshakeRTT != nil {
		c.ACK = s.Start.Add(*s.HandshakeRTT)
	}
	return c
}

// dataTimes: the data connection's segment times; its handshake is drawn
// when its SYN was captured. A transfer without any (built by hand, or
// by an older decoder) is taken to start with its SYN at Transfer.Start
// when it was matched to an announcement (one matched by addresses only,
// note data_guessed, may have been open before the capture).
func dataTimes(t *decoder.Transfer) connTimes {
	if t.TCP != (decoder.TCPTimes{}) {
		c := fromTCP(t.TCP)
		c.Handshake = !c.SYN.IsZero()
		return c
	}
	var c connTimes
	if decoder.NoteDataGuessed.In(t.Notes) {
		return c
	}
	c.Handshake = true
	c.SYN = t.Start
	return c
}

// ladderItem is a group of steps that stays together when the ladder is
// put in time order; at is its sort key (zero: right after the item
// before it).
type ladderItem struct {
	at    time.Time
	steps []timedStep
}

// timedStep is a step with its absolute time (zero when unknown).
type timedStep struct {
	at time.Time
	Step
}

type ladderBuilder struct {
	s      *decoder.Session
	all    []*decoder.Session
	opts   Options
	l      *Ladder
	origin time.Time
	items  []ladderItem
	// taught remembers which explanations were already given in a detail
	// line, so a long session does not repeat them on every transfer.
	taught map[string]bool
	// tls is true once the control connection went TLS.
	tls bool
	// lastVerb is the verb of the last command drawn, to explain the
	// reply that answers it.
	lastVerb string
	// control and dataTimes give the TCP segment times of the control
	// and data connections (see connTimes).
	control   connTimes
	dataTimes func(*decoder.Transfer) connTimes
}

func (b *ladderBuilder) build() *Ladder {
	s := b.s
	b.l = &Ladder{
		ID:      Escape(s.ID),
		Title:   endpoint(s.Client) + " -> " + endpoint(s.Server),
		Summary: ladderSummary(s),
		Lanes: []Lane{
			{Role: RoleClient, Addr: s.Client.Addr().Unmap()},
			{Role: RoleServer, Addr: s.Server.Addr().Unmap()},
		},
	}
	b.origin = s.Start
	if b.origin.IsZero() {
		for _, e := range s.Transcript {
			if !e.TS.IsZero() {
				b.origin = e.TS
				break
			}
		}
	}
	b.l.Start = b.origin
	if !b.origin.IsZero() {
		b.l.StartText = b.origin.In(b.opts.location()).Format(stampLayout)
	}

	b.openControl()
	opened := make([]bool, len(s.Transfers))
	closed := make([]bool, len(s.Transfers))
	for i := range s.Transcript {
		e := &s.Transcript[i]
		switch e.Kind {
		case decoder.EntryCommand:
			b.command(e)
		case decoder.EntryReply:
			b.reply(e)
		case decoder.EntryDataOpen:
			if t := transferAt(s, e.Transfer); hasDataConn(t) && !opened[e.Transfer] {
				opened[e.Transfer] = true
				b.openData(t, e.TS)
			}
		case decoder.EntryDataClose:
			if t := transferAt(s, e.Transfer); hasDataConn(t) && !closed[e.Transfer] {
				closed[e.Transfer] = true
				b.closeData(t, e.TS)
			}
		case decoder.EntryGap:
			b.remark(e.TS, true, plural64(e.Bytes, "byte")+" of the control connection missing from the capture")
		case decoder.EntryTLS:
			b.tlsEntry(e)
		case decoder.EntryNote:
			b.remark(e.TS, false, Escape(e.Text))
		}
	}
	// Transfers whose entries were cut from the transcript, and those
	// whose data connection never showed up.
	for i, t := range s.Transfers {
		if t == nil {
			continue
		}
		switch {
		case !hasDataConn(t):
			b.missingData(t)
		default:
			if !opened[i] {
				b.openData(t, time.Time{})
			}
			if !closed[i] {
				b.closeData(t, time.Time{})
			}
		}
	}
	b.closeControl()
	b.flatten()
	b.l.Notes = b.notes()
	return b.l
}

// add appends an item of steps, sorted by at.
func (b *ladderBuilder) add(at time.Time, steps ...timedStep) {
	b.items = append(b.items, ladderItem{at: at, steps: steps})
}

// flatten puts the items in time order (capture order for ties) and
// turns absolute times into times since the session's first packet.
func (b *ladderBuilder) flatten() {
	var last time.Time
	for i := range b.items {
		if b.items[i].at.IsZero() {
			b.items[i].at = last
		}
		last = b.items[i].at
	}
	slices.SortStableFunc(b.items, func(x, y ladderItem) int { return x.at.Compare(y.at) })
	for _, it := range b.items {
		for _, ts := range it.steps {
			st := ts.Step
			if !ts.at.IsZero() && !b.origin.IsZero() {
				st.At, st.Timed = ts.at.Sub(b.origin), true
			}
			b.l.Steps = append(b.l.Steps, st)
		}
	}
}

func (b *ladderBuilder) remark(at time.Time, alert bool, text string) {
	b.add(at, timedStep{at: at, Step: Step{Kind: StepRemark, Label: text, Alert: alert}})
}

// once reports whether key has not been explained yet, and marks it.
func (b *ladderBuilder) once(key string) bool {
	if b.taught[key] {
		return false
	}
	b.taught[key] = true
	return true
}

// openControl draws the control connection's three-way handshake.
func (b *ladderBuilder) openControl() {
	s := b.s
	c := b.control
	if !c.Handshake {
		b.remark(s.Start, false, "capture starts with the control connection already open (no SYN seen)")
		return
	}
	port := "port " + strconv.Itoa(int(s.Server.Port()))
	if s.Server.Port() == 21 {
		port = "the FTP port 21"
	}
	syn := timedStep{at: c.SYN, Step: Step{Kind: StepTCP, From: 0, To: 1,
		Label:   "SYN  " + endpoint(s.Client) + " -> " + endpoint(s.Server),
		Short:   "SYN  " + portPair(s.Client, s.Server),
		Details: []string{"control connection: the client opens TCP to " + port}}}
	synack := timedStep{at: c.SYNACK, Step: Step{Kind: StepTCP, From: 1, To: 0, Label: "SYN-ACK"}}
	ack := timedStep{at: c.ACK, Step: Step{Kind: StepTCP, From: 0, To: 1, Label: "ACK"}}
	if s.HandshakeRTT != nil {
		ack.Details = []string{"handshake done in " + latency(*s.HandshakeRTT) + " (SYN to ACK)"}
	}
	b.add(c.SYN, syn, synack, ack)
}

// closeControl draws how the control connection ended.
func (b *ladderBuilder) closeControl() {
	s := b.s
	c := b.control
	end := s.End
	switch s.EndReason {
	case decoder.EndQuit, decoder.EndFIN:
		why := "control connection closed"
		if s.EndReason == decoder.EndQuit {
			why += " after QUIT"
		} else {
			why += " without QUIT"
		}
		switch {
		case !c.OpenerFIN.IsZero() && !c.AcceptorFIN.IsZero():
			first := timedStep{at: c.OpenerFIN, Step: Step{Kind: StepTCP, From: 0, To: 1, Label: "FIN", Details: []string{why}}}
			// The FIN that came first carries the explanation.
			second := timedStep{at: c.AcceptorFIN, Step: Step{Kind: StepTCP, From: 1, To: 0, Label: "FIN"}}
			if c.AcceptorFIN.Before(c.OpenerFIN) {
				first, second = second, first
				first.Details, second.Details = second.Details, first.Details
			}
			b.add(first.at, first, second)
		default:
			b.add(end, timedStep{at: end, Step: Step{Kind: StepTCP, From: 0, To: 1, Both: true,
				Label: "FIN  " + why, Short: "FIN"}})
		}
	case decoder.EndRST:
		at := end
		from, to := 0, 1
		both := true
		if !c.RST.IsZero() {
			at, both = c.RST, false
			if !c.RSTByOpener {
				from, to = 1, 0
			}
		}
		b.add(at, timedStep{at: at, Step: Step{Kind: StepTCP, From: from, To: to, Both: both, Alert: true,
			Label: "RST  control connection reset"}})
	case decoder.EndTimeout:
		b.remark(end, false, "nothing more seen: the control connection went idle (idle timeout)")
	case decoder.EndCaptureEnd:
		b.remark(end, false, "the capture ends with the control connection still open")
	}
}

// command draws a client command.
func (b *ladderBuilder) command(e *decoder.Entry) {
	label := Escape(e.Verb)
	if arg := commandArg(e, b.opts); arg != "" {
		label += " " + arg
	}
	st := Step{Kind: StepCommand, From: 0, To: 1, Label: label}
	st.Details, st.Alert = b.commandDetails(e)
	b.lastVerb = e.Verb
	b.add(e.TS, timedStep{at: e.TS, Step: st})
}

// commandDetails explains the commands that set up data connections
// (with the arithmetic of their addresses) and a few others a reader of
// the diagram needs.
func (b *ladderBuilder) commandDetails(e *decoder.Entry) ([]string, bool) {
	client := b.s.Client.Addr().Unmap()
	switch e.Verb {
	case "PORT":
		// RFC 959 4.1.2: h1,h2,h3,h4,p1,p2; the port is p1*256+p2.
		ap := e.Addr
		if !ap.IsValid() {
			return []string{"unreadable PORT argument: no data connection can follow"}, true
		}
		d := []string{"=> " + ap.Addr().String() + " port " + portArithmetic(ap.Port())}
		return b.targetDetails(d, e, client)
	case "EPRT":
		// RFC 2428 2: |proto|address|port|, 1 = IPv4, 2 = IPv6.
		ap := e.Addr
		if !ap.IsValid() {
			return []string{"unreadable EPRT argument"}, true
		}
		family := "IPv4"
		if ap.Addr().Is6() {
			family = "IPv6"
		}
		d := []string{"=> " + family + " " + ap.Addr().String() + " port " + strconv.Itoa(int(ap.Port()))}
		return b.targetDetails(d, e, client)
	case "LPRT":
		// RFC 1639 2: af,hal,h1..hN,pal,p1..pM.
		ap := e.Addr
		if !ap.IsValid() {
			return []string{"unreadable LPRT argument"}, true
		}
		d := []string{"=> " + ap.Addr().String() + " port " + strconv.Itoa(int(ap.Port()))}
		return b.targetDetails(d, e, client)
	case "PASV", "LPSV":
		return []string{"asks the server to listen and say where"}, false
	case "EPSV":
		if strings.EqualFold(strings.TrimSpace(e.Arg), "ALL") {
			// RFC 2428 4: only EPSV from now on (NAT-friendly).
			return []string{"from now on only EPSV (RFC 2428 4)"}, false
		}
		return []string{"asks the server to listen and say on which port"}, false
	case "PASS":
		if b.once("pass") {
			return []string{"password in cleartext on the wire"}, true
		}
		return nil, true
	case "AUTH":
		return []string{"asks to encrypt the control connection (RFC 4217)"}, false
	case "ABOR":
		return []string{"asks the server to abort the transfer (RFC 959 4.1.3)"}, false
	case "REST":
		return []string{"next transfer starts at byte " + Escape(strings.TrimSpace(e.Arg)) + " (RFC 3659 5)"}, false
	case "TYPE":
		switch strings.ToUpper(strings.TrimSpace(e.Arg)) {
		case "I", "L 8":
			return []string{"binary: bytes sent unchanged"}, false
		case "A", "A N":
			return []string{"ASCII: line ends converted"}, false
		}
	}
	return nil, false
}

// targetDetails adds, to a PORT/EPRT/LPRT explanation, who is expected to
// be listening at its address (the decoder's Entry.ThirdHost).
func (b *ladderBuilder) targetDetails(d []string, e *decoder.Entry, client netip.Addr) ([]string, bool) {
	if !e.ThirdHost {
		return append(d, "the client listens there; the server will connect"), false
	}
	return append(d, "not the client ("+client.String()+"): the server is sent to another host"), true
}

// portPair is ":32932 -> :21", for arrows too narrow for the addresses
// (the lane headers show them).
func portPair(src, dst netip.AddrPort) string {
	return ":" + strconv.Itoa(int(src.Port())) + " -> :" + strconv.Itoa(int(dst.Port()))
}

// portArithmetic shows how a PORT/227 port is made of its two bytes:
// "195*256+80 = 50000" (RFC 959 4.1.2).
func portArithmetic(p uint16) string {
	return strconv.Itoa(int(p>>8)) + "*256+" + strconv.Itoa(int(p&0xff)) + " = " + strconv.Itoa(int(p))
}

// reply draws a server reply: its code and first line, with the number
// of further lines of a multi-line reply.
func (b *ladderBuilder) reply(e *decoder.Entry) {
	label := strconv.Itoa(e.Code)
	if len(e.Lines) > 0 {
		if first := Escape(e.Lines[0]); first != "" {
			label += " " + first
		}
	}
	if len(e.Lines) > 1 {
		label += " (+" + plural(len(e.Lines)-1, "line") + ")"
	}
	st := Step{Kind: StepReply, From: 1, To: 0, Label: label, Alert: e.Code >= 400}
	// Where the address matters, keep it when the label must be cut.
	if e.Code == 227 || e.Code == 228 || e.Code == 229 {
		if len(e.Lines) > 0 {
			if i, j := strings.IndexByte(e.Lines[0], '('), strings.LastIndexByte(e.Lines[0], ')'); i >= 0 && j > i {
				st.Short = strconv.Itoa(e.Code) + " " + Escape(e.Lines[0][i:j+1])
			}
		}
	}
	st.Details = b.replyDetails(e)
	b.add(e.TS, timedStep{at: e.TS, Step: st})
}

// replyDetails explains the replies that announce a passive address and
// the ones that change what the diagram can show.
func (b *ladderBuilder) replyDetails(e *decoder.Entry) []string {
	server := b.s.Server.Addr().Unmap()
	ap := e.Addr
	switch e.Code {
	case 227:
		// RFC 959 4.1.2 / 4.2.2: (h1,h2,h3,h4,p1,p2).
		if !ap.IsValid() {
			return []string{"no readable address in this reply"}
		}
		d := []string{"=> " + ap.Addr().String() + " port " + portArithmetic(ap.Port())}
		if e.ThirdHost {
			d = append(d, "not the server's address ("+server.String()+"): NAT or a configured public address")
		}
		return d
	case 229:
		// RFC 2428 3: only the port; the address is the control
		// connection's.
		if !ap.IsValid() {
			return []string{"no readable port in this reply"}
		}
		ps := strconv.Itoa(int(ap.Port()))
		return []string{"(|||" + ps + "|) => port " + ps + " on the control server's address (" + server.String() + ")"}
	case 228:
		if !ap.IsValid() {
			return []string{"no readable address in this reply"}
		}
		return []string{"=> " + ap.Addr().String() + " port " + strconv.Itoa(int(ap.Port())) + " (RFC 1639)"}
	case 234:
		return []string{"TLS handshake follows: the rest of the dialogue is encrypted"}
	case 425:
		return []string{"the data connection could not be opened"}
	case 426:
		return []string{"transfer aborted: data connection closed early"}
	case 530:
		switch b.lastVerb {
		case "AUTH":
			return []string{"TLS refused: the session stays in cleartext"}
		case "USER", "PASS", "ACCT":
			return []string{"login refused"}
		}
		return []string{"not logged in"}
	}
	if e.Code >= 500 {
		switch b.lastVerb {
		case "PORT", "EPRT", "LPRT":
			return []string{"the server refused this data address"}
		case "AUTH":
			return []string{"TLS refused: the session stays in cleartext"}
		}
	}
	return nil
}

// tlsEntry draws the control connection switching to TLS (or back).
func (b *ladderBuilder) tlsEntry(e *decoder.Entry) {
	text := Escape(e.Text)
	if text == "" {
		text = "control connection switched to TLS"
	}
	if !b.tls && !strings.HasPrefix(e.Text, "cleartext") {
		b.tls = true
		text += "; commands and replies from here on are encrypted and not shown"
	}
	b.remark(e.TS, false, "TLS: "+text)
}

// dataLanes returns the lanes of a data connection's two ends: the one
// that sent the SYN and the one that accepted it, and which of them is
// the session's FTP server.
func (b *ladderBuilder) dataLanes(t *decoder.Transfer) (opener, acceptor, server int) {
	srvIsSrc := t.Mode == decoder.ModeActive
	if t.Mode != decoder.ModeActive && t.Mode != decoder.ModePassive {
		srvIsSrc = t.DataSrc.Addr().Unmap() == b.s.Server.Addr().Unmap()
	}
	role := RoleOtherHost
	switch {
	case decoder.NoteFXP.In(t.Notes):
		role = RoleFXPServer
	case srvIsSrc:
		role = RoleThirdParty
	}
	if srvIsSrc {
		opener = b.lane(t.DataSrc.Addr(), true, role)
		acceptor = b.lane(t.DataDst.Addr(), false, role)
		return opener, acceptor, opener
	}
	opener = b.lane(t.DataSrc.Addr(), false, role)
	acceptor = b.lane(t.DataDst.Addr(), true, role)
	return opener, acceptor, acceptor
}

// lane returns the lane of a data connection end, adding one for a host
// that is neither the client nor the server.
func (b *ladderBuilder) lane(a netip.Addr, serverEnd bool, role string) int {
	a = a.Unmap()
	lanes := b.l.Lanes
	// The server's own end goes on the server lane even when client and
	// server share an address (loopback captures).
	if serverEnd && a == lanes[1].Addr {
		return 1
	}
	if a == lanes[0].Addr {
		return 0
	}
	for i := 1; i < len(lanes); i++ {
		if lanes[i].Addr == a {
			return i
		}
	}
	if len(lanes) < 2+maxExtraLanes {
		b.l.Lanes = append(lanes, Lane{Role: role, Addr: a})
		return len(b.l.Lanes) - 1
	}
	last := len(lanes) - 1
	lanes[last] = Lane{Role: RoleOtherHosts}
	return last
}

// hasDataConn reports whether t's data connection is in the capture.
func hasDataConn(t *decoder.Transfer) bool {
	return t != nil && t.DataSrc.IsValid() && t.DataDst.IsValid()
}

// transferLabel is "RETR hello.txt" or "LIST", escaped.
func transferLabel(t *decoder.Transfer) string {
	label := Escape(t.Command)
	if t.Arg != nil && *t.Arg != "" {
		label += " " + Escape(*t.Arg)
	}
	return label
}

// openData draws a data connection's three-way handshake, in the
// direction it really went.
func (b *ladderBuilder) openData(t *decoder.Transfer, fallback time.Time) {
	opener, acceptor, server := b.dataLanes(t)
	c := b.dataTimes(t)
	at := c.SYN
	if at.IsZero() {
		at = fallback
	}
	who := "the client (passive mode)"
	switch {
	case b.l.Lanes[opener].Role == RoleFXPServer:
		who = "the other server (FXP)"
	case opener == server && t.Mode == decoder.ModeActive:
		who = "the server (active mode)"
	case opener == server:
		who = "the server"
	case opener != 0:
		who = "another host"
	}
	what := "data connection for " + transferLabel(t) + ", opened by " + who
	if !c.Handshake {
		b.add(at, timedStep{at: at, Step: Step{Kind: StepDataTCP, From: opener, To: acceptor,
			Label:   "data " + endpoint(t.DataSrc) + " -> " + endpoint(t.DataDst),
			Short:   "data " + portPair(t.DataSrc, t.DataDst),
			Details: []string{what, "its handshake is not in the capture (matched by addresses only)"}}})
		return
	}
	syn := timedStep{at: c.SYN, Step: Step{Kind: StepDataTCP, From: opener, To: acceptor,
		Label: "SYN  " + endpoint(t.DataSrc) + " -> " + endpoint(t.DataDst),
		Short: "SYN  " + portPair(t.DataSrc, t.DataDst), Details: []string{what}}}
	synack := timedStep{at: c.SYNACK, Step: Step{Kind: StepDataTCP, From: acceptor, To: opener, Label: "SYN-ACK"}}
	ack := timedStep{at: c.ACK, Step: Step{Kind: StepDataTCP, From: opener, To: acceptor, Label: "ACK"}}
	b.add(at, syn, synack, ack)
}

// closeData draws the payload of a data connection and its close.
func (b *ladderBuilder) closeData(t *decoder.Transfer, fallback time.Time) {
	opener, acceptor, server := b.dataLanes(t)
	other := opener
	if other == server {
		other = acceptor
	}
	from, to := server, other
	if t.Direction == decoder.Upload {
		from, to = other, server
	}
	at := t.End
	if at.IsZero() {
		at = fallback
	}
	var n int64
	if t.Bytes != nil {
		n = *t.Bytes
	}
	payload := Step{Kind: StepData, From: from, To: to,
		Label: transferLabel(t) + ": " + plural64(n, "byte"),
		Short: Escape(t.Command) + ": " + plural64(n, "byte")}
	var d []string
	if n >= 1024 {
		d = append(d, humanBytes(n))
	}
	if span := t.End.Sub(t.Start); !t.Start.IsZero() && !t.End.IsZero() && span >= 0 {
		d = append(d, "in "+ladderSpan(span))
	}
	detail := strings.Join(d, " ")
	if t.Size != nil && *t.Size != n && t.Rest == 0 {
		detail = strings.TrimPrefix(detail+"; "+plural64(*t.Size, "byte")+" announced", "; ")
		payload.Alert = true
	}
	if t.Rest > 0 {
		detail = strings.TrimSpace(detail + ", from byte " + strconv.FormatInt(t.Rest, 10) + " (REST)")
	}
	if detail != "" {
		payload.Details = append(payload.Details, detail)
	}
	if t.MissingBytes > 0 {
		payload.Details = append(payload.Details, plural64(t.MissingBytes, "byte")+" of it missing from the capture")
		payload.Alert = true
	}
	var fin Step
	c := b.dataTimes(t)
	switch {
	case !c.RST.IsZero():
		from, to := opener, acceptor
		if !c.RSTByOpener {
			from, to = acceptor, opener
		}
		fin = Step{Kind: StepDataTCP, From: from, To: to, Label: "RST  data connection reset", Alert: true}
		at = c.RST
	case !c.OpenerFIN.IsZero() || !c.AcceptorFIN.IsZero():
		// The side whose FIN came first closed the connection.
		from, to, when := opener, acceptor, c.OpenerFIN
		if when.IsZero() || !c.AcceptorFIN.IsZero() && c.AcceptorFIN.Before(when) {
			from, to, when = acceptor, opener, c.AcceptorFIN
		}
		fin = Step{Kind: StepDataTCP, From: from, To: to, Label: "FIN  data connection closed"}
		at = when
	case t.Complete:
		// RFC 959 3.4.1 (stream mode): the sender closes the data
		// connection to mark the end of the file.
		fin = Step{Kind: StepDataTCP, From: from, To: to, Label: "FIN  end of file"}
		if b.once("eof") {
			fin.Details = []string{"in stream mode the sender closes to mark the end (RFC 959 3.4.1)"}
		}
	default:
		fin = Step{Kind: StepDataTCP, From: opener, To: acceptor, Both: true, Label: "data connection closed"}
	}
	if !t.Complete && t.Status != nil && *t.Status/100 != 2 {
		fin.Alert = true
		payload.Alert = true
	}
	b.add(at, timedStep{Step: payload}, timedStep{at: at, Step: fin})
}

// missingData notes a transfer whose data connection is not in the
// capture (or never existed because the command was refused).
func (b *ladderBuilder) missingData(t *decoder.Transfer) {
	if !decoder.NoteDataNotCaptured.In(t.Notes) {
		return
	}
	b.remark(t.Start, true, "data connection for "+transferLabel(t)+" not in the capture")
}

// plural64 is plural for byte counts.
func plural64(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

// ladderSummary is the one-line account under a ladder's title.
func ladderSummary(s *decoder.Session) string {
	var parts []string
	if s.User != nil {
		parts = append(parts, "user "+quoted(s.User))
	}
	login := s.Login
	if login == "" {
		login = decoder.OutcomeNone
	}
	parts = append(parts, "login "+Escape(string(login)))
	if s.TLS {
		parts = append(parts, "TLS")
	}
	switch s.Mode {
	case decoder.ModeActive, decoder.ModePassive:
		parts = append(parts, string(s.Mode)+" mode")
	case decoder.ModeMixed:
		parts = append(parts, "active and passive mode")
	default:
		parts = append(parts, "no data connection")
	}
	parts = append(parts, plural(len(s.Transfers), "transfer"))
	if s.EndReason != "" {
		end := "ended by " + Escape(string(s.EndReason))
		if sp := spanCell(s.Start, s.End); sp != "-" {
			end += " after " + sp
		}
		parts = append(parts, end)
	}
	return strings.Join(parts, ", ")
}

// ladderSpan formats a transfer's duration: "0.4 ms", "1.2 s", "5m03s".
func ladderSpan(d time.Duration) string {
	if d < time.Second {
		return latency(d)
	}
	return humanDuration(d)
}

// ladderTime formats a step time: "+0.012s".
func ladderTime(d time.Duration) string {
	t := strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
	if !strings.HasPrefix(t, "-") {
		t = "+" + t
	}
	return t
}

// notes writes the plain-language account of the session.
func (b *ladderBuilder) notes() []string {
	s := b.s
	var n []string
	add := func(format string, args ...any) { n = append(n, fmt.Sprintf(format, args...)) }
	client, server := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()

	// The control connection.
	if s.Handshake {
		rtt := ""
		if s.HandshakeRTT != nil {
			rtt = " (three-way handshake in " + latency(*s.HandshakeRTT) + ")"
		}
		add("Control connection: the client %s opened TCP from its port %d to the server %s on port %d%s. "+
			"Every command and reply travels on this one connection; each file or listing travels on a separate data connection.",
			client, s.Client.Port(), server, s.Server.Port(), rtt)
	} else {
		add("Control connection between the client %s (port %d) and the server %s (port %d). "+
			"The capture starts after it was opened (no SYN seen), so the first commands may be missing.",
			client, s.Client.Port(), server, s.Server.Port())
	}

	b.loginNotes(add)
	b.modeNotes(add)
	b.anomalyNotes(add)

	switch s.EndReason {
	case decoder.EndQuit:
		switch code := b.quitReply(); {
		case code == 221:
			add("End: the client sent QUIT, the server answered 221 and the control connection was closed.")
		case code != 0:
			add("End: the client sent QUIT, the server answered %d and the control connection was closed.", code)
		default:
			add("End: the client sent QUIT and the control connection was closed.")
		}
	case decoder.EndFIN:
		add("End: the control connection was closed (FIN) without a QUIT.")
	case decoder.EndRST:
		add("End: the control connection was reset (RST): one side aborted it instead of closing it.")
	case decoder.EndTimeout:
		add("End: nothing more was seen on the control connection before the idle timeout.")
	case decoder.EndCaptureEnd:
		add("End: the capture ends while the control connection is still open.")
	}
	return n
}

func (b *ladderBuilder) loginNotes(add func(string, ...any)) {
	s := b.s
	attempts := attemptCount(s)
	failed := 0
	for _, a := range s.LoginAttempts {
		if a.Outcome == decoder.OutcomeFailure {
			failed++
		}
	}
	switch {
	case s.User != nil && s.Anonymous:
		pw := "no password"
		if s.Password != nil {
			pw = "the password " + quoted(b.opts.password(s.Password))
		}
		add("Anonymous login as %s with %s (by convention an e-mail address). "+
			"It is still sent in cleartext, like every command here.", quoted(s.User), pw)
	case s.User != nil:
		pw := "no password seen"
		if s.Password != nil {
			pw = "the password " + quoted(b.opts.password(s.Password))
			if !b.opts.ShowPasswords {
				pw += " (masked here; --show-passwords prints it)"
			}
		}
		add("Credentials in cleartext: user %s, %s. Anyone who can see this traffic can read both; "+
			"FTPS (AUTH TLS, RFC 4217) or SFTP would have hidden them. Login result: %s.",
			quoted(s.User), pw, Escape(string(outcomeOf(s.Login))))
	case s.TLS:
		add("No credentials are visible: the login happened inside the encrypted control connection.")
	}
	if failed > 0 {
		add("%s, %d of them failed (530).", plural(attempts, "login attempt"), failed)
	}
}

// modeNotes explains each way this session opened data connections,
// with the concrete addresses and ports of its first such transfer.
func (b *ladderBuilder) modeNotes(add func(string, ...any)) {
	s := b.s
	client, server := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	var active, passive, fxp []*decoder.Transfer
	for _, t := range s.Transfers {
		if t == nil || !t.DataSrc.IsValid() {
			continue
		}
		switch {
		case decoder.NoteFXP.In(t.Notes):
			fxp = append(fxp, t)
		case t.Mode == decoder.ModeActive:
			active = append(active, t)
		case t.Mode == decoder.ModePassive:
			passive = append(passive, t)
		}
	}
	if len(active) > 0 {
		t := active[0]
		src, dst := t.DataSrc, t.DataDst
		from := "from port 20 (ftp-data, RFC 959 3.2)"
		if src.Port() != 20 {
			from = fmt.Sprintf("from port %d, an ephemeral port rather than 20 (firewall rules expecting source port 20 will not match)", src.Port())
		}
		if dst.Addr().Unmap() == client {
			add("Active mode (%s, %s): the client announced where it listens, and the server (%s) opened the data connection %s to the client's port %d. "+
				"A client behind a firewall or NAT must accept this inbound connection, which is why active mode breaks behind NAT "+
				"unless the NAT rewrites the %s command (an FTP helper, or ALG).",
				negotiations(active), plural(len(active), "transfer"), src.Addr().Unmap(), from, dst.Port(), Escape(t.Negotiation))
		}
	}
	if len(passive) > 0 {
		t := passive[0]
		lo, hi := portRange(passive)
		rng := fmt.Sprintf("port %d", lo)
		if lo != hi {
			rng = fmt.Sprintf("ports %d-%d", lo, hi)
		}
		add("Passive mode (%s, %s): the server announced a listening port and the client (%s) opened the data connection to the server's port %d. "+
			"The server's firewall must allow its passive port range in (this session used %s); "+
			"the client only makes outbound connections, which is why passive mode works for clients behind NAT.",
			negotiations(passive), plural(len(passive), "transfer"), t.DataSrc.Addr().Unmap(), t.DataDst.Port(), rng)
	}
	if usesNegotiation(s, "EPSV") {
		add("EPSV (RFC 2428) announces only a port: the client reuses the control connection's address, " +
			"so a NAT in front of the server cannot make the announcement wrong, and it works on IPv6.")
	}
	if client.Is6() && (usesNegotiation(s, "EPRT") || usesNegotiation(s, "EPSV")) {
		add("PORT and PASV can only carry IPv4 addresses; on IPv6 the client must use EPRT and EPSV (RFC 2428).")
	}
	if len(fxp) > 0 {
		t := fxp[0]
		peer := t.DataSrc
		if peer.Addr().Unmap() == server {
			peer = t.DataDst
		}
		other := ""
		if id, ctl := fxpPeer(s, t, b.all); id != "" {
			other = fmt.Sprintf(" The other control connection of this copy is session %s (%s).", id, ctl)
		}
		add("FXP (server-to-server copy, %s): the client %s only sent commands; the data connection ran between this server (%s) and another FTP server (%s), "+
			"never through the client. RFC 959 (2.3) allows such third-party transfers, but most servers refuse them by default "+
			"because the same mechanism makes the FTP bounce attack possible.%s",
			plural(len(fxp), "transfer"), client, server, peer.Addr().Unmap(), other)
	}
}

// negotiations lists the commands that set up the transfers: "PORT",
// "EPRT and PORT".
func negotiations(ts []*decoder.Transfer) string {
	var names []string
	for _, t := range ts {
		n := Escape(t.Negotiation)
		if n == "" {
			n = "no negotiation seen"
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, " and ")
}

// portRange is the lowest and highest server port of passive transfers.
func portRange(ts []*decoder.Transfer) (lo, hi uint16) {
	for i, t := range ts {
		p := t.DataDst.Port()
		if i == 0 || p < lo {
			lo = p
		}
		if p > hi {
			hi = p
		}
	}
	return lo, hi
}

func usesNegotiation(s *decoder.Session, neg string) bool {
	for _, t := range s.Transfers {
		if t != nil && t.Negotiation == neg && t.DataSrc.IsValid() {
			return true
		}
	}
	return false
}

// fxpPeer finds the other session of an FXP transfer: the one whose
// transfer used the same data connection.
func fxpPeer(self *decoder.Session, t *decoder.Transfer, all []*decoder.Session) (id, control string) {
	for _, o := range all {
		if o == nil || o == self {
			continue
		}
		for _, u := range o.Transfers {
			if u != nil && u.DataSrc == t.DataSrc && u.DataDst == t.DataDst && u.Start.Equal(t.Start) {
				return Escape(o.ID), endpoint(o.Client) + " -> " + endpoint(o.Server)
			}
		}
	}
	return "", ""
}

// anomalyNotes explains what is unusual in this session.
func (b *ladderBuilder) anomalyNotes(add func(string, ...any)) {
	s := b.s
	client := s.Client.Addr().Unmap()
	explained := map[string]bool{}
	for _, t := range s.Transfers {
		if t == nil {
			continue
		}
		name := transferLabel(t)
		switch {
		case t.Mode == decoder.ModePassive && t.Advertised.IsValid() && t.DataDst.IsValid() &&
			t.Advertised.Addr().Unmap() != t.DataDst.Addr().Unmap() && !explained["pasv"]:
			explained["pasv"] = true
			add("NAT: the %s reply advertised %s, but the data connection for %s went to %s. "+
				"Address translation sits between the capture point and the address the server announced: a server behind NAT must announce its public address "+
				"(vsftpd pasv_address, ProFTPD MasqueradeAddress), and some clients ignore the announced address and reuse the control connection's, as EPSV always does.",
				negotiationReply(t.Negotiation), endpoint(t.Advertised), name, endpoint(t.DataDst))
		case t.Mode == decoder.ModeActive && t.DataDst.IsValid() && t.DataDst.Addr().Unmap() != client &&
			!decoder.NoteFXP.In(t.Notes) && !explained["bounce"]:
			explained["bounce"] = true
			add("FTP bounce: the %s command pointed at %s, which is not the client (%s), and the server connected there and sent the data for %s. "+
				"Anyone can use this to make the server scan or send data to third parties from its own address (RFC 2577 3); "+
				"servers should refuse data addresses other than the client's.",
				Escape(t.Negotiation), endpoint(t.DataDst), client, name)
		}
		if t.Status != nil && abortCodes[*t.Status] && t.Bytes != nil {
			of := ""
			if t.Size != nil {
				of = " of " + humanBytes(*t.Size) + " (" + plural64(*t.Size, "byte") + ")"
			}
			abor := ""
			if b.aborSent() {
				abor = " The client had sent ABOR (RFC 959 4.1.3); the server answers the aborted transfer first (426), then the ABOR itself (226)."
			}
			add("%s was cut short: %s%s moved before the server ended it with %d (transfer aborted).%s",
				name, humanBytes(*t.Bytes), of, *t.Status, abor)
		}
		if decoder.NoteDataNotCaptured.In(t.Notes) {
			add("The data connection for %s is not in the capture. A capture filter such as \"port 21\" keeps only the control connection; "+
				"capture \"tcp\" or add the passive port range to see transfers.", name)
		}
		if t.MissingBytes > 0 {
			add("%s of the data connection for %s are missing from the capture (packet loss at the capture point, not necessarily on the network).",
				plural64(t.MissingBytes, "byte"), name)
		}
		if decoder.NoteDataGuessed.In(t.Notes) {
			add("The data connection for %s was tied to it by addresses only: its announcement was not seen.", name)
		}
	}
	// Data addresses the server refused (a bounce attempt that failed).
	for i := range s.Transcript {
		e := &s.Transcript[i]
		if e.Kind != decoder.EntryCommand || !e.ThirdHost {
			continue
		}
		ap := e.Addr
		if r := finalReply(s, i); r != nil && r.Code >= 400 && !explained["refused"] {
			explained["refused"] = true
			add("The client asked the server to connect to %s, which is not the client (%s): a bounce attempt, or a client behind NAT announcing its private address. "+
				"The server refused it (%d), as it should.", ap, client, r.Code)
		}
	}
	for _, note := range s.Notes {
		switch decoder.Note(note) {
		case decoder.NoteAuthTLSRefused:
			add("The client asked for TLS (AUTH TLS) but the server refused it, so the whole session, password included, stayed in cleartext.")
		case decoder.NoteGapInControl:
			lost := "Bytes"
			if s.GapBytes > 0 {
				lost = plural64(s.GapBytes, "byte")
			}
			add("%s of the control connection are missing from the capture: some commands or replies may not be shown.", lost)
		case decoder.NoteTranscriptTruncated:
			add("The session is longer than the transcript limit: the diagram stops where the transcript was cut.")
		}
	}
	if s.TLS {
		at := ""
		for _, e := range s.Transcript {
			if e.Kind == decoder.EntryTLS && !e.TS.IsZero() && !b.origin.IsZero() {
				at = " at " + ladderTime(e.TS.Sub(b.origin))
				break
			}
		}
		recs := ""
		if s.TLSRecords > 0 {
			recs = " (" + plural(int(s.TLSRecords), "TLS record") + " seen)"
		}
		add("TLS: the control channel is encrypted after AUTH TLS%s; commands and replies after that are not visible, only their size and count%s. "+
			"Data connections are encrypted too when the client sent PROT P.", at, recs)
	}
	var other []string
	for _, note := range s.Notes {
		switch decoder.Note(note) {
		case decoder.NoteAuthTLSRefused, decoder.NoteGapInControl, decoder.NoteTranscriptTruncated, decoder.NoteNoHandshake,
			decoder.NotePASVAddressMismatch, decoder.NotePORTAddressMismatch:
		default:
			other = append(other, Escape(note))
		}
	}
	if len(other) > 0 {
		add("Other decoder notes on this session: %s (see the transcript: ftpsniff read --transcript).", strings.Join(other, ", "))
	}
}

// quitReply is the code of the reply to the last QUIT, 0 if none.
func (b *ladderBuilder) quitReply() int {
	for i := len(b.s.Transcript) - 1; i >= 0; i-- {
		if e := &b.s.Transcript[i]; e.Kind == decoder.EntryCommand && e.Verb == "QUIT" {
			if r := finalReply(b.s, i); r != nil {
				return r.Code
			}
			return 0
		}
	}
	return 0
}

// aborSent reports whether the client sent ABOR.
func (b *ladderBuilder) aborSent() bool {
	for _, e := range b.s.Transcript {
		if e.Kind == decoder.EntryCommand && e.Verb == "ABOR" {
			return true
		}
	}
	return false
}

// negotiationReply names the reply that carries a passive address.
func negotiationReply(neg string) string {
	switch neg {
	case "PASV":
		return "227"
	case "EPSV":
		return "229"
	case "LPSV":
		return "228"
	}
	return "passive"
}

// finalReply returns the final reply to the command entry i, as the
// decoder paired them (Entry.Answers), nil if none was seen.
func finalReply(s *decoder.Session, i int) *decoder.Entry {
	var last *decoder.Entry
	for j := i + 1; j < len(s.Transcript); j++ {
		if e := &s.Transcript[j]; e.Kind == decoder.EntryReply && e.Answers == i {
			last = e
		}
	}
	if last != nil && last.Code < 200 {
		return nil
	}
	return last
}

// stepSpan is the leftmost and rightmost lane a step touches.
func stepSpan(st Step) (lo, hi int) {
	return min(st.From, st.To), max(st.From, st.To)
}
