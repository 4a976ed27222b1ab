package decoder

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

const (
	c2s = reassembly.ClientToServer
	s2c = reassembly.ServerToClient
)

// login plays a greeting and a successful login.
func login(hc *hconn) *hconn {
	return hc.S("220 ready").C("USER u").S("331 pw").C("PASS p").S("230 ok")
}

// xfer returns the only transfer of s.
func onlyXfer(t *testing.T, s *Session) *Transfer {
	t.Helper()
	if len(s.Transfers) != 1 {
		t.Fatalf("got %d transfers:\n%s", len(s.Transfers), dump(s))
	}
	return s.Transfers[0]
}

func wantXfer(t *testing.T, x *Transfer, want string) {
	t.Helper()
	if got := xferString(x); got != want {
		t.Errorf("transfer\n got %s\nwant %s", got, want)
	}
}

func TestPassiveRetrDataBeforeCommand(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("TYPE I").S("200 Switching to Binary mode.")
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80).")
	// The client connects right after the 227, before RETR.
	dc := h.dial("192.0.2.10:50001", "198.51.100.20:50000", true)
	if dc.st == nil || dc.st.Mode() != reassembly.Count {
		t.Fatalf("data connection not taken in Count mode: %v", dc.st)
	}
	hc.C("RETR /pub/file.bin").S("150 Opening BINARY mode data connection for /pub/file.bin (1000 bytes).")
	dc.bytes(s2c, 1000, 0)
	dc.close(reassembly.CloseFIN)
	hc.S("226 Transfer complete.")
	hc.C("QUIT").S("221 bye")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	wantXfer(t, onlyXfer(t, s), "RETR arg=/pub/file.bin path=/pub/file.bin download passive/PASV adv=198.51.100.20:50000 "+
		"data=192.0.2.10:50001>198.51.100.20:50000 bytes=1000 miss=0 rest=0 type=I status=226 complete=true size=1000")
	if s.Mode != ModePassive {
		t.Errorf("session mode %s", s.Mode)
	}
	if h.summary.Transfers != 1 {
		t.Errorf("summary %+v", h.summary)
	}
	// Transcript shows the data connection.
	var kinds []EntryKind
	for _, e := range s.Transcript {
		if e.Kind == EntryDataOpen || e.Kind == EntryDataClose {
			kinds = append(kinds, e.Kind)
			if e.Transfer != 0 {
				t.Errorf("data entry transfer index %d", e.Transfer)
			}
		}
	}
	if len(kinds) != 2 {
		t.Errorf("data entries %v", kinds)
	}
}

func TestActiveStor(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PORT 192,0,2,10,200,1").S("200 PORT command successful.")
	hc.C("STOR up.txt")
	dc := h.dial("198.51.100.20:20", "192.0.2.10:51201", true)
	hc.S("150 Ok to send data.")
	// Upload: the FTP client (the data connection's acceptor) sends.
	dc.bytes(s2c, 512, 0)
	dc.bytes(c2s, 0, 0)
	dc.close(reassembly.CloseFIN)
	hc.S("226 Transfer complete.")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	wantXfer(t, onlyXfer(t, s), "STOR arg=up.txt path=up.txt upload active/PORT adv=192.0.2.10:51201 "+
		"data=198.51.100.20:20>192.0.2.10:51201 bytes=512 miss=0 rest=0 type=- status=226 complete=true size=-")
	if s.Mode != ModeActive {
		t.Errorf("session mode %s", s.Mode)
	}
}

func TestNegotiationVariants(t *testing.T) {
	tests := []struct {
		name       string
		ctlC, ctlS string // control endpoints
		neg        []string
		dataC      string // data connection SYN sender
		dataS      string
		cmd        string
		want       string
	}{
		{
			name: "EPSV", ctlC: "192.0.2.10:50000", ctlS: "198.51.100.20:21",
			neg:   []string{"C EPSV", "S 229 Entering Extended Passive Mode (|||50010|)"},
			dataC: "192.0.2.10:50002", dataS: "198.51.100.20:50010", cmd: "LIST",
			want: "LIST arg=- path=- download passive/EPSV adv=198.51.100.20:50010 data=192.0.2.10:50002>198.51.100.20:50010 " +
				"bytes=300 miss=0 rest=0 type=- status=226 complete=true size=-",
		},
		{
			name: "EPRT IPv6", ctlC: "[2001:db8::1]:50000", ctlS: "[2001:db8::2]:21",
			neg:   []string{"C EPRT |2|2001:db8::1|50020|", "S 200 EPRT command successful."},
			dataC: "[2001:db8::2]:20", dataS: "[2001:db8::1]:50020", cmd: "RETR a",
			want: "RETR arg=a path=a download active/EPRT adv=[2001:db8::1]:50020 data=[2001:db8::2]:20>[2001:db8::1]:50020 " +
				"bytes=300 miss=0 rest=0 type=- status=226 complete=true size=-",
		},
		{
			name: "EPSV IPv6", ctlC: "[2001:db8::1]:50000", ctlS: "[2001:db8::2]:21",
			neg:   []string{"C EPSV 2", "S 229 Entering Extended Passive Mode (|||50021|)"},
			dataC: "[2001:db8::1]:50003", dataS: "[2001:db8::2]:50021", cmd: "NLST",
			want: "NLST arg=- path=- download passive/EPSV adv=[2001:db8::2]:50021 data=[2001:db8::1]:50003>[2001:db8::2]:50021 " +
				"bytes=300 miss=0 rest=0 type=- status=226 complete=true size=-",
		},
		{
			name: "LPRT", ctlC: "192.0.2.10:50000", ctlS: "198.51.100.20:21",
			neg:   []string{"C LPRT 4,4,192,0,2,10,2,195,80", "S 200 LPRT ok"},
			dataC: "198.51.100.20:20", dataS: "192.0.2.10:50000", cmd: "RETR b",
			want: "RETR arg=b path=b download active/LPRT adv=192.0.2.10:50000 data=198.51.100.20:20>192.0.2.10:50000 " +
				"bytes=300 miss=0 rest=0 type=- status=226 complete=true size=-",
		},
		{
			name: "LPSV", ctlC: "192.0.2.10:50000", ctlS: "198.51.100.20:21",
			neg:   []string{"C LPSV", "S 228 Entering Long Passive Mode (4,4,198,51,100,20,2,195,90)"},
			dataC: "192.0.2.10:50004", dataS: "198.51.100.20:50010", cmd: "MLSD /x",
			want: "MLSD arg=/x path=/x download passive/LPSV adv=198.51.100.20:50010 data=192.0.2.10:50004>198.51.100.20:50010 " +
				"bytes=300 miss=0 rest=0 type=- status=226 complete=true size=-",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			hc := login(h.dial(tc.ctlC, tc.ctlS, true))
			play(hc, tc.neg)
			hc.C(tc.cmd)
			dc := h.dial(tc.dataC, tc.dataS, true)
			if dc.st == nil {
				t.Fatal("data connection not recognised")
			}
			hc.S("150 Here comes the data.")
			dc.bytes(dirOfDownload(tc.want, tc.dataC, tc.ctlS), 300, 0)
			dc.close(reassembly.CloseFIN)
			hc.S("226 Done.")
			hc.close(reassembly.CloseFIN)
			wantXfer(t, onlyXfer(t, h.only()), tc.want)
		})
	}
}

// dirOfDownload is the data connection direction a download flows in:
// from the FTP server's host.
func dirOfDownload(_ string, dataC, ctlS string) reassembly.Dir {
	host := func(s string) string { return s[:strings.LastIndexByte(s, ':')] }
	if host(dataC) == host(ctlS) {
		return c2s
	}
	return s2c
}

func TestPasvNATMismatch(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	// The server is behind a NAT and advertises its public address; the
	// capture, inside, sees the client connect to the private one.
	hc.C("PASV").S("227 Entering Passive Mode (203,0,113,5,195,110)")
	hc.C("RETR f")
	dc := h.dial("192.0.2.10:50005", "198.51.100.20:50030", true)
	hc.S("150 go")
	dc.bytes(s2c, 10, 0)
	dc.close(reassembly.CloseFIN)
	hc.S("226 ok")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	x := onlyXfer(t, s)
	if !hasNote(s.Notes, "pasv_address_mismatch") || !hasNote(x.Notes, "pasv_address_mismatch") {
		t.Fatalf("notes %v / %v", s.Notes, x.Notes)
	}
	wantXfer(t, x, "RETR arg=f path=f download passive/PASV adv=203.0.113.5:50030 data=192.0.2.10:50005>198.51.100.20:50030 "+
		"bytes=10 miss=0 rest=0 type=- status=226 complete=true size=- notes=pasv_address_mismatch")
}

func TestFXPTwoSessions(t *testing.T) {
	h := newHarness(t, nil)
	// One client drives server A (passive) and server B (active, PORT
	// naming A): B connects to A and the file flows from A to B.
	a := login(h.dial("192.0.2.10:50000", "198.51.100.20:21", true))
	b := login(h.dial("192.0.2.10:50001", "203.0.113.30:21", true))
	a.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,120)")
	b.C("PORT 198,51,100,20,195,120").S("200 PORT command successful")
	b.C("STOR copy.iso")
	a.C("RETR orig.iso")
	dc := h.dial("203.0.113.30:20", "198.51.100.20:50040", true)
	a.S("150 Opening data connection (4096 bytes)")
	b.S("150 Ok to send data")
	dc.bytes(s2c, 4096, 0)
	dc.close(reassembly.CloseFIN)
	a.S("226 Transfer complete")
	b.S("226 Transfer complete")
	a.close(reassembly.CloseFIN)
	b.close(reassembly.CloseFIN)
	ss := h.finish()
	if len(ss) != 2 {
		t.Fatalf("%d sessions", len(ss))
	}
	wantXfer(t, onlyXfer(t, ss[0]), "RETR arg=orig.iso path=orig.iso download passive/PASV adv=198.51.100.20:50040 "+
		"data=203.0.113.30:20>198.51.100.20:50040 bytes=4096 miss=0 rest=0 type=- status=226 complete=true size=4096 notes=fxp")
	wantXfer(t, onlyXfer(t, ss[1]), "STOR arg=copy.iso path=copy.iso upload active/PORT adv=198.51.100.20:50040 "+
		"data=203.0.113.30:20>198.51.100.20:50040 bytes=4096 miss=0 rest=0 type=- status=226 complete=true size=- notes=port_address_mismatch,fxp")
	if !hasNote(ss[1].Notes, "port_address_mismatch") {
		t.Errorf("session B notes %v", ss[1].Notes)
	}
}

func TestNegotiationReuse(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("EPSV ALL").S("200 EPSV ALL ok")
	hc.C("EPSV").S("229 Entering Extended Passive Mode (|||50050|)")
	hc.C("LIST")
	d1 := h.dial("192.0.2.10:50006", "198.51.100.20:50050", true)
	hc.S("150 Here comes the directory listing.")
	d1.bytes(s2c, 100, 0)
	d1.close(reassembly.CloseFIN)
	hc.S("226 Directory send OK.")
	// No new negotiation: the client reuses the same port.
	hc.C("NLST")
	d2 := h.dial("192.0.2.10:50007", "198.51.100.20:50050", true)
	hc.S("150 Here comes the directory listing.")
	d2.bytes(s2c, 50, 0)
	d2.close(reassembly.CloseFIN)
	hc.S("226 Directory send OK.")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if len(s.Transfers) != 2 {
		t.Fatalf("transfers\n%s", dump(s))
	}
	wantXfer(t, s.Transfers[1], "NLST arg=- path=- download passive/EPSV adv=198.51.100.20:50050 "+
		"data=192.0.2.10:50007>198.51.100.20:50050 bytes=50 miss=0 rest=0 type=- status=226 complete=true size=-")
	if !hasNote(s.Notes, "epsv_all") {
		t.Errorf("notes %v", s.Notes)
	}
}

func TestTransferDetails(t *testing.T) {
	tests := []struct {
		name   string
		script []string
		data   int64 // bytes on the data connection; -1 for none
		miss   int64
		want   []string // expected transfers, in order
		notes  []string // session notes
	}{
		{
			name: "REST applies to the next transfer only",
			script: []string{
				"C TYPE I", "S 200 ok",
				"C REST 100", "S 350 Restarting at 100.",
				"C RETR big", "S 150 go", "S 226 ok",
				"C RETR big", "S 150 go", "S 226 ok",
			},
			data: -1,
			want: []string{
				"RETR arg=big path=big download / adv=- data=- bytes=- miss=0 rest=100 type=I status=226 complete=false size=- notes=data_not_captured",
				"RETR arg=big path=big download / adv=- data=- bytes=- miss=0 rest=0 type=I status=226 complete=false size=- notes=data_not_captured",
			},
		},
		{
			name: "refused REST does not apply",
			script: []string{
				"C REST 100\r\nRETR x", "S 502 REST not implemented", "S 550 no such file",
			},
			data: -1,
			want: []string{"RETR arg=x path=x download / adv=- data=- bytes=- miss=0 rest=0 type=- status=550 complete=false size=-"},
		},
		{
			name: "STOU name from the 150 reply",
			script: []string{
				`C PWD`, `S 257 "/incoming" is the current directory`,
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C STOU", "DATA", "S 150 FILE: upload.1", "S 226 Transfer complete.",
			},
			data: 64,
			want: []string{"STOU arg=- path=/incoming/upload.1 upload passive/PASV adv=198.51.100.20:50000 " +
				"data=192.0.2.10:50100>198.51.100.20:50000 bytes=64 miss=0 rest=0 type=- status=226 complete=true size=-"},
		},
		{
			name: "SIZE then a shorter transfer",
			script: []string{
				"C SIZE f.bin", "S 213 5000",
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C RETR f.bin", "DATA", "S 150 Opening BINARY mode data connection", "S 226 ok",
			},
			data: 4000,
			want: []string{"RETR arg=f.bin path=f.bin download passive/PASV adv=198.51.100.20:50000 " +
				"data=192.0.2.10:50100>198.51.100.20:50000 bytes=4000 miss=0 rest=0 type=- status=226 complete=true size=5000 notes=size_mismatch"},
		},
		{
			name: "missing bytes make it incomplete",
			script: []string{
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C RETR f", "DATA", "S 150 Opening (4000 bytes)", "S 226 ok",
			},
			data: 4000, miss: 1000,
			want: []string{"RETR arg=f path=f download passive/PASV adv=198.51.100.20:50000 " +
				"data=192.0.2.10:50100>198.51.100.20:50000 bytes=4000 miss=1000 rest=0 type=- status=226 complete=false size=4000"},
		},
		{
			name: "426 abort",
			script: []string{
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C RETR f", "DATA", "S 150 Opening (9000 bytes)",
				"RAW C \xff\xf4\xff\xf2ABOR\r\n", "S 426 Connection closed; transfer aborted.", "S 226 ABOR ok",
			},
			data: 2000,
			want: []string{"RETR arg=f path=f download passive/PASV adv=198.51.100.20:50000 " +
				"data=192.0.2.10:50100>198.51.100.20:50000 bytes=2000 miss=0 rest=0 type=- status=426 complete=false size=9000 notes=size_mismatch"},
		},
		{
			name: "data not captured",
			script: []string{
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C RETR f", "S 150 Opening (10 bytes)", "S 226 ok",
			},
			data: -1,
			want: []string{"RETR arg=f path=f download passive/PASV adv=198.51.100.20:50000 data=- bytes=- miss=0 rest=0 type=- status=226 complete=false size=10 notes=data_not_captured"},
		},
		{
			name: "refused RETR without data is not data_not_captured",
			script: []string{
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C RETR nope", "S 550 Failed to open file.",
			},
			data: -1,
			want: []string{"RETR arg=nope path=nope download passive/PASV adv=198.51.100.20:50000 data=- bytes=- miss=0 rest=0 type=- status=550 complete=false size=-"},
		},
		{
			name: "refused PORT is not in force",
			script: []string{
				"C PASV", "S 227 Entering Passive Mode (198,51,100,20,195,80)",
				"C PORT 192,0,2,10,1,1", "S 500 Illegal PORT command.",
				"C LIST -la", "DATA", "S 150 listing", "S 226 ok",
			},
			data: 77,
			want: []string{"LIST arg=-la path=- download passive/PASV adv=198.51.100.20:50000 " +
				"data=192.0.2.10:50100>198.51.100.20:50000 bytes=77 miss=0 rest=0 type=- status=226 complete=true size=-"},
		},
		{
			name: "RFC 959 default data port",
			script: []string{
				"C RETR plain.txt", "DEFAULT", "S 150 go", "S 226 ok",
			},
			data: 5,
			want: []string{"RETR arg=plain.txt path=plain.txt download active/ adv=- data=198.51.100.20:20>192.0.2.10:50000 " +
				"bytes=5 miss=0 rest=0 type=- status=226 complete=true size=-"},
		},
		{
			name: "pipelined PASV and RETR",
			script: []string{
				"C PASV\r\nRETR p", "S 227 Entering Passive Mode (198,51,100,20,195,80)", "DATA",
				"S 150 go", "S 226 ok",
			},
			data: 3,
			want: []string{"RETR arg=p path=p download passive/PASV adv=198.51.100.20:50000 " +
				"data=192.0.2.10:50100>198.51.100.20:50000 bytes=3 miss=0 rest=0 type=- status=226 complete=true size=-"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			hc := login(h.ctl())
			var dc *hconn
			for _, step := range tc.script {
				switch step {
				case "DATA":
					dc = h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
				case "DEFAULT":
					dc = h.dial("198.51.100.20:20", "192.0.2.10:50000", true)
				default:
					play(hc, []string{step})
					continue
				}
				if dc.st == nil {
					t.Fatal("data connection not recognised")
				}
				d := s2c
				if step == "DEFAULT" {
					d = c2s
				}
				if strings.HasPrefix(tc.want[0], "STOU") {
					d = d.Reverse()
				}
				dc.bytes(d, tc.data, tc.miss)
				dc.close(reassembly.CloseFIN)
			}
			hc.close(reassembly.CloseFIN)
			s := h.only()
			if len(s.Transfers) != len(tc.want) {
				t.Fatalf("transfers:\n%s", dump(s))
			}
			for i, w := range tc.want {
				wantXfer(t, s.Transfers[i], w)
			}
			for _, n := range tc.notes {
				if !hasNote(s.Notes, n) {
					t.Errorf("missing note %s in %v", n, s.Notes)
				}
			}
		})
	}
}

func TestSessionWaitsForDataConnection(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	hc.C("RETR f").S("150 go")
	dc.bytes(s2c, 10, 0)
	hc.close(reassembly.CloseRST)
	if len(h.sessions) != 0 {
		t.Fatal("session emitted while its data connection is open")
	}
	dc.bytes(s2c, 10, 0)
	dc.close(reassembly.CloseFIN)
	if len(h.sessions) != 1 {
		t.Fatal("session not emitted when its data connection closed")
	}
	s := h.only()
	x := onlyXfer(t, s)
	if x.Bytes == nil || *x.Bytes != 20 || x.Status != nil || x.Complete {
		t.Errorf("transfer %s", xferString(x))
	}
	if s.EndReason != EndRST {
		t.Errorf("end %s", s.EndReason)
	}
}

func TestExpectationBounds(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxExpectations = 3 })
	var ctls []*hconn
	for i := 0; i < 5; i++ {
		hc := login(h.dial("192.0.2.10:5000"+string(rune('0'+i)), "198.51.100.20:21", true))
		hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195," + string(rune('0'+i)) + ")")
		ctls = append(ctls, hc)
	}
	if h.a.exps.n != 3 {
		t.Fatalf("table holds %d", h.a.exps.n)
	}
	// The first session's expectation was evicted: its data connection
	// is not recognised.
	if dc := h.dial("192.0.2.10:50100", "198.51.100.20:49920", true); dc.st != nil && dc.st.Mode() == reassembly.Count {
		t.Error("evicted expectation matched")
	}
	// Expiry on the capture clock.
	h.now = h.now.Add(10 * 60e9)
	if dc := h.dial("192.0.2.10:50101", "198.51.100.20:49924", true); dc.st != nil && dc.st.Mode() == reassembly.Count {
		t.Error("expired expectation matched")
	}
	for _, hc := range ctls {
		hc.close(reassembly.CloseFIN)
	}
	h.finish()
	if h.summary.Limits[limitExpectations] != 2 {
		t.Errorf("limits %v", h.summary.Limits)
	}
	if !hasNote(h.sessions[0].Notes, "expectation_evicted") {
		t.Errorf("notes %v", h.sessions[0].Notes)
	}
	if h.a.exps.n != 0 || len(h.a.exps.byPort) != 0 {
		t.Errorf("table not empty after Finish: %d", h.a.exps.n)
	}
}

func TestManyPASVOneSession(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	for i := 0; i < 5000; i++ {
		p1, p2 := 100+i/256, i%256
		hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20," + strconv.Itoa(p1) + "," + strconv.Itoa(p2) + ")")
	}
	if n := len(h.a.exps.byPort); n > maxSessionExpects {
		t.Fatalf("%d ports indexed", n)
	}
	hc.close(reassembly.CloseFIN)
	h.only()
	if h.a.exps.n != 0 {
		t.Fatalf("%d expectations left", h.a.exps.n)
	}
}

// recSink records extracted content per transfer.
type recSink struct {
	got map[string]*strings.Builder
}

type recWriter struct {
	b      *strings.Builder
	closed *bool
}

func (s *recSink) Open(_ *Session, t *Transfer) ContentWriter {
	b := &strings.Builder{}
	s.got[t.Command+" "+*t.Arg] = b
	return recWriter{b: b, closed: new(bool)}
}
func (w recWriter) Write(p []byte)    { w.b.Write(p) }
func (w recWriter) Skip(n int64)      { w.b.WriteString(strings.Repeat("?", int(n))) }
func (w recWriter) Close(t *Transfer) { t.SHA256 = "closed" }

func TestContentExtraction(t *testing.T) {
	sk := &recSink{got: map[string]*strings.Builder{}}
	h := newHarness(t, func(c *Config) { c.Content = sk })
	hc := login(h.ctl())
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	if dc.st.Mode() != reassembly.Reassemble {
		t.Fatal("early data connection not reassembled for extraction")
	}
	// Data before the command (a fast server) is held, then replayed.
	dc.send(s2c, "hello ")
	hc.C("RETR a.txt").S("150 go")
	dc.gap(s2c, 2)
	dc.send(s2c, "world")
	dc.close(reassembly.CloseFIN)
	hc.S("226 ok")
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,81)")
	hc.C("LIST")
	dl := h.dial("192.0.2.10:50101", "198.51.100.20:50001", true)
	if dl.st.Mode() != reassembly.Count {
		t.Error("listing reassembled")
	}
	dl.bytes(s2c, 10, 0)
	dl.close(reassembly.CloseFIN)
	hc.S("150 here").S("226 ok")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if got := sk.got["RETR a.txt"]; got == nil || got.String() != "hello ??world" {
		t.Fatalf("content %q", got)
	}
	if s.Transfers[0].SHA256 != "closed" {
		t.Error("writer not closed")
	}
	if len(sk.got) != 1 {
		t.Errorf("extracted %d", len(sk.got))
	}
}

func TestDataWithoutTransfer(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	dc.close(reassembly.CloseFIN)
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if !hasNote(s.Notes, "data_without_transfer") || s.Mode != ModeNone {
		t.Fatalf("%s", dump(s))
	}
}

func TestListPathIsCwd(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PWD").S(`257 "/home/u" is the current directory`)
	hc.C("CWD pub").S("250 ok")
	hc.C("LIST").S("425 Use PORT or PASV first.")
	hc.C("NLST -l ../x").S("425 Use PORT or PASV first.")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if p := s.Transfers[0].Path; p == nil || *p != "/home/u/pub" {
		t.Errorf("LIST path %v", p)
	}
	if p := s.Transfers[1].Path; p == nil || *p != "/home/u/x" {
		t.Errorf("NLST path %v", p)
	}
}

func TestTransferBounds(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxTransfers = 2 })
	hc := login(h.ctl())
	for i := 0; i < 4; i++ {
		hc.C("RETR f" + strconv.Itoa(i)).S("550 no")
	}
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if len(s.Transfers) != 2 || !hasNote(s.Notes, "transfers_truncated") || h.summary.Limits[limitTransfers] != 2 {
		t.Fatalf("%s limits %v", dump(s), h.summary.Limits)
	}
	if s.Commands != 6 {
		t.Errorf("commands %d", s.Commands)
	}
}

func TestEarlyDataBound(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
	var dcs []*hconn
	for i := 0; i < maxEarly+2; i++ {
		dcs = append(dcs, h.dial("192.0.2.10:"+strconv.Itoa(50100+i), "198.51.100.20:50000", true))
	}
	for _, dc := range dcs {
		dc.close(reassembly.CloseFIN)
	}
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if !hasNote(s.Notes, "data_without_transfer") || h.summary.Limits[limitEarlyData] != 2 {
		t.Fatalf("%s %v", dump(s), h.summary.Limits)
	}
}

func TestGuessedDataConnection(t *testing.T) {
	// The capture began after the PASV: the data connection between the
	// same two hosts is taken for the waiting transfer, and noted.
	h := newHarness(t, nil)
	hc := h.dial("192.0.2.10:50000", "198.51.100.20:21", false)
	hc.C("RETR mid.bin")
	dc := h.dial("192.0.2.10:50200", "198.51.100.20:40001", true)
	hc.S("150 Opening BINARY mode data connection (77 bytes)")
	dc.bytes(s2c, 77, 0)
	dc.close(reassembly.CloseFIN)
	hc.S("226 ok")
	// A connection between other hosts is not taken.
	other := h.dial("192.0.2.99:50201", "198.51.100.20:40002", true)
	hc.close(reassembly.CloseFIN)
	s := h.only()
	wantXfer(t, onlyXfer(t, s), "RETR arg=mid.bin path=mid.bin download passive/ adv=- data=192.0.2.10:50200>198.51.100.20:40001 "+
		"bytes=77 miss=0 rest=0 type=- status=226 complete=true size=77 notes=data_guessed")
	if other.st != nil && other.st.Mode() == reassembly.Count {
		t.Error("unrelated connection taken as data")
	}
	if len(h.a.guesses) != 0 {
		t.Error("guess list not emptied")
	}
}

func TestTransferEvents(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
	hc.C("RETR f")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	hc.S("150 go")
	dc.bytes(s2c, 5, 0)
	hc.S("226 ok")
	dc.close(reassembly.CloseFIN)
	hc.C("RETR g").S("550 no")
	hc.close(reassembly.CloseFIN)
	h.finish()
	var got []string
	for _, e := range h.events {
		if strings.HasPrefix(e, "xfer") || strings.HasPrefix(e, "close") {
			got = append(got, e)
		}
	}
	if strings.Join(got, "|") != "xfer-start RETR|xfer-end RETR|xfer-end RETR|close S1" {
		t.Fatalf("events %v", got)
	}
}

func TestFinishWithDataOpen(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PASV").S("227 Entering Passive Mode (198,51,100,20,195,80)")
	hc.C("RETR f")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	hc.S("150 go")
	dc.bytes(s2c, 123, 0)
	// The assembler was not flushed: Finish still reports everything.
	s := h.only()
	x := onlyXfer(t, s)
	if x.Bytes == nil || *x.Bytes != 123 || s.EndReason != EndCaptureEnd {
		t.Fatalf("%s", dump(s))
	}
	// A late Close after Finish changes nothing and does not panic.
	dc.close(reassembly.CloseFIN)
	hc.close(reassembly.CloseFIN)
	if len(h.sessions) != 1 {
		t.Fatal("emitted twice")
	}
}
