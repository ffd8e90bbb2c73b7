package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Problem is one thing wrong with a configuration, at a key path such as
// "campaigns[0].mailboxes[1].imap.host".
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Error lists every problem found in a configuration.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in configuration:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

type problems struct {
	list    []Problem
	secrets bool // check that secrets are present
}

func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Validate checks the configuration, including that every secret it names
// is present, and returns an *Error listing every problem, or nil.
func (c *Config) Validate() error { return c.validate(true) }

func (c *Config) validate(secrets bool) error {
	ps := problems{secrets: secrets, list: append([]Problem{}, c.decodeProblems...)}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		ps.add("log_level", "must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.MemoryLimit < 16<<20 {
		ps.add("memory_limit", "must be at least 16MB, not %v (the environment variable GOMEMLIMIT=off disables the limit)", c.MemoryLimit)
	}
	if c.Store.URL != "" {
		if u, err := url.Parse(c.Store.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			ps.add("store.url", "must be a postgres:// URL (or empty for the embedded store), not %q", RedactURL(c.Store.URL))
		}
	}
	if c.Bus.Namespace != "" && !idPattern.MatchString(c.Bus.Namespace) {
		ps.add("bus.namespace", "letters, digits, '-' or '_' only")
	}
	if c.Bus.Replicas < 1 || c.Bus.Replicas > 5 {
		ps.add("bus.replicas", "must be 1 to 5 (3 for a three-server NATS cluster), not %d", c.Bus.Replicas)
	} else if c.Bus.Replicas > 1 && c.Bus.URL == "" {
		ps.add("bus.replicas", "%d needs bus.url (a NATS cluster): the embedded nats-server is a single server", c.Bus.Replicas)
	}
	if c.Bus.URL != "" {
		for _, s := range strings.Split(c.Bus.URL, ",") {
			if u, err := url.Parse(strings.TrimSpace(s)); err != nil || u.Host == "" {
				ps.add("bus.url", "%q is not a NATS URL such as nats://127.0.0.1:4222", RedactURL(strings.TrimSpace(s)))
			}
		}
	} else if l := c.Bus.Embedded.Listen; l != "none" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			ps.add("bus.embedded.listen", "must be host:port or \"none\", not %q", l)
		}
	}
	if c.SMTP.Host != "" {
		checkTLS(&ps, "smtp.tls", c.SMTP.TLS)
		checkSecret(&ps, "smtp", c.SMTP.Secret, c.SMTP.User != "")
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			ps.add("smtp.from", "must be an email address (defaults to smtp.user)")
		}
	} else if c.SMTP.Secret.Password != "" {
		checkSecret(&ps, "smtp", c.SMTP.Secret, false)
	}
	if c.Poll.Interval < 0 || c.Poll.StaleAfter < 0 || c.Poll.MaxBackoff < 0 {
		ps.add("poll", "durations must be positive")
	}
	switch c.Poll.PostProcess {
	case "none", "seen":
	case "keyword":
		if c.Poll.Keyword == "" || strings.ContainsAny(c.Poll.Keyword, " ()\\\"{}%*]") {
			ps.add("poll.keyword", "required when post_process is keyword; an IMAP atom without spaces")
		}
	case "move":
		if c.Poll.MoveTo == "" {
			ps.add("poll.move_to", "required when post_process is move")
		}
	default:
		ps.add("poll.post_process", "must be none, seen, keyword or move, not %q", c.Poll.PostProcess)
	}
	if c.Worker.Concurrency < 1 || c.Worker.Concurrency > 64 {
		ps.add("worker.concurrency", "must be between 1 and 64")
	}
	if c.Worker.MaxDeliver < 1 {
		ps.add("worker.max_deliver", "must be at least 1")
	}
	c.HTTP.validate(&ps)

	if len(c.Campaign) == 0 {
		ps.add("campaigns", "no campaign: list at least one under campaigns: (shoubao campaign import NOTICE drafts it from the notice); without one there is nothing to poll")
	}
	seenCampaign := map[string]int{}
	seenMailbox := map[string]string{}
	for i := range c.Campaign {
		c.Campaign[i].validate(&ps, fmt.Sprintf("campaigns[%d]", i), seenCampaign, seenMailbox, i)
	}
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}

func (cp *Campaign) validate(ps *problems, at string, seenCampaign map[string]int, seenMailbox map[string]string, i int) {
	if !idPattern.MatchString(cp.ID) {
		ps.add(at+".id", "required: letters, digits, '-' or '_' (e.g. jc-2026-kjhdz)")
	} else if j, dup := seenCampaign[cp.ID]; dup {
		ps.add(at+".id", "%q is also the id of campaigns[%d]", cp.ID, j)
	} else {
		seenCampaign[cp.ID] = i
	}
	if strings.TrimSpace(cp.Title) == "" {
		ps.add(at+".title", "required")
	}
	switch {
	case cp.Deadline.err != nil:
		ps.add(at+".deadline", "%v", cp.Deadline.err)
	case cp.Deadline.IsZero():
		ps.add(at+".deadline", "required (e.g. 2026-06-08 for \"6月8日前\")")
	}
	if cp.VideoLimitSeconds < 0 {
		ps.add(at+".video_limit_seconds", "must not be negative")
	}
	if len(cp.Materials) == 0 {
		ps.add(at+".materials", "list at least one of %s", materialNames())
	}
	for k, m := range cp.Materials {
		if !slices.Contains(Materials, m) {
			ps.add(fmt.Sprintf("%s.materials[%d]", at, k), "unknown material %q (one of %s)", m, materialNames())
		}
	}
	switch cp.Receipts.Mode {
	case ReceiptsOff, ReceiptsPreview, ReceiptsSend:
	default:
		ps.add(at+".receipts.mode", "must be off, preview or send, not %q", cp.Receipts.Mode)
	}
	for _, x := range []struct{ key, mode, at string }{{"digest", cp.Digest.Mode, cp.Digest.At}, {"reminders", cp.Reminders.Mode, cp.Reminders.At}} {
		switch x.mode {
		case ReceiptsOff, ReceiptsPreview, ReceiptsSend:
		default:
			ps.add(at+"."+x.key+".mode", "must be off, preview or send, not %q", x.mode)
		}
		if _, err := time.Parse("15:04", x.at); err != nil {
			ps.add(at+"."+x.key+".at", "must be a time of day such as 08:30, not %q", x.at)
		}
	}
	if cp.Digest.Start != "" {
		if _, err := time.Parse("2006-01-02", cp.Digest.Start); err != nil {
			ps.add(at+".digest.start", "must be a date such as 2026-05-20, not %q", cp.Digest.Start)
		}
	}
	if cp.Digest.Mode == ReceiptsSend && len(cp.Officers) == 0 {
		ps.add(at+".officers", "required when digest.mode is send: the addresses that get the daily digest")
	}
	for k, o := range cp.Officers {
		if _, err := mail.ParseAddress(o); err != nil {
			ps.add(fmt.Sprintf("%s.officers[%d]", at, k), "must be an email address, not %q", o)
		}
	}
	for k, d := range cp.Reminders.DaysBefore {
		if d < 0 || d > 60 {
			ps.add(fmt.Sprintf("%s.reminders.days_before[%d]", at, k), "must be between 0 and 60 days")
		}
	}
	if cp.Upward.To != "" {
		if _, err := mail.ParseAddress(cp.Upward.To); err != nil {
			ps.add(at+".upward.to", "must be an email address, not %q", cp.Upward.To)
		}
	}
	if cp.Receipts.PerRecipientPerHour < 0 {
		ps.add(at+".receipts.per_recipient_per_hour", "must not be negative")
	}
	if cp.Delivery != DeliveryEach && cp.Delivery != DeliveryAny {
		ps.add(at+".delivery", "must be each (分别报送) or any (统一报送), not %q", cp.Delivery)
	}
	if len(cp.Mailboxes) == 0 {
		ps.add(at+".mailboxes", "list at least one contact mailbox")
	}
	for j, mb := range cp.Mailboxes {
		mat := fmt.Sprintf("%s.mailboxes[%d]", at, j)
		if _, err := mail.ParseAddress(mb.Address); err != nil {
			ps.add(mat+".address", "must be an email address, not %q", mb.Address)
		} else {
			key := strings.ToLower(mb.Address) + "|" + mb.IMAP.Folder
			if prev, dup := seenMailbox[key]; dup {
				ps.add(mat+".address", "%s (folder %s) is already polled by %s; one mailbox folder belongs to one campaign at a time", mb.Address, mb.IMAP.Folder, prev)
			} else {
				seenMailbox[key] = mat
			}
		}
		if mb.IMAP.Host == "" {
			ps.add(mat+".imap.host", "required (e.g. imap.163.com)")
		}
		if mb.IMAP.Port < 1 || mb.IMAP.Port > 65535 {
			ps.add(mat+".imap.port", "must be a TCP port")
		}
		checkTLS(ps, mat+".imap.tls", mb.IMAP.TLS)
		if mb.IMAP.TLS == "none" && !isLoopback(mb.IMAP.Host) {
			ps.add(mat+".imap.tls", "\"none\" sends the password in clear text; it is allowed only for loopback test servers")
		}
		checkSecret(ps, mat+".imap", mb.IMAP.Secret, true)
		if sm := mb.SMTP; sm.Host != "" || sm.TLS != "" || sm.Port != 0 {
			if sm.TLS != "" {
				checkTLS(ps, mat+".smtp.tls", sm.TLS)
			}
			if sm.TLS == "none" && !isLoopback(sm.Host) {
				ps.add(mat+".smtp.tls", "\"none\" sends the password in clear text; it is allowed only for loopback test servers")
			}
			if sm.Port < 0 || sm.Port > 65535 {
				ps.add(mat+".smtp.port", "must be a TCP port")
			}
		}
		if mb.SMTP.NoLogin && !isLoopback(mb.SMTP.Host) {
			ps.add(mat+".smtp.no_login", "allowed only for a relay on loopback (smtp.host 127.0.0.1 or localhost)")
		}
		if mb.SMTP.Secret.PasswordEnv != "" || mb.SMTP.Secret.PasswordFile != "" || mb.SMTP.Secret.Password != "" {
			checkSecret(ps, mat+".smtp", mb.SMTP.Secret, false)
		}
	}
	names := map[string]string{}
	for j, u := range cp.Units {
		uat := fmt.Sprintf("%s.units[%d]", at, j)
		if strings.TrimSpace(u.Name) == "" {
			ps.add(uat+".name", "required")
		}
		for _, n := range append([]string{u.Name}, u.Aliases...) {
			if n == "" {
				continue
			}
			if prev, dup := names[n]; dup {
				ps.add(uat, "name or alias %q is also used by %s", n, prev)
			}
			names[n] = uat
		}
		for k, s := range u.Senders {
			if _, err := mail.ParseAddress(s); err != nil {
				ps.add(fmt.Sprintf("%s.senders[%d]", uat, k), "must be an email address, not %q", s)
			}
		}
	}
}

func checkTLS(ps *problems, at, mode string) {
	if mode != "implicit" && mode != "starttls" && mode != "none" {
		ps.add(at, "must be implicit, starttls or none, not %q", mode)
	}
}

func checkSecret(ps *problems, at string, s Secret, required bool) {
	if s.Password != "" {
		ps.add(at+".password", "passwords must not be written in the configuration file; put it in an environment variable and name it with password_env (or use password_file)")
		return
	}
	if s.PasswordEnv != "" && s.PasswordFile != "" {
		ps.add(at, "give password_env or password_file, not both")
		return
	}
	if required && s.PasswordEnv == "" && s.PasswordFile == "" {
		ps.add(at+".password_env", "required: the name of the environment variable holding the password or authorization code (授权码)")
		return
	}
	if !ps.secrets {
		return
	}
	if _, err := s.Resolve(); err != nil {
		ps.add(at, "%v", err)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func materialNames() string {
	var s []string
	for _, m := range Materials {
		s = append(s, string(m))
	}
	return strings.Join(s, ", ")
}
