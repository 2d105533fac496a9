package commander

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// maxLoad is the capacity of a node, in expected_loading percents.
const maxLoad = 100

// loads are pending loads by instance: the expected_loading of processes
// that a job has placed on an instance but that are still stopped, so
// that one batch of decisions does not overload a target before the
// first STARTING events come back.
type loads map[string]int

// candidate is one instance as a strategy weighs it.
type candidate struct {
	id       string
	nodeLoad int
	load     int
}

// expand turns an identifiers rule into identifiers: every known
// instance for '*', else the names that resolve (unknown ones dropped).
func (c *Commander) expand(ids []string) []string {
	if slices.Contains(ids, rules.Wildcard) {
		return c.cluster.Known()
	}
	return c.cluster.Filter(ids)
}

// enabledOn lists the instances that define a process and where it is
// not disabled, in arrival order.
func enabledOn(p model.ProcessView) []string {
	return slices.DeleteFunc(slices.Clone(p.Configured), func(id string) bool {
		return slices.Contains(p.Disabled, id)
	})
}

// processIdentifiers are the identifiers rule of a process, with any
// '@' or '#' assignment applied.
func (c *Commander) processIdentifiers(p model.ProcessView) []string {
	if ids, ok := c.assigned[p.Namespec]; ok {
		return ids
	}
	return p.Rules.Identifiers
}

// possibleIdentifiers are the instances where a process may start, in
// rule order: allowed by its rules, defining it, not disabled there.
func (c *Commander) possibleIdentifiers(p model.ProcessView) []string {
	enabled := enabledOn(p)
	return slices.DeleteFunc(c.expand(c.processIdentifiers(p)), func(id string) bool {
		return !slices.Contains(enabled, id)
	})
}

// applicationSolutions gives, for each process of an application, the
// instances where it is defined and enabled.
func applicationSolutions(procs []model.ProcessView) [][]string {
	out := make([][]string, len(procs))
	for i, p := range procs {
		out[i] = enabledOn(p)
	}
	return out
}

// possibleApplicationIdentifiers are the instances allowed by the
// application rules where every process of the application is defined
// and enabled (SINGLE_INSTANCE).
func (c *Commander) possibleApplicationIdentifiers(app model.ApplicationView, procs []model.ProcessView) []string {
	solutions := applicationSolutions(procs)
	if len(solutions) == 0 {
		return nil
	}
	return slices.DeleteFunc(c.expand(app.Rules.Identifiers), func(id string) bool {
		for _, s := range solutions {
			if !slices.Contains(s, id) {
				return true
			}
		}
		return false
	})
}

// possibleNodeIdentifiers are the instances allowed by the application
// rules on the nodes where every process of the application has at least
// one defining, enabled, allowed instance (SINGLE_NODE), in rule order.
func (c *Commander) possibleNodeIdentifiers(app model.ApplicationView, procs []model.ProcessView) []string {
	filtered := c.expand(app.Rules.Identifiers)
	solutions := applicationSolutions(procs)
	keep := map[string]bool{}
	for _, node := range c.nodes() {
		var onNode []string
		for _, id := range node {
			if slices.Contains(filtered, id) {
				onNode = append(onNode, id)
			}
		}
		union := map[string]bool{}
		solved := true
		for _, s := range solutions {
			found := false
			for _, id := range onNode {
				if slices.Contains(s, id) {
					union[id], found = true, true
				}
			}
			if !found {
				solved = false
				break
			}
		}
		if solved {
			for id := range union {
				keep[id] = true
			}
		}
	}
	return slices.DeleteFunc(filtered, func(id string) bool { return !keep[id] })
}

// nodes groups the known instances by machine_id, in order of first
// appearance.
func (c *Commander) nodes() [][]string {
	var order []string
	byNode := map[string][]string{}
	for _, id := range c.cluster.Known() {
		n := c.cluster.Node(id)
		if _, ok := byNode[n]; !ok {
			order = append(order, n)
		}
		byNode[n] = append(byNode[n], id)
	}
	out := make([][]string, len(order))
	for i, n := range order {
		out[i] = byNode[n]
	}
	return out
}

// chooseInstance applies a starting strategy: among the candidates that
// are RUNNING and whose node can take load more (counting the pending
// loads), the one the strategy prefers; "" when there is none.
func (c *Commander) chooseInstance(strategy options.StartingStrategy, candidates []string, load int, pending loads) string {
	var running []string
	for _, id := range candidates {
		if c.cluster.Running(id) {
			running = append(running, id)
		}
	}
	if len(running) == 0 {
		return ""
	}
	nodeLoads := map[string]int{}
	for _, id := range c.cluster.Known() {
		nodeLoads[c.cluster.Node(id)] += c.model.Loading(id)
	}
	for id, l := range pending {
		nodeLoads[c.cluster.Node(id)] += l
	}
	var valid []candidate
	for _, id := range running {
		cand := candidate{id: id, nodeLoad: nodeLoads[c.cluster.Node(id)], load: c.model.Loading(id) + pending[id]}
		if cand.nodeLoad+load <= maxLoad {
			valid = append(valid, cand)
		}
	}
	if len(valid) == 0 {
		return ""
	}
	byInstance := func(a, b candidate) int {
		if a.load != b.load {
			return a.load - b.load
		}
		return a.nodeLoad - b.nodeLoad
	}
	byNode := func(a, b candidate) int {
		if a.nodeLoad != b.nodeLoad {
			return a.nodeLoad - b.nodeLoad
		}
		return a.load - b.load
	}
	switch strategy {
	case options.StartLessLoaded:
		slices.SortStableFunc(valid, byInstance)
		return valid[0].id
	case options.StartMostLoaded:
		// The last of the ascending order: on a tie, the last candidate.
		slices.SortStableFunc(valid, byInstance)
		return valid[len(valid)-1].id
	case options.StartLessLoadedNode:
		slices.SortStableFunc(valid, byNode)
		return valid[0].id
	case options.StartMostLoadedNode:
		slices.SortStableFunc(valid, byNode)
		return valid[len(valid)-1].id
	case options.StartLocal:
		local := c.cluster.Local()
		for _, v := range valid {
			if v.id == local {
				return local
			}
		}
		return ""
	}
	// CONFIG, and any unknown value: the first valid candidate.
	return valid[0].id
}
