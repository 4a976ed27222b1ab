package capture

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// benchRecs is a capture of FTP-like traffic: mostly small control and ACK
// packets with full-size data segments in between.
func benchRecs() []rec {
	sizes := []int{66, 74, 1514, 1514, 66, 120, 1514, 66}
	recs := make([]rec, 10000)
	for i := range recs {
		recs[i] = rec{ts: capT0.Add(time.Duration(i) * time.Microsecond), data: fillBytes(byte(i), sizes[i%len(sizes)])}
	}
	return recs
}

// BenchmarkRead reads a capture held in memory; one op is one packet, so
// ns/op is the cost per packet and allocs/op must be 0. The pcapgo cases
// are gopacket's readers on the same bytes, for comparison.
func BenchmarkRead(b *testing.B) {
	recs := benchRecs()
	pcap := pcapgoFile(b, true, layers.LinkTypeEthernet, recs)
	ng := ngWriterFile(b, layers.LinkTypeEthernet, recs)
	ours := func(file []byte) func(*testing.B) {
		return func(b *testing.B) {
			b.SetBytes(int64(len(file) / len(recs)))
			b.ReportAllocs()
			var src Source
			reopen := func() {
				var err error
				if src, err = OpenFiles([]string{"-"}, Options{Stdin: bytes.NewReader(file)}); err != nil {
					b.Fatal(err)
				}
			}
			reopen()
			b.ResetTimer()
			for range b.N {
				_, err := src.Next()
				if errors.Is(err, io.EOF) {
					b.StopTimer()
					reopen()
					b.StartTimer()
					_, err = src.Next()
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	type zeroCopy interface {
		ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	theirs := func(file []byte, open func(io.Reader) (zeroCopy, error)) func(*testing.B) {
		return func(b *testing.B) {
			b.SetBytes(int64(len(file) / len(recs)))
			b.ReportAllocs()
			var r zeroCopy
			reopen := func() {
				var err error
				if r, err = open(bytes.NewReader(file)); err != nil {
					b.Fatal(err)
				}
			}
			reopen()
			b.ResetTimer()
			for range b.N {
				_, _, err := r.ZeroCopyReadPacketData()
				if errors.Is(err, io.EOF) {
					b.StopTimer()
					reopen()
					b.StartTimer()
					_, _, err = r.ZeroCopyReadPacketData()
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("pcap", ours(pcap))
	b.Run("pcapng", ours(ng))
	b.Run("pcap.gz", ours(gz(b, pcap)))
	b.Run("pcapgo/pcap", theirs(pcap, func(r io.Reader) (zeroCopy, error) { return pcapgo.NewReader(r) }))
	b.Run("pcapgo/pcapng", theirs(ng, func(r io.Reader) (zeroCopy, error) {
		return pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
	}))
}

// BenchmarkMerge reads four interleaved files as one capture.
func BenchmarkMerge(b *testing.B) {
	var files [][]byte
	for k := range 4 {
		recs := benchRecs()
		for i := range recs {
			recs[i].ts = recs[i].ts.Add(time.Duration(k) * 250 * time.Nanosecond)
		}
		files = append(files, pcapgoFile(b, true, layers.LinkTypeEthernet, recs))
	}
	dir := b.TempDir()
	var paths []string
	for i, f := range files {
		paths = append(paths, writeFile(b, dir, string(rune('a'+i))+".pcap", f))
	}
	b.ReportAllocs()
	var src Source
	reopen := func() {
		if src != nil {
			src.Close()
		}
		var err error
		if src, err = OpenFiles(paths, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reopen()
	b.ResetTimer()
	for range b.N {
		_, err := src.Next()
		if errors.Is(err, io.EOF) {
			b.StopTimer()
			reopen()
			b.StartTimer()
			_, err = src.Next()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	src.Close()
}
