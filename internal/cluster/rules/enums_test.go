package rules

import (
	"encoding/json"
	"testing"
)

// TestEnumCodes pins the names and codes of Supvisors' enumerations: the
// codes travel on the wire when an RPC is given an integer.
func TestEnumCodes(t *testing.T) {
	for code, name := range []string{"ALL_INSTANCES", "SINGLE_INSTANCE", "SINGLE_NODE"} {
		if d, ok := ParseDistribution(name); !ok || int(d) != code || d.String() != name {
			t.Errorf("distribution %s: %v %v", name, d, ok)
		}
	}
	for code, name := range []string{"ABORT", "STOP", "CONTINUE"} {
		if s, ok := ParseStartingFailureStrategy(name); !ok || int(s) != code || s.String() != name {
			t.Errorf("starting failure %s: %v %v", name, s, ok)
		}
	}
	for code, name := range []string{"CONTINUE", "RESTART_PROCESS", "STOP_APPLICATION", "RESTART_APPLICATION", "SHUTDOWN", "RESTART"} {
		if s, ok := ParseRunningFailureStrategy(name); !ok || int(s) != code || s.String() != name {
			t.Errorf("running failure %s: %v %v", name, s, ok)
		}
	}
	if _, ok := ParseDistribution("single_node"); ok {
		t.Error("names are case-sensitive in rules")
	}
	if s := RunningFailureStrategy(9).String(); s != "UNKNOWN(9)" {
		t.Errorf("String of an unknown code = %q", s)
	}
	data, err := json.Marshal(struct {
		D Distribution
		S StartingFailureStrategy
		R RunningFailureStrategy
	}{SingleNode, StartingStop, RunningRestart})
	if err != nil || string(data) != `{"D":"SINGLE_NODE","S":"STOP","R":"RESTART"}` {
		t.Errorf("JSON = %s, %v", data, err)
	}
	if _, err := json.Marshal(Distribution(-1)); err == nil {
		t.Error("an unknown code marshals")
	}
}
