// Package report turns decoded FTP sessions into output for people and
// pipelines: compact terminal tables, a per-session transcript of the
// dialogue, newline-delimited JSON (the contract in docs/json.md),
// and an extraction sink that writes transferred files to disk.
//
// Everything a session holds came off the wire and is hostile. Human
// output passes every such string through Escape, so a crafted user name
// or file name cannot move the cursor, recolour the terminal or hide
// characters; tables additionally cut over-long cells to keep their shape.
// Passwords are replaced by "<hidden>" unless Options.ShowPasswords is set.
// Output depends only on its input: times come from the capture and are
// shown in Options.TimeZone (UTC by default); nothing reads the clock.
package report

import (
	"time"
)

// Options controls rendering. The zero value is ready to use: passwords
// hidden, times in UTC, tables fitted to 120 columns.
type Options struct {
	// ShowPasswords prints PASS arguments as sent instead of "<hidden>",
	// in every output (tables, transcript, JSON).
	ShowPasswords bool
	// TimeZone is where human-readable times are shown; nil means UTC.
	// JSON times are always UTC, as the JSON contract requires.
	TimeZone *time.Location
	// Width is the terminal width, in columns, that tables try to fit by
	// shortening their free-text columns (user, path, notes); 0 means
	// DefaultWidth. Columns with fixed content (addresses, numbers) are
	// never cut, so a table may still be wider on very long IPv6 rows.
	Width int
	// MaxLoginRows caps how many login attempts per session the table
	// lists, so one brute-force session cannot bury the report; 0 means
	// DefaultMaxLoginRows, negative means no cap. Successful attempts are
	// always listed and the rest are counted on one line.
	MaxLoginRows int
}

// Defaults used when the matching Options field is zero.
const (
	DefaultWidth        = 120
	DefaultMaxLoginRows = 10
)

// Hidden is what a masked password looks like in every output.
const Hidden = "<hidden>"

func (o Options) location() *time.Location {
	if o.TimeZone == nil {
		return time.UTC
	}
	return o.TimeZone
}

func (o Options) width() int {
	if o.Width <= 0 {
		return DefaultWidth
	}
	return o.Width
}

func (o Options) maxLoginRows() int {
	switch {
	case o.MaxLoginRows == 0:
		return DefaultMaxLoginRows
	case o.MaxLoginRows < 0:
		return int(^uint(0) >> 1)
	}
	return o.MaxLoginRows
}

// password renders a password for output: nil stays nil, anything else is
// masked unless ShowPasswords.
func (o Options) password(p *string) *string {
	if p == nil {
		return nil
	}
	if o.ShowPasswords {
		return p
	}
	h := Hidden
	return &h
}
