package rules

import (
	"fmt"
	"slices"
)

// Distribution is Supvisors' DistributionRules: how the processes of an
// application may be spread over the instances.
type Distribution int

// The distribution rules, with Supvisors' codes.
const (
	AllInstances Distribution = iota
	SingleInstance
	SingleNode
)

var distributionNames = []string{"ALL_INSTANCES", "SINGLE_INSTANCE", "SINGLE_NODE"}

func (d Distribution) String() string { return enumName(distributionNames, int(d)) }

// MarshalText writes the name, as the supvisors.* API and the golden
// files show it.
func (d Distribution) MarshalText() ([]byte, error) { return marshalEnum(distributionNames, int(d)) }

// StartingFailureStrategy is Supvisors' StartingFailureStrategies: what an
// application start does when a required process fails to start.
type StartingFailureStrategy int

// The starting failure strategies, with Supvisors' codes (the schema
// lists them in another order, which does not matter there).
const (
	StartingAbort StartingFailureStrategy = iota
	StartingStop
	StartingContinue
)

var startingFailureNames = []string{"ABORT", "STOP", "CONTINUE"}

func (s StartingFailureStrategy) String() string { return enumName(startingFailureNames, int(s)) }

// MarshalText writes the name.
func (s StartingFailureStrategy) MarshalText() ([]byte, error) {
	return marshalEnum(startingFailureNames, int(s))
}

// RunningFailureStrategy is Supvisors' RunningFailureStrategies: what
// happens when a process crashes once its application runs.
type RunningFailureStrategy int

// The running failure strategies, with Supvisors' codes.
const (
	RunningContinue RunningFailureStrategy = iota
	RunningRestartProcess
	RunningStopApplication
	RunningRestartApplication
	RunningShutdown
	RunningRestart
)

var runningFailureNames = []string{"CONTINUE", "RESTART_PROCESS", "STOP_APPLICATION", "RESTART_APPLICATION", "SHUTDOWN", "RESTART"}

func (s RunningFailureStrategy) String() string { return enumName(runningFailureNames, int(s)) }

// MarshalText writes the name.
func (s RunningFailureStrategy) MarshalText() ([]byte, error) {
	return marshalEnum(runningFailureNames, int(s))
}

// startingStrategyNames mirrors options.StartingStrategy, whose names the
// schema's StartingStrategy type lists in the same order.
var startingStrategyNames = []string{"CONFIG", "LESS_LOADED", "MOST_LOADED", "LOCAL", "LESS_LOADED_NODE", "MOST_LOADED_NODE"}

// ParseDistribution, ParseStartingFailureStrategy and
// ParseRunningFailureStrategy accept the exact upper-case names, as the
// rules files and the supvisors.* API write them.
func ParseDistribution(s string) (Distribution, bool) {
	i := slices.Index(distributionNames, s)
	return Distribution(i), i >= 0
}

// ParseStartingFailureStrategy: see ParseDistribution.
func ParseStartingFailureStrategy(s string) (StartingFailureStrategy, bool) {
	i := slices.Index(startingFailureNames, s)
	return StartingFailureStrategy(i), i >= 0
}

// ParseRunningFailureStrategy: see ParseDistribution.
func ParseRunningFailureStrategy(s string) (RunningFailureStrategy, bool) {
	i := slices.Index(runningFailureNames, s)
	return RunningFailureStrategy(i), i >= 0
}

func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("UNKNOWN(%d)", i)
}

func marshalEnum(names []string, i int) ([]byte, error) {
	if i < 0 || i >= len(names) {
		return nil, fmt.Errorf("rules: no name for enum value %d", i)
	}
	return []byte(names[i]), nil
}
