package decoder

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// loseB advances b's sequence as if s was sent but not captured; the
// peer still acknowledges it, as a receiver does (RFC 9293 3.4).
func (c *tcpConn) loseB(s string) *tcpConn {
	c.seqB += uint32(len(s))
	return c
}

// TestRepliesLostInAGap: when a server reply is missing from the capture,
// the client's acknowledgment of the lost bytes tells which command lost
// its reply, so later replies are not shifted onto the wrong commands.
func TestRepliesLostInAGap(t *testing.T) {
	tests := []struct {
		name string
		// pipelineFirst makes the client pipeline two commands before the
		// loss: its acknowledgments then prove nothing.
		pipelineFirst bool
		// lose150: the preliminary reply is lost, not a final one.
		lose150    bool
		wantStatus int
		wantEnd    EndReason
	}{
		{name: "a waiting client acknowledged the lost reply", wantStatus: 226, wantEnd: EndQuit},
		{name: "a lost 150 costs RETR nothing", lose150: true, wantStatus: 226, wantEnd: EndQuit},
		// Without proof the replies are paired by plausibility (RFC 959
		// 5.4): EPRT takes TYPE's 200 and the shift runs to the end.
		{name: "a pipelining client proves nothing", pipelineFirst: true, wantStatus: 250, wantEnd: EndFIN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t, nil, reassembly.DefaultLimits())
			c := e2eLogin(e.w.connect("192.0.2.10:41860", "198.51.100.10:21"))
			if tc.pipelineFirst {
				c.fromA("PWD\r\n").fromA("SYST\r\n")
				c.fromB("257 \"/\"\r\n").fromB("215 UNIX Type: L8\r\n")
			}
			c.fromA("EPRT |1|192.0.2.10|33607|\r\n")
			if tc.lose150 {
				c.fromB("200 EPRT command successful.\r\n")
			} else {
				c.loseB("200 EPRT command successful. Consider using EPSV.\r\n")
			}
			c.fromA("TYPE I\r\n").fromB("200 Switching to Binary mode.\r\n")
			c.fromA("RETR readme.txt\r\n")
			if tc.lose150 {
				c.loseB("150 Opening BINARY mode data connection.\r\n")
			} else {
				c.fromB("150 Opening BINARY mode data connection.\r\n")
			}
			c.fromB("226 Transfer complete.\r\n")
			c.fromA("CWD /\r\n").fromB("250 Directory successfully changed.\r\n")
			c.fromA("QUIT\r\n").fromB("221 Goodbye.\r\n")
			c.fin()
			run := e.finish()
			if len(run.sessions) != 1 || len(run.sessions[0].Transfers) != 1 {
				t.Fatalf("%d sessions", len(run.sessions))
			}
			s := run.sessions[0]
			x := s.Transfers[0]
			if x.Status == nil || *x.Status != tc.wantStatus || s.EndReason != tc.wantEnd {
				t.Errorf("RETR status %v, end %s; want %d, %s", deref(x.Status), s.EndReason, tc.wantStatus, tc.wantEnd)
			}
			if s.GapBytes == 0 {
				t.Errorf("no gap recorded")
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
