package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/capture"
	"github.com/ftpsniff/ftpsniff/report"
)

func newInterfacesCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:     "interfaces",
		Aliases: []string{"ifaces"},
		Short:   "List the interfaces 'ftpsniff live' can capture on",
		Long: `List network interfaces with their addresses, flags and description, as
libpcap sees them (names to pass to 'ftpsniff live -i').

In a build without libpcap the list comes from the operating system and a
note on stderr says how to get live capture; the exit status is still 0.`,
		Example: `  # what can be captured, then capture on one of them
  ftpsniff interfaces
  sudo ftpsniff live -i eth0`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runInterfaces(s) },
	}
}

// runInterfaces prints one interface per line.
func runInterfaces(s *streams) error {
	ifs, err := capture.Interfaces()
	if err != nil {
		return fail(exitError, err)
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESSES\tFLAGS\tDESCRIPTION")
	for _, i := range ifs {
		addrs := make([]string, 0, len(i.Addresses))
		for _, a := range i.Addresses {
			addrs = append(addrs, a.String())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n",
			report.Escape(i.Name), dashIfEmpty(strings.Join(addrs, ",")),
			dashIfEmpty(strings.Join(i.Flags, ",")), dashIfEmpty(report.Escape(i.Description)))
	}
	if err := tw.Flush(); err != nil {
		return fail(exitError, err)
	}
	if !capture.LiveSupported {
		fmt.Fprintf(s.err, "ftpsniff: note: this build cannot capture (%s: %s)\n", capture.ErrLiveUnsupported, capture.LiveUnsupportedHint)
	}
	return nil
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
