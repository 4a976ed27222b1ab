package packet

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering: packet sits below reassembly. Of this module it may use
// only capture (DecodeAhead reads a capture.Source), the filter compiler
// capture attaches to live sources, and its own tcp package, never
// reassembly or anything above.
func TestLayering(t *testing.T) {
	const module = "github.com/ftpsniff/ftpsniff/"
	allowed := map[string]bool{
		module + "packet":     true,
		module + "packet/tcp": true,
		module + "capture":    true,
		module + "filter":     true,
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, module) && !allowed[dep] {
			t.Errorf("packet depends on %s", dep)
		}
	}
}
