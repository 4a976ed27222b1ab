package decoder

import (
	"strconv"
	"strings"
	"time"
)

// This file holds the handlers of the command table (commands.go): what a
// command does when it is sent (on*Command) and when its final reply
// comes (on*Reply). Transfer replies, preliminary ones included, are
// handled for every transfer command by transferReply.

// commandHandler applies a command as it is sent; p is queued after it.
type commandHandler func(s *session, p *pendingCmd, c Command, ts time.Time)

// replyHandler applies the final reply r to the command p it answers.
type replyHandler func(s *session, p *pendingCmd, r Reply, ts time.Time)

// onUserCommand starts a login attempt (RFC 959 4.1.1 USER).
func (s *session) onUserCommand(p *pendingCmd, c Command, ts time.Time) {
	u := c.Arg
	s.out.User = &u
	p.attempt = s.startAttempt(u, ts)
}

// onUserReply: RFC 959 4.1.1 and 5.4: 230 logs in at once (Pure-FTPd
// "USER ftp"), 331/332 ask for PASS/ACCT, 530 refuses.
func (s *session) onUserReply(p *pendingCmd, r Reply, ts time.Time) {
	s.settleAttempt(p, r.Code, ts, r.Code == 230 || r.Code == 232)
}

// settleAttempt resolves the login attempt of p: success when the reply
// logs in, failure on a 5yz, unknown otherwise (a 4yz, or a 3yz asking
// for more).
func (s *session) settleAttempt(p *pendingCmd, code int, ts time.Time, success bool) {
	switch {
	case success:
		s.resolveAttempt(p.attempt, OutcomeSuccess, code, ts)
	case code >= 500:
		s.resolveAttempt(p.attempt, OutcomeFailure, code, ts)
	default:
		s.resolveAttempt(p.attempt, OutcomeUnknown, code, ts)
	}
}

// onPassCommand adds the password to the login attempt (RFC 959 4.1.1).
func (s *session) onPassCommand(p *pendingCmd, c Command, ts time.Time) {
	pw := c.Arg
	s.out.Password = &pw
	p.attempt = s.passAttempt(pw, ts)
}

// onAcctCommand adds the account to the login attempt (RFC 959 4.1.1).
func (s *session) onAcctCommand(p *pendingCmd, c Command, ts time.Time) {
	p.attempt = s.login.current
	if la := s.attempt(p.attempt); la != nil {
		acct := c.Arg
		la.Account = &acct
	}
}

// onPassReply (PASS and ACCT): 230 or 202 (already logged in /
// superfluous) succeed; 332 asks for ACCT; 530 refuses (RFC 959 5.4).
func (s *session) onPassReply(p *pendingCmd, r Reply, ts time.Time) {
	s.settleAttempt(p, r.Code, ts, r.Code == 230 || r.Code == 202 || r.Code == 232)
}

// onAuthCommand: RFC 4217 4: AUTH TLS (and the older SSL, TLS-C, TLS-P
// of its drafts). The client's next bytes are TLS if the server says
// 234; otherwise they are the next command.
func (s *session) onAuthCommand(p *pendingCmd, c Command, ts time.Time) {
	switch strings.ToUpper(strings.TrimSpace(c.Arg)) {
	case "TLS", "SSL", "TLS-C", "TLS-P":
		p.tls = true
		s.sides[roleClient].mode = modeTLSProbe
	}
}

// onAuthReply switches the control connection to TLS on 234 (RFC 4217 4)
// and back to lines on a refusal.
func (s *session) onAuthReply(p *pendingCmd, r Reply, ts time.Time) {
	if !p.tls {
		return
	}
	if r.Code == 234 {
		// RFC 4217 4: after 234 the next bytes are the TLS handshake, in
		// both directions.
		s.out.TLS = true
		s.sides[roleServer].mode = modeTLSProbe
		s.entry(Entry{Kind: EntryTLS, TS: ts, Transfer: -1, Text: "AUTH " + strings.TrimSpace(p.arg) + " accepted: control connection switches to TLS"})
	} else if r.Code >= 400 {
		s.note(NoteAuthTLSRefused)
		if s.sides[roleClient].mode == modeTLSProbe {
			s.sides[roleClient].mode = modeLine
		}
	}
}

// onPortCommand and the three below adapt the data-channel negotiation
// (negotiation.go) to the table's handler shapes.
func (s *session) onPortCommand(p *pendingCmd, c Command, ts time.Time) {
	s.portCommand(p, ts)
}

func (s *session) onPortReply(p *pendingCmd, r Reply, ts time.Time) { s.portReply(p, r) }

func (s *session) onPasvCommand(p *pendingCmd, c Command, ts time.Time) {
	s.pasvCommand(p, c.Arg)
}

func (s *session) onPasvReply(p *pendingCmd, r Reply, ts time.Time) { s.pasvReply(p, r, ts) }

// onTypeCommand: RFC 959 4.1.2 TYPE: A, E, I or "L byte-size"; a second
// parameter (form code) is not kept.
func (s *session) onTypeCommand(p *pendingCmd, c Command, ts time.Time) {
	if t, ok := normalizeType(c.Arg); ok {
		p.prevType = s.params.typ
		p.setType = &t
		s.params.typ = &t
	}
}

// onTypeReply restores the previous TYPE when the server refused.
func (s *session) onTypeReply(p *pendingCmd, r Reply, ts time.Time) {
	if !positive(r.Code) && s.params.typ == p.setType {
		s.params.typ = p.prevType
	}
}

// onRestCommand: RFC 3659 5: REST in stream mode is a byte offset for the
// next transfer only.
func (s *session) onRestCommand(p *pendingCmd, c Command, ts time.Time) {
	if n, err := strconv.ParseInt(strings.TrimSpace(c.Arg), 10, 64); err == nil && n >= 0 {
		s.params.rest = n
		p.rest = n
	}
}

// onRestReply: anything but 350 refuses, and the offset does not apply
// after all.
func (s *session) onRestReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 350 {
		return
	}
	if s.params.rest == p.rest {
		s.params.rest = 0
	} else if s.params.restX != nil && s.params.restX.t.Rest == p.rest {
		s.params.restX.t.Rest = 0
	}
}

// onCwdReply moves the working directory on success (RFC 959 4.1.1 CWD).
func (s *session) onCwdReply(p *pendingCmd, r Reply, ts time.Time) {
	if positive(r.Code) && !s.cwd.stale(p.seq) {
		s.cwd.chdir(p.arg)
		// Some servers name the new directory: 250 "/pub" is the
		// current directory.
		if d, found := quotedAbsPath(r); found {
			s.cwd.learn(d)
		}
	}
}

// onCdupReply moves to the parent directory on success (RFC 959 4.1.1).
func (s *session) onCdupReply(p *pendingCmd, r Reply, ts time.Time) {
	if positive(r.Code) && !s.cwd.stale(p.seq) {
		s.cwd.cdup()
		if d, found := quotedAbsPath(r); found {
			s.cwd.learn(d)
		}
	}
}

// onPwdReply learns the directory of a 257 reply (RFC 959 Appendix II).
func (s *session) onPwdReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 257 && len(r.Lines) > 0 && !s.cwd.stale(p.seq) {
		if d, found := ParsePathReply(r.Lines[0]); found {
			s.cwd.learn(d)
		}
	}
}

// onMkdReply learns from the directory a 257 names (RFC 959 Appendix II).
func (s *session) onMkdReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 257 && len(r.Lines) > 0 && !s.cwd.stale(p.seq) {
		if d, found := ParsePathReply(r.Lines[0]); found {
			s.cwd.learnFromMkdir(p.arg, d)
		}
	}
}

// onSizeCommand resolves the path SIZE asks about.
func (s *session) onSizeCommand(p *pendingCmd, c Command, ts time.Time) {
	p.path, _ = s.cwd.resolve(c.Arg)
}

// onSizeReply: RFC 3659 4: "213 <size>".
func (s *session) onSizeReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 213 && len(r.Lines) > 0 {
		if n, found := ParseSizeValue(r.Lines[0]); found {
			s.rememberSize(p.path, n)
		}
	}
}

// onRenameCommand resolves the path of RNFR and RNTO.
func (s *session) onRenameCommand(p *pendingCmd, c Command, ts time.Time) {
	p.path, _ = s.resolvePath(c.Arg)
}

// onRnfrReply: RFC 959 4.1.3: 350 waits for the RNTO.
func (s *session) onRnfrReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 350 {
		from := p.path
		s.params.renameFr = &from
	} else {
		s.params.renameFr = nil
	}
}

// onRntoReply: RFC 959 4.1.3: RNFR (350) then RNTO (250).
func (s *session) onRntoReply(p *pendingCmd, r Reply, ts time.Time) {
	if positive(r.Code) && s.params.renameFr != nil {
		s.entry(Entry{Kind: EntryNote, TS: ts, Transfer: -1, Text: "renamed " + *s.params.renameFr + " -> " + p.path})
	}
	s.params.renameFr = nil
}

// onFeatReply: RFC 2389 3.2: "211-" then one feature per line, each
// starting with a space, then "211 End".
func (s *session) onFeatReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code != 211 || len(r.Lines) <= 2 {
		return
	}
	feats := r.Lines[1 : len(r.Lines)-1]
	if len(feats) > maxFeatures {
		feats = feats[:maxFeatures]
		s.note(NoteFeaturesTruncated)
		s.a.limit(limitFeatures)
	}
	s.out.Features = s.out.Features[:0]
	for _, f := range feats {
		if f = strings.TrimSpace(f); f != "" {
			s.out.Features = append(s.out.Features, f)
		}
	}
}

// onSystReply keeps the 215 text (RFC 959 4.1.3 SYST).
func (s *session) onSystReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 215 && len(r.Lines) > 0 {
		sys := r.Lines[0]
		s.out.System = &sys
	}
}

// onQuitReply: 221 closes the session (RFC 959 4.1.1 QUIT).
func (s *session) onQuitReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 221 {
		s.quit = true
	}
}

// onReinReply: RFC 959 4.1.1 REIN: the transfer parameters return to
// their defaults once the server accepts (220).
func (s *session) onReinReply(p *pendingCmd, r Reply, ts time.Time) {
	if r.Code == 220 {
		s.params.typ = nil
		s.params.rest = 0
		s.data.neg = nil
	}
}

// onDownloadCommand and onUploadCommand create the Transfer of a
// transfer command (transfer.go).
func (s *session) onDownloadCommand(p *pendingCmd, c Command, ts time.Time) {
	s.transferCommand(p, c, false, ts)
}

func (s *session) onUploadCommand(p *pendingCmd, c Command, ts time.Time) {
	s.transferCommand(p, c, true, ts)
}

// positive reports a 2yz reply (RFC 959 4.2).
func positive(code int) bool { return code >= 200 && code < 300 }
