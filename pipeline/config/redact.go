package config

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// masked replaces a password wherever configuration values are shown.
const masked = "xxxxx"

// passwordParam is a password given as a URL query parameter
// (postgres://host/db?password=…, sslpassword=…).
var passwordParam = regexp.MustCompile(`(?i)([?&;](?:ssl)?password=)[^&;#]*`)

// RedactURL returns the URL (or comma-separated URLs, as in bus.url) with
// every password replaced by xxxxx: postgres://user:xxxxx@host/db. A NATS
// token (nats://TOKEN@host) is masked whole. It works on text that does not
// parse as a URL too, so that a malformed URL can be quoted in a message.
func RedactURL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i], _ = redactOne(p)
	}
	return strings.Join(parts, ",")
}

// redactOne masks one URL and returns the secrets it held, as written.
func redactOne(s string) (string, []string) {
	prefix, rest, scheme := "", s, ""
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest, scheme = s[:i+3], s[i+3:], strings.ToLower(strings.TrimSpace(s[:i]))
	}
	var secrets []string
	// The user information ends at the last @: a password written
	// without escaping may itself hold @, / or ?.
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user := rest[:at]
		if c := strings.IndexByte(user, ':'); c >= 0 {
			secrets = append(secrets, user[c+1:])
			user = user[:c] + ":" + masked
		} else if isNATSScheme(scheme) {
			secrets = append(secrets, user) // a token
			user = masked
		}
		rest = user + rest[at:]
	}
	for _, m := range passwordParam.FindAllStringSubmatchIndex(rest, -1) {
		secrets = append(secrets, rest[m[3]:m[1]])
	}
	rest = passwordParam.ReplaceAllString(rest, "${1}"+masked)
	return prefix + rest, secrets
}

// isNATSScheme reports whether a URL of this scheme takes a token as its
// user information (no scheme: nats.go assumes nats://).
func isNATSScheme(scheme string) bool {
	return slices.Contains([]string{"", "nats", "tls", "ws", "wss"}, scheme)
}

// Redact returns s with the configured URLs (store.url, bus.url) and the
// passwords they hold masked, as written and decoded: for errors from
// drivers and log lines, which may quote them.
func (c *Config) Redact(s string) string {
	var secrets []string
	for _, u := range []string{c.Store.URL, c.Bus.URL} {
		for _, p := range strings.Split(u, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			m, ss := redactOne(p)
			if m != p {
				s = strings.ReplaceAll(s, p, m)
			}
			for _, sec := range ss {
				secrets = append(secrets, sec)
				if d, err := url.PathUnescape(sec); err == nil {
					secrets = append(secrets, d)
				}
			}
		}
	}
	// As %q and slog's text handler would write them too.
	for _, sec := range secrets {
		if q := strconv.Quote(sec); q[1:len(q)-1] != sec {
			secrets = append(secrets, q[1:len(q)-1])
		}
	}
	// Longest first, so that a secret containing another is masked
	// whole; very short ones only inside the URLs above, as masking every
	// occurrence of one or two characters would garble the text.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range secrets {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, masked)
		}
	}
	return s
}
