package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// rec is one packet to write into a test capture.
type rec struct {
	ts   time.Time
	data []byte
	orig int // 0 means len(data)
}

func (r rec) origLen() int {
	if r.orig == 0 {
		return len(r.data)
	}
	return r.orig
}

// fillBytes returns n distinct bytes, so a frame is recognisable.
func fillBytes(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// capT0 is the base time of synthetic captures.
var capT0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// pcapgoFile writes recs with gopacket's pcap writer (little-endian).
func pcapgoFile(t testing.TB, nano bool, link layers.LinkType, recs []rec) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w *pcapgo.Writer
	if nano {
		w = pcapgo.NewWriterNanos(&buf)
	} else {
		w = pcapgo.NewWriter(&buf)
	}
	if err := w.WriteFileHeader(65535, link); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		ci := gopacket.CaptureInfo{Timestamp: r.ts, CaptureLength: len(r.data), Length: r.origLen()}
		if err := w.WritePacket(ci, r.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// handPcap builds a pcap by hand in any byte order, so big-endian files
// (which pcapgo cannot write) are tested too.
func handPcap(order binary.AppendByteOrder, magic uint32, link uint32, recs []rec) []byte {
	var b []byte
	b = order.AppendUint32(b, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = order.AppendUint32(b, 0) // thiszone
	b = order.AppendUint32(b, 0) // sigfigs
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, link)
	for _, r := range recs {
		b = order.AppendUint32(b, uint32(r.ts.Unix()))
		frac := uint32(r.ts.Nanosecond())
		if magic == magicMicro || magic == magicKuznetzov {
			frac /= 1000
		}
		b = order.AppendUint32(b, frac)
		b = order.AppendUint32(b, uint32(len(r.data)))
		b = order.AppendUint32(b, uint32(r.origLen()))
		if magic == magicKuznetzov {
			b = append(b, 0, 0, 0, 1, 0, 8, 0, 0)
		}
		b = append(b, r.data...)
	}
	return b
}

// ngBuilder writes pcapng by hand, in either byte order.
type ngBuilder struct {
	order binary.AppendByteOrder
	b     []byte
}

// block appends one block with its body padded to 4 bytes.
func (g *ngBuilder) block(typ uint32, body []byte) *ngBuilder {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	g.b = g.order.AppendUint32(g.b, typ)
	g.b = g.order.AppendUint32(g.b, n)
	g.b = append(g.b, body...)
	g.b = g.order.AppendUint32(g.b, n)
	return g
}

func (g *ngBuilder) shb() *ngBuilder {
	var body []byte
	body = g.order.AppendUint32(body, ngByteOrderMagic)
	body = g.order.AppendUint16(body, 1)
	body = g.order.AppendUint16(body, 0)
	body = g.order.AppendUint64(body, ^uint64(0))
	return g.block(ngBlockSHB, body)
}

// ngOpt is one option: code and value.
type ngOpt struct {
	code uint16
	val  []byte
}

func (g *ngBuilder) idb(link layers.LinkType, snap uint32, opts ...ngOpt) *ngBuilder {
	var body []byte
	body = g.order.AppendUint16(body, uint16(link))
	body = g.order.AppendUint16(body, 0)
	body = g.order.AppendUint32(body, snap)
	if len(opts) > 0 {
		for _, o := range opts {
			body = g.order.AppendUint16(body, o.code)
			body = g.order.AppendUint16(body, uint16(len(o.val)))
			body = append(body, o.val...)
			for len(body)%4 != 0 {
				body = append(body, 0)
			}
		}
		body = append(body, 0, 0, 0, 0)
	}
	return g.block(ngBlockIDB, body)
}

func (g *ngBuilder) epb(iface uint32, ts uint64, data []byte, orig int) *ngBuilder {
	var body []byte
	body = g.order.AppendUint32(body, iface)
	body = g.order.AppendUint32(body, uint32(ts>>32))
	body = g.order.AppendUint32(body, uint32(ts))
	body = g.order.AppendUint32(body, uint32(len(data)))
	body = g.order.AppendUint32(body, uint32(orig))
	body = append(body, data...)
	return g.block(ngBlockEPB, body)
}

func (g *ngBuilder) pb(iface uint16, ts uint64, data []byte) *ngBuilder {
	var body []byte
	body = g.order.AppendUint16(body, iface)
	body = g.order.AppendUint16(body, 0)
	body = g.order.AppendUint32(body, uint32(ts>>32))
	body = g.order.AppendUint32(body, uint32(ts))
	body = g.order.AppendUint32(body, uint32(len(data)))
	body = g.order.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	return g.block(ngBlockPB, body)
}

func (g *ngBuilder) spb(orig int, data []byte) *ngBuilder {
	var body []byte
	body = g.order.AppendUint32(body, uint32(orig))
	body = append(body, data...)
	return g.block(ngBlockSPB, body)
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes b into a file named name in dir and returns its path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// gotFrame is a frame as a test sees it: Data copied, since it is only valid
// until the next call.
type gotFrame struct {
	File   int
	Number int64
	TS     time.Time
	Link   layers.LinkType
	Data   []byte
	Orig   int
}

// readAll drains src.
func readAll(t testing.TB, src Source) []gotFrame {
	t.Helper()
	var out []gotFrame
	for {
		f, err := src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("Next: %v", err)
			}
			return out
		}
		out = append(out, gotFrame{f.File, f.Number, f.TS, f.LinkType, bytes.Clone(f.Data), f.OrigLen})
	}
}

// mustOpen opens paths, failing the test on error.
func mustOpen(t testing.TB, opts Options, paths ...string) Source {
	t.Helper()
	src, err := OpenFiles(paths, opts)
	if err != nil {
		t.Fatalf("OpenFiles(%v): %v", paths, err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}
