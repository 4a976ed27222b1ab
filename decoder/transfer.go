package decoder

import (
	"strings"
	"time"
)

// xfer is the decoder's side of one Transfer.
type xfer struct {
	t     *Transfer
	index int
	neg   *negotiation
	link  *dataLink
	cmdTS time.Time
	// file is true for RETR, STOR, STOU, APPE (content worth keeping);
	// listings are counted only.
	file bool
	// prelim: a 1xx reply was seen, so data was about to flow.
	prelim  bool
	replied bool
	started bool // EventTransferStart sent
	ended   bool // EventTransferEnd sent
}

// transferCommand creates the Transfer of RETR, STOR, STOU, APPE, LIST,
// NLST or MLSD, in command order, and ties it to a data connection that
// is already open, if any.
func (s *session) transferCommand(p *pendingCmd, c Command, upload bool, ts time.Time) {
	if len(s.data.xfers) >= s.a.cfg.MaxTransfers {
		s.note(NoteTransfersTruncated)
		s.a.limit(limitTransfers)
		return
	}
	t := &Transfer{
		Command:   c.Verb,
		Direction: Download,
		Rest:      s.params.rest,
		Type:      s.params.typ,
		Start:     ts,
		End:       ts,
	}
	if upload {
		t.Direction = Upload
	}
	listing := c.Verb == "LIST" || c.Verb == "NLST" || c.Verb == "MLSD"
	if c.Arg != "" {
		arg := c.Arg
		t.Arg = &arg
	}
	target := c.Arg
	if listing {
		target = listingTarget(c.Arg)
	}
	if c.Verb != "STOU" || target != "" {
		if pth, ok := s.resolvePath(target); ok {
			t.Path = &pth
			if !listing {
				if n, ok := s.sizeOf(pth); ok {
					t.Size = &n
				}
			}
		}
	}
	x := &xfer{t: t, index: len(s.data.xfers), neg: s.data.neg, cmdTS: ts, file: !listing}
	if s.params.rest != 0 {
		s.params.restX = x
	}
	s.params.rest = 0
	s.data.xfers = append(s.data.xfers, x)
	s.out.Transfers = append(s.out.Transfers, t)
	s.syncNegotiation(x)
	p.x = x
	if l := s.takeEarly(x); l != nil {
		s.bind(x, l, ts)
		return
	}
	if len(s.data.waiting) >= maxWaiting {
		// The oldest waiting transfer can no longer be tied to a data
		// connection: noted on it, since the cut is its own.
		s.a.limit(limitWaiting)
		old := s.data.waiting[0]
		old.t.Notes = s.addNote(old.t.Notes, NoteWaitingLimit)
		s.data.waiting = s.data.waiting[1:]
	}
	s.data.waiting = append(s.data.waiting, x)
	s.updateGuessing()
}

// maxWaiting bounds the transfers waiting for their data connection.
const maxWaiting = 64

// listingTarget drops the ls-style options ("-la") that clients put
// before a LIST/NLST path.
func listingTarget(arg string) string {
	arg = strings.TrimSpace(arg)
	for strings.HasPrefix(arg, "-") {
		i := strings.IndexByte(arg, ' ')
		if i < 0 {
			return ""
		}
		arg = strings.TrimSpace(arg[i+1:])
	}
	return arg
}

// syncNegotiation copies what is known of x's negotiation into its
// Transfer.
func (s *session) syncNegotiation(x *xfer) {
	neg := x.neg
	if neg == nil {
		return
	}
	x.t.Negotiation = neg.verb
	x.t.Mode = neg.mode
	x.t.Advertised = neg.adv
	if neg.mismatch {
		x.t.Notes = s.addNote(x.t.Notes, NotePASVAddressMismatch)
	}
	if neg.thirdParty {
		x.t.Notes = s.addNote(x.t.Notes, NotePORTAddressMismatch)
	}
}

// transferReply applies a preliminary (1xx) or final reply to the
// transfer its command created.
func (s *session) transferReply(p *pendingCmd, r Reply, ts time.Time, final bool) {
	x := p.x
	t := x.t
	if t.Command == "STOU" && t.Path == nil {
		// RFC 1123 4.1.2.9: the 125/150 (or 250) reply names the file
		// the server chose, as "FILE: name".
		if name, ok := stouName(r); ok {
			if pth, ok := s.resolvePath(name); ok {
				t.Path = &pth
			}
		}
	}
	if !final {
		x.prelim = true
		for _, line := range r.Lines {
			if n, ok := ParseSizeReply(line); ok {
				t.Size = &n
				break
			}
		}
		s.startTransfer(x, ts)
		return
	}
	code := r.Code
	t.Status = &code
	x.replied = true
	if x.neg != nil {
		x.neg.served = true
	}
	if x.link == nil {
		s.unwait(x)
	}
	s.maybeEnd(x, ts)
}

// stouName reads the "FILE: name" of a STOU reply.
func stouName(r Reply) (string, bool) {
	for _, line := range r.Lines {
		i := strings.Index(strings.ToUpper(line), "FILE:")
		if i < 0 {
			continue
		}
		name := strings.TrimSpace(line[i+len("FILE:"):])
		if f := strings.Fields(name); len(f) > 0 {
			return f[0], true
		}
	}
	return "", false
}

// startTransfer sends EventTransferStart once.
func (s *session) startTransfer(x *xfer, ts time.Time) {
	if x.started {
		return
	}
	x.started = true
	s.a.event(Event{Kind: EventTransferStart, TS: ts, Session: &s.out, Transfer: x.t})
}

// unwait removes x from the transfers waiting for a data connection.
func (s *session) unwait(x *xfer) {
	for i, w := range s.data.waiting {
		if w == x {
			s.data.waiting = append(s.data.waiting[:i], s.data.waiting[i+1:]...)
			break
		}
	}
	s.updateGuessing()
}

// maybeEnd ends x once its final reply is in and its data connection,
// if any, is closed.
func (s *session) maybeEnd(x *xfer, ts time.Time) {
	if x.ended || !x.replied || (x.link != nil && !x.link.closed) {
		return
	}
	s.endTransfer(x, ts)
}

// endTransfer fills the last fields of x's Transfer and reports it.
func (s *session) endTransfer(x *xfer, ts time.Time) {
	if x.ended {
		return
	}
	x.ended = true
	t := x.t
	if l := x.link; l != nil {
		d := l.transferDir()
		b := l.stats[d].Bytes
		t.Bytes = &b
		t.MissingBytes = l.stats[d].Missing
		t.Start, t.End = l.start, l.end
		t.FirstData = l.stats[d].FirstPayload
		t.TCP = l.tcp
	} else if x.prelim || !x.replied || (t.Status != nil && *t.Status/100 == 2) {
		// Data should have flowed (1xx or 2xx, or no reply at all) but
		// its connection is not in the capture.
		t.Notes = s.addNote(t.Notes, NoteDataNotCaptured)
	}
	t.Complete = x.link != nil && t.Status != nil && *t.Status/100 == 2 && t.MissingBytes == 0
	if l := x.link; l != nil && l.w != nil {
		// Closed last, so the writer sees the final status and counts.
		l.w.Close(t)
		l.w = nil
	}
	if t.Size != nil && t.Bytes != nil && t.Rest == 0 && *t.Size != *t.Bytes {
		t.Notes = s.addNote(t.Notes, NoteSizeMismatch)
	}
	s.a.event(Event{Kind: EventTransferEnd, TS: ts, Session: &s.out, Transfer: t})
}
