package clusterbench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// State is what supvisors.get_supvisors_state() answers: one instance's
// own view of the cluster.
type State struct {
	Identifier     string            `xmlrpc:"identifier"`
	NickIdentifier string            `xmlrpc:"nick_identifier"`
	FSMStateCode   int               `xmlrpc:"fsm_statecode"`
	FSMStateName   string            `xmlrpc:"fsm_statename"`
	DegradedMode   bool              `xmlrpc:"degraded_mode"`
	Master         string            `xmlrpc:"master_identifier"`
	InstanceStates map[string]string `xmlrpc:"instance_states"`
}

// String is a compact form for failure messages and logs.
func (s State) String() string {
	ids := slices.Sorted(maps.Keys(s.InstanceStates))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + "=" + s.InstanceStates[id]
	}
	return fmt.Sprintf("%s %s master=%q [%s]", s.NickIdentifier, s.FSMStateName, s.Master, strings.Join(parts, " "))
}

// InstanceInfo is one item of supvisors.get_all_instances_info().
type InstanceInfo struct {
	Identifier            string `xmlrpc:"identifier"`
	NickIdentifier        string `xmlrpc:"nick_identifier"`
	StateCode             int    `xmlrpc:"statecode"`
	StateName             string `xmlrpc:"statename"`
	RemoteSequenceCounter int    `xmlrpc:"remote_sequence_counter"`
	LocalSequenceCounter  int    `xmlrpc:"local_sequence_counter"`
}

// State calls supvisors.get_supvisors_state on the instance.
func (n *Node) State(ctx context.Context) (State, error) {
	var s State
	v, err := n.Call(ctx, "supvisors.get_supvisors_state")
	if err == nil {
		err = xmlrpc.Unmarshal(v, &s)
	}
	return s, err
}

// InstancesInfo calls supvisors.get_all_instances_info on the instance.
func (n *Node) InstancesInfo(ctx context.Context) ([]InstanceInfo, error) {
	var infos []InstanceInfo
	v, err := n.Call(ctx, "supvisors.get_all_instances_info")
	if err == nil {
		err = xmlrpc.Unmarshal(v, &infos)
	}
	return infos, err
}

// Views maps each nick name to that instance's State, for the instances
// that answered. The errors of the others are in the second map.
type Views map[string]State

// String lists the views in nick order.
func (v Views) String() string {
	var b strings.Builder
	for _, nick := range slices.Sorted(maps.Keys(v)) {
		fmt.Fprintf(&b, "\n  %s", v[nick])
	}
	return b.String()
}

// Observe asks each of nodes for its State, concurrently.
func Observe(ctx context.Context, nodes []*Node) (Views, map[string]error) {
	type answer struct {
		nick  string
		state State
		err   error
	}
	answers := make(chan answer, len(nodes))
	for _, n := range nodes {
		go func() {
			s, err := n.State(ctx)
			answers <- answer{n.Nick, s, err}
		}()
	}
	views, errs := Views{}, map[string]error{}
	for range nodes {
		a := <-answers
		if a.err != nil {
			errs[a.nick] = a.err
		} else {
			views[a.nick] = a.state
		}
	}
	return views, errs
}

// pollInterval is how often WaitFor observes the cluster. Supvisors moves
// on 5-second ticks, so a finer poll only sharpens the measured times.
const pollInterval = 250 * time.Millisecond

// WaitFor observes nodes until cond holds for the views of all of them, or
// ctx ends. It returns the last views; on failure the error describes them,
// and what the instances that did not answer said.
func WaitFor(ctx context.Context, nodes []*Node, what string, cond func(Views) bool) (Views, error) {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	// last keeps the latest answer of each instance, so that a failure
	// shows what was seen, not the calls cut short by the deadline.
	last, lastErrs := Views{}, map[string]error{}
	for {
		views, errs := Observe(ctx, nodes)
		if len(errs) == 0 && cond(views) {
			return views, nil
		}
		if ctx.Err() == nil {
			for nick, v := range views {
				last[nick] = v
				delete(lastErrs, nick)
			}
			for nick, err := range errs {
				lastErrs[nick] = err
			}
		}
		// A daemon that exited will not answer again: say so at once.
		for _, n := range nodes {
			if n.Exited() {
				return last, fmt.Errorf("clusterbench: waiting for %s: %s exited (%v); see %s", what, n.Nick, n.ExitErr(), n.OutputPath())
			}
		}
		select {
		case <-ctx.Done():
			var b strings.Builder
			fmt.Fprintf(&b, "clusterbench: gave up waiting for %s: %v; last views:%s", what, ctx.Err(), last)
			for _, nick := range slices.Sorted(maps.Keys(lastErrs)) {
				fmt.Fprintf(&b, "\n  %s: %v", nick, lastErrs[nick])
			}
			return last, fmt.Errorf("%s", b.String())
		case <-ticker.C:
		}
	}
}

// InOperation holds when every view is in OPERATION, names the same
// non-empty Master, and sees every one of ids RUNNING.
func InOperation(ids []string) func(Views) bool {
	return func(views Views) bool {
		master := ""
		for _, s := range views {
			if s.FSMStateName != "OPERATION" || s.Master == "" {
				return false
			}
			if master == "" {
				master = s.Master
			} else if s.Master != master {
				return false
			}
			for _, id := range ids {
				if s.InstanceStates[id] != "RUNNING" {
					return false
				}
			}
		}
		return len(views) > 0
	}
}

// Master is the Master all views agree on, or "" when they do not.
func (v Views) Master() string {
	master := ""
	for _, s := range v {
		if s.Master == "" || (master != "" && s.Master != master) {
			return ""
		}
		master = s.Master
	}
	return master
}

// Identifiers lists the identifiers of nodes.
func Identifiers(nodes []*Node) []string {
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.Identifier()
	}
	return ids
}

// Except returns nodes without the one called name (nick or identifier).
func Except(nodes []*Node, name string) []*Node {
	var rest []*Node
	for _, n := range nodes {
		if n.Nick != name && n.Identifier() != name {
			rest = append(rest, n)
		}
	}
	return rest
}
