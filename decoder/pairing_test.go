package decoder

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// answered maps each reply's code and first line to the verb of the
// command entry it answers ("-" for none).
func answered(s *Session) []string {
	var out []string
	for _, e := range s.Transcript {
		if e.Kind != EntryReply {
			if e.Answers != -1 {
				out = append(out, "non-reply answers")
			}
			continue
		}
		v := "-"
		if e.Answers >= 0 {
			v = s.Transcript[e.Answers].Verb
		}
		out = append(out, strconv.Itoa(e.Code)+" "+v)
	}
	return out
}

func TestEntryAnswersPipelined(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.ctl()
	// Commands sent before the greeting and several in one go: replies
	// pair in order (RFC 959 4.2), the greeting answers nothing.
	hc.C("USER u").C("PASS p").S("220 ready").S("331 pw").S("230 ok")
	hc.C("TYPE I").C("SIZE f").S("200 ok").S("213 9")
	hc.close(reassembly.CloseFIN)
	got := answered(h.only())
	want := []string{"220 -", "331 USER", "230 PASS", "200 TYPE", "213 SIZE"}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}

func TestEntryAnswersAfterGap(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PWD").C("TYPE I")
	// The 257 fell in a hole: the 200 answers TYPE, not PWD.
	hc.gap(s2c, 20)
	hc.S("200 ok")
	hc.close(reassembly.CloseFIN)
	got := answered(h.only())
	if last := got[len(got)-1]; last != "200 TYPE" {
		t.Fatalf("got %v", got)
	}
}

func TestEntryAddresses(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PORT 203,0,113,5,4,1").S("200 ok")
	hc.C("EPRT |1|192.0.2.10|50001|").S("200 ok")
	hc.C("PASV").S("227 Entering Passive Mode (10,0,0,1,195,80)")
	hc.C("EPSV").S("229 Entering Extended Passive Mode (|||50002|)")
	hc.C("PORT 1,2,3").S("501 bad")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	type addr struct {
		ap    string
		third bool
	}
	var got []addr
	for _, e := range s.Transcript {
		if e.Addr.IsValid() || (e.Kind == EntryCommand && e.Verb == "PORT") {
			got = append(got, addr{e.Addr.String(), e.ThirdHost})
		}
	}
	srv := s.Server.Addr().Unmap().String()
	want := []addr{
		{"203.0.113.5:1025", true},
		{"192.0.2.10:50001", s.Client.Addr().Unmap().String() != "192.0.2.10"},
		{"10.0.0.1:50000", true},
		{srv + ":50002", false},
		{"invalid AddrPort", false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %v want %v", i, got[i], want[i])
		}
	}
}

// TestEntryLogin: each command records the login in force when it was
// answered, pipelined or not, and a command left without a reply counts
// as refused (a USER still starts over).
func TestEntryLogin(t *testing.T) {
	h := newHarness(t, nil)
	hc := h.ctl()
	hc.S("220 ready").C("USER anonymous ").C("PASS me@").C("NOOP").S("331 pw").S("230 ok").S("200 ok")
	hc.C("REIN").S("220 again").C("USER alice").S("331 pw").C("PASS x").S("530 no")
	hc.C("USER bob")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	var got []string
	names := map[LoginState]string{LoggedOut: "out", LoggedIn: "in", LoggedInAnonymous: "anon"}
	for _, e := range s.Transcript {
		if e.Kind == EntryCommand {
			got = append(got, e.Verb+":"+names[e.Login]+">"+names[e.LoginAfter])
		}
	}
	want := "USER:out>out PASS:out>anon NOOP:anon>anon REIN:anon>out USER:out>out PASS:out>out USER:out>out"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("got  %s\nwant %s", g, want)
	}
}
