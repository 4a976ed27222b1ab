package main

import (
	"sort"

	"github.com/spf13/cobra"
)

// sortedKeys returns a map's keys in order, so output never depends on map
// iteration order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// completeCaptureFiles offers capture files for shell completion of the
// commands that read them.
func completeCaptureFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"pcap", "pcapng", "cap", "gz"}, cobra.ShellCompDirectiveFilterFileExt
}
