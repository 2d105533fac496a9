package commander

import (
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// play applies declarations and commands to a fresh env.
func play(t *testing.T, lines ...string) *env {
	t.Helper()
	e := newEnv()
	for _, l := range lines {
		var err error
		if cmd, ok := strings.CutPrefix(l, "> "); ok {
			err = e.run(strings.Fields(cmd))
		} else {
			err = e.setup(strings.Fields(l))
		}
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	return e
}

func TestBusyAndAssignment(t *testing.T) {
	e := play(t, "instance A", "instance B", "app pool start=1", "prog pool:w_0 start=1 hash=B,A",
		"app other start=2", "prog other:o start=1",
		"define A pool:w_0@0/w other:o", "define B pool:w_0@0/w other:o")
	c := e.c
	if c.Busy("pool") || c.Starting() || c.Stopping() {
		t.Fatal("busy before any request")
	}
	if _, ok := c.Assignment("pool:w_0"); ok {
		t.Fatal("assigned before any start")
	}
	if _, err := c.StartApplication(options.StartConfig, "pool", false, 1); err != nil {
		t.Fatal(err)
	}
	if ids, ok := c.Assignment("pool:w_0"); !ok || !slices.Equal(ids, []string{"B"}) {
		t.Errorf("assignment = %v, %t", ids, ok)
	}
	if !c.Busy("pool") || c.Busy("other") || !c.Starting() {
		t.Error("pool should be busy in the Starter")
	}
	actions := c.Ready()
	if len(actions) != 3 {
		t.Fatalf("actions = %v", actions)
	}
	if a, ok := actions[0].(Assigned); !ok || a.Namespec != "pool:w_0" {
		t.Errorf("first action = %v", actions[0])
	}
	if a, ok := actions[1].(StartProcess); !ok || a.Target != "B" || a.Namespec != "pool:w_0" {
		t.Errorf("second action = %v", actions[1])
	}
	if a, ok := actions[2].(JobsChanged); !ok || !a.Starting || a.Stopping {
		t.Errorf("third action = %v", actions[2])
	}
	if len(c.Ready()) != 0 {
		t.Error("Ready must drain the actions")
	}
}

func TestPyList(t *testing.T) {
	if got := pyList([]string{"a:b", "it's"}); got != `['a:b', "it's"]` {
		t.Errorf("pyList = %s", got)
	}
}

// The driver's real parts fit the seams.
var (
	_ Model = (*model.Model)(nil)
	_ Rules = (*rules.Rules)(nil)
)
