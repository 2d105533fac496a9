package xmlrpc

import (
	"testing"

	"github.com/supvisors-go/supvisors/internal/leakcheck"
)

// TestMain fails the run when goroutines of ours or of net/http outlive
// the tests: every server, stream and connection must have stopped.
func TestMain(m *testing.M) { leakcheck.Main(m) }
