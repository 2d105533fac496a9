package wire

import (
	"fmt"
	"math"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// This file gives the answers of the supvisors.* getters used by the
// handshake their XML-RPC form, both ways: XMLRPC() builds the value a
// server returns (xmlrpc.Struct members in Supvisors' order, so the XML
// matches Python's), and the ...FromXMLRPC functions read what a client's
// xmlrpc.DecodeResponse gave back (map[string]any, []any, int...).

func objectToXMLRPC(o Object) (xmlrpc.Struct, error) {
	v, err := toXMLRPC(o)
	if err != nil {
		return nil, err
	}
	return v.(xmlrpc.Struct), nil
}

// InstanceInfo is one item of get_instance_info and get_all_instances_info:
// how the answering instance sees one Supvisors instance. The handshake
// only reads StateCode (5, ISOLATED, means the caller is fenced).
type InstanceInfo struct {
	Identifier            string
	NickIdentifier        string
	NodeName              string
	Port                  int
	StateCode             int
	StateName             string
	Loading               int
	ProcessFailure        bool
	RemoteSequenceCounter int64
	RemoteTime            int64 // POSIX seconds, capped to 32 bits by Supvisors
	RemoteMtime           float64
	LocalSequenceCounter  int64
	LocalTime             int64
	LocalMtime            float64
	Extra                 Object
}

var instanceInfoKeys = []string{"identifier", "nick_identifier", "node_name", "port", "statecode",
	"statename", "loading", "process_failure", "remote_sequence_counter", "remote_time",
	"remote_mtime", "local_sequence_counter", "local_time", "local_mtime"}

func (i InstanceInfo) object() Object {
	o := Object{{"identifier", i.Identifier}, {"nick_identifier", i.NickIdentifier},
		{"node_name", i.NodeName}, {"port", int64(i.Port)}, {"statecode", int64(i.StateCode)},
		{"statename", i.StateName}, {"loading", int64(i.Loading)},
		{"process_failure", i.ProcessFailure}, {"remote_sequence_counter", i.RemoteSequenceCounter},
		{"remote_time", CappedInt(i.RemoteTime)}, {"remote_mtime", i.RemoteMtime},
		{"local_sequence_counter", i.LocalSequenceCounter}, {"local_time", CappedInt(i.LocalTime)},
		{"local_mtime", i.LocalMtime}}
	return append(o, i.Extra...)
}

// XMLRPC returns the struct as a server sends it.
func (i InstanceInfo) XMLRPC() (xmlrpc.Struct, error) { return objectToXMLRPC(i.object()) }

// InstanceInfoFromXMLRPC reads one instance info struct.
func InstanceInfoFromXMLRPC(v any) (i InstanceInfo, err error) {
	r, err := newRecord("instance info", v)
	if err != nil {
		return i, err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"identifier", &i.Identifier}, {"nick_identifier", &i.NickIdentifier},
		{"node_name", &i.NodeName}, {"statename", &i.StateName}} {
		if *f.dst, err = r.str(f.key); err != nil {
			return i, err
		}
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"port", &i.Port}, {"statecode", &i.StateCode}, {"loading", &i.Loading}} {
		if *f.dst, err = r.integerInt(f.key); err != nil {
			return i, err
		}
	}
	for _, f := range []struct {
		key string
		dst *int64
	}{{"remote_sequence_counter", &i.RemoteSequenceCounter}, {"remote_time", &i.RemoteTime},
		{"local_sequence_counter", &i.LocalSequenceCounter}, {"local_time", &i.LocalTime}} {
		if *f.dst, err = r.integer(f.key); err != nil {
			return i, err
		}
	}
	if i.RemoteMtime, err = r.float("remote_mtime"); err != nil {
		return i, err
	}
	if i.LocalMtime, err = r.float("local_mtime"); err != nil {
		return i, err
	}
	if i.ProcessFailure, err = r.boolean("process_failure"); err != nil {
		return i, err
	}
	i.Extra = r.extra(instanceInfoKeys...)
	return i, nil
}

// CappedInt clamps v to XML-RPC's 32-bit <int> range, as Supervisor does
// for the POSIX times it returns (and Supvisors for remote_time and
// local_time), so that the answer stays readable by strict clients.
func CappedInt(v int64) int64 {
	return min(max(v, math.MinInt32), math.MaxInt32)
}

// InstanceInfoList is the answer of get_instance_info (one item per
// matching instance) and get_all_instances_info.
type InstanceInfoList []InstanceInfo

// XMLRPC returns the array as a server sends it.
func (l InstanceInfoList) XMLRPC() ([]any, error) {
	out := make([]any, len(l))
	for n, i := range l {
		s, err := i.XMLRPC()
		if err != nil {
			return nil, err
		}
		out[n] = s
	}
	return out, nil
}

// InstanceInfoListFromXMLRPC reads an array of instance info structs.
func InstanceInfoListFromXMLRPC(v any) (InstanceInfoList, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("wire: instance info list is %s, not a list", typeName(v))
	}
	out := make(InstanceInfoList, len(arr))
	for n, e := range arr {
		i, err := InstanceInfoFromXMLRPC(e)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", n, err)
		}
		out[n] = i
	}
	return out, nil
}

// Strategies is the answer of get_strategies. The handshake compares it
// for equality with the checker's own: any difference fences the peer.
type Strategies struct {
	AutoFencing      bool
	Starting         string // StartingStrategies name
	Conciliation     string // ConciliationStrategies name
	SupvisorsFailure string // SupvisorsFailureStrategies name
}

// XMLRPC returns the struct as a server sends it.
func (s Strategies) XMLRPC() (xmlrpc.Struct, error) {
	return objectToXMLRPC(Object{{"auto-fencing", s.AutoFencing}, {"starting", s.Starting},
		{"conciliation", s.Conciliation}, {"supvisors_failure", s.SupvisorsFailure}})
}

// StrategiesFromXMLRPC reads a get_strategies answer.
func StrategiesFromXMLRPC(v any) (s Strategies, err error) {
	r, err := newRecord("strategies", v)
	if err != nil {
		return s, err
	}
	if s.AutoFencing, err = r.boolean("auto-fencing"); err != nil {
		return s, err
	}
	if s.Starting, err = r.str("starting"); err != nil {
		return s, err
	}
	if s.Conciliation, err = r.str("conciliation"); err != nil {
		return s, err
	}
	s.SupvisorsFailure, err = r.str("supvisors_failure")
	return s, err
}

// XMLRPC returns the get_network_info answer. A NicInfo left nil cannot
// travel over XML-RPC (Python's marshaller refuses None) and is an error.
func (n NetworkInfo) XMLRPC() (xmlrpc.Struct, error) { return objectToXMLRPC(n.object()) }

// NetworkInfoFromXMLRPC reads a get_network_info answer.
func NetworkInfoFromXMLRPC(v any) (NetworkInfo, error) {
	r, err := newRecord("network info", v)
	if err != nil {
		return NetworkInfo{}, err
	}
	return networkInfoFromRecord(r)
}

// XMLRPC returns one state modes struct, as an item of the
// get_instance_state_modes / get_all_instances_state_modes arrays.
func (s StateModes) XMLRPC() (xmlrpc.Struct, error) { return objectToXMLRPC(s.object()) }

// StateModesFromXMLRPC reads one state modes struct.
func StateModesFromXMLRPC(v any) (StateModes, error) { return stateModesFrom(v) }

// StateModesListFromXMLRPC reads a get_instance_state_modes or
// get_all_instances_state_modes answer. The handshake needs exactly one
// item from get_instance_state_modes; checking that is the caller's job.
func StateModesListFromXMLRPC(v any) ([]StateModes, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("wire: state modes list is %s, not a list", typeName(v))
	}
	out := make([]StateModes, len(arr))
	for n, e := range arr {
		s, err := stateModesFrom(e)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", n, err)
		}
		out[n] = s
	}
	return out, nil
}

// StateModesListXMLRPC returns the array answer of
// get_instance_state_modes / get_all_instances_state_modes.
func StateModesListXMLRPC(list []StateModes) ([]any, error) {
	out := make([]any, len(list))
	for n, s := range list {
		v, err := s.XMLRPC()
		if err != nil {
			return nil, err
		}
		out[n] = v
	}
	return out, nil
}

// XMLRPC returns the get_local_process_info answer.
func (p LocalProcessInfo) XMLRPC() (xmlrpc.Struct, error) { return objectToXMLRPC(p.object()) }

// LocalProcessInfoFromXMLRPC reads a get_local_process_info answer.
func LocalProcessInfoFromXMLRPC(v any) (LocalProcessInfo, error) { return localProcessInfoFrom(v) }

// XMLRPC returns the get_all_local_process_info answer.
func (l ProcessInfoList) XMLRPC() ([]any, error) {
	v, err := toXMLRPC(l.value())
	if err != nil {
		return nil, err
	}
	return v.([]any), nil
}

// ProcessInfoListFromXMLRPC reads a get_all_local_process_info answer.
func ProcessInfoListFromXMLRPC(v any) (ProcessInfoList, error) { return processInfoListFrom(v) }
