package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/metrics"
)

func TestStalled(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 8, 10, 0, 0, 0, time.UTC)
	const after = 2 * time.Minute
	tests := []struct {
		name string
		p    bus.Progress
		want bool
	}{
		{"nothing waiting", bus.Progress{LastAck: now.Add(-time.Hour)}, false},
		{"a fresh event, nothing finished for an hour", bus.Progress{Backlog: 1, Oldest: 10 * time.Second, LastAck: now.Add(-time.Hour)}, false},
		{"a long backlog going down", bus.Progress{Backlog: 3787, Oldest: 20 * time.Minute, LastAck: now.Add(-time.Second)}, false},
		{"a long backlog, nothing finished for 5 minutes", bus.Progress{Backlog: 3787, Oldest: 20 * time.Minute, LastAck: now.Add(-5 * time.Minute)}, true},
		{"waiting, nothing finished since the server started", bus.Progress{Backlog: 1, Oldest: 3 * time.Minute}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := metrics.Stalled(tt.p, now, after); got != tt.want {
				t.Errorf("Stalled(%+v) = %v, want %v", tt.p, got, tt.want)
			}
			if tt.want && !strings.HasPrefix(metrics.StallText(tt.p, now), "stalled: ") {
				t.Errorf("StallText %q", metrics.StallText(tt.p, now))
			}
		})
	}
}
