package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// column groups the checks of the table.
type column int

// The table's columns, in print order.
const (
	colSessions column = iota // FTP sessions found (control connections), data connections tied to them
	colUsers                  // USER and, where the peer shows it, PASS
	colCommands               // command verbs and arguments, in order
	colReplies                // reply codes (and texts) per command
	colPorts                  // dynamic ports: PORT/EPRT/PASV/EPSV addresses, data endpoints
	colModes                  // active or passive
	colFiles                  // file names of RETR/STOR/APPE/STOU
	colSizes                  // file sizes, byte counts, SHA-256
	numColumns
)

var columnNames = [numColumns]string{"sessions", "users", "commands", "replies", "ports", "modes", "files", "sizes"}

func (c column) String() string { return columnNames[c] }

// check is one value compared with the peer's expected result.
type check struct {
	Column column
	// Item names what was compared, stably across runs (it is the key of
	// the explanations table), e.g. "S1 row 5 RETR reply_code".
	Item string
	Want string // the peer's value
	Got  string // ftpsniff's value
	OK   bool
}

// outcome is every check of one capture against one peer.
type outcome struct {
	Peer string // "zeek" or "suricata"
	Name string // row label: baseline or test name
	// Source is what the expectations were read from; Note says what the
	// peer's test asserts, when it is not a log.
	Source string
	Note   string
	Checks []check
	// Err is set when the capture or a baseline could not be read.
	Err error
}

// add records a comparison of two strings.
func (o *outcome) add(col column, item, want, got string) {
	o.Checks = append(o.Checks, check{Column: col, Item: item, Want: want, Got: got, OK: want == got})
}

// addOK records a comparison whose verdict the caller computed (prefix
// matches, tolerant comparisons).
func (o *outcome) addOK(col column, item, want, got string, ok bool) {
	o.Checks = append(o.Checks, check{Column: col, Item: item, Want: want, Got: got, OK: ok})
}

// addInt records a comparison of two numbers.
func (o *outcome) addInt(col column, item string, want, got int64) {
	o.add(col, item, fmt.Sprint(want), fmt.Sprint(got))
}

// disagreement is a failed check and what the expectations say about it.
type disagreement struct {
	Outcome *outcome
	Check   check
	// Why is nil when no explanation is listed: the test fails.
	Why *explanation
}

// classify matches the failed checks with the explanations and returns
// them, plus the explanations that matched nothing (stale ones).
func classify(outs []*outcome, why []explanation) (dis []disagreement, stale []explanation) {
	used := make([]bool, len(why))
	for _, o := range outs {
		for _, c := range o.Checks {
			if c.OK {
				continue
			}
			d := disagreement{Outcome: o, Check: c}
			for i := range why {
				if why[i].matches(o, c) {
					d.Why = &why[i]
					used[i] = true
					break
				}
			}
			dis = append(dis, d)
		}
	}
	for i, u := range used {
		if !u {
			stale = append(stale, why[i])
		}
	}
	return dis, stale
}

// printTable writes the agreement table: one row per capture and peer,
// one "agree/disagree" cell per column. A cell's disagreements are all
// explained as a peer quirk or setting (x), include a known open
// ftpsniff bug (b) or include one not explained at all (!).
func printTable(w io.Writer, outs []*outcome, dis []disagreement) {
	type cell struct{ agree, disagree, bug, unexplained int }
	byOut := map[*outcome]*[numColumns]cell{}
	for _, o := range outs {
		var cells [numColumns]cell
		for _, c := range o.Checks {
			if c.OK {
				cells[c.Column].agree++
			}
		}
		byOut[o] = &cells
	}
	for _, d := range dis {
		c := &byOut[d.Outcome][d.Check.Column]
		c.disagree++
		switch {
		case d.Why == nil:
			c.unexplained++
		case d.Why.Verdict == ftpsniffBug:
			c.bug++
		}
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "peer\tcapture\t")
	for c := range numColumns {
		fmt.Fprintf(tw, "%s\t", c)
	}
	fmt.Fprintln(tw, "verdict\t")
	var total [numColumns]cell
	for _, o := range outs {
		fmt.Fprintf(tw, "%s\t%s\t", o.Peer, o.Name)
		cells := byOut[o]
		verdict := "agree"
		for col := range numColumns {
			c := cells[col]
			t := &total[col]
			t.agree += c.agree
			t.disagree += c.disagree
			t.bug += c.bug
			t.unexplained += c.unexplained
			fmt.Fprintf(tw, "%s\t", formatCell(c.agree, c.disagree, c.bug, c.unexplained))
			switch {
			case c.unexplained > 0:
				verdict = "UNEXPLAINED"
			case c.bug > 0 && verdict != "UNEXPLAINED":
				verdict = "open bug"
			case c.disagree > 0 && verdict == "agree":
				verdict = "explained"
			}
		}
		switch {
		case o.Err != nil:
			verdict = "ERROR"
		case len(o.Checks) == 0:
			verdict = "n/a (no traffic)"
		}
		fmt.Fprintf(tw, "%s\t\n", verdict)
	}
	fmt.Fprint(tw, "\tTOTAL\t")
	for _, c := range total {
		fmt.Fprintf(tw, "%s\t", formatCell(c.agree, c.disagree, c.bug, c.unexplained))
	}
	fmt.Fprintln(tw, "\t")
	tw.Flush()
	fmt.Fprintln(w, `
Cells are agree/disagree counts ("-": nothing to compare). A disagreement is
x: explained (the peer is wrong, one of its settings changes the value, or it
knows what no passive decoder can read), b: a known open ftpsniff bug,
!: not explained (the test fails). docs/conformance.md explains each one.`)
}

func formatCell(agree, disagree, bug, unexplained int) string {
	if agree == 0 && disagree == 0 {
		return "-"
	}
	s := fmt.Sprintf("%d/%d", agree, disagree)
	switch {
	case unexplained > 0:
		s += "!"
	case bug > 0:
		s += "b"
	case disagree > 0:
		s += "x"
	}
	return s
}

// printSummary counts the comparisons and the disagreements by verdict.
func printSummary(w io.Writer, outs []*outcome, dis []disagreement) {
	n := 0
	for _, o := range outs {
		n += len(o.Checks)
	}
	by := map[verdict]int{}
	unexplained := 0
	for _, d := range dis {
		if d.Why == nil {
			unexplained++
			continue
		}
		by[d.Why.Verdict]++
	}
	fmt.Fprintf(w, "\n%d cases, %d comparisons: %d agree, %d disagree (%d peer quirk, %d peer setting, %d ftpsniff limitation, %d open ftpsniff bug, %d not explained)\n",
		len(outs), n, n-len(dis), len(dis), by[peerQuirk], by[peerSetting], by[ftpsniffLimit], by[ftpsniffBug], unexplained)
}

// printDisagreements lists every disagreement with its explanation.
// Consecutive disagreements with the same explanation share it, and a
// long run of them is shortened to its first and last items.
func printDisagreements(w io.Writer, dis []disagreement, stale []explanation) {
	if len(dis) > 0 {
		fmt.Fprintln(w, "\nDisagreements:")
	}
	line := func(c check) {
		fmt.Fprintf(w, "  [%s] %s: peer %s, ftpsniff %s\n", c.Column, c.Item, clip(c.Want), clip(c.Got))
	}
	var last *outcome
	for i := 0; i < len(dis); {
		d := dis[i]
		if d.Outcome != last {
			fmt.Fprintf(w, "\n%s %s (%s)\n", d.Outcome.Peer, d.Outcome.Name, d.Outcome.Source)
			last = d.Outcome
		}
		j := i + 1
		for j < len(dis) && dis[j].Outcome == d.Outcome && dis[j].Why == d.Why && d.Why != nil {
			j++
		}
		if j-i > 4 {
			line(dis[i].Check)
			line(dis[i+1].Check)
			fmt.Fprintf(w, "  ... %d more like these ...\n", j-i-3)
			line(dis[j-1].Check)
		} else {
			for _, x := range dis[i:j] {
				line(x.Check)
			}
		}
		if d.Why == nil {
			fmt.Fprintln(w, "      NOT EXPLAINED")
		} else {
			fmt.Fprintf(w, "      %s: %s\n", d.Why.Verdict, d.Why.Why)
		}
		i = j
	}
	if len(stale) > 0 {
		fmt.Fprintln(w, "\nExplanations that no longer match any disagreement (remove them from expect.go):")
		for _, e := range stale {
			fmt.Fprintf(w, "  %s %s: %s\n", e.Capture, e.Item, e.Why)
		}
	}
}

// printChecks lists every check (verbose mode).
func printChecks(w io.Writer, outs []*outcome) {
	for _, o := range outs {
		fmt.Fprintf(w, "\n%s %s (%s)\n", o.Peer, o.Name, o.Source)
		if o.Note != "" {
			fmt.Fprintf(w, "  asserts: %s\n", o.Note)
		}
		if o.Err != nil {
			fmt.Fprintf(w, "  ERROR %v\n", o.Err)
		}
		for _, c := range o.Checks {
			mark := "ok  "
			if !c.OK {
				mark = "DIFF"
			}
			fmt.Fprintf(w, "  %s [%s] %s: peer %s, ftpsniff %s\n", mark, c.Column, c.Item, clip(c.Want), clip(c.Got))
		}
	}
}

// clip quotes s for one line, shortened when long.
func clip(s string) string {
	if len(s) > 90 {
		s = s[:60] + "..." + s[len(s)-20:] + fmt.Sprintf(" (%d bytes)", len(s))
	}
	return fmt.Sprintf("%q", s)
}
