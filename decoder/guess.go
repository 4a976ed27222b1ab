package decoder

import (
	"time"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// maxGuesses bounds the sessions waiting for an unannounced data
// connection.
const maxGuesses = 256

// updateGuessing lists s in Analyzer.guesses while it has a transfer
// waiting without a negotiation.
func (s *session) updateGuessing() {
	need := false
	for _, x := range s.data.waiting {
		if x.neg == nil {
			need = true
			break
		}
	}
	switch {
	case need && !s.data.guessing && !s.final:
		a := s.a
		if len(a.guesses) >= maxGuesses {
			// The oldest guessing session stops looking for its
			// unannounced data connection (the table is shared by all
			// sessions, but the cut is that one's).
			a.limit(limitGuesses)
			old := a.guesses[0]
			old.data.guessing = false
			old.note(NoteGuessEvicted)
			a.guesses = a.guesses[1:]
		}
		a.guesses = append(a.guesses, s)
		s.data.guessing = true
	case !need && s.data.guessing:
		s.stopGuessing()
	}
}

// stopGuessing removes s from Analyzer.guesses.
func (s *session) stopGuessing() {
	if !s.data.guessing {
		return
	}
	s.data.guessing = false
	g := s.a.guesses
	for i, o := range g {
		if o == s {
			s.a.guesses = append(g[:i], g[i+1:]...)
			break
		}
	}
}

// matchGuess ties c to a session waiting for a data connection that no
// negotiation announced, by the two hosts of its control connection.
// The RFC 959 3.2 default (server port L-1 to the client's control port)
// is exact; anything else is noted data_guessed.
func (a *Analyzer) matchGuess(c *reassembly.Conn, ts time.Time) reassembly.Stream {
	if len(a.guesses) == 0 || a.isPort(c.Client.Port()) || a.isPort(c.Server.Port()) {
		return nil
	}
	src, dst := unmapAddrPort(c.Client), unmapAddrPort(c.Server)
	for _, s := range a.guesses {
		cli, srv := unmapAddrPort(s.out.Client), unmapAddrPort(s.out.Server)
		sameHosts := (src.Addr() == cli.Addr() && dst.Addr() == srv.Addr()) ||
			(src.Addr() == srv.Addr() && dst.Addr() == cli.Addr())
		if !sameHosts || s.final {
			continue
		}
		ds := &dataStream{a: a, conn: c}
		l := ds.addLink()
		l.s = s
		l.src, l.dst = c.Client, c.Server
		defaultPort := dst == cli && src.Addr() == srv.Addr() && src.Port() == srv.Port()-1
		if defaultPort || (src.Addr() == srv.Addr() && src.Addr() != cli.Addr()) {
			l.mode = ModeActive
			l.srvSide = reassembly.ClientToServer
		} else {
			l.mode = ModePassive
			l.srvSide = reassembly.ServerToClient
		}
		l.guessed = !defaultPort
		s.data.open++
		s.attach(l, ts)
		return ds
	}
	return nil
}
