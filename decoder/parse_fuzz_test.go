package decoder

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// Fuzz seeds are hand-written; a few imitate the shapes of Zeek's
// OSS-Fuzz FTP corpus (BSD-3, src/fuzzers/corpora/ftp-corpus.zip): signed
// and oversized PORT numbers, glued reply codes, binary noise.

func FuzzLineReader(f *testing.F) {
	f.Add([]byte(clientTranscript), uint16(7), uint16(0))
	f.Add([]byte(serverTranscript), uint16(100), uint16(16))
	f.Add([]byte("a\r\r\nb\rc\n\r"), uint16(2), uint16(1))
	f.Add([]byte("\xff\xff\xff\xfb\x01\xff\xf4\xff\xf2ABOR\r\n\xff"), uint16(3), uint16(4))
	f.Add([]byte("ab\xff\xfd\ncd\xff\n\xffA\r\n"), uint16(5), uint16(3))
	f.Add([]byte("PORT 2,1,-1,0,0,0\nPoRT 664336808023,5,0,1,1,-4\n"), uint16(9), uint16(8))
	f.Fuzz(func(t *testing.T, data []byte, split uint16, max uint16) {
		limit := int(max%300) + 1
		at := int(split) % (len(data) + 1)
		once, pendOnce := readLines(limit, data)
		two, pendTwo := readLines(limit, data[:at], data[at:])
		if !reflect.DeepEqual(once, two) || pendOnce != pendTwo {
			t.Fatalf("split at %d: %v (%d) != %v (%d)", at, two, pendTwo, once, pendOnce)
		}
		if len(data) <= 512 {
			bytewise, pend := readLines(limit, byteChunks(data)...)
			if !reflect.DeepEqual(once, bytewise) || pendOnce != pend {
				t.Fatalf("byte by byte: %v != %v", bytewise, once)
			}
		}
		if stopping, pend := readLinesStopping(t, limit, data); !reflect.DeepEqual(once, stopping) || pendOnce != pend {
			t.Fatalf("stopping at every line: %v (%d) != %v (%d)", stopping, pend, once, pendOnce)
		}
		for _, l := range once {
			if len(l.Line) > limit || (l.Truncated && len(l.Line) != limit) || strings.IndexByte(l.Line, '\n') >= 0 {
				t.Fatalf("bad line %q truncated %v (limit %d)", l.Line, l.Truncated, limit)
			}
		}
		if pendOnce > limit+1 {
			t.Fatalf("pending %d > limit %d", pendOnce, limit)
		}
		// Without Telnet bytes and CRs, the lines are exactly the LF
		// fields, cut to the limit.
		if bytes.IndexByte(data, telnetIAC) < 0 && bytes.IndexByte(data, '\r') < 0 {
			fields := bytes.Split(data, []byte("\n"))
			fields = fields[:len(fields)-1] // the unterminated tail is pending
			var want []lineOut
			for _, fl := range fields {
				if len(fl) > limit {
					want = append(want, lineOut{string(fl[:limit]), true})
				} else {
					want = append(want, lineOut{string(fl), false})
				}
			}
			tail := data[bytes.LastIndexByte(data, '\n')+1:]
			if len(tail) > limit {
				want = append(want, lineOut{string(tail[:limit]), true})
			}
			if !reflect.DeepEqual(once, want) {
				t.Fatalf("got %v, want %v", once, want)
			}
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range strings.Split(clientTranscript, "\r\n") {
		f.Add([]byte(s))
	}
	for _, s := range []string{"", " ", "STOR  a b", "xsha256 x", "TYPE" + strings.Repeat("E", 128),
		"US\x00ER x", "\x16\x03\x01", "PoRT 0,,0,1,-4", "SSH-2.0-x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := ParseCommand(line)
		verb, arg, hasArg := bytes.Cut(line, []byte(" "))
		if c.HasArg != hasArg || c.Arg != string(arg) {
			t.Fatalf("%q: arg %q (%v)", line, c.Arg, c.HasArg)
		}
		if c.Known {
			info, ok := LookupVerb(c.Verb)
			if err != nil || !ok || info.Verb != c.Verb || !strings.EqualFold(c.Verb, string(verb)) ||
				strings.ToUpper(c.Verb) != c.Verb {
				t.Fatalf("%q: known verb %q, err %v", line, c.Verb, err)
			}
		} else if c.Verb != string(verb) {
			t.Fatalf("%q: verb %q", line, c.Verb)
		}
		if err != nil && (c.Known || !errors.Is(err, ErrSyntax)) {
			t.Fatalf("%q: %+v %v", line, c, err)
		}
		LooksLikeCommand(line)
	})
}

// referenceReplies is a plain, unbounded model of RFC 959 4.2 reply
// assembly for FuzzReplyAssembler to compare against.
func referenceReplies(lines []string) []Reply {
	var out []Reply
	var cur *Reply
	for _, l := range lines {
		code := 0
		if len(l) >= 3 && strings.Trim(l[:3], "0123456789") == "" {
			fmt.Sscanf(l[:3], "%d", &code)
		}
		valid := (code >= 100 && code <= 599) || (code >= 631 && code <= 633)
		if cur != nil {
			prefix := l
			if len(prefix) > 3 {
				prefix = prefix[:4]
			}
			switch {
			case prefix == cur.Lines[0][:3] || prefix == cur.Lines[0][:3]+" ":
				cur.Lines = append(cur.Lines, strings.TrimPrefix(l[3:], " "))
				cur.Lines[0] = cur.Lines[0][4:]
				out = append(out, *cur)
				cur = nil
			case prefix == cur.Lines[0][:4]:
				cur.Lines = append(cur.Lines, l[4:])
			default:
				cur.Lines = append(cur.Lines, l)
			}
			continue
		}
		switch {
		case !valid:
		case len(l) == 3:
			out = append(out, Reply{Code: code, Lines: []string{""}})
		case l[3] == '-':
			// Keep "xyz-" on the first line until the end, to know the code.
			cur = &Reply{Code: code, Lines: []string{l}}
		case l[3] == ' ':
			out = append(out, Reply{Code: code, Lines: []string{l[4:]}})
		default:
			out = append(out, Reply{Code: code, Lines: []string{l[3:]}})
		}
	}
	return out
}

func FuzzReplyAssembler(f *testing.F) {
	f.Add([]byte(serverTranscript), uint8(0))
	f.Add([]byte(serverTranscript), uint8(2))
	f.Add([]byte("230-\n230-\n230\n226-a\n226 \n"), uint8(1))
	f.Add([]byte("99 PASV invalid\nSYST not supported\n230no_space\n600 x\n632 eA==\n"), uint8(3))
	f.Add([]byte("220-a\n\n\n123 b\n220-c\n220d\n"), uint8(4))
	f.Add([]byte("227 POM-\x81\x81RT\n227 PORT\n127 0,SORT\n"), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, maxLines uint8) {
		limit := int(maxLines%40) + 1
		var lines []string
		r := NewLineReader(200)
		r.Feed(data, func(line []byte, _ bool) { lines = append(lines, string(line)) })

		small, big := NewReplyAssembler(limit), NewReplyAssembler(1<<20)
		var got []Reply
		for _, l := range lines {
			if _, err := ParseReplyLine([]byte(l)); err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("ParseReplyLine(%q): %v", l, err)
			}
			rs, doneS, errS := small.Add([]byte(l))
			rb, doneB, errB := big.Add([]byte(l))
			if doneS != doneB || (errS == nil) != (errB == nil) {
				t.Fatalf("%q: limits change the outcome", l)
			}
			if errS != nil && !errors.Is(errS, ErrSyntax) && !errors.Is(errS, ErrRange) {
				t.Fatalf("%q: %v", l, errS)
			}
			if len(small.lines) >= limit {
				t.Fatalf("holding %d lines with limit %d", len(small.lines), limit)
			}
			if !doneS {
				continue
			}
			got = append(got, rb)
			if !validReplyCode(rs.Code) || rs.Code != rb.Code || len(rs.Lines) == 0 || len(rs.Lines) > limit {
				t.Fatalf("reply %+v with limit %d", rs, limit)
			}
			// The small reply is the big one's head and end line.
			cut := len(rb.Lines) > limit
			if rs.Truncated != cut || rb.Truncated {
				t.Fatalf("truncated %v for %d lines, limit %d", rs.Truncated, len(rb.Lines), limit)
			}
			if cut {
				want := append(append([]string{}, rb.Lines[:limit-1]...), rb.Lines[len(rb.Lines)-1])
				if !reflect.DeepEqual(rs.Lines, want) {
					t.Fatalf("cut reply %q, want %q", rs.Lines, want)
				}
			} else if !reflect.DeepEqual(rs.Lines, rb.Lines) {
				t.Fatalf("reply %q, want %q", rs.Lines, rb.Lines)
			}
		}
		if want := referenceReplies(lines); !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Fatalf("replies\n got %+v\nwant %+v", got, want)
		}
		if fl, ok := small.Flush(); ok && (!fl.Unterminated || len(fl.Lines) > limit) {
			t.Fatalf("Flush %+v", fl)
		}
	})
}

func FuzzAddressParsers(f *testing.F) {
	for _, s := range []string{
		"1,1,1,2,232,157", "114,115", "2,1,-1,0,0,0", "664336808023,5,0,1,1,-4", " 192, 0 ,2,1, 195 ,80 ",
		"|2|2601:191:8500:2e00:7c0f:78e0:dc5b:f7c1|34325|", "|1|192.0.2.1|6446|", "!2!::ffff:192.0.2.1!1!",
		"4,4,192,0,2,1,2,195,80", "6,16,32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1,2,4,1",
		"Entering Passive Mode (2,2,2,2,185,13).", "=192,0,2,1,4,1", "Entering extended passive mode (|||21008|).",
		"Entering Long Passive Mode (4,4,192,0,2,1,2,195,80)", "(||||1|)", "1,2,3,4,5,6,7,8,9,10",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkErr := func(name string, err error) {
			if err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("%s(%q): %v", name, s, err)
			}
		}
		ipv4 := func(name string, p netip.AddrPort, err error) {
			checkErr(name, err)
			if err == nil && (!p.Addr().Is4() || p.Port() == 0) {
				t.Fatalf("%s(%q) = %v", name, s, p)
			}
			if err != nil && p.IsValid() {
				t.Fatalf("%s(%q) = %v with %v", name, s, p, err)
			}
		}
		long := func(name string, p netip.AddrPort, err error) {
			checkErr(name, err)
			if err == nil && (!p.IsValid() || p.Port() == 0 || p.Addr().Zone() != "") {
				t.Fatalf("%s(%q) = %v", name, s, p)
			}
		}

		p, err := ParsePORT(s)
		ipv4("ParsePORT", p, err)
		if err == nil {
			arg, ok := FormatPORT(p)
			if q, err := ParsePORT(arg); !ok || err != nil || q != p {
				t.Fatalf("PORT %q -> %v -> %q -> %v %v", s, p, arg, q, err)
			}
		}
		p, err = ParsePASVReply(s)
		ipv4("ParsePASVReply", p, err)
		if err == nil {
			arg, _ := FormatPORT(p)
			if q, err := ParsePASVReply("Entering Passive Mode (" + arg + ")."); err != nil || q != p {
				t.Fatalf("PASV %q -> %v -> %v %v", s, p, q, err)
			}
		}

		p, err = ParseEPRT(s)
		long("ParseEPRT", p, err)
		if err == nil {
			proto := 2
			if p.Addr().Is4() {
				proto = 1
			}
			arg := fmt.Sprintf("|%d|%s|%d|", proto, p.Addr(), p.Port())
			if q, err := ParseEPRT(arg); err != nil || q != p {
				t.Fatalf("EPRT %q -> %v -> %q -> %v %v", s, p, arg, q, err)
			}
		}
		p, err = ParseLPRT(s)
		long("ParseLPRT", p, err)
		p, err = ParseLPSVReply(s)
		long("ParseLPSVReply", p, err)

		port, err := ParseEPSVReply(s)
		checkErr("ParseEPSVReply", err)
		if err == nil && port == 0 {
			t.Fatalf("ParseEPSVReply(%q) = 0", s)
		}

		// The entry-level wrappers: unmapped addresses, nothing else
		// parsed differently.
		for _, verb := range []string{"PORT", "EPRT", "LPRT", "NOOP"} {
			p, err := ParseActiveAddress(verb, s)
			checkErr("ParseActiveAddress", err)
			if err == nil && (!p.IsValid() || p.Addr().Is4In6()) {
				t.Fatalf("ParseActiveAddress(%s, %q) = %v", verb, s, p)
			}
		}
		server := netip.MustParseAddr("198.51.100.10")
		lines := strings.Split(s, "\n")
		for _, code := range []int{227, 228, 229, 200} {
			if p, ok := ParsePassiveAddress(code, lines, server); ok && (!p.IsValid() || p.Addr().Is4In6() ||
				code == 229 && p.Addr() != server || code == 200) {
				t.Fatalf("ParsePassiveAddress(%d, %q) = %v", code, s, p)
			}
		}
	})
}

func FuzzTextParsers(f *testing.F) {
	for _, s := range []string{
		"Opening BINARY mode data connection for rfc1001.txt (154427 bytes).", "(1 byte) (2 BYTES)",
		"(9223372036854775808 bytes)", "16557", " 77 ", "-1", `"/a ""quoted"" dir" created`, `"unterminated`,
		"220 ftp.example.com FTP server ready", "220 mx.example.com ESMTP", "USER anonymous", "AUTH TLS",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := ParseSizeReply(s); ok && (n < 0 || !strings.Contains(s, fmt.Sprint(n))) {
			t.Fatalf("ParseSizeReply(%q) = %d", s, n)
		}
		if n, ok := ParseSizeValue(s); ok && (n < 0 || strings.TrimLeft(strings.Trim(s, " \t"), "0") != strings.TrimLeft(fmt.Sprint(n), "0")) {
			t.Fatalf("ParseSizeValue(%q) = %d", s, n)
		}
		if p, ok := ParsePathReply(s); ok {
			quoted := `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
			if !strings.Contains(s, quoted) {
				t.Fatalf("ParsePathReply(%q) = %q", s, p)
			}
		}
		LooksLikeCommand([]byte(s))
		LooksLikeGreeting([]byte(s))
	})
}
