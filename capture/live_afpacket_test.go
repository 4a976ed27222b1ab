//go:build linux

package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
)

func TestRingLayout(t *testing.T) {
	for _, c := range []struct {
		buf, snap, page       int
		frame, block, nblocks int
		ok                    bool
	}{
		// The default: 64 KiB packets, 16 MiB, blocks of 2 MiB.
		{DefaultBufferSize, DefaultSnaplen, 4096, 131072, 2 << 20, 8, true},
		{256 << 20, DefaultSnaplen, 4096, 131072, 16 << 20, 16, true},
		{16 << 20, 1500, 4096, 2048, 256 << 10, 64, true},
		{16 << 20, 1400, 4096, 2048, 256 << 10, 64, true},
		{16 << 20, 100, 4096, 128, 16 << 10, 1024, true},
		{64 << 10, 100, 4096, 128, 8192, 8, true},
		{64 << 10, DefaultSnaplen, 4096, 131072, 131072, 0, false},
	} {
		f, b, n, ok := ringLayout(c.buf, c.snap, c.page)
		if f != c.frame || b != c.block || n != c.nblocks || ok != c.ok {
			t.Errorf("ringLayout(%d, %d, %d) = %d, %d, %d, %v; want %d, %d, %d, %v",
				c.buf, c.snap, c.page, f, b, n, ok, c.frame, c.block, c.nblocks, c.ok)
		}
		if ok && (b%c.page != 0 || b%f != 0 || b&(b-1) != 0) {
			t.Errorf("ringLayout(%d, %d): block %d is not a power of two of pages holding whole frames of %d", c.buf, c.snap, b, f)
		}
	}
}

func TestAFPacketErrors(t *testing.T) {
	_, err := OpenAFPacket(AFPacketOptions{LiveOptions: LiveOptions{Interface: "ftpsniff-none0"}})
	if !errors.Is(err, ErrNoInterface) || !strings.Contains(err.Error(), "ftpsniff-none0") {
		t.Errorf("missing interface: %v", err)
	}
	if os.Geteuid() != 0 {
		return
	}
	_, err = OpenAFPacket(AFPacketOptions{LiveOptions: LiveOptions{Interface: "lo", Filter: "tcp and hots 1.2.3.4", CustomFilter: true}})
	if !errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), `did you mean host?`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad filter: %v", err)
	}
}

func TestSystemInterfaces(t *testing.T) {
	ifs, err := SystemInterfaces()
	if err != nil {
		t.Fatal(err)
	}
	var lo, any bool
	for _, i := range ifs {
		lo = lo || i.Name == "lo"
		any = any || i.Name == AnyInterface
		if i.Name == "lo" && !strings.Contains(strings.Join(i.Flags, " "), "loopback") {
			t.Errorf("lo flags %v", i.Flags)
		}
	}
	if !lo || !any {
		t.Errorf("lo listed %v, any listed %v: %+v", lo, any, ifs)
	}
}

// The helper process: the test binary run again inside a namespace by
// `ip netns exec`, in one of three roles (environment FTPSNIFF_AF_ROLE).
const (
	roleEnv   = "FTPSNIFF_AF_ROLE"
	labServer = "192.0.2.1"
	labClient = "192.0.2.2"
	// The injected 802.1Q frames: labTagged with VLAN labVLAN, then
	// labUntagged without a tag, all TCP to labTCPPort.
	labVLAN     = 100
	labTagged   = 5
	labUntagged = 3
	labTCPPort  = 2121
	labUDPPort  = 5353
	labPayload  = "USER anonymous from ftpsniff"
)

func TestAFPacketHelperProcess(t *testing.T) {
	role := os.Getenv(roleEnv)
	if role == "" {
		t.Skip("run by TestAFPacketNetns inside a network namespace")
	}
	var err error
	switch role {
	case "server":
		err = labServe()
	case "client":
		err = labClientRun()
	case "inject":
		err = labInject(os.Getenv("FTPSNIFF_AF_IF"))
	case "capture":
		err = labCapture(os.Getenv("FTPSNIFF_AF_IF"), os.Getenv("FTPSNIFF_AF_FILTER"), os.Getenv("FTPSNIFF_AF_SOCKETS"))
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func labServe() error {
	ln, err := net.Listen("tcp", net.JoinHostPort(labServer, strconv.Itoa(labTCPPort)))
	if err != nil {
		return err
	}
	fmt.Println("ready")
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(io.LimitReader(c, 1<<16))
	_, _ = c.Write([]byte("got " + strconv.Itoa(len(b))))
	return c.Close()
}

func labClientRun() error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(labServer, strconv.Itoa(labTCPPort)), 5*time.Second)
	if err != nil {
		return err
	}
	if _, err := c.Write([]byte(labPayload)); err != nil {
		return err
	}
	_ = c.(*net.TCPConn).CloseWrite()
	_, _ = io.ReadAll(c)
	c.Close()
	// Unconnected, so the server's ICMP port unreachable does not fail
	// the next datagram.
	u, err := net.ListenPacket("udp", net.JoinHostPort(labClient, "0"))
	if err != nil {
		return err
	}
	to := &net.UDPAddr{IP: net.ParseIP(labServer), Port: labUDPPort}
	for i := 0; i < 3; i++ {
		if _, err := u.WriteTo([]byte("udp datagram"), to); err != nil {
			return err
		}
	}
	return u.Close()
}

// labInject writes TCP SYNs to the server out of dev: labTagged in
// 802.1Q frames of VLAN labVLAN, then labUntagged plain.
func labInject(dev string) error {
	tp, err := afpacket.NewTPacket(afpacket.OptInterface(dev))
	if err != nil {
		return err
	}
	defer tp.Close()
	for i := 0; i < labTagged+labUntagged; i++ {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(labClient).To4(), DstIP: net.ParseIP(labServer).To4()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(40000 + i), DstPort: labTCPPort, SYN: true, Window: 1000}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		ls := []gopacket.SerializableLayer{eth, ip, tcp}
		if i < labTagged {
			eth.EthernetType = layers.EthernetTypeDot1Q
			ls = []gopacket.SerializableLayer{eth, &layers.Dot1Q{VLANIdentifier: labVLAN, Type: layers.EthernetTypeIPv4}, ip, tcp}
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
			return err
		}
		if err := tp.WritePacketData(buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// labCapture opens sockets AF_PACKET sockets on dev (a fanout group when
// more than one), prints "ready", prints one line per frame until stdin
// closes and the link is quiet, then the statistics.
func labCapture(dev, expr, sockets string) error {
	n, _ := strconv.Atoi(sockets)
	n = max(n, 1)
	lo := LiveOptions{Interface: dev, Promisc: true, ReadTimeout: 50 * time.Millisecond}
	if expr != "default" {
		lo.Filter, lo.CustomFilter = expr, true
	}
	var srcs []LiveSource
	for i := 0; i < n; i++ {
		o := AFPacketOptions{LiveOptions: lo}
		if n > 1 {
			o.Fanout, o.FanoutID = FanoutHash, 4242
		}
		s, err := OpenAFPacket(o)
		if err != nil {
			return err
		}
		defer s.Close()
		srcs = append(srcs, s)
	}
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	fmt.Println("ready")
	quiet := 0
	for quiet < 4 {
		idle := true
		for i, s := range srcs {
			f, err := s.Next()
			if errors.Is(err, ErrIdle) {
				continue
			}
			if err != nil {
				return err
			}
			idle = false
			fmt.Printf("frame %d %s\n", i, describeFrame(f))
		}
		select {
		case <-stop:
			if idle {
				quiet++
			}
		default:
		}
	}
	for i, s := range srcs {
		st, err := s.Stats()
		if err != nil {
			return err
		}
		fmt.Printf("stats %d %d %d %s\n", i, st.Received, st.DroppedKernel, s.Filter())
	}
	return nil
}

// describeFrame is "tcp|udp|icmp|other src:port>dst:port payload-len".
func describeFrame(f Frame) string {
	p := gopacket.NewPacket(f.Data, f.LinkType, gopacket.NoCopy)
	var src, dst string
	if ip, ok := p.NetworkLayer().(*layers.IPv4); ok {
		src, dst = ip.SrcIP.String(), ip.DstIP.String()
	} else if ip, ok := p.NetworkLayer().(*layers.IPv6); ok {
		src, dst = ip.SrcIP.String(), ip.DstIP.String()
	}
	if q, ok := p.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q); ok {
		src = fmt.Sprintf("vlan%d:%s", q.VLANIdentifier, src)
	}
	switch l := p.TransportLayer().(type) {
	case *layers.TCP:
		return fmt.Sprintf("tcp %s:%d>%s:%d %d", src, l.SrcPort, dst, l.DstPort, len(l.Payload))
	case *layers.UDP:
		return fmt.Sprintf("udp %s:%d>%s:%d %d", src, l.SrcPort, dst, l.DstPort, len(l.Payload))
	}
	if p.Layer(layers.LayerTypeICMPv4) != nil {
		return "icmp " + src + ">" + dst
	}
	return "other " + src + ">" + dst
}

// netnsLab is two network namespaces joined by a veth pair: srvNS holds
// srvDev (192.0.2.1), cliNS cliDev (192.0.2.2).
type netnsLab struct {
	srvNS, cliNS, srvDev, cliDev string
}

func newNetnsLab(t *testing.T) *netnsLab {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces (run as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2)")
	}
	pid := os.Getpid() % 100000
	l := &netnsLab{srvNS: fmt.Sprintf("ftpsniff-af-srv-%d", pid), cliNS: fmt.Sprintf("ftpsniff-af-cli-%d", pid),
		srvDev: fmt.Sprintf("fsafs%d", pid), cliDev: fmt.Sprintf("fsafc%d", pid)}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	run("ip", "netns", "add", l.srvNS)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", l.srvNS).Run() })
	run("ip", "netns", "add", l.cliNS)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", l.cliNS).Run() })
	run("ip", "link", "add", l.srvDev, "netns", l.srvNS, "type", "veth", "peer", "name", l.cliDev, "netns", l.cliNS)
	for _, s := range [][3]string{{l.srvNS, l.srvDev, labServer}, {l.cliNS, l.cliDev, labClient}} {
		run("ip", "-n", s[0], "addr", "add", s[2]+"/24", "dev", s[1])
		run("ip", "-n", s[0], "link", "set", s[1], "up")
		run("ip", "-n", s[0], "link", "set", "lo", "up")
		if _, err := exec.LookPath("ethtool"); err == nil {
			run("ip", "netns", "exec", s[0], "ethtool", "-K", s[1], "tso", "off", "gso", "off", "gro", "off", "tx", "off")
		} else {
			t.Log("no ethtool: offloads stay on")
		}
	}
	return l
}

// helper starts the test binary in ns in role, waiting for "ready" when
// it is long-running.
func (l *netnsLab) helper(t *testing.T, ns, role string, env ...string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "-test.run=^TestAFPacketHelperProcess$")
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(stdout)
	if role != "client" && role != "inject" {
		if !sc.Scan() || sc.Text() != "ready" {
			t.Fatalf("%s helper did not start: %q %v", role, sc.Text(), sc.Err())
		}
	}
	return cmd, stdin, sc
}

// exchange runs one capture on dev with filter expr (and sockets sockets in a
// fanout group) while the client talks to the server; it returns the
// frame lines and the statistics lines.
// With inject, the client namespace injects frames instead (role
// inject) and no connection is made.
func (l *netnsLab) exchange(t *testing.T, dev, expr string, sockets int, inject bool) (frames, stats []string) {
	t.Helper()
	capCmd, capIn, capOut := l.helper(t, l.srvNS, "capture", "FTPSNIFF_AF_IF="+dev, "FTPSNIFF_AF_FILTER="+expr,
		"FTPSNIFF_AF_SOCKETS="+strconv.Itoa(sockets))
	if !inject {
		srv, _, _ := l.helper(t, l.srvNS, "server")
		cli, _, cliOut := l.helper(t, l.cliNS, "client")
		for cliOut.Scan() {
			t.Logf("client: %s", cliOut.Text())
		}
		if err := cli.Wait(); err != nil {
			t.Fatalf("client: %v", err)
		}
		if err := srv.Wait(); err != nil {
			t.Fatalf("server: %v", err)
		}
	} else {
		inj, _, injOut := l.helper(t, l.cliNS, "inject", "FTPSNIFF_AF_IF="+l.cliDev)
		for injOut.Scan() {
			t.Logf("inject: %s", injOut.Text())
		}
		if err := inj.Wait(); err != nil {
			t.Fatalf("inject: %v", err)
		}
	}
	capIn.Close()
	for capOut.Scan() {
		line := capOut.Text()
		switch {
		case strings.HasPrefix(line, "frame "):
			frames = append(frames, strings.TrimPrefix(line, "frame "))
		case strings.HasPrefix(line, "stats "):
			stats = append(stats, strings.TrimPrefix(line, "stats "))
		default:
			t.Errorf("capture: %s", line)
		}
	}
	if err := capCmd.Wait(); err != nil {
		t.Fatalf("capture: %v", err)
	}
	return frames, stats
}

// TestAFPacketNetns captures real traffic on a veth pair in namespaces
// of its own and checks what the kernel filter let through.
func TestAFPacketNetns(t *testing.T) {
	l := newNetnsLab(t)
	port := ":" + strconv.Itoa(labTCPPort)
	count := func(frames []string, pred func(string) bool) int {
		n := 0
		for _, f := range frames {
			if pred(f) {
				n++
			}
		}
		return n
	}
	isFTP := func(f string) bool { return strings.Contains(f, " tcp ") && strings.Contains(f, port) }
	isUDP := func(f string) bool { return strings.Contains(f, " udp ") }
	withPayload := func(f string) bool { return isFTP(f) && strings.HasSuffix(f, " "+strconv.Itoa(len(labPayload))) }

	t.Run("filter", func(t *testing.T) {
		frames, stats := l.exchange(t, l.srvDev, "tcp port 2121", 1, false)
		if n := count(frames, isFTP); n < 6 {
			t.Errorf("%d frames of the TCP connection, want at least 6 (handshake, data, close): %q", n, frames)
		}
		if count(frames, withPayload) != 1 {
			t.Errorf("the client's payload was not captured once: %q", frames)
		}
		if n := len(frames) - count(frames, isFTP); n != 0 {
			t.Errorf("%d frames the filter should have dropped: %q", n, frames)
		}
		checkStats(t, stats, len(frames), "tcp port 2121")
	})
	t.Run("no filter", func(t *testing.T) {
		frames, stats := l.exchange(t, l.srvDev, "", 1, false)
		if count(frames, isFTP) < 6 || count(frames, isUDP) != 3 {
			t.Errorf("want the TCP connection and 3 UDP datagrams: %q", frames)
		}
		checkStats(t, stats, len(frames), "")
	})
	t.Run("default filter", func(t *testing.T) {
		frames, stats := l.exchange(t, l.srvDev, "default", 1, false)
		if count(frames, isFTP) < 6 || count(frames, isUDP) != 0 {
			t.Errorf("want the TCP connection and no UDP: %q", frames)
		}
		checkStats(t, stats, len(frames), DefaultFilter)
	})
	// The receiving veth moves the 802.1Q tag into metadata before the
	// filter runs (the kernel does so on every device); the frames are
	// read with the tag put back.
	t.Run("vlan", func(t *testing.T) {
		const inject = true
		tagged := func(f string) bool { return isFTP(f) && strings.Contains(f, "vlan"+strconv.Itoa(labVLAN)+":") }
		frames, _ := l.exchange(t, l.srvDev, "vlan 100 and tcp port 2121", 1, inject)
		if n := count(frames, tagged); n != labTagged || len(frames) != labTagged {
			t.Errorf("%d tagged frames in %q, want %d and nothing else", n, frames, labTagged)
		}
		frames, _ = l.exchange(t, l.srvDev, "vlan 200 and tcp", 1, inject)
		if len(frames) != 0 {
			t.Errorf("vlan 200 matched: %q", frames)
		}
		frames, _ = l.exchange(t, l.srvDev, "default", 1, inject)
		if count(frames, tagged) != labTagged || count(frames, isFTP) != labTagged+labUntagged {
			t.Errorf("the default filter kept %q, want %d tagged and %d untagged SYNs", frames, labTagged, labUntagged)
		}
	})
	// "any" is cooked: frames start at the IP header.
	t.Run("any", func(t *testing.T) {
		frames, stats := l.exchange(t, AnyInterface, "tcp port 2121", 1, false)
		if count(frames, isFTP) < 6 || count(frames, withPayload) != 1 || len(frames) != count(frames, isFTP) {
			t.Errorf("on any: %q", frames)
		}
		checkStats(t, stats, len(frames), "tcp port 2121")
	})
	t.Run("fanout", func(t *testing.T) {
		frames, stats := l.exchange(t, l.srvDev, "tcp port 2121", 2, false)
		per := map[string]int{}
		for _, f := range frames {
			if isFTP(f) {
				per[strings.Fields(f)[0]]++
			}
		}
		// One connection hashes to one socket in both directions.
		if len(per) != 1 {
			t.Errorf("the connection's frames were spread over sockets %v: %q", per, frames)
		}
		if count(frames, isFTP) < 6 || len(stats) != 2 {
			t.Errorf("fanout capture: %q, stats %q", frames, stats)
		}
	})
}

// checkStats: one socket's line "0 received dropped filter".
func checkStats(t *testing.T, stats []string, frames int, filter string) {
	t.Helper()
	if len(stats) != 1 {
		t.Fatalf("stats lines %q", stats)
	}
	f := strings.SplitN(stats[0], " ", 4)
	recv, _ := strconv.Atoi(f[1])
	if recv < frames {
		t.Errorf("stats say %d received, %d frames were read", recv, frames)
	}
	if got := strings.TrimSpace(strings.Join(f[3:], " ")); got != filter {
		t.Errorf("Filter() = %q, want %q", got, filter)
	}
}
