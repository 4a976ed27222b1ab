package report

import (
	"bytes"
	"html/template"
	"io"
	"strconv"
)

// ExplainHTML writes one self-contained HTML page with every ladder as an
// inline SVG diagram (text labels as <text> elements), its notes and its
// text version. The page fetches nothing and runs no script: CSS is
// inline, the Content-Security-Policy forbids any other source, and every
// string is escaped twice, first for control characters (Escape, already
// done in the Ladder) then for HTML by html/template. It reads on a phone
// (wide diagrams scroll sideways instead of shrinking to illegible text),
// follows the reader's dark-mode preference, and prints one session per
// page. title names the capture(s) in the page heading.
func ExplainHTML(w io.Writer, title string, ladders []*Ladder, opts Options) error {
	page := htmlPage{Title: Escape(title), Masked: !opts.ShowPasswords}
	for i, l := range ladders {
		var text bytes.Buffer
		if err := ExplainText(&text, []*Ladder{l}, opts); err != nil {
			return err
		}
		page.Sessions = append(page.Sessions, htmlSession{
			Ladder: l,
			Anchor: "session-" + strconv.Itoa(i+1),
			SVG:    layoutSVG(l, i+1),
			Text:   text.String(),
		})
	}
	return explainPage.Execute(w, page)
}

type htmlPage struct {
	Title    string
	Masked   bool
	Sessions []htmlSession
}

type htmlSession struct {
	*Ladder
	Anchor string
	SVG    svgLadder
	Text   string
}

// SVG geometry, in user units (pixels at 1:1). Labels use a monospace
// font so their width can be estimated from their length.
const (
	svgCharW       = 7.3  // advance of a 12px monospace character
	svgDetailCharW = 6.7  // advance of an 11px one
	svgMinGap      = 200  // narrowest space between two lanes
	svgMaxLabel    = 84   // longest label drawn, in characters
	svgMaxDetail   = 76   // detail lines are wrapped at this width
	svgHeaderH     = 64   // lane headers
	svgRowH        = 30   // an arrow and its label
	svgLineH       = 15   // each detail line
	svgMargin      = 12   // around the drawing
	svgMinScale    = 0.72 // below this the page scrolls instead of shrinking
)

type svgLadder struct {
	ID               string // unique within the page, for aria references
	W, H, MinW       int
	LifeTop, LifeEnd int
	TimeX            int
	Lanes            []svgLane
	Rows             []svgRow
}

type svgLane struct {
	X, BoxX, BoxW int
	Role, Addr    string
}

type svgText struct {
	X, Y int
	Text string
}

type svgRow struct {
	// Class styles the row: tcp, cmd, reply, dtcp, data or remark, plus
	// " alert".
	Class string
	// Full is the whole label, shown as a tooltip when it was cut.
	Full string
	Time svgText
	// An arrow from X1 to X2 at Y, with arrowheads.
	Arrow   bool
	X1, X2  int
	Y       int
	Heads   []string // polygon points
	Label   svgText
	Details []svgText
	// A remark: a band across every lane.
	Remark      bool
	RX, RY, RW  int
	RH          int
	RemarkLines []svgText
}

func svgWidth(chars int, charW float64) int { return int(float64(chars)*charW + 0.5) }

// layoutSVG places lanes and rows. Each gap between neighbouring lanes is
// as wide as the widest label drawn across it alone.
func layoutSVG(l *Ladder, n int) svgLadder {
	g := svgLadder{ID: "ladder-" + strconv.Itoa(n)}
	lanes := max(len(l.Lanes), 2)
	timeChars := len("+0.000s")
	for _, st := range l.Steps {
		if st.Timed {
			timeChars = max(timeChars, len(ladderTime(st.At)))
		}
	}
	g.TimeX = svgMargin + svgWidth(timeChars, svgCharW)
	gaps := make([]int, lanes-1)
	for i := range gaps {
		gaps[i] = svgMinGap
	}
	detailLines := func(st Step) []string {
		var out []string
		for _, d := range st.Details {
			out = append(out, ladderWrap(d, svgMaxDetail)...)
		}
		return out
	}
	for _, st := range l.Steps {
		lo, hi := stepSpan(st)
		if st.Kind == StepRemark || hi != lo+1 || hi >= lanes {
			continue
		}
		need := svgWidth(min(textWidth(st.Label), svgMaxLabel), svgCharW) + 60
		for _, d := range detailLines(st) {
			need = max(need, svgWidth(textWidth(d), svgDetailCharW)+40)
		}
		gaps[lo] = max(gaps[lo], need)
	}
	// Header boxes.
	boxW := make([]int, lanes)
	for i := range lanes {
		var role, addr string
		if i < len(l.Lanes) {
			role, addr = l.Lanes[i].Role, l.Lanes[i].Header()
		}
		boxW[i] = svgWidth(max(textWidth(role), textWidth(addr)), svgCharW) + 24
	}
	x := max(g.TimeX+24+boxW[0]/2, g.TimeX+40)
	for i := range lanes {
		if i > 0 {
			x += max(gaps[i-1], (boxW[i-1]+boxW[i])/2+16)
		}
		lane := svgLane{X: x, BoxW: boxW[i], BoxX: x - boxW[i]/2}
		if i < len(l.Lanes) {
			lane.Role, lane.Addr = l.Lanes[i].Role, l.Lanes[i].Header()
		}
		g.Lanes = append(g.Lanes, lane)
	}
	first, last := g.Lanes[0].X, g.Lanes[lanes-1].X
	g.W = last + boxW[lanes-1]/2 + svgMargin

	y := svgHeaderH + 16
	for _, st := range l.Steps {
		row := svgRow{Class: stepClass(st), Full: st.Label}
		if st.Timed {
			row.Time = svgText{X: g.TimeX, Text: ladderTime(st.At)}
		}
		lo, hi := stepSpan(st)
		if st.Kind == StepRemark || lo == hi || hi >= lanes || lo < 0 {
			text := st.Label
			if st.Kind != StepRemark {
				text = "(" + st.Label + ")"
			}
			lines := ladderWrap(text, max(int(float64(last-first)/svgCharW)-4, 20))
			row.Remark = true
			row.RX, row.RW = first-10, last-first+20
			row.RY = y
			row.RH = 10 + len(lines)*svgLineH
			for k, line := range lines {
				row.RemarkLines = append(row.RemarkLines, svgText{X: first + 4, Y: y + 5 + (k+1)*svgLineH - 3, Text: line})
			}
			row.Time.Y = y + svgLineH
			y += row.RH + 12
			g.Rows = append(g.Rows, row)
			continue
		}
		y += svgRowH - 8
		x1, x2 := g.Lanes[st.From].X, g.Lanes[st.To].X
		row.Arrow, row.X1, row.X2, row.Y = true, x1, x2, y
		row.Time.Y = y + 4
		row.Heads = append(row.Heads, arrowHead(x2, y, x2 > x1))
		if st.Both {
			row.Heads = append(row.Heads, arrowHead(x1, y, x1 > x2))
		}
		gap := g.Lanes[hi].X - g.Lanes[lo].X
		label := st.Label
		fit := max(int(float64(gap-40)/svgCharW), 8)
		if textWidth(label) > fit && st.Short != "" {
			label = st.Short
		}
		row.Label = svgText{X: (x1 + x2) / 2, Y: y - 6, Text: cutEnd(label, min(fit, svgMaxLabel))}
		for _, d := range detailLines(st) {
			y += svgLineH
			row.Details = append(row.Details, svgText{X: (x1 + x2) / 2, Y: y + 2, Text: d})
		}
		y += 8
		g.Rows = append(g.Rows, row)
	}
	g.LifeTop = svgHeaderH
	g.LifeEnd = y + 16
	g.H = g.LifeEnd + svgMargin
	g.MinW = int(float64(g.W) * svgMinScale)
	return g
}

// arrowHead is the polygon of a head pointing right (or left) at x, y.
func arrowHead(x, y int, right bool) string {
	d := 10
	if right {
		d = -10
	}
	return strconv.Itoa(x) + "," + strconv.Itoa(y) + " " +
		strconv.Itoa(x+d) + "," + strconv.Itoa(y-5) + " " +
		strconv.Itoa(x+d) + "," + strconv.Itoa(y+5)
}

func stepClass(st Step) string {
	c := "remark"
	switch st.Kind {
	case StepTCP:
		c = "tcp"
	case StepCommand:
		c = "cmd"
	case StepReply:
		c = "reply"
	case StepDataTCP:
		c = "dtcp"
	case StepData:
		c = "data"
	}
	if st.Alert {
		c += " alert"
	}
	return c
}

// explainPage is the page template. html/template escapes every value
// for its context (text, attribute, URL fragment, CSS number).
var explainPage = template.Must(template.New("explain").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="ftpsniff explain">
<title>FTP on the wire: {{.Title}}</title>
<style>
:root{--fg:#1f2328;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--tcp:#6e7781;--cmd:#0550ae;--reply:#116329;--data:#bc4c00;--alert:#cf222e;--remark:#fff8c5;--remark-line:#d4a72c;--alert-bg:#ffebe9}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--panel:#161b22;--line:#30363d;--tcp:#8d96a0;--cmd:#79c0ff;--reply:#56d364;--data:#ffa657;--alert:#ff7b72;--remark:#3b2e00;--remark-line:#9e6a03;--alert-bg:#490202}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1400px;padding:1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.25rem;margin:0 0 .2rem;overflow-wrap:anywhere}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
code,pre,.conn{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.conn{font-size:.9em;font-weight:normal;color:var(--muted)}
.sub,.summary,footer{color:var(--muted);overflow-wrap:anywhere}
nav ol{padding-left:1.4rem}
nav a{color:var(--cmd)}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.9rem;padding:0;list-style:none}
.legend li::before{content:"";display:inline-block;width:2.2rem;height:0;vertical-align:middle;margin-right:.4rem;border-top:2px solid var(--k)}
.legend .k-tcp{--k:var(--tcp)}.legend .k-cmd{--k:var(--cmd)}.legend .k-reply{--k:var(--reply)}.legend .k-alert{--k:var(--alert)}
.legend .k-dtcp::before{border-top:2px dashed var(--data)}.legend .k-data::before{border-top:4px solid var(--data)}
section.session{border-top:1px solid var(--line);padding-top:1rem;margin-top:1.5rem}
.ladder{overflow-x:auto;-webkit-overflow-scrolling:touch;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.3rem}
.ladder svg{display:block;width:100%;height:auto}
svg text{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px;fill:var(--fg)}
svg .life{stroke:var(--line);stroke-width:1.5;stroke-dasharray:4 4}
svg .box{fill:var(--bg);stroke:var(--line)}
svg .role{font-weight:bold;font-family:system-ui,sans-serif;font-size:13px}
svg .addr{fill:var(--muted)}
svg .time{fill:var(--muted);text-anchor:end}
svg .label,svg .detail{text-anchor:middle}
svg .detail{font-size:11px;fill:var(--muted);font-style:italic}
svg line{stroke-width:1.6}
svg .tcp line{stroke:var(--tcp)}svg .tcp polygon{fill:var(--tcp)}svg .tcp .label{fill:var(--tcp)}
svg .cmd line{stroke:var(--cmd)}svg .cmd polygon{fill:var(--cmd)}
svg .reply line{stroke:var(--reply)}svg .reply polygon{fill:var(--reply)}
svg .dtcp line{stroke:var(--data);stroke-dasharray:7 4}svg .dtcp polygon{fill:var(--data)}
svg .data line{stroke:var(--data);stroke-width:4}svg .data polygon{fill:var(--data)}
svg .alert line{stroke:var(--alert)}svg .alert polygon{fill:var(--alert)}svg .alert .label{fill:var(--alert);font-weight:bold}
svg .remark rect{fill:var(--remark);stroke:var(--remark-line)}
svg .remark.alert rect{fill:var(--alert-bg);stroke:var(--alert)}
ul.notes{padding-left:1.3rem}
ul.notes li{margin:.35rem 0;overflow-wrap:anywhere}
details.text pre{overflow-x:auto;font-size:12px;line-height:1.35;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.5rem}
.hint{display:none;font-size:.85rem;color:var(--muted);margin:.2rem 0}
@media (max-width:600px){body{padding:.5rem;font-size:15px}h1{font-size:1.3rem}.hint{display:block}}
@media print{
:root{--fg:#000;--muted:#333;--bg:#fff;--panel:#fff;--line:#999}
body{max-width:none;padding:0;font-size:11pt}
nav,details.text,.hint{display:none}
section.session{break-before:page;border:0;margin:0}
section.session:first-of-type{break-before:auto}
.ladder{overflow:visible;border:0;padding:0}
.ladder svg{min-width:0!important;max-width:100%!important}
h2,h3{break-after:avoid}
ul.notes li{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
</style>
</head>
<body>
<header>
<h1>FTP on the wire</h1>
<p class="sub">{{.Title}}: {{len .Sessions}} session{{if ne (len .Sessions) 1}}s{{end}}. Times are seconds since each session's first packet; passwords are {{if .Masked}}masked{{else}}shown as sent{{end}}.</p>
<ul class="legend">
<li class="k-tcp">TCP segments of the control connection</li>
<li class="k-cmd">commands (client to server)</li>
<li class="k-reply">replies (server to client)</li>
<li class="k-dtcp">data connection opening and closing</li>
<li class="k-data">data (file or listing)</li>
<li class="k-alert">failed, refused or aborted</li>
</ul>
</header>
{{if gt (len .Sessions) 1}}<nav aria-label="Sessions"><ol>
{{range .Sessions}}<li><a href="#{{.Anchor}}">Session {{.ID}}</a> <span class="conn">{{.Title}}</span></li>
{{end}}</ol></nav>{{end}}
<main>
{{if not .Sessions}}<p>No FTP sessions.</p>{{end}}
{{range .Sessions}}<section class="session" id="{{.Anchor}}">
<h2>Session {{.ID}} <span class="conn">{{.Title}}</span></h2>
<p class="summary">{{.Summary}}{{if .StartText}}; first packet {{.StartText}}{{end}}</p>
{{with .SVG}}{{$g := .}}<p class="hint">Scroll sideways to see the whole diagram.</p>
<div class="ladder">
<svg id="{{.ID}}" viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" style="min-width:{{.MinW}}px;max-width:{{.W}}px" role="img" aria-labelledby="{{.ID}}-title">
<title id="{{.ID}}-title">Ladder diagram: every packet exchange of the session, top to bottom in time order</title>
{{range .Lanes}}<line class="life" x1="{{.X}}" y1="{{$g.LifeTop}}" x2="{{.X}}" y2="{{$g.LifeEnd}}"/>
<rect class="box" x="{{.BoxX}}" y="8" width="{{.BoxW}}" height="44" rx="6"/>
<text class="role" x="{{.X}}" y="26" text-anchor="middle">{{.Role}}</text>
<text class="addr" x="{{.X}}" y="44" text-anchor="middle">{{.Addr}}</text>
{{end}}{{range .Rows}}<g class="{{.Class}}"><title>{{.Full}}</title>
{{if .Time.Text}}<text class="time" x="{{.Time.X}}" y="{{.Time.Y}}">{{.Time.Text}}</text>
{{end}}{{if .Remark}}<rect x="{{.RX}}" y="{{.RY}}" width="{{.RW}}" height="{{.RH}}" rx="4"/>
{{range .RemarkLines}}<text class="rtext" x="{{.X}}" y="{{.Y}}">{{.Text}}</text>
{{end}}{{else}}<line x1="{{.X1}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y}}"/>
{{range .Heads}}<polygon points="{{.}}"/>
{{end}}<text class="label" x="{{.Label.X}}" y="{{.Label.Y}}">{{.Label.Text}}</text>
{{range .Details}}<text class="detail" x="{{.X}}" y="{{.Y}}">{{.Text}}</text>
{{end}}{{end}}</g>
{{end}}</svg>
</div>{{end}}
{{if .Notes}}<h3>What this session shows</h3>
<ul class="notes">
{{range .Notes}}<li>{{.}}</li>
{{end}}</ul>{{end}}
<details class="text"><summary>Text version</summary>
<pre>{{.Text}}</pre>
</details>
</section>
{{end}}</main>
<footer><p>Drawn by ftpsniff explain from the capture alone: what the decoder could not see (a SYN-ACK's exact time, encrypted commands) is left out, not guessed.</p></footer>
</body>
</html>
`))
