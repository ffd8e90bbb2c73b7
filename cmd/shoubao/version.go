package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// cmdVersion prints the build: the module version, the source revision it
// was built from (and whether the tree had changes), and the Go version.
func cmdVersion(_ context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, versionLine())
	return nil
}

func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "shoubao (no build information)"
	}
	v := bi.Main.Version
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	line := "shoubao " + v
	if rev != "" {
		line += fmt.Sprintf(" revision %.12s%s %s", rev, dirty, at)
	}
	return line + " " + bi.GoVersion
}
