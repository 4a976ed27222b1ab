package packet

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// pkFrags4 splits an IPv4 packet (20-byte header) into fragments of at
// most chunk payload bytes (a multiple of 8), as a router would (RFC 791
// 3.2).
func pkFrags4(t testing.TB, pkt []byte, chunk int, id uint16) [][]byte {
	t.Helper()
	hdr, payload := pkt[:20], pkt[20:]
	var out [][]byte
	for off := 0; off < len(payload); off += chunk {
		end := min(off+chunk, len(payload))
		f := pkCat(hdr, payload[off:end])
		binary.BigEndian.PutUint16(f[2:], uint16(len(f)))
		binary.BigEndian.PutUint16(f[4:], id)
		fo := uint16(off / 8)
		if end < len(payload) {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(f[6:], fo)
		out = append(out, f)
	}
	return out
}

// pkFrag4 builds one IPv4 fragment by hand: any offset, any bytes.
func pkFrag4(id uint16, off int, more bool, data []byte) []byte {
	f := pkCat([]byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0}, pkCli4.To4(), pkSrv4.To4(), data)
	binary.BigEndian.PutUint16(f[2:], uint16(len(f)))
	binary.BigEndian.PutUint16(f[4:], id)
	fo := uint16(off / 8)
	if more {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(f[6:], fo)
	return f
}

// pkFrags6 splits an IPv6 packet into fragments after its unfragmentable
// part (the first unfrag bytes, IPv6 header included), as RFC 8200 4.5
// describes. nh is the first header of the fragmentable part.
func pkFrags6(t testing.TB, pkt []byte, unfrag int, nh byte, chunk int, id uint32) [][]byte {
	t.Helper()
	hdr, payload := bytes.Clone(pkt[:unfrag]), pkt[unfrag:]
	// The last unfragmentable header's Next Header becomes 44.
	var out [][]byte
	for off := 0; off < len(payload); off += chunk {
		end := min(off+chunk, len(payload))
		fh := []byte{nh, 0, 0, 0, 0, 0, 0, 0}
		fo := uint16(off)
		if end < len(payload) {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:], fo)
		binary.BigEndian.PutUint32(fh[4:], id)
		f := pkCat(hdr, fh, payload[off:end])
		binary.BigEndian.PutUint16(f[4:], uint16(len(f)-40))
		out = append(out, f)
	}
	return out
}

// pkSetNext6 sets the Next Header that leads to the fragment header: the
// IPv6 header's when unfrag is 40, else the byte at at.
func pkSetNext6(frags [][]byte, at int) {
	for _, f := range frags {
		f[at] = 44
	}
}

// pkFeed decodes raw IP frames in order and returns the segments produced.
func pkFeed(t *testing.T, d *Decoder, ts time.Time, frames ...[]byte) []tcp.Segment {
	t.Helper()
	var out []tcp.Segment
	var p tcp.Segment
	for _, f := range frames {
		ok, err := d.Decode(layers.LinkTypeRaw, f, ts, &p)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if ok {
			p.Payload = bytes.Clone(p.Payload)
			out = append(out, p)
		}
	}
	return out
}

func pkPick[T any](s []T, idx ...int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

func TestDefragIPv4(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 250) // 4000 bytes
	pkt := pkSer(t, pkV4TCP(body)...)
	frags := pkFrags4(t, pkt, 1480, 0x4242) // 3 fragments
	if len(frags) != 3 {
		t.Fatalf("%d fragments", len(frags))
	}
	tests := []struct {
		name  string
		order []int
	}{
		{"in order", []int{0, 1, 2}},
		{"reverse", []int{2, 1, 0}},
		{"last first", []int{2, 0, 1}},
		{"middle first", []int{1, 2, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder()
			segs := pkFeed(t, d, pkTS, pkPick(frags, tt.order...)...)
			if len(segs) != 1 {
				t.Fatalf("%d segments", len(segs))
			}
			w := pkWant4(body)
			pkCheck(t, &segs[0], w)
			st := d.DefragStats()
			if st.Fragments != 3 || st.Reassembled != 1 || st.Pending != 0 || st.Overlaps != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestDefragPayloadLifetime: the reassembled payload is the decoder's own
// buffer, intact until the next Decode.
func TestDefragPayloadLifetime(t *testing.T) {
	body := bytes.Repeat([]byte("L"), 2000)
	frags := pkFrags4(t, pkSer(t, pkV4TCP(body)...), 1480, 1)
	d := NewDecoder()
	var p tcp.Segment
	for i, f := range frags {
		ok, err := d.Decode(layers.LinkTypeRaw, f, pkTS, &p)
		if err != nil || ok != (i == len(frags)-1) {
			t.Fatalf("fragment %d: ok %v err %v", i, ok, err)
		}
	}
	for i := range frags {
		frags[i][len(frags[i])-1] = 'X' // the capture buffer is reused
	}
	if !bytes.Equal(p.Payload, body) {
		t.Error("reassembled payload aliases the input frames")
	}
}

func TestDefragOverlapIPv4(t *testing.T) {
	body := bytes.Repeat([]byte("a"), 64)
	pkt := pkSer(t, pkV4TCP(body)...)
	tcpSeg := pkt[20:] // 20-byte TCP header + 64 bytes
	evil := bytes.Repeat([]byte("E"), 16)
	// first: the true data, whole but the last fragment; overlap: 16
	// different bytes over the payload at offset 24.
	first := pkFrag4(7, 0, true, tcpSeg[:80])
	overlap := pkFrag4(7, 24, true, evil)
	last := pkFrag4(7, 80, false, tcpSeg[80:])
	dup := pkFrag4(7, 0, true, tcpSeg[:80])

	t.Run("first copy wins", func(t *testing.T) {
		d := NewDecoder()
		segs := pkFeed(t, d, pkTS, first, overlap, last)
		if len(segs) != 1 || !bytes.Equal(segs[0].Payload, body) {
			t.Fatalf("segments %v", segs)
		}
		if st := d.DefragStats(); st.Overlaps != 1 || st.Conflicts != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("earlier overlap wins", func(t *testing.T) {
		d := NewDecoder()
		segs := pkFeed(t, d, pkTS, overlap, first, last)
		want := bytes.Clone(body)
		copy(want[4:], evil) // offset 24 of the TCP segment is payload byte 4
		if len(segs) != 1 || !bytes.Equal(segs[0].Payload, want) {
			t.Fatalf("segments %q", segs[0].Payload)
		}
	})
	t.Run("exact duplicate", func(t *testing.T) {
		d := NewDecoder()
		segs := pkFeed(t, d, pkTS, first, dup, last)
		if len(segs) != 1 || !bytes.Equal(segs[0].Payload, body) {
			t.Fatalf("segments %v", segs)
		}
		if st := d.DefragStats(); st.Overlaps != 1 || st.Conflicts != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("tiny fragment overwriting the TCP header (RFC 1858)", func(t *testing.T) {
		d := NewDecoder()
		// A second fragment at offset 8 rewrites the sequence number and
		// flags; the first fragment's header stands.
		rewrite := bytes.Clone(tcpSeg[8:16])
		rewrite[5] = 0x02 // SYN
		segs := pkFeed(t, d, pkTS, first, pkFrag4(7, 8, true, rewrite), last)
		if len(segs) != 1 || segs[0].Flags != tcp.PSH|tcp.ACK || segs[0].Seq != 1000 {
			t.Fatalf("segments %+v", segs)
		}
	})
}

func TestDefragLimits(t *testing.T) {
	body := bytes.Repeat([]byte("z"), 3000)
	frags := pkFrags4(t, pkSer(t, pkV4TCP(body)...), 1480, 9)

	t.Run("missing fragment times out", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, frags[0], frags[2])
		if st := d.DefragStats(); st.Pending != 1 {
			t.Fatalf("stats %+v", st)
		}
		// The missing fragment arrives after the timeout: too late.
		pkFeed(t, d, pkTS.Add(31*time.Second), frags[1])
		st := d.DefragStats()
		if st.TimedOut != 1 || st.Reassembled != 0 || st.Pending != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("sweep", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, frags[0])
		pkFeed(t, d, pkTS.Add(40*time.Second), pkFrag4(99, 0, true, make([]byte, 8)))
		if st := d.DefragStats(); st.TimedOut != 1 || st.Pending != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("cut by the snap length", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, frags[0][:100], frags[1], frags[2])
		if st := d.DefragStats(); st.Cut != 1 || st.Reassembled != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("length not a multiple of 8", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, pkFrag4(3, 0, true, make([]byte, 12)))
		if st := d.DefragStats(); st.BadLength != 1 || st.Pending != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("too big", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, frags[0], pkFrag4(9, 8189*8, false, make([]byte, 100)))
		if st := d.DefragStats(); st.TooBig != 1 || st.Pending != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("two different ends", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, frags[2], pkFrag4(9, 1480, false, make([]byte, 40)))
		if st := d.DefragStats(); st.Discarded != 1 || st.Pending != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("data past the end", func(t *testing.T) {
		d := NewDecoder()
		pkFeed(t, d, pkTS, frags[1], pkFrag4(9, 8, false, make([]byte, 8)))
		if st := d.DefragStats(); st.Discarded != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("too many datagrams", func(t *testing.T) {
		d := NewDecoder(WithDefragLimits(DefragLimits{MaxDatagrams: 4, MaxBytes: 1 << 20}))
		for id := range uint16(5) {
			pkFeed(t, d, pkTS, pkFrag4(100+id, 0, true, make([]byte, 8)))
		}
		if st := d.DefragStats(); st.Evicted != 1 || st.Pending != 4 {
			t.Errorf("stats %+v", st)
		}
		// The oldest was evicted: its last fragment completes nothing.
		if segs := pkFeed(t, d, pkTS, pkFrag4(100, 8, false, make([]byte, 20))); len(segs) != 0 {
			t.Error("evicted datagram completed")
		}
	})
	t.Run("too many bytes", func(t *testing.T) {
		d := NewDecoder(WithDefragLimits(DefragLimits{MaxDatagrams: 100, MaxBytes: 1}))
		// A datagram whose end is known holds a 62000-byte buffer; the next
		// one (4096 bytes) does not fit beside it in 65535.
		pkFeed(t, d, pkTS, pkFrag4(1, 62000-8, false, make([]byte, 8)))
		pkFeed(t, d, pkTS, pkFrag4(2, 0, true, make([]byte, 8)))
		if st := d.DefragStats(); st.Evicted != 1 || st.Pending != 1 {
			t.Errorf("stats %+v", st)
		}
		if d.defrag.bytes > 65535 {
			t.Errorf("%d bytes held", d.defrag.bytes)
		}
	})
	t.Run("other protocols are not reassembled", func(t *testing.T) {
		d := NewDecoder()
		udp := pkFrag4(5, 0, true, make([]byte, 16))
		udp[9] = 17
		pkFeed(t, d, pkTS, udp)
		if st := d.DefragStats(); st.Fragments != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestDefragIPv6(t *testing.T) {
	body := bytes.Repeat([]byte("IPv6 fragment "), 300) // 4200 bytes
	plain := pkSer(t, pkV6TCP(body)...)
	frags := pkFrags6(t, plain, 40, 6, 1448, 0xabcdef)
	pkSetNext6(frags, 6)

	// Hop-by-hop before the fragment header (unfragmentable part) and a
	// destination options header after it (fragmentable part).
	hbh := &layers.IPv6HopByHop{Options: []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: make([]byte, 4)}}}
	hbh.NextHeader = layers.IPProtocolIPv6Destination
	dst := &layers.IPv6Destination{Options: []*layers.IPv6DestinationOption{{OptionType: 1, OptionLength: 4, OptionData: make([]byte, 4)}}}
	dst.NextHeader = layers.IPProtocolTCP
	ext := pkSer(t, pkIPv6(pkCli6, pkSrv6, layers.IPProtocolIPv6HopByHop), hbh, dst, pkTCP(), gopacket.Payload(body))
	extFrags := pkFrags6(t, ext, 48, byte(layers.IPProtocolIPv6Destination), 1448, 77)
	pkSetNext6(extFrags, 40)

	tests := []struct {
		name   string
		frames [][]byte
	}{
		{"in order", frags},
		{"reverse", pkPick(frags, 2, 1, 0)},
		{"shuffled", pkPick(frags, 1, 2, 0)},
		{"extension headers", extFrags},
		{"extension headers reversed", pkPick(extFrags, 2, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder()
			segs := pkFeed(t, d, pkTS, tt.frames...)
			if len(segs) != 1 {
				t.Fatalf("%d segments, stats %+v", len(segs), d.DefragStats())
			}
			pkCheck(t, &segs[0], pkWant6(body))
		})
	}

	t.Run("conflicting overlap discards the datagram (RFC 5722)", func(t *testing.T) {
		d := NewDecoder()
		evil := bytes.Clone(frags[1])
		evil[len(evil)-100] ^= 0xff
		segs := pkFeed(t, d, pkTS, frags[0], frags[1], evil, frags[2])
		st := d.DefragStats()
		if len(segs) != 0 || st.Conflicts != 1 || st.Discarded != 1 {
			t.Errorf("%d segments, stats %+v", len(segs), st)
		}
	})
	t.Run("exact duplicate is harmless", func(t *testing.T) {
		d := NewDecoder()
		segs := pkFeed(t, d, pkTS, frags[0], frags[1], frags[1], frags[2])
		if len(segs) != 1 || d.DefragStats().Overlaps != 1 {
			t.Errorf("%d segments, stats %+v", len(segs), d.DefragStats())
		}
	})
	t.Run("IPv4 and IPv6 ids do not mix", func(t *testing.T) {
		d := NewDecoder()
		f4 := pkFrags4(t, pkSer(t, pkV4TCP(body)...), 1480, 0xcdef)
		segs := pkFeed(t, d, pkTS, frags[0], f4[0], frags[1], f4[1], f4[2], frags[2])
		if len(segs) != 2 || !bytes.Equal(segs[0].Payload, body) || !bytes.Equal(segs[1].Payload, body) {
			t.Errorf("%d segments", len(segs))
		}
	})
	t.Run("non-TCP next header is not reassembled", func(t *testing.T) {
		d := NewDecoder()
		udp := pkFrags6(t, plain, 40, 17, 1448, 5)
		pkSetNext6(udp, 6)
		pkFeed(t, d, pkTS, udp...)
		if st := d.DefragStats(); st.Fragments != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestDefragTunnel: an outer IPv4 datagram fragmented around an inner
// IPv6 packet (6in4), as tunnels with a small MTU do.
func TestDefragTunnel(t *testing.T) {
	body := bytes.Repeat([]byte("t"), 2500)
	outer := pkSer(t, pkWith(pkV6TCP(body), pkIPv4(pkTunA, pkTunB, layers.IPProtocolIPv6))...)
	frags := pkFrags4(t, outer, 1400, 0x600d)
	d := NewDecoder()
	segs := pkFeed(t, d, pkTS, pkPick(frags, 1, 0)...)
	if len(segs) != 1 {
		t.Fatalf("%d segments", len(segs))
	}
	pkCheck(t, &segs[0], pkWant6(body))
}

// TestFragmentOf: FragmentOf names the datagram of every fragment Decode
// would reassemble, without reassembling (the decoder's counters stay at
// zero and a later Decode of the same fragments completes the datagram),
// and says false for a whole packet, a fragment of UDP and a fragment the
// snap length cut.
func TestFragmentOf(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 250)
	whole4 := pkSer(t, pkV4TCP(body)...)
	v4 := pkFrags4(t, whole4, 1480, 0x4242)
	v6 := pkFrags6(t, pkSer(t, pkV6TCP(body)...), 40, 6, 1448, 0xabcdef)
	pkSetNext6(v6, 6)
	cli4, srv4 := netip.AddrFrom4([4]byte(pkCli4.To4())), netip.AddrFrom4([4]byte(pkSrv4.To4()))
	cli6, srv6 := netip.AddrFrom16([16]byte(pkCli6)), netip.AddrFrom16([16]byte(pkSrv6))

	d := NewDecoder()
	check := func(name string, frames [][]byte, want DatagramID) {
		t.Helper()
		for i, f := range frames {
			if got, ok := d.FragmentOf(layers.LinkTypeRaw, f); !ok || got != want {
				t.Errorf("%s fragment %d: %+v %v, want %+v", name, i, got, ok, want)
			}
		}
	}
	check("IPv4", v4, DatagramID{Src: cli4, Dst: srv4, ID: 0x4242, Proto: 6})
	check("IPv6", v6, DatagramID{Src: cli6, Dst: srv6, ID: 0xabcdef, V6: true})
	if st := d.DefragStats(); st != (DefragStats{}) {
		t.Errorf("FragmentOf changed the reassembly: %+v", st)
	}
	if segs := pkFeed(t, d, pkTS, v4...); len(segs) != 1 {
		t.Errorf("Decode after FragmentOf: %d segments", len(segs))
	}

	udp := bytes.Clone(v4[0])
	udp[9] = 17
	cut := v4[0][:len(v4[0])-1]
	for name, f := range map[string][]byte{"whole": whole4, "UDP": udp, "cut": cut} {
		if got, ok := d.FragmentOf(layers.LinkTypeRaw, f); ok {
			t.Errorf("%s: %+v, want no fragment", name, got)
		}
	}
	if st := d.DefragStats(); st.Cut != 0 {
		t.Errorf("FragmentOf counted a cut fragment: %+v", st)
	}
}
