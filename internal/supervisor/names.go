package supervisor

import "strings"

// SplitNamespec splits a process name as Supervisor's split_namespec does:
// "g:p" gives (g, p); "g:" and "g:*" give (g, "") meaning the whole group;
// a name without a colon gives (n, n).
func SplitNamespec(name string) (group, process string) {
	g, p, ok := strings.Cut(name, ":")
	if !ok {
		return name, name
	}
	if p == "" || p == "*" {
		return g, ""
	}
	return g, p
}

// MakeNamespec is the inverse: "p" when the group and the process share the
// name, "g:p" otherwise.
func MakeNamespec(group, process string) string {
	if group == process {
		return process
	}
	return group + ":" + process
}
