package main

import (
	"io"

	"github.com/spf13/cobra"
)

// streams are the process's standard streams, injected so tests can run
// commands in memory.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "ftpsniff",
		Short: "Watch FTP on the wire: logins, active/passive data connections, transfers",
		Long: `ftpsniff follows FTP in packet captures and on live interfaces.

It reassembles TCP, decodes the FTP control dialogue (RFC 959 and its
extensions), ties every data connection to the PORT/PASV/EPRT/EPSV
negotiation and the command that announced it, and reports each session:
who logged in (passwords masked unless asked), active or passive, what
moved where, how much, and whether it completed.`,
		Example: `  ftpsniff read capture.pcap
  ftpsniff read --transcript capture.pcapng
  ftpsniff read --json rotated-*.pcap.gz | jq 'select(.type=="session")'
  tcpdump -w - tcp | ftpsniff read -`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.AddCommand(newReadCmd(s))
	root.AddCommand(newLiveCmd(s))
	root.AddCommand(newInterfacesCmd(s))
	root.AddCommand(newAuditCmd(s))
	root.AddCommand(newExplainCmd(s))
	return root
}
