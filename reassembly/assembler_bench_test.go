package reassembly

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// Each benchmark op is one step of asTransfer: two 1448-byte data
// segments and one ACK. Bytes/s is payload throughput.

func benchTransfer(b *testing.B, mode Mode, swap bool) {
	a := NewAssembler(&nopStream{mode: mode}, DefaultLimits())
	step := asTransfer(a, 1448, swap)
	b.SetBytes(2 * 1448)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

func BenchmarkReassembleInOrder(b *testing.B)    { benchTransfer(b, Reassemble, false) }
func BenchmarkReassembleOutOfOrder(b *testing.B) { benchTransfer(b, Reassemble, true) }
func BenchmarkCount(b *testing.B)                { benchTransfer(b, Count, false) }
func BenchmarkIgnore(b *testing.B)               { benchTransfer(b, Ignore, false) }

// BenchmarkManyConns spreads packets over 10000 concurrent connections in
// Count mode, so the map lookup and LRU touch dominate.
func BenchmarkManyConns(b *testing.B) {
	const n = 10000
	a := NewAssembler(&nopStream{mode: Count}, DefaultLimits())
	pkts := make([]tcp.Segment, n)
	for i := range pkts {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), uint16(10000+i))
		pkts[i] = tcp.Segment{TS: asT0, Src: src, Dst: asSrv, Flags: tcp.ACK, Seq: 1, Payload: make([]byte, 100), WireLen: 100}
	}
	ts := asT0
	for i := range pkts { // create the connections before measuring
		a.Process(&pkts[i])
		pkts[i].Seq += 100
	}
	b.SetBytes(100)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := &pkts[i]
		ts = ts.Add(time.Microsecond)
		p.TS = ts
		a.Process(p)
		p.Seq += 100
		if i++; i == n {
			i = 0
		}
	}
}
