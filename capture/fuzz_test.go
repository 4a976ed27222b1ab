package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// FuzzOpenFiles feeds arbitrary bytes to the readers as standard input. The
// reader must end (EOF or one Warning), never panic, never return a frame
// over the limit, and fail to open only with a known error.
func FuzzOpenFiles(f *testing.F) {
	recs := threeRecs()
	le, be := binary.LittleEndian, binary.BigEndian
	pcap := pcapgoFile(f, false, layers.LinkTypeEthernet, recs)
	ng := ngWriterFile(f, layers.LinkTypeEthernet, recs)
	for _, seed := range [][]byte{
		pcap,
		pcap[:len(pcap)-7],
		ng,
		ng[:50],
		gz(f, pcap),
		gz(f, ng),
		handPcap(be, magicNano, 113, recs),
		handPcap(le, magicKuznetzov, 1, recs),
		(&ngBuilder{order: be}).shb().idb(1, 0, ngOpt{ngOptTSResol, []byte{0x83}}).epb(0, 99, []byte{1, 2, 3}, 3).spb(9, []byte{1}).pb(0, 1, []byte{7}).b,
		[]byte("not a capture"),
		{},
	} {
		f.Add(seed)
	}
	const maxFrame = 4096
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := OpenFiles([]string{"-"}, Options{Stdin: bytes.NewReader(data), MaxFrame: maxFrame})
		if err != nil {
			if !errors.Is(err, ErrNotCapture) && !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("unexpected open error %v", err)
			}
			return
		}
		defer src.Close()
		var n int64
		for {
			fr, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			n++
			if fr.Number != n || len(fr.Data) > maxFrame || fr.OrigLen < 0 {
				t.Fatalf("frame %d: number %d, %d bytes, orig %d", n, fr.Number, len(fr.Data), fr.OrigLen)
			}
			if n > int64(len(data)) {
				// Every record takes at least one byte of input, except
				// in a gzip stream; stop runaway decompression anyway.
				if data[0] != 0x1f {
					t.Fatalf("%d frames from %d bytes", n, len(data))
				}
				break
			}
		}
		if w := src.Warnings(); len(w) > 1 || (len(w) == 1 && w[0].Packets != n) {
			t.Fatalf("warnings %v after %d frames", w, n)
		}
	})
}
