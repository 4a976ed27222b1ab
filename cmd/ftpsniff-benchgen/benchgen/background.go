package benchgen

import (
	"encoding/binary"
	"math"
	"net/netip"
	"strconv"
)

// mss is the payload of a full-sized synthetic segment (1500-byte MTU,
// 20-byte IPv4 and TCP headers, no options); IPv6 flows use 1440.
const mss = 1448

// bodyChunks is how many distinct mss-sized chunks the shared HTTP body
// has; responses cycle through them.
const bodyChunks = 45

// makeBody fills the shared response body: lines of HTML-like text
// alternating with runs of random bytes, as a web mix would look.
func (g *generator) makeBody() {
	words := []string{"<div class=\"row\">", "<a href=\"/files/", "report", "</a>", "<td>", "2025-03-01", "</td>", "lorem", "ipsum", "bench", "\n"}
	b := make([]byte, 0, bodyChunks*mss)
	for len(b) < bodyChunks*mss {
		if g.rng.IntN(3) == 0 {
			for range 256 {
				b = append(b, byte(g.rng.Uint32()))
			}
			continue
		}
		for range 32 {
			b = append(b, words[g.rng.IntN(len(words))]...)
			b = append(b, ' ')
		}
	}
	g.body = b[:bodyChunks*mss]
	g.bodySums = make([]uint64, bodyChunks)
	for i := range g.bodySums {
		g.bodySums[i] = sum16(0, g.body[i*mss:(i+1)*mss])
	}
}

// httpFlow is a synthetic keep-alive HTTP/1.1 connection: handshake, 1
// to 3 GET requests each answered by a header segment and a body in
// full-sized segments (the client ACKs every second one), then FIN both
// ways.
type httpFlow struct {
	cli, srv   netip.AddrPort
	cseq, sseq uint32
	mss        int

	reqs   []int // body size of each response
	req    int   // current request
	sent   int   // body bytes of the current response sent
	segs   int   // body segments sent since the last ACK
	state  int
	t      int64
	rtt    int64 // round-trip time
	serial int64 // time between two full-sized segments
	path   string
}

// HTTP flow states.
const (
	hSYN = iota
	hSYNACK
	hACK
	hRequest
	hHeader
	hBody
	hBodyACK
	hServerFIN
	hClientFIN
	hLastACK
	hDone
)

func (g *generator) newHTTPFlow(start int64) (*httpFlow, int64) {
	f := &httpFlow{t: start, mss: mss, cseq: g.rng.Uint32(), sseq: g.rng.Uint32()}
	if g.rng.IntN(5) == 0 {
		f.cli = netip.AddrPortFrom(g.clients6[g.rng.IntN(len(g.clients6))], g.allocPort())
		f.srv = netip.AddrPortFrom(g.webServers6[g.rng.IntN(len(g.webServers6))], 80)
		f.mss = mss - 8 // 1440: the IPv6 header is 20 bytes longer; keep 4-byte alignment
	} else {
		f.cli = netip.AddrPortFrom(g.clients4[g.rng.IntN(len(g.clients4))], g.allocPort())
		port := uint16(80)
		if g.rng.IntN(4) == 0 {
			port = 8080
		}
		f.srv = netip.AddrPortFrom(g.webServers4[g.rng.IntN(len(g.webServers4))], port)
	}
	f.rtt = int64(200e3 + g.rng.Float64()*30e6)                        // 0.2 to 30 ms
	f.serial = int64(1514 * 8 / (100e6 + g.rng.Float64()*9.9e9) * 1e9) // 100 Mb/s to 10 Gb/s
	f.path = "/files/report-" + strconv.Itoa(g.rng.IntN(100000)) + ".bin"
	n := 1 + g.rng.IntN(3)
	var size int64
	for range n {
		b := g.cfg.HTTPBody
		if b <= 0 {
			// 2 KB to 8 MB, log-uniform: many small objects, a few big.
			b = int(math.Exp(math.Log(2e3) + g.rng.Float64()*(math.Log(8e6)-math.Log(2e3))))
			b = min(b, int(g.maxTransfer)/n)
		}
		f.reqs = append(f.reqs, b)
		segs := (b + f.mss - 1) / f.mss
		size += int64(segs)*(16+int64(f.hdrLen())+int64(f.mss)) + int64(segs/2+1)*(16+int64(f.hdrLen())) + 2*(16+400)
	}
	size += 7 * (16 + 74)
	return f, size
}

func (f *httpFlow) hdrLen() int {
	if f.cli.Addr().Is6() {
		return 14 + 40 + 20
	}
	return 14 + 20 + 20
}

func (f *httpFlow) next() int64 { return f.t }

func (f *httpFlow) request() []byte {
	return []byte("GET " + f.path + "?part=" + strconv.Itoa(f.req) + " HTTP/1.1\r\nHost: www.example.com\r\n" +
		"User-Agent: benchgen/1.0\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n")
}

func (f *httpFlow) header() []byte {
	return []byte("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
		strconv.Itoa(f.reqs[f.req]) + "\r\nCache-Control: max-age=3600\r\nConnection: keep-alive\r\n\r\n")
}

// synOpts are a SYN's options: MSS 1460, SACK permitted, NOP, window
// scale 7, NOP, NOP (12 bytes).
var synOpts = []byte{2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1}

func (f *httpFlow) emit(g *generator) bool {
	s := tcpSeg{win: 502}
	c2s := func() { s.src, s.dst, s.seq, s.ack = f.cli, f.srv, f.cseq, f.sseq }
	s2c := func() { s.src, s.dst, s.seq, s.ack = f.srv, f.cli, f.sseq, f.cseq }
	ts := f.t
	switch f.state {
	case hSYN:
		c2s()
		s.flags, s.ack, s.opts = flagSYN, 0, synOpts
		f.cseq++
		f.state, f.t = hSYNACK, f.t+f.rtt/2
	case hSYNACK:
		s2c()
		s.flags, s.opts = flagSYN|flagACK, synOpts
		s.ack = f.cseq
		f.sseq++
		f.state, f.t = hACK, f.t+f.rtt/2
	case hACK:
		c2s()
		s.flags = flagACK
		f.state, f.t = hRequest, f.t+20e3
	case hRequest:
		c2s()
		s.flags, s.payload = flagPSH|flagACK, f.request()
		f.cseq += uint32(len(s.payload))
		f.state, f.t = hHeader, f.t+f.rtt/2+50e3
	case hHeader:
		s2c()
		s.flags, s.payload = flagPSH|flagACK, f.header()
		f.sseq += uint32(len(s.payload))
		f.sent, f.segs = 0, 0
		f.state, f.t = hBody, f.t+f.serial/4
	case hBody:
		s2c()
		s.flags = flagACK
		n := min(f.mss, f.reqs[f.req]-f.sent)
		if f.mss == mss && n == mss {
			i := (f.sent / mss) % bodyChunks
			s.payload, s.paySum, s.hasSum = g.body[i*mss:(i+1)*mss], g.bodySums[i], true
		} else {
			o := f.sent % (len(g.body) - f.mss)
			s.payload = g.body[o : o+n]
		}
		f.sent += n
		f.sseq += uint32(n)
		f.segs++
		f.t += f.serial
		if f.sent >= f.reqs[f.req] {
			s.flags |= flagPSH
			f.state, f.t = hBodyACK, f.t+f.rtt/2
		} else if f.segs == 2 {
			f.state = hBodyACK
		}
	case hBodyACK:
		c2s()
		s.flags = flagACK
		f.segs = 0
		f.state, f.t = hBody, f.t+f.serial/8
		if f.sent >= f.reqs[f.req] {
			f.req++
			if f.req < len(f.reqs) {
				f.state, f.t = hRequest, f.t+f.rtt
			} else {
				f.state, f.t = hServerFIN, f.t+5e6
			}
		}
	case hServerFIN:
		s2c()
		s.flags = flagFIN | flagACK
		f.sseq++
		f.state, f.t = hClientFIN, f.t+f.rtt/2
	case hClientFIN:
		c2s()
		s.flags = flagFIN | flagACK
		f.cseq++
		f.state, f.t = hLastACK, f.t+f.rtt/2
	case hLastACK:
		s2c()
		s.flags = flagACK
		f.state = hDone
	}
	g.ipID++
	g.buf = appendTCP(g.buf[:0], &s, g.ipID)
	g.write(ts, g.buf, classHTTP)
	return f.state != hDone
}

// dnsFlow is a client asking a resolver one to four questions over UDP,
// each answered by an A or AAAA record.
type dnsFlow struct {
	cli, srv netip.AddrPort
	t        int64
	rtt      int64
	left     int
	id       uint16
	answer   bool
	name     string
	v6answer bool
}

var dnsNames = []string{"www.example.com", "files.example.net", "mirror.example.org", "cdn.example.com", "ftp.example.net", "api.example.org"}

func (g *generator) newDNSFlow(start int64) (*dnsFlow, int64) {
	f := &dnsFlow{
		cli:  netip.AddrPortFrom(g.clients4[g.rng.IntN(len(g.clients4))], g.allocPort()),
		srv:  netip.AddrPortFrom(g.dnsServers4[g.rng.IntN(len(g.dnsServers4))], 53),
		t:    start,
		rtt:  int64(100e3 + g.rng.Float64()*20e6),
		left: 1 + g.rng.IntN(4),
		id:   uint16(g.rng.Uint32()),
	}
	f.pick(g)
	return f, int64(f.left) * 2 * (16 + 14 + 20 + 8 + 80)
}

func (f *dnsFlow) pick(g *generator) {
	f.name = dnsNames[g.rng.IntN(len(dnsNames))]
	f.v6answer = g.rng.IntN(2) == 0
	f.id++
}

func (f *dnsFlow) next() int64 { return f.t }

func (f *dnsFlow) emit(g *generator) bool {
	msg := f.message()
	g.ipID++
	if f.answer {
		g.buf = appendUDP(g.buf[:0], f.srv, f.cli, msg, g.ipID)
	} else {
		g.buf = appendUDP(g.buf[:0], f.cli, f.srv, msg, g.ipID)
	}
	g.write(f.t, g.buf, classDNS)
	if !f.answer {
		f.answer = true
		f.t += f.rtt
		return true
	}
	f.answer = false
	f.left--
	f.t += 1e6 + int64(g.rng.IntN(50e6))
	f.pick(g)
	return f.left > 0
}

// message builds the query or response (RFC 1035 4.1).
func (f *dnsFlow) message() []byte {
	qtype := uint16(1)
	if f.v6answer {
		qtype = 28
	}
	b := make([]byte, 12, 96)
	binary.BigEndian.PutUint16(b[0:], f.id)
	binary.BigEndian.PutUint16(b[2:], 0x0100) // RD
	b[5] = 1                                  // QDCOUNT
	if f.answer {
		binary.BigEndian.PutUint16(b[2:], 0x8180) // QR, RD, RA
		b[7] = 1                                  // ANCOUNT
	}
	for _, label := range splitDots(f.name) {
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0, byte(qtype>>8), byte(qtype), 0, 1)
	if f.answer {
		b = append(b, 0xc0, 12, byte(qtype>>8), byte(qtype), 0, 1, 0, 0, 0x0e, 0x10)
		if f.v6answer {
			a := netip.MustParseAddr("2001:db8:100:80::1").As16()
			a[15] = byte(f.id)
			b = append(b, 0, 16)
			b = append(b, a[:]...)
		} else {
			b = append(b, 0, 4, 198, 51, 100, 100+byte(f.id%100))
		}
	}
	return b
}

func splitDots(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '.' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}
