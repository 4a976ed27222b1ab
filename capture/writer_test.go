package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// readAll reads every frame of a capture file, copying the data.
func readAllFrames(t *testing.T, path string) ([]Frame, []Warning) {
	t.Helper()
	src, err := OpenFiles([]string{path}, Options{})
	if err != nil {
		t.Fatalf("OpenFiles: %v", err)
	}
	defer src.Close()
	var out []Frame
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		f.Data = bytes.Clone(f.Data)
		out = append(out, f)
	}
	return out, src.Warnings()
}

func TestWriterRoundTrip(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
	frames := []Frame{
		{TS: ts, LinkType: layers.LinkTypeEthernet, Data: bytes.Repeat([]byte{0xaa}, 60), OrigLen: 60},
		{TS: ts.Add(time.Second), LinkType: layers.LinkTypeEthernet, Data: bytes.Repeat([]byte{0xbb}, 100), OrigLen: 1514},
		{TS: ts.Add(2 * time.Second), LinkType: layers.LinkTypeEthernet, Data: bytes.Repeat([]byte{0xcc}, 300), OrigLen: 300},
	}
	tests := []struct {
		name    string
		opts    WriterOptions
		wantTS  []time.Time
		wantLen []int
		wantOrg []int
	}{
		{
			name:    "microseconds",
			opts:    WriterOptions{LinkType: layers.LinkTypeEthernet},
			wantTS:  []time.Time{ts.Truncate(time.Microsecond), ts.Add(time.Second).Truncate(time.Microsecond), ts.Add(2 * time.Second).Truncate(time.Microsecond)},
			wantLen: []int{60, 100, 300},
			wantOrg: []int{60, 1514, 300},
		},
		{
			name:    "nanoseconds and a snaplen that cuts",
			opts:    WriterOptions{LinkType: layers.LinkTypeEthernet, Snaplen: 128, Nanosecond: true},
			wantTS:  []time.Time{ts, ts.Add(time.Second), ts.Add(2 * time.Second)},
			wantLen: []int{60, 100, 128},
			wantOrg: []int{60, 1514, 300},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.pcap")
			w, err := CreateFile(path, tc.opts, false)
			if err != nil {
				t.Fatalf("CreateFile: %v", err)
			}
			for _, f := range frames {
				if err := w.WriteFrame(f); err != nil {
					t.Fatalf("WriteFrame: %v", err)
				}
			}
			if got := w.Frames(); got != int64(len(frames)) {
				t.Errorf("Frames() = %d, want %d", got, len(frames))
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			got, warns := readAllFrames(t, path)
			if len(warns) != 0 {
				t.Fatalf("warnings: %v", warns)
			}
			if len(got) != len(frames) {
				t.Fatalf("read %d frames, want %d", len(got), len(frames))
			}
			for i, f := range got {
				if !f.TS.Equal(tc.wantTS[i]) {
					t.Errorf("frame %d: TS %v, want %v", i, f.TS, tc.wantTS[i])
				}
				if len(f.Data) != tc.wantLen[i] || !bytes.Equal(f.Data, frames[i].Data[:tc.wantLen[i]]) {
					t.Errorf("frame %d: %d bytes, want %d of the original", i, len(f.Data), tc.wantLen[i])
				}
				if f.OrigLen != tc.wantOrg[i] {
					t.Errorf("frame %d: OrigLen %d, want %d", i, f.OrigLen, tc.wantOrg[i])
				}
				if f.LinkType != layers.LinkTypeEthernet {
					t.Errorf("frame %d: link type %v", i, f.LinkType)
				}
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("file mode %v: readable by others", perm)
			}
		})
	}
}

func TestWriterEmptyFileIsACapture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.pcap")
	w, err := CreateFile(path, WriterOptions{LinkType: layers.LinkTypeLinuxSLL}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := readAllFrames(t, path)
	if len(got) != 0 {
		t.Fatalf("read %d frames from an empty capture", len(got))
	}
}

func TestCreateFileOverwrite(t *testing.T) {
	tests := []struct {
		name      string
		overwrite bool
		wantErr   bool
	}{
		{"refuses an existing file", false, true},
		{"replaces it when asked", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "exists.pcap")
			if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
			w, err := CreateFile(path, WriterOptions{LinkType: layers.LinkTypeEthernet}, tc.overwrite)
			if tc.wantErr {
				if !errors.Is(err, os.ErrExist) {
					t.Fatalf("err = %v, want ErrExist", err)
				}
				b, _ := os.ReadFile(path)
				if string(b) != "precious" {
					t.Fatalf("existing file changed: %q", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(path); len(b) != pcapFileHeaderLen {
				t.Fatalf("file has %d bytes, want a bare header", len(b))
			}
		})
	}
}

func TestCreateFileInMissingDirectory(t *testing.T) {
	_, err := CreateFile(filepath.Join(t.TempDir(), "no", "such", "dir.pcap"), WriterOptions{}, false)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
}

func TestWriterLinkTypeMismatch(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{LinkType: layers.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	err = w.WriteFrame(Frame{LinkType: layers.LinkTypeRaw, Data: []byte{0x45}})
	if !errors.Is(err, ErrLinkTypeMismatch) {
		t.Fatalf("err = %v, want ErrLinkTypeMismatch", err)
	}
	if w.Frames() != 0 {
		t.Fatalf("a refused frame was counted")
	}
}

// failAfter fails every write after n bytes.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterErrorsAreSticky(t *testing.T) {
	w, err := NewWriter(&failAfter{n: 100}, WriterOptions{LinkType: layers.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	f := Frame{LinkType: layers.LinkTypeEthernet, Data: make([]byte, 70<<10)}
	err = w.WriteFrame(f)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		t.Fatal("no error from a failing writer")
	}
	if err2 := w.WriteFrame(Frame{LinkType: layers.LinkTypeEthernet, Data: []byte{1}}); err2 == nil {
		t.Fatal("write after an error succeeded")
	}
}
