package wire

import (
	"fmt"
)

// Message is one publication or notification: the two arguments of
// supervisor.sendRemoteCommEvent, decoded.
//
// Body holds the typed payload for Code:
//
//	publication  TICK               Tick
//	             PROCESS            ProcessEvent
//	             PROCESS_ADDED      LocalProcessInfo
//	             PROCESS_REMOVED    ProcessRemoved
//	             PROCESS_DISABILITY LocalProcessInfo
//	             HOST_STATISTICS    HostStatistics
//	             PROCESS_STATISTICS ProcessStatistics
//	             STATE              StateModes
//	notification IDENTIFICATION     Identification, or nil (null: the getter failed)
//	             AUTHORIZATION      AuthorizationResult
//	             STATE              StateModes
//	             ALL_INFO           ProcessInfoList, or nil (null: the getter failed)
//	             DISCOVERY          Discovery
//	             INSTANCE_FAILURE   nil
type Message struct {
	Type   string // TypePublication or TypeNotification
	Origin Origin
	Code   int // a PublicationKind or a NotificationKind, after Type
	Body   any
}

// NewPublication builds a publication message.
func NewPublication(origin Origin, kind PublicationKind, body any) Message {
	return Message{Type: TypePublication, Origin: origin, Code: int(kind), Body: body}
}

// NewNotification builds a notification message.
func NewNotification(origin Origin, kind NotificationKind, body any) Message {
	return Message{Type: TypeNotification, Origin: origin, Code: int(kind), Body: body}
}

// IsPublication reports whether m is a publication.
func (m Message) IsPublication() bool { return m.Type == TypePublication }

// Publication returns the publication kind, and false for a notification.
func (m Message) Publication() (PublicationKind, bool) {
	return PublicationKind(m.Code), m.Type == TypePublication
}

// Notification returns the notification kind, and false for a publication.
func (m Message) Notification() (NotificationKind, bool) {
	return NotificationKind(m.Code), m.Type == TypeNotification
}

// KindName is the enum name of the message kind (TICK, AUTHORIZATION...).
func (m Message) KindName() string {
	if m.Type == TypeNotification {
		return NotificationKind(m.Code).String()
	}
	return PublicationKind(m.Code).String()
}

// Encode returns the data argument of sendRemoteCommEvent: the JSON text
// [origin, [code, body]], byte for byte as Python's json.dumps writes it.
func (m Message) Encode() (string, error) {
	body, err := m.bodyValue()
	if err != nil {
		return "", err
	}
	out, err := appendJSON(nil, []any{m.Origin.value(), []any{int64(m.Code), body}})
	return string(out), err
}

// Params returns the parameters of the sendRemoteCommEvent call that
// carries m.
func (m Message) Params() ([]any, error) {
	data, err := m.Encode()
	if err != nil {
		return nil, err
	}
	return []any{m.Type, data}, nil
}

func (m Message) bodyValue() (any, error) {
	bad := func() error {
		return fmt.Errorf("wire: %s %s cannot carry a %T", m.Type, m.KindName(), m.Body)
	}
	switch m.Type {
	case TypePublication:
		switch PublicationKind(m.Code) {
		case PublicationTick:
			if b, ok := m.Body.(Tick); ok {
				return b.object(), nil
			}
		case PublicationProcess:
			if b, ok := m.Body.(ProcessEvent); ok {
				return b.object(), nil
			}
		case PublicationProcessAdded, PublicationProcessDisability:
			if b, ok := m.Body.(LocalProcessInfo); ok {
				return b.object(), nil
			}
		case PublicationProcessRemoved:
			if b, ok := m.Body.(ProcessRemoved); ok {
				return b.object(), nil
			}
		case PublicationHostStatistics:
			if b, ok := m.Body.(HostStatistics); ok {
				return b.object(), nil
			}
		case PublicationProcessStatistics:
			if b, ok := m.Body.(ProcessStatistics); ok {
				return b.object(), nil
			}
		case PublicationState:
			if b, ok := m.Body.(StateModes); ok {
				return b.object(), nil
			}
		default:
			return nil, fmt.Errorf("wire: unknown publication code %d", m.Code)
		}
	case TypeNotification:
		switch NotificationKind(m.Code) {
		case NotificationIdentification:
			if m.Body == nil {
				return nil, nil
			}
			if b, ok := m.Body.(Identification); ok {
				return b.object(), nil
			}
		case NotificationAuthorization:
			if b, ok := m.Body.(AuthorizationResult); ok {
				return b.object(), nil
			}
		case NotificationState:
			if b, ok := m.Body.(StateModes); ok {
				return b.object(), nil
			}
		case NotificationAllInfo:
			if m.Body == nil {
				return nil, nil
			}
			if b, ok := m.Body.(ProcessInfoList); ok {
				return b.value(), nil
			}
		case NotificationDiscovery:
			if _, ok := m.Body.(Discovery); ok {
				return []any{}, nil
			}
		case NotificationInstanceFailure:
			if m.Body == nil {
				return nil, nil
			}
		default:
			return nil, fmt.Errorf("wire: unknown notification code %d", m.Code)
		}
	default:
		return nil, fmt.Errorf("wire: unknown event type %q", m.Type)
	}
	return nil, bad()
}

// Decode parses the two arguments of a sendRemoteCommEvent call. An event
// type other than Supvisors' two is an error (a plain Supervisor remote
// communication event is not ours to read).
func Decode(eventType, data string) (Message, error) {
	m := Message{Type: eventType}
	if eventType != TypePublication && eventType != TypeNotification {
		return m, fmt.Errorf("wire: unknown event type %q", eventType)
	}
	v, err := parseJSON([]byte(data))
	if err != nil {
		return m, err
	}
	outer, ok := v.([]any)
	if !ok || len(outer) != 2 {
		return m, fmt.Errorf("wire: message is not an [origin, [code, body]] list")
	}
	if m.Origin, err = originFrom(outer[0]); err != nil {
		return m, err
	}
	inner, ok := outer[1].([]any)
	if !ok || len(inner) != 2 {
		return m, fmt.Errorf("wire: message content is not a [code, body] list")
	}
	code, ok := asInt(inner[0])
	if !ok || code < 0 || code > 255 {
		return m, fmt.Errorf("wire: message code is not a small int")
	}
	m.Code = int(code)
	body := inner[1]
	if eventType == TypePublication {
		m.Body, err = decodePublication(PublicationKind(code), body)
	} else {
		m.Body, err = decodeNotification(NotificationKind(code), body)
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w", eventType, m.KindName(), err)
	}
	return m, nil
}

func decodePublication(kind PublicationKind, body any) (any, error) {
	switch kind {
	case PublicationTick:
		return tickFrom(body)
	case PublicationProcess:
		return processEventFrom(body)
	case PublicationProcessAdded, PublicationProcessDisability:
		return localProcessInfoFrom(body)
	case PublicationProcessRemoved:
		return processRemovedFrom(body)
	case PublicationHostStatistics:
		return hostStatisticsFrom(body)
	case PublicationProcessStatistics:
		return processStatisticsFrom(body)
	case PublicationState:
		return stateModesFrom(body)
	}
	return nil, fmt.Errorf("wire: unknown publication code %d", int(kind))
}

func decodeNotification(kind NotificationKind, body any) (any, error) {
	switch kind {
	case NotificationIdentification:
		if body == nil {
			return nil, nil
		}
		return identificationFrom(body)
	case NotificationAuthorization:
		return authorizationFrom(body)
	case NotificationState:
		return stateModesFrom(body)
	case NotificationAllInfo:
		if body == nil {
			return nil, nil
		}
		return processInfoListFrom(body)
	case NotificationDiscovery:
		if arr, ok := body.([]any); !ok || len(arr) != 0 {
			return nil, fmt.Errorf("wire: DISCOVERY body is not []")
		}
		return Discovery{}, nil
	case NotificationInstanceFailure:
		if body != nil {
			return nil, fmt.Errorf("wire: INSTANCE_FAILURE body is not null")
		}
		return nil, nil
	}
	return nil, fmt.Errorf("wire: unknown notification code %d", int(kind))
}
