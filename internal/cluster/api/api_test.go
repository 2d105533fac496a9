package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/leakcheck"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// fakeCluster is a view.Controller serving a fixed snapshot and recording
// the requests it receives.
type fakeCluster struct {
	snap atomic.Pointer[view.Snapshot]

	mu       sync.Mutex
	requests []string
	err      error // the answer to every request
}

func newFakeCluster(s *view.Snapshot) *fakeCluster {
	c := &fakeCluster{}
	c.snap.Store(s)
	return c
}

func (c *fakeCluster) Snapshot() *view.Snapshot { return c.snap.Load() }

func (c *fakeCluster) request(what string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests = append(c.requests, what)
	return c.err
}

func (c *fakeCluster) EndSync(_ context.Context, master string) error {
	return c.request("end_sync(" + master + ")")
}
func (c *fakeCluster) Restart(context.Context) error  { return c.request("restart") }
func (c *fakeCluster) Shutdown(context.Context) error { return c.request("shutdown") }

func (c *fakeCluster) takeRequests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.requests
	c.requests = nil
	return r
}

// update replaces the snapshot by a modified copy.
func (c *fakeCluster) update(change func(s *view.Snapshot)) {
	s := *c.snap.Load()
	s.Instances = slices.Clone(s.Instances)
	change(&s)
	c.snap.Store(&s)
}

// refPath is a reference answer of the real Python cluster (Supvisors
// 0.19 on 127.0.0.1:61001..61003, nicks A, B, C), as seen from dir.
func refPath(dir, name string) string { return filepath.Join("testdata", "refs", dir, name+".xml") }

func readRef(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(refPath(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeRef returns the value of a reference answer.
func decodeRef(t *testing.T, dir, name string) any {
	t.Helper()
	v, err := xmlrpc.DecodeResponse(bytes.NewReader(readRef(t, dir, name)), 1<<20)
	if err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	return v
}

// refSnapshot rebuilds the cluster as the instance of dir saw it from its
// own answers, so that our answers can be compared byte for byte with
// the references.
func refSnapshot(t *testing.T, dir string) *view.Snapshot {
	t.Helper()
	state := decodeRef(t, dir, "get_supvisors_state").(map[string]any)
	jobs := func(key string) []string {
		var out []string
		for _, v := range state[key].([]any) {
			out = append(out, v.(string))
		}
		state[key] = false
		return out
	}
	s := &view.Snapshot{StartingJobs: jobs("starting_jobs"), StoppingJobs: jobs("stopping_jobs")}
	var err error
	if s.Self, err = wire.StateModesFromXMLRPC(state); err != nil {
		t.Fatal(err)
	}
	s.Local = s.Self.Identifier
	infos, err := wire.InstanceInfoListFromXMLRPC(decodeRef(t, dir, "get_all_instances_info"))
	if err != nil {
		t.Fatal(err)
	}
	modes, err := wire.StateModesListFromXMLRPC(decodeRef(t, dir, "get_all_instances_state_modes"))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(modes) {
		t.Fatalf("%s: %d instance infos, %d state modes", dir, len(infos), len(modes))
	}
	for i, info := range infos {
		s.Instances = append(s.Instances, view.Instance{Info: info, Modes: modes[i],
			Network: wire.NetworkInfo{Identifier: info.Identifier, NickIdentifier: info.NickIdentifier,
				HostID: info.NodeName, HTTPPort: info.Port}})
	}
	if _, err := os.Stat(refPath(dir, "get_network_info__127_0_0_1-61002")); err == nil {
		n, err := wire.NetworkInfoFromXMLRPC(decodeRef(t, dir, "get_network_info__127_0_0_1-61002"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range s.Instances {
			if s.Instances[i].Identifier() == n.Identifier {
				s.Instances[i].Network = n
			}
		}
	}
	if s.Strategies, err = wire.StrategiesFromXMLRPC(decodeRef(t, dir, "get_strategies")); err != nil {
		t.Fatal(err)
	}
	return s
}

// harness is the API over a fake cluster and, when an engine is needed,
// a real one (see engine_test.go).
type harness struct {
	d       *xmlrpc.Dispatcher
	cluster *fakeCluster
	levels  []config.Level
	mu      sync.Mutex
}

func newHarness(t *testing.T, snap *view.Snapshot) *harness {
	t.Helper()
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snap)}
	Register(h.d, h.cluster, nil, Options{SetLogLevel: func(l config.Level) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.levels = append(h.levels, l)
	}})
	return h
}

func (h *harness) call(t *testing.T, method string, params ...any) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return h.d.Call(ctx, method, params)
}

// answer is the XML document the server would send for a call.
func (h *harness) answer(t *testing.T, method string, params ...any) []byte {
	t.Helper()
	v, err := h.call(t, method, params...)
	if err != nil {
		return xmlrpc.AppendFault(nil, xmlrpc.FaultOf(err))
	}
	out, err := xmlrpc.AppendResponse(nil, v)
	if err != nil {
		t.Fatalf("%s: cannot encode %v: %v", method, v, err)
	}
	return out
}

// wantFault checks that err is the fault string want ("NAME" or "NAME: text").
func wantFault(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, want)
		return
	}
	if got := xmlrpc.FaultOf(err).String; got != want {
		t.Errorf("%s: fault %q, want %q", what, got, want)
	}
}

// refCase is one reference request with the parameters it carried.
type refCase struct {
	ref    string
	method string
	params []any
	// adopt copies into the snapshot what this very answer shows, for the
	// values that moved between the calls of the capture (monotonic
	// times, tick counters).
	adopt func(t *testing.T, c *fakeCluster, dir string)
}

func adoptModes(t *testing.T, c *fakeCluster, dir, ref string) {
	list, err := wire.StateModesListFromXMLRPC(decodeRef(t, dir, ref))
	if err != nil {
		t.Fatal(err)
	}
	c.update(func(s *view.Snapshot) {
		for _, m := range list {
			for i := range s.Instances {
				if s.Instances[i].Identifier() == m.Identifier {
					s.Instances[i].Modes = m
				}
			}
		}
	})
}

func adoptInfo(t *testing.T, c *fakeCluster, dir, ref string) {
	list, err := wire.InstanceInfoListFromXMLRPC(decodeRef(t, dir, ref))
	if err != nil {
		t.Fatal(err)
	}
	c.update(func(s *view.Snapshot) {
		for _, info := range list {
			for i := range s.Instances {
				if s.Instances[i].Identifier() == info.Identifier {
					s.Instances[i].Info = info
				}
			}
		}
	})
}

var refCases = []refCase{
	{ref: "get_supvisors_state", method: "get_supvisors_state"},
	{ref: "get_all_instances_state_modes", method: "get_all_instances_state_modes"},
	{ref: "get_instance_state_modes__A", method: "get_instance_state_modes", params: []any{"A"},
		adopt: func(t *testing.T, c *fakeCluster, dir string) {
			adoptModes(t, c, dir, "get_instance_state_modes__A")
		}},
	{ref: "get_instance_state_modes__127_0_0_1-61002", method: "get_instance_state_modes", params: []any{"127.0.0.1:61002"},
		adopt: func(t *testing.T, c *fakeCluster, dir string) {
			adoptModes(t, c, dir, "get_instance_state_modes__127_0_0_1-61002")
		}},
	{ref: "get_master_identifier", method: "get_master_identifier"},
	{ref: "get_strategies", method: "get_strategies"},
	{ref: "get_network_info__127_0_0_1-61002", method: "get_network_info", params: []any{"127.0.0.1:61002"}},
	{ref: "get_all_instances_info", method: "get_all_instances_info"},
	{ref: "get_instance_info__C", method: "get_instance_info", params: []any{"C"},
		adopt: func(t *testing.T, c *fakeCluster, dir string) { adoptInfo(t, c, dir, "get_instance_info__C") }},
	{ref: "get_instance_info__Z", method: "get_instance_info", params: []any{"Z"}},
}

// The answers built from a snapshot equal, byte for byte, those of the
// Python instances the snapshot was taken from, in every captured state.
func TestAnswersEqualReferences(t *testing.T) {
	for _, dir := range []string{"A", "B", "C", "after_failover_A", "after_failover_C"} {
		t.Run(dir, func(t *testing.T) {
			compared := 0
			for _, rc := range refCases {
				if _, err := os.Stat(refPath(dir, rc.ref)); err != nil {
					continue
				}
				h := newHarness(t, refSnapshot(t, dir))
				if rc.adopt != nil {
					rc.adopt(t, h.cluster, dir)
				}
				// The parameters are those of the captured request.
				req, err := os.ReadFile(filepath.Join("testdata", "refs", "requests", rc.ref+".xml"))
				if err != nil {
					t.Fatal(err)
				}
				method, params, err := xmlrpc.DecodeCall(bytes.NewReader(req), 1<<20)
				if err != nil || method != Namespace+rc.method || fmt.Sprint(params) != fmt.Sprint(rc.params) {
					t.Fatalf("%s: request %s%v (%v), the case says %s%v", rc.ref, method, params, err, rc.method, rc.params)
				}
				got := h.answer(t, method, params...)
				want := readRef(t, dir, rc.ref)
				if !bytes.Equal(got, want) {
					t.Errorf("%s: answer differs\n got %s\nwant %s", rc.ref, got, want)
				}
				compared++
			}
			t.Logf("%d answers compared", compared)
			if compared < 7 {
				t.Errorf("only %d reference answers found", compared)
			}
		})
	}
}

// Supvisors 0.19 failed on a nick name (HTTP 500); 0.19.1 accepts it, and
// the answer is the one given for the identifier.
func TestNetworkInfoByNickName(t *testing.T) {
	h := newHarness(t, refSnapshot(t, "A"))
	want := readRef(t, "A", "get_network_info__127_0_0_1-61002")
	if got := h.answer(t, "supvisors.get_network_info", "B"); !bytes.Equal(got, want) {
		t.Errorf("get_network_info(B)\n got %s\nwant %s", got, want)
	}
	if !bytes.Contains(readRef(t, "A", "get_network_info__B"), []byte("Error code 500")) {
		t.Errorf("the 0.19 reference is expected to be an HTTP 500 page")
	}
}

func TestAPIVersion(t *testing.T) {
	h := newHarness(t, refSnapshot(t, "A"))
	got := parseResponse(t, h.answer(t, "supvisors.get_api_version"))
	want := parseResponse(t, readRef(t, "A", "get_api_version"))
	if err := sameShape(got, want, "$"); err != nil {
		t.Error(err)
	}
	if got.text != "0.19.1" || want.text != "0.19" {
		t.Errorf("version %q (reference %q)", got.text, want.text)
	}
	_, err := h.call(t, "supvisors.get_api_version", "x")
	wantFault(t, "get_api_version(x)", err, "INCORRECT_PARAMETERS")
}

// snapshotABC is a small cluster in OPERATION: A (the Master) and C carry
// the stereotype "web", B is STOPPED.
func snapshotABC() *view.Snapshot {
	mk := func(port int, nick, state string, code int, stereo ...string) view.Instance {
		id := fmt.Sprintf("127.0.0.1:%d", port)
		return view.Instance{
			Info:    wire.InstanceInfo{Identifier: id, NickIdentifier: nick, NodeName: "127.0.0.1", Port: port, StateCode: code, StateName: state},
			Modes:   wire.StateModes{Identifier: id, NickIdentifier: nick, FSMStateName: "OFF"},
			Network: wire.NetworkInfo{Identifier: id, NickIdentifier: nick, HostID: "127.0.0.1", HTTPPort: port, Stereotypes: stereo},
		}
	}
	return &view.Snapshot{
		Local: "127.0.0.1:61001",
		Self: wire.StateModes{Identifier: "127.0.0.1:61001", NickIdentifier: "A", FSMStateCode: 4,
			FSMStateName: "OPERATION", MasterIdentifier: "127.0.0.1:61001"},
		Instances: []view.Instance{
			mk(61001, "A", "RUNNING", 3, "web"),
			mk(61002, "B", "STOPPED", 0),
			mk(61003, "C", "RUNNING", 3, "web"),
		},
		Core: []string{"127.0.0.1:61003", "127.0.0.1:61001"},
	}
}

func identifiersOf(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	for _, item := range v.([]any) {
		s := item.(xmlrpc.Struct)
		id, _ := s.Get("identifier")
		out = append(out, id.(string))
	}
	return out
}

func TestIdentifierParameters(t *testing.T) {
	h := newHarness(t, snapshotABC())
	for _, method := range []string{"get_instance_info", "get_instance_state_modes"} {
		name := Namespace + method
		for _, tc := range []struct {
			param any
			want  []string
		}{
			{"127.0.0.1:61002", []string{"127.0.0.1:61002"}},
			{"C", []string{"127.0.0.1:61003"}},
			{"web", []string{"127.0.0.1:61001", "127.0.0.1:61003"}},
			{[]byte("B"), []string{"127.0.0.1:61002"}},
		} {
			v, err := h.call(t, name, tc.param)
			if err != nil {
				t.Errorf("%s(%v): %v", method, tc.param, err)
				continue
			}
			if got := identifiersOf(t, v); !slices.Equal(got, tc.want) {
				t.Errorf("%s(%v) = %v, want %v", method, tc.param, got, tc.want)
			}
		}
		for _, tc := range []struct {
			params []any
			want   string
		}{
			{[]any{"nope"}, "BAD_NAME: identifier=nope is unknown to Supvisors"},
			{[]any{""}, "BAD_NAME: identifier= is unknown to Supvisors"},
			{[]any{5}, "BAD_NAME: identifier=5 is unknown to Supvisors"},
			{[]any{true}, "BAD_NAME: identifier=True is unknown to Supvisors"},
			{[]any{2.5}, "BAD_NAME: identifier=2.5 is unknown to Supvisors"},
			{[]any{[]any{"A"}}, "INCORRECT_PARAMETERS"},
			{[]any{map[string]any{"a": 1}}, "INCORRECT_PARAMETERS"},
			{nil, "INCORRECT_PARAMETERS"},
			{[]any{"A", "B"}, "INCORRECT_PARAMETERS"},
		} {
			_, err := h.call(t, name, tc.params...)
			wantFault(t, fmt.Sprintf("%s%v", method, tc.params), err, tc.want)
		}
	}
	// get_network_info takes the same names; a stereotype gives its first
	// instance.
	v, err := h.call(t, "supvisors.get_network_info", "web")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := v.(xmlrpc.Struct).Get("identifier"); id != "127.0.0.1:61001" {
		t.Errorf("get_network_info(web) is %v", id)
	}
	_, err = h.call(t, "supvisors.get_network_info", "Z")
	wantFault(t, "get_network_info(Z)", err, "BAD_NAME: identifier=Z is unknown to Supvisors")
	_, err = h.call(t, "supvisors.get_network_info")
	wantFault(t, "get_network_info()", err, "INCORRECT_PARAMETERS")
}

// A network info whose NIC details are unknown cannot travel: a fault,
// not a broken answer.
func TestNetworkInfoWithoutNicInfo(t *testing.T) {
	snap := snapshotABC()
	snap.Instances[1].Network.Network = &wire.NetworkAddress{MachineID: "m", FQDN: "f",
		Addresses: []wire.NicAddress{{Nic: "eth0", HostName: "h"}}}
	h := newHarness(t, snap)
	_, err := h.call(t, "supvisors.get_network_info", "B")
	if code, _ := errdefs.CodeOf(xmlrpc.FaultOf(err)); err == nil || code != errdefs.Failed {
		t.Errorf("get_network_info(B) with a nil NicInfo: %v", err)
	}
}

func TestNoArgumentGetters(t *testing.T) {
	h := newHarness(t, snapshotABC())
	for _, method := range []string{"get_api_version", "get_supvisors_state", "get_all_instances_state_modes",
		"get_master_identifier", "get_strategies", "get_all_instances_info", "get_core_identifiers",
		"restart", "shutdown"} {
		_, err := h.call(t, Namespace+method, "extra")
		wantFault(t, method+"(extra)", err, "INCORRECT_PARAMETERS")
	}
	if got := h.cluster.takeRequests(); len(got) != 0 {
		t.Errorf("refused calls reached the cluster: %v", got)
	}
}

func TestMasterIdentifier(t *testing.T) {
	h := newHarness(t, snapshotABC())
	if got := string(h.answer(t, "supvisors.get_master_identifier")); !strings.Contains(got,
		"<name>identifier</name>\n<value><string>127.0.0.1:61001</string></value>\n</member>\n<member>\n"+
			"<name>nick_identifier</name>\n<value><string>A</string></value>") {
		t.Errorf("get_master_identifier with a Master:\n%s", got)
	}
	h.cluster.update(func(s *view.Snapshot) { s.Self.MasterIdentifier = "" })
	// Python's marshaller writes an empty dict this way.
	want := "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n</struct></value>\n" +
		"</param>\n</params>\n</methodResponse>\n"
	if got := string(h.answer(t, "supvisors.get_master_identifier")); got != want {
		t.Errorf("get_master_identifier without a Master:\n%s", got)
	}
}

func TestSupvisorsStateJobLists(t *testing.T) {
	snap := snapshotABC()
	snap.Self.StartingJobs = true
	snap.StartingJobs = []string{"127.0.0.1:61001", "127.0.0.1:61003"}
	h := newHarness(t, snap)
	v, err := h.call(t, "supvisors.get_supvisors_state")
	if err != nil {
		t.Fatal(err)
	}
	s := v.(xmlrpc.Struct)
	starting, _ := s.Get("starting_jobs")
	stopping, _ := s.Get("stopping_jobs")
	if fmt.Sprint(starting) != "[127.0.0.1:61001 127.0.0.1:61003]" || fmt.Sprint(stopping) != "[]" {
		t.Errorf("starting_jobs %v, stopping_jobs %v", starting, stopping)
	}
	// The published snapshot is left as it was.
	if !h.cluster.Snapshot().Self.StartingJobs {
		t.Errorf("the snapshot was modified")
	}
}

func TestCoreIdentifiers(t *testing.T) {
	h := newHarness(t, snapshotABC())
	v, err := h.call(t, "supvisors.get_core_identifiers")
	if err != nil || fmt.Sprint(v) != "[127.0.0.1:61003 127.0.0.1:61001]" {
		t.Errorf("get_core_identifiers = %v, %v", v, err)
	}
	h.cluster.update(func(s *view.Snapshot) { s.Core = nil })
	if got := string(h.answer(t, "supvisors.get_core_identifiers")); !strings.Contains(got, "<value><array><data>\n</data></array></value>") {
		t.Errorf("no core: %s", got)
	}
}

const fromDistributionFault = "BAD_SUPVISORS_STATE: invalid Supvisors state=%s - state expected in " +
	"['DISTRIBUTION', 'OPERATION', 'CONCILIATION', 'RESTARTING', 'SHUTTING_DOWN']"

func TestRestartAndShutdown(t *testing.T) {
	h := newHarness(t, snapshotABC())
	for _, method := range []string{"restart", "shutdown"} {
		for _, state := range []string{"OFF", "SYNCHRONIZATION", "ELECTION", "FINAL"} {
			h.cluster.update(func(s *view.Snapshot) { s.Self.FSMStateName = state })
			_, err := h.call(t, Namespace+method)
			wantFault(t, method+" in "+state, err, fmt.Sprintf(fromDistributionFault, state))
		}
		for _, state := range gateFromDistribution {
			h.cluster.update(func(s *view.Snapshot) { s.Self.FSMStateName = state })
			if v, err := h.call(t, Namespace+method); v != true || err != nil {
				t.Errorf("%s in %s = %v, %v", method, state, v, err)
			}
		}
		if got := h.cluster.takeRequests(); len(got) != len(gateFromDistribution) || got[0] != method {
			t.Errorf("%s requests: %v", method, got)
		}
		// What the controller refuses reaches the client as it is.
		h.cluster.err = errdefs.New(errdefs.BadSupvisorsState, "no Master instance to perform the request")
		_, err := h.call(t, Namespace+method)
		wantFault(t, method+" without Master", err, "BAD_SUPVISORS_STATE: no Master instance to perform the request")
		h.cluster.err = nil
		h.cluster.takeRequests()
	}
}

func TestEndSync(t *testing.T) {
	snap := snapshotABC()
	snap.Self.FSMStateName, snap.Self.MasterIdentifier = "SYNCHRONIZATION", ""
	h := newHarness(t, snap)
	for _, tc := range []struct {
		params []any
		want   string // the request the cluster receives
	}{
		{nil, "end_sync()"},
		{[]any{""}, "end_sync()"},
		{[]any{0}, "end_sync()"},
		{[]any{false}, "end_sync()"},
		{[]any{"A"}, "end_sync(127.0.0.1:61001)"},
		{[]any{"127.0.0.1:61003"}, "end_sync(127.0.0.1:61003)"},
	} {
		v, err := h.call(t, "supvisors.end_sync", tc.params...)
		if v != true || err != nil {
			t.Errorf("end_sync%v = %v, %v", tc.params, v, err)
		}
		if got := h.cluster.takeRequests(); len(got) != 1 || got[0] != tc.want {
			t.Errorf("end_sync%v sent %v, want %s", tc.params, got, tc.want)
		}
	}
	for _, tc := range []struct {
		params []any
		want   string
	}{
		{[]any{"Z"}, "BAD_NAME: unknown Supvisors identifier=Z"},
		{[]any{7}, "BAD_NAME: unknown Supvisors identifier=7"},
		{[]any{"web"}, "INCORRECT_PARAMETERS: multiple identifiers=['127.0.0.1:61001', '127.0.0.1:61003'] found for Supvisors master=web"},
		{[]any{"B"}, "NOT_RUNNING: Supvisors instance=127.0.0.1:61002 is not RUNNING (STOPPED)"},
		{[]any{[]any{"A"}}, "INCORRECT_PARAMETERS"},
		{[]any{"A", "B"}, "INCORRECT_PARAMETERS"},
	} {
		_, err := h.call(t, "supvisors.end_sync", tc.params...)
		wantFault(t, fmt.Sprintf("end_sync%v", tc.params), err, tc.want)
	}
	// The controller checks synchro_options.
	h.cluster.err = errdefs.New(errdefs.NotApplicable, "USER expected in synchro_options")
	_, err := h.call(t, "supvisors.end_sync")
	wantFault(t, "end_sync without USER", err, "NOT_APPLICABLE: USER expected in synchro_options")
	h.cluster.err = nil
	h.cluster.takeRequests()

	h.cluster.update(func(s *view.Snapshot) { s.Self.MasterIdentifier = "127.0.0.1:61001" })
	_, err = h.call(t, "supvisors.end_sync", "A")
	wantFault(t, "end_sync with a Master", err, "BAD_SUPVISORS_STATE: Supvisors synchronization ending")
	for _, state := range []string{"OFF", "ELECTION", "OPERATION"} {
		h.cluster.update(func(s *view.Snapshot) { s.Self.FSMStateName = state })
		_, err = h.call(t, "supvisors.end_sync")
		wantFault(t, "end_sync in "+state, err, "BAD_SUPVISORS_STATE: invalid Supvisors state="+state+
			" - state expected in ['SYNCHRONIZATION']")
	}
	if got := h.cluster.takeRequests(); len(got) != 0 {
		t.Errorf("refused end_sync reached the cluster: %v", got)
	}
}

func TestChangeLogLevel(t *testing.T) {
	h := newHarness(t, snapshotABC())
	for _, tc := range []struct {
		param any
		want  config.Level
	}{
		{"debug", config.LevelDebug}, {"CRITICAL", config.LevelCritical}, {"Warn", config.LevelWarn},
		{"blather", config.LevelBlather}, {"trace", config.LevelTrace}, {"info", config.LevelInfo},
		{"error", config.LevelError}, {5, config.LevelTrace}, {int64(50), config.LevelCritical}, {3, config.LevelBlather},
	} {
		if v, err := h.call(t, "supvisors.change_log_level", tc.param); v != true || err != nil {
			t.Errorf("change_log_level(%v) = %v, %v", tc.param, v, err)
			continue
		}
		h.mu.Lock()
		got := h.levels[len(h.levels)-1]
		h.mu.Unlock()
		if got != tc.want {
			t.Errorf("change_log_level(%v) set %d, want %d", tc.param, got, tc.want)
		}
	}
	for _, tc := range []struct {
		params []any
		want   string
	}{
		{[]any{"warning"}, "INCORRECT_PARAMETERS: invalid logger value=warning - string expected in " +
			"['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather']"},
		{[]any{""}, "INCORRECT_PARAMETERS: invalid logger value= - string expected in " +
			"['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather']"},
		{[]any{7}, "INCORRECT_PARAMETERS: invalid logger value=7 - integer expected in [50, 40, 30, 20, 10, 5, 3]"},
		{[]any{1.5}, "INCORRECT_PARAMETERS: invalid logger value=1.5 type=<class 'float'> - type string or integer expected"},
		{[]any{true}, "INCORRECT_PARAMETERS: invalid logger value=True type=<class 'bool'> - type string or integer expected"},
		{[]any{[]any{"x", 1}}, "INCORRECT_PARAMETERS: invalid logger value=['x', 1] type=<class 'list'> - type string or integer expected"},
		{nil, "INCORRECT_PARAMETERS"},
		{[]any{"info", "x"}, "INCORRECT_PARAMETERS"},
	} {
		_, err := h.call(t, "supvisors.change_log_level", tc.params...)
		wantFault(t, fmt.Sprintf("change_log_level%v", tc.params), err, tc.want)
	}
	// Without a setter, the level is only checked.
	d := xmlrpc.NewDispatcher()
	Register(d, newFakeCluster(snapshotABC()), nil, Options{})
	if v, err := d.Call(context.Background(), "supvisors.change_log_level", []any{"info"}); v != true || err != nil {
		t.Errorf("change_log_level without a setter = %v, %v", v, err)
	}
}

// get_logger_levels is listed, as by Supvisors, and cannot be called; the
// methods of later parts of the API are not there yet.
func TestUnknownMethods(t *testing.T) {
	h := newHarness(t, snapshotABC())
	for _, method := range []string{"get_logger_levels", "get_statistics_status",
		"enable_host_statistics", "nope"} {
		_, err := h.call(t, Namespace+method)
		wantFault(t, method, err, "UNKNOWN_METHOD")
	}
	names, err := h.call(t, "system.listMethods")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names.([]string), "supvisors.get_logger_levels") {
		t.Errorf("get_logger_levels is not listed")
	}
}

// Supvisors logs the faults it raises; a level change is logged too.
func TestLogging(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	d := xmlrpc.NewDispatcher()
	Register(d, newFakeCluster(snapshotABC()), nil, Options{Logger: log})
	ctx := context.Background()
	d.Call(ctx, "supvisors.get_instance_info", []any{"Z"})
	d.Call(ctx, "supvisors.get_instance_info", nil)
	d.Call(ctx, "supvisors.change_log_level", []any{"debug"})
	want := `level=ERROR msg="supvisors request refused" component=supvisors.api method=supvisors.get_instance_info error="BAD_NAME: identifier=Z is unknown to Supvisors"
level=DEBUG msg="supvisors request refused" component=supvisors.api method=supvisors.get_instance_info error=INCORRECT_PARAMETERS
level=WARN msg="supvisors log level changed" component=supvisors.api level=DEBG
`
	if got := buf.String(); got != want {
		t.Errorf("log:\n%s\nwant\n%s", got, want)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
