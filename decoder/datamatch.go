package decoder

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// expMatch is one expectation a new connection satisfies.
type expMatch struct {
	e       *expectation
	swapped bool // the connection's roles are the other way round
	exact   bool // destination equals the advertised address
}

// newData returns the Stream of c if it is an announced (or, failing
// that, guessed) data connection, nil otherwise.
func (a *Analyzer) newData(c *reassembly.Conn, ts time.Time) reassembly.Stream {
	ms := a.matchExpectations(c)
	if len(ms) == 0 {
		return a.matchGuess(c, ts)
	}
	ds := &dataStream{a: a, conn: c}
	for i, m := range ms {
		l := ds.addLink()
		if l == nil {
			// The sessions past the bound do not see this connection:
			// each is noted (its expectation stays, unused).
			a.limit(limitLinksPerConn)
			for _, rest := range ms[i:] {
				rest.e.s.note(NoteLinksPerConnLimit)
			}
			break
		}
		e := m.e
		e.used = true
		l.s = e.s
		l.neg = e.neg
		l.mode = e.neg.mode
		l.src, l.dst = c.Client, c.Server
		srcDir := reassembly.ClientToServer
		if m.swapped {
			l.src, l.dst = c.Server, c.Client
			srcDir = reassembly.ServerToClient
		}
		// Active: the FTP server opened the connection; passive: the
		// client did, to the server.
		l.srvSide = srcDir
		if l.mode == ModePassive {
			l.srvSide = srcDir.Reverse()
		}
		l.fxp = len(ms) > 1
	}
	for i := 0; i < ds.n; i++ {
		l := ds.link(i)
		l.s.data.open++
		l.s.attach(l, ts)
	}
	return ds
}

// matchExpectations finds, per session, the best expectation c
// satisfies: exact address first, unused first, oldest first.
func (a *Analyzer) matchExpectations(c *reassembly.Conn) []expMatch {
	a.matches = a.matches[:0]
	if a.exps.n == 0 {
		return a.matches
	}
	a.collectMatches(unmapAddrPort(c.Client), unmapAddrPort(c.Server), false)
	if len(a.matches) == 0 && !c.SawSYN {
		// Without the SYN the assembler only guessed the roles.
		a.collectMatches(unmapAddrPort(c.Server), unmapAddrPort(c.Client), true)
	}
	return a.matches
}

// collectMatches adds the matches of a connection from src to dst.
func (a *Analyzer) collectMatches(src, dst netip.AddrPort, swapped bool) {
	for e := a.exps.byPort[dst.Port()]; e != nil; e = e.pnext {
		if e.s.final {
			continue
		}
		exact := dst == e.adv
		ok := exact
		if !ok {
			if e.neg.mode == ModePassive {
				// NAT in front of the server: the client connects to the
				// advertised port on the real address, or the capture
				// sees the client's connection to the advertised port.
				ok = dst.Addr() == e.serverIP || src.Addr() == e.clientIP
			} else {
				// NAT in front of the client: the PORT carries a private
				// address, the server connects to the public one.
				ok = dst.Addr() == e.clientIP && src.Addr() == e.serverIP
			}
		}
		if !ok {
			continue
		}
		m := expMatch{e: e, swapped: swapped, exact: exact}
		replaced := false
		for i := range a.matches {
			if a.matches[i].e.s != e.s {
				continue
			}
			replaced = true
			if better(m, a.matches[i]) {
				a.matches[i] = m
			}
		}
		if !replaced {
			a.matches = append(a.matches, m)
		}
	}
}

// better reports whether m is a better match than o for the same
// session. Chains are walked oldest first, so ties keep the older.
func better(m, o expMatch) bool {
	if m.exact != o.exact {
		return m.exact
	}
	return !m.e.used && o.e.used
}

// maxEarly bounds the data connections waiting for their command.
const maxEarly = 8

// attach gives a new data link to its session: to the oldest waiting
// transfer, or to the early list until a transfer command comes.
func (s *session) attach(l *dataLink, ts time.Time) {
	if x := s.takeWaiting(l); x != nil {
		s.bind(x, l, ts)
		return
	}
	if len(s.data.early) >= maxEarly {
		s.a.limit(limitEarlyData)
		old := s.data.early[0]
		old.giveUp()
		s.data.unbound++
		s.data.early = s.data.early[1:]
	}
	s.data.early = append(s.data.early, l)
}

// takeWaiting removes and returns the transfer l should serve: one of
// the same negotiation first, else the oldest; nil when none waits.
func (s *session) takeWaiting(l *dataLink) *xfer {
	if len(s.data.waiting) == 0 {
		return nil
	}
	pick := 0
	if l.guessed || l.neg == nil {
		// A guess serves only a transfer no negotiation announced.
		pick = -1
		for i, x := range s.data.waiting {
			if x.neg == nil {
				pick = i
				break
			}
		}
		if pick < 0 {
			return nil
		}
	} else {
		for i, x := range s.data.waiting {
			if x.neg == l.neg {
				pick = i
				break
			}
		}
	}
	x := s.data.waiting[pick]
	s.data.waiting = append(s.data.waiting[:pick], s.data.waiting[pick+1:]...)
	s.updateGuessing()
	return x
}

// takeEarly removes and returns the early link x should use: one of the
// same negotiation first, else the oldest.
func (s *session) takeEarly(x *xfer) *dataLink {
	if len(s.data.early) == 0 {
		return nil
	}
	pick := 0
	for i, l := range s.data.early {
		if l.neg == x.neg {
			pick = i
			break
		}
	}
	l := s.data.early[pick]
	s.data.early = append(s.data.early[:pick], s.data.early[pick+1:]...)
	return l
}

// bind ties data link l to transfer x.
func (s *session) bind(x *xfer, l *dataLink, ts time.Time) {
	x.link = l
	l.x = x
	t := x.t
	t.DataSrc, t.DataDst = l.src, l.dst
	if x.neg == nil && l.neg != nil {
		x.neg = l.neg
		s.syncNegotiation(x)
	}
	// The connection itself says who opened it.
	t.Mode = l.mode
	if l.guessed {
		t.Notes = s.addNote(t.Notes, NoteDataGuessed)
	}
	if l.fxp {
		t.Notes = s.addNote(t.Notes, NoteFXP)
	}
	for _, n := range l.notes {
		t.Notes = s.addNote(t.Notes, Note(n))
	}
	l.notes = nil
	// The addresses are in the Transfer the entry points to.
	s.entry(Entry{Kind: EntryDataOpen, TS: ts, Transfer: x.index})
	s.startTransfer(x, ts)
	if l.early != nil {
		l.replayEarly()
	}
	if l.closed {
		s.dataClosed(l, ts)
	}
}

// dataClosed records the end of a bound data connection.
func (s *session) dataClosed(l *dataLink, ts time.Time) {
	x := l.x
	d := l.transferDir()
	s.entry(Entry{Kind: EntryDataClose, TS: ts, Transfer: x.index, Bytes: l.stats[d].Bytes})
	// The content writer stays open until the final reply says whether
	// the file is whole (endTransfer).
	s.maybeEnd(x, ts)
}
