package report

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// This file builds a Ladder from a session: lanes, one step per entry of
// the transcript and per data connection, in capture order.

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
