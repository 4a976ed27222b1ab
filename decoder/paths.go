package decoder

import (
	"path"
	"strings"
)

// This file tracks the working directory of a session so that transfer
// arguments can be reported as absolute paths. RFC 959 leaves the path
// syntax to the server (4.1.1 "CWD", 5.3.2 <pathname> ::= <string>);
// most servers use "/"-separated Unix paths, which are cleaned with
// path.Clean. Paths in any other style (Windows drive letters,
// backslashes, VMS "[DIR]") are passed through untouched.

// workDir is what is known of the working directory.
type workDir struct {
	// dir is the directory; when !abs it is relative to an unknown base
	// ("" when nothing at all is known).
	dir string
	// abs is true once dir is the absolute path the server uses, learnt
	// from a 257 reply (RFC 959 Appendix II) or an absolute CWD.
	abs bool
}

// slashPath reports whether p is a "/"-style path that path.Clean may
// touch: no backslash, no drive letter, no VMS brackets.
func slashPath(p string) bool {
	if strings.ContainsAny(p, "\\[]") {
		return false
	}
	if len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0]) {
		return false
	}
	return true
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// resolve returns arg made absolute against the working directory when
// possible, otherwise as relative as what is known; ok is false when
// there is nothing to report (no argument and no known directory).
func (w *workDir) resolve(arg string) (p string, ok bool) {
	if arg == "" {
		if w.dir == "" {
			return "", false
		}
		return w.dir, true
	}
	if !slashPath(arg) {
		return arg, true
	}
	if strings.HasPrefix(arg, "/") {
		return path.Clean(arg), true
	}
	if strings.HasPrefix(arg, "~") {
		// A home-relative path (a common server extension): the home
		// directory is not known.
		return arg, true
	}
	if w.dir == "" {
		return path.Clean(arg), true
	}
	if !slashPath(w.dir) {
		return arg, true
	}
	return path.Clean(w.dir + "/" + arg), true
}

// chdir applies an accepted CWD (RFC 959 4.1.1).
func (w *workDir) chdir(arg string) {
	if arg == "" {
		return
	}
	p, _ := w.resolve(arg)
	if slashPath(arg) && strings.HasPrefix(arg, "/") {
		w.abs = true
	} else if !slashPath(arg) {
		// A foreign-style path: remember it as given, absolute or not.
		w.abs = false
	}
	w.dir = p
}

// cdup applies an accepted CDUP (RFC 959 4.1.1: "change to parent
// directory").
func (w *workDir) cdup() {
	if w.dir == "" {
		w.dir = ".."
		return
	}
	if !slashPath(w.dir) {
		w.dir, w.abs = "", false
		return
	}
	w.dir = path.Clean(w.dir + "/..")
}

// learn takes the directory a 257 reply to PWD names (RFC 959 Appendix
// II: the reply text starts with the quoted pathname).
func (w *workDir) learn(dir string) {
	if dir == "" {
		return
	}
	if slashPath(dir) {
		if strings.HasPrefix(dir, "/") {
			w.dir, w.abs = path.Clean(dir), true
			return
		}
		// A relative answer carries no base: keep it as the server said.
		w.dir, w.abs = path.Clean(dir), false
		return
	}
	w.dir, w.abs = dir, true
}

// learnFromMkdir uses the 257 reply to MKD (RFC 959 Appendix II: the
// reply names the created directory, absolute) to find the unknown base
// of a relative working directory: if dir ends with the relative path
// that was created, what precedes it is the working directory.
func (w *workDir) learnFromMkdir(arg, created string) {
	if w.abs || arg == "" || !slashPath(arg) || !slashPath(created) ||
		!strings.HasPrefix(created, "/") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") {
		return
	}
	rel := path.Clean(arg)
	if w.dir != "" {
		rel = path.Clean(w.dir + "/" + arg)
	}
	if rel == "." || strings.HasPrefix(rel, "..") {
		return
	}
	created = path.Clean(created)
	base, found := strings.CutSuffix(created, "/"+rel)
	if !found {
		return
	}
	if base == "" {
		base = "/"
	}
	if w.dir == "" {
		w.dir = base
	} else {
		w.dir = path.Clean(base + "/" + w.dir)
	}
	w.abs = true
}
