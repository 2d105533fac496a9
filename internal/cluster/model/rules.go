package model

// Rules gives the rules of applications and programs, as read from the
// rules files. The model asks once per application and per process, when
// it first appears, and keeps the answer.
type Rules interface {
	// Application returns the rules of an application. An application
	// absent from the rules files is unmanaged: DefaultApplicationRules.
	Application(name string) ApplicationRules
	// Program returns the rules of process name of application app. A
	// process that no rule matches gets DefaultProgramRules with the
	// failure strategies of its application's rules, as Supvisors does.
	// Supvisors' own corrections (required dropped when start_sequence is
	// 0, stop_sequence defaulting to start_sequence) are applied by the
	// implementation, not by the model.
	Program(app, name string) ProgramRules
}

// StatusFunc evaluates an application's operational status formula.
// processes are the names of the application's processes, in the order
// the model knows them (for the patterns of the formula); operational
// tells whether one of them counts as working: running-like, or EXITED
// with an expected exit. The result true means operational; an error (no
// process matches a pattern, an expression that does not reduce to a
// boolean) counts as a major failure, as in Supvisors.
type StatusFunc func(processes []string, operational func(process string) bool) (bool, error)

// ApplicationRules holds what the model needs of an <application> rule,
// and what get_application_rules reports.
type ApplicationRules struct {
	Managed                 bool
	Distribution            string   // DistributionRules name
	Identifiers             []string // as configured, after alias expansion
	StartSequence           int
	StopSequence            int
	StartingStrategy        string // StartingStrategies name
	StartingFailureStrategy string // StartingFailureStrategies name
	RunningFailureStrategy  string // RunningFailureStrategies name
	// StatusFormula is the formula text, "" when there is none.
	StatusFormula string
	// Status evaluates StatusFormula; nil selects the legacy mode, where
	// the required flags of the programs decide the major failure.
	Status StatusFunc
}

// ProgramRules holds what the model needs of a <program> rule, and what
// get_process_rules reports.
type ProgramRules struct {
	Identifiers             []string
	StartSequence           int
	StopSequence            int
	Required                bool
	WaitExit                bool
	ExpectedLoading         int
	StartingFailureStrategy string
	RunningFailureStrategy  string
}

// DefaultApplicationRules are the rules of an application that the rules
// files do not mention.
func DefaultApplicationRules() ApplicationRules {
	return ApplicationRules{
		Distribution: "ALL_INSTANCES", Identifiers: []string{"*"},
		StartingStrategy: "CONFIG", StartingFailureStrategy: "ABORT", RunningFailureStrategy: "CONTINUE",
	}
}

// DefaultProgramRules are the rules of a program that no rule matches, in
// an application whose rules are app.
func DefaultProgramRules(app ApplicationRules) ProgramRules {
	return ProgramRules{
		Identifiers:             []string{"*"},
		StartingFailureStrategy: app.StartingFailureStrategy,
		RunningFailureStrategy:  app.RunningFailureStrategy,
	}
}

// noRules is the Rules of a model built without rules files: everything
// is unmanaged.
type noRules struct{}

func (noRules) Application(string) ApplicationRules { return DefaultApplicationRules() }
func (noRules) Program(string, string) ProgramRules {
	return DefaultProgramRules(DefaultApplicationRules())
}
