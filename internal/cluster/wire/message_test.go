package wire

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

var originA = Origin{Identifier: "supvhost:61000", NickIdentifier: "A", IPAddress: "198.18.0.1", HTTPPort: 61000}

func sampleProcessInfo() LocalProcessInfo {
	return LocalProcessInfo{Name: "worker", Group: "demo", State: 0, StateName: "STOPPED",
		Now: 1795468465, Description: "Not started", Expected: true, NowMonotonic: 3163.27120444,
		StartSecs: 1, StopWaitSecs: 10, ProgramName: "worker", HasStdout: true, HasStderr: true}
}

// Each message below is written the way the spec quotes Python's output;
// building it from Go values must give those exact bytes, and decoding
// them must give the Go values back.
func TestMessagesBuiltInGo(t *testing.T) {
	added := sampleProcessInfo()
	added.Extra = Object{{"local_mtime", 3163.3}, {"event_time", 3163.27120444}, {"uptime", int64(0)}, {"has_crashed", false}}
	nonNil := sampleProcessInfo()
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"tick", NewPublication(originA, PublicationTick, Tick{When: 1795468495, WhenMonotonic: 3193.167628272}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [0, {"when": 1795468495, "when_monotonic": 3193.167628272, "sequence_counter": 0}]]`},
		{"process", NewPublication(originA, PublicationProcess, ProcessEvent{Identifier: "supvhost:61000",
			NickIdentifier: "A", Name: "p1", Group: "chain", State: 20, Now: 1795468991.9652376,
			NowMonotonic: 3690.084694152, PID: 24962, Expected: true}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [1, {"identifier": "supvhost:61000", "nick_identifier": "A", "name": "p1", "group": "chain", "state": 20, "now": 1795468991.9652376, "now_monotonic": 3690.084694152, "pid": 24962, "expected": true, "spawnerr": "", "extra_args": "", "disabled": false}]]`},
		{"forced process", NewPublication(originA, PublicationProcess, ProcessEvent{Forced: true,
			Name: "p1", Group: "chain", State: 200, Now: 1795468991.5, NowMonotonic: 3690.0,
			Spawnerr: "no resource available"}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [1, {"identifier": "", "nick_identifier": "", "group": "chain", "name": "p1", "state": 200, "forced": true, "now": 1795468991.5, "now_monotonic": 3690.0, "pid": 0, "expected": false, "spawnerr": "no resource available", "extra_args": ""}]]`},
		{"process added", NewPublication(originA, PublicationProcessAdded, added),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [2, {"name": "worker", "group": "demo", "state": 0, "statename": "STOPPED", "start": 0, "stop": 0, "now": 1795468465, "pid": 0, "description": "Not started", "spawnerr": "", "expected": true, "start_monotonic": 0.0, "stop_monotonic": 0.0, "now_monotonic": 3163.27120444, "extra_args": "", "startsecs": 1, "stopwaitsecs": 10, "process_index": 0, "program_name": "worker", "disabled": false, "has_stdout": true, "has_stderr": true, "local_mtime": 3163.3, "event_time": 3163.27120444, "uptime": 0, "has_crashed": false}]]`},
		{"process removed", NewPublication(originA, PublicationProcessRemoved, ProcessRemoved{Name: "pool_1", Group: "demo"}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [3, {"name": "pool_1", "group": "demo"}]]`},
		{"process disability", NewPublication(originA, PublicationProcessDisability, nonNil),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [4, {"name": "worker", "group": "demo", "state": 0, "statename": "STOPPED", "start": 0, "stop": 0, "now": 1795468465, "pid": 0, "description": "Not started", "spawnerr": "", "expected": true, "start_monotonic": 0.0, "stop_monotonic": 0.0, "now_monotonic": 3163.27120444, "extra_args": "", "startsecs": 1, "stopwaitsecs": 10, "process_index": 0, "program_name": "worker", "disabled": false, "has_stdout": true, "has_stderr": true}]]`},
		{"host statistics", NewPublication(originA, PublicationHostStatistics, HostStatistics{Now: 3686.242728194,
			CPU: [][2]float64{{683.095, 2985.43}}, Mem: 2.3, NetIO: []Counters{{"lo", [2]int64{2876712314, 2876712314}}},
			DiskUsage: []Percent{{"/", 14.7}}, DiskIO: []Counters{{"vda", [2]int64{0, 0}}}}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [5, {"now": 3686.242728194, "cpu": [[683.095, 2985.43]], "mem": 2.3, "net_io": {"lo": [2876712314, 2876712314]}, "disk_usage": {"/": 14.7}, "disk_io": {"vda": [0, 0]}}]]`},
		{"process statistics stopped", NewPublication(originA, PublicationProcessStatistics, ProcessStatistics{Namespec: "demo:worker", Now: 3.5}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [6, {"namespec": "demo:worker", "pid": 0, "now": 3.5}]]`},
		{"supervisord statistics", NewPublication(originA, PublicationProcessStatistics, ProcessStatistics{Namespec: SupervisordNamespec, PID: 7, Now: 3.5, NbCores: 2, ProcWork: 0.38, ProcMemory: 0.5}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [6, {"namespec": "supervisord", "pid": 7, "now": 3.5, "nb_cores": 2, "proc_work": 0.38, "proc_memory": 0.5}]]`},
		{"state", NewPublication(originA, PublicationState, StateModes{Identifier: "supvhost:62000", NickIdentifier: "B",
			NowMonotonic: 3198.210677021, FSMStateCode: 4, FSMStateName: "OPERATION", DegradedMode: true,
			MasterIdentifier: "supvhost:62000", InstanceStates: []InstanceState{{"supvhost:61000", "CHECKED"}, {"supvhost:62000", "RUNNING"}}}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [7, {"identifier": "supvhost:62000", "nick_identifier": "B", "now_monotonic": 3198.210677021, "fsm_statecode": 4, "fsm_statename": "OPERATION", "degraded_mode": true, "discovery_mode": false, "master_identifier": "supvhost:62000", "starting_jobs": false, "stopping_jobs": false, "instance_states": {"supvhost:61000": "CHECKED", "supvhost:62000": "RUNNING"}}]]`},
		{"identification", NewNotification(originA, NotificationIdentification, Identification{Info: NetworkInfo{
			Identifier: "supvhost:61000", NickIdentifier: "A", HostID: "supvhost", HTTPPort: 61000, Stereotypes: []string{"@A-TAG"},
			Network: &NetworkAddress{MachineID: "02:fc:00:00:00:01", FQDN: "supvhost", Addresses: []NicAddress{{Nic: "eth0",
				HostName: "supvhost", IPv4Addresses: []string{"198.18.0.1"}}}}}, NowMonotonic: 1.5}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [0, {"identifier": "supvhost:61000", "nick_identifier": "A", "host_id": "supvhost", "http_port": 61000, "stereotypes": ["@A-TAG"], "network": {"machine_id": "02:fc:00:00:00:01", "fqdn": "supvhost", "addresses": {"eth0": {"host_name": "supvhost", "aliases": [], "ipv4_addresses": ["198.18.0.1"], "nic_info": null}}}, "now_monotonic": 1.5}]]`},
		{"failed identification", NewNotification(originA, NotificationIdentification, nil),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [0, null]]`},
		{"authorization", NewNotification(originA, NotificationAuthorization, AuthorizationResult{Authorized, 3163.260603409}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [1, {"authorization": 1, "now_monotonic": 3163.260603409}]]`},
		{"all info", NewNotification(originA, NotificationAllInfo, ProcessInfoList{}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [3, []]]`},
		{"failed all info", NewNotification(originA, NotificationAllInfo, nil),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [3, null]]`},
		{"discovery", NewNotification(originA, NotificationDiscovery, Discovery{}),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [4, []]]`},
		{"instance failure", NewNotification(originA, NotificationInstanceFailure, nil),
			`[["supvhost:61000", "A", ["198.18.0.1", 61000]], [5, null]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Encode:\n got %s\nwant %s", got, tt.want)
			}
			back, err := Decode(tt.msg.Type, got)
			if err != nil {
				t.Fatal(err)
			}
			// Decoding fills empty lists where Go had nil ones; compare
			// through a second encoding, then the values themselves.
			again, _ := back.Encode()
			if again != got {
				t.Errorf("second encoding differs: %s", again)
			}
			params, err := back.Params()
			if err != nil || params[0] != tt.msg.Type || params[1] != got {
				t.Errorf("Params = %v, %v", params, err)
			}
		})
	}
}

func TestDecodeKeepsTypedValues(t *testing.T) {
	m, err := Decode(TypePublication, `[["h:1", "n", ["10.0.0.1", 1]], [1, {"identifier": "h:1", "nick_identifier": "n", "name": "p", "group": "g", "state": 100, "now": 5, "now_monotonic": 1.25, "pid": 0, "expected": false, "spawnerr": "", "extra_args": "-x", "disabled": true, "event_mtime": 2.0}]]`)
	if err != nil {
		t.Fatal(err)
	}
	want := ProcessEvent{Identifier: "h:1", NickIdentifier: "n", Name: "p", Group: "g", State: 100,
		Now: 5, NowMonotonic: 1.25, ExtraArgs: "-x", Disabled: true, Extra: Object{{"event_mtime", 2.0}}}
	if !reflect.DeepEqual(m.Body, want) {
		t.Errorf("Body = %#v", m.Body)
	}
	if k, ok := m.Publication(); !ok || k != PublicationProcess || m.KindName() != "PROCESS" || !m.IsPublication() {
		t.Errorf("kind = %v %v %s", k, ok, m.KindName())
	}
	if _, ok := m.Notification(); ok {
		t.Error("a publication claims to be a notification")
	}
	if m.Origin != (Origin{"h:1", "n", "10.0.0.1", 1}) {
		t.Errorf("Origin = %+v", m.Origin)
	}
}

func TestDecodeErrors(t *testing.T) {
	const origin = `["h:1", "n", ["10.0.0.1", 1]]`
	tests := []struct{ eventType, data, wantErr string }{
		{"Other", `[]`, "unknown event type"},
		{TypePublication, `{}`, "not an [origin"},
		{TypePublication, `[[1, 2, 3], [0, {}]]`, "origin"},
		{TypePublication, `[["h", "n", ["ip", "port"]], [0, {}]]`, "origin address"},
		{TypePublication, `[` + origin + `, [8, {}]]`, "unknown publication code 8"},
		{TypeNotification, `[` + origin + `, [6, null]]`, "unknown notification code 6"},
		{TypePublication, `[` + origin + `, [-1, {}]]`, "small int"},
		{TypePublication, `[` + origin + `, [0, {"when": 1, "when_monotonic": 2.0}]]`, `no "sequence_counter"`},
		{TypePublication, `[` + origin + `, [0, {"when": 1.5, "when_monotonic": 2.0, "sequence_counter": 0}]]`, `"when" is a float, not an int`},
		{TypePublication, `[` + origin + `, [0, []]]`, "not a dict"},
		{TypePublication, `[` + origin + `, [3, {"name": "x", "group": true}]]`, "not a string"},
		{TypePublication, `[` + origin + `, [5, {"now": 1.0, "mem": 1.0, "cpu": [[1.0]], "net_io": {}, "disk_usage": {}, "disk_io": {}}]]`, "cpu[0]"},
		{TypePublication, `[` + origin + `, [7, {"identifier": "h", "nick_identifier": "n", "now_monotonic": 1.0, "fsm_statecode": 0, "fsm_statename": "OFF", "degraded_mode": false, "discovery_mode": false, "master_identifier": "", "starting_jobs": [], "stopping_jobs": false, "instance_states": {}}]]`, "not a bool"},
		{TypeNotification, `[` + origin + `, [4, {}]]`, "DISCOVERY body"},
		{TypeNotification, `[` + origin + `, [5, 1]]`, "INSTANCE_FAILURE body"},
		{TypeNotification, `[` + origin + `, [3, [1]]]`, "item 0"},
	}
	for _, tt := range tests {
		_, err := Decode(tt.eventType, tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Decode(%s) error = %v, want %q", tt.data, err, tt.wantErr)
		}
	}
}

func TestEncodeRejectsMismatchedBody(t *testing.T) {
	for _, m := range []Message{
		NewPublication(originA, PublicationTick, ProcessRemoved{}),
		NewPublication(originA, PublicationState, nil),
		NewPublication(originA, PublicationKind(9), Tick{}),
		NewNotification(originA, NotificationInstanceFailure, Discovery{}),
		NewNotification(originA, NotificationKind(7), nil),
		{Type: "Other", Origin: originA},
	} {
		if s, err := m.Encode(); err == nil {
			t.Errorf("Encode(%+v) = %s, want an error", m, s)
		}
	}
}

func TestAnnouncement(t *testing.T) {
	a := Announcement{Identifier: "supvhost:61000", NickIdentifier: "A", HostID: "supvhost", HTTPPort: 61000, Stereotypes: []string{"@A-TAG"}}
	out, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	const want = `[4, {"identifier": "supvhost:61000", "nick_identifier": "A", "host_id": "supvhost", "http_port": 61000, "stereotypes": ["@A-TAG"]}]`
	if string(out) != want {
		t.Fatalf("Encode = %s", out)
	}
	back, err := DecodeAnnouncement(out)
	if err != nil || !reflect.DeepEqual(back, a) {
		t.Errorf("DecodeAnnouncement = %+v, %v", back, err)
	}
	if _, err := DecodeAnnouncement(out[:len(out)-3]); err == nil {
		t.Error("a cut datagram was accepted")
	}
}

func TestEnumNames(t *testing.T) {
	if PublicationState.String() != "STATE" || PublicationKind(8).String() != "PublicationKind(8)" ||
		NotificationInstanceFailure.String() != "INSTANCE_FAILURE" || NotificationKind(-1).String() != "NotificationKind(-1)" ||
		Inconsistent.String() != "INCONSISTENT" || Authorization(4).String() != "Authorization(4)" {
		t.Error("enum names")
	}
	if RequestStartProcess.RequestMethod() != "supvisors.start_args" || RequestCheckInstance.RequestMethod() != "" ||
		RequestShutdownAll.RequestMethod() != "supvisors.shutdown" {
		t.Error("request methods")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(TypePublication, `[["h:1", "n", ["10.0.0.1", 1]], [0, {"when": 1, "when_monotonic": 2.0, "sequence_counter": 3}]]`)
	f.Add(TypeNotification, `[["h:1", "n", ["10.0.0.1", 1]], [3, [{"name": "x"}]]]`)
	f.Add(TypeNotification, `[["h:1", "n", ["10.0.0.1", 1]], [0, {"identifier": "h", "network": {"addresses": {"lo": {}}}}]]`)
	f.Add(TypePublication, `[["h:1", "n", ["10.0.0.1", 1]], [5, {"now": NaN, "cpu": [[1, 2]], "mem": -Infinity, "net_io": {"a": [1, 2]}, "disk_usage": {"/": 1}, "disk_io": {}}]]`)
	f.Fuzz(func(t *testing.T, eventType, data string) {
		m, err := Decode(eventType, data)
		if err != nil {
			return
		}
		// Whatever decodes must encode, and decode again to the same
		// encoding.
		out, err := m.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded message: %v", err)
		}
		m2, err := Decode(eventType, out)
		if err != nil {
			t.Fatalf("Decode(%s): %v", out, err)
		}
		if out2, _ := m2.Encode(); out2 != out {
			t.Fatalf("unstable encoding:\n%s\n%s", out, out2)
		}
	})
}

func FuzzDecodeAnnouncement(f *testing.F) {
	f.Add([]byte(`[4, {"identifier": "h:1", "nick_identifier": "A", "host_id": "h", "http_port": 1, "stereotypes": []}]`))
	f.Fuzz(func(t *testing.T, datagram []byte) {
		a, err := DecodeAnnouncement(datagram)
		if err != nil {
			return
		}
		if _, err := a.Encode(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInstanceInfoCapsTimes(t *testing.T) {
	s, err := InstanceInfo{RemoteTime: 1 << 40, LocalTime: -(1 << 40)}.XMLRPC()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("remote_time"); v != math.MaxInt32 {
		t.Errorf("remote_time = %v", v)
	}
	if v, _ := s.Get("local_time"); v != math.MinInt32 {
		t.Errorf("local_time = %v", v)
	}
}

func TestNullCannotTravelOverXMLRPC(t *testing.T) {
	n := NetworkInfo{Network: &NetworkAddress{Addresses: []NicAddress{{Nic: "eth0"}}}}
	if _, err := n.XMLRPC(); err == nil {
		t.Error("a nil nic_info was accepted for XML-RPC")
	}
}
