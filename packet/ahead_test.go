package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// The read-ahead stage must be invisible: every test compares it,
// frame by frame, with the serial loop it replaces.

// ahRecord is what one step of either loop produced, with every byte
// copied, so that the two runs can be compared after the fact.
type ahRecord struct {
	Frame   capture.Frame
	OK      bool
	Err     string
	Packet  tcp.Segment
	Payload []byte
}

func ahSnapshot(f capture.Frame, ok bool, err error, p *tcp.Segment) ahRecord {
	r := ahRecord{Frame: f, OK: ok}
	r.Frame.Data = append([]byte{}, f.Data...)
	if err != nil {
		r.Err = err.Error()
	}
	if ok {
		r.Packet = *p
		r.Payload = append([]byte{}, p.Payload...)
		r.Packet.Payload = nil
	}
	return r
}

// ahRun is what a whole loop produced: every frame, the source's
// warnings, the defragmenter's counters and the final error.
type ahRun struct {
	recs     []ahRecord
	warnings []capture.Warning
	defrag   DefragStats
	final    error
}

// ahSerial runs the serial loop over src.
func ahSerial(src capture.Source) (r ahRun) {
	pd := NewDecoder()
	var p tcp.Segment
	for {
		f, err := src.Next()
		if err != nil {
			return ahRun{r.recs, src.Warnings(), pd.DefragStats(), err}
		}
		ok, derr := pd.Decode(f.LinkType, f.Data, f.TS, &p)
		r.recs = append(r.recs, ahSnapshot(f, ok, derr, &p))
	}
}

// ahAhead runs the same loop through DecodeAhead. Each record is taken
// before the next call to Next, which is as long as the data is valid.
func ahAhead(src capture.Source, opts AheadOptions) (r ahRun) {
	pd := NewDecoder()
	a := DecodeAhead(src, pd, opts)
	defer a.Close()
	for {
		d, err := a.Next()
		if err != nil {
			return ahRun{r.recs, src.Warnings(), pd.DefragStats(), err}
		}
		r.recs = append(r.recs, ahSnapshot(d.Frame, d.OK, d.Err, &d.Segment))
	}
}

// ahOptions are the batch shapes every comparison runs with: the
// defaults, and tiny batches and arenas that force every boundary case
// (frames carried over, arenas replaced, one-frame batches).
var ahOptions = []AheadOptions{
	{},
	{Batch: 1, Batches: 2},
	{Batch: 3, Batches: 2, Arena: 100},
	{Batch: 7, Batches: 3, Arena: 1600},
	{Batch: 64, Arena: 4096},
}

// ahCompare runs the serial loop and the read-ahead, in every batch
// shape, over the captures open returns, and returns the serial run.
func ahCompare(t *testing.T, open func() capture.Source) ahRun {
	t.Helper()
	w := ahSerial(open())
	want, wantErr, wantWarn, wantDefrag := w.recs, w.final, w.warnings, w.defrag
	for _, o := range ahOptions {
		g := ahAhead(open(), o)
		got, gotErr, gotWarn, gotDefrag := g.recs, g.final, g.warnings, g.defrag
		name := fmt.Sprintf("%+v", o)
		if len(got) != len(want) {
			t.Errorf("%s: %d frames, serial loop %d", name, len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: frame %d differs:\n got %+v\nwant %+v", name, i+1, got[i], want[i])
				break
			}
		}
		if !errors.Is(gotErr, wantErr) && fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%s: final error %v, serial loop %v", name, gotErr, wantErr)
		}
		if fmt.Sprint(gotWarn) != fmt.Sprint(wantWarn) {
			t.Errorf("%s: warnings %v, serial loop %v", name, gotWarn, wantWarn)
		}
		if gotDefrag != wantDefrag {
			t.Errorf("%s: defrag stats %+v, serial loop %+v", name, gotDefrag, wantDefrag)
		}
	}
	return w
}

// TestAheadMatchesSerialOnTestdata runs both loops over every recorded
// capture: all link types, VLANs, IPv4 and IPv6 fragments (payloads in
// the defragmenter's buffers), pcapng, gzip, nanosecond and big-endian.
func TestAheadMatchesSerialOnTestdata(t *testing.T) {
	dir := filepath.Join("..", "testdata", "pcaps")
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.gz"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("only %d captures in %s", len(files), dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ahCompare(t, func() capture.Source {
				src, err := capture.OpenFiles([]string{f}, capture.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { src.Close() })
				return src
			})
		})
	}
	// Rotated files merged by time: frames from two inputs interleave.
	t.Run("split-session merged", func(t *testing.T) {
		ahCompare(t, func() capture.Source {
			src, err := capture.OpenFiles([]string{
				filepath.Join(dir, "split-session-2.pcap"), filepath.Join(dir, "split-session-1.pcap"),
			}, capture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { src.Close() })
			return src
		})
	})
}

// ahSynthetic writes a capture with everything that makes batching hard:
// frames larger than an arena, runts, UDP, malformed headers and,
// when truncate is set, a last record cut short (a Warning at the end).
func ahSynthetic(t testing.TB, frames int, truncate bool) []byte {
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range frames {
		var data []byte
		switch k := rng.IntN(10); {
		case k == 0:
			data = ahJunk(rng, rng.IntN(60)) // runt or garbage
		case k == 1:
			data = ahTCPFrame(uint32(i), 9000+rng.IntN(60000)) // jumbo, larger than small arenas
		case k == 2:
			data = ahUDPFrame(rng.IntN(200))
		case k == 3:
			data = ahTCPFrame(uint32(i), 0)
			data[14] = 0x41 // IPv4 header length 4 bytes: malformed
		default:
			data = ahTCPFrame(uint32(i), rng.IntN(1500))
		}
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Microsecond), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	b := buf.Bytes()
	if truncate {
		b = b[:len(b)-7]
	}
	return b
}

func ahJunk(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// ahTCPFrame is an Ethernet/IPv4/TCP frame with n payload bytes.
func ahTCPFrame(seq uint32, n int) []byte {
	b := make([]byte, 14+20+20+n)
	copy(b[0:12], "\x02\x00\xc0\x00\x02\x0a\x02\x00\xc6\x33\x64\x0a")
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(min(20+20+n, 65535)))
	ip[8], ip[9] = 64, 6
	copy(ip[12:], []byte{192, 0, 2, 10, 198, 51, 100, 10})
	th := ip[20:]
	binary.BigEndian.PutUint16(th[0:], 40000)
	binary.BigEndian.PutUint16(th[2:], 21)
	binary.BigEndian.PutUint32(th[4:], seq*1000)
	th[12] = 5 << 4
	th[13] = byte(tcp.ACK | tcp.PSH)
	for i := range n {
		th[20+i] = byte(seq) + byte(i)
	}
	return b
}

// ahUDPFrame is an Ethernet/IPv4/UDP frame with n payload bytes.
func ahUDPFrame(n int) []byte {
	b := ahTCPFrame(0, n+8)[:14+20+8+n]
	binary.BigEndian.PutUint16(b[16:], uint16(20+8+n))
	b[14+9] = 17
	binary.BigEndian.PutUint16(b[14+20+4:], uint16(8+n))
	return b
}

func TestAheadMatchesSerialOnSynthetic(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		t.Run(fmt.Sprint("truncated=", truncate), func(t *testing.T) {
			file := ahSynthetic(t, 3000, truncate)
			r := ahCompare(t, func() capture.Source {
				src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(file)})
				if err != nil {
					t.Fatal(err)
				}
				return src
			})
			var ok, bad int
			for _, rec := range r.recs {
				ok += ahCount(rec.OK)
				bad += ahCount(rec.Err != "")
			}
			if ok == 0 || bad == 0 || len(r.warnings) != ahCount(truncate) {
				t.Errorf("the capture does not test much: %d segments, %d decode errors, warnings %v", ok, bad, r.warnings)
			}
		})
	}
}

func ahCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ahFailing is a Source that fails with a custom error after n frames.
type ahFailing struct {
	n    int
	errs error
	i    int
	buf  []byte
}

var errAhBroken = errors.New("device unplugged")

func (s *ahFailing) Next() (capture.Frame, error) {
	if s.i == s.n {
		return capture.Frame{}, s.errs
	}
	s.i++
	s.buf = ahTCPFrame(uint32(s.i), s.i%50)
	return capture.Frame{TS: time.Unix(int64(s.i), 0), LinkType: layers.LinkTypeEthernet, Data: s.buf, OrigLen: len(s.buf), Number: int64(s.i)}, nil
}
func (s *ahFailing) Warnings() []capture.Warning { return nil }
func (s *ahFailing) Close() error                { return nil }

// TestAheadDeliversSourceErrorLast: a source error is returned after
// every frame read before it, and again on later calls.
func TestAheadDeliversSourceErrorLast(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 257, 1000} {
		a := DecodeAhead(&ahFailing{n: n, errs: errAhBroken}, NewDecoder(), AheadOptions{})
		got := 0
		var err error
		for {
			var d *Decoded
			if d, err = a.Next(); err != nil {
				break
			}
			got++
			if d.Frame.Number != int64(got) {
				t.Fatalf("n=%d: frame %d numbered %d", n, got, d.Frame.Number)
			}
		}
		if got != n || !errors.Is(err, errAhBroken) {
			t.Errorf("n=%d: %d frames then %v", n, got, err)
		}
		if _, err2 := a.Next(); !errors.Is(err2, errAhBroken) {
			t.Errorf("n=%d: second call after the end: %v", n, err2)
		}
		a.Close()
		if _, err3 := a.Next(); !errors.Is(err3, errAhBroken) {
			t.Errorf("n=%d: after Close the source's error stays: %v", n, err3)
		}
	}
}

// TestAheadCloseEarly: a consumer that stops early does not leak or
// deadlock the reader, whatever state it is in.
func TestAheadCloseEarly(t *testing.T) {
	file := ahSynthetic(t, 5000, false)
	for _, stopAfter := range []int{0, 1, 300, 2000} {
		src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(file)})
		if err != nil {
			t.Fatal(err)
		}
		a := DecodeAhead(src, NewDecoder(), AheadOptions{Batch: 16, Batches: 2})
		for range stopAfter {
			if _, err := a.Next(); err != nil {
				t.Fatal(err)
			}
		}
		a.Close()
		a.Close()
		if _, err := a.Next(); !errors.Is(err, ErrAheadClosed) {
			t.Errorf("stop after %d: Next after Close: %v", stopAfter, err)
		}
	}
}

// TestAheadSteadyStateAllocs: once the batches have been filled once,
// reading and decoding allocates nothing per packet.
func TestAheadSteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 60000 frames")
	}
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	const frames = 60000
	for i := range frames {
		data := ahTCPFrame(uint32(i), []int{0, 1448, 1448, 100}[i%4])
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1, int64(i)*1000), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(buf.Bytes())})
	if err != nil {
		t.Fatal(err)
	}
	a := DecodeAhead(src, NewDecoder(), AheadOptions{})
	defer a.Close()
	for range 10000 { // warm-up: every batch used once
		if _, err := a.Next(); err != nil {
			t.Fatal(err)
		}
	}
	const per = 10000
	allocs := testing.AllocsPerRun(4, func() {
		for range per {
			if _, err := a.Next(); err != nil && err != io.EOF {
				t.Fatal(err)
			}
		}
	})
	if allocs/per > 0.001 {
		t.Errorf("%.1f allocations per %d packets", allocs, per)
	}
}

// BenchmarkDecodeAhead measures the read-ahead stage alone, per packet,
// against the serial loop on the same in-memory capture.
func BenchmarkDecodeAhead(b *testing.B) {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		b.Fatal(err)
	}
	const frames = 20000
	for i := range frames {
		data := ahTCPFrame(uint32(i), []int{0, 1448, 1448, 100}[i%4])
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1, int64(i)*1000), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			b.Fatal(err)
		}
	}
	file := buf.Bytes()
	open := func() capture.Source {
		src, err := capture.OpenFiles([]string{"-"}, capture.Options{Stdin: bytes.NewReader(file)})
		if err != nil {
			b.Fatal(err)
		}
		return src
	}
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		b.ReportAllocs()
		for b.Loop() {
			src, pd := open(), NewDecoder()
			var p tcp.Segment
			for {
				f, err := src.Next()
				if err != nil {
					break
				}
				_, _ = pd.Decode(f.LinkType, f.Data, f.TS, &p)
			}
		}
	})
	b.Run("ahead", func(b *testing.B) {
		b.SetBytes(int64(len(file)))
		b.ReportAllocs()
		for b.Loop() {
			a := DecodeAhead(open(), NewDecoder(), AheadOptions{})
			for {
				if _, err := a.Next(); err != nil {
					break
				}
			}
			a.Close()
		}
	})
}
