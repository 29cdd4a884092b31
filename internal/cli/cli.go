// Package cli holds what the offline tools' subcommands (lokaal eval,
// faces, replay) share.
package cli

import (
	"flag"
	"fmt"
	"io"
)

// Flags is a subcommand's flag set: a bad flag is returned rather than
// exiting, and errors and help go to stderr, the help being usage and
// then the flags' defaults.
func Flags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}
