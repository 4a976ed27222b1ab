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
//
// Bytes lost from the client's side of the control connection may hold
// a CWD or CDUP, and a CWD whose reply was lost may or may not have
// succeeded: from there the directory is unknown (lost), and paths are
// reported as sent, relative, until a command sent after the loss names
// the directory: an absolute CWD, or a 257 reply to PWD or MKD.
type workDir struct {
	// dir is the directory; when !abs it is relative to an unknown base
	// ("" when nothing at all is known).
	dir string
	// abs is true once dir is the absolute path the server uses, learnt
	// from a 257 reply (RFC 959 Appendix II) or an absolute CWD.
	abs bool
	// lost is set when the directory may have changed unseen (see lose).
	// lostAt numbers the last command after which it may have: the
	// replies to it and to the commands before describe an older
	// directory (see stale).
	lost   bool
	lostAt int
}

// lose forgets the directory because it may have changed unseen after
// the command numbered after (commands count from 1): bytes from the
// client were lost once that many commands had been seen, or that
// command was a CWD whose reply was lost, so whether it succeeded is
// unknown.
func (w *workDir) lose(after int) {
	if !w.lost || after > w.lostAt {
		w.lostAt = after
	}
	w.dir, w.abs, w.lost = "", false, true
}

// stale reports whether the reply to the command numbered seq cannot
// tell the directory: that command came before the unseen change, which
// the server executed after it (RFC 959 5.4: commands run in order).
func (w *workDir) stale(seq int) bool { return w.lost && seq <= w.lostAt }

// anchored reports whether arg does not depend on the working
// directory: an absolute "/" path, a drive-letter path or a home-relative
// "~" path.
func anchored(arg string) bool {
	return strings.HasPrefix(arg, "/") && slashPath(arg) || strings.HasPrefix(arg, "~") || driveRooted(arg)
}

// driveRooted reports a Windows-style absolute path ("C:\dir", "C:/dir").
func driveRooted(p string) bool {
	return len(p) >= 3 && isASCIILetter(p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
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

// chdir applies an accepted CWD (RFC 959 4.1.1). While the directory is
// lost, only an absolute path finds it again.
func (w *workDir) chdir(arg string) {
	if arg == "" {
		return
	}
	if w.lost {
		if !driveRooted(arg) && !(slashPath(arg) && strings.HasPrefix(arg, "/")) {
			return
		}
		w.lost = false
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
	if w.lost {
		return
	}
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
	w.lost = false
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
	w.abs, w.lost = true, false
}

// resolvePath resolves arg as resolve does, for a path the session
// reports, and notes cwd_unknown when that path is left relative
// because the directory was lost in a gap.
func (s *session) resolvePath(arg string) (string, bool) {
	p, ok := s.cwd.resolve(arg)
	if s.cwd.lost && !anchored(arg) {
		s.note(NoteCWDUnknown)
	}
	return p, ok
}
