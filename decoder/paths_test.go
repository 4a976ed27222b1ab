package decoder

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

func TestWorkDir(t *testing.T) {
	type op struct{ kind, arg string }
	tests := []struct {
		name    string
		ops     []op
		resolve string
		want    string
		abs     bool
	}{
		{"nothing known", nil, "a/b", "a/b", false},
		{"nothing known, no arg", nil, "", "", false},
		{"absolute arg", nil, "/x/../y/./z", "/y/z", false},
		{"pwd", []op{{"learn", "/home/u"}}, "f.txt", "/home/u/f.txt", true},
		{"pwd root", []op{{"learn", "/"}}, "f.txt", "/f.txt", true},
		{"cwd relative", []op{{"learn", "/home/u"}, {"cd", "pub/../data"}}, "", "/home/u/data", true},
		{"cwd absolute", []op{{"cd", "/srv"}}, "a", "/srv/a", true},
		{"cwd relative unknown", []op{{"cd", "pub"}, {"cd", "sub"}}, "f", "pub/sub/f", false},
		{"cdup", []op{{"learn", "/a/b"}, {"cdup", ""}}, "f", "/a/f", true},
		{"cdup at root", []op{{"learn", "/"}, {"cdup", ""}}, "", "/", true},
		{"cdup unknown", []op{{"cdup", ""}}, "f", "../f", false},
		{"cwd ../ unknown", []op{{"cd", "pub"}, {"cd", "../"}}, "f", "f", false},
		{"windows cwd", []op{{"learn", `C:\ftp`}}, "f", "f", true},
		{"windows arg", []op{{"learn", "/a"}}, `D:\x\y`, `D:\x\y`, true},
		{"vms", []op{{"learn", "DISK$USER:[DIR]"}}, "FILE.TXT;1", "FILE.TXT;1", true},
		{"home relative", []op{{"learn", "/a"}}, "~/x", "~/x", true},
		{"mkd reveals base", []op{{"cd", "pub"}, {"mkd", "new|/srv/ftp/pub/new"}}, "f", "/srv/ftp/pub/f", true},
		{"mkd unrelated", []op{{"cd", "pub"}, {"mkd", "new|/elsewhere/x"}}, "f", "pub/f", false},
		{"mkd at base", []op{{"mkd", "new|/srv/new"}}, "f", "/srv/f", true},
		{"mkd after pwd ignored", []op{{"learn", "/a"}, {"mkd", "new|/b/new"}}, "f", "/a/f", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w workDir
			for _, o := range tc.ops {
				switch o.kind {
				case "learn":
					w.learn(o.arg)
				case "cd":
					w.chdir(o.arg)
				case "cdup":
					w.cdup()
				case "mkd":
					arg, created, _ := strings.Cut(o.arg, "|")
					w.learnFromMkdir(arg, created)
				}
			}
			got, ok := w.resolve(tc.resolve)
			if got != tc.want || ok != (tc.want != "") || w.abs != tc.abs {
				t.Errorf("resolve(%q) = %q, %v (abs %v); want %q (abs %v)", tc.resolve, got, ok, w.abs, tc.want, tc.abs)
			}
		})
	}
}

func TestPathTracking(t *testing.T) {
	h := newHarness(t, nil)
	hc := login(h.ctl())
	hc.C("PWD").S(`257 "/home/u" is the current directory`)
	hc.C("CWD pub").S("250-See http://example.com/ for mirrors", "250 CWD command successful")
	hc.C("CWD nope").S("550 No such directory")
	hc.C("XCWD sub").S("250 ok")
	hc.C("CDUP").S("200 ok")
	hc.C("MKD new").S(`257 "/home/u/pub/new" created`)
	hc.C("XPWD").S(`257 "/home/u/pub"`)
	hc.C("RNFR old.txt").S("350 Ready for RNTO.")
	hc.C("RNTO new.txt").S("250 Rename successful.")
	hc.C("CWD /srv").S(`250 "/srv/real" is the current directory`)
	hc.C("RETR a").S("425 no data")
	hc.close(reassembly.CloseFIN)
	s := h.only()
	x := onlyXfer(t, s)
	if x.Path == nil || *x.Path != "/srv/real/a" || *x.Arg != "a" {
		t.Errorf("path %s", xferString(x))
	}
	var notes []string
	for _, e := range s.Transcript {
		if e.Kind == EntryNote {
			notes = append(notes, e.Text)
		}
	}
	if len(notes) != 1 || notes[0] != "renamed /home/u/pub/old.txt -> /home/u/pub/new.txt" {
		t.Errorf("rename entries %q", notes)
	}
}
