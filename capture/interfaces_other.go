//go:build !linux

package capture

// sysFlags has nothing to add off Linux.
func sysFlags(string) []string { return nil }
