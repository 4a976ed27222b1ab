package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// This file writes the teaching prose below a ladder: what the session
// shows about logins, active and passive mode, and its anomalies.

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
