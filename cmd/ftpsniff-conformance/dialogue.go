package main

import (
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// exchange is one client command with the replies ftpsniff paired with
// it. The peers log per command (Zeek's ftp.log rows, Suricata's ftp
// transactions), so this is the unit compared with them.
type exchange struct {
	// Index is the command's position among the session's commands, from 0.
	Index int
	Verb  string
	Arg   string
	TS    time.Time
	// Prelim are the 1yz reply codes before the final one (RFC 959 4.2).
	Prelim []int
	// Code is the final reply code and Text the last line of that reply;
	// Code is 0 when no reply was paired with the command.
	Code int
	Text string
	// User and Pass are the USER and PASS arguments in force once the
	// command was sent (nil before the first one).
	User, Pass *string
	// Transfer is, for a transfer command (RETR, STOR, LIST, ...), the
	// Transfer it created.
	Transfer *decoder.Transfer
	// Used is, for a negotiation command (PORT, PASV, EPRT, EPSV, LPRT,
	// LPSV), the first transfer after it, which is the one that used it.
	Used *decoder.Transfer
}

// dialogue is a session's transcript regrouped per command.
type dialogue struct {
	Session *decoder.Session
	// Greeting is the connection-establishment reply (RFC 959 5.4),
	// code 0 when none was seen.
	Greeting exchange
	// Commands in the order the client sent them.
	Commands []*exchange
	// Replies are the codes of every reply in capture order, greeting,
	// preliminary and unsolicited replies included.
	Replies []int
	// Unsolicited counts replies paired with no command.
	Unsolicited int
}

// negotiationVerbs announce a data connection (RFC 959 4.1.2, RFC 2428,
// RFC 1639).
var negotiationVerbs = map[string]bool{
	"PORT": true, "PASV": true, "EPRT": true, "EPSV": true, "LPRT": true, "LPSV": true,
}

// dialogueOf pairs the transcript's replies with its commands the way the
// decoder did. The transcript does not link a reply to its command, but
// each reply carries its latency, the time since the command it answers:
// the reply answers the oldest unanswered command sent exactly Latency
// earlier. A final reply (2yz-5yz) closes that command and any older one
// still open (the decoder gives up on those after a gap); a 1yz reply
// leaves it open.
func dialogueOf(s *decoder.Session) *dialogue {
	d := &dialogue{Session: s}
	var (
		pending  []*exchange
		user     *string
		pass     *string
		xfer     int
		lastNeg  *exchange
		greeting = true
	)
	for i := range s.Transcript {
		e := &s.Transcript[i]
		switch e.Kind {
		case decoder.EntryCommand:
			ex := &exchange{Index: len(d.Commands), Verb: e.Verb, Arg: e.Arg, TS: e.TS}
			switch e.Verb {
			case "USER":
				u := e.Arg
				user, pass = &u, nil
			case "PASS":
				p := e.Arg
				pass = &p
			}
			ex.User, ex.Pass = user, pass
			if info, ok := decoder.LookupVerb(e.Verb); ok && info.Is(decoder.FlagTransfer) {
				if xfer < len(s.Transfers) {
					ex.Transfer = s.Transfers[xfer]
				}
				xfer++
				if lastNeg != nil {
					lastNeg.Used = ex.Transfer
					lastNeg = nil
				}
			}
			if negotiationVerbs[e.Verb] {
				lastNeg = ex
			}
			d.Commands = append(d.Commands, ex)
			pending = append(pending, ex)
		case decoder.EntryReply:
			d.Replies = append(d.Replies, e.Code)
			text := ""
			if n := len(e.Lines); n > 0 {
				text = strings.TrimSpace(e.Lines[n-1])
			}
			if greeting && e.Latency == 0 && (e.Code == 220 || e.Code == 120 || e.Code == 421) {
				// RFC 959 5.4: 120, 220 or 421 open the connection; the
				// decoder counts a 220 as the greeting even when the
				// client pipelined commands before it.
				d.Greeting.Code, d.Greeting.Text, d.Greeting.TS = e.Code, text, e.TS
				greeting = e.Code == 120
				continue
			}
			greeting = false
			sent := e.TS.Add(-e.Latency)
			k := -1
			for j, p := range pending {
				if p.TS.Equal(sent) {
					k = j
					break
				}
			}
			if k < 0 {
				d.Unsolicited++
				continue
			}
			p := pending[k]
			if e.Code < 200 {
				p.Prelim = append(p.Prelim, e.Code)
				continue
			}
			p.Code, p.Text = e.Code, text
			pending = pending[k+1:]
		}
	}
	return d
}

// users returns every USER argument of the session, in order.
func (d *dialogue) users() []string {
	var out []string
	for _, c := range d.Commands {
		if c.Verb == "USER" {
			out = append(out, c.Arg)
		}
	}
	return out
}

// dataChannel is the address a negotiation announced, as ftpsniff saw
// it: from the transfer that used it when there is one (the decoder's
// own record), else by parsing the command or its reply with the
// decoder's exported parsers (a negotiation nobody used).
func (d *dialogue) dataChannel(ex *exchange) (netip.AddrPort, bool) {
	if ex.Used != nil && ex.Used.Advertised.IsValid() {
		return ex.Used.Advertised, true
	}
	switch ex.Verb {
	case "PORT":
		if ap, err := decoder.ParsePORT(ex.Arg); err == nil {
			return ap, true
		}
	case "EPRT":
		if ap, err := decoder.ParseEPRT(ex.Arg); err == nil {
			return ap, true
		}
	case "LPRT":
		if ap, err := decoder.ParseLPRT(ex.Arg); err == nil {
			return ap, true
		}
	case "PASV":
		if ex.Code == 227 {
			if ap, err := decoder.ParsePASVReply(ex.Text); err == nil {
				return ap, true
			}
		}
	case "LPSV":
		if ex.Code == 228 {
			if ap, err := decoder.ParseLPSVReply(ex.Text); err == nil {
				return ap, true
			}
		}
	case "EPSV":
		// RFC 2428 3: the address is the control connection's server.
		if ex.Code == 229 {
			if p, err := decoder.ParseEPSVReply(ex.Text); err == nil {
				return netip.AddrPortFrom(d.Session.Server.Addr(), p), true
			}
		}
	}
	return netip.AddrPort{}, false
}

// mode is "active" or "passive" for a negotiation: the decoder's
// Transfer.Mode when a transfer used it, else what the verb implies.
func (d *dialogue) mode(ex *exchange) string {
	if ex.Used != nil && ex.Used.Mode != "" {
		return string(ex.Used.Mode)
	}
	switch ex.Verb {
	case "PASV", "EPSV", "LPSV":
		return string(decoder.ModePassive)
	case "PORT", "EPRT", "LPRT":
		return string(decoder.ModeActive)
	}
	return ""
}
