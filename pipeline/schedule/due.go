// Package schedule decides the mail that goes out at set times — the
// officers' daily digest (每日汇总) and the reminders (催报) to units not
// yet complete — as jobs in the store's outbox, and writes them. A job's
// key names its campaign and day (a digest) or its unit and slot (a
// reminder), so each goes out once whatever the number of processes; a
// slot missed while shoubao was down is sent once when it comes back, and
// only the latest one.
package schedule

import (
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/receipts"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// Job kinds.
const (
	KindDigest   = "digest"
	KindReminder = "reminder"
)

// day returns midnight (Beijing time) of t's day.
func day(t time.Time) time.Time {
	t = t.In(campaign.ChinaTime())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// lastDay is the last day on which a submission is on time: the deadline's
// day (a deadline given as a date ends at the next midnight).
func lastDay(c *campaign.Campaign) time.Time { return day(c.Deadline.Add(-time.Second)) }

// Due returns the digest and reminder jobs due at now for campaign c in
// state st. Storing them is idempotent: keys already in the outbox are
// left alone.
func Due(c *campaign.Campaign, st *rules.State, now time.Time) []sinks.Job {
	if c.Deadline.IsZero() || len(c.Mailboxes) == 0 {
		return nil
	}
	from := c.Mailboxes[0].ID
	var jobs []sinks.Job
	if d := c.Digest; d.Mode == "preview" || d.Mode == "send" {
		today := day(now)
		end := lastDay(c).AddDate(0, 0, d.DaysAfterDeadline)
		if slot := today.Add(d.At); !now.Before(slot) && !today.Before(day(d.Start)) && !today.After(end) {
			jobs = append(jobs, sinks.Job{CampaignID: c.ID, Kind: KindDigest, Key: "daily/" + today.Format("2006-01-02"),
				MailboxID: from, Recipient: strings.Join(c.Officers, ","), State: sinks.JobPending})
		}
		// Once right after the deadline (or when shoubao comes back, while
		// digests still go out).
		if !now.Before(c.Deadline) && !today.After(end) {
			jobs = append(jobs, sinks.Job{CampaignID: c.ID, Kind: KindDigest, Key: "after-deadline",
				MailboxID: from, Recipient: strings.Join(c.Officers, ","), State: sinks.JobPending})
		}
	}
	if r := c.Reminders; r.Mode == "preview" || r.Mode == "send" {
		if slot, ok := reminderSlot(c, now); ok {
			for _, u := range st.Units {
				if u.Status == rules.CompleteOnTime || u.Status == rules.CompleteLate {
					continue
				}
				to := addresses(u.Addresses)
				if len(to) == 0 {
					continue // the digest lists it with its phone
				}
				jobs = append(jobs, sinks.Job{CampaignID: c.ID, Kind: KindReminder,
					Key: u.Name + "/" + slot.Format("2006-01-02 15:04"), MailboxID: from,
					Recipient: strings.Join(to, ","), State: sinks.JobPending})
			}
		}
	}
	return jobs
}

// reminderSlot returns the latest reminder slot that has come at now, if
// it is still current: a slot before the deadline counts until the
// deadline; the one after it for a day.
func reminderSlot(c *campaign.Campaign, now time.Time) (time.Time, bool) {
	r := c.Reminders
	var latest time.Time
	for _, k := range r.DaysBefore {
		slot := lastDay(c).AddDate(0, 0, -k).Add(r.At)
		if !now.Before(slot) && now.Before(c.Deadline) && slot.After(latest) {
			latest = slot
		}
	}
	if r.AfterDeadline {
		slot := lastDay(c).AddDate(0, 0, 1).Add(r.At)
		if !now.Before(slot) && now.Before(slot.Add(24*time.Hour)) {
			latest = slot
		}
	}
	return latest, !latest.IsZero()
}

// addresses keeps the addresses a reminder may go to: never a robot's.
func addresses(all []string) []string {
	var out []string
	for _, a := range all {
		if receipts.RobotAddress(a) == "" {
			out = append(out, a)
		}
	}
	return out
}
