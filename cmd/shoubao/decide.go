package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

const decideUsage = `usage: shoubao decide --config FILE [--campaign ID] [--by NAME] [--reason TEXT] KIND ARGS…

  assign MESSAGE-ID UNIT        the message was sent by UNIT
  not-submission MESSAGE-ID     the message is not a submission
  accept MESSAGE-ID CODE [FILE] accept a problem (e.g. video_too_long) of the message (or of one file)
  extend UNIT DEADLINE          UNIT may submit until DEADLINE (2026-06-12 = the whole day, or "2026-06-12 17:30")
  add-sender UNIT ADDRESS       mail from ADDRESS comes from UNIT
  list                          list the decisions made so far

MESSAGE-ID is the message_id that ` + "`shoubao report --format json`" + ` shows.
Decisions are never changed: a later one of the same kind overrides an earlier one.`

func cmdDecide(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "decide")
	path := configFlag(fs)
	campaignID := fs.String("campaign", "", "the campaign's id (required when there are several)")
	by := fs.String("by", defaultUser(), "who decides (kept with the decision)")
	reason := fs.String("reason", "", "why (kept with the decision)")
	fs.Usage = func() { fmt.Fprintln(env.stderr, decideUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError{"which decision? " + strings.SplitN(decideUsage, "\n\n", 2)[1]}
	}
	cfg, store, err := openRecord(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	campaigns, err := pickCampaigns(cfg, *campaignID)
	if err != nil {
		return err
	}
	if len(campaigns) != 1 {
		return usageError{"the configuration has several campaigns: choose one with --campaign"}
	}
	c := campaigns[0]
	dom := c.Domain()
	before, err := report.Compute(ctx, store, &dom, time.Now())
	if err != nil {
		return redactErr(cfg, err)
	}
	if rest[0] == "list" {
		return listDecisions(ctx, env, store, c.ID)
	}
	d, err := parseDecision(c, before, rest)
	if err != nil {
		return err
	}
	d.CampaignID, d.By, d.Reason = c.ID, *by, *reason
	id, err := store.AddDecision(ctx, d)
	if err != nil {
		return redactErr(cfg, err)
	}
	after, err := report.Compute(ctx, store, &dom, time.Now())
	if err != nil {
		return redactErr(cfg, err)
	}
	fmt.Fprintf(env.stdout, "已记录第 %d 号决定（%s，%s）。\n", id, d.Kind, d.By)
	for i, u := range after.Units {
		if b := before.Units[i]; b.Status != u.Status || b.Name == d.Unit {
			fmt.Fprintf(env.stdout, "  %s：%s → %s\n", u.Name, rules.StatusLabel(b.Status), rules.StatusLabel(u.Status))
		}
	}
	if n, m := len(before.Unmatched), len(after.Unmatched); n != m {
		fmt.Fprintf(env.stdout, "  待确认的来信：%d → %d 封\n", n, m)
	}
	return nil
}

// parseDecision checks a decision's arguments against the campaign: units
// must be on the roster (a name or an alias), messages must exist.
func parseDecision(c *config.Campaign, st *rules.State, args []string) (sinks.Decision, error) {
	need := func(n int, what string) error {
		if len(args) < n+1 || len(args) > n+2 {
			return usageError{fmt.Sprintf("%s takes %s", args[0], what)}
		}
		return nil
	}
	switch args[0] {
	case "assign":
		if err := need(2, "MESSAGE-ID UNIT"); err != nil {
			return sinks.Decision{}, err
		}
		key, err := messageKey(st, args[1])
		if err != nil {
			return sinks.Decision{}, err
		}
		unit, err := rosterUnit(c, args[2])
		return sinks.Decision{Kind: rules.DecideAssign, Message: key, Unit: unit}, err
	case "not-submission":
		if err := need(1, "MESSAGE-ID"); err != nil {
			return sinks.Decision{}, err
		}
		key, err := messageKey(st, args[1])
		return sinks.Decision{Kind: rules.DecideNotSubmission, Message: key}, err
	case "accept":
		if err := need(2, "MESSAGE-ID CODE [FILE]"); err != nil {
			return sinks.Decision{}, err
		}
		key, err := messageKey(st, args[1])
		d := sinks.Decision{Kind: rules.DecideAcceptProblem, Message: key, Code: args[2]}
		if len(args) > 3 {
			d.File = args[3]
		}
		return d, err
	case "extend":
		if err := need(2, "UNIT DEADLINE"); err != nil {
			return sinks.Decision{}, err
		}
		unit, err := rosterUnit(c, args[1])
		if err != nil {
			return sinks.Decision{}, err
		}
		dl, err := config.ParseDeadline(args[2])
		if err != nil {
			return sinks.Decision{}, usageError{err.Error()}
		}
		return sinks.Decision{Kind: rules.DecideExtension, Unit: unit, Until: dl.End}, nil
	case "add-sender":
		if err := need(2, "UNIT ADDRESS"); err != nil {
			return sinks.Decision{}, err
		}
		unit, err := rosterUnit(c, args[1])
		addr := strings.ToLower(strings.TrimSpace(args[2]))
		if err == nil && !strings.Contains(addr, "@") {
			err = usageError{fmt.Sprintf("%q is not a mail address", args[2])}
		}
		return sinks.Decision{Kind: rules.DecideAddSender, Unit: unit, Address: addr}, err
	}
	return sinks.Decision{}, usageError{fmt.Sprintf("unknown decision %q\n%s", args[0], decideUsage)}
}

// messageKey finds a message of the campaign by its Message-ID (with or
// without angle brackets) or sha256: key.
func messageKey(st *rules.State, id string) (string, error) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	found := false
	visit := func(ms []rules.MessageState) {
		for _, m := range ms {
			found = found || m.Key == id
		}
	}
	for _, u := range st.Units {
		visit(u.Messages)
	}
	visit(st.Unmatched)
	visit(st.Inquiries)
	visit(st.Other)
	if !found {
		return "", usageError{fmt.Sprintf("no message %q in campaign %s (see message_id in `shoubao report --format json`)", id, st.Campaign.ID)}
	}
	return id, nil
}

// rosterUnit resolves a unit's name or alias on the roster.
func rosterUnit(c *config.Campaign, name string) (string, error) {
	n := rules.Normalize(name)
	for _, u := range c.Units {
		for _, a := range append([]string{u.Name}, u.Aliases...) {
			if rules.Normalize(a) == n {
				return u.Name, nil
			}
		}
	}
	return "", usageError{fmt.Sprintf("%q is not on the roster of campaign %s", name, c.ID)}
}

func listDecisions(ctx context.Context, env *environment, store interface {
	Decisions(ctx context.Context, campaignID string) ([]sinks.Decision, error)
}, campaignID string) error {
	ds, err := store.Decisions(ctx, campaignID)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		fmt.Fprintln(env.stdout, "尚无人工决定。")
	}
	for _, d := range ds {
		what := strings.TrimSpace(strings.Join([]string{d.Message, d.Unit, d.Code, d.File, d.Address}, " "))
		if !d.Until.IsZero() {
			what += " 至 " + d.Until.Add(-time.Second).In(campaign.ChinaTime()).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(env.stdout, "#%d  %s  %s  %s  %s", d.ID, d.At.In(campaign.ChinaTime()).Format("2006-01-02 15:04"), d.By, d.Kind, strings.Join(strings.Fields(what), " "))
		if d.Reason != "" {
			fmt.Fprintf(env.stdout, "（%s）", d.Reason)
		}
		fmt.Fprintln(env.stdout)
	}
	return nil
}

// defaultUser names who runs the command, for decisions.
func defaultUser() string {
	for _, v := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if u := os.Getenv(v); u != "" {
			return u
		}
	}
	return "cli"
}
