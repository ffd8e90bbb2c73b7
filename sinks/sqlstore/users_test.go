package sqlstore_test

import (
	"testing"

	"github.com/shoubao/shoubao/sinks/storetest"
)

// TestConformanceUsers runs the users and sessions part of the suite on
// both databases.
func TestConformanceUsers(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunUsers(t, func(t *testing.T) storetest.UserStore { return open(t, d.dsn(t)) })
		})
	}
}
