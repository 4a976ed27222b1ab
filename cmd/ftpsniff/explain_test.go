package main

import (
	"bytes"
	"context"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/report"
)

// explainCaptures are the captures whose diagrams are pinned: active from
// port 20, passive (EPSV and PASV), IPv6 (EPSV and EPRT), FXP, a NAT
// address mismatch, a bounce, an abort and AUTH TLS.
var explainCaptures = []string{
	"vsftpd-user-active-port20",
	"vsftpd-anon-passive",
	"ipv6-epsv-eprt",
	"vsftpd-fxp",
	"vsftpd-nat-pasv",
	"vsftpd-bounce-promiscuous",
	"vsftpd-abort-426",
	"proftpd-auth-tls",
}

func capturePath(name string) string {
	return filepath.Join(repoRoot, "testdata", "pcaps", name+".pcap")
}

// TestExplainGolden pins the terminal diagrams and notes of real captures
// in testdata/golden/explain-<capture>.txt, and the two 80-column
// diagrams the README shows (explain-readme-*.txt).
func TestExplainGolden(t *testing.T) {
	type run struct {
		golden, capture string
		args            []string
	}
	runs := []run{
		{"readme-active", "vsftpd-user-active-port20", []string{"--width", "80"}},
		{"readme-passive", "vsftpd-anon-passive", []string{"--width", "80", "--session", "S5"}},
	}
	for _, name := range explainCaptures {
		runs = append(runs, run{golden: name, capture: name})
	}
	for _, r := range runs {
		t.Run(r.golden, func(t *testing.T) {
			args := append(append([]string{"explain"}, r.args...), capturePath(r.capture))
			out, errOut, code := runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			checkGolden(t, filepath.Join(repoRoot, "testdata", "golden", "explain-"+r.golden+".txt"), out)
		})
	}
}

func TestExplainCommandLine(t *testing.T) {
	passive := capturePath("vsftpd-anon-passive")
	active := capturePath("vsftpd-user-active-port20")
	dir := t.TempDir()

	t.Run("session filter", func(t *testing.T) {
		out, _, code := runCLI(t, nil, "explain", "--session", "s5", passive)
		if code != exitOK || !strings.Contains(out, "=== Session S5 ") || strings.Contains(out, "=== Session S1 ") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
		_, errOut, code := runCLI(t, nil, "explain", "--session", "S99", passive)
		if code != exitUsage || !strings.Contains(errOut, `no session "S99"`) || !strings.Contains(errOut, "S1, S5") {
			t.Errorf("unknown session: exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"explain", "--format", "pdf", passive},
			{"explain", "--width", "20", passive},
			{"explain"},
		} {
			if _, _, code := runCLI(t, nil, args...); code != exitUsage {
				t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
			}
		}
	})
	t.Run("passwords", func(t *testing.T) {
		out, _, _ := runCLI(t, nil, "explain", active)
		page, _, _ := runCLI(t, nil, "explain", "--format", "html", active)
		for _, o := range []string{out, page} {
			if strings.Contains(o, "lab-pass-1") || !strings.Contains(o, "&lt;hidden&gt;") && !strings.Contains(o, "<hidden>") {
				t.Errorf("password not masked")
			}
		}
		out, _, _ = runCLI(t, nil, "explain", "--show-passwords", active)
		if !strings.Contains(out, "PASS lab-pass-1") {
			t.Errorf("--show-passwords: password not shown")
		}
	})
	t.Run("output file", func(t *testing.T) {
		path := filepath.Join(dir, "page.html")
		out, errOut, code := runCLI(t, nil, "explain", "--format", "html", "-o", path, passive)
		if code != exitOK || out != "" {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || bytes.Count(b, []byte("<svg")) != 2 {
			t.Fatalf("page not written (%v): %.200s", err, b)
		}
		// Passwords on the page: owner only.
		secret := filepath.Join(dir, "secret.txt")
		if _, _, code := runCLI(t, nil, "explain", "--show-passwords", "-o", secret, active); code != exitOK {
			t.Fatalf("exit %d", code)
		}
		if st, err := os.Stat(secret); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("--show-passwords page mode %v (%v), want 0600", st.Mode().Perm(), err)
		}
	})
	t.Run("output refused", func(t *testing.T) {
		missing := filepath.Join(dir, "no-such-dir", "page.html")
		_, errOut, code := runCLI(t, nil, "explain", "-o", missing, passive)
		if code != exitError || !strings.Contains(errOut, "does not exist") {
			t.Errorf("missing directory: exit %d, stderr %q", code, errOut)
		}
		if _, err := os.Stat(filepath.Dir(missing)); err == nil {
			t.Errorf("the missing directory was created")
		}
		_, _, code = runCLI(t, nil, "explain", "-o", dir, passive)
		if code != exitError {
			t.Errorf("-o a directory: exit %d", code)
		}
		// Never overwrite the capture being read.
		capture := filepath.Join(dir, "capture.pcap")
		orig, err := os.ReadFile(passive)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(capture, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code = runCLI(t, nil, "explain", "-o", capture, capture)
		if code != exitUsage || !strings.Contains(errOut, "input") {
			t.Errorf("-o the input: exit %d, stderr %q", code, errOut)
		}
		if now, _ := os.ReadFile(capture); !bytes.Equal(now, orig) {
			t.Errorf("the input capture was modified")
		}
	})
}

// chromium finds a headless-capable Chromium, "" when none is installed.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs headless Chromium offline on a page and returns its
// standard output.
func runChromium(t *testing.T, bin, page string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
	}, extra...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, extra, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

var (
	svgRE  = regexp.MustCompile(`(?s)<svg\b.*?</svg>`)
	textRE = regexp.MustCompile(`(?s)<text\b[^>]*>(.*?)</text>`)
)

// TestExplainHTMLInChromium renders the page of four captures in headless
// Chromium: the DOM after rendering must hold one <svg> per session with
// every label as a <text> element, and screenshots at desktop and phone
// sizes are kept as artifacts (under $FTPSNIFF_ARTIFACTS when set) for a
// person to look at.
func TestExplainHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := chromium()
	if bin == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium)")
	}
	dir := os.Getenv("FTPSNIFF_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, name := range []string{"vsftpd-user-active-port20", "vsftpd-anon-passive", "ipv6-epsv-eprt", "vsftpd-fxp"} {
		files = append(files, capturePath(name))
	}
	page := filepath.Join(dir, "explain.html")
	args := append([]string{"explain", "--format", "html", "-o", page}, files...)
	if _, errOut, code := runCLI(t, nil, args...); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}

	// What the page should show, from the same analysis.
	af := defaultAnalysisFlags()
	res, err := analyzeFiles(files, &streams{in: bytes.NewReader(nil), out: &bytes.Buffer{}, err: &bytes.Buffer{}}, &af, af.decoderConfig(), true)
	if err != nil {
		t.Fatal(err)
	}
	var ladders []*report.Ladder
	for _, s := range res.Sessions {
		ladders = append(ladders, report.Explain(s, res.Sessions, report.Options{}))
	}

	dom := string(runChromium(t, bin, page, "--dump-dom"))
	svgs := svgRE.FindAllString(dom, -1)
	if len(svgs) != len(ladders) || len(ladders) != 6 {
		t.Fatalf("%d <svg> in the rendered DOM, %d sessions (want 6)", len(svgs), len(ladders))
	}
	for i, l := range ladders {
		var texts []string
		for _, m := range textRE.FindAllStringSubmatch(svgs[i], -1) {
			texts = append(texts, html.UnescapeString(m[1]))
		}
		has := func(s string) bool {
			for _, x := range texts {
				if x == s {
					return true
				}
			}
			return false
		}
		for _, lane := range l.Lanes {
			if !has(lane.Role) || !has(lane.Header()) {
				t.Errorf("session %s: lane %s %s not drawn", l.ID, lane.Role, lane.Header())
			}
		}
		for _, st := range l.Steps {
			if st.Kind == report.StepRemark {
				continue
			}
			found := has(st.Label) || st.Short != "" && has(st.Short)
			for _, x := range texts {
				if cut, ok := strings.CutSuffix(x, "…"); ok && strings.HasPrefix(st.Label, cut) {
					found = true
				}
			}
			if !found {
				t.Errorf("session %s: label %q not drawn", l.ID, st.Label)
			}
			for _, d := range st.Details {
				if !strings.Contains(strings.Join(texts, " "), strings.Fields(d)[0]) {
					t.Errorf("session %s: detail %q not drawn", l.ID, d)
				}
			}
		}
	}
	for _, want := range []string{"PORT 192,0,2,10,200,103", "=&gt; 192.0.2.10 port 200*256+103 = 51303",
		"(|||40045|) =&gt; port 40045 on the control server's address (198.51.100.10)", "second server (FXP)",
		"EPRT |2|2001:db8:2::10|40465|", "Active mode (PORT, 2 transfers)", "FXP (server-to-server copy"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}

	for _, shot := range []struct{ name, size string }{
		{"explain-desktop.png", "1200,2000"},
		{"explain-phone.png", "390,844"},
		// Phone width, long enough to show how a wide diagram scrolls.
		{"explain-phone-long.png", "390,3000"},
	} {
		path := filepath.Join(dir, shot.name)
		runChromium(t, bin, page, "--screenshot="+path, "--window-size="+shot.size)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		// Something was drawn: plenty of pixels are not background.
		b := img.Bounds()
		inked := 0
		for y := b.Min.Y; y < b.Max.Y; y += 4 {
			for x := b.Min.X; x < b.Max.X; x += 4 {
				if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0xc000 {
					inked++
				}
			}
		}
		if inked < 200 {
			t.Errorf("%s looks blank (%d inked samples)", path, inked)
		}
		t.Logf("screenshot %s (%dx%d)", path, b.Dx(), b.Dy())
	}
	t.Logf("page %s", page)
}
