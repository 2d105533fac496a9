package commander

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
)

// Conflicts lists the processes of managed applications that run on more
// than one instance, in application then process order: what a
// conciliation works on.
func (c *Commander) Conflicts() []string {
	var out []string
	for _, name := range c.model.Applications() {
		app, ok := c.model.Application(name)
		if !ok || !app.Rules.Managed {
			continue
		}
		for _, p := range c.model.ApplicationProcesses(name) {
			if len(p.Running) > 1 {
				out = append(out, p.Namespec)
			}
		}
	}
	return out
}

// Conciliate applies a conciliation strategy to the conflicts: all of
// them when namespecs is empty (the Master entering or staying in
// CONCILIATION, and supvisors.conciliate), otherwise those of namespecs
// that are conflicts (the per-process actions of the conciliation page).
// It reports false for USER, which leaves the conflicts to a person, and
// true otherwise, as supvisors.conciliate answers.
//
//   - SENICIDE keeps the copy with the smallest uptime, INFANTICIDE the
//     one with the largest, and the others are stopped. Uptimes are
//     compared, not start dates, because the instances' clocks may
//     differ; between equal uptimes the first instance in name order is
//     kept.
//   - STOP stops every copy.
//   - RESTART stops every copy, then starts one with the application's
//     starting strategy.
//   - RUNNING_FAILURE stops every copy, then hands the process to the
//     running failure handler, whose job waits for the stop to end.
//
// Every stop of one call is planned before the Stopper moves on, so that
// the applications' stop sequences order them.
func (c *Commander) Conciliate(strategy options.ConciliationStrategy, namespecs []string, now float64) bool {
	c.begin(now)
	defer c.end()
	if strategy == options.ConciliateUser {
		c.log.Debug("conciliation left to the user")
		return false
	}
	conflicts := c.Conflicts()
	if len(namespecs) > 0 {
		conflicts = slices.DeleteFunc(conflicts, func(ns string) bool { return !slices.Contains(namespecs, ns) })
	}
	for _, ns := range conflicts {
		p, ok := c.model.Process(ns)
		if !ok {
			continue
		}
		switch strategy {
		case options.ConciliateSenicide, options.ConciliateInfanticide:
			kept := c.keptCopy(p, strategy == options.ConciliateSenicide)
			others := slices.DeleteFunc(slices.Clone(p.Running), func(id string) bool { return id == kept })
			c.log.Warn("conciliation: one copy kept", "strategy", strategy.String(), "process", ns, "kept", kept)
			c.stopProcess(ns, others, false)
		case options.ConciliateStop:
			c.log.Warn("conciliation: every copy stopped", "process", ns, "instances", p.Running)
			c.stopProcess(ns, nil, false)
		case options.ConciliateRestart:
			c.log.Warn("conciliation: the process is restarted", "process", ns)
			c.restartProcess(c.defaultStrategy(p.ApplicationName), ns, "", false)
		case options.ConciliateRunningFailure:
			c.log.Warn("conciliation: every copy stopped, then the running failure strategy applies", "process", ns)
			c.stopProcess(ns, nil, false)
			c.addDefaultFailureJob(p)
		}
	}
	c.next(&c.stopper)
	if strategy == options.ConciliateRunningFailure {
		c.triggerFailureJobs()
	}
	return true
}

// keptCopy chooses the instance whose copy of a conflicting process
// stays: the youngest (smallest uptime) or the oldest.
func (c *Commander) keptCopy(p model.ProcessView, youngest bool) string {
	kept, best := "", 0.0
	for _, id := range p.Running {
		rec, _ := c.model.Record(id, p.Namespec)
		uptime := rec.Uptime.Value
		if kept == "" || (youngest && uptime < best) || (!youngest && uptime > best) {
			kept, best = id, uptime
		}
	}
	return kept
}
