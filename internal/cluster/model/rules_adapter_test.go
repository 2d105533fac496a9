package model

import (
	"reflect"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

const adapterRules = `<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="web">
    <start_sequence>2</start_sequence>
    <starting_strategy>LESS_LOADED</starting_strategy>
    <starting_failure_strategy>STOP</starting_failure_strategy>
    <running_failure_strategy>RESTART_APPLICATION</running_failure_strategy>
    <operational_status>all('srv.*')</operational_status>
    <programs>
      <program name="srv">
        <start_sequence>1</start_sequence>
        <required>true</required>
        <expected_loading>25</expected_loading>
      </program>
      <program name="tool">
        <required>true</required>
        <stop_sequence>4</stop_sequence>
      </program>
      <program pattern="worker_">
        <identifiers>#</identifiers>
        <start_sequence>3</start_sequence>
        <wait_exit>true</wait_exit>
        <running_failure_strategy>CONTINUE</running_failure_strategy>
      </program>
    </programs>
  </application>
</root>
`

func TestFromRules(t *testing.T) {
	src, err := rules.Parse([]rules.Source{{Name: "adapter.xml", Data: []byte(adapterRules)}}, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := FromRules(src)
	app := r.Application("web")
	if !app.Managed || app.Distribution != "ALL_INSTANCES" || app.StartSequence != 2 || app.StopSequence != 2 ||
		app.StartingStrategy != "LESS_LOADED" || app.StartingFailureStrategy != "STOP" ||
		app.RunningFailureStrategy != "RESTART_APPLICATION" || app.StatusFormula != "all('srv.*')" ||
		app.Status == nil || !slices.Equal(app.Identifiers, []string{"*"}) {
		t.Errorf("application rules = %+v", app)
	}
	ok, err := app.Status([]string{"srv", "tool"}, func(name string) bool { return name == "srv" })
	if err != nil || !ok {
		t.Errorf("formula = %t, %v", ok, err)
	}
	tests := []struct {
		name string
		want ProgramRules
	}{
		// The application's failure strategies are inherited; stop
		// takes start.
		{"srv", ProgramRules{Identifiers: []string{"*"}, StartSequence: 1, StopSequence: 1, Required: true,
			ExpectedLoading: 25, StartingFailureStrategy: "STOP", RunningFailureStrategy: "RESTART_APPLICATION"}},
		// required without a start sequence is dropped.
		{"tool", ProgramRules{Identifiers: []string{"*"}, StopSequence: 4,
			StartingFailureStrategy: "STOP", RunningFailureStrategy: "RESTART_APPLICATION"}},
		// A '#' leaves the identifiers empty until resolved.
		{"worker_1", ProgramRules{Identifiers: []string{}, StartSequence: 3, StopSequence: 3, WaitExit: true,
			StartingFailureStrategy: "STOP", RunningFailureStrategy: "CONTINUE"}},
		// No rule: the defaults with the application's strategies.
		{"other", ProgramRules{Identifiers: []string{"*"},
			StartingFailureStrategy: "STOP", RunningFailureStrategy: "RESTART_APPLICATION"}},
	}
	for _, tc := range tests {
		got := r.Program("web", tc.name)
		if !slices.Equal(got.Identifiers, tc.want.Identifiers) || got.Identifiers == nil {
			t.Errorf("%s identifiers = %#v, want %#v", tc.name, got.Identifiers, tc.want.Identifiers)
		}
		got.Identifiers, tc.want.Identifiers = nil, nil
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s rules = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	unmanaged := r.Application("other")
	if unmanaged.Managed || unmanaged.Status != nil || unmanaged.StartingStrategy != "CONFIG" {
		t.Errorf("unmanaged rules = %+v", unmanaged)
	}
	if p := FromRules(nil).Program("x", "y"); !slices.Equal(p.Identifiers, []string{"*"}) || p.StartingFailureStrategy != "ABORT" {
		t.Errorf("rules without files = %+v", p)
	}
}

var _ RulesSource = (*rules.Rules)(nil)
