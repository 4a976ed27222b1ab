package decoder

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/reassembly"
)

// TestNotesDocumented keeps docs/json.md's note lists and the Note
// constants the same: every constant is listed in SessionNotes,
// TransferNotes or ReassemblyNotes, and the docs list each in that order.
func TestNotesDocumented(t *testing.T) {
	declared := noteConstants(t)
	listed := map[Note]bool{}
	for _, l := range [][]Note{SessionNotes(), TransferNotes(), ReassemblyNotes()} {
		for _, n := range l {
			listed[n] = true
		}
	}
	for _, n := range declared {
		if !listed[n] {
			t.Errorf("note %s is declared but in no list", n)
		}
	}
	b, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, sec, ok := strings.Cut(doc, "\n## Notes\n")
	if !ok {
		t.Fatal("docs/json.md has no Notes section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	sessPart, xferPart, ok := strings.Cut(sec, "Transfer notes:")
	if !ok {
		t.Fatal("docs/json.md Notes section has no \"Transfer notes:\"")
	}
	want := append(SessionNotes(), ReassemblyNotes()...)
	if got := backticked(sessPart); !slices.Equal(got, want) {
		t.Errorf("docs/json.md session notes\n got %v\nwant %v", got, want)
	}
	if got := backticked(xferPart); !slices.Equal(got, TransferNotes()) {
		t.Errorf("docs/json.md transfer notes\n got %v\nwant %v", got, TransferNotes())
	}
}

func TestAnomalyNotes(t *testing.T) {
	for an := reassembly.Anomaly(1); an < 32; an++ {
		if an.String() == "unknown" {
			continue
		}
		n := anomalyNote(an)
		if string(n) != an.String() || !slices.Contains(ReassemblyNotes(), n) {
			t.Errorf("anomaly %s: note %q not a reassembly note of that name", an, n)
		}
	}
}

var backtick = regexp.MustCompile("`([a-z_*]+)`")

// backticked returns the note names quoted in s, leaving out the
// `*_limit` patterns.
func backticked(s string) []Note {
	var out []Note
	for _, m := range backtick.FindAllStringSubmatch(s, -1) {
		if !strings.Contains(m[1], "*") {
			out = append(out, Note(m[1]))
		}
	}
	return out
}

// noteConstants parses notes.go for its constants of type Note.
func noteConstants(t *testing.T) []Note {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "notes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []Note
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			v := sp.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Note" {
				continue
			}
			for _, val := range v.Values {
				if lit, ok := val.(*ast.BasicLit); ok {
					out = append(out, Note(strings.Trim(lit.Value, `"`)))
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no Note constants found in notes.go")
	}
	return out
}
