package benchgen

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// ftpFlow replays one template with fresh addresses, ports, sequence
// numbers and times. Addresses and ports are mapped consistently inside
// the replay, in TCP headers and in the FTP text that names them (PORT,
// EPRT, 227, 229), so data connections still match their negotiation.
// A data connection may be stretched: its body is repeated k times with
// advancing sequence numbers, and the sizes the control dialogue
// announces for it (150 "(N bytes)", 213 SIZE) are rewritten to match.
type ftpFlow struct {
	g *generator
	t *template

	base  int64 // capture time of the template's first packet
	shift int64 // time added by the repetitions so far
	last  int64 // time of the last packet written
	when  int64 // time of the next packet
	i     int   // next template packet

	ep    [][2]netip.AddrPort // per connection: new endpoints
	off   [][2]uint32         // per connection and direction: new seq - old seq
	k     []uint32            // per connection: copies of the body (1: as recorded)
	edits [][2][]edit         // per control connection and direction

	ipMap   map[netip.Addr]netip.Addr
	portMap map[uint16]uint16
	newSize map[int64]int64 // announced sizes of stretched transfers

	// Repetition in progress: connection rc, copy rr (1..k-1), body
	// packet rj; copy r of body packet j is at rbase+(r-1)*rdur+rel(j).
	rc     int
	rr     uint32
	rj     int
	rbase  int64
	rdur   int64
	rscale float64 // time compression of the copies
	rate   float64 // bits per second the copies run at, at most
}

// edit is one rewritten control segment: the original bytes at relative
// sequence number rel (olen bytes) became payload.
type edit struct {
	rel     uint32
	olen    int
	payload []byte
	sum     uint64
}

func (e *edit) delta() uint32 { return uint32(len(e.payload) - e.olen) }

// newFTPFlow prepares a replay of t starting at time start and returns
// it with its size in file bytes.
func (g *generator) newFTPFlow(t *template, start int64) (*ftpFlow, int64) {
	f := &ftpFlow{
		g: g, t: t, base: start, when: start, last: start, rc: -1,
		ep:      make([][2]netip.AddrPort, len(t.conns)),
		off:     make([][2]uint32, len(t.conns)),
		k:       make([]uint32, len(t.conns)),
		edits:   make([][2][]edit, len(t.conns)),
		ipMap:   make(map[netip.Addr]netip.Addr, len(t.addrs)),
		portMap: make(map[uint16]uint16, len(t.ports)),
		newSize: map[int64]int64{},
		rate:    50e6 + g.rng.Float64()*950e6,
	}
	for _, a := range t.addrs {
		f.mapIP(a)
	}
	for _, p := range t.ports {
		f.mapPort(p)
	}
	// One stretch factor per distinct size, so that two transfers of the
	// same file stay the same size.
	factor := make(map[int64]uint32, len(t.sizes))
	for _, s := range t.sizes {
		factor[s] = g.stretchFactor(s)
	}
	size := t.bytes + int64(len(t.pkts))*16
	for ci := range t.conns {
		c := &t.conns[ci]
		f.ep[ci] = [2]netip.AddrPort{
			netip.AddrPortFrom(f.mapIP(c.ep[0].Addr()), f.mapPort(c.ep[0].Port())),
			netip.AddrPortFrom(f.mapIP(c.ep[1].Addr()), f.mapPort(c.ep[1].Port())),
		}
		for d := range 2 {
			f.off[ci][d] = g.rng.Uint32() - c.isn[d]
		}
		f.k[ci] = 1
		if c.stretch {
			k := factor[c.size]
			f.k[ci] = k
			if k > 1 {
				dd := 0
				if c.bodyLen[1] > 0 {
					dd = 1
				}
				if _, ok := f.newSize[c.size]; !ok {
					f.newSize[c.size] = c.size + int64(k-1)*int64(c.bodyLen[dd])
				}
				size += int64(k-1) * (c.bodyWire + 16*int64(len(c.body)))
			}
		}
	}
	return f, size
}

// mapIP returns the replay's address for template address a, drawing a
// fresh one of the same role on first use: clients stay clients
// (192.0.2.0/24, 203.0.113.0/24 and 2001:db8:c::/64), servers stay
// servers (198.51.100.0/24, 2001:db8:5::/64), third parties stay in
// 203.0.113.200-254. Anything else (0.0.0.0 in a PORT, say) is kept.
func (f *ftpFlow) mapIP(a netip.Addr) netip.Addr {
	if n, ok := f.ipMap[a]; ok {
		return n
	}
	var pool []netip.Addr
	switch {
	case a.Is4() && prefClient4.Contains(a):
		pool = f.g.clients4
	case a.Is4() && prefServer4.Contains(a):
		pool = f.g.ftpServers4
	case a.Is4() && prefThird4.Contains(a):
		pool = f.g.third4
	case a.Is6() && prefClient6.Contains(a):
		pool = f.g.clients6
	case a.Is6() && prefServer6.Contains(a):
		pool = f.g.ftpServers6
	default:
		f.ipMap[a] = a
		return a
	}
	for {
		n := pool[f.g.rng.IntN(len(pool))]
		used := false
		for _, v := range f.ipMap {
			used = used || v == n
		}
		if !used {
			f.ipMap[a] = n
			return n
		}
	}
}

// mapPort returns the replay's port for template port p. Well-known
// ports (below 1024: 21, 20) are kept; others get a fresh port.
func (f *ftpFlow) mapPort(p uint16) uint16 {
	if p < 1024 {
		return p
	}
	if n, ok := f.portMap[p]; ok {
		return n
	}
	for {
		n := f.g.allocPort()
		used := false
		for _, v := range f.portMap {
			used = used || v == n
		}
		if !used {
			f.portMap[p] = n
			return n
		}
	}
}

func (f *ftpFlow) next() int64 { return f.when }

// emit writes the next packet and computes the time of the one after.
func (f *ftpFlow) emit(g *generator) bool {
	t := f.t
	if f.rc >= 0 {
		c := &t.conns[f.rc]
		p := &t.pkts[c.body[f.rj]]
		g.buf = f.build(g.buf[:0], p, f.rr)
		g.write(f.when, g.buf, classFTP)
		f.last = f.when
		if f.rj++; f.rj == len(c.body) {
			f.rj = 0
			if f.rr++; f.rr == f.k[f.rc] {
				// Done: later packets of the connection (FIN, last ACKs)
				// follow the copies in sequence space and in time.
				for d := range 2 {
					f.off[f.rc][d] += (f.k[f.rc] - 1) * c.bodyLen[d]
				}
				f.shift += int64(f.k[f.rc]-1) * f.rdur
				f.rc = -1
			}
		}
	} else {
		p := &t.pkts[f.i]
		g.buf = f.build(g.buf[:0], p, 0)
		g.write(f.when, g.buf, classFTP)
		f.last = f.when
		f.i++
		if ci := int(p.conn); f.k[ci] > 1 && t.bodyOf[ci] == f.i-1 {
			c := &t.conns[ci]
			// The copies keep the recorded pacing, compressed when the
			// recording was slower than the flow's rate (a client that
			// read slowly on purpose would stretch into minutes).
			dur := p.ts - t.pkts[c.body[0]].ts
			f.rscale = 1
			if fast := int64(float64(c.bodyWire*8) / f.rate * 1e9); dur > fast {
				f.rscale = float64(fast) / float64(dur)
			}
			dur = int64(float64(dur) * f.rscale)
			gap := max(dur/int64(len(c.body)), 1000)
			f.rc, f.rr, f.rj = ci, 1, 0
			f.rdur = dur + gap
			f.rbase = f.last + gap
		}
	}
	if f.rc >= 0 {
		c := &f.t.conns[f.rc]
		rel := int64(float64(t.pkts[c.body[f.rj]].ts-t.pkts[c.body[0]].ts) * f.rscale)
		f.when = max(f.rbase+int64(f.rr-1)*f.rdur+rel, f.last)
		return true
	}
	if f.i == len(t.pkts) {
		return false
	}
	f.when = max(f.base+f.shift+t.pkts[f.i].ts, f.last)
	return true
}

// mapSeq maps sequence number v of direction d of connection ci, in copy
// r of the body, to the replay's sequence space.
func (f *ftpFlow) mapSeq(ci int, d uint8, v uint32, r uint32) uint32 {
	c := &f.t.conns[ci]
	n := v + f.off[ci][d] + r*c.bodyLen[d]
	if c.control {
		rel := v - c.isn[d]
		for i := range f.edits[ci][d] {
			e := &f.edits[ci][d][i]
			if int32(rel-(e.rel+uint32(e.olen))) >= 0 {
				n += e.delta()
			}
		}
	}
	return n
}

// build appends the replay of template packet p (copy r of a body) to
// buf.
func (f *ftpFlow) build(buf []byte, p *tpkt, r uint32) []byte {
	ci, d := int(p.conn), p.dir
	c := &f.t.conns[ci]
	src, dst := f.ep[ci][d], f.ep[ci][1-d]
	payload, paySum, rewritten := p.payload(), p.paySum, false
	if c.control && len(payload) > 0 {
		if e := f.controlEdit(ci, d, p.seq-c.isn[d], payload); e != nil {
			payload, paySum, rewritten = e.payload, e.sum, true
		}
	}
	buf = append(buf, p.frame[:p.pay]...)
	macOf(buf[0:6], dst.Addr())
	macOf(buf[6:12], src.Addr())
	l3, l4 := 14, p.l4
	if p.v6 {
		a, b := src.Addr().As16(), dst.Addr().As16()
		copy(buf[l3+8:], a[:])
		copy(buf[l3+24:], b[:])
		if rewritten {
			binary.BigEndian.PutUint16(buf[l3+4:], uint16(p.pay-l4+len(payload)))
		}
	} else {
		a, b := src.Addr().As4(), dst.Addr().As4()
		copy(buf[l3+12:], a[:])
		copy(buf[l3+16:], b[:])
		if rewritten {
			binary.BigEndian.PutUint16(buf[l3+2:], uint16(p.pay-l3+len(payload)))
		}
		ipv4Checksum(buf[l3:l4])
	}
	tcp := buf[l4:]
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], f.mapSeq(ci, d, p.seq, r))
	if p.flags&flagACK != 0 {
		binary.BigEndian.PutUint32(tcp[8:], f.mapSeq(ci, 1-d, p.ack, r))
	}
	f.mapSACK(tcp[20:p.pay-l4], ci, 1-d, r)
	tcp[16], tcp[17] = 0, 0
	sum := pseudoSum(src.Addr(), dst.Addr(), 6, p.pay-l4+len(payload)) + sum16(0, tcp[:p.pay-l4]) + paySum
	binary.BigEndian.PutUint16(tcp[16:], fold(sum))
	buf = append(buf, payload...)
	if !rewritten {
		buf = append(buf, p.frame[p.end:]...) // link-layer padding
	}
	return buf
}

// mapSACK rewrites the edges of SACK blocks (RFC 2018), which name
// sequence numbers of the other direction.
func (f *ftpFlow) mapSACK(opts []byte, ci int, d uint8, r uint32) {
	for len(opts) > 0 {
		switch opts[0] {
		case 0: // end of options
			return
		case 1: // no-op
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || int(opts[1]) < 2 || int(opts[1]) > len(opts) {
			return
		}
		n := int(opts[1])
		if opts[0] == 5 {
			for b := opts[2:n]; len(b) >= 4; b = b[4:] {
				binary.BigEndian.PutUint32(b, f.mapSeq(ci, d, binary.BigEndian.Uint32(b), r))
			}
		}
		opts = opts[n:]
	}
}

// controlEdit returns the rewritten form of the control segment at
// relative sequence number rel, or nil when it is sent as recorded. A
// retransmission gets the same rewrite as the first copy.
func (f *ftpFlow) controlEdit(ci int, d uint8, rel uint32, payload []byte) *edit {
	list := f.edits[ci][d]
	for i := range list {
		e := &list[i]
		if e.rel == rel && e.olen == len(payload) {
			return e
		}
		if int32(rel-(e.rel+uint32(e.olen))) < 0 && int32(rel+uint32(len(payload))-e.rel) > 0 {
			return nil // overlaps an edit differently: leave it alone
		}
	}
	fromClient := f.t.conns[ci].ep[d].Port() != 21
	n := f.rewriteLines(payload, fromClient)
	if n == nil {
		return nil
	}
	f.edits[ci][d] = append(list, edit{rel: rel, olen: len(payload), payload: n, sum: sum16(0, n)})
	return &f.edits[ci][d][len(f.edits[ci][d])-1]
}

// stretchFactor draws how many copies of a data connection body of size
// bytes the replay sends: most transfers stay as recorded, some files
// become large (256 KB to MaxTransfer, log-uniform) and some listings longer.
func (g *generator) stretchFactor(size int64) uint32 {
	if g.cfg.Stretch > 0 {
		return uint32(g.cfg.Stretch)
	}
	if size <= 0 {
		return 1
	}
	if size >= 16<<10 {
		if g.rng.Float64() >= 0.35 {
			return 1
		}
		lo, hi := math.Log(256<<10), math.Log(float64(g.maxTransfer))
		if hi <= lo {
			return 1
		}
		target := math.Exp(lo + g.rng.Float64()*(hi-lo))
		return uint32(max(1, target/float64(size)))
	}
	if g.rng.Float64() < 0.15 {
		return uint32(1 + g.rng.IntN(30))
	}
	return 1
}
