package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The event types Supvisors registers are accepted in an events= line
// exactly when the configuration loads Supvisors.
func TestSupvisorsEventTypes(t *testing.T) {
	const supvisors = "[rpcinterface:supvisors]\nsupervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface\n"
	const other = "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
	for _, tc := range []struct {
		name, plugins, events string
		want                  []string // nil: an error is expected
		err                   string
	}{
		{"all of them", supvisors, "PROCESS, process_added,PROCESS_REMOVED,PROCESS_ENABLED,PROCESS_DISABLED",
			[]string{"PROCESS", "PROCESS_ADDED", "PROCESS_REMOVED", "PROCESS_ENABLED", "PROCESS_DISABLED"}, ""},
		{"mixed with Supervisor's", other + supvisors, "PROCESS_STATE,PROCESS_ADDED,TICK_5",
			[]string{"PROCESS_STATE", "PROCESS_ADDED", "TICK_5"}, ""},
		{"Supervisor's only", supvisors, "PROCESS_STATE_RUNNING", []string{"PROCESS_STATE_RUNNING"}, ""},
		{"without Supvisors", other, "PROCESS_ADDED", nil,
			"Unknown event type PROCESS_ADDED in [eventlistener:l] events"},
		{"abstract parent without Supvisors", "", "PROCESS_STATE,PROCESS", nil,
			"Unknown event type PROCESS in [eventlistener:l] events"},
		{"still unknown with Supvisors", supvisors, "PROCESS_ADDED,PROCESS_MOVED", nil,
			"Unknown event type PROCESS_MOVED in [eventlistener:l] events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := "[supervisord]\nlogfile=" + dir + "/s.log\npidfile=" + dir + "/s.pid\n\n" + tc.plugins +
				"\n[eventlistener:l]\ncommand=cat\nevents=" + tc.events + "\n"
			path := filepath.Join(dir, "s.conf")
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, LoadOptions{})
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				if !strings.Contains(err.Error(), "s.conf") {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range cfg.Groups {
				if g.Name == "l" && !slices.Equal(g.Events, tc.want) {
					t.Errorf("events %v, want %v", g.Events, tc.want)
				}
			}
		})
	}
}
