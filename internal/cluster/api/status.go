package api

import (
	"context"

	"github.com/supvisors-go/supvisors/internal/cluster/mono"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func noArgs(params []any) error { return xmlrpc.Args(params).Count(0, 0) }

func (a *api) getAPIVersion(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	return APIVersion, nil
}

// getSupvisorsState is the local state and modes, where starting_jobs and
// stopping_jobs are the lists of busy instances rather than the local
// flags.
func (a *api) getSupvisorsState(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	snap := a.cluster.Snapshot()
	s, err := snap.Self.XMLRPC()
	if err != nil {
		return nil, err
	}
	for i := range s {
		switch s[i].Name {
		case "starting_jobs":
			s[i].Value = stringList(snap.StartingJobs)
		case "stopping_jobs":
			s[i].Value = stringList(snap.StoppingJobs)
		}
	}
	return s, nil
}

// stringList is a list of strings as an XML-RPC array, empty rather than
// absent when there is none.
func stringList(items []string) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out
}

func (a *api) getAllInstancesStateModes(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	snap := a.cluster.Snapshot()
	list := make([]wire.StateModes, len(snap.Instances))
	for i := range snap.Instances {
		list[i] = snap.Instances[i].Modes
	}
	return wire.StateModesListXMLRPC(list)
}

func (a *api) getInstanceStateModes(_ context.Context, params []any) (any, error) {
	found, err := resolve(a.cluster.Snapshot(), params)
	if err != nil {
		return nil, err
	}
	list := make([]wire.StateModes, len(found))
	for i, in := range found {
		list[i] = in.Modes
	}
	return wire.StateModesListXMLRPC(list)
}

func (a *api) getMasterIdentifier(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	snap := a.cluster.Snapshot()
	master := snap.Self.MasterIdentifier
	if master == "" {
		return xmlrpc.Struct{}, nil
	}
	nick := ""
	if in, ok := snap.Lookup(master); ok {
		nick = in.Info.NickIdentifier
	}
	return xmlrpc.Struct{{Name: "identifier", Value: master}, {Name: "nick_identifier", Value: nick}}, nil
}

func (a *api) getStrategies(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	return a.cluster.Snapshot().Strategies.XMLRPC()
}

// getNetworkInfo accepts an identifier or a nick name (0.19 only took the
// identifier); a stereotype gives its first instance.
func (a *api) getNetworkInfo(_ context.Context, params []any) (any, error) {
	found, err := resolve(a.cluster.Snapshot(), params)
	if err != nil {
		return nil, err
	}
	return found[0].Network.XMLRPC()
}

func (a *api) getAllInstancesInfo(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	snap := a.cluster.Snapshot()
	list := make(wire.InstanceInfoList, len(snap.Instances))
	for i := range snap.Instances {
		list[i] = snap.Instances[i].Info
	}
	return list.XMLRPC()
}

func (a *api) getInstanceInfo(_ context.Context, params []any) (any, error) {
	found, err := resolve(a.cluster.Snapshot(), params)
	if err != nil {
		return nil, err
	}
	list := make(wire.InstanceInfoList, len(found))
	for i, in := range found {
		list[i] = in.Info
	}
	return list.XMLRPC()
}

func (a *api) getCoreIdentifiers(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	return stringList(a.cluster.Snapshot().Core), nil
}

func (a *api) getAllLocalProcessInfo(_ context.Context, params []any) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	list, err := LocalProcesses(a.engine)
	if err != nil {
		return nil, err
	}
	return list.XMLRPC()
}

// LocalProcesses is the answer of get_all_local_process_info as a peer
// reads it: the cluster driver loads it into the model when the local
// instance checks itself, as a peer's handshake loads it.
func LocalProcesses(e *supervisor.Supervisor) (wire.ProcessInfoList, error) {
	all, err := e.AllLocalProcessInfo()
	if err != nil {
		return nil, err
	}
	extra, err := e.AllExtraArgs()
	if err != nil {
		return nil, err
	}
	now := mono.Now()
	list := make(wire.ProcessInfoList, len(all))
	for i, p := range all {
		list[i] = localRecord(p, now)
		list[i].ExtraArgs = extra[supervisor.MakeNamespec(p.Group, p.Name)]
	}
	return list, nil
}

func (a *api) getLocalProcessInfo(_ context.Context, params []any) (any, error) {
	args := xmlrpc.Args(params)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	name, err := args.String(0)
	if err != nil {
		return nil, err
	}
	record, err := LocalProcess(a.engine, name)
	if err != nil {
		return nil, err
	}
	return record.XMLRPC()
}

// LocalProcess is the answer of get_local_process_info: the record that
// PROCESS_ADDED and PROCESS_DISABILITY publish.
func LocalProcess(e *supervisor.Supervisor, namespec string) (wire.LocalProcessInfo, error) {
	p, err := e.LocalProcessInfo(namespec)
	if err != nil {
		return wire.LocalProcessInfo{}, err
	}
	record := localRecord(p, mono.Now())
	if record.ExtraArgs, err = e.ExtraArgs(namespec); err != nil {
		return wire.LocalProcessInfo{}, err
	}
	return record, nil
}

// localRecord is the Supvisors local process record of p; now is the
// monotonic time of the answer. The caller adds the extra arguments.
func localRecord(p supervisor.LocalProcessInfo, now float64) wire.LocalProcessInfo {
	return wire.LocalProcessInfo{
		Name: p.Name, Group: p.Group,
		State: p.State, StateName: p.StateName,
		Start: p.Start, Stop: p.Stop, Now: p.Now,
		PID: p.PID, Description: p.Description,
		Spawnerr: p.SpawnErr, Expected: p.SpawnErr == "",
		StartMonotonic: mono.At(p.LastStart),
		StopMonotonic:  mono.At(p.LastStop),
		NowMonotonic:   now,
		StartSecs:      p.StartSecs, StopWaitSecs: p.StopWaitSecs,
		ProcessIndex: p.ProcessIndex, ProgramName: p.ProgramName,
		HasStdout: p.HasStdout, HasStderr: p.HasStderr,
		Disabled: p.Disabled,
	}
}

// getLoggerLevels answers as Supervisor answers a static method it lists
// but cannot call.
func (a *api) getLoggerLevels(context.Context, []any) (any, error) {
	return nil, errdefs.New(errdefs.UnknownMethod, "")
}
