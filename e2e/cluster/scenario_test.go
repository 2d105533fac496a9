package cluster

// The documented use cases of Supvisors (its "scenarios"), re-created on
// instances of ours on 127.0.0.1. The configurations and rules live in
// testdata/scenarios; each instance includes the program files of its
// role, copied into its own directory, so one description serves several
// instances that define different programs.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// scenDir holds the scenarios' rules and program files.
const scenDir = "testdata/scenarios"

// scenIncludeDir is the directory, inside each instance's own directory,
// that its configuration includes (scenIncludeDir/*.ini).
const scenIncludeDir = "scen.d"

// scenSetup describes a scenario's cluster: the instances by nick name
// (in supvisors_list order), the rules file and the program files each
// instance includes, relative to scenDir.
type scenSetup struct {
	nicks   []string
	rules   string
	files   map[string][]string // nick -> program files
	options map[string]string   // more [rpcinterface:supvisors] options
}

// scenStart launches the described cluster (stopped at the end of the
// test like every cluster of this package) and returns it.
func scenStart(t *testing.T, s scenSetup) *clusterbench.Cluster {
	t.Helper()
	ports, err := clusterbench.FreePorts(len(s.nicks))
	if err != nil {
		t.Fatal(err)
	}
	c := &clusterbench.Cluster{Daemon: testDaemon, Dir: t.TempDir()}
	for i, nick := range s.nicks {
		c.Nodes = append(c.Nodes, &clusterbench.Node{Nick: nick, Host: "127.0.0.1", Port: ports[i]})
	}
	rules, err := filepath.Abs(filepath.Join(scenDir, s.rules))
	if err != nil {
		t.Fatal(err)
	}
	c.Options = map[string]string{"rules_files": rules}
	maps.Copy(c.Options, s.options)
	// Relative include paths resolve against the including file, so the
	// same text makes each instance read its own copy.
	c.Programs = "\n[include]\nfiles = " + scenIncludeDir + "/*.ini\n"
	for _, nick := range s.nicks {
		dir := filepath.Join(c.Dir, nick, scenIncludeDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range s.files[nick] {
			data, err := os.ReadFile(filepath.Join(scenDir, f))
			if err != nil {
				t.Fatal(err)
			}
			// Files of different roles may share a base name.
			name := strings.ReplaceAll(f, "/", "_")
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	launch(t, c)
	return c
}

// scenLongCall makes a call that may wait for a whole start or stop
// sequence (wait=true), which the observers' 10-second bound would cut.
// The deadline only turns a hang into a failure.
func scenLongCall(t *testing.T, n *clusterbench.Node, method string, params ...any) (any, error) {
	t.Helper()
	client, err := xmlrpc.NewClient("http://"+n.Identifier()+"/RPC2", xmlrpc.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), reactionDeadline)
	defer cancel()
	return client.Call(ctx, method, params...)
}

// scenFault checks that err is the XML-RPC fault code with the text text
// (as Python's client shows it: "NAME: message").
func scenFault(t *testing.T, what string, err error, code int, text string) {
	t.Helper()
	f := xmlrpc.FaultOf(err)
	if f == nil {
		t.Errorf("%s: got %v; want fault %d %q", what, err, code, text)
		return
	}
	if int(f.Code) != code || f.String != text {
		t.Errorf("%s: fault %d %q; want %d %q", what, int(f.Code), f.String, code, text)
	}
}

// scenGet calls a getter on n and decodes its answer.
func scenGet[T any](t *testing.T, n *clusterbench.Node, method string, params ...any) T {
	t.Helper()
	var out T
	if err := xmlrpc.Unmarshal(mustCall(t, n, method, params...), &out); err != nil {
		t.Fatalf("%s on %s: %v", method, n.Nick, err)
	}
	return out
}

// scenTryGet is scenGet for polling: an error is an answer not there yet.
func scenTryGet[T any](n *clusterbench.Node, method string, params ...any) (T, error) {
	var out T
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := n.Call(ctx, method, params...)
	if err == nil {
		err = xmlrpc.Unmarshal(v, &out)
	}
	return out, err
}

// scenWait polls check until it reports done, and fails the test with its
// last description when the deadline passes.
func scenWait(t *testing.T, deadline time.Duration, what string, check func() (bool, string)) {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		done, last := check()
		if done {
			t.Logf("%s: %s", what, last)
			return
		}
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s; last seen: %s", what, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// scenLocalInfo is one item of supvisors.get_all_local_process_info.
type scenLocalInfo struct {
	Group     string  `xmlrpc:"group"`
	Name      string  `xmlrpc:"name"`
	State     int     `xmlrpc:"state"`
	StateName string  `xmlrpc:"statename"`
	PID       int     `xmlrpc:"pid"`
	Start     int     `xmlrpc:"start"`
	StartMono float64 `xmlrpc:"start_monotonic"`
	StopMono  float64 `xmlrpc:"stop_monotonic"`
	Expected  bool    `xmlrpc:"expected"`
	ExtraArgs string  `xmlrpc:"extra_args"`
}

func (l scenLocalInfo) namespec() string { return l.Group + ":" + l.Name }

// scenProcInfo is one item of supvisors.get_all_process_info.
type scenProcInfo struct {
	Application  string   `xmlrpc:"application_name"`
	Process      string   `xmlrpc:"process_name"`
	StateName    string   `xmlrpc:"statename"`
	ExpectedExit bool     `xmlrpc:"expected_exit"`
	Identifiers  []string `xmlrpc:"identifiers"`
	ExtraArgs    string   `xmlrpc:"extra_args"`
}

func (p scenProcInfo) namespec() string { return p.Application + ":" + p.Process }

func (p scenProcInfo) String() string {
	return fmt.Sprintf("%s=%s%v", p.namespec(), p.StateName, p.Identifiers)
}

// scenAppInfo is one item of supvisors.get_all_applications_info.
type scenAppInfo struct {
	Name      string `xmlrpc:"application_name"`
	Managed   bool   `xmlrpc:"managed"`
	StateName string `xmlrpc:"statename"`
	Major     bool   `xmlrpc:"major_failure"`
	Minor     bool   `xmlrpc:"minor_failure"`
}

func (a scenAppInfo) String() string {
	return fmt.Sprintf("%s=%s(managed=%t major=%t minor=%t)", a.Name, a.StateName, a.Managed, a.Major, a.Minor)
}

// scenAppProcesses lists the processes of app as n sees them, by name.
func scenAppProcesses(n *clusterbench.Node, app string) (map[string]scenProcInfo, error) {
	infos, err := scenTryGet[[]scenProcInfo](n, "supvisors.get_process_info", app+":*")
	if err != nil {
		return nil, err
	}
	out := map[string]scenProcInfo{}
	for _, p := range infos {
		out[p.Process] = p
	}
	return out, nil
}

// scenDescribe lists processes in name order, for failure messages.
func scenDescribe(procs map[string]scenProcInfo) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(procs)) {
		parts = append(parts, procs[name].String())
	}
	return strings.Join(parts, " ")
}

// scenLocal gives the local records of app on n, by process name.
func scenLocal(t *testing.T, n *clusterbench.Node, app string) map[string]scenLocalInfo {
	t.Helper()
	out := map[string]scenLocalInfo{}
	for _, l := range scenGet[[]scenLocalInfo](t, n, "supvisors.get_all_local_process_info") {
		if l.Group == app {
			out[l.Name] = l
		}
	}
	return out
}

// scenAppInfoOf is supvisors.get_application_info on n.
func scenAppInfoOf(n *clusterbench.Node, app string) (scenAppInfo, error) {
	return scenTryGet[scenAppInfo](n, "supvisors.get_application_info", app)
}

// scenCmdline is the command line of a live process, its arguments joined
// by spaces.
func scenCmdline(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", errors.New("empty command line (a zombie)")
	}
	return strings.Join(strings.Split(strings.TrimRight(string(data), "\x00"), "\x00"), " "), nil
}
