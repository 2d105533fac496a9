package clusterbench

import (
	"context"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// ProcessInfo is one item of supvisors.get_all_process_info() and
// supvisors.get_process_info(): a managed process as the whole cluster
// sees it.
type ProcessInfo struct {
	Application string   `xmlrpc:"application_name"`
	Process     string   `xmlrpc:"process_name"`
	StateName   string   `xmlrpc:"statename"`
	Identifiers []string `xmlrpc:"identifiers"`
}

// Namespec is application:process.
func (p ProcessInfo) Namespec() string { return p.Application + ":" + p.Process }

// ApplicationInfo is what supvisors.get_application_info() answers.
type ApplicationInfo struct {
	Name         string `xmlrpc:"application_name"`
	StateName    string `xmlrpc:"statename"`
	Managed      bool   `xmlrpc:"managed"`
	MajorFailure bool   `xmlrpc:"major_failure"`
	MinorFailure bool   `xmlrpc:"minor_failure"`
}

// Operational reports whether the application is RUNNING without a major
// failure, which is what its start sequence must bring it to.
func (a ApplicationInfo) Operational() bool { return a.StateName == "RUNNING" && !a.MajorFailure }

// ConflictInfo is one item of supvisors.get_conflicts().
type ConflictInfo = ProcessInfo

// AllProcessInfo calls supvisors.get_all_process_info on the instance.
func (n *Node) AllProcessInfo(ctx context.Context) ([]ProcessInfo, error) {
	var infos []ProcessInfo
	v, err := n.Call(ctx, "supvisors.get_all_process_info")
	if err == nil {
		err = xmlrpc.Unmarshal(v, &infos)
	}
	return infos, err
}

// ProcessInfo calls supvisors.get_process_info on the instance for one
// namespec (application:process).
func (n *Node) ProcessInfo(ctx context.Context, namespec string) (ProcessInfo, error) {
	var infos []ProcessInfo
	v, err := n.Call(ctx, "supvisors.get_process_info", namespec)
	if err == nil {
		err = xmlrpc.Unmarshal(v, &infos)
	}
	if err == nil && len(infos) != 1 {
		return ProcessInfo{}, errNotOne(namespec, len(infos))
	}
	if err != nil {
		return ProcessInfo{}, err
	}
	return infos[0], nil
}

// ApplicationInfo calls supvisors.get_application_info on the instance.
func (n *Node) ApplicationInfo(ctx context.Context, name string) (ApplicationInfo, error) {
	var info ApplicationInfo
	v, err := n.Call(ctx, "supvisors.get_application_info", name)
	if err == nil {
		err = xmlrpc.Unmarshal(v, &info)
	}
	return info, err
}

// Conflicts calls supvisors.get_conflicts on the instance.
func (n *Node) Conflicts(ctx context.Context) ([]ConflictInfo, error) {
	var infos []ConflictInfo
	v, err := n.Call(ctx, "supvisors.get_conflicts")
	if err == nil {
		err = xmlrpc.Unmarshal(v, &infos)
	}
	return infos, err
}
