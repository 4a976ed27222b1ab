package decoder

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// FuzzSession feeds arbitrary bytes as a dialogue: the input is a list
// of records "op len bytes". op&3 chooses the action (0 client data, 1
// server data, 2 gap, 3 data connection), so the fuzzer can interleave
// both directions, holes and data connections freely. The same records
// drive a port-21 connection and one on 2121 found by content. Nothing
// may panic, and every per-session record must stay within its bound.
func FuzzSession(f *testing.F) {
	seeds := []string{
		"\x01\x0b220 ready\r\n\x00\x08USER a\r\n\x01\x08331 pw\r\n\x00\x08PASS b\r\n\x01\x08230 ok\r\n",
		"\x01\x0b220 ready\r\n\x00\x06PASV\r\n\x01\x2c227 Entering Passive Mode (198,51,100,20,4,1)\r\n" +
			"\x03\x01\x01\x00\x08RETR x\r\n\x01\x08150 go\r\n\x03\x02\x01\x01\x08226 ok\r\n",
		"\x01\x0b220 ready\r\n\x00\x0aAUTH TLS\r\n\x01\x08234 go\r\n\x00\x07\x16\x03\x01\x00\x02\x01\x02\x01\x05\x17\x03\x03\x00\x00" +
			"\x00\x06PASV\r\n",
		"\x00\x0cUSER a\r\nPASS\x01\x0d220-x\r\n123 y\r\n\x02\x05\x01\x06220 z\r\n",
		"\x01\x0b220 ready\r\n\x00\x19PORT 192,0,2,10,4,2\r\nSTOR\r\n\x01\x08200 ok\r\n\x03\x03\x03\x04",
		"\x01\x0b220 ready\r\n\x00\x0cEPSV\r\nLIST\r\n\x01\x23229 Entering Extended (|||1027|)\r\n\x03\x03\x03\x03",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, port := range []string{"198.51.100.20:21", "198.51.100.20:2121"} {
			runFuzz(t, in, port)
		}
	})
}

func runFuzz(t *testing.T, in []byte, server string) {
	h := newHarness(t, func(c *Config) {
		c.MaxLine = 64
		c.MaxReplyLines = 4
		c.MaxTranscript = 32
		c.MaxPending = 4
		c.MaxExpectations = 4
		c.MaxTransfers = 4
		c.MaxLoginAttempts = 3
		c.Content = &recSink{got: map[string]*strings.Builder{}}
	})
	hc := h.dial("192.0.2.10:50000", server, len(in)%2 == 0)
	var data []*hconn
	for len(in) >= 2 {
		op, n := in[0], int(in[1])
		in = in[2:]
		switch op & 3 {
		case 0, 1:
			n = min(n, len(in))
			d := reassembly.Dir(op & 1)
			hc.send(d, string(in[:n]))
			for _, dc := range data {
				dc.send(d, string(in[:n]))
			}
			in = in[n:]
		case 2:
			hc.gap(reassembly.Dir(op>>2&1), int64(n))
		case 3:
			// Open a data connection to port 1024+n on the server, or
			// from port 20 to the client, or close the oldest one.
			switch op >> 2 & 3 {
			case 0:
				data = append(data, h.dial("192.0.2.10:50001", "198.51.100.20:"+strconv.Itoa(1024+n), true))
			case 1:
				data = append(data, h.dial("198.51.100.20:20", "192.0.2.10:"+strconv.Itoa(1024+n), op&16 != 0))
			default:
				if len(data) > 0 {
					data[0].close(reassembly.CloseFIN)
					data = data[1:]
				}
			}
		}
	}
	hc.close(reassembly.CloseRST)
	for _, dc := range data {
		dc.close(reassembly.CloseCaptureEnd)
	}
	cfg := h.a.cfg
	for _, s := range h.finish() {
		if len(s.Transcript) > cfg.MaxTranscript || len(s.Transfers) > cfg.MaxTransfers ||
			len(s.LoginAttempts) > cfg.MaxLoginAttempts || len(s.Notes) > maxNotes ||
			len(s.Features) > maxFeatures {
			t.Fatalf("bounds: transcript %d transfers %d attempts %d notes %d", len(s.Transcript),
				len(s.Transfers), len(s.LoginAttempts), len(s.Notes))
		}
		for _, e := range s.Transcript {
			if len(e.Lines) > cfg.MaxReplyLines {
				t.Fatalf("reply of %d lines", len(e.Lines))
			}
		}
		for _, x := range s.Transfers {
			if len(x.Notes) > maxNotes {
				t.Fatalf("transfer notes %d", len(x.Notes))
			}
		}
	}
	if h.a.exps.n != 0 || len(h.a.open) != 0 || len(h.a.guesses) != 0 {
		t.Fatalf("state left after Finish: %d expectations, %d sessions", h.a.exps.n, len(h.a.open))
	}
}
