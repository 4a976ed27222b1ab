package reassembly

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering: reassembly is TCP only. It consumes tcp.Segment and must
// depend, directly or not, on nothing of this module but packet/tcp and
// on nothing of gopacket, so that link and IP decoding (package packet)
// and capture stay below it and out of it.
func TestLayering(t *testing.T) {
	const module = "github.com/ftpsniff/ftpsniff/"
	allowed := map[string]bool{
		module + "reassembly": true,
		module + "packet/tcp": true,
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, module) && !allowed[dep]:
			t.Errorf("reassembly depends on %s", dep)
		case strings.Contains(dep, "gopacket"):
			t.Errorf("reassembly depends on %s (decoding belongs in package packet)", dep)
		}
	}
}
