// Command shoubao turns the contact mailboxes of a reporting notice into a
// tracked, checked submission record.
//
// Usage:
//
//	shoubao demo                    run the whole pipeline on a sample mailbox, no services needed
//	shoubao run --config FILE       poll the mailboxes and process submissions
//	shoubao status --config FILE    show mailboxes, campaigns and dead letters
//	shoubao serve --config FILE     serve the officers' console (web pages)
//	shoubao user add NAME …         manage the console's users
//	shoubao report --config FILE    each unit's status, materials and problems (--format json)
//	shoubao decide --config FILE …  record an officer's decision
//	shoubao reprocess --config FILE read stored mail again with the current parsers
//	shoubao export --config FILE --out DIR  summary tables and materials for the next level up
//	shoubao probe [--json] FILE...  show what shoubao sees in a file
//	shoubao campaign import NOTICE  draft a campaign configuration from a notice
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // deadlines are in Asia/Shanghai even where the system has no zoneinfo
)

// command is one subcommand: its name, a one-line summary and its entry
// point, which receives the arguments after the subcommand's name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what main hands every subcommand: its streams (stdin
// nil: nothing to read).
type environment struct {
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
}

func commands() []command {
	return []command{
		{"demo", "run the whole pipeline on a built-in sample mailbox (no services needed)", cmdDemo},
		{"run", "poll the contact mailboxes and process submissions", cmdRun},
		{"status", "show mailboxes, campaigns and dead letters", cmdStatus},
		{"serve", "serve the officers' console (also served by run when http.listen is set)", cmdServe},
		{"user", "the console's users: `user add NAME --role officer|viewer`, passwd, role, remove, list", cmdUser},
		{"report", "show each unit's status, what it sent, what is missing or wrong", cmdReport},
		{"decide", "record an officer's decision (assign, not-submission, accept, extend, add-sender)", cmdDecide},
		{"reprocess", "read the stored raw messages again with the current parsers", cmdReprocess},
		{"version", "print the build's version and source revision", cmdVersion},
		{"export", "write the statistics summary, recommendation list, 一览表 and materials zip", cmdExport},
		{"probe", "show what shoubao sees in files (.eml, archives, tables, videos)", cmdProbe},
		{"campaign", "campaign tools: `campaign import NOTICE` drafts a configuration", cmdCampaign},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin}
	os.Exit(runMain(ctx, env, os.Args[1:]))
}

// runMain dispatches to a subcommand and returns the process exit code:
// 0 success, 1 failure, 2 usage error, 3 attention needed (status).
func runMain(ctx context.Context, env *environment, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(env.stderr, "shoubao %s: %v\n", c.name, err)
			return 2
		case errors.As(err, new(errUnhealthy)):
			fmt.Fprintf(env.stderr, "shoubao %s: %v\n", c.name, err)
			return 3
		default:
			fmt.Fprintf(env.stderr, "shoubao %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.stderr, "shoubao: unknown command %q\n\n", args[0])
	usage(env.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: shoubao <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `shoubao <command> -h` for a command's flags.")
}

// usageError marks an error in how a command was called (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(env *environment, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("shoubao "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
