package model

import (
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

func TestAssignIdentifiers(t *testing.T) {
	m := New(nil)
	m.LoadProcesses("A:1", wire.ProcessInfoList{{Group: "g", Name: "p", StateName: "STOPPED", ProgramName: "p"}}, 1)
	if !m.AssignIdentifiers("g:p", []string{"B:2"}) {
		t.Fatal("g:p not found")
	}
	rules, err := m.ProcessRules("g:p")
	if err != nil || len(rules) != 1 || !slices.Equal(rules[0].Identifiers, []string{"B:2"}) {
		t.Errorf("rules %+v, %v", rules, err)
	}
	if m.AssignIdentifiers("g:nosuch", []string{"B:2"}) {
		t.Error("an unknown process was assigned")
	}
}
