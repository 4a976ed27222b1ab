package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Extraction defaults and bounds.
const (
	// DefaultMaxOpen is how many extracted files may be open at once; a
	// transfer starting beyond it is skipped (note extract_skipped), so a
	// capture with thousands of parallel transfers cannot exhaust file
	// descriptors.
	DefaultMaxOpen = 64
	// maxNameLen caps an extracted file's name, before any collision
	// counter and ".partial" suffix, well below the usual 255-byte limit.
	maxNameLen = 100
	// maxIDLen caps the session-ID part of a name.
	maxIDLen = 40
	// maxExtLen is the longest extension kept when a name is shortened.
	maxExtLen = 16
	// maxCollisions is how many counter suffixes are tried per name.
	maxCollisions = 1000
	// maxErrors bounds the error list; the rest are only counted.
	maxErrors = 256
	// sniffLen is how much content MIME detection looks at.
	sniffLen = 512
	// partialSuffix marks a file that is not the whole transferred file.
	partialSuffix = ".partial"
)

// Notes the Extractor adds to a transfer.
const (
	NoteExtractFailed    = string(decoder.NoteExtractFailed)
	NoteExtractSkipped   = string(decoder.NoteExtractSkipped)
	NoteExtractTruncated = string(decoder.NoteExtractTruncated)
)

// Extractor is a decoder.ContentSink that writes the payload of every
// transfer it is given to its own file under one directory, for the
// --extract option. It is built for hostile input:
//
//   - files are created only inside the directory, through os.Root, with
//     O_CREATE|O_EXCL and without following symbolic links, so neither a
//     crafted path nor a link planted in the directory can redirect a
//     write, and an existing file is never overwritten (a counter is
//     added to the name instead);
//   - the name is "<session>-<transfer index>-<base name>" with the base
//     name sanitised (see fileName), so it is short, printable and safe in
//     a shell;
//   - payload is hashed (SHA-256) while written and its MIME type sniffed
//     from the first 512 bytes; both and the file name (relative to the
//     directory) are recorded in the Transfer at Close;
//   - bytes the capture missed are not filled in: what was seen is written
//     back to back, and the file is renamed "<name>.partial" unless it is
//     known whole: no byte missing, no REST offset (the file's head was
//     not sent), not cut by MaxFileSize, and a 2xx final reply. SHA256 is
//     always the hash of the file as written;
//   - at most MaxOpen files are open at once; I/O errors never panic: they
//     are noted on the transfer and kept in Errors.
//
// The decoder calls ContentWriter.Close once the final reply is in and
// the data connection closed (Status set); a transfer without a final
// reply is marked partial. Call Extractor.Close at the end of the run.
// An Extractor is safe for concurrent use.
type Extractor struct {
	// MaxOpen is how many files may be open at once (DefaultMaxOpen).
	MaxOpen int
	// MaxFileSize, when positive, caps one file's size; the rest of the
	// transfer is dropped and the file marked partial.
	MaxFileSize int64

	root *os.Root

	mu      sync.Mutex
	slots   int // files open or being created
	open    map[*fileWriter]struct{}
	errs    []error
	dropped int
}

// NewExtractor returns an Extractor writing under dir, created (mode
// 0750) if missing. Close it at the end of the run.
func NewExtractor(dir string) (*Extractor, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("extract directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("extract directory: %w", err)
	}
	return &Extractor{MaxOpen: DefaultMaxOpen, root: root, open: map[*fileWriter]struct{}{}}, nil
}

// Open implements decoder.ContentSink: it creates the file for t and
// returns its writer, or nil (skipping the transfer) when too many files
// are open or the file cannot be created.
func (e *Extractor) Open(s *decoder.Session, t *decoder.Transfer) decoder.ContentWriter {
	if s == nil || t == nil {
		return nil
	}
	e.mu.Lock()
	full := e.slots >= max(1, e.MaxOpen)
	if !full {
		e.slots++ // reserved before the file exists, so the bound holds
	}
	e.mu.Unlock()
	if full {
		addNote(t, NoteExtractSkipped)
		return nil
	}
	name := fileName(s.ID, transferIndex(s, t), transferName(t))
	f, name, err := e.create(name)
	if err != nil {
		e.mu.Lock()
		e.slots--
		e.mu.Unlock()
		e.fail(t, fmt.Errorf("extract %s: %w", name, err))
		return nil
	}
	w := &fileWriter{e: e, t: t, f: f, bw: bufio.NewWriterSize(f, 32<<10), h: sha256.New(), name: name}
	e.mu.Lock()
	e.open[w] = struct{}{}
	e.mu.Unlock()
	return w
}

// Errors returns the I/O errors met so far, oldest first; past 256 the
// last element counts the ones not kept.
func (e *Extractor) Errors() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := slices.Clone(e.errs)
	if e.dropped > 0 {
		errs = append(errs, fmt.Errorf("%d more extraction errors not kept", e.dropped))
	}
	return errs
}

// Close ends the run: files still open (their transfer never ended) are
// closed, marked partial and recorded in their Transfer, then the
// directory handle is released. It returns the first error met, if any.
func (e *Extractor) Close() error {
	e.mu.Lock()
	left := make([]*fileWriter, 0, len(e.open))
	for w := range e.open {
		left = append(left, w)
	}
	e.mu.Unlock()
	slices.SortFunc(left, func(a, b *fileWriter) int { return strings.Compare(a.name, b.name) })
	for _, w := range left {
		w.finish(w.t, true)
	}
	err := e.root.Close()
	if errs := e.Errors(); len(errs) > 0 {
		return errs[0]
	}
	return err
}

// create makes a new file named name, or name with a counter when taken.
func (e *Extractor) create(name string) (*os.File, string, error) {
	for i := 0; i < maxCollisions; i++ {
		candidate := withCounter(name, i, "")
		f, err := e.root.OpenFile(candidate, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if err == nil {
			return f, candidate, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, candidate, err
		}
	}
	return nil, name, fmt.Errorf("%d names taken: %w", maxCollisions, fs.ErrExist)
}

// markPartial renames a finished file to name.partial (or with a counter
// when taken) without ever replacing an existing file: it hard-links the
// new name, which fails when the name exists, then removes the old one.
// Where hard links are not supported it falls back to a checked rename.
func (e *Extractor) markPartial(name string) (string, error) {
	for i := 0; i < maxCollisions; i++ {
		candidate := withCounter(name, i, partialSuffix)
		err := e.root.Link(name, candidate)
		if err == nil {
			return candidate, e.root.Remove(name)
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if _, serr := e.root.Lstat(candidate); errors.Is(serr, fs.ErrNotExist) {
			if rerr := e.root.Rename(name, candidate); rerr == nil {
				return candidate, nil
			}
		}
		return name, err
	}
	return name, fmt.Errorf("%d partial names taken: %w", maxCollisions, fs.ErrExist)
}

func (e *Extractor) fail(t *decoder.Transfer, err error) {
	if t != nil {
		addNote(t, NoteExtractFailed)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.errs) < maxErrors {
		e.errs = append(e.errs, err)
	} else {
		e.dropped++
	}
}

func (e *Extractor) release(w *fileWriter) {
	e.mu.Lock()
	if _, ok := e.open[w]; ok {
		delete(e.open, w)
		e.slots--
	}
	e.mu.Unlock()
}

// fileWriter is one transfer's file; it implements decoder.ContentWriter.
type fileWriter struct {
	e       *Extractor
	t       *decoder.Transfer // as given to Open, for Extractor.Close
	f       *os.File          // nil once closed
	bw      *bufio.Writer
	h       hash.Hash
	sniff   []byte
	name    string
	written int64
	missing int64
	cut     bool  // MaxFileSize reached
	err     error // first I/O error
	done    bool
}

// Write implements decoder.ContentWriter.
func (w *fileWriter) Write(p []byte) {
	if w.done || w.err != nil || w.cut {
		return
	}
	if limit := w.e.MaxFileSize; limit > 0 && w.written+int64(len(p)) > limit {
		p = p[:limit-w.written]
		w.cut = true
	}
	if n := min(len(p), sniffLen-len(w.sniff)); n > 0 {
		w.sniff = append(w.sniff, p[:n]...)
	}
	if _, err := w.bw.Write(p); err != nil {
		w.ioError(err)
		return
	}
	w.h.Write(p)
	w.written += int64(len(p))
}

// Skip implements decoder.ContentWriter: the gap is counted, not filled.
func (w *fileWriter) Skip(n int64) {
	if n > 0 && !w.done {
		w.missing += n
	}
}

// Close implements decoder.ContentWriter.
func (w *fileWriter) Close(t *decoder.Transfer) {
	if t == nil {
		t = w.t
	}
	w.finish(t, false)
}

// ioError records the first I/O error and closes the file at once, so a
// full disk does not keep descriptors open for the rest of the transfer.
func (w *fileWriter) ioError(err error) {
	if w.err == nil {
		w.err = err
	}
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}

// finish closes the file and records the result in t; abandoned means
// the transfer never ended (Extractor.Close), so the file is partial.
func (w *fileWriter) finish(t *decoder.Transfer, abandoned bool) {
	if w.done {
		return
	}
	w.done = true
	defer w.e.release(w)
	if w.f != nil {
		if err := w.bw.Flush(); err != nil {
			w.ioError(err)
		} else if err := w.f.Close(); err != nil {
			w.f = nil
			w.ioError(err)
		}
		w.f = nil
	}
	// The decoder closes the writer after the final reply: a 2xx (RFC 959
	// 4.2: 226/250) with no byte missing and no REST offset is what makes
	// the file whole.
	partial := abandoned || w.err != nil || w.cut || w.missing > 0 || t == nil ||
		t.MissingBytes > 0 || t.Rest > 0 || t.Status == nil || *t.Status/100 != 2
	name := w.name
	if partial {
		var err error
		if name, err = w.e.markPartial(w.name); err != nil {
			w.e.fail(t, fmt.Errorf("extract %s: mark partial: %w", w.name, err))
		}
	}
	if w.err != nil {
		w.e.fail(t, fmt.Errorf("extract %s: %w", w.name, w.err))
	}
	if t == nil {
		return
	}
	t.File = name
	if w.cut {
		addNote(t, NoteExtractTruncated)
	}
	if w.err == nil {
		t.SHA256 = hex.EncodeToString(w.h.Sum(nil))
		if len(w.sniff) > 0 {
			t.MIME = http.DetectContentType(w.sniff)
		}
	}
}

// addNote appends note to t.Notes unless already there.
func addNote(t *decoder.Transfer, note string) {
	if !slices.Contains(t.Notes, note) {
		t.Notes = append(t.Notes, note)
	}
}

// transferIndex is t's position in s.Transfers, or the position it will
// take when the decoder has not appended it yet.
func transferIndex(s *decoder.Session, t *decoder.Transfer) int {
	for i := len(s.Transfers) - 1; i >= 0; i-- {
		if s.Transfers[i] == t {
			return i
		}
	}
	return len(s.Transfers)
}

// transferName is the wire name a transfer's file is named after.
func transferName(t *decoder.Transfer) string {
	switch {
	case t.Path != nil:
		return *t.Path
	case t.Arg != nil:
		return *t.Arg
	}
	return strings.ToLower(t.Command)
}

// fileName builds "<session>-<index>-<base>" from hostile parts: the base
// is the last path component (either separator: a Windows client sends
// backslashes), every byte or rune outside [A-Za-z0-9._-] becomes one
// "_", runs of dots collapse to one so ".." cannot appear, dots and
// dashes are trimmed from both ends, an empty base becomes "unnamed",
// the session ID is cut to 40 bytes and the base so that the whole fits
// in 100 bytes, keeping a short extension. The result
// never contains a separator, never starts with "." or "-", and is never
// empty.
func fileName(session string, index int, wire string) string {
	id := cleanComponent(session)
	if len(id) > maxIDLen {
		id = strings.TrimRight(id[:maxIDLen], ".")
	}
	if id == "" {
		id = "s"
	}
	base := cleanComponent(lastComponent(wire))
	if base == "" {
		base = "unnamed"
	}
	prefix := id + "-" + strconv.Itoa(index) + "-"
	room := maxNameLen - len(prefix)
	if len(base) > room {
		ext := ""
		if i := strings.LastIndexByte(base, '.'); i > 0 && len(base)-i <= maxExtLen {
			ext = base[i:]
		}
		base = strings.TrimRight(base[:room-len(ext)], ".") + ext
	}
	return prefix + base
}

// lastComponent strips directories, whichever separator the client used.
func lastComponent(p string) string {
	p = strings.TrimRight(p, `/\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// cleanComponent maps a name onto [A-Za-z0-9._-]: each other rune (or
// invalid byte) becomes "_", with runs of replacements merged; runs of
// dots become one dot; dots and dashes are trimmed from the ends.
func cleanComponent(s string) string {
	b := make([]byte, 0, min(len(s), 4*maxNameLen))
	for i := 0; i < len(s) && len(b) < 4*maxNameLen; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		var c byte
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			c = byte(r)
		case r == '.':
			if len(b) > 0 && b[len(b)-1] == '.' {
				continue
			}
			c = '.'
		default:
			if len(b) > 0 && b[len(b)-1] == '_' {
				continue
			}
			c = '_'
		}
		b = append(b, c)
	}
	return strings.Trim(string(b), ".-")
}

// withCounter adds "_N" before the extension for N > 0, then suffix.
func withCounter(name string, n int, suffix string) string {
	if n == 0 {
		return name + suffix
	}
	counter := "_" + strconv.Itoa(n)
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= maxExtLen {
		return name[:i] + counter + name[i:] + suffix
	}
	return name + counter + suffix
}
