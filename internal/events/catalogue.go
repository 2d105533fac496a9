package events

// parentOf is Supervisor's event type hierarchy (the Python class tree of
// supervisor.events, plus the types Supvisors registers): each concrete or
// abstract type name maps to its direct parent; EVENT is the root.
var parentOf = map[string]string{
	"PROCESS_STATE":          "EVENT",
	"PROCESS_STATE_STOPPED":  "PROCESS_STATE",
	"PROCESS_STATE_EXITED":   "PROCESS_STATE",
	"PROCESS_STATE_STARTING": "PROCESS_STATE",
	"PROCESS_STATE_STOPPING": "PROCESS_STATE",
	"PROCESS_STATE_BACKOFF":  "PROCESS_STATE",
	"PROCESS_STATE_FATAL":    "PROCESS_STATE",
	"PROCESS_STATE_RUNNING":  "PROCESS_STATE",
	"PROCESS_STATE_UNKNOWN":  "PROCESS_STATE",

	"PROCESS_COMMUNICATION":        "EVENT",
	"PROCESS_COMMUNICATION_STDOUT": "PROCESS_COMMUNICATION",
	"PROCESS_COMMUNICATION_STDERR": "PROCESS_COMMUNICATION",

	"PROCESS_LOG":        "EVENT",
	"PROCESS_LOG_STDOUT": "PROCESS_LOG",
	"PROCESS_LOG_STDERR": "PROCESS_LOG",

	"REMOTE_COMMUNICATION": "EVENT",

	"SUPERVISOR_STATE_CHANGE":          "EVENT",
	"SUPERVISOR_STATE_CHANGE_RUNNING":  "SUPERVISOR_STATE_CHANGE",
	"SUPERVISOR_STATE_CHANGE_STOPPING": "SUPERVISOR_STATE_CHANGE",

	"TICK":      "EVENT",
	"TICK_5":    "TICK",
	"TICK_60":   "TICK",
	"TICK_3600": "TICK",

	"PROCESS_GROUP":         "EVENT",
	"PROCESS_GROUP_ADDED":   "PROCESS_GROUP",
	"PROCESS_GROUP_REMOVED": "PROCESS_GROUP",

	// Supvisors' additions: PROCESS is not a parent of PROCESS_STATE.
	"PROCESS":          "EVENT",
	"PROCESS_ADDED":    "PROCESS",
	"PROCESS_REMOVED":  "PROCESS",
	"PROCESS_ENABLED":  "PROCESS",
	"PROCESS_DISABLED": "PROCESS",
}

// abstractTypes are the type names that no event carries as its own name:
// subscribing to one means subscribing to all its descendants.
var abstractTypes = map[string]bool{
	"EVENT": true, "PROCESS_STATE": true, "PROCESS_COMMUNICATION": true,
	"PROCESS_LOG": true, "SUPERVISOR_STATE_CHANGE": true, "TICK": true,
	"PROCESS_GROUP": true, "PROCESS": true,
}

// KnownType tells whether name is an event type name of the catalogue
// (abstract or concrete, Supvisors' included).
func KnownType(name string) bool {
	return name == "EVENT" || parentOf[name] != ""
}

// IsAbstract tells whether name is an abstract type (never an event's own
// name).
func IsAbstract(name string) bool { return abstractTypes[name] }

// IsA tells whether an event named eventName is of type typeName: the same
// type or one of its ancestors, as Python's isinstance does for
// Supervisor's event classes.
func IsA(eventName, typeName string) bool {
	for n := eventName; n != ""; n = parentOf[n] {
		if n == typeName {
			return true
		}
		if n == "EVENT" {
			return false
		}
	}
	return false
}

// Subscriptions counts how many of the subscribed type names ev is an
// instance of. Supervisor registers one callback per name of an events=
// line, so an event matching two of them (EVENT and PROCESS_STATE) is
// queued twice in the pool: the count is that number.
func Subscriptions(subscribed []string, eventName string) int {
	n := 0
	for _, t := range subscribed {
		if IsA(eventName, t) {
			n++
		}
	}
	return n
}

// ProcessChange is one of the four events Supvisors adds about processes:
// PROCESS_ADDED, PROCESS_REMOVED, PROCESS_ENABLED, PROCESS_DISABLED.
type ProcessChange struct {
	Change      string // "ADDED", "REMOVED", "ENABLED" or "DISABLED"
	ProcessName string
	GroupName   string
}

// Name implements Event.
func (e ProcessChange) Name() string { return "PROCESS_" + e.Change }

// Payload implements Event: Supvisors' format, trailing space included.
func (e ProcessChange) Payload() string {
	return "processname:" + e.ProcessName + " groupname:" + e.GroupName + " "
}
