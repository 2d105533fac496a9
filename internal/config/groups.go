package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// EventTypeNames are the event type names an [eventlistener:x] events=
// line may use (Supervisor's EventTypes, abstract types included).
var EventTypeNames = []string{
	"EVENT", "PROCESS_STATE", "PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED",
	"PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPING", "PROCESS_STATE_BACKOFF",
	"PROCESS_STATE_FATAL", "PROCESS_STATE_RUNNING", "PROCESS_STATE_UNKNOWN",
	"PROCESS_COMMUNICATION", "PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR",
	"PROCESS_LOG", "PROCESS_LOG_STDOUT", "PROCESS_LOG_STDERR", "REMOTE_COMMUNICATION",
	"SUPERVISOR_STATE_CHANGE", "SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING",
	"TICK", "TICK_5", "TICK_60", "TICK_3600",
	"PROCESS_GROUP", "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED",
}

// SupvisorsEventTypeNames are the event types that Supvisors registers
// with Supervisor (PROCESS is their abstract parent, not a parent of
// PROCESS_STATE): an events= line may use them when the configuration has
// an [rpcinterface:supvisors] section, as it loads Supvisors.
var SupvisorsEventTypeNames = []string{
	"PROCESS", "PROCESS_ADDED", "PROCESS_REMOVED", "PROCESS_ENABLED", "PROCESS_DISABLED",
}

// DefaultResultHandler is the result_handler of an event listener pool
// when none is set.
const DefaultResultHandler = "supervisor.dispatchers:default_handler"

// groups builds every group in Supervisor's order (heterogeneous groups,
// programs, event listeners, fcgi programs), then sorts them.
func (l *loader) groups() ([]*Group, error) {
	var groups []*Group
	excluded := map[string]bool{}
	here := expansions{"here": strVal(l.here)}
	has := func(name string) bool { return l.doc.section(name) != nil }

	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, "group:") {
			continue
		}
		_, after, _ := strings.Cut(sec.name, ":")
		name, err := processOrGroupName(after)
		if err != nil {
			return nil, l.errAt(sec, "", err)
		}
		programs, _, err := l.getOpt(sec, "programs", here)
		if err != nil {
			return nil, err
		}
		prio, err := l.intOption(sec, "priority", "999", here)
		if err != nil {
			return nil, err
		}
		g := &Group{Name: name, Kind: HeterogeneousGroup, Priority: prio}
		// Supervisor reuses its loop variable here, so after the first
		// program its messages name that program's section instead of the
		// group's; keep the same text.
		label := sec.name
		for _, prog := range listOfStrings(programs) {
			ps, fs := "program:"+prog, "fcgi-program:"+prog
			switch {
			case !has(ps) && !has(fs):
				return nil, l.errAt(sec, "programs", valueErrorf("[%s] names unknown program or fcgi-program %s", label, prog))
			case has(ps) && has(fs):
				return nil, l.errAt(sec, "programs", valueErrorf("[%s] name %s is ambiguous (exists as program and fcgi-program)", label, prog))
			}
			member := ps
			if !has(ps) {
				member = fs
			}
			label = member
			excluded[member] = true
			procs, err := l.processes(l.doc.section(member), name)
			if err != nil {
				return nil, err
			}
			g.Processes = append(g.Processes, procs...)
		}
		groups = append(groups, g)
	}

	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, "program:") || excluded[sec.name] {
			continue
		}
		_, after, _ := strings.Cut(sec.name, ":")
		name, err := processOrGroupName(after)
		if err != nil {
			return nil, l.errAt(sec, "", err)
		}
		prio, err := l.intOption(sec, "priority", "999", here)
		if err != nil {
			return nil, err
		}
		procs, err := l.processes(sec, name)
		if err != nil {
			return nil, err
		}
		groups = append(groups, &Group{Name: name, Kind: ProgramGroup, Priority: prio, Processes: procs})
	}

	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, "eventlistener:") {
			continue
		}
		g, err := l.eventListenerPool(sec)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}

	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, "fcgi-program:") || excluded[sec.name] {
			continue
		}
		g, err := l.fcgiGroup(sec)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	sortGroups(groups)
	return groups, nil
}

// intOption reads an integer option.
func (l *loader) intOption(sec *iniSection, key, def string, vars expansions) (int, error) {
	v, _, err := l.get(sec, key, def, vars, true)
	if err != nil {
		return 0, err
	}
	n, err := integer(v)
	if err != nil {
		return 0, l.errAt(sec, key, err)
	}
	return n, nil
}

func (l *loader) eventListenerPool(sec *iniSection) (*Group, error) {
	here := expansions{"here": strVal(l.here)}
	_, name, _ := strings.Cut(sec.name, ":")
	prio, err := l.intOption(sec, "priority", "-1", here)
	if err != nil {
		return nil, err
	}
	bufSize, err := l.intOption(sec, "buffer_size", "10", here)
	if err != nil {
		return nil, err
	}
	if bufSize < 1 {
		return nil, l.errAt(sec, "buffer_size", valueErrorf("[%s] section sets invalid buffer_size (%d)", sec.name, bufSize))
	}
	handler, _, err := l.get(sec, "result_handler", DefaultResultHandler, here, true)
	if err != nil {
		return nil, err
	}
	evs, _, err := l.get(sec, "events", "", here, true)
	if err != nil {
		return nil, err
	}
	var events []string
	for _, e := range listOfStrings(evs) {
		e = strings.ToUpper(e)
		if !contains(events, e) {
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil, l.errAt(sec, "events", valueErrorf("[%s] section requires an \"events\" line", sec.name))
	}
	supvisors := l.doc.section("rpcinterface:supvisors") != nil
	for _, e := range events {
		if !contains(EventTypeNames, e) && !(supvisors && contains(SupvisorsEventTypeNames, e)) {
			return nil, l.errAt(sec, "events", valueErrorf("Unknown event type %s in [%s] events", e, sec.name))
		}
	}
	rs, _, err := l.get(sec, "redirect_stderr", "false", here, true)
	if err != nil {
		return nil, err
	}
	redirect, err := boolean(rs)
	if err != nil {
		return nil, l.errAt(sec, "redirect_stderr", err)
	}
	if redirect {
		return nil, l.errAt(sec, "redirect_stderr", valueErrorf("[%s] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol", sec.name))
	}
	procs, err := l.processes(sec, name)
	if err != nil {
		return nil, err
	}
	return &Group{Name: name, Kind: EventListenerPool, Priority: prio, Processes: procs,
		Events: events, BufferSize: bufSize, ResultHandler: handler}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var tcpSocketRE = regexp.MustCompile(`^tcp://([^\s:]+):(\d+)$`)

func (l *loader) fcgiGroup(sec *iniSection) (*Group, error) {
	here := expansions{"here": strVal(l.here)}
	_, after, _ := strings.Cut(sec.name, ":")
	name, err := processOrGroupName(after)
	if err != nil {
		return nil, l.errAt(sec, "", err)
	}
	prio, err := l.intOption(sec, "priority", "999", here)
	if err != nil {
		return nil, err
	}
	procUID := -1
	if u, set, err := l.getOpt(sec, "user", here); err != nil {
		return nil, err
	} else if set {
		if procUID, err = nameToUID(u); err != nil {
			return nil, l.errAt(sec, "user", err)
		}
	}
	sock := &FCGISocket{OwnerUID: -1, OwnerGID: -1, Mode: -1, Backlog: -1}
	if v, set, err := l.getOpt(sec, "socket_backlog", here); err != nil {
		return nil, err
	} else if set {
		n, err := integer(v)
		if err != nil {
			return nil, l.errAt(sec, "socket_backlog", err)
		}
		if n < 1 || n > 65535 {
			return nil, l.errAt(sec, "socket_backlog", valueErrorf("Invalid socket_backlog value %d", n))
		}
		sock.Backlog = n
	}
	ownerSet := false
	if v, set, err := l.getOpt(sec, "socket_owner", here); err != nil {
		return nil, err
	} else if set {
		if sock.OwnerUID, sock.OwnerGID, err = colonSeparatedUserGroup(v); err != nil {
			return nil, l.errAt(sec, "socket_owner", valueErrorf("Invalid socket_owner value %s", v))
		}
		ownerSet = true
	}
	modeSet := false
	if v, set, err := l.getOpt(sec, "socket_mode", here); err != nil {
		return nil, err
	} else if set {
		if sock.Mode, err = octalType(v); err != nil {
			return nil, l.errAt(sec, "socket_mode", valueErrorf("Invalid socket_mode value %s", v))
		}
		modeSet = true
	}
	vars := expansions{"program_name": strVal(name), "here": strVal(l.here)}
	url, _, err := l.getOpt(sec, "socket", vars)
	if err != nil {
		return nil, err
	}
	if url == "" {
		return nil, l.errAt(sec, "socket", valueErrorf("[%s] section requires a \"socket\" line", sec.name))
	}
	sockErr := func(msg string) error {
		return l.errAt(sec, "socket", valueErrorf("%s in [%s] socket", msg, sec.name))
	}
	if path, ok := strings.CutPrefix(url, "unix://"); ok {
		if !strings.HasPrefix(path, "/") {
			// Supervisor builds this ValueError with two arguments, so its
			// text is the tuple's repr.
			return nil, sockErr(fmt.Sprintf("(%s, %s)", pyfmt.Repr("Unix socket path %s is not an absolute path"), pyfmt.Repr(path)))
		}
		sock.URL = "unix://" + l.normalizePath(path)
		if !ownerSet && procUID >= 0 && procUID != os.Getuid() {
			sock.OwnerUID, sock.OwnerGID = procUID, gidForUID(procUID)
		}
		if !modeSet {
			sock.Mode = 0o700
		}
	} else {
		if ownerSet || modeSet {
			return nil, sockErr("socket_owner and socket_mode params should only be used with a Unix domain socket")
		}
		m := tcpSocketRE.FindStringSubmatch(url)
		if m == nil {
			return nil, sockErr(fmt.Sprintf("(%s, %s)", pyfmt.Repr("Bad socket format %s"), pyfmt.Repr(url)))
		}
		port, err := portNumber(m[2])
		if err != nil {
			return nil, sockErr(err.Error())
		}
		sock.URL = fmt.Sprintf("tcp://%s:%d", strings.ToLower(m[1]), port)
	}
	procs, err := l.processes(sec, name)
	if err != nil {
		return nil, err
	}
	return &Group{Name: name, Kind: FCGIGroup, Priority: prio, Processes: procs, Socket: sock}, nil
}
