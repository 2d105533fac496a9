package model

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

const (
	idA = "127.0.0.1:61001"
	idB = "127.0.0.1:61002"
	idC = "127.0.0.1:61003"
)

// captureLine matches one sendRemoteCommEvent request of the decoded
// capture: time, server port, event type and JSON text.
var captureLine = regexp.MustCompile(`^\s*([0-9.]+) \d+ -> (\d+)\([A-Z]\) REQUEST supervisor\.sendRemoteCommEvent \('(\w+)', '(.*)'\)$`)

// replayA feeds a model the traffic instance A of the reference cluster
// received up to time until (seconds into the capture): the ALL_INFO of
// every handshake, the peers' PROCESS and TICK publications, the loss of
// B. A's own events are the publications A sent, without the member
// event_mtime that only the published copy carries.
func replayA(t *testing.T, until float64) *Model {
	t.Helper()
	f, err := os.Open("testdata/startup_failover.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := New(refRules{})
	checked := map[string]bool{}
	lost := map[string]bool{}
	seenLocal := map[string]bool{}
	// The capture's t=0 is about A's monotonic 3663.86.
	const base = 3663.0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		g := captureLine.FindStringSubmatch(sc.Text())
		if g == nil {
			continue
		}
		at, _ := strconv.ParseFloat(g[1], 64)
		if at > until {
			break
		}
		toA := g[2] == "61001"
		msg, err := wire.Decode(g[3], strings.ReplaceAll(g[4], `\\`, `\`))
		if err != nil {
			t.Fatalf("line at %s: %v", g[1], err)
		}
		origin, recv := msg.Origin.Identifier, base+at
		if kind, ok := msg.Notification(); ok {
			if !toA {
				continue
			}
			switch kind {
			case wire.NotificationAllInfo:
				if list, ok := msg.Body.(wire.ProcessInfoList); ok && !checked[origin] {
					m.LoadProcesses(origin, list, recv)
				}
			case wire.NotificationAuthorization:
				checked[origin] = msg.Body.(wire.AuthorizationResult).Authorization == wire.Authorized
			case wire.NotificationInstanceFailure:
				if !lost[origin] {
					lost[origin] = true
					m.InstanceLost(origin, recv)
				}
			}
			continue
		}
		local := origin == idA
		if local {
			if seenLocal[g[4]] {
				continue
			}
			seenLocal[g[4]] = true
		} else if !toA || lost[origin] {
			continue
		}
		kind, _ := msg.Publication()
		switch kind {
		case wire.PublicationTick:
			tick := msg.Body.(wire.Tick)
			m.Tick(origin, tick.When, tick.WhenMonotonic)
		case wire.PublicationProcess:
			ev := msg.Body.(wire.ProcessEvent)
			if local {
				ev.Extra = nil
			}
			if _, ok := m.ProcessEvent(origin, ev, recv); !ok {
				t.Errorf("event at %s ignored: %+v", g[1], ev)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// runDependent are the members whose values depend on the run (times,
// pids, uptimes): only their types are compared.
var runDependent = map[string]bool{"now_monotonic": true, "last_event_mtime": true, "local_mtime": true,
	"event_time": true, "uptime": true, "start": true, "stop": true, "now": true, "pid": true,
	"start_monotonic": true, "stop_monotonic": true, "event_mtime": true}

// withDescription adds description (pid and uptime of a running process)
// to runDependent.
func withDescription() map[string]bool {
	loose := map[string]bool{"description": true}
	for k := range runDependent {
		loose[k] = true
	}
	return loose
}

func checkRef(t *testing.T, dir, ref string, got any, loose map[string]bool) {
	t.Helper()
	for _, d := range compareNodes(ref, encode(t, got), readRef(t, dir, ref), loose) {
		t.Error(d)
	}
}

func checkFault(t *testing.T, dir, ref string, err error) {
	t.Helper()
	want := readRef(t, dir, ref)
	code, ok := errdefs.CodeOf(err)
	if !ok {
		t.Fatalf("%s: got %v, want a fault", ref, err)
	}
	if strconv.Itoa(int(code)) != want.member("faultCode").text || err.Error() != want.member("faultString").text {
		t.Errorf("%s: got %d %q, want %s", ref, code, err.Error(), want)
	}
}

// getterAnswers checks every getter against the reference answers of
// instance A in dir.
func getterAnswers(t *testing.T, m *Model, dir string) {
	const now = 5000.0
	checkRef(t, dir, "get_all_applications_info", m.AllApplicationsInfo(now).XMLRPC(), runDependent)
	info, err := m.ApplicationInfo("chain", now)
	if err != nil {
		t.Fatal(err)
	}
	checkRef(t, dir, "get_application_info__chain", info.XMLRPC(), runDependent)
	_, err = m.ApplicationInfo("nosuchapp", now)
	checkFault(t, dir, "get_application_info__nosuchapp", err)
	for _, app := range []string{"chain", "mobile"} {
		rules, err := m.ApplicationRules(app)
		if err != nil {
			t.Fatal(err)
		}
		checkRef(t, dir, "get_application_rules__"+app, rules.XMLRPC(), nil)
	}
	_, err = m.ApplicationRules("nosuchapp")
	checkFault(t, dir, "get_application_rules__nosuchapp", err)
	checkRef(t, dir, "get_all_process_info", m.AllProcessInfo(now).XMLRPC(), runDependent)
	for ref, namespec := range map[string]string{"chain-p1": "chain:p1", "chain-ALL": "chain:*"} {
		list, err := m.ProcessInfo(namespec, now)
		if err != nil {
			t.Fatal(err)
		}
		checkRef(t, dir, "get_process_info__"+ref, list.XMLRPC(), runDependent)
	}
	_, err = m.ProcessInfo("chain:nosuch", now)
	checkFault(t, dir, "get_process_info__chain-nosuch", err)
	for ref, namespec := range map[string]string{"chain-p1": "chain:p1", "chain-ALL": "chain:*",
		"mobile-roamer": "mobile:roamer"} {
		list, err := m.ProcessRules(namespec)
		if err != nil {
			t.Fatal(err)
		}
		checkRef(t, dir, "get_process_rules__"+ref, list.XMLRPC(), nil)
	}
	checkRef(t, dir, "get_conflicts", m.Conflicts(now).XMLRPC(), nil)
	checkRef(t, dir, "get_all_inner_process_info__B", m.AllInnerProcessInfo([]string{idB}).XMLRPC(), withDescription())
	inner, err := m.InnerProcessInfo("A", []string{idA}, "chain:p1")
	if err != nil {
		t.Fatal(err)
	}
	checkRef(t, dir, "get_inner_process_info__A_chain-p1", inner.XMLRPC(), withDescription())
}

// TestReplaySteadyState replays the cluster's startup, up to the moment
// B is lost, and compares the getters with A's answers in steady state.
func TestReplaySteadyState(t *testing.T) {
	m := replayA(t, 39.5)
	getterAnswers(t, m, "A")
	if got := m.Loading(idA); got != 30 {
		t.Errorf("loading of A = %d, want 30", got)
	}
	if got := m.Loading(idB); got != 5 {
		t.Errorf("loading of B = %d, want 5", got)
	}
}

// TestReplayFailover replays the whole capture: B is lost while running
// mobile:roamer, which is then started on C.
func TestReplayFailover(t *testing.T) {
	m := replayA(t, 1e9)
	getterAnswers(t, m, "after_failover")
	if got := m.Loading(idB); got != 0 {
		t.Errorf("loading of lost B = %d, want 0", got)
	}
	if got := m.Loading(idC); got != 5 {
		t.Errorf("loading of C = %d, want 5", got)
	}
	if !m.HasCrashedProcess(idB) {
		t.Error("B should report a crashed process once its roamer is lost")
	}
}
