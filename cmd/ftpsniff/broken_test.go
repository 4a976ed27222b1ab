package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/packet"
	"github.com/ftpsniff/ftpsniff/packet/tcp"
)

// The damaged captures in testdata/broken are made from the recorded ones
// in testdata/pcaps by the generator below, so every one of them is real
// traffic with exactly one thing wrong. The files are committed (anyone
// can try `ftpsniff read testdata/broken/x.pcap`), and TestBrokenCaptures
// checks that they still are what the generator makes. After a change to
// the generator or to a source capture:
//
//	go test ./cmd/ftpsniff -run TestBrokenCaptures -update-broken -update
//
// rewrites testdata/broken/* and the golden reports testdata/golden/broken-*.txt.
var updateBroken = flag.Bool("update-broken", false, "regenerate testdata/broken from testdata/pcaps")

// brokenCase is one damaged input, how it is made and what ftpsniff must
// make of it.
type brokenCase struct {
	// file is the name in testdata/broken.
	file string
	// from is the recorded capture it is made from, in testdata/pcaps
	// ("" when it is made from nothing).
	from string
	// gen makes the damaged bytes from the source's.
	gen func(src []byte) ([]byte, error)
	// also are more inputs given on the command line after file (paths
	// relative to the repository root).
	also []string
	// code is the exit status the README documents for this damage.
	code int
	// want are substrings stderr must contain (file, packet, cause).
	want []string
}

// Sources of the damaged captures: small recorded sessions with a
// login, commands and data transfers.
const (
	srcEphemeral = "vsftpd-active-ephemeral.pcap" // 59 packets, EPRT + RETR + LIST
	srcPort20    = "vsftpd-user-active-port20.pcap"
	srcNg        = "pcapng-two-interfaces.pcapng"
	srcGzip      = "vsftpd-anon-passive.pcap.gz"
)

func brokenCases() []brokenCase {
	return []brokenCase{
		{file: "not-a-capture.pcap", gen: constant([]byte("USER anonymous\r\nthis is a text file, not packets\r\n")),
			code: exitError, want: []string{"not-a-capture.pcap: not a pcap or pcapng capture"}},
		{file: "empty.pcap", gen: constant(nil),
			code: exitError, want: []string{"empty.pcap: empty file"}},
		{file: "pcap-header-cut.pcap", from: srcEphemeral, gen: cutAt(12),
			code: exitPartial, want: []string{"pcap-header-cut.pcap: capture file is truncated", "file header", "after 0 packets"}},
		{file: "pcap-bad-version.pcap", from: srcEphemeral, gen: pcapBadVersion,
			code: exitError, want: []string{"pcap-bad-version.pcap: not a pcap or pcapng capture", "version 3.0"}},
		{file: "header-only.pcap", from: srcEphemeral, gen: cutAt(24),
			code: exitOK},
		{file: "header-only-ng.pcapng", from: srcNg, gen: ngHeaderOnly,
			code: exitOK},
		{file: "pcapng-header-cut.pcapng", from: srcNg, gen: cutAt(20),
			code: exitPartial, want: []string{"pcapng-header-cut.pcapng: capture file is truncated: file ends inside a block (after 0 packets)"}},
		{file: "cut-in-record-header.pcap", from: srcEphemeral, gen: pcapCutInHeader(40, 9),
			code: exitPartial, want: []string{"cut-in-record-header.pcap: capture file is truncated: file ends inside a record header (after 39 packets)"}},
		{file: "cut-in-record-data.pcap", from: srcEphemeral, gen: pcapCutInData(26, 700),
			code: exitPartial, want: []string{"cut-in-record-data.pcap: capture file is truncated: file ends inside a packet record (after 25 packets)"}},
		{file: "giant-record.pcap", from: srcEphemeral, gen: pcapSetCapLen(30, 0x7fffffff),
			code: exitPartial, want: []string{"giant-record.pcap: capture file is damaged: a record claims 2147483647 bytes", "(after 29 packets)"}},
		{file: "linktype-user0.pcap", from: srcEphemeral, gen: pcapSetLinkType(147),
			code: exitPartial, want: []string{"59 packets not decoded: unsupported link type 147", "first at packet 1"}},
		{file: "ethernet-cut-10.pcap", from: srcEphemeral, gen: pcapCutPacket(12, 10),
			code: exitPartial, want: []string{"1 packets not decoded: ethernet: packet too short", "first at packet 12"}},
		{file: "ipv4-header-cut.pcap", from: srcEphemeral, gen: pcapCutPacket(15, 20),
			code: exitPartial, want: []string{"1 packets not decoded: IPv4: packet too short", "first at packet 15"}},
		{file: "tcp-header-cut.pcap", from: srcEphemeral, gen: pcapCutPacket(16, 14+20+10),
			code: exitPartial, want: []string{"1 packets not decoded: TCP: packet too short", "first at packet 16"}},
		// 60 bytes keep the Ethernet, IP and fixed TCP headers but not
		// the timestamp option nor any payload; 200 keep every control
		// line but cut each data segment.
		{file: "snaplen-60.pcap", from: srcPort20, gen: pcapSnaplen(60),
			code: exitOK},
		{file: "snaplen-200.pcap", from: srcPort20, gen: pcapSnaplen(200),
			code: exitOK},
		{file: "pcapng-bad-block-length.pcapng", from: srcNg, gen: ngBlockLength(40, func(n uint32) uint32 { return n + 4 }),
			code: exitPartial, want: []string{"pcapng-bad-block-length.pcapng: capture file is damaged: block lengths at its start and end differ (after 39 packets)"}},
		{file: "pcapng-giant-block.pcapng", from: srcNg, gen: ngBlockLength(40, func(uint32) uint32 { return 0x7ffffffc }),
			code: exitPartial, want: []string{"pcapng-giant-block.pcapng: capture file is damaged: a block claims 2147483644 bytes", "(after 39 packets)"}},
		{file: "gzip-cut.pcap.gz", from: srcGzip, gen: cutAt(16 << 10),
			code: exitPartial, want: []string{"gzip-cut.pcap.gz: capture file is truncated", "packets)"}},
		{file: "gzip-corrupt.pcap.gz", from: srcGzip, gen: flipByte(30000),
			code: exitPartial, want: []string{"gzip-corrupt.pcap.gz: capture file is damaged", "packets)"}},
		// A damaged file does not spoil the others given with it.
		{file: "cut-in-record-data.pcap", also: []string{"testdata/pcaps/" + srcPort20},
			code: exitPartial, want: []string{"cut-in-record-data.pcap: capture file is truncated", "(after 25 packets)"}},
	}
}

// goldenName is the golden report of c: testdata/golden/broken-<stem>.txt.
func (c brokenCase) goldenName() string {
	stem := c.file
	for _, ext := range []string{".gz", ".pcapng", ".pcap"} {
		stem = strings.TrimSuffix(stem, ext)
	}
	if len(c.also) > 0 {
		stem += "-with-good-file"
	}
	return "broken-" + stem + ".txt"
}

// TestBrokenCaptures reads every damaged capture and pins stdout, stderr
// and the exit status in testdata/golden/broken-*.txt. Beyond the golden
// text it checks what must hold for any damage: the documented exit
// status, one-line messages naming the file and the packet, no stack
// trace, the report of what could be read, and JSON output that parses.
func TestBrokenCaptures(t *testing.T) {
	// Paths in messages are the ones a user types from the repository root.
	t.Chdir(repoRoot)
	const brokenDir = "testdata/broken"
	cases := brokenCases()
	made := map[string]bool{}
	for _, c := range cases {
		if c.gen == nil || made[c.file] {
			continue
		}
		made[c.file] = true
		var src []byte
		if c.from != "" {
			var err error
			if src, err = os.ReadFile(filepath.Join("testdata", "pcaps", c.from)); err != nil {
				t.Fatal(err)
			}
		}
		want, err := c.gen(src)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		path := filepath.Join(brokenDir, c.file)
		if *updateBroken {
			if err := os.MkdirAll(brokenDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what the generator makes from %s (run go test ./cmd/ftpsniff -run TestBrokenCaptures -update-broken -update)", path, c.from)
		}
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.goldenName(), ".txt"), func(t *testing.T) {
			args := append([]string{"read", brokenDir + "/" + c.file}, c.also...)
			out, errOut, code := runCLI(t, nil, args...)
			golden := fmt.Sprintf("$ ftpsniff %s\nexit status %d\n--- stderr\n%s--- stdout\n%s",
				strings.Join(args, " "), code, errOut, out)
			checkGolden(t, filepath.Join("testdata", "golden", c.goldenName()), golden)

			if code != c.code {
				t.Errorf("exit status %d, want %d (README, Exit status)", code, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not say %q:\n%s", w, errOut)
				}
			}
			checkMessages(t, errOut)
			switch code {
			case exitError:
				if out != "" {
					t.Errorf("nothing could be read, yet stdout is not empty:\n%s", out)
				}
			default:
				if !strings.Contains(out, "Summary") {
					t.Errorf("no report of what could be read:\n%s", out)
				}
			}
			// The other commands that read captures say the same.
			for _, cmd := range []string{"audit", "explain"} {
				_, cerr, ccode := runCLI(t, nil, append([]string{cmd}, args[1:]...)...)
				if ccode != code || cerr != errOut {
					t.Errorf("%s: exit status %d and stderr %q; read gives %d and %q", cmd, ccode, cerr, code, errOut)
				}
			}
			// The same damage in JSON mode: same status, every line a
			// JSON object, a summary last when anything was read.
			jargs := append([]string{"read", "--json"}, args[1:]...)
			jout, jerr, jcode := runCLI(t, nil, jargs...)
			if jcode != code {
				t.Errorf("--json: exit status %d, table mode %d", jcode, code)
			}
			checkMessages(t, jerr)
			if code != exitError {
				lines := strings.Split(strings.TrimSpace(jout), "\n")
				for _, l := range lines {
					if !json.Valid([]byte(l)) {
						t.Fatalf("--json: not JSON: %s", l)
					}
				}
				if !strings.HasPrefix(lines[len(lines)-1], `{"type":"summary"`) {
					t.Errorf("--json: last record is not the summary: %s", lines[len(lines)-1])
				}
			}
		})
	}
}

// stackTrace matches what a Go panic or a leaked internal error prints.
var stackTrace = regexp.MustCompile(`goroutine \d|panic|\.go:\d|runtime\.|0x[0-9a-f]{6,}`)

// checkMessages checks every stderr line: one line per message, each
// starting with the program name, none looking like a stack trace.
func checkMessages(t *testing.T, stderr string) {
	t.Helper()
	if stderr == "" {
		return
	}
	if !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr does not end with a newline: %q", stderr)
	}
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if !strings.HasPrefix(l, "ftpsniff: ") {
			t.Errorf("stderr line is not a message of ours: %q", l)
		}
		if stackTrace.MatchString(l) {
			t.Errorf("stderr line looks like a stack trace: %q", l)
		}
	}
}

// A capture cut by a snaplen loses payload, but TCP sequence numbers
// still tell how much was sent. With the control lines whole (200 bytes),
// transfer sizes must be those of the uncut capture, the cut bytes counted
// as missing and the transfers not claimed complete. With nothing but
// headers (60 bytes) the session is still found, says what it lost, and
// invents no command or transfer.
func TestBrokenSnaplenKeepsByteCounts(t *testing.T) {
	full, _, code := runCLI(t, nil, "read", "--json", pcapPath(srcPort20))
	if code != exitOK {
		t.Fatalf("uncut capture: exit %d", code)
	}
	want := jsonRecords(t, full, "session")
	if len(want) != 1 {
		t.Fatalf("uncut capture: %d sessions, want 1", len(want))
	}
	wx, _ := want[0]["transfers"].([]any)
	if len(wx) != 2 {
		t.Fatalf("uncut capture: %d transfers, want 2", len(wx))
	}
	broken := func(name string) map[string]any {
		t.Helper()
		out, errOut, code := runCLI(t, nil, "read", "--json", filepath.Join(repoRoot, "testdata", "broken", name))
		if code != exitOK {
			t.Fatalf("%s: exit %d, stderr:\n%s", name, code, errOut)
		}
		got := jsonRecords(t, out, "session")
		if len(got) != 1 {
			t.Fatalf("%s: %d sessions, want 1", name, len(got))
		}
		return got[0]
	}

	s := broken("snaplen-200.pcap")
	gx, _ := s["transfers"].([]any)
	if len(gx) != len(wx) {
		t.Fatalf("snaplen 200: %d transfers, want %d", len(gx), len(wx))
	}
	for i := range wx {
		w, g := wx[i].(map[string]any), gx[i].(map[string]any)
		if g["bytes"] != w["bytes"] {
			t.Errorf("snaplen 200, transfer %d (%v): %v bytes, the uncut capture says %v", i, w["command"], g["bytes"], w["bytes"])
		}
		missing, _ := g["missing_bytes"].(float64)
		total, _ := g["bytes"].(float64)
		if missing <= 0 || missing >= total {
			t.Errorf("snaplen 200, transfer %d: %v of %v bytes missing, want some but not all", i, missing, total)
		}
		if g["complete"] != false {
			t.Errorf("snaplen 200, transfer %d: claimed complete though bytes are missing", i)
		}
	}
	for _, k := range []string{"commands", "user", "login", "end_reason"} {
		if fmt.Sprint(s[k]) != fmt.Sprint(want[0][k]) {
			t.Errorf("snaplen 200: %s = %v, the uncut capture says %v", k, s[k], want[0][k])
		}
	}

	s = broken("snaplen-60.pcap")
	notes := fmt.Sprint(s["notes"])
	for _, n := range []string{"snaplen_cut", "gap_in_control"} {
		if !strings.Contains(notes, n) {
			t.Errorf("snaplen 60: no %s note: %v", n, notes)
		}
	}
	if s["commands"] != 0.0 || len(s["transfers"].([]any)) != 0 || s["login"] != "none" {
		t.Errorf("snaplen 60: commands=%v transfers=%v login=%v, want nothing invented", s["commands"], s["transfers"], s["login"])
	}
	// Every control byte was cut, and only those: the gap is exactly the
	// dialogue's payload, TCP options not counted as payload.
	if got, want := num(s["gap_bytes"]), controlPayload(t, pcapPath(srcPort20)); got != want {
		t.Errorf("snaplen 60: %d control bytes missing, the dialogue has %d", got, want)
	}
}

// controlPayload sums the TCP payload lengths to and from port 21.
func controlPayload(t *testing.T, path string) int64 {
	t.Helper()
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pd := packet.NewDecoder()
	var p tcp.Segment
	var n int64
	for {
		f, err := src.Next()
		if err != nil {
			break
		}
		if ok, _ := pd.Decode(f.LinkType, f.Data, f.TS, &p); ok && (p.Src.Port() == 21 || p.Dst.Port() == 21) {
			n += int64(p.WireLen)
		}
	}
	return n
}

// ---- the generator ----

// constant makes a fixed content.
func constant(b []byte) func([]byte) ([]byte, error) {
	return func([]byte) ([]byte, error) { return bytes.Clone(b), nil }
}

// cutAt keeps the first n bytes.
func cutAt(n int) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		if n > len(src) {
			return nil, fmt.Errorf("cannot cut %d bytes at %d", len(src), n)
		}
		return bytes.Clone(src[:n]), nil
	}
}

// flipByte inverts the byte at offset off.
func flipByte(off int) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		if off >= len(src) {
			return nil, fmt.Errorf("offset %d beyond %d bytes", off, len(src))
		}
		b := bytes.Clone(src)
		b[off] ^= 0xff
		return b, nil
	}
}

// pcapRecord is where one record of a little-endian pcap file lies.
type pcapRecord struct {
	off    int // record header
	capLen int
}

// pcapRecords indexes a little-endian microsecond pcap (what tcpdump
// writes on the recording machine).
func pcapRecords(b []byte) ([]pcapRecord, error) {
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		return nil, fmt.Errorf("not a little-endian microsecond pcap")
	}
	var recs []pcapRecord
	for off := 24; off < len(b); {
		if off+16 > len(b) {
			return nil, fmt.Errorf("record header cut at %d", off)
		}
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		if off+16+n > len(b) {
			return nil, fmt.Errorf("record data cut at %d", off)
		}
		recs = append(recs, pcapRecord{off: off, capLen: n})
		off += 16 + n
	}
	return recs, nil
}

// pcapRecordAt returns record k (1-based, as packet numbers are).
func pcapRecordAt(src []byte, k int) (pcapRecord, error) {
	recs, err := pcapRecords(src)
	if err != nil {
		return pcapRecord{}, err
	}
	if k < 1 || k > len(recs) {
		return pcapRecord{}, fmt.Errorf("no packet %d (%d packets)", k, len(recs))
	}
	return recs[k-1], nil
}

// pcapCutInHeader ends the file `into` bytes inside record k's header.
func pcapCutInHeader(k, into int) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		r, err := pcapRecordAt(src, k)
		if err != nil {
			return nil, err
		}
		return bytes.Clone(src[:r.off+into]), nil
	}
}

// pcapCutInData ends the file `into` bytes inside record k's data.
func pcapCutInData(k, into int) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		r, err := pcapRecordAt(src, k)
		if err != nil {
			return nil, err
		}
		if into >= r.capLen {
			return nil, fmt.Errorf("packet %d has only %d bytes", k, r.capLen)
		}
		return bytes.Clone(src[:r.off+16+into]), nil
	}
}

// pcapSetCapLen overwrites record k's captured length (the rest of the
// file is intact).
func pcapSetCapLen(k int, v uint32) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		r, err := pcapRecordAt(src, k)
		if err != nil {
			return nil, err
		}
		b := bytes.Clone(src)
		binary.LittleEndian.PutUint32(b[r.off+8:], v)
		return b, nil
	}
}

// pcapSetLinkType overwrites the file header's link type.
func pcapSetLinkType(v uint32) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		if _, err := pcapRecords(src); err != nil {
			return nil, err
		}
		b := bytes.Clone(src)
		binary.LittleEndian.PutUint32(b[20:], v)
		return b, nil
	}
}

// pcapBadVersion claims pcap format 3.0, which does not exist.
func pcapBadVersion(src []byte) ([]byte, error) {
	if _, err := pcapRecords(src); err != nil {
		return nil, err
	}
	b := bytes.Clone(src)
	binary.LittleEndian.PutUint16(b[4:], 3)
	binary.LittleEndian.PutUint16(b[6:], 0)
	return b, nil
}

// pcapCutPacket keeps only the first n bytes of packet k, as a tiny
// snaplen would: its captured length shrinks, its wire length stays.
func pcapCutPacket(k, n int) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		recs, err := pcapRecords(src)
		if err != nil {
			return nil, err
		}
		if k < 1 || k > len(recs) || recs[k-1].capLen <= n {
			return nil, fmt.Errorf("packet %d missing or not longer than %d bytes", k, n)
		}
		return pcapRewrite(src, recs, func(i int) int {
			if i == k-1 {
				return n
			}
			return recs[i].capLen
		}), nil
	}
}

// pcapSnaplen cuts every packet to n bytes, as `tcpdump -s n` does, and
// sets the header's snaplen.
func pcapSnaplen(n int) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		recs, err := pcapRecords(src)
		if err != nil {
			return nil, err
		}
		b := pcapRewrite(src, recs, func(i int) int { return min(recs[i].capLen, n) })
		binary.LittleEndian.PutUint32(b[16:], uint32(n))
		return b, nil
	}
}

// pcapRewrite copies the file with record i's data cut to keep(i) bytes.
func pcapRewrite(src []byte, recs []pcapRecord, keep func(i int) int) []byte {
	out := bytes.Clone(src[:24])
	for i, r := range recs {
		n := keep(i)
		hdr := bytes.Clone(src[r.off : r.off+16])
		binary.LittleEndian.PutUint32(hdr[8:], uint32(n))
		out = append(out, hdr...)
		out = append(out, src[r.off+16:r.off+16+n]...)
	}
	return out
}

// ngBlock is where one pcapng block lies.
type ngBlock struct {
	off int
	typ uint32
	len uint32
}

// ngBlocks indexes a little-endian pcapng file.
func ngBlocks(b []byte) ([]ngBlock, error) {
	var blocks []ngBlock
	for off := 0; off < len(b); {
		if off+12 > len(b) {
			return nil, fmt.Errorf("block cut at %d", off)
		}
		typ, n := binary.LittleEndian.Uint32(b[off:]), binary.LittleEndian.Uint32(b[off+4:])
		if n < 12 || off+int(n) > len(b) {
			return nil, fmt.Errorf("bad block length %d at %d", n, off)
		}
		blocks = append(blocks, ngBlock{off: off, typ: typ, len: n})
		off += int(n)
	}
	return blocks, nil
}

// ngHeaderOnly keeps the blocks before the first packet: a section
// header and interface descriptions, as a capture that saw nothing.
func ngHeaderOnly(src []byte) ([]byte, error) {
	blocks, err := ngBlocks(src)
	if err != nil {
		return nil, err
	}
	for _, bl := range blocks {
		if bl.typ == 6 || bl.typ == 3 || bl.typ == 2 {
			return bytes.Clone(src[:bl.off]), nil
		}
	}
	return nil, fmt.Errorf("no packet block")
}

// ngBlockLength rewrites the leading length of the k-th packet block
// (1-based); its trailing copy is left as it was.
func ngBlockLength(k int, f func(uint32) uint32) func([]byte) ([]byte, error) {
	return func(src []byte) ([]byte, error) {
		blocks, err := ngBlocks(src)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, bl := range blocks {
			if bl.typ != 6 {
				continue
			}
			if n++; n == k {
				b := bytes.Clone(src)
				binary.LittleEndian.PutUint32(b[bl.off+4:], f(bl.len))
				return b, nil
			}
		}
		return nil, fmt.Errorf("no packet block %d (%d)", k, n)
	}
}
