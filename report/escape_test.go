package report

import (
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "anonymous", "anonymous"},
		{"empty", "", ""},
		{"ansi colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"osc title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"cr lf tab", "a\r\nb\tc", `a\r\nb\tc`},
		{"nul", "nul\x00byte", `nul\x00byte`},
		{"del", "x\x7f", `x\x7f`},
		{"backspace overwrite", "secret\b\b\b\b\b\bpublic", `secret\x08\x08\x08\x08\x08\x08public`},
		{"invalid utf8", "M\xe4rz \xff\xfe", `M\xe4rz \xff\xfe`},
		{"truncated sequence", "ab\xc3", `ab\xc3`},
		{"overlong slash", "\xc0\xaf", `\xc0\xaf`},
		{"surrogate half", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"c1 csi rune", "\u009b31m", `\u009b31m`},
		{"c1 nel", "a\u0085b", `a\u0085b`},
		{"bidi override", "report\u202egnp.exe", `report\u202egnp.exe`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"zero width", "ad\u200bmin", `ad\u200bmin`},
		{"bom", "\ufeffroot", `\ufeffroot`},
		{"nbsp", "file.txt\u00a0.exe", `file.txt\u00a0.exe`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"tag character", "x\U000E0041", `x\U000e0041`},
		{"private use", "\ue000", `\ue000`},
		{"latin", "Grüße Ærø", "Grüße Ærø"},
		{"cjk", "日本語のファイル.txt", "日本語のファイル.txt"},
		{"combining", "e\u0301", "e\u0301"},
		{"emoji", "📁 files", "📁 files"},
		{"replacement char itself", "\ufffd", "\ufffd"},
		{"backslash kept", `C:\Users\ftp`, `C:\Users\ftp`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Escape(tt.in)
			if got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Escape(got); again != got {
				t.Errorf("Escape not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestEscapeNoAllocForASCII(t *testing.T) {
	s := "USER anonymous"
	if n := testing.AllocsPerRun(100, func() { _ = Escape(s) }); n != 0 {
		t.Errorf("%v allocations for printable ASCII", n)
	}
}

func TestJSONText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"ctl\x1b\x00", "ctl\x1b\x00"}, // encoding/json escapes these itself
		{"M\xe4rz", `M\xe4rz`},
		{"ok é \xff", `ok é \xff`},
	}
	for _, tt := range tests {
		if got := jsonText(tt.in); got != tt.want {
			t.Errorf("jsonText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMasks(t *testing.T) {
	if got := MaskPassword("hunter2"); got != Hidden {
		t.Errorf("MaskPassword = %q", got)
	}
	tests := []struct{ in, want string }{
		{"", "***"}, {"abc", "***"}, {"abcde", "***"},
		{"hunter2", "h***2"}, {"pässwörd", "p***d"}, {"Winter2024!", "W***!"},
	}
	for _, tt := range tests {
		if got := PartialMask(tt.in); got != tt.want {
			t.Errorf("PartialMask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// terminalSafe reports whether s can reach a terminal unharmed.
func terminalSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && needsEscape(r) {
			return false
		}
	}
	return true
}

func FuzzEscape(f *testing.F) {
	for _, seed := range []string{"", "USER anonymous", "\x1b[31m", "\r\n", "\xff\xfe", "\u009b", "\u202e", "日本", "e\u0301", `\x1b`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if !terminalSafe(got) {
			t.Fatalf("Escape(%q) = %q is not terminal safe", s, got)
		}
		if Escape(got) != got {
			t.Fatalf("Escape not idempotent on %q", got)
		}
		if terminalSafe(s) && got != s {
			t.Fatalf("Escape changed safe %q to %q", s, got)
		}
		j := jsonText(s)
		if !utf8.ValidString(j) || (utf8.ValidString(s) && j != s) {
			t.Fatalf("jsonText(%q) = %q", s, j)
		}
		if w := textWidth(cutMiddle(got, 20)); w > 20 {
			t.Fatalf("cutMiddle(%q) is %d wide", got, w)
		}
	})
}
