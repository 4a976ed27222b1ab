// Command ftpsniff watches FTP on the wire: it reads captures (or, when
// built with libpcap, a live interface), follows every FTP control and data
// connection, and reports who logged in, how data connections were opened,
// what moved where and whether it completed.
//
// The command layer only parses flags and wires the stages together:
// capture -> reassembly -> decoder -> report. Each subcommand has an options
// struct and a run function that tests call without going through cobra.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(&streams{in: stdin, out: stdout, err: stderr})
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *statusError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "ftpsniff: %s\n", oneLine(ee.err.Error()))
		}
		return ee.code
	}
	// Anything cobra itself rejects (unknown flag, bad argument count) is a
	// usage error.
	fmt.Fprintf(stderr, "ftpsniff: %s\n", oneLine(err.Error()))
	fmt.Fprintf(stderr, "Run 'ftpsniff --help' for usage.\n")
	return exitUsage
}
