package decoder

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// record builds a TLS record of content type typ with n body bytes.
func tlsRecord(typ byte, n int) []byte {
	b := []byte{typ, 3, 3, byte(n >> 8), byte(n)}
	return append(b, bytes.Repeat([]byte{0xAA}, n)...)
}

func TestTLSWalkerSplits(t *testing.T) {
	var stream []byte
	stream = append(stream, tlsRecord(22, 300)...)
	stream = append(stream, tlsRecord(20, 1)...)
	stream = append(stream, tlsRecord(23, 0)...)
	stream = append(stream, tlsRecord(23, 5000)...)
	stream = append(stream, tlsRecord(21, 2)...)
	tail := []byte("227 Entering Passive Mode (198,51,100,20,195,80)\r\n")
	all := append(append([]byte{}, stream...), tail...)
	for cut := 0; cut <= len(all); cut++ {
		var w tlsWalker
		consumed, bad := 0, false
		for _, part := range [][]byte{all[:cut], all[cut:]} {
			if bad {
				break
			}
			n, b := w.walk(part)
			consumed += n
			bad = b
		}
		if !bad || w.records != 5 {
			t.Fatalf("cut %d: bad=%v records=%d", cut, bad, w.records)
		}
		// The cleartext is handed back whole when the cut is not inside
		// the would-be header; a header straddling the cut loses only
		// the bytes before the cut.
		if cut <= len(stream) || cut >= len(stream)+tlsHeaderLen {
			if consumed != len(stream) {
				t.Fatalf("cut %d: consumed %d want %d", cut, consumed, len(stream))
			}
		}
	}
}

func TestPlausibleTLSHeader(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want bool
	}{
		{[]byte{22, 3, 1, 0, 200}, true},
		{[]byte{23, 3, 3, 0x48, 0}, true},  // 18432 = 2^14+2048
		{[]byte{23, 3, 3, 0x48, 1}, false}, // one more
		{[]byte{24, 3, 3, 0, 1}, true},     // heartbeat
		{[]byte{25, 3, 3, 0, 1}, false},
		{[]byte{22, 2, 0, 0, 1}, false},
		{[]byte{22, 3, 9, 0, 1}, false},
		{[]byte("USER "), false},
		{[]byte{22}, true},
		{[]byte{}, true},
	} {
		if got := plausibleTLSHeader(tc.b); got != tc.want {
			t.Errorf("%v: %v", tc.b, got)
		}
	}
}

func tlsEntries(s *Session) []string {
	var out []string
	for _, e := range s.Transcript {
		if e.Kind == EntryTLS {
			out = append(out, e.Text)
		}
	}
	return out
}

func TestAuthTLSAndCCC(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.ctl()
	hc.S("220 ready").C("AUTH TLS")
	// The 234 and the server's first record in one segment, to check
	// the switch happens right after the line.
	hc.send(s2c, "234 Proceed with negotiation.\r\n"+string(tlsRecord(22, 90)))
	hc.send(c2s, string(tlsRecord(22, 200)))
	hc.send(s2c, string(tlsRecord(20, 1))+string(tlsRecord(22, 40)))
	hc.send(c2s, string(tlsRecord(23, 30))) // USER, PASS, CCC: encrypted
	hc.send(s2c, string(tlsRecord(23, 30)))
	// close_notify in each direction, then cleartext (RFC 4217 12.3).
	hc.send(c2s, string(tlsRecord(21, 26))+"PASV\r\n")
	hc.send(s2c, string(tlsRecord(21, 26)))
	hc.S("227 Entering Passive Mode (198,51,100,20,195,80)")
	hc.C("LIST")
	dc := h.dial("192.0.2.10:50100", "198.51.100.20:50000", true)
	hc.S("150 Here comes the directory listing.")
	dc.bytes(s2c, 42, 0)
	dc.close(reassembly.CloseFIN)
	hc.S("226 ok").C("QUIT").S("221 bye")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if !s.TLS || s.TLSRecords != 8 {
		t.Fatalf("tls=%v records=%d", s.TLS, s.TLSRecords)
	}
	got := strings.Join(tlsEntries(s), "|")
	want := "AUTH TLS accepted: control connection switches to TLS|cleartext resumed (client)|cleartext resumed (server)"
	if got != want {
		t.Errorf("TLS entries\n got %s\nwant %s", got, want)
	}
	if s.Commands != 4 || s.EndReason != EndQuit {
		t.Errorf("%s", dump(s))
	}
	x := onlyXfer(t, s)
	if x.Bytes == nil || *x.Bytes != 42 || !x.Complete {
		t.Errorf("transfer after CCC: %s", xferString(x))
	}
	if len(s.Notes) != 0 {
		t.Errorf("notes %v", s.Notes)
	}
}

func TestAuthTLSRefused(t *testing.T) {
	for _, code := range []string{"500", "502", "504", "534"} {
		h := newHarness(t, nil)
		hc := h.ctl()
		hc.S("220 ready").C("AUTH TLS").S(code + " AUTH not available").C("USER a").S("331 pw").C("PASS b").S("230 ok")
		hc.close(reassembly.CloseFIN)
		s := h.only()
		if s.TLS || !hasNote(s.Notes, "auth_tls_refused") || s.Login != OutcomeSuccess {
			t.Errorf("%s: %s", code, dump(s))
		}
	}
}

func TestAuthTLSPipelinedNextCommand(t *testing.T) {
	// The client does not wait for the 234 and sends a cleartext
	// command: no TLS on its side.
	h := newHarness(t, nil)
	hc := h.ctl()
	hc.S("220 ready").C("AUTH SSL", "FEAT").S("504 Unknown mechanism").S("211 no features")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if s.TLS || s.Commands != 2 {
		t.Fatalf("%s", dump(s))
	}
}

func TestImplicitTLS(t *testing.T) {
	h := newHarness(t, nil) // 990 is an implicit TLS port by default
	hc := h.dial("192.0.2.10:50000", "198.51.100.20:990", true)
	hc.send(c2s, string(tlsRecord(22, 517)))
	hc.send(s2c, string(tlsRecord(22, 122))+string(tlsRecord(20, 1))+string(tlsRecord(23, 2000)))
	hc.send(c2s, string(tlsRecord(23, 80)))
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if !s.TLS || s.TLSRecords != 5 || len(s.Notes) != 0 {
		t.Fatalf("%s records=%d", dump(s), s.TLSRecords)
	}
	if got := tlsEntries(s); len(got) != 1 || !strings.HasPrefix(got[0], "implicit TLS") {
		t.Errorf("entries %v", got)
	}
}

func TestTLSDesyncAndResync(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.ctl()
	hc.S("220 ready").C("AUTH TLS").S("234 go")
	hc.send(c2s, string(tlsRecord(22, 100)))
	hc.send(s2c, string(tlsRecord(22, 100)))
	// A hole inside a record: the next segment starts mid-record.
	hc.gap(c2s, 50)
	hc.send(c2s, "\x99\x98garbage inside a record")
	hc.send(c2s, string(tlsRecord(23, 10)))
	// Bytes that are neither records nor lines, without a hole.
	hc.send(s2c, "\x01\x02\x03\x04\x05\x06")
	hc.send(s2c, string(tlsRecord(23, 10)))
	hc.close(reassembly.CloseFIN)
	s := h.only()
	if !hasNote(s.Notes, "tls_desync") || !hasNote(s.Notes, "gap_in_control") || s.TLSRecords != 4 {
		t.Fatalf("%s records=%d", dump(s), s.TLSRecords)
	}
	if hasNote(s.Notes, "bad_command") {
		t.Error("TLS bytes decoded as commands")
	}
}
