package config

import (
	"strings"
	"testing"
)

// TestBusReplicas: bus.replicas defaults to 1, takes 1 to 5, and more than
// 1 only with a NATS URL (the embedded server is a single node).
func TestBusReplicas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, bus string
		want      int
		problem   string // in the problem at bus.replicas; "" for none
	}{
		{name: "default", bus: `{}`, want: 1},
		{name: "three on a cluster", bus: `{url: "nats://10.0.0.1:4222,nats://10.0.0.2:4222,nats://10.0.0.3:4222", replicas: 3}`, want: 3},
		{name: "five", bus: `{url: "nats://h:4222", replicas: 5}`, want: 5},
		{name: "one embedded", bus: `{replicas: 1}`, want: 1},
		{name: "six", bus: `{url: "nats://h:4222", replicas: 6}`, problem: "must be 1 to 5"},
		{name: "negative", bus: `{url: "nats://h:4222", replicas: -1}`, problem: "must be 1 to 5"},
		{name: "three embedded", bus: `{replicas: 3}`, problem: "needs bus.url"},
		{name: "not a number", bus: `{replicas: three}`, problem: "line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "bus: " + tc.bus + "\n" + validCampaign
			got, err := problemsOf(t, src)
			if tc.problem != "" {
				if !strings.Contains(got["bus.replicas"], tc.problem) {
					t.Fatalf("problem at bus.replicas = %q, want it to contain %q; all: %v", got["bus.replicas"], tc.problem, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Decode([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Bus.Replicas != tc.want {
				t.Errorf("bus.replicas = %d, want %d", cfg.Bus.Replicas, tc.want)
			}
		})
	}
}
