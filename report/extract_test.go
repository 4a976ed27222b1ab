package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decoder"
)

var _ decoder.ContentSink = (*Extractor)(nil)

func newExtractor(t *testing.T) (*Extractor, string) {
	t.Helper()
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	e, err := NewExtractor(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, dir
}

// extract runs one transfer through e and returns it after Close.
func extract(t *testing.T, e *Extractor, s *decoder.Session, tr *decoder.Transfer, chunks ...[]byte) *decoder.Transfer {
	t.Helper()
	w := e.Open(s, tr)
	if w == nil {
		t.Fatalf("Open returned nil (notes %v, errors %v)", tr.Notes, e.Errors())
	}
	for _, c := range chunks {
		if c == nil {
			w.Skip(100)
			continue
		}
		w.Write(c)
	}
	w.Close(tr)
	return tr
}

func sum256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func done(path string) *decoder.Transfer {
	return &decoder.Transfer{Command: "RETR", Path: &path, Status: ptr(226), Complete: true}
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExtractContent(t *testing.T) {
	e, dir := newExtractor(t)
	gz := append([]byte{0x1f, 0x8b, 0x08, 0x00}, bytes.Repeat([]byte("payload "), 10000)...)
	s := &decoder.Session{ID: "s1"}
	tr := done("/pub/release-1.2.tar.gz")
	s.Transfers = []*decoder.Transfer{done("/x"), tr}
	extract(t, e, s, tr, gz[:3], gz[3:1000], gz[1000:])

	if tr.File != "s1-1-release-1.2.tar.gz" {
		t.Errorf("File = %q", tr.File)
	}
	got := readFile(t, dir, tr.File)
	if !bytes.Equal(got, gz) {
		t.Errorf("content differs: %d bytes, want %d", len(got), len(gz))
	}
	if tr.SHA256 != sum256(gz) {
		t.Errorf("SHA256 = %s, want %s", tr.SHA256, sum256(gz))
	}
	if tr.MIME != "application/x-gzip" {
		t.Errorf("MIME = %q", tr.MIME)
	}
	fi, err := os.Lstat(filepath.Join(dir, tr.File))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&^0o640 != 0 {
		t.Errorf("file mode %v, want at most 0640", perm)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm&^0o750 != 0 {
		t.Errorf("dir mode %v, want at most 0750", perm)
	}
	if len(tr.Notes) != 0 || len(e.Errors()) != 0 {
		t.Errorf("notes %v, errors %v", tr.Notes, e.Errors())
	}
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

func checkSafeName(t *testing.T, name string) {
	t.Helper()
	if !safeName.MatchString(name) || strings.Contains(name, "..") || len(name) > maxNameLen {
		t.Errorf("unsafe name %q", name)
	}
}

func TestExtractHostileNames(t *testing.T) {
	long := strings.Repeat("A", 300) + ".txt"
	tests := []struct {
		name    string
		session string
		path    *string
		arg     *string
		want    string // "" = only check the invariants
	}{
		{"parent escape", "s1", ptr("../../x"), nil, "s1-0-x"},
		{"absolute", "s1", ptr("/etc/passwd"), nil, "s1-0-passwd"},
		{"nul byte", "s1", ptr("a\x00b.txt"), nil, "s1-0-a_b.txt"},
		{"dot dot", "s1", ptr(".."), nil, "s1-0-unnamed"},
		{"only dots", "s1", ptr("....."), nil, "s1-0-unnamed"},
		{"hidden file", "s1", ptr("/home/u/.ssh/authorized_keys"), nil, "s1-0-authorized_keys"},
		{"dot dot inside", "s1", ptr("a..b...c"), nil, "s1-0-a.b.c"},
		{"trailing slash", "s1", ptr("/pub/dir/"), nil, "s1-0-dir"},
		{"windows path", "s1", ptr(`C:\Users\ops\..\evil.exe`), nil, "s1-0-evil.exe"},
		{"dash option", "s1", ptr("-rf"), nil, "s1-0-rf"},
		{"unicode", "s1", ptr("/pub/日本語 ファイル.txt"), nil, "s1-0-_.txt"},
		{"latin1", "s1", ptr("M\xe4rz.pdf"), nil, "s1-0-M_rz.pdf"},
		{"escape seq", "s1", ptr("\x1b[31mred\r\n"), nil, "s1-0-_31mred_"},
		{"bidi", "s1", ptr("report\u202egnp.exe"), nil, "s1-0-report_gnp.exe"},
		{"arg when no path", "s1", nil, ptr("incoming/data.bin"), "s1-0-data.bin"},
		{"no name at all", "s1", nil, nil, "s1-0-retr"},
		{"empty", "s1", ptr(""), nil, "s1-0-unnamed"},
		{"hostile session id", "../../etc", ptr("x"), nil, "_._etc-0-x"},
		{"empty session id", "", ptr("x"), nil, "s-0-x"},
		{"dot session id", "...", ptr("x"), nil, "s-0-x"},
		{"very long", "s1", &long, nil, ""},
		{"very long id", strings.Repeat("S", 500), ptr("x.bin"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, dir := newExtractor(t)
			tr := &decoder.Transfer{Command: "RETR", Path: tt.path, Arg: tt.arg, Status: ptr(226), Complete: true}
			extract(t, e, &decoder.Session{ID: tt.session}, tr, []byte("data"))
			if tt.want != "" && tr.File != tt.want {
				t.Errorf("File = %q, want %q", tr.File, tt.want)
			}
			checkSafeName(t, tr.File)
			// Exactly one file, directly inside dir, and nothing beside dir.
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != tr.File || !entries[0].Type().IsRegular() {
				t.Errorf("dir holds %v, want only %q", entries, tr.File)
			}
			siblings, _ := os.ReadDir(filepath.Dir(dir))
			if len(siblings) != 1 {
				t.Errorf("files written beside the extraction dir: %v", siblings)
			}
			if tt.path != nil && *tt.path == *ptr(long) && !strings.HasSuffix(tr.File, ".txt") {
				t.Errorf("long name lost its extension: %q", tr.File)
			}
		})
	}
}

func TestExtractCollision(t *testing.T) {
	e, dir := newExtractor(t)
	for _, pre := range []string{"s1-0-a.txt", "s1-0-a_1.txt"} {
		if err := os.WriteFile(filepath.Join(dir, pre), []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tr := extract(t, e, &decoder.Session{ID: "s1"}, done("a.txt"), []byte("new"))
	if tr.File != "s1-0-a_2.txt" {
		t.Errorf("File = %q, want s1-0-a_2.txt", tr.File)
	}
	for _, pre := range []string{"s1-0-a.txt", "s1-0-a_1.txt"} {
		if got := readFile(t, dir, pre); string(got) != "keep" {
			t.Errorf("%s overwritten: %q", pre, got)
		}
	}
	if got := readFile(t, dir, tr.File); string(got) != "new" {
		t.Errorf("content %q", got)
	}
}

func TestExtractPartial(t *testing.T) {
	tests := []struct {
		name   string
		tr     *decoder.Transfer
		chunks [][]byte // nil chunk = Skip(100)
		want   string
	}{
		{"bytes skipped", done("f.bin"), [][]byte{[]byte("head"), nil, []byte("tail")}, "s1-0-f.bin.partial"},
		{"decoder saw missing", &decoder.Transfer{Command: "RETR", Path: ptr("f.bin"), Status: ptr(226), MissingBytes: 5}, [][]byte{[]byte("headtail")}, "s1-0-f.bin.partial"},
		{"aborted", &decoder.Transfer{Command: "RETR", Path: ptr("f.bin"), Status: ptr(426)}, [][]byte{[]byte("headtail")}, "s1-0-f.bin.partial"},
		{"rest offset", &decoder.Transfer{Command: "RETR", Path: ptr("f.bin"), Status: ptr(226), Complete: true, Rest: 1000}, [][]byte{[]byte("headtail")}, "s1-0-f.bin.partial"},
		{"no final reply", &decoder.Transfer{Command: "RETR", Path: ptr("f.bin")}, [][]byte{[]byte("headtail")}, "s1-0-f.bin.partial"},
		{"250 whole, Complete not yet set", &decoder.Transfer{Command: "RETR", Path: ptr("f.bin"), Status: ptr(250)}, [][]byte{[]byte("headtail")}, "s1-0-f.bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, dir := newExtractor(t)
			tr := extract(t, e, &decoder.Session{ID: "s1"}, tt.tr, tt.chunks...)
			if tr.File != tt.want {
				t.Fatalf("File = %q, want %q", tr.File, tt.want)
			}
			got := readFile(t, dir, tr.File)
			if string(got) != "headtail" {
				t.Errorf("content %q, want what was seen back to back", got)
			}
			if tr.SHA256 != sum256(got) {
				t.Errorf("SHA256 is not the hash of the file")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("dir holds %v", entries)
			}
		})
	}
}

func TestExtractPartialNameTaken(t *testing.T) {
	e, dir := newExtractor(t)
	if err := os.WriteFile(filepath.Join(dir, "s1-0-f.bin.partial"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := extract(t, e, &decoder.Session{ID: "s1"}, done("f.bin"), []byte("a"), nil, []byte("b"))
	if tr.File != "s1-0-f_1.bin.partial" {
		t.Errorf("File = %q", tr.File)
	}
	if got := readFile(t, dir, "s1-0-f.bin.partial"); string(got) != "keep" {
		t.Errorf("existing partial overwritten: %q", got)
	}
}

// TestExtractSymlink: a link planted at the target name (or at the
// .partial name) is neither followed nor replaced.
func TestExtractSymlink(t *testing.T) {
	for _, planted := range []string{"s1-0-f.bin", "s1-0-f.bin.partial"} {
		t.Run(planted, func(t *testing.T) {
			e, dir := newExtractor(t)
			victim := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, planted)
			if err := os.Symlink(victim, link); err != nil {
				t.Fatal(err)
			}
			dangling := filepath.Join(dir, "s1-0-f_1.bin")
			if err := os.Symlink(filepath.Join(t.TempDir(), "created-through-link"), dangling); err != nil {
				t.Fatal(err)
			}
			tr := extract(t, e, &decoder.Session{ID: "s1"}, done("f.bin"), []byte("attacker"), nil)
			if got, _ := os.ReadFile(victim); string(got) != "precious" {
				t.Fatalf("symlink followed: victim now %q", got)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("planted link replaced")
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(filepath.Dir(dangling)), "created-through-link")); err == nil {
				t.Errorf("file created through dangling link")
			}
			fi, err := os.Lstat(filepath.Join(dir, tr.File))
			if err != nil || !fi.Mode().IsRegular() {
				t.Errorf("File %q is not a regular file in dir", tr.File)
			}
			if got := readFile(t, dir, tr.File); string(got) != "attacker" {
				t.Errorf("content %q", got)
			}
		})
	}
}

func TestExtractMaxOpen(t *testing.T) {
	e, _ := newExtractor(t)
	e.MaxOpen = 2
	s := &decoder.Session{ID: "s1"}
	t1, t2, t3 := done("a"), done("b"), done("c")
	s.Transfers = []*decoder.Transfer{t1, t2, t3}
	w1, w2 := e.Open(s, t1), e.Open(s, t2)
	if w1 == nil || w2 == nil {
		t.Fatal("first two opens failed")
	}
	if w := e.Open(s, t3); w != nil {
		t.Fatal("third open beyond MaxOpen succeeded")
	}
	if !slices.Contains(t3.Notes, NoteExtractSkipped) {
		t.Errorf("notes %v lack %s", t3.Notes, NoteExtractSkipped)
	}
	w1.Close(t1)
	w1.Close(t1) // idempotent, must not free a second slot
	t4 := done("d")
	if w := e.Open(s, t4); w == nil {
		t.Fatal("open after a close failed")
	}
	if w := e.Open(s, done("e")); w != nil {
		t.Fatal("double Close freed two slots")
	}
}

func TestExtractMaxFileSize(t *testing.T) {
	e, dir := newExtractor(t)
	e.MaxFileSize = 10
	tr := extract(t, e, &decoder.Session{ID: "s1"}, done("big"), []byte("0123456"), []byte("789abcdef"))
	if tr.File != "s1-0-big.partial" || !slices.Contains(tr.Notes, NoteExtractTruncated) {
		t.Errorf("File %q notes %v", tr.File, tr.Notes)
	}
	if got := readFile(t, dir, tr.File); string(got) != "0123456789" {
		t.Errorf("content %q", got)
	}
}

// TestExtractErrors: I/O failures are noted and listed, never panic.
func TestExtractErrors(t *testing.T) {
	t.Run("create fails", func(t *testing.T) {
		e, dir := newExtractor(t)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		tr := done("a")
		if w := e.Open(&decoder.Session{ID: "s1"}, tr); w != nil {
			t.Fatal("Open succeeded in a removed directory")
		}
		if !slices.Contains(tr.Notes, NoteExtractFailed) || len(e.Errors()) != 1 {
			t.Errorf("notes %v errors %v", tr.Notes, e.Errors())
		}
	})
	t.Run("write fails", func(t *testing.T) {
		e, _ := newExtractor(t)
		tr := done("a")
		w := e.Open(&decoder.Session{ID: "s1"}, tr)
		w.(*fileWriter).f.Close() // the disk "fails" under the writer
		w.Write(make([]byte, 64<<10))
		w.Write([]byte("more"))
		w.Close(tr)
		if !slices.Contains(tr.Notes, NoteExtractFailed) || len(e.Errors()) == 0 {
			t.Errorf("notes %v errors %v", tr.Notes, e.Errors())
		}
		if tr.SHA256 != "" {
			t.Error("SHA256 set for a failed file")
		}
		if !strings.HasSuffix(tr.File, partialSuffix) {
			t.Errorf("failed file not marked partial: %q", tr.File)
		}
	})
}

func TestExtractCloseLeftovers(t *testing.T) {
	e, dir := newExtractor(t)
	tr := done("a")
	w := e.Open(&decoder.Session{ID: "s1"}, tr)
	w.Write([]byte("x"))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "s1-0-a.partial" {
		t.Errorf("dir holds %v", entries)
	}
	if tr.File != "s1-0-a.partial" || tr.SHA256 != sum256([]byte("x")) {
		t.Errorf("leftover not recorded: File %q SHA256 %q", tr.File, tr.SHA256)
	}
	w.Close(tr) // late close after the run: harmless
	if e.Open(nil, tr) != nil {
		t.Error("Open(nil session) returned a writer")
	}
}

func FuzzFileName(f *testing.F) {
	for _, seed := range []string{"", "..", "../../x", "/etc/passwd", "a\x00b", "日本.txt", `C:\a\b`, ".hidden", "-rf", strings.Repeat("x", 300)} {
		f.Add("s1", 3, seed)
	}
	f.Fuzz(func(t *testing.T, id string, index int, wire string) {
		if index < 0 {
			index = -index
		}
		if index < 0 {
			return
		}
		name := fileName(id, index, wire)
		if name == "" || name[0] == '.' || name[0] == '-' || strings.Contains(name, "..") ||
			len(name) > maxNameLen || !safeName.MatchString(name) {
			t.Fatalf("fileName(%q, %d, %q) = %q", id, index, wire, name)
		}
		for _, n := range []int{0, 1, 999} {
			if c := withCounter(name, n, partialSuffix); strings.Contains(c, "..") || c[0] == '.' {
				t.Fatalf("withCounter(%q) = %q", name, c)
			}
		}
	})
}
