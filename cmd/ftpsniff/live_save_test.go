package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/decoder"
)

// sliceSource is a capture.Source over frames in memory.
type sliceSource struct {
	frames []capture.Frame
	i      int
}

func (s *sliceSource) Next() (capture.Frame, error) {
	if s.i == len(s.frames) {
		return capture.Frame{}, io.EOF
	}
	s.i++
	return s.frames[s.i-1], nil
}
func (s *sliceSource) Warnings() []capture.Warning { return nil }
func (s *sliceSource) Close() error                { return nil }

// synth builds Ethernet/IPv4/TCP frames of several conversations on one
// clock, recording which conversation each frame belongs to.
type synth struct {
	ts     time.Time
	frames []capture.Frame
	owner  []string
}

type tcpConv struct {
	s          *synth
	name       string
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

func (s *synth) conv(name, cli, srv string) *tcpConv {
	return &tcpConv{s: s, name: name, cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv),
		cseq: 1000, sseq: 5000}
}

func (c *tcpConv) packet(fromClient bool, syn, fin bool, payload string) {
	src, dst := c.cli, c.srv
	seq, ack := c.cseq, c.sseq
	if !fromClient {
		src, dst = c.srv, c.cli
		seq, ack = c.sseq, c.cseq
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, Ack: ack, SYN: syn, FIN: fin, ACK: !(syn && fromClient), PSH: payload != "", Window: 65535}
	if syn && fromClient {
		tcp.Ack = 0
	}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	data := bytes.Clone(buf.Bytes())
	c.s.ts = c.s.ts.Add(time.Millisecond)
	c.s.frames = append(c.s.frames, capture.Frame{TS: c.s.ts, LinkType: layers.LinkTypeEthernet,
		Data: data, OrigLen: len(data), Number: int64(len(c.s.frames) + 1)})
	c.s.owner = append(c.s.owner, c.name)
	n := uint32(len(payload))
	if syn || fin {
		n++
	}
	if fromClient {
		c.cseq += n
	} else {
		c.sseq += n
	}
}

func (c *tcpConv) open() {
	c.packet(true, true, false, "")
	c.packet(false, true, false, "")
	c.packet(true, false, false, "")
}
func (c *tcpConv) client(p string) { c.packet(true, false, false, p) }
func (c *tcpConv) server(p string) { c.packet(false, false, false, p) }
func (c *tcpConv) close() {
	c.packet(true, false, true, "")
	c.packet(false, false, true, "")
	c.packet(true, false, false, "") // the last ACK, after both FINs
}

// saverScenario: an FTP session on port 21 with a passive data
// connection, FTP on port 2121 found by content, and unrelated HTTP and
// SSH connections interleaved with them.
func saverScenario() *synth {
	s := &synth{ts: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	ctl := s.conv("ftp", "192.0.2.10:50000", "198.51.100.10:21")
	data := s.conv("ftp", "192.0.2.10:50001", "198.51.100.10:40001")
	web := s.conv("other", "192.0.2.10:50002", "198.51.100.20:80")
	alt := s.conv("ftp", "192.0.2.11:50003", "198.51.100.30:2121")
	ssh := s.conv("other", "192.0.2.11:50004", "198.51.100.30:2222")

	ctl.open()
	web.open()
	ctl.server("220 ready\r\n")
	web.client("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
	ctl.client("USER anonymous\r\n")
	ctl.server("331 password\r\n")
	ssh.open()
	ctl.client("PASS guest@\r\n")
	ctl.server("230 ok\r\n")
	ssh.server("SSH-2.0-OpenSSH_9.2\r\n")
	ctl.client("PASV\r\n")
	ctl.server("227 Entering Passive Mode (198,51,100,10,156,65).\r\n")
	web.server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
	data.open()
	ctl.client("RETR file.bin\r\n")
	ctl.server("150 here it comes\r\n")
	alt.open()
	data.server(string(bytes.Repeat([]byte("x"), 1000)))
	alt.server("220 alt server ready\r\n")
	ssh.client("SSH-2.0-OpenSSH_9.2\r\n")
	data.close()
	alt.client("USER bob\r\n")
	ctl.server("226 done\r\n")
	alt.server("331 password\r\n")
	alt.client("PASS wrong\r\n")
	alt.server("530 Login incorrect.\r\n")
	ctl.client("QUIT\r\n")
	ctl.server("221 bye\r\n")
	web.close()
	alt.client("QUIT\r\n")
	alt.server("221 bye\r\n")
	ctl.close()
	alt.close()
	ssh.close()
	return s
}

// digest summarises sessions for comparing two analyses.
func digest(sessions []*decoder.Session) string {
	var b bytes.Buffer
	for _, s := range sessions {
		user := "-"
		if s.User != nil {
			user = *s.User
		}
		fmt.Fprintf(&b, "%s->%s %s %s %s;", s.Client, s.Server, user, s.Login, s.Mode)
		for _, t := range s.Transfers {
			n := int64(-1)
			if t.Bytes != nil {
				n = *t.Bytes
			}
			fmt.Fprintf(&b, " %s %s %d", t.Command, t.Mode, n)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestSaverWritesOnlyFTPConnections(t *testing.T) {
	sc := saverScenario()
	af := defaultAnalysisFlags()
	path := filepath.Join(t.TempDir(), "ftp.pcap")
	w, err := capture.CreateFile(path, capture.WriterOptions{LinkType: layers.LinkTypeEthernet}, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := af.decoderConfig()
	sv := newSaver(w, cfg.Ports)
	cfg.OnEvent = sv.onEvent
	res, err := analyzeWith(&sliceSource{frames: sc.frames}, &af, cfg, true,
		pipelineHooks{factory: sv.wrap, frame: sv.frame})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if sv.err != nil || sv.cutConns != 0 {
		t.Fatalf("saver err %v, cut %d", sv.err, sv.cutConns)
	}

	// Exactly the FTP frames. The port-2121 session's first packets were
	// held back until the decoder recognised it, so they come after the
	// data packets captured meanwhile: compare as sets.
	var want [][]byte
	for i, f := range sc.frames {
		if sc.owner[i] == "ftp" {
			want = append(want, f.Data)
		}
	}
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got [][]byte
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, bytes.Clone(f.Data))
	}
	if len(got) != len(want) || sv.written != int64(len(want)) {
		t.Fatalf("wrote %d frames (counted %d), want the %d FTP frames of %d", len(got), sv.written, len(want), len(sc.frames))
	}
	slices.SortFunc(got, bytes.Compare)
	slices.SortFunc(want, bytes.Compare)
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("the frames written are not the FTP frames")
		}
	}

	// And the saved file tells the same story.
	if len(res.Sessions) != 2 {
		t.Fatalf("%d sessions in the live analysis, want 2:\n%s", len(res.Sessions), digest(res.Sessions))
	}
	src2, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	res2, err := analyze(src2, &af, af.decoderConfig(), true)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := digest(res.Sessions), digest(res2.Sessions); a != b {
		t.Errorf("sessions differ:\nlive:  %s\nsaved: %s", a, b)
	}
}

// A connection that stays undecided holds back a bounded number of
// packets; once recognised it is still saved from then on, and counted.
func TestSaverHoldBackIsBounded(t *testing.T) {
	s := &synth{ts: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	c := s.conv("ftp", "192.0.2.11:50003", "198.51.100.30:2121")
	c.open()
	for i := 0; i < savePendingFrames+10; i++ {
		c.client("") // bare ACKs: no bytes for the probe to decide on
	}
	c.server("220 alt server ready\r\n")
	c.client("USER bob\r\n")
	c.server("331 password\r\n")
	c.close()

	af := defaultAnalysisFlags()
	w, err := capture.NewWriter(io.Discard, capture.WriterOptions{LinkType: layers.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	cfg := af.decoderConfig()
	sv := newSaver(w, cfg.Ports)
	cfg.OnEvent = sv.onEvent
	if _, err := analyzeWith(&sliceSource{frames: s.frames}, &af, cfg, false,
		pipelineHooks{factory: sv.wrap, frame: sv.frame}); err != nil {
		t.Fatal(err)
	}
	if sv.cutConns != 1 {
		t.Errorf("cutConns = %d, want 1", sv.cutConns)
	}
	if sv.written == 0 || sv.written >= int64(len(s.frames)) {
		t.Errorf("wrote %d of %d frames, want the ones after the cut", sv.written, len(s.frames))
	}
	if sv.pendBytes != 0 {
		t.Errorf("%d bytes still held back", sv.pendBytes)
	}
}

// Fragmented FTP (IPv4 fragments, some in reverse order; IPv6 Fragment
// headers) is saved whole: every fragment of a datagram that carries an
// FTP segment, not only the one that completed it.
func TestSaverKeepsFragments(t *testing.T) {
	for _, name := range []string{"ipv4-fragments.pcap", "ipv6-fragments.pcap"} {
		t.Run(name, func(t *testing.T) {
			in := filepath.Join("..", "..", "testdata", "pcaps", name)
			src, err := capture.OpenFiles([]string{in}, capture.Options{})
			if err != nil {
				t.Skipf("capture not available: %v", err)
			}
			defer src.Close()
			path := filepath.Join(t.TempDir(), "out.pcap")
			w, err := capture.CreateFile(path, capture.WriterOptions{LinkType: layers.LinkTypeEthernet}, false)
			if err != nil {
				t.Fatal(err)
			}
			af := defaultAnalysisFlags()
			cfg := af.decoderConfig()
			sv := newSaver(w, cfg.Ports)
			cfg.OnEvent = sv.onEvent
			res, err := analyzeWith(src, &af, cfg, true, pipelineHooks{factory: sv.wrap, frame: sv.frame})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if sv.written != res.Frames {
				t.Errorf("wrote %d of the %d frames, all FTP", sv.written, res.Frames)
			}
			src2, err := capture.OpenFiles([]string{path}, capture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src2.Close()
			res2, err := analyze(src2, &af, af.decoderConfig(), true)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := digest(res.Sessions), digest(res2.Sessions); a != b {
				t.Errorf("sessions differ:\nlive:  %s\nsaved: %s", a, b)
			}
		})
	}
}
