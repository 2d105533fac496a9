package wire

import (
	"fmt"
)

// Each payload type below has an object method giving its members in the
// order Supvisors builds the dict (so that json.dumps and Python's XML-RPC
// marshaller write the same bytes we do), and a decoding function that
// accepts the dict from JSON or XML-RPC. Extra keeps members this version
// does not know, appended after the known ones.

// Origin is the sender triple that heads every publication and
// notification: [identifier, nick_identifier, [ip_address, http_port]].
// For a notification it names the peer the notification is about.
type Origin struct {
	Identifier     string
	NickIdentifier string
	IPAddress      string // the sender's own main IPv4, as resolved by the sender
	HTTPPort       int
}

func (o Origin) value() any {
	return []any{o.Identifier, o.NickIdentifier, []any{o.IPAddress, int64(o.HTTPPort)}}
}

func originFrom(v any) (Origin, error) {
	outer, ok := v.([]any)
	if !ok || len(outer) != 3 {
		return Origin{}, fmt.Errorf("wire: origin is %s, not a 3-item list", typeName(v))
	}
	id, ok1 := outer[0].(string)
	nick, ok2 := outer[1].(string)
	addr, ok3 := outer[2].([]any)
	if !ok1 || !ok2 || !ok3 || len(addr) != 2 {
		return Origin{}, fmt.Errorf("wire: origin is not [str, str, [ip, port]]")
	}
	ip, ok1 := addr[0].(string)
	port, ok2 := asInt(addr[1])
	if !ok1 || !ok2 {
		return Origin{}, fmt.Errorf("wire: origin address is not [str, int]")
	}
	return Origin{Identifier: id, NickIdentifier: nick, IPAddress: ip, HTTPPort: int(port)}, nil
}

// Tick is the TICK publication body, the heartbeat sent on every
// Supervisor TICK_5 event.
type Tick struct {
	When            int64   // start of the 5 s wall-clock slice, POSIX seconds
	WhenMonotonic   float64 // sender's monotonic clock
	SequenceCounter int64   // 0 on the first tick after supervisord is RUNNING
}

func (t Tick) object() Object {
	return Object{{"when", t.When}, {"when_monotonic", t.WhenMonotonic}, {"sequence_counter", t.SequenceCounter}}
}

func tickFrom(v any) (t Tick, err error) {
	r, err := newRecord("TICK", v)
	if err != nil {
		return t, err
	}
	if t.When, err = r.integer("when"); err != nil {
		return t, err
	}
	if t.WhenMonotonic, err = r.float("when_monotonic"); err != nil {
		return t, err
	}
	t.SequenceCounter, err = r.integer("sequence_counter")
	return t, err
}

// ProcessEvent is the PROCESS publication body: one state change of a
// process of the sender. A forced event is a state decided by a Starter or
// Stopper that gave up waiting; it has no "disabled", has "forced": true,
// and Supvisors builds it with group before name.
type ProcessEvent struct {
	Identifier     string // '' in a forced event when no instance was found
	NickIdentifier string
	Name           string
	Group          string
	State          int // Supervisor process state code
	Forced         bool
	Now            float64 // sender wall clock
	NowMonotonic   float64 // sender monotonic clock (forced: time of the last event seen)
	PID            int
	Expected       bool
	Spawnerr       string
	ExtraArgs      string
	Disabled       bool // not sent in a forced event
	// Extra holds members beyond the above, such as the "event_mtime"
	// that a sender with an event interface leaks in. Receivers ignore it.
	Extra Object
}

var processEventKeys = []string{"identifier", "nick_identifier", "name", "group", "state", "forced",
	"now", "now_monotonic", "pid", "expected", "spawnerr", "extra_args", "disabled"}

func (e ProcessEvent) object() Object {
	if e.Forced {
		o := Object{{"identifier", e.Identifier}, {"nick_identifier", e.NickIdentifier},
			{"group", e.Group}, {"name", e.Name}, {"state", int64(e.State)}, {"forced", true},
			{"now", e.Now}, {"now_monotonic", e.NowMonotonic}, {"pid", int64(e.PID)},
			{"expected", e.Expected}, {"spawnerr", e.Spawnerr}, {"extra_args", e.ExtraArgs}}
		return append(o, e.Extra...)
	}
	o := Object{{"identifier", e.Identifier}, {"nick_identifier", e.NickIdentifier},
		{"name", e.Name}, {"group", e.Group}, {"state", int64(e.State)},
		{"now", e.Now}, {"now_monotonic", e.NowMonotonic}, {"pid", int64(e.PID)},
		{"expected", e.Expected}, {"spawnerr", e.Spawnerr}, {"extra_args", e.ExtraArgs},
		{"disabled", e.Disabled}}
	return append(o, e.Extra...)
}

func processEventFrom(v any) (e ProcessEvent, err error) {
	r, err := newRecord("PROCESS", v)
	if err != nil {
		return e, err
	}
	if r.has("forced") {
		if e.Forced, err = r.boolean("forced"); err != nil {
			return e, err
		}
	}
	for _, s := range []struct {
		key string
		dst *string
	}{{"identifier", &e.Identifier}, {"nick_identifier", &e.NickIdentifier}, {"name", &e.Name},
		{"group", &e.Group}, {"spawnerr", &e.Spawnerr}, {"extra_args", &e.ExtraArgs}} {
		if *s.dst, err = r.str(s.key); err != nil {
			return e, err
		}
	}
	if e.State, err = r.integerInt("state"); err != nil {
		return e, err
	}
	if e.PID, err = r.integerInt("pid"); err != nil {
		return e, err
	}
	if e.Now, err = r.float("now"); err != nil {
		return e, err
	}
	if e.NowMonotonic, err = r.float("now_monotonic"); err != nil {
		return e, err
	}
	if e.Expected, err = r.boolean("expected"); err != nil {
		return e, err
	}
	if !e.Forced {
		if e.Disabled, err = r.boolean("disabled"); err != nil {
			return e, err
		}
	}
	e.Extra = r.extra(processEventKeys...)
	return e, nil
}

// LocalProcessInfo is one process as its own instance describes it: an
// item of supvisors.get_all_local_process_info (and so of ALL_INFO), the
// answer of get_local_process_info, and the body of PROCESS_ADDED and
// PROCESS_DISABILITY.
type LocalProcessInfo struct {
	Name           string
	Group          string
	State          int
	StateName      string
	Start          int64 // POSIX seconds, 0 if never started
	Stop           int64
	Now            int64
	PID            int
	Description    string
	Spawnerr       string
	Expected       bool // spawnerr is empty
	StartMonotonic float64
	StopMonotonic  float64
	NowMonotonic   float64
	ExtraArgs      string
	StartSecs      int
	StopWaitSecs   int
	ProcessIndex   int // rank in a numprocs group, 0 otherwise
	ProgramName    string
	Disabled       bool
	HasStdout      bool
	HasStderr      bool
	// Extra holds members beyond the above; a Python PROCESS_ADDED carries
	// local_mtime, event_time, uptime and has_crashed that the sender added
	// to the dict before sending it. Receivers overwrite them.
	Extra Object
}

var localProcessInfoKeys = []string{"name", "group", "state", "statename", "start", "stop", "now",
	"pid", "description", "spawnerr", "expected", "start_monotonic", "stop_monotonic",
	"now_monotonic", "extra_args", "startsecs", "stopwaitsecs", "process_index", "program_name",
	"disabled", "has_stdout", "has_stderr"}

func (p LocalProcessInfo) object() Object {
	o := Object{{"name", p.Name}, {"group", p.Group}, {"state", int64(p.State)},
		{"statename", p.StateName}, {"start", p.Start}, {"stop", p.Stop}, {"now", p.Now},
		{"pid", int64(p.PID)}, {"description", p.Description}, {"spawnerr", p.Spawnerr},
		{"expected", p.Expected}, {"start_monotonic", p.StartMonotonic},
		{"stop_monotonic", p.StopMonotonic}, {"now_monotonic", p.NowMonotonic},
		{"extra_args", p.ExtraArgs}, {"startsecs", int64(p.StartSecs)},
		{"stopwaitsecs", int64(p.StopWaitSecs)}, {"process_index", int64(p.ProcessIndex)},
		{"program_name", p.ProgramName}, {"disabled", p.Disabled}, {"has_stdout", p.HasStdout},
		{"has_stderr", p.HasStderr}}
	return append(o, p.Extra...)
}

func localProcessInfoFrom(v any) (p LocalProcessInfo, err error) {
	r, err := newRecord("local process info", v)
	if err != nil {
		return p, err
	}
	for _, s := range []struct {
		key string
		dst *string
	}{{"name", &p.Name}, {"group", &p.Group}, {"statename", &p.StateName},
		{"description", &p.Description}, {"spawnerr", &p.Spawnerr}, {"extra_args", &p.ExtraArgs},
		{"program_name", &p.ProgramName}} {
		if *s.dst, err = r.str(s.key); err != nil {
			return p, err
		}
	}
	for _, s := range []struct {
		key string
		dst *int
	}{{"state", &p.State}, {"pid", &p.PID}, {"startsecs", &p.StartSecs},
		{"stopwaitsecs", &p.StopWaitSecs}, {"process_index", &p.ProcessIndex}} {
		if *s.dst, err = r.integerInt(s.key); err != nil {
			return p, err
		}
	}
	for _, s := range []struct {
		key string
		dst *int64
	}{{"start", &p.Start}, {"stop", &p.Stop}, {"now", &p.Now}} {
		if *s.dst, err = r.integer(s.key); err != nil {
			return p, err
		}
	}
	for _, s := range []struct {
		key string
		dst *float64
	}{{"start_monotonic", &p.StartMonotonic}, {"stop_monotonic", &p.StopMonotonic},
		{"now_monotonic", &p.NowMonotonic}} {
		if *s.dst, err = r.float(s.key); err != nil {
			return p, err
		}
	}
	for _, s := range []struct {
		key string
		dst *bool
	}{{"expected", &p.Expected}, {"disabled", &p.Disabled}, {"has_stdout", &p.HasStdout},
		{"has_stderr", &p.HasStderr}} {
		if *s.dst, err = r.boolean(s.key); err != nil {
			return p, err
		}
	}
	p.Extra = r.extra(localProcessInfoKeys...)
	return p, nil
}

// ProcessInfoList is the ALL_INFO notification body and the answer of
// get_all_local_process_info.
type ProcessInfoList []LocalProcessInfo

func (l ProcessInfoList) value() []any {
	out := make([]any, len(l))
	for i, p := range l {
		out[i] = p.object()
	}
	return out
}

func processInfoListFrom(v any) (ProcessInfoList, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("wire: process info list is %s, not a list", typeName(v))
	}
	out := make(ProcessInfoList, len(arr))
	for i, e := range arr {
		p, err := localProcessInfoFrom(e)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out[i] = p
	}
	return out, nil
}

// ProcessRemoved is the PROCESS_REMOVED body. Name "*" stands for every
// process of the group (the whole group was removed).
type ProcessRemoved struct {
	Name  string
	Group string
}

func (p ProcessRemoved) object() Object {
	return Object{{"name", p.Name}, {"group", p.Group}}
}

func processRemovedFrom(v any) (p ProcessRemoved, err error) {
	r, err := newRecord("PROCESS_REMOVED", v)
	if err != nil {
		return p, err
	}
	if p.Name, err = r.str("name"); err != nil {
		return p, err
	}
	p.Group, err = r.str("group")
	return p, err
}

// Counters is a named pair of byte counters: [recv, sent] for a NIC,
// [read, write] for a disk.
type Counters struct {
	Name   string
	Values [2]int64
}

// Percent is a named percentage (disk usage per mount point).
type Percent struct {
	Name  string
	Value float64
}

// HostStatistics is the HOST_STATISTICS body: one raw host sample that each
// receiver integrates on its own.
type HostStatistics struct {
	Now       float64      // sender monotonic time of the sample
	CPU       [][2]float64 // [work, idle] seconds: all cores first, then each core
	Mem       float64      // memory used, percent
	NetIO     []Counters
	DiskUsage []Percent
	DiskIO    []Counters
}

func countersObject(list []Counters) Object {
	o := make(Object, len(list))
	for i, c := range list {
		o[i] = Field{c.Name, []any{c.Values[0], c.Values[1]}}
	}
	return o
}

func (h HostStatistics) object() Object {
	cpu := make([]any, len(h.CPU))
	for i, c := range h.CPU {
		cpu[i] = []any{c[0], c[1]}
	}
	usage := make(Object, len(h.DiskUsage))
	for i, u := range h.DiskUsage {
		usage[i] = Field{u.Name, u.Value}
	}
	return Object{{"now", h.Now}, {"cpu", cpu}, {"mem", h.Mem}, {"net_io", countersObject(h.NetIO)},
		{"disk_usage", usage}, {"disk_io", countersObject(h.DiskIO)}}
}

func countersFrom(r *record, key string) ([]Counters, error) {
	entries, err := r.entries(key)
	if err != nil {
		return nil, err
	}
	out := make([]Counters, len(entries))
	for i, f := range entries {
		pair, ok := f.Value.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("wire: %s %s[%q] is not a pair", r.what, key, f.Key)
		}
		a, ok1 := asInt(pair[0])
		b, ok2 := asInt(pair[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("wire: %s %s[%q] is not a pair of ints", r.what, key, f.Key)
		}
		out[i] = Counters{Name: f.Key, Values: [2]int64{a, b}}
	}
	return out, nil
}

func hostStatisticsFrom(v any) (h HostStatistics, err error) {
	r, err := newRecord("HOST_STATISTICS", v)
	if err != nil {
		return h, err
	}
	if h.Now, err = r.float("now"); err != nil {
		return h, err
	}
	if h.Mem, err = r.float("mem"); err != nil {
		return h, err
	}
	cpu, err := r.need("cpu")
	if err != nil {
		return h, err
	}
	cpuList, ok := cpu.([]any)
	if !ok {
		return h, fmt.Errorf("wire: HOST_STATISTICS cpu is %s, not a list", typeName(cpu))
	}
	h.CPU = make([][2]float64, len(cpuList))
	for i, c := range cpuList {
		pair, ok := c.([]any)
		if !ok || len(pair) != 2 {
			return h, fmt.Errorf("wire: HOST_STATISTICS cpu[%d] is not a pair", i)
		}
		a, ok1 := asFloat(pair[0])
		b, ok2 := asFloat(pair[1])
		if !ok1 || !ok2 {
			return h, fmt.Errorf("wire: HOST_STATISTICS cpu[%d] is not a pair of numbers", i)
		}
		h.CPU[i] = [2]float64{a, b}
	}
	if h.NetIO, err = countersFrom(r, "net_io"); err != nil {
		return h, err
	}
	if h.DiskIO, err = countersFrom(r, "disk_io"); err != nil {
		return h, err
	}
	usage, err := r.entries("disk_usage")
	if err != nil {
		return h, err
	}
	h.DiskUsage = make([]Percent, len(usage))
	for i, f := range usage {
		p, ok := asFloat(f.Value)
		if !ok {
			return h, fmt.Errorf("wire: HOST_STATISTICS disk_usage[%q] is not a number", f.Key)
		}
		h.DiskUsage[i] = Percent{Name: f.Key, Value: p}
	}
	return h, nil
}

// SupervisordNamespec is the namespec of the process statistics sample
// that describes the daemon itself (and its statistics collector).
const SupervisordNamespec = "supervisord"

// ProcessStatistics is the PROCESS_STATISTICS body: one raw sample of a
// process and its descendants. PID 0 means the process is gone, and then
// only namespec, pid and now travel.
type ProcessStatistics struct {
	Namespec   string
	PID        int
	Now        float64 // sender monotonic time
	NbCores    int     // only in the "supervisord" sample; 0 means absent
	ProcWork   float64 // CPU seconds, user + system
	ProcMemory float64 // memory, percent
}

func (s ProcessStatistics) object() Object {
	o := Object{{"namespec", s.Namespec}, {"pid", int64(s.PID)}, {"now", s.Now}}
	if s.PID == 0 {
		return o
	}
	if s.NbCores > 0 {
		o = append(o, Field{"nb_cores", int64(s.NbCores)})
	}
	return append(o, Field{"proc_work", s.ProcWork}, Field{"proc_memory", s.ProcMemory})
}

func processStatisticsFrom(v any) (s ProcessStatistics, err error) {
	r, err := newRecord("PROCESS_STATISTICS", v)
	if err != nil {
		return s, err
	}
	if s.Namespec, err = r.str("namespec"); err != nil {
		return s, err
	}
	if s.PID, err = r.integerInt("pid"); err != nil {
		return s, err
	}
	if s.Now, err = r.float("now"); err != nil {
		return s, err
	}
	if s.PID == 0 {
		return s, nil
	}
	if r.has("nb_cores") {
		if s.NbCores, err = r.integerInt("nb_cores"); err != nil {
			return s, err
		}
	}
	if s.ProcWork, err = r.float("proc_work"); err != nil {
		return s, err
	}
	s.ProcMemory, err = r.float("proc_memory")
	return s, err
}

// InstanceState is one entry of StateModes.InstanceStates.
type InstanceState struct {
	Identifier string
	State      string // SupvisorsInstanceStates name, upper case
}

// StateModes is an instance's own state and modes: the STATE publication
// and notification body and the item of get_instance_state_modes.
type StateModes struct {
	Identifier       string
	NickIdentifier   string
	NowMonotonic     float64
	FSMStateCode     int
	FSMStateName     string
	DegradedMode     bool
	DiscoveryMode    bool
	MasterIdentifier string // '' when there is no Master
	StartingJobs     bool
	StoppingJobs     bool
	InstanceStates   []InstanceState // the sender's view, itself included, in its order
}

func (s StateModes) object() Object {
	states := make(Object, len(s.InstanceStates))
	for i, st := range s.InstanceStates {
		states[i] = Field{st.Identifier, st.State}
	}
	return Object{{"identifier", s.Identifier}, {"nick_identifier", s.NickIdentifier},
		{"now_monotonic", s.NowMonotonic}, {"fsm_statecode", int64(s.FSMStateCode)},
		{"fsm_statename", s.FSMStateName}, {"degraded_mode", s.DegradedMode},
		{"discovery_mode", s.DiscoveryMode}, {"master_identifier", s.MasterIdentifier},
		{"starting_jobs", s.StartingJobs}, {"stopping_jobs", s.StoppingJobs},
		{"instance_states", states}}
}

func stateModesFrom(v any) (s StateModes, err error) {
	r, err := newRecord("state modes", v)
	if err != nil {
		return s, err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"identifier", &s.Identifier}, {"nick_identifier", &s.NickIdentifier},
		{"fsm_statename", &s.FSMStateName}, {"master_identifier", &s.MasterIdentifier}} {
		if *f.dst, err = r.str(f.key); err != nil {
			return s, err
		}
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"degraded_mode", &s.DegradedMode}, {"discovery_mode", &s.DiscoveryMode},
		{"starting_jobs", &s.StartingJobs}, {"stopping_jobs", &s.StoppingJobs}} {
		if *f.dst, err = r.boolean(f.key); err != nil {
			return s, err
		}
	}
	if s.NowMonotonic, err = r.float("now_monotonic"); err != nil {
		return s, err
	}
	if s.FSMStateCode, err = r.integerInt("fsm_statecode"); err != nil {
		return s, err
	}
	states, err := r.entries("instance_states")
	if err != nil {
		return s, err
	}
	s.InstanceStates = make([]InstanceState, len(states))
	for i, f := range states {
		name, ok := f.Value.(string)
		if !ok {
			return s, fmt.Errorf("wire: instance_states[%q] is %s, not a string", f.Key, typeName(f.Value))
		}
		s.InstanceStates[i] = InstanceState{Identifier: f.Key, State: name}
	}
	return s, nil
}

// AuthorizationResult is the AUTHORIZATION notification body.
type AuthorizationResult struct {
	Authorization Authorization
	NowMonotonic  float64 // when the handshake started, checker's clock
}

func (a AuthorizationResult) object() Object {
	return Object{{"authorization", int64(a.Authorization)}, {"now_monotonic", a.NowMonotonic}}
}

func authorizationFrom(v any) (a AuthorizationResult, err error) {
	r, err := newRecord("AUTHORIZATION", v)
	if err != nil {
		return a, err
	}
	code, err := r.integerInt("authorization")
	if err != nil {
		return a, err
	}
	a.Authorization = Authorization(code)
	a.NowMonotonic, err = r.float("now_monotonic")
	return a, err
}

// Discovery is the DISCOVERY notification body: an empty list, the
// identity being in the origin.
type Discovery struct{}
