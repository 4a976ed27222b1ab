package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// pkFuzzLinkTypes are the link types the seeds use; the fuzzer mutates the
// number freely.
var pkFuzzLinkTypes = []layers.LinkType{
	layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
	layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypePPP, layers.LinkTypeC_HDLC,
	layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14,
}

// pkCheckDecoded checks what Decode may return for any input.
func pkCheckDecoded(t *testing.T, d *Decoder, ok bool, err error, p *tcp.Segment) {
	t.Helper()
	if err != nil {
		if ok {
			t.Fatal("ok with an error")
		}
		if !errors.Is(err, ErrShortPacket) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedLink) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
		return
	}
	if ok && (len(p.Payload) > p.WireLen || !p.Src.IsValid() || !p.Dst.IsValid() || p.Flags&^(tcp.FIN|tcp.SYN|tcp.RST|tcp.PSH|tcp.ACK) != 0) {
		t.Fatalf("bad packet: %d payload bytes, wire %d, %v -> %v, flags %#x", len(p.Payload), p.WireLen, p.Src, p.Dst, p.Flags)
	}
	st := d.DefragStats()
	f := &d.defrag
	if st.Pending > f.limits.MaxDatagrams || f.bytes > f.limits.MaxBytes || f.bytes < 0 {
		t.Fatalf("defrag over its limits: %d datagrams, %d bytes", st.Pending, f.bytes)
	}
}

// FuzzDecode feeds arbitrary frames of arbitrary link types to one
// decoder. data holds several frames, each prefixed by a 2-byte length, so
// fragment sequences (and their reassembly state) are fuzzed too.
func FuzzDecode(f *testing.F) {
	for _, tc := range pkCases(f) {
		f.Add(uint16(tc.lt), pkFuzzFrames(tc.frame))
	}
	body := bytes.Repeat([]byte("fuzz"), 600)
	f.Add(uint16(layers.LinkTypeRaw), pkFuzzFrames(pkFrags4(f, pkSer(f, pkV4TCP(body)...), 800, 3)...))
	f6 := pkFrags6(f, pkSer(f, pkV6TCP(body)...), 40, 6, 800, 3)
	pkSetNext6(f6, 6)
	f.Add(uint16(layers.LinkTypeRaw), pkFuzzFrames(f6[2], f6[0], f6[1], f6[1], f6[3]))
	f.Add(uint16(layers.LinkTypeRaw), pkFuzzFrames(pkFrag4(1, 8, true, make([]byte, 8)), pkFrag4(1, 0, true, make([]byte, 16)), pkFrag4(1, 16, false, make([]byte, 3))))

	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		d := NewDecoder(WithDefragLimits(DefragLimits{MaxDatagrams: 4, MaxBytes: 1, Timeout: 25 * time.Millisecond}))
		var p tcp.Segment
		// The whole input as one frame, under every known link type too.
		for _, l := range append(pkFuzzLinkTypes, layers.LinkType(lt)) {
			ok, err := d.Decode(l, data, pkTS, &p)
			pkCheckDecoded(t, d, ok, err, &p)
		}
		// Then as a sequence of frames 10 ms apart, so datagrams time out.
		ts := pkTS
		for len(data) >= 2 {
			ts = ts.Add(10 * time.Millisecond)
			n := min(int(binary.BigEndian.Uint16(data)), len(data)-2)
			frame := data[2 : 2+n]
			data = data[2+n:]
			// FragmentOf only looks: the reassembly is left as it was.
			before := d.DefragStats()
			d.FragmentOf(layers.LinkType(lt), frame)
			if after := d.DefragStats(); after != before {
				t.Fatalf("FragmentOf changed the reassembly: %+v -> %+v", before, after)
			}
			ok, err := d.Decode(layers.LinkType(lt), frame, ts, &p)
			pkCheckDecoded(t, d, ok, err, &p)
		}
	})
}

// pkFuzzFrames joins frames with 2-byte length prefixes.
func pkFuzzFrames(frames ...[]byte) []byte {
	var b []byte
	for _, f := range frames {
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}
