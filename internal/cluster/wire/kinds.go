package wire

import "strconv"

// The two event types of sendRemoteCommEvent used by Supvisors.
const (
	// TypePublication marks a message an instance sends to its peers.
	TypePublication = "SupvisorsPublication"
	// TypeNotification marks a message an instance loops back to its own
	// supervisord, about a peer.
	TypeNotification = "SupvisorsNotification"
)

// PublicationKind is Supvisors' PublicationHeaders: the code in front of
// every publication body.
type PublicationKind int

// PublicationHeaders values.
const (
	PublicationTick PublicationKind = iota
	PublicationProcess
	PublicationProcessAdded
	PublicationProcessRemoved
	PublicationProcessDisability
	PublicationHostStatistics
	PublicationProcessStatistics
	PublicationState
)

var publicationNames = [...]string{"TICK", "PROCESS", "PROCESS_ADDED", "PROCESS_REMOVED",
	"PROCESS_DISABILITY", "HOST_STATISTICS", "PROCESS_STATISTICS", "STATE"}

// String returns Supvisors' enum name.
func (k PublicationKind) String() string {
	if k >= 0 && int(k) < len(publicationNames) {
		return publicationNames[k]
	}
	return "PublicationKind(" + strconv.Itoa(int(k)) + ")"
}

// NotificationKind is Supvisors' NotificationHeaders.
type NotificationKind int

// NotificationHeaders values.
const (
	NotificationIdentification NotificationKind = iota
	NotificationAuthorization
	NotificationState
	NotificationAllInfo
	NotificationDiscovery
	NotificationInstanceFailure
)

var notificationNames = [...]string{"IDENTIFICATION", "AUTHORIZATION", "STATE", "ALL_INFO",
	"DISCOVERY", "INSTANCE_FAILURE"}

// String returns Supvisors' enum name.
func (k NotificationKind) String() string {
	if k >= 0 && int(k) < len(notificationNames) {
		return notificationNames[k]
	}
	return "NotificationKind(" + strconv.Itoa(int(k)) + ")"
}

// Authorization is Supvisors' AuthorizationTypes: the outcome of a
// handshake, carried by the AUTHORIZATION notification.
type Authorization int

// AuthorizationTypes values.
const (
	AuthorizationUnknown Authorization = iota
	Authorized
	NotAuthorized
	Inconsistent
)

var authorizationNames = [...]string{"UNKNOWN", "AUTHORIZED", "NOT_AUTHORIZED", "INCONSISTENT"}

// String returns Supvisors' enum name.
func (a Authorization) String() string {
	if a >= 0 && int(a) < len(authorizationNames) {
		return authorizationNames[a]
	}
	return "Authorization(" + strconv.Itoa(int(a)) + ")"
}

// RequestKind is Supvisors' RequestHeaders. Requests never travel as such:
// each becomes one XML-RPC call on the target (see RequestMethod).
type RequestKind int

// RequestHeaders values.
const (
	RequestCheckInstance RequestKind = iota
	RequestStartProcess
	RequestStopProcess
	RequestRestart
	RequestShutdown
	RequestRestartAll
	RequestShutdownAll
)

// RequestMethod is the XML-RPC method a request becomes on the target.
// CHECK_INSTANCE is the sequence of HandshakeMethods instead, so it has
// none.
func (k RequestKind) RequestMethod() string {
	switch k {
	case RequestStartProcess:
		return "supvisors.start_args" // (namespec, extra_args, False)
	case RequestStopProcess:
		return "supervisor.stopProcess" // (namespec, False)
	case RequestRestart:
		return "supervisor.restart"
	case RequestShutdown:
		return "supervisor.shutdown"
	case RequestRestartAll:
		return "supvisors.restart"
	case RequestShutdownAll:
		return "supvisors.shutdown"
	}
	return ""
}

// HandshakeMethods are the calls of a CHECK_INSTANCE, in the order a
// checker issues them. The first and fourth take the checked instance's
// identifier, the second the checker's own; the last two are only made
// when the peer is AUTHORIZED.
var HandshakeMethods = []string{
	"supvisors.get_network_info",
	"supvisors.get_instance_info",
	"supvisors.get_strategies",
	"supvisors.get_instance_state_modes",
	"supvisors.get_all_local_process_info",
}

// RemoteCommMethod is the Supervisor method that carries publications and
// notifications: sendRemoteCommEvent(type, data) with data the JSON text
// built by Message.Encode. It always answers True.
const RemoteCommMethod = "supervisor.sendRemoteCommEvent"

// StartArgsParams are the parameters of the START_PROCESS request:
// supvisors.start_args(namespec, extra_args, wait=False). Its answer is
// not used; progress comes from the PROCESS publications that follow.
func StartArgsParams(namespec, extraArgs string) []any {
	return []any{namespec, extraArgs, false}
}

// StopProcessParams are the parameters of the STOP_PROCESS request:
// supervisor.stopProcess(namespec, wait=False).
func StopProcessParams(namespec string) []any {
	return []any{namespec, false}
}
