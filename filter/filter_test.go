package filter

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// expressions are compiled for every link type and run over the corpus;
// the pcap-tagged test compares each verdict with libpcap's.
var expressions = []string{
	"", "ip", "ip6", "arp", "tcp", "udp", "sctp", "icmp", "icmp6",
	"not tcp", "! udp", "tcp or udp", "tcp || icmp", "tcp and not udp", "ip && tcp",
	"host 192.0.2.1", "src host 192.0.2.1", "dst host 192.0.2.1", "src or dst host 192.0.2.1",
	"src and dst host 192.0.2.1", "dst or src 192.0.2.1", "ip host 192.0.2.1", "arp host 192.0.2.1",
	"host 192.0.2.1 or 203.0.113.9", "host 192.0.2.1 and 198.51.100.7", "host 192.0.2.1 and not 198.51.100.7",
	"src 192.0.2.1 or dst 192.0.2.1",
	"host 2001:db8::1", "src host 2001:db8::1", "ip6 dst host 2001:db8::1", "host 2001:db8::1 or fe80::1",
	"net 192.0.2.0/24", "src net 192.0.2.0/24", "dst net 192.0.2.0/25", "net 192.0.2.128/25",
	"net 192.0.2.0 mask 255.255.255.0", "net 192.0", "net 198.51.100", "net 0.0.0.0/0",
	"net 2001:db8::/32", "net 2001:db8:1::/48", "dst net 2001:db8::/64", "net fe80::/10", "net 2001:db8::1/128",
	"port 21", "port 20", "src port 21", "dst port 21", "tcp port 21", "udp port 21", "sctp port 21",
	"port 21 or 20", "tcp port 21 or 20", "port 21 and 50000", "tcp src port 21 or dst port 20",
	"port 0", "port 65535", "src or dst port 21", "src and dst port 21",
	"portrange 20-21", "portrange 21-20", "tcp portrange 1000-60000", "src portrange 1-1023", "udp dst portrange 20-1024",
	"vlan", "vlan 5", "vlan 100", "vlan and tcp", "vlan 5 and port 21", "vlan and vlan", "vlan 5 and vlan 100 and tcp",
	"vlan 100 and host 192.0.2.1", "tcp or vlan and tcp", "not vlan and tcp", "vlan or tcp",
	"ip proto 6", "ip6 proto 17", "proto 17", "ip proto 1", "ip6 proto 58", "ip proto \\tcp", "proto 132",
	"ip[6:2] & 0x3fff != 0", "ip[9] = 6", "ip[0] & 0xf > 5", "ip[8] < 65", "ip[2:2] >= 40", "ip[2:2] <= 40",
	"tcp[13] & 2 != 0", "tcp[0:2] = 21", "udp[2:2] == 21", "tcp[4:4] = 1", "icmp[0] = 8", "ip6[6] = 6", "ip6[40:2] == 21",
	"tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)",
	"(tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)) or (vlan and (tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)))",
	"tcp port 21 and (host 192.0.2.1 or host 2001:db8::1)", "not (port 21 or port 20)", "not port 21 and not port 20",
	"(tcp and port 21) or (udp and port 20)", "((((tcp))))", "tcp and port 21 or udp", "udp or tcp and port 21",
	"host 192.0.2.1 and (port 21 or 20)", "ether[12:2] = 0x800", "ether[0] & 1 = 0",
	"ip and ip6", "tcp and not port 21 and not port 20 and not port 22",
}

func TestTable(t *testing.T) {
	ftp := v4(t, "192.0.2.1", "198.51.100.7", layers.IPProtocolTCP, 50000, 21, false, 0, false)
	data := v4(t, "198.51.100.7", "192.0.2.1", layers.IPProtocolTCP, 20, 40000, false, 0, false)
	opts := v4(t, "192.0.2.1", "198.51.100.7", layers.IPProtocolTCP, 50000, 21, true, 0, false)
	later := v4(t, "192.0.2.1", "198.51.100.7", layers.IPProtocolTCP, 50000, 21, false, 100, false)
	dns := v4(t, "203.0.113.9", "192.0.2.53", layers.IPProtocolUDP, 5353, 53, false, 0, false)
	ftp6 := v6(t, "2001:db8::1", "2001:db8:1::7", layers.IPProtocolTCP, 50000, 21, false)
	frag6 := v6(t, "2001:db8::1", "2001:db8:1::7", layers.IPProtocolTCP, 50000, 21, true)
	arp := arpPkt(t, "192.0.2.1", "192.0.2.254")
	eth := func(b []byte, v6, isARP bool, vlans ...uint16) []byte {
		f, _ := pkt{net: b, v6: v6, arp: isARP}.frame(layers.LinkTypeEthernet, vlans...)
		return f
	}
	for _, c := range []struct {
		expr  string
		frame []byte
		want  bool
	}{
		{"tcp port 21", eth(ftp, false, false), true},
		{"tcp port 21", eth(data, false, false), false},
		{"port 21 or 20", eth(data, false, false), true},
		{"tcp port 21", eth(opts, false, false), true},
		{"tcp dst port 21", eth(opts, false, false), true},
		{"tcp src port 21", eth(opts, false, false), false},
		{"port 21", eth(later, false, false), false},
		{"tcp", eth(later, false, false), true},
		{"ip[6:2] & 0x3fff != 0", eth(later, false, false), true},
		{"ip[6:2] & 0x3fff != 0", eth(ftp, false, false), false},
		{"udp port 53", eth(dns, false, false), true},
		{"tcp port 53", eth(dns, false, false), false},
		{"host 192.0.2.1", eth(ftp, false, false), true},
		{"host 192.0.2.1", eth(dns, false, false), false},
		{"host 192.0.2.1", eth(arp, false, true), true},
		{"ip host 192.0.2.1", eth(arp, false, true), false},
		{"src host 192.0.2.1", eth(data, false, false), false},
		{"dst host 192.0.2.1", eth(data, false, false), true},
		{"src and dst net 192.0.2.0/24", eth(ftp, false, false), false},
		{"src or dst net 198.51.100.0/24", eth(ftp, false, false), true},
		{"net 192.0.2.0 mask 255.255.255.0", eth(dns, false, false), true},
		{"host 198.51.100.7 or 203.0.113.9", eth(dns, false, false), true},
		{"host 2001:db8:1::7", eth(ftp6, true, false), true},
		{"tcp port 21", eth(ftp6, true, false), true},
		{"tcp", eth(frag6, true, false), true},
		{"port 21", eth(frag6, true, false), false},
		{"tcp port 21", eth(ftp, false, false, 5), false},
		{"vlan and tcp port 21", eth(ftp, false, false, 5), true},
		{"vlan 5 and tcp port 21", eth(ftp, false, false, 5), true},
		{"vlan 6 and tcp port 21", eth(ftp, false, false, 5), false},
		{"vlan 5 and vlan 6 and tcp", eth(ftp, false, false, 5, 6), true},
		{"not tcp", eth(dns, false, false), true},
		{"tcp and not port 21", eth(data, false, false), true},
		{"", eth(dns, false, false), true},
	} {
		m, err := NewMatcher(c.expr, layers.LinkTypeEthernet)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if got := m.Match(c.frame); got != c.want {
			t.Errorf("%q: match = %v, want %v", c.expr, got, c.want)
		}
	}
}

// TestEveryLinkType compiles every expression for every link type and
// runs it over the corpus: the VM accepts every program and runs it to a
// verdict on every frame.
func TestEveryLinkType(t *testing.T) {
	pkts := corpus(t)
	for _, l := range linkTypes {
		for _, e := range expressions {
			prog, err := Compile(e, l.lt)
			if err != nil {
				var fe *Error
				if !errors.As(err, &fe) {
					t.Errorf("%s %q: error %v is not *Error", l.lt, e, err)
				}
				continue
			}
			vm, err := bpf.NewVM(prog)
			if err != nil {
				t.Errorf("%s %q: %v", l.lt, e, err)
				continue
			}
			for _, p := range pkts {
				if f, ok := p.frame(l.lt, l.vlans[len(l.vlans)-1]...); ok {
					if _, err := vm.Run(f); err != nil {
						t.Errorf("%s %q on %s: %v", l.lt, e, p.name, err)
					}
				}
			}
		}
	}
}

// TestLinkOffsets runs "tcp port 21" on one packet wrapped for each link.
func TestLinkOffsets(t *testing.T) {
	p4 := pkt{net: v4(t, "192.0.2.1", "198.51.100.7", layers.IPProtocolTCP, 21, 50000, false, 0, false)}
	p6 := pkt{net: v6(t, "2001:db8::1", "2001:db8:1::7", layers.IPProtocolTCP, 50000, 21, false), v6: true}
	for _, l := range linkTypes {
		for _, p := range []pkt{p4, p6} {
			f, ok := p.frame(l.lt)
			if !ok {
				continue
			}
			for expr, want := range map[string]bool{"tcp port 21": true, "udp": false, "port 20": false, "ip or ip6": true} {
				m, err := NewMatcher(expr, l.lt)
				if err != nil {
					t.Fatalf("%s %q: %v", l.lt, expr, err)
				}
				if got := m.Match(f); got != want {
					t.Errorf("%s v6=%v %q: %v, want %v", l.lt, p.v6, expr, got, want)
				}
			}
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"tcp and hots 1.2.3.4", `bpf: at 9: unknown primitive "hots" (did you mean host?)`},
		{"prot 21", `bpf: at 1: unknown primitive "prot" (did you mean port?)`},
		{"tcp and", `bpf: at 8: expression ends where a primitive was expected`},
		{"(tcp", `bpf: at 5: expected ")" to close the "(" at 1, found end of expression`},
		{"tcp)", `bpf: at 4: unexpected ")" after a complete expression (missing and/or?)`},
		{"host example.com", `bpf: at 6: host names are not resolved; give an address instead of "example.com"`},
		{"port ftp", `bpf: at 6: port names are not resolved; give a number instead of "ftp"`},
		{"port 70000", `bpf: at 6: port 70000 is above 65535`},
		{"net 192.0.2.1/24", `bpf: at 5: non-network bits set in "192.0.2.1/24"`},
		{"vlan 5000", `bpf: at 6: vlan id must be 0-4095, found "5000"`},
		{"tcp host 192.0.2.1", `bpf: at 10: "tcp" cannot qualify an IPv4 host`},
		{"ip host 2001:db8::1", `bpf: at 9: "ip" cannot qualify an IPv6 host`},
		{"ip[6:3] = 1", `bpf: at 6: size must be 1, 2 or 4, found "3"`},
		{"less 100", `bpf: at 1: primitive "less" is not supported by this filter compiler`},
		{"tcp # x", `bpf: at 5: unexpected character "#"`},
		{"tcp \x1b[31m", `bpf: at 5: unexpected character "\x1b"`},
		{"host", `bpf: at 5: host needs a value, found end of expression`},
	} {
		_, err := Compile(c.expr, layers.LinkTypeEthernet)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error %v, want %s", c.expr, err, c.want)
		}
	}
	if _, err := Compile("vlan", layers.LinkTypeRaw); err == nil || !strings.Contains(err.Error(), "vlan is not supported on raw IP links") {
		t.Errorf("vlan on raw IP: %v", err)
	}
	if _, err := Compile("ip6 or icmp6", layers.LinkTypeIPv4); err == nil || err.Error() != "bpf: at 1: expression rejects every packet on raw IPv4 links" {
		t.Errorf("ip6 on raw IPv4: %v", err)
	}
	if _, err := Compile("tcp", layers.LinkTypeFDDI); err == nil {
		t.Error("FDDI compiled")
	}
}

// TestLongExpression: a program far longer than 255 instructions still
// assembles (far jumps go through JA) and still means the same.
func TestLongExpression(t *testing.T) {
	expr := longExpression
	prog, err := Compile(expr, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) < 600 {
		t.Fatalf("program of %d instructions: too short to test far jumps", len(prog))
	}
	if _, err := bpf.Assemble(prog); err != nil {
		t.Fatal(err)
	}
	far := false
	for _, in := range prog {
		if j, ok := in.(bpf.Jump); ok && j.Skip > 255 {
			far = true
		}
	}
	if !far {
		t.Error("no JA of more than 255: the test does not exercise far jumps")
	}
	m, err := NewMatcher(expr, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		src  string
		port uint16
		want bool
	}{{"192.0.2.1", 21, true}, {"192.0.2.150", 21, true}, {"192.0.2.151", 21, false}, {"192.0.2.150", 22, false}} {
		f, _ := pkt{net: v4(t, c.src, "203.0.113.1", layers.IPProtocolTCP, 40000, c.port, false, 0, false)}.frame(layers.LinkTypeEthernet)
		if got := m.Match(f); got != c.want {
			t.Errorf("%s port %d: %v, want %v", c.src, c.port, got, c.want)
		}
	}
	var huge []string
	for i := 0; i < 1000; i++ {
		huge = append(huge, "port 21")
	}
	if _, err := Compile(strings.Join(huge, " or "), layers.LinkTypeEthernet); err == nil || !strings.Contains(err.Error(), "more than the kernel's 4096") {
		t.Errorf("huge program: %v", err)
	}
}

// longExpression compiles to far more than 255 instructions.
var longExpression = func() string {
	var parts []string
	for i := 1; i <= 150; i++ {
		parts = append(parts, fmt.Sprintf("host 192.0.2.%d", i))
	}
	return "(" + strings.Join(parts, " or ") + ") and tcp port 21"
}()

// BenchmarkMatch is the user-space cost of a filter per frame (read --bpf).
func BenchmarkMatch(b *testing.B) {
	f, _ := pkt{net: v4(b, "192.0.2.1", "198.51.100.7", layers.IPProtocolTCP, 50000, 21, false, 0, false)}.frame(layers.LinkTypeEthernet)
	for _, expr := range []string{"tcp port 21", "tcp or (ip[6:2] & 0x3fff != 0) or (ip6 and not ip6 proto 17 and not ip6 proto 58)", longExpression} {
		m, err := NewMatcher(expr, layers.LinkTypeEthernet)
		if err != nil {
			b.Fatal(err)
		}
		name := expr
		if len(name) > 20 {
			name = name[:20]
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				m.Match(f)
			}
		})
	}
}

func TestKernelVLAN(t *testing.T) {
	prog, err := CompileOptions("vlan 5 and tcp", layers.LinkTypeEthernet, Options{KernelVLAN: true, Snaplen: 1500})
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprint(prog)
	if !strings.Contains(s, "ld #vlanavail") && !strings.Contains(s, "vlan") {
		t.Errorf("no ancillary VLAN load in %v", prog)
	}
	if r, ok := prog[len(prog)-2].(bpf.RetConstant); !ok || r.Val != 1500 {
		t.Errorf("accept returns %v, want 1500", prog[len(prog)-2])
	}
	if _, err := bpf.Assemble(prog); err != nil {
		t.Fatal(err)
	}
}

func FuzzCompile(f *testing.F) {
	for _, e := range expressions {
		f.Add(e)
	}
	f.Add("tcp and hots 1.2.3.4")
	f.Add("ip[6:2 & 1")
	f.Fuzz(func(t *testing.T, expr string) {
		for _, l := range linkTypes {
			prog, err := Compile(expr, l.lt)
			if err != nil {
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("error is not one line: %q", err)
				}
				if !strings.HasPrefix(err.Error(), "bpf: at ") {
					t.Fatalf("error without position: %q", err)
				}
				continue
			}
			vm, err := bpf.NewVM(prog)
			if err != nil {
				t.Fatalf("%q compiles to a program the VM rejects: %v", expr, err)
			}
			_, _ = vm.Run(make([]byte, 64))
		}
	})
}
