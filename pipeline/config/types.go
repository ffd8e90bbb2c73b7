package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// ByteSize is a size in bytes written as a number with an optional unit:
// 512, 64KB, 256MB, 20GB (powers of 1024).
type ByteSize int64

// UnmarshalYAML accepts an integer or a string with a unit. A bad value is
// a type error, so decoding goes on and every problem is reported at once.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*b = v
	return nil
}

// MarshalYAML writes the size with the largest exact unit.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// String formats the size with the largest unit that divides it exactly.
func (b ByteSize) String() string {
	for _, u := range []struct {
		s string
		n int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if b != 0 && int64(b)%u.n == 0 {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.s
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// ParseByteSize parses "512", "64KB", "256MB", "20GB" (also "K", "MiB"…).
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q (want e.g. 512MB or 20GB)", s)
	}
	return ByteSize(n * mult), nil
}

// Deadline is the moment after which a submission is late. In the file it is
// a date, "2026-06-08", meaning "before the end of 8 June, China time" as
// notices say (6月8日前), or a date and time "2026-06-08 17:30" in
// Asia/Shanghai, or an RFC 3339 timestamp.
type Deadline struct {
	// End is the first instant that is late.
	End time.Time
	// Text is what the file said.
	Text string
	// err is why Text is not a deadline; validation reports it at its key
	// path.
	err error
}

// IsZero reports whether no deadline was given.
func (d Deadline) IsZero() bool { return d.End.IsZero() }

// Late reports whether t (the server's receipt time) is after the deadline.
func (d Deadline) Late(t time.Time) bool { return !d.End.IsZero() && !t.Before(d.End) }

// UnmarshalYAML parses the forms described on Deadline. A bad value is
// kept for validation to report, so decoding goes on.
func (d *Deadline) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDeadline(n.Value)
	if err != nil {
		*d = Deadline{Text: n.Value, err: err}
		return nil
	}
	*d = v
	return nil
}

// MarshalYAML writes the deadline as it was given.
func (d Deadline) MarshalYAML() (any, error) { return d.Text, nil }

// ChinaTime is the time zone of every deadline: Asia/Shanghai (see
// campaign.ChinaTime).
func ChinaTime() *time.Location { return campaign.ChinaTime() }

// ParseDeadline parses a deadline in one of the forms described on Deadline.
func ParseDeadline(s string) (Deadline, error) {
	s = strings.TrimSpace(s)
	loc := ChinaTime()
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return Deadline{End: t.AddDate(0, 0, 1), Text: s}, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return Deadline{End: t, Text: s}, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Deadline{End: t, Text: s}, nil
	}
	return Deadline{}, fmt.Errorf("invalid deadline %q (want 2026-06-08, 2026-06-08 17:30 or RFC 3339)", s)
}
