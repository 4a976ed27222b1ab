// Package benchgen writes large, realistic, reproducible captures for
// measuring ftpsniff: real FTP sessions recorded in testdata/pcaps are
// replayed hundreds of times with fresh documentation addresses, ports,
// sequence numbers and times, some transfers stretched to many
// megabytes, interleaved with each other and with synthetic non-FTP
// traffic (HTTP-like TCP flows, DNS over UDP). The same Config gives a
// byte-identical file, and memory stays constant whatever the size.
package benchgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config says what to generate. Zero fields take defaults.
type Config struct {
	// Size is the approximate file size in bytes; generation stops
	// starting flows once the flows started add up to it.
	Size int64
	// Seed makes the capture: same Config, same bytes.
	Seed uint64
	// TemplateDir holds the recorded captures (testdata/pcaps).
	TemplateDir string
	// Background is the share of bytes that is not FTP (0.4 when zero;
	// negative for none).
	Background float64
	// Concurrency is how many flows run at once (32 when zero).
	Concurrency int
	// Templates restricts the replay to these template names.
	Templates []string
	// Stretch, when positive, repeats every stretchable data connection
	// body this many times instead of drawing a factor.
	Stretch int
	// MaxTransfer caps a stretched transfer and an HTTP response (32 MB,
	// or Size/8 when that is smaller, when zero).
	MaxTransfer int64
	// FTPSessions, HTTPFlows and DNSFlows, when any is positive, generate
	// exactly that many flows of each kind and ignore Size.
	FTPSessions, HTTPFlows, DNSFlows int
	// HTTPBody, when positive, is the size of every HTTP response body.
	HTTPBody int
	// Start is the capture time of the first packet (2025-03-01 UTC when
	// zero).
	Start time.Time
}

// Stats describe what was written.
type Stats struct {
	Packets     int64
	Bytes       int64 // file size
	FTPReplays  int   // template replays started
	FTPBytes    int64 // frame bytes of FTP replays
	HTTPFlows   int
	DNSFlows    int
	OtherBytes  int64 // frame bytes of background traffic
	First, Last time.Time
	// Templates counts the replays of each template.
	Templates map[string]int
}

// Flow kinds.
const (
	classFTP = iota
	classHTTP
	classDNS
	numClasses
)

// Address plan: documentation ranges only (RFC 5737, RFC 3849).
var (
	prefClient4 = netip.MustParsePrefix("192.0.2.0/24")
	prefServer4 = netip.MustParsePrefix("198.51.100.0/24")
	prefThird4  = netip.MustParsePrefix("203.0.113.0/24")
	prefClient6 = netip.MustParsePrefix("2001:db8:2::/48")
	prefServer6 = netip.MustParsePrefix("2001:db8:100::/48")
)

// ErrSize: the requested size is not positive.
var ErrSize = errors.New("size must be positive")

type generator struct {
	cfg   Config
	rng   *rand.Rand
	tmpls []*template
	wsum  int

	clients4, ftpServers4, webServers4, dnsServers4, third4 []netip.Addr
	clients6, ftpServers6, webServers6                      []netip.Addr

	maxTransfer int64
	nextPort    uint16

	pw   *pcapWriter
	buf  []byte
	heap flowHeap
	seq  uint64

	started   [numClasses]int
	committed [numClasses]int64
	stats     Stats

	body     []byte   // shared HTTP body bytes
	bodySums []uint64 // sum16 of each mss-sized chunk of body
	ipID     uint16
}

// flow is one source of packets with non-decreasing times.
type flow interface {
	// next is the time of the flow's next packet.
	next() int64
	// emit writes the next packet and reports whether more follow.
	emit(g *generator) bool
}

// Generate writes a capture to w as cfg says.
func Generate(w io.Writer, cfg Config) (Stats, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return Stats{}, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	g.pw = newPcapWriter(bw)
	g.run()
	if g.pw.err == nil {
		g.pw.err = bw.Flush()
	}
	g.stats.Packets, g.stats.Bytes = g.pw.packets, g.pw.bytes
	return g.stats, g.pw.err
}

func newGenerator(cfg Config) (*generator, error) {
	exact := cfg.FTPSessions > 0 || cfg.HTTPFlows > 0 || cfg.DNSFlows > 0
	if cfg.Size <= 0 && !exact {
		return nil, ErrSize
	}
	if cfg.TemplateDir == "" {
		cfg.TemplateDir = "testdata/pcaps"
	}
	if cfg.Background == 0 {
		cfg.Background = 0.4
	}
	cfg.Background = max(0, min(cfg.Background, 1))
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	}
	g := &generator{
		cfg: cfg,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x66747073_6e696666)),
		buf: make([]byte, 0, 64<<10),
	}
	g.stats.Templates = map[string]int{}
	g.maxTransfer = cfg.MaxTransfer
	if g.maxTransfer <= 0 {
		g.maxTransfer = 32 << 20
		if cfg.Size > 0 {
			g.maxTransfer = max(min(g.maxTransfer, cfg.Size/8), 256<<10)
		}
	}
	specs := defaultTemplates
	if len(cfg.Templates) > 0 {
		specs = nil
		for _, name := range cfg.Templates {
			spec := templateSpec{name: name, weight: 1}
			for _, d := range defaultTemplates {
				if d.name == name {
					spec = d
				}
			}
			specs = append(specs, spec)
		}
	}
	tmpls, err := loadTemplates(cfg.TemplateDir, specs)
	if err != nil {
		return nil, err
	}
	g.tmpls = tmpls
	for _, t := range tmpls {
		g.wsum += t.weight
	}
	g.plan()
	g.nextPort = uint16(20000 + g.rng.IntN(20000))
	g.makeBody()
	return g, nil
}

// plan lays out the hosts: 453 IPv4 and 500 IPv6 clients, 16 FTP
// servers of each family, 100 web servers, 2 DNS resolvers.
func (g *generator) plan() {
	for i := 1; i <= 254; i++ {
		g.clients4 = append(g.clients4, netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	}
	for i := 1; i < 200; i++ {
		g.clients4 = append(g.clients4, netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}))
	}
	for i := 200; i <= 254; i++ {
		g.third4 = append(g.third4, netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}))
	}
	for i := 10; i < 26; i++ {
		g.ftpServers4 = append(g.ftpServers4, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
	}
	for i := 100; i < 200; i++ {
		g.webServers4 = append(g.webServers4, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
	}
	g.dnsServers4 = []netip.Addr{netip.MustParseAddr("198.51.100.53"), netip.MustParseAddr("198.51.100.54")}
	v6 := func(prefix string, n int) netip.Addr {
		return netip.MustParseAddr(prefix + strconv.FormatInt(int64(n), 16))
	}
	for i := 1; i <= 500; i++ {
		g.clients6 = append(g.clients6, v6("2001:db8:2:c::", i))
	}
	for i := 1; i <= 16; i++ {
		g.ftpServers6 = append(g.ftpServers6, v6("2001:db8:100:5::", i))
	}
	for i := 1; i <= 50; i++ {
		g.webServers6 = append(g.webServers6, v6("2001:db8:100:80::", i))
	}
}

// allocPort hands out ephemeral ports in a cycle over 20000-64999 with
// small random steps, so that concurrent flows never share one.
func (g *generator) allocPort() uint16 {
	p := g.nextPort
	g.nextPort += uint16(1 + g.rng.IntN(7))
	if g.nextPort >= 65000 {
		g.nextPort -= 45000
	}
	return p
}

// write adds one packet of a flow of kind class to the capture.
func (g *generator) write(ts int64, frame []byte, class int) {
	g.pw.write(ts, frame)
	if class == classFTP {
		g.stats.FTPBytes += int64(len(frame))
	} else {
		g.stats.OtherBytes += int64(len(frame))
	}
	if g.pw.packets == 1 {
		g.stats.First = time.Unix(0, ts).UTC()
	}
	g.stats.Last = time.Unix(0, ts).UTC()
}

func (g *generator) run() {
	t := g.cfg.Start.UnixNano()
	for range g.cfg.Concurrency {
		t += g.gap()
		if !g.start(t) {
			break
		}
	}
	for len(g.heap) > 0 && g.pw.err == nil {
		it := &g.heap[0]
		if it.f.emit(g) {
			it.when = it.f.next()
			g.heap.down(0)
			continue
		}
		end := it.when
		g.heap.pop()
		g.start(end + g.gap())
	}
}

// gap draws the pause before a new flow starts (exponential, mean 2 ms).
func (g *generator) gap() int64 {
	return int64(g.rng.ExpFloat64() * 2e6)
}

// start starts the next flow at time t, if there is one to start: the
// kind is the one furthest behind its share (of bytes, or of the exact
// counts asked for).
func (g *generator) start(t int64) bool {
	class := -1
	if c := g.cfg; c.FTPSessions > 0 || c.HTTPFlows > 0 || c.DNSFlows > 0 {
		want := [numClasses]int{c.FTPSessions, c.HTTPFlows, c.DNSFlows}
		best := math.Inf(1)
		for k := range numClasses {
			if g.started[k] < want[k] {
				if r := float64(g.started[k]) / float64(want[k]); r < best {
					best, class = r, k
				}
			}
		}
	} else {
		total := g.committed[classFTP] + g.committed[classHTTP] + g.committed[classDNS]
		if total >= g.cfg.Size {
			return false
		}
		class = classFTP
		if bg := g.committed[classHTTP] + g.committed[classDNS]; float64(bg) < g.cfg.Background*float64(total) {
			class = classHTTP
			if g.rng.IntN(4) == 0 {
				class = classDNS
			}
		}
	}
	if class < 0 {
		return false
	}
	var f flow
	var size int64
	switch class {
	case classFTP:
		tm := g.pickTemplate()
		f, size = g.newFTPFlow(tm, t)
		g.stats.FTPReplays++
		g.stats.Templates[tm.name]++
	case classHTTP:
		f, size = g.newHTTPFlow(t)
		g.stats.HTTPFlows++
	case classDNS:
		f, size = g.newDNSFlow(t)
		g.stats.DNSFlows++
	}
	g.started[class]++
	g.committed[class] += size
	g.seq++
	g.heap.push(heapItem{when: f.next(), id: g.seq, f: f})
	return true
}

func (g *generator) pickTemplate() *template {
	n := g.rng.IntN(g.wsum)
	for _, t := range g.tmpls {
		if n < t.weight {
			return t
		}
		n -= t.weight
	}
	return g.tmpls[len(g.tmpls)-1]
}

// heapItem orders flows by the time of their next packet, then by the
// order they started, so that the output is deterministic.
type heapItem struct {
	when int64
	id   uint64
	f    flow
}

type flowHeap []heapItem

func (h flowHeap) less(i, j int) bool {
	return h[i].when < h[j].when || (h[i].when == h[j].when && h[i].id < h[j].id)
}

func (h *flowHeap) push(it heapItem) {
	*h = append(*h, it)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *flowHeap) pop() {
	s := *h
	n := len(s) - 1
	s[0] = s[n]
	s[n] = heapItem{}
	*h = s[:n]
	if n > 0 {
		h.down(0)
	}
}

func (h flowHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// ParseSize reads a size such as 1GB, 512MB, 4GiB or 1000000 (bytes).
// KB, MB, GB are powers of 1000; KiB, MiB, GiB powers of 1024.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || v*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("%q: %w (want e.g. 1GB, 512MB, 4GiB)", s, ErrSize)
	}
	return int64(v * float64(mult)), nil
}
