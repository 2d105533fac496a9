package model

import "slices"

// AssignIdentifiers records the instances that a '@' or '#' of the rules
// gave to a process (the commander's Assigned action): its rules name
// them from then on, as get_process_rules shows them in Supvisors once
// the assignment is made. It reports false for an unknown process.
func (m *Model) AssignIdentifiers(namespec string, identifiers []string) bool {
	group, name := splitNamespec(namespec)
	_, p := m.lookup(group, name)
	if p == nil {
		return false
	}
	p.rules.Identifiers = slices.Clone(identifiers)
	return true
}
