package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// manyRecs returns n small packets one millisecond apart, starting at
// offset ms.
func manyRecs(n, offset int) []rec {
	out := make([]rec, n)
	for i := range out {
		out[i] = rec{ts: capT0.Add(time.Duration(offset+i) * time.Millisecond), data: fillBytes(byte(i), 64)}
	}
	return out
}

// TestProgress checks what Progress reports before, during and after a
// read: sizes on disk (compressed for gzip), frames published every
// ProgressEvery frames, the current file, and names for messages.
func TestProgress(t *testing.T) {
	dir := t.TempDir()
	plain := pcapgoFile(t, true, layers.LinkTypeEthernet, manyRecs(3000, 0))
	packed := gz(t, pcapgoFile(t, true, layers.LinkTypeEthernet, manyRecs(500, 10000)))
	pa := writeFile(t, dir, "a.pcap", plain)
	pb := writeFile(t, dir, "b.pcap.gz", packed)
	total := int64(len(plain) + len(packed))

	src := mustOpen(t, Options{}, pa, pb)
	pr, ok := src.(Progresser)
	if !ok {
		t.Fatal("the source of OpenFiles is not a Progresser")
	}
	p := pr.Progress()
	if p.TotalBytes != total || p.Files != 2 || p.Frames != 0 || p.File != pa || p.FileIndex != 0 {
		t.Errorf("before reading: %+v, want total %d, 2 files, file %s", p, total, pa)
	}
	if p.BytesRead <= 0 || p.BytesRead > total {
		t.Errorf("before reading: %d bytes read of %d (the headers are read at open)", p.BytesRead, total)
	}
	var frames int64
	for ; frames < ProgressEvery; frames++ {
		if _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if p := pr.Progress(); p.Frames != ProgressEvery || p.FileIndex != 0 {
		t.Errorf("after %d frames: %+v", ProgressEvery, p)
	}
	for {
		f, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.File == 1 && frames < 3000 {
			t.Fatalf("frame %d from the second file, which starts 10 s later", frames+1)
		}
		frames++
	}
	p = pr.Progress()
	want := Progress{BytesRead: total, TotalBytes: total, Frames: 3500, File: pb, FileIndex: 1, Files: 2}
	if p != want {
		t.Errorf("at the end: %+v\nwant          %+v", p, want)
	}
	if names := src.(Namer).Names(); len(names) != 2 || names[0] != pa || names[1] != pb {
		t.Errorf("Names() = %q", names)
	}
}

// TestProgressSizes: the total is known for files, including standard
// input redirected from one, and unknown for a stream; a file ended by
// damage counts as read whole.
func TestProgressSizes(t *testing.T) {
	dir := t.TempDir()
	good := pcapgoFile(t, false, layers.LinkTypeEthernet, manyRecs(20, 0))
	path := writeFile(t, dir, "good.pcap", good)
	// The second record of a 160 KB file claims 2 GB: reading stops
	// within the first buffer, yet the file counts as read.
	damaged := pcapgoFile(t, false, layers.LinkTypeEthernet, manyRecs(2000, 0))
	binary.LittleEndian.PutUint32(damaged[24+16+64+8:], 0x7fffffff)
	bad := writeFile(t, dir, "damaged.pcap", damaged)

	redirected, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer redirected.Close()
	tests := []struct {
		name      string
		opts      Options
		paths     []string
		wantTotal int64
		wantRead  int64
		wantNames []string
	}{
		{"file", Options{}, []string{path}, int64(len(good)), int64(len(good)), []string{path}},
		{"damaged file", Options{}, []string{bad}, int64(len(damaged)), int64(len(damaged)), []string{bad}},
		{"stream on stdin", Options{Stdin: bytes.NewReader(good)}, []string{"-"}, 0, int64(len(good)), []string{stdinName}},
		{"file on stdin", Options{Stdin: redirected}, []string{"-"}, int64(len(good)), int64(len(good)), []string{stdinName}},
		{"file and stream", Options{Stdin: bytes.NewReader(good)}, []string{path, "-"}, 0, 2 * int64(len(good)), []string{path, stdinName}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := mustOpen(t, tc.opts, tc.paths...)
			readAll(t, src)
			p := src.(Progresser).Progress()
			if p.TotalBytes != tc.wantTotal || p.BytesRead != tc.wantRead || p.Files != len(tc.paths) {
				t.Errorf("%+v, want %d of %d bytes", p, tc.wantRead, tc.wantTotal)
			}
			names := src.(Namer).Names()
			if len(names) != len(tc.wantNames) {
				t.Fatalf("Names() = %q, want %q", names, tc.wantNames)
			}
			for i := range names {
				if names[i] != tc.wantNames[i] {
					t.Errorf("Names() = %q, want %q", names, tc.wantNames)
				}
			}
		})
	}
}

// TestProgressWhileReadingAhead calls Progress on one goroutine while
// another reads, as the pipeline does with its read-ahead stage; run with
// -race it proves the two share nothing unsynchronised.
func TestProgressWhileReadingAhead(t *testing.T) {
	dir := t.TempDir()
	pa := writeFile(t, dir, "a.pcap", pcapgoFile(t, true, layers.LinkTypeEthernet, manyRecs(5000, 0)))
	pb := writeFile(t, dir, "b.pcap.gz", gz(t, pcapgoFile(t, true, layers.LinkTypeEthernet, manyRecs(5000, 1))))
	src := mustOpen(t, Options{}, pa, pb)
	pr := src.(Progresser)
	var (
		wg      sync.WaitGroup
		readErr error
	)
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for readErr == nil {
			_, readErr = src.Next()
		}
	}()
	var last Progress
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
		}
		p := pr.Progress()
		if p.BytesRead < last.BytesRead || p.Frames < last.Frames {
			t.Fatalf("progress went backwards: %+v after %+v", p, last)
		}
		last = p
	}
	wg.Wait()
	if readErr != io.EOF {
		t.Fatal(readErr)
	}
	if p := pr.Progress(); p.Frames != 10000 || p.BytesRead != p.TotalBytes {
		t.Errorf("at the end: %+v", p)
	}
}
