package options

import (
	"fmt"
	"strings"
)

// SynchroOption is one condition that may end the SYNCHRONIZATION phase
// (Supvisors' SynchronizationOptions, same names and order).
type SynchroOption int

// The synchronization options.
const (
	SyncStrict SynchroOption = iota
	SyncList
	SyncTimeout
	SyncCore
	SyncUser
)

var synchroNames = []string{"STRICT", "LIST", "TIMEOUT", "CORE", "USER"}

func (o SynchroOption) String() string { return enumName(synchroNames, int(o)) }

// SynchroSet is a set of synchronization options.
type SynchroSet uint8

// Has reports whether o is in the set.
func (s SynchroSet) Has(o SynchroOption) bool { return s&(1<<o) != 0 }

// With returns the set plus o.
func (s SynchroSet) With(o SynchroOption) SynchroSet { return s | 1<<o }

// Without returns the set minus o.
func (s SynchroSet) Without(o SynchroOption) SynchroSet { return s &^ (1 << o) }

// String lists the options in Supvisors' order, comma-separated.
func (s SynchroSet) String() string {
	var names []string
	for o := SyncStrict; o <= SyncUser; o++ {
		if s.Has(o) {
			names = append(names, o.String())
		}
	}
	return strings.Join(names, ",")
}

// DefaultSynchro is STRICT,TIMEOUT,CORE, Supvisors' default.
const DefaultSynchro = SynchroSet(1<<SyncStrict | 1<<SyncTimeout | 1<<SyncCore)

// FailureStrategy is supvisors_failure_strategy: what happens when the
// synchronization conditions stop holding after SYNCHRONIZATION.
type FailureStrategy int

// The Supvisors failure strategies.
const (
	FailureContinue FailureStrategy = iota
	FailureResync
	FailureShutdown
)

var failureNames = []string{"CONTINUE", "RESYNC", "SHUTDOWN"}

func (f FailureStrategy) String() string { return enumName(failureNames, int(f)) }

// StartingStrategy is Supvisors' StartingStrategies.
type StartingStrategy int

// The starting strategies.
const (
	StartConfig StartingStrategy = iota
	StartLessLoaded
	StartMostLoaded
	StartLocal
	StartLessLoadedNode
	StartMostLoadedNode
)

var startingNames = []string{"CONFIG", "LESS_LOADED", "MOST_LOADED", "LOCAL", "LESS_LOADED_NODE", "MOST_LOADED_NODE"}

func (s StartingStrategy) String() string { return enumName(startingNames, int(s)) }

// ConciliationStrategy is Supvisors' ConciliationStrategies.
type ConciliationStrategy int

// The conciliation strategies.
const (
	ConciliateSenicide ConciliationStrategy = iota
	ConciliateInfanticide
	ConciliateUser
	ConciliateStop
	ConciliateRestart
	ConciliateRunningFailure
)

var conciliationNames = []string{"SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"}

func (c ConciliationStrategy) String() string { return enumName(conciliationNames, int(c)) }

// EventLink is the external event interface kind.
type EventLink int

// The event links.
const (
	EventLinkNone EventLink = iota
	EventLinkZMQ
	EventLinkWS
)

var eventLinkNames = []string{"NONE", "ZMQ", "WS"}

func (e EventLink) String() string { return enumName(eventLinkNames, int(e)) }

func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("UNKNOWN(%d)", i)
}

// parseEnum matches value case-insensitively against names, as Supvisors
// upper-cases enum option values.
func parseEnum(option, value string, names []string) (int, error) {
	up := strings.ToUpper(strings.TrimSpace(value))
	for i, n := range names {
		if n == up {
			return i, nil
		}
	}
	return 0, fmt.Errorf("invalid value for %s: %q: expected one of %s", option, value, strings.Join(names, ", "))
}
