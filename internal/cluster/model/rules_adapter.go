package model

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// RulesSource is what the model reads of the rules files: *rules.Rules
// implements it.
type RulesSource interface {
	Application(name string) rules.ApplicationRules
	Program(application, process string) rules.ProgramRules
}

// FromRules adapts the rules read from the rules files to the model's
// Rules; nil gives the rules of a cluster without rules files.
//
// The rules package already applies Supvisors' corrections when it
// computes the rules of a program: the failure strategies are inherited
// from the application before the program element is applied,
// required is dropped when start_sequence is 0, and an unset
// stop_sequence takes start_sequence. The adapter only converts the
// enumerations to their names and the formula to a StatusFunc.
func FromRules(src RulesSource) Rules {
	if src == nil {
		return noRules{}
	}
	return rulesAdapter{src: src}
}

type rulesAdapter struct{ src RulesSource }

func (r rulesAdapter) Application(name string) ApplicationRules {
	a := r.src.Application(name)
	out := ApplicationRules{
		Managed:                 a.Managed,
		Distribution:            a.Distribution.String(),
		Identifiers:             identifiersOrEmpty(a.Identifiers),
		StartSequence:           a.StartSequence,
		StopSequence:            a.StopSequence,
		StartingStrategy:        a.StartingStrategy.String(),
		StartingFailureStrategy: a.StartingFailureStrategy.String(),
		RunningFailureStrategy:  a.RunningFailureStrategy.String(),
	}
	if a.Formula != nil {
		formula := a.Formula
		out.StatusFormula = formula.String()
		out.Status = formula.Eval
	}
	return out
}

func (r rulesAdapter) Program(app, name string) ProgramRules {
	p := r.src.Program(app, name)
	return ProgramRules{
		// While a '@' or '#' waits for its assignment, the identifiers
		// are empty, as Supvisors reports them.
		Identifiers:             identifiersOrEmpty(p.Identifiers),
		StartSequence:           p.StartSequence,
		StopSequence:            p.StopSequence,
		Required:                p.Required,
		WaitExit:                p.WaitExit,
		ExpectedLoading:         p.ExpectedLoading,
		StartingFailureStrategy: p.StartingFailureStrategy.String(),
		RunningFailureStrategy:  p.RunningFailureStrategy.String(),
	}
}

// identifiersOrEmpty keeps an empty list a list: get_*_rules answer an
// empty array, never a missing member.
func identifiersOrEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return slices.Clone(ids)
}
