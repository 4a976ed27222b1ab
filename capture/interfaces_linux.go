//go:build linux

package capture

import (
	"os"
	"strings"
)

// sysFlags reads what /sys/class/net says beyond net.Interface's flags:
// "wireless" for a Wi-Fi device, "connected" or "disconnected" from the
// carrier (unreadable while the interface is down: then neither).
func sysFlags(name string) []string {
	dir := "/sys/class/net/" + name
	var out []string
	for _, w := range []string{"wireless", "phy80211"} {
		if _, err := os.Stat(dir + "/" + w); err == nil {
			out = append(out, "wireless")
			break
		}
	}
	if b, err := os.ReadFile(dir + "/carrier"); err == nil {
		switch strings.TrimSpace(string(b)) {
		case "1":
			out = append(out, "connected")
		case "0":
			out = append(out, "disconnected")
		}
	}
	return out
}
