package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// refModel is a Model that answers each call with the reference answer
// of the Python cluster for that very call: the answer is decoded into
// the model's types, so that our encoding of those types is compared
// with Python's, and a call with other arguments than the captured one
// finds no reference and fails the test. The model's own logic (which
// answer for which state, its fault texts) is compared with the same
// references in package model.
type refModel struct {
	t   *testing.T
	dir string

	mu    sync.Mutex
	calls []string
}

func (m *refModel) record(call string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, call)
}

// refs maps a call, as recorded, to the reference that answers it.
var modelRefs = map[string]string{
	"AllApplicationsInfo()":                               "get_all_applications_info",
	"ApplicationInfo(chain)":                              "get_application_info__chain",
	"ApplicationInfo(nosuchapp)":                          "get_application_info__nosuchapp",
	"ApplicationRules(chain)":                             "get_application_rules__chain",
	"ApplicationRules(mobile)":                            "get_application_rules__mobile",
	"ApplicationRules(nosuchapp)":                         "get_application_rules__nosuchapp",
	"AllProcessInfo()":                                    "get_all_process_info",
	"ProcessInfo(chain:*)":                                "get_process_info__chain-ALL",
	"ProcessInfo(chain:p1)":                               "get_process_info__chain-p1",
	"ProcessInfo(chain:nosuch)":                           "get_process_info__chain-nosuch",
	"ProcessRules(chain:*)":                               "get_process_rules__chain-ALL",
	"ProcessRules(chain:p1)":                              "get_process_rules__chain-p1",
	"ProcessRules(mobile:roamer)":                         "get_process_rules__mobile-roamer",
	"Conflicts()":                                         "get_conflicts",
	"AllInnerProcessInfo([127.0.0.1:61002])":              "get_all_inner_process_info__B",
	"InnerProcessInfo(A, [127.0.0.1:61001], chain:p1)":    "get_inner_process_info__A_chain-p1",
	"InnerProcessInfo(A, [127.0.0.1:61001], chain:other)": "",
	"InnerProcessInfo(web, [127.0.0.1:61001 127.0.0.1:61003], chain:p1)": "",
}

// answer decodes the reference answering call: the value, or the fault
// as the model would return it.
func (m *refModel) answer(call string) (any, error) {
	m.record(call)
	ref, ok := modelRefs[call]
	if !ok {
		m.t.Errorf("unexpected model call %s", call)
		return nil, errdefs.New(errdefs.Failed, "unexpected call")
	}
	if ref == "" {
		return []any{}, nil
	}
	raw, err := os.ReadFile(refPath(m.dir, ref))
	if err != nil {
		m.t.Errorf("%s: %v", call, err)
		return nil, errdefs.New(errdefs.Failed, "no reference")
	}
	v, err := xmlrpc.DecodeResponse(bytes.NewReader(raw), 1<<20)
	var fault *xmlrpc.Fault
	if errors.As(err, &fault) {
		return nil, errdefs.New(fault.Code, strings.TrimPrefix(fault.String, fault.Code.Name()+": "))
	}
	if err != nil {
		m.t.Errorf("%s: %v", ref, err)
	}
	return v, err
}

func field[T any](s map[string]any, key string) T {
	v, _ := s[key].(T)
	return v
}

func stringsOf(v any) []string {
	out := []string{}
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func numOf(v any) model.Num {
	if f, ok := v.(float64); ok {
		return model.FloatNum(f)
	}
	return model.IntNum(int64(v.(int)))
}

func applicationInfoOf(s map[string]any) model.ApplicationInfo {
	return model.ApplicationInfo{ApplicationName: field[string](s, "application_name"), Managed: field[bool](s, "managed"),
		NowMonotonic: field[float64](s, "now_monotonic"), State: model.ApplicationState(field[int](s, "statecode")),
		MajorFailure: field[bool](s, "major_failure"), MinorFailure: field[bool](s, "minor_failure")}
}

func processInfoOf(s map[string]any) model.ProcessInfo {
	return model.ProcessInfo{ApplicationName: field[string](s, "application_name"), ProcessName: field[string](s, "process_name"),
		NowMonotonic: field[float64](s, "now_monotonic"), StateCode: field[int](s, "statecode"),
		StateName: field[string](s, "statename"), ExpectedExit: field[bool](s, "expected_exit"),
		LastEventMtime: field[float64](s, "last_event_mtime"), Identifiers: stringsOf(s["identifiers"]),
		ExtraArgs: field[string](s, "extra_args")}
}

func programRulesOf(s map[string]any) model.ProgramRules {
	return model.ProgramRules{Identifiers: stringsOf(s["identifiers"]), StartSequence: field[int](s, "start_sequence"),
		StopSequence: field[int](s, "stop_sequence"), Required: field[bool](s, "required"),
		WaitExit: field[bool](s, "wait_exit"), ExpectedLoading: field[int](s, "expected_loading"),
		StartingFailureStrategy: field[string](s, "starting_failure_strategy"),
		RunningFailureStrategy:  field[string](s, "running_failure_strategy")}
}

func innerProcessInfoOf(s map[string]any) model.InnerProcessInfo {
	i := model.InnerProcessInfo{Name: field[string](s, "name"), Group: field[string](s, "group"),
		State: field[int](s, "state"), StateName: field[string](s, "statename"),
		Start: numOf(s["start"]), Stop: numOf(s["stop"]), Now: numOf(s["now"]), PID: field[int](s, "pid"),
		Description: field[string](s, "description"), Spawnerr: field[string](s, "spawnerr"),
		Expected: field[bool](s, "expected"), StartMonotonic: field[float64](s, "start_monotonic"),
		StopMonotonic: field[float64](s, "stop_monotonic"), NowMonotonic: field[float64](s, "now_monotonic"),
		ExtraArgs: field[string](s, "extra_args"), StartSecs: field[int](s, "startsecs"),
		StopWaitSecs: field[int](s, "stopwaitsecs"), ProcessIndex: field[int](s, "process_index"),
		ProgramName: field[string](s, "program_name"), Disabled: field[bool](s, "disabled"),
		HasStdout: field[bool](s, "has_stdout"), HasStderr: field[bool](s, "has_stderr"),
		LocalMtime: field[float64](s, "local_mtime"), EventTime: field[float64](s, "event_time"),
		Uptime: numOf(s["uptime"]), HasCrashed: field[bool](s, "has_crashed")}
	if id, ok := s["identifier"].(string); ok {
		i.FromEvent, i.Identifier, i.NickIdentifier = true, id, field[string](s, "nick_identifier")
	}
	// The members the model does not know come from the last event (a
	// Python sender's event_mtime), else from the record; the decoded
	// struct lost their order, so the references hold at most one.
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if slices.Contains(innerKeys, k) {
			continue
		}
		if i.FromEvent {
			i.EventExtra = append(i.EventExtra, wire.Field{Key: k, Value: s[k]})
		} else {
			i.RecordExtra = append(i.RecordExtra, wire.Field{Key: k, Value: s[k]})
		}
	}
	return i
}

// innerKeys are the members of an inner record that the model knows.
var innerKeys = []string{"name", "group", "state", "statename", "start", "stop", "now", "pid", "description",
	"spawnerr", "expected", "start_monotonic", "stop_monotonic", "now_monotonic", "extra_args", "startsecs",
	"stopwaitsecs", "process_index", "program_name", "disabled", "has_stdout", "has_stderr", "local_mtime",
	"event_time", "uptime", "has_crashed", "identifier", "nick_identifier"}

func listOf[T any](v any, one func(map[string]any) T) []T {
	out := []T{}
	for _, item := range v.([]any) {
		out = append(out, one(item.(map[string]any)))
	}
	return out
}

func (m *refModel) AllApplicationsInfo(context.Context) (model.ApplicationInfoList, error) {
	v, err := m.answer("AllApplicationsInfo()")
	if err != nil {
		return nil, err
	}
	return listOf(v, applicationInfoOf), nil
}

func (m *refModel) ApplicationInfo(_ context.Context, name string) (model.ApplicationInfo, error) {
	v, err := m.answer("ApplicationInfo(" + name + ")")
	if err != nil {
		return model.ApplicationInfo{}, err
	}
	return applicationInfoOf(v.(map[string]any)), nil
}

func (m *refModel) ApplicationRules(_ context.Context, name string) (model.ApplicationRulesInfo, error) {
	v, err := m.answer("ApplicationRules(" + name + ")")
	if err != nil {
		return model.ApplicationRulesInfo{}, err
	}
	s := v.(map[string]any)
	r := model.ApplicationRulesInfo{ApplicationName: field[string](s, "application_name")}
	r.Managed = field[bool](s, "managed")
	if r.Managed {
		r.Distribution, r.Identifiers = field[string](s, "distribution"), stringsOf(s["identifiers"])
		r.StartSequence, r.StopSequence = field[int](s, "start_sequence"), field[int](s, "stop_sequence")
		r.StartingStrategy = field[string](s, "starting_strategy")
		r.StartingFailureStrategy = field[string](s, "starting_failure_strategy")
		r.RunningFailureStrategy = field[string](s, "running_failure_strategy")
		r.StatusFormula = field[string](s, "status_formula")
	}
	return r, nil
}

func (m *refModel) processList(call string) (model.ProcessInfoList, error) {
	v, err := m.answer(call)
	if err != nil {
		return nil, err
	}
	return listOf(v, processInfoOf), nil
}

func (m *refModel) AllProcessInfo(context.Context) (model.ProcessInfoList, error) {
	return m.processList("AllProcessInfo()")
}

func (m *refModel) ProcessInfo(_ context.Context, namespec string) (model.ProcessInfoList, error) {
	return m.processList("ProcessInfo(" + namespec + ")")
}

func (m *refModel) Conflicts(context.Context) (model.ProcessInfoList, error) {
	return m.processList("Conflicts()")
}

func (m *refModel) ProcessRules(_ context.Context, namespec string) (model.ProcessRulesList, error) {
	v, err := m.answer("ProcessRules(" + namespec + ")")
	if err != nil {
		return nil, err
	}
	return listOf(v, func(s map[string]any) model.ProcessRulesInfo {
		return model.ProcessRulesInfo{ApplicationName: field[string](s, "application_name"),
			ProcessName: field[string](s, "process_name"), ProgramRules: programRulesOf(s)}
	}), nil
}

func (m *refModel) AllInnerProcessInfo(_ context.Context, ids []string) (model.InnerProcessInfoList, error) {
	v, err := m.answer(fmt.Sprintf("AllInnerProcessInfo(%v)", ids))
	if err != nil {
		return nil, err
	}
	return listOf(v, innerProcessInfoOf), nil
}

func (m *refModel) InnerProcessInfo(_ context.Context, requested string, ids []string, namespec string) (model.InnerProcessInfoList, error) {
	v, err := m.answer(fmt.Sprintf("InnerProcessInfo(%s, %v, %s)", requested, ids, namespec))
	if err != nil {
		return nil, err
	}
	return listOf(v, innerProcessInfoOf), nil
}

func newModelHarness(t *testing.T, snap *view.Snapshot, dir string) (*harness, *refModel) {
	t.Helper()
	m := &refModel{t: t, dir: dir}
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snap)}
	Register(h.d, h.cluster, nil, Options{Model: m})
	return h, m
}

// modelRefCases are the captured requests of the model getters.
var modelRefCases = []struct {
	ref    string
	method string
	params []any
}{
	{"get_all_applications_info", "get_all_applications_info", nil},
	{"get_application_info__chain", "get_application_info", []any{"chain"}},
	{"get_application_info__nosuchapp", "get_application_info", []any{"nosuchapp"}},
	{"get_application_rules__chain", "get_application_rules", []any{"chain"}},
	{"get_application_rules__mobile", "get_application_rules", []any{"mobile"}},
	{"get_application_rules__nosuchapp", "get_application_rules", []any{"nosuchapp"}},
	{"get_all_process_info", "get_all_process_info", nil},
	{"get_process_info__chain-ALL", "get_process_info", []any{"chain:*"}},
	{"get_process_info__chain-p1", "get_process_info", []any{"chain:p1"}},
	{"get_process_info__chain-nosuch", "get_process_info", []any{"chain:nosuch"}},
	{"get_process_rules__chain-ALL", "get_process_rules", []any{"chain:*"}},
	{"get_process_rules__chain-p1", "get_process_rules", []any{"chain:p1"}},
	{"get_process_rules__mobile-roamer", "get_process_rules", []any{"mobile:roamer"}},
	{"get_conflicts", "get_conflicts", nil},
	{"get_all_inner_process_info__B", "get_all_inner_process_info", []any{"B"}},
	{"get_inner_process_info__A_chain-p1", "get_inner_process_info", []any{"A", "chain:p1"}},
}

// The model getters' answers, for the captured requests, equal byte for
// byte those of the Python instances, before and after the failover.
func TestModelAnswersEqualReferences(t *testing.T) {
	for _, dir := range []string{"A", "B", "C", "after_failover_A", "after_failover_C"} {
		t.Run(dir, func(t *testing.T) {
			h, m := newModelHarness(t, refSnapshot(t, dir), dir)
			for _, rc := range modelRefCases {
				req, err := os.ReadFile(filepath.Join("testdata", "refs", "requests", rc.ref+".xml"))
				if err != nil {
					t.Fatal(err)
				}
				method, params, err := xmlrpc.DecodeCall(bytes.NewReader(req), 1<<20)
				if err != nil || method != Namespace+rc.method || fmt.Sprint(params) != fmt.Sprint(rc.params) {
					t.Fatalf("%s: request %s%v (%v), the case says %s%v", rc.ref, method, params, err, rc.method, rc.params)
				}
				got := h.answer(t, method, params...)
				if want := readRef(t, dir, rc.ref); !bytes.Equal(got, want) {
					t.Errorf("%s: answer differs\n got %s\nwant %s", rc.ref, got, want)
				}
			}
			if len(m.calls) != len(modelRefCases) {
				t.Errorf("%d model calls for %d requests: %v", len(m.calls), len(modelRefCases), m.calls)
			}
		})
	}
}

// The getters of the merged model answer from DISTRIBUTION on, as
// restart and shutdown do; the inner records are a debugging aid served
// in every state.
func TestModelGetterGates(t *testing.T) {
	h, m := newModelHarness(t, snapshotABC(), "A")
	gated := [][]any{{"get_all_applications_info"}, {"get_application_info", "chain"},
		{"get_application_rules", "chain"}, {"get_all_process_info"}, {"get_process_info", "chain:p1"},
		{"get_process_rules", "chain:p1"}, {"get_conflicts"}}
	for _, state := range []string{"OFF", "SYNCHRONIZATION", "ELECTION", "FINAL"} {
		h.cluster.update(func(s *view.Snapshot) { s.Self.FSMStateName = state })
		for _, c := range gated {
			_, err := h.call(t, Namespace+c[0].(string), c[1:]...)
			wantFault(t, fmt.Sprintf("%v in %s", c, state), err, fmt.Sprintf(fromDistributionFault, state))
		}
		if _, err := h.call(t, "supvisors.get_all_inner_process_info", "B"); err != nil {
			t.Errorf("get_all_inner_process_info in %s: %v", state, err)
		}
	}
	if len(m.calls) != 4 {
		t.Errorf("refused requests reached the model: %v", m.calls)
	}
	for _, state := range gateFromDistribution {
		h.cluster.update(func(s *view.Snapshot) { s.Self.FSMStateName = state })
		for _, c := range gated {
			if _, err := h.call(t, Namespace+c[0].(string), c[1:]...); err != nil {
				t.Errorf("%v in %s: %v", c, state, err)
			}
		}
	}
}

func TestModelGetterArguments(t *testing.T) {
	h, m := newModelHarness(t, snapshotABC(), "A")
	for _, tc := range []struct {
		method string
		params []any
		want   string
	}{
		{"get_all_applications_info", []any{"x"}, "INCORRECT_PARAMETERS"},
		{"get_all_process_info", []any{"x"}, "INCORRECT_PARAMETERS"},
		{"get_conflicts", []any{"x"}, "INCORRECT_PARAMETERS"},
		{"get_application_info", nil, "INCORRECT_PARAMETERS"},
		{"get_application_info", []any{"a", "b"}, "INCORRECT_PARAMETERS"},
		{"get_application_info", []any{5}, "BAD_NAME: application=5 unknown to Supvisors"},
		{"get_application_rules", []any{true}, "BAD_NAME: application=True unknown to Supvisors"},
		{"get_application_rules", []any{[]any{"chain"}}, "INCORRECT_PARAMETERS"},
		{"get_process_info", []any{5}, "INCORRECT_PARAMETERS"},
		{"get_process_rules", []any{map[string]any{"a": 1}}, "INCORRECT_PARAMETERS"},
		{"get_all_inner_process_info", nil, "INCORRECT_PARAMETERS"},
		{"get_all_inner_process_info", []any{"Z"}, "BAD_NAME: identifier=Z is unknown to Supvisors"},
		{"get_inner_process_info", []any{"A"}, "INCORRECT_PARAMETERS"},
		{"get_inner_process_info", []any{"Z", "chain:p1"}, "BAD_NAME: identifier=Z is unknown to Supvisors"},
		{"get_inner_process_info", []any{"A", 3}, "INCORRECT_PARAMETERS"},
	} {
		_, err := h.call(t, Namespace+tc.method, tc.params...)
		wantFault(t, fmt.Sprintf("%s%v", tc.method, tc.params), err, tc.want)
	}
	if len(m.calls) != 0 {
		t.Errorf("refused requests reached the model: %v", m.calls)
	}
	// A stereotype designates several instances, in identifier order;
	// the fault texts quote the name as given.
	if _, err := h.call(t, "supvisors.get_inner_process_info", "web", "chain:p1"); err != nil {
		t.Error(err)
	}
	if _, err := h.call(t, "supvisors.get_inner_process_info", "A", []byte("chain:other")); err != nil {
		t.Error(err)
	}
	want := []string{"InnerProcessInfo(web, [127.0.0.1:61001 127.0.0.1:61003], chain:p1)",
		"InnerProcessInfo(A, [127.0.0.1:61001], chain:other)"}
	if !slices.Equal(m.calls, want) {
		t.Errorf("model calls %v, want %v", m.calls, want)
	}
}

// Without a model (a daemon that could not build one), the getters fail
// properly instead of answering an empty cluster.
func TestModelGettersWithoutModel(t *testing.T) {
	h := newHarness(t, snapshotABC())
	for _, c := range [][]any{{"get_all_process_info"}, {"get_all_inner_process_info", "A"}} {
		_, err := h.call(t, Namespace+c[0].(string), c[1:]...)
		if code, _ := errdefs.CodeOf(err); code != errdefs.Failed {
			t.Errorf("%v without a model: %v", c, err)
		}
	}
}
