package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// threeRecs are the packets most format tests write and expect back.
func threeRecs() []rec {
	return []rec{
		{ts: capT0.Add(123456 * time.Microsecond), data: fillBytes(1, 60)},
		{ts: capT0.Add(2*time.Second + 1000), data: fillBytes(2, 1514)},
		{ts: capT0.Add(3 * time.Second), data: fillBytes(3, 96), orig: 1500}, // snaplen-cut
	}
}

// ngWriterFile writes recs with gopacket's pcapng writer, one interface.
func ngWriterFile(t testing.TB, link layers.LinkType, recs []rec) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, link)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		ci := gopacket.CaptureInfo{Timestamp: r.ts, CaptureLength: len(r.data), Length: r.origLen()}
		if err := w.WritePacket(ci, r.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFormats(t *testing.T) {
	recs := threeRecs()
	micro := func(r []rec) []rec { // what a microsecond format keeps
		out := append([]rec(nil), r...)
		for i := range out {
			out[i].ts = out[i].ts.Truncate(time.Microsecond)
		}
		return out
	}
	be, le := binary.BigEndian, binary.LittleEndian
	ngBE := func() []byte {
		g := &ngBuilder{order: be}
		g.shb().idb(layers.LinkTypeEthernet, 0, ngOpt{ngOptTSResol, []byte{9}})
		for _, r := range recs {
			g.epb(0, uint64(r.ts.UnixNano()), r.data, r.origLen())
		}
		return g.b
	}
	tests := []struct {
		name string
		file []byte
		want []rec
	}{
		{"pcap little-endian micro (pcapgo)", pcapgoFile(t, false, layers.LinkTypeEthernet, recs), micro(recs)},
		{"pcap little-endian nano (pcapgo)", pcapgoFile(t, true, layers.LinkTypeEthernet, recs), recs},
		{"pcap big-endian micro", handPcap(be, magicMicro, 1, recs), micro(recs)},
		{"pcap big-endian nano", handPcap(be, magicNano, 1, recs), recs},
		{"pcap little-endian nano by hand", handPcap(le, magicNano, 1, recs), recs},
		{"pcap Kuznetzov patched", handPcap(le, magicKuznetzov, 1, recs), micro(recs)},
		{"pcap big-endian Kuznetzov", handPcap(be, magicKuznetzov, 1, recs), micro(recs)},
		{"pcap link type with FCS bits", handPcap(le, magicNano, 1|0x14000000, recs), recs},
		{"pcapng (pcapgo NgWriter)", ngWriterFile(t, layers.LinkTypeEthernet, recs), recs},
		{"pcapng big-endian nano", ngBE(), recs},
		{"gzip pcap", gz(t, pcapgoFile(t, true, layers.LinkTypeEthernet, recs)), recs},
		{"gzip pcapng", gz(t, ngWriterFile(t, layers.LinkTypeEthernet, recs)), recs},
		{"gzip big-endian pcap", gz(t, handPcap(be, magicMicro, 1, recs)), micro(recs)},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, "f"+string(rune('a'+i)), tt.file)
			src := mustOpen(t, Options{}, p)
			frames := readAll(t, src)
			if w := src.Warnings(); len(w) != 0 {
				t.Fatalf("warnings: %v", w)
			}
			if len(frames) != len(tt.want) {
				t.Fatalf("got %d frames, want %d", len(frames), len(tt.want))
			}
			for i, f := range frames {
				w := tt.want[i]
				if !f.TS.Equal(w.ts) || f.Link != layers.LinkTypeEthernet || !bytes.Equal(f.Data, w.data) ||
					f.Orig != w.origLen() || f.Number != int64(i+1) || f.File != 0 {
					t.Errorf("frame %d = {%v %v len %d orig %d #%d file %d}, want {%v Ethernet len %d orig %d #%d file 0}",
						i, f.TS, f.Link, len(f.Data), f.Orig, f.Number, f.File, w.ts, len(w.data), w.origLen(), i+1)
				}
				if f.TS.Location() != time.UTC {
					t.Errorf("frame %d time zone %v, want UTC", i, f.TS.Location())
				}
			}
		})
	}
}

// TestPcapngInterfaces: every frame takes its own interface's link type and
// timestamp resolution, across several sections of different byte orders.
func TestPcapngInterfaces(t *testing.T) {
	le := &ngBuilder{order: binary.LittleEndian}
	sllOpts := []ngOpt{
		{2, []byte("eth0")},               // if_name, ignored
		{ngOptTSResol, []byte{0x80 | 10}}, // 2^-10 s
		{ngOptTSOffset, le.order.AppendUint64(nil, 100)},
	}
	le.shb()
	le.idb(layers.LinkTypeEthernet, 0)
	le.idb(layers.LinkTypeRaw, 128, ngOpt{ngOptTSResol, []byte{9}})
	le.idb(layers.LinkTypeLinuxSLL, 0, sllOpts...)
	le.epb(0, 1_000_000, fillBytes(1, 20), 20) // 1 s in microseconds
	le.epb(1, 2_500_000_000, fillBytes(2, 30), 30)
	le.epb(2, 3*1024+512, fillBytes(3, 40), 40) // 3.5 s + 100 s offset
	le.block(0x00000005, make([]byte, 20))      // interface statistics, skipped
	le.block(0x40000bad, []byte("custom"))      // custom block, skipped
	le.pb(1, 4_000_000_000, fillBytes(4, 10))
	le.spb(50, fillBytes(5, 24)) // snap length 0: all 24 bytes kept, orig 50
	be := &ngBuilder{order: binary.BigEndian}
	be.shb().
		idb(layers.LinkTypeLoop, 0).
		epb(0, 5_000_000, fillBytes(6, 16), 16)
	file := append(le.b, be.b...)

	src := mustOpen(t, Options{}, writeFile(t, t.TempDir(), "multi.pcapng", file))
	frames := readAll(t, src)
	if w := src.Warnings(); len(w) != 0 {
		t.Fatalf("warnings: %v", w)
	}
	base := time.Unix(0, 0).UTC()
	want := []struct {
		link layers.LinkType
		ts   time.Time
		n    int
		orig int
	}{
		{layers.LinkTypeEthernet, base.Add(time.Second), 20, 20},
		{layers.LinkTypeRaw, base.Add(2500 * time.Millisecond), 30, 30},
		{layers.LinkTypeLinuxSLL, base.Add(103500 * time.Millisecond), 40, 40},
		{layers.LinkTypeRaw, base.Add(4 * time.Second), 10, 10},
		{layers.LinkTypeEthernet, base.Add(4 * time.Second), 24, 50}, // SPB: previous timestamp
		{layers.LinkTypeLoop, base.Add(5 * time.Second), 16, 16},
	}
	if len(frames) != len(want) {
		t.Fatalf("got %d frames, want %d", len(frames), len(want))
	}
	for i, w := range want {
		f := frames[i]
		if f.Link != w.link || !f.TS.Equal(w.ts) || len(f.Data) != w.n || f.Orig != w.orig || f.Data[0] != byte(i+1) {
			t.Errorf("frame %d = {%v %v len %d orig %d}, want {%v %v len %d orig %d}",
				i, f.Link, f.TS, len(f.Data), f.Orig, w.link, w.ts, w.n, w.orig)
		}
	}
}

// TestPcapngWriterTwoInterfaces uses gopacket's writer for a file with two
// interfaces of different link types.
func TestPcapngWriterTwoInterfaces(t *testing.T) {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 65535}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.AddInterface(pcapgo.NgInterface{Name: "lo", LinkType: layers.LinkTypeNull, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		ci := gopacket.CaptureInfo{Timestamp: capT0.Add(time.Duration(i) * time.Millisecond), CaptureLength: 10, Length: 10, InterfaceIndex: i % 2 * id}
		if err := w.WritePacket(ci, fillBytes(byte(i), 10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	src := mustOpen(t, Options{}, writeFile(t, t.TempDir(), "two.pcapng", buf.Bytes()))
	frames := readAll(t, src)
	if len(frames) != 6 {
		t.Fatalf("got %d frames, want 6", len(frames))
	}
	for i, f := range frames {
		want := layers.LinkTypeEthernet
		if i%2 == 1 {
			want = layers.LinkTypeNull
		}
		if f.Link != want || f.Data[0] != byte(i) || !f.TS.Equal(capT0.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("frame %d: link %v data[0] %d ts %v", i, f.Link, f.Data[0], f.TS)
		}
	}
}

// TestMerge: frames of several files come out in timestamp order, equal
// timestamps in file order, each file's own order kept.
func TestMerge(t *testing.T) {
	dir := t.TempDir()
	at := func(ms int) time.Time { return capT0.Add(time.Duration(ms) * time.Millisecond) }
	a := []rec{{ts: at(1), data: []byte{0xa1}}, {ts: at(3), data: []byte{0xa2}}, {ts: at(5), data: []byte{0xa3}}, {ts: at(5), data: []byte{0xa4}}}
	b := []rec{{ts: at(2), data: []byte{0xb1}}, {ts: at(3), data: []byte{0xb2}}, {ts: at(4), data: []byte{0xb3}}, {ts: at(9), data: []byte{0xb4}}}
	// c goes backwards in time: its order is kept, the merge does not sort
	// inside a file.
	c := []rec{{ts: at(0), data: []byte{0xc1}}, {ts: at(6), data: []byte{0xc2}}, {ts: at(2), data: []byte{0xc3}}}
	pa := writeFile(t, dir, "a.pcap", pcapgoFile(t, true, layers.LinkTypeEthernet, a))
	pb := writeFile(t, dir, "b.pcapng", ngWriterFile(t, layers.LinkTypeRaw, b))
	pc := writeFile(t, dir, "c.pcap.gz", gz(t, handPcap(binary.BigEndian, magicNano, 1, c)))

	src := mustOpen(t, Options{}, pa, pb, pc)
	var order []byte
	var numbers []int64
	for _, f := range readAll(t, src) {
		order = append(order, f.Data[0])
		numbers = append(numbers, f.Number)
		wantFile := int(f.Data[0]>>4) - 0xa
		if f.File != wantFile {
			t.Errorf("frame %#x has File %d, want %d", f.Data[0], f.File, wantFile)
		}
	}
	want := []byte{0xc1, 0xa1, 0xb1, 0xa2, 0xb2, 0xb3, 0xa3, 0xa4, 0xc2, 0xc3, 0xb4}
	if !bytes.Equal(order, want) {
		t.Errorf("order % x\nwant  % x", order, want)
	}
	wantNum := []int64{1, 1, 1, 2, 2, 3, 3, 4, 2, 3, 4}
	for i := range wantNum {
		if numbers[i] != wantNum[i] {
			t.Errorf("numbers %v, want %v", numbers, wantNum)
			break
		}
	}
	// The same inputs in another order tie-break the other way.
	src = mustOpen(t, Options{}, pb, pa)
	order = order[:0]
	for _, f := range readAll(t, src) {
		order = append(order, f.Data[0])
	}
	if want := []byte{0xa1, 0xb1, 0xb2, 0xa2, 0xb3, 0xa3, 0xa4, 0xb4}; !bytes.Equal(order, want) {
		t.Errorf("order % x\nwant  % x", order, want)
	}
}

func TestStdin(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "b.pcap", pcapgoFile(t, true, layers.LinkTypeEthernet, []rec{{ts: capT0.Add(time.Second), data: []byte{2}}}))
	in := bytes.NewReader(gz(t, pcapgoFile(t, true, layers.LinkTypeEthernet, []rec{{ts: capT0, data: []byte{1}}})))
	src := mustOpen(t, Options{Stdin: in}, file, "-")
	frames := readAll(t, src)
	if len(frames) != 2 || frames[0].Data[0] != 1 || frames[0].File != 1 || frames[1].File != 0 {
		t.Fatalf("frames %+v", frames)
	}
	_, err := OpenFiles([]string{"-", "-"}, Options{Stdin: strings.NewReader("")})
	if !errors.Is(err, errStdinTwice) {
		t.Errorf(`"-" twice: err %v`, err)
	}
	_, err = OpenFiles([]string{"-"}, Options{Stdin: strings.NewReader("")})
	if !errors.Is(err, ErrEmpty) || err.Error() != "standard input: empty file" {
		t.Errorf("empty stdin: err %v", err)
	}
}

// TestOpenErrors: inputs that cannot be read at all fail OpenFiles with a
// one-line error naming the file.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.pcap", pcapgoFile(t, false, layers.LinkTypeEthernet, threeRecs()))
	tests := []struct {
		name    string
		content []byte // nil: no file
		is      error
		msg     string
	}{
		{"notes.txt", []byte("these are my notes\n"), ErrNotCapture, "notes.txt: not a pcap or pcapng capture"},
		{"empty.pcap", []byte{}, ErrEmpty, "empty.pcap: empty file"},
		{"tiny.pcap", []byte{0xd4, 0xc3}, ErrNotCapture, "tiny.pcap: not a pcap or pcapng capture (only 2 bytes)"},
		{"x.pcap.zst", []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0}, ErrNotCapture, "x.pcap.zst: not a pcap or pcapng capture (zstd-compressed: decompress it first)"},
		{"notes.gz", gz(t, []byte("hello, world")), ErrNotCapture, "notes.gz: not a pcap or pcapng capture (gzip content is not a capture)"},
		{"empty.gz", gz(t, nil), ErrEmpty, "empty.gz: empty file (after gzip decompression)"},
		{"cut.gz", gz(t, []byte("x"))[:5], ErrTruncated, "cut.gz: capture file is truncated: gzip header cut short"},
		{"v3.pcap", func() []byte { b := handPcap(binary.LittleEndian, magicMicro, 1, nil); b[4] = 3; return b }(),
			ErrNotCapture, "v3.pcap: not a pcap or pcapng capture (pcap version 3.4 is not supported)"},
		{"bom.pcapng", func() []byte { g := (&ngBuilder{order: binary.LittleEndian}).shb(); g.b[8] = 0; return g.b }(),
			ErrNotCapture, "bom.pcapng: not a pcap or pcapng capture (pcapng: section header with a bad byte-order magic)"},
		{"missing.pcap", nil, fs.ErrNotExist, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			if tt.content != nil {
				writeFile(t, dir, tt.name, tt.content)
			}
			src, err := OpenFiles([]string{good, p}, Options{})
			if err == nil {
				src.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("err %v, want one wrapping %v", err, tt.is)
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if tt.msg != "" && msg != tt.msg {
				t.Errorf("message %q, want %q", msg, tt.msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message %q is not one line", msg)
			}
		})
	}
	if _, err := OpenFiles(nil, Options{}); err == nil {
		t.Error("no paths: no error")
	}
	if _, err := OpenFiles([]string{dir}, Options{}); err == nil {
		t.Error("directory: no error")
	}
}

// TestDamage: damage ends one file with a Warning; the frames before it and
// the other files are still delivered.
func TestDamage(t *testing.T) {
	le := binary.LittleEndian
	recs := threeRecs()
	pcap := handPcap(le, magicNano, 1, recs)
	rec1End := 24 + 16 + len(recs[0].data)
	ng := (&ngBuilder{order: le}).shb().idb(1, 0).epb(0, 1, recs[0].data, 60).epb(0, 2, recs[1].data, 1514).b
	ngRec1End := 28 + 20 + 32 + 60
	gzPcap := gz(t, pcap)
	badCRC := bytes.Clone(gzPcap)
	badCRC[len(badCRC)-5] ^= 0xff // CRC-32 in the gzip trailer

	giant := bytes.Clone(pcap)
	le.PutUint32(giant[rec1End+8:], 0xffffffff)
	over := bytes.Clone(pcap)
	le.PutUint32(over[rec1End+8:], DefaultMaxFrame+1)
	le.PutUint32(over[rec1End+12:], DefaultMaxFrame+1)
	ngGiant := bytes.Clone(ng)
	le.PutUint32(ngGiant[ngRec1End+4:], 0xfffffff0)
	ngCap := bytes.Clone(ng)
	le.PutUint32(ngCap[ngRec1End+20:], 0x7fffffff)
	ngTrailer := bytes.Clone(ng)
	ngTrailer[len(ngTrailer)-4] ^= 4
	ngOdd := bytes.Clone(ng)
	le.PutUint32(ngOdd[ngRec1End+4:], 33)
	ngIface := (&ngBuilder{order: le}).shb().idb(1, 0).epb(0, 1, recs[0].data, 60).epb(7, 2, recs[1].data, 1514).b
	ngNoIface := (&ngBuilder{order: le}).shb().spb(10, fillBytes(0, 10)).b
	ngResol := (&ngBuilder{order: le}).shb().idb(1, 0, ngOpt{ngOptTSResol, []byte{20}}).b

	tests := []struct {
		name    string
		file    []byte
		packets int64
		is      error
		msg     string
	}{
		{"cut in record data", pcap[:len(pcap)-1], 2, ErrTruncated, "capture file is truncated: file ends inside a packet record (after 2 packets)"},
		{"cut in record header", pcap[:rec1End+5], 1, ErrTruncated, "capture file is truncated: file ends inside a record header (after 1 packet)"},
		{"cut in file header", pcap[:10], 0, ErrTruncated, "capture file is truncated: file ends inside the pcap file header (after 0 packets)"},
		{"giant record length", giant, 1, ErrDamaged, "capture file is damaged: a record claims 4294967295 bytes, more than the 262144-byte limit (after 1 packet)"},
		{"record just over the limit", over, 1, ErrDamaged, ""},
		{"gzip cut", gzPcap[:len(gzPcap)-30], 2, ErrTruncated, ""},
		{"gzip bad checksum", badCRC, 3, ErrDamaged, ""},
		{"gzip trailing garbage", append(bytes.Clone(gzPcap), "this is trailing garbage"...), 3, ErrDamaged, ""},
		{"pcapng cut", ng[:len(ng)-3], 1, ErrTruncated, "capture file is truncated: file ends inside a block (after 1 packet)"},
		{"pcapng cut in block header", ng[:ngRec1End+3], 1, ErrTruncated, ""},
		{"pcapng cut in section header", ng[:10], 0, ErrTruncated, ""},
		{"pcapng giant block", ngGiant, 1, ErrDamaged, ""},
		{"pcapng giant packet", ngCap, 1, ErrDamaged, ""},
		{"pcapng block length not a multiple of 4", ngOdd, 1, ErrDamaged, ""},
		{"pcapng trailer mismatch", ngTrailer, 1, ErrDamaged, "capture file is damaged: block lengths at its start and end differ (after 1 packet)"},
		{"pcapng unknown interface", ngIface, 1, ErrDamaged, "capture file is damaged: a packet refers to interface 7, the section has 1 (after 1 packet)"},
		{"pcapng packet before interface", ngNoIface, 0, ErrDamaged, ""},
		{"pcapng bad resolution", ngResol, 0, ErrDamaged, ""},
	}
	dir := t.TempDir()
	other := writeFile(t, dir, "other.pcap", pcapgoFile(t, true, layers.LinkTypeEthernet, []rec{{ts: capT0.Add(time.Hour), data: []byte{0xff}}}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, "damaged", tt.file)
			src := mustOpen(t, Options{}, p, other)
			frames := readAll(t, src)
			if int64(len(frames)) != tt.packets+1 || frames[len(frames)-1].Data[0] != 0xff {
				t.Fatalf("got %d frames, want %d from the damaged file and the other one", len(frames), tt.packets)
			}
			ws := src.Warnings()
			if len(ws) != 1 {
				t.Fatalf("warnings %v, want one", ws)
			}
			w := ws[0]
			if w.File != p || w.Packets != tt.packets || !errors.Is(w, tt.is) {
				t.Errorf("warning %+v, want file %s, %d packets, wrapping %v", w, p, tt.packets, tt.is)
			}
			if msg := strings.TrimPrefix(w.Error(), p+": "); tt.msg != "" && msg != tt.msg {
				t.Errorf("message %q\nwant    %q", msg, tt.msg)
			}
		})
	}
}

// TestTruncatedEverywhere cuts files at every byte: the reader never
// panics, delivers the complete records before the cut, and warns exactly
// when the cut is not on a record boundary.
func TestTruncatedEverywhere(t *testing.T) {
	recs := threeRecs()
	files := map[string][]byte{
		"pcap":   handPcap(binary.BigEndian, magicMicro, 1, recs),
		"pcapng": ngWriterFile(t, layers.LinkTypeEthernet, recs),
		"gzip":   gz(t, handPcap(binary.LittleEndian, magicNano, 1, recs)),
	}
	for name, file := range files {
		full := readAll(t, mustOpen(t, Options{Stdin: bytes.NewReader(file)}, "-"))
		for n := 1; n < len(file); n++ {
			src, err := OpenFiles([]string{"-"}, Options{Stdin: bytes.NewReader(file[:n])})
			if err != nil {
				if errors.Is(err, ErrNotCapture) && n < 4 || errors.Is(err, ErrTruncated) && name == "gzip" {
					continue
				}
				t.Fatalf("%s cut at %d: %v", name, n, err)
			}
			frames := readAll(t, src)
			for i, f := range frames {
				if !bytes.Equal(f.Data, full[i].Data) {
					t.Fatalf("%s cut at %d: frame %d differs", name, n, i)
				}
			}
			for _, w := range src.Warnings() {
				if !errors.Is(w, ErrTruncated) || w.Packets != int64(len(frames)) {
					t.Fatalf("%s cut at %d: warning %v", name, n, w)
				}
			}
		}
	}
}

// TestHeaderOnly: a capture with a header and no packets is valid and empty.
func TestHeaderOnly(t *testing.T) {
	for name, file := range map[string][]byte{
		"pcap":   handPcap(binary.LittleEndian, magicMicro, 1, nil),
		"pcapng": (&ngBuilder{order: binary.LittleEndian}).shb().idb(1, 0).b,
	} {
		src := mustOpen(t, Options{Stdin: bytes.NewReader(file)}, "-")
		if frames := readAll(t, src); len(frames) != 0 || len(src.Warnings()) != 0 {
			t.Errorf("%s: %d frames, warnings %v", name, len(frames), src.Warnings())
		}
	}
}

func TestClose(t *testing.T) {
	src := mustOpen(t, Options{}, writeFile(t, t.TempDir(), "a.pcap", pcapgoFile(t, false, 1, threeRecs())))
	if _, err := src.Next(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// TestLargeRecords: records longer than the read buffer take the copying
// path and are still exact.
func TestLargeRecords(t *testing.T) {
	recs := []rec{
		{ts: capT0, data: fillBytes(1, readBufSize+100)},
		{ts: capT0, data: fillBytes(2, 10)},
		{ts: capT0, data: fillBytes(3, DefaultMaxFrame)},
	}
	files := map[string][]byte{
		"pcap":   pcapgoFile(t, true, 1, recs),
		"pcapng": ngWriterFile(t, 1, recs),
	}
	for name, file := range files {
		src := mustOpen(t, Options{Stdin: bytes.NewReader(file)}, "-")
		frames := readAll(t, src)
		if len(frames) != 3 || len(src.Warnings()) != 0 {
			t.Fatalf("%s: %d frames, warnings %v", name, len(frames), src.Warnings())
		}
		for i := range recs {
			if !bytes.Equal(frames[i].Data, recs[i].data) {
				t.Errorf("%s: frame %d differs", name, i)
			}
		}
		// A lower limit turns the last record into damage.
		src = mustOpen(t, Options{Stdin: bytes.NewReader(file), MaxFrame: 1 << 17}, "-")
		if frames := readAll(t, src); len(frames) != 2 || len(src.Warnings()) != 1 || !errors.Is(src.Warnings()[0], ErrDamaged) {
			t.Errorf("%s with MaxFrame: %d frames, warnings %v", name, len(frames), src.Warnings())
		}
	}
}

// TestNextDoesNotAllocate: reading is allocation-free per packet.
func TestNextDoesNotAllocate(t *testing.T) {
	var recs []rec
	for i := range 2000 {
		recs = append(recs, rec{ts: capT0.Add(time.Duration(i) * time.Millisecond), data: fillBytes(byte(i), 60+i%1400)})
	}
	dir := t.TempDir()
	files := []string{
		writeFile(t, dir, "a.pcap", pcapgoFile(t, true, 1, recs)),
		writeFile(t, dir, "b.pcapng", ngWriterFile(t, 1, recs)),
		writeFile(t, dir, "c.pcap.gz", gz(t, pcapgoFile(t, false, 1, recs))),
	}
	src := mustOpen(t, Options{}, files...)
	for range 100 { // warm up: buffers reach their size
		if _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(5000, func() {
		if _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Next", allocs)
	}
}

// TestCorpus opens the reference captures, if present: every one must read
// to its end without a warning.
func TestCorpus(t *testing.T) {
	var paths []string
	for _, pat := range []string{
		"../../shared/corpus/zeek/traces/ftp/*.pcap*",
		"../../shared/corpus/zeek/traces/*.pcap*",
		"../../shared/corpus/suricata-verify/*/*.pcap*",
	} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no reference corpus at ../../shared/corpus")
	}
	for _, p := range paths {
		src := mustOpen(t, Options{}, p)
		frames := 0
		for {
			f, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.LinkType != layers.LinkTypeEthernet && f.LinkType != layers.LinkTypeNull {
				t.Errorf("%s: link type %v", p, f.LinkType)
			}
			frames++
		}
		if frames == 0 || len(src.Warnings()) != 0 {
			t.Errorf("%s: %d frames, warnings %v", p, frames, src.Warnings())
		}
	}
	// All of them at once, as one merged capture.
	src := mustOpen(t, Options{}, paths...)
	var last time.Time
	n := 0
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		_ = f
		last = f.TS
	}
	if n == 0 || last.IsZero() {
		t.Errorf("merged corpus: %d frames", n)
	}
}
