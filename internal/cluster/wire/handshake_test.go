package wire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// TestHandshakeOverHTTP plays both sides of a CHECK_INSTANCE with our
// XML-RPC codec over a real socket on 127.0.0.1: a server answering the
// five getters from typed values, and a client reading them back into the
// same types.
func TestHandshakeOverHTTP(t *testing.T) {
	network := NetworkInfo{Identifier: "127.0.0.1:61002", NickIdentifier: "B", HostID: "127.0.0.1", HTTPPort: 61002,
		Stereotypes: []string{}, Network: &NetworkAddress{MachineID: "02:fc:00:00:00:01", FQDN: "localhost", Addresses: []NicAddress{{
			Nic: "lo", HostName: "localhost", Aliases: []string{}, IPv4Addresses: []string{"127.0.0.1"},
			NicInfo: &NicInfo{NicName: "lo", IPv4Address: "127.0.0.1", Netmask: "255.0.0.0"}}}}}
	caller := InstanceInfo{Identifier: "127.0.0.1:61001", NickIdentifier: "A", NodeName: "127.0.0.1", Port: 61001,
		StateCode: 1, StateName: "CHECKING", RemoteTime: 1795468965, RemoteMtime: 3663.861618221,
		LocalTime: 1795468965, LocalMtime: 3663.861618221}
	strategies := Strategies{Starting: "CONFIG", Conciliation: "USER", SupvisorsFailure: "CONTINUE"}
	state := StateModes{Identifier: "127.0.0.1:61002", NickIdentifier: "B", NowMonotonic: 3663.873270695,
		FSMStateName: "OFF", InstanceStates: []InstanceState{{"127.0.0.1:61001", "STOPPED"}, {"127.0.0.1:61002", "CHECKING"}}}
	processes := ProcessInfoList{sampleProcessInfo()}

	d := xmlrpc.NewDispatcher()
	register := func(name string, answer func(params []any) (any, error)) {
		d.Register(xmlrpc.Method{Name: name, Variadic: true, Handler: func(_ context.Context, params []any) (any, error) {
			return answer(params)
		}})
	}
	register("supvisors.get_network_info", func(p []any) (any, error) {
		if p[0] != network.Identifier {
			return nil, errdefs.New(errdefs.BadName, "identifier")
		}
		return network.XMLRPC()
	})
	register("supvisors.get_instance_info", func(p []any) (any, error) {
		if p[0] != caller.Identifier {
			return nil, errdefs.New(errdefs.BadName, "identifier")
		}
		return InstanceInfoList{caller}.XMLRPC()
	})
	register("supvisors.get_strategies", func([]any) (any, error) { return strategies.XMLRPC() })
	register("supvisors.get_instance_state_modes", func([]any) (any, error) {
		return StateModesListXMLRPC([]StateModes{state})
	})
	register("supvisors.get_all_local_process_info", func([]any) (any, error) { return processes.XMLRPC() })

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, params, err := xmlrpc.DecodeCall(r.Body, 1<<20)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var out []byte
		if v, err := d.Call(r.Context(), method, params); err != nil {
			out = xmlrpc.AppendFault(nil, xmlrpc.FaultOf(err))
		} else if out, err = xmlrpc.AppendResponse(nil, v); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.Copy(w, bytes.NewReader(out))
	}))
	defer srv.Close()
	client, err := xmlrpc.NewClient(srv.URL, xmlrpc.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := t.Context()
	call := func(method string, params ...any) any {
		t.Helper()
		v, err := client.Call(ctx, method, params...)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return v
	}

	gotNetwork, err := NetworkInfoFromXMLRPC(call(HandshakeMethods[0], network.Identifier))
	if err != nil || !reflect.DeepEqual(gotNetwork, network) {
		t.Errorf("network info = %+v, %v", gotNetwork, err)
	}
	gotInfo, err := InstanceInfoListFromXMLRPC(call(HandshakeMethods[1], caller.Identifier))
	if err != nil || len(gotInfo) != 1 || !reflect.DeepEqual(gotInfo[0], caller) {
		t.Errorf("instance info = %+v, %v", gotInfo, err)
	}
	gotStrategies, err := StrategiesFromXMLRPC(call(HandshakeMethods[2]))
	if err != nil || gotStrategies != strategies {
		t.Errorf("strategies = %+v, %v", gotStrategies, err)
	}
	gotStates, err := StateModesListFromXMLRPC(call(HandshakeMethods[3], network.Identifier))
	if err != nil || len(gotStates) != 1 || !reflect.DeepEqual(gotStates[0], state) {
		t.Errorf("state modes = %+v, %v", gotStates, err)
	}
	first, err := StateModesFromXMLRPC(call(HandshakeMethods[3], network.Identifier).([]any)[0])
	if err != nil || !reflect.DeepEqual(first, state) {
		t.Errorf("state modes item = %+v, %v", first, err)
	}
	gotProcesses, err := ProcessInfoListFromXMLRPC(call(HandshakeMethods[4]))
	if err != nil || !reflect.DeepEqual(gotProcesses, processes) {
		t.Errorf("processes = %+v, %v", gotProcesses, err)
	}

	// A peer that does not know the caller answers BAD_NAME: the checker
	// reads it as UNKNOWN authorization.
	_, err = client.Call(ctx, HandshakeMethods[1], "127.0.0.1:69999")
	var fault *xmlrpc.Fault
	if !errors.As(err, &fault) || fault.Code != errdefs.BadName {
		t.Errorf("unknown caller: %v", err)
	}
}

func TestGetterDecodeErrors(t *testing.T) {
	good, err := Strategies{}.XMLRPC()
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() error{
		"strategies not a dict": func() error { _, err := StrategiesFromXMLRPC([]any{}); return err },
		"strategies bad member": func() error {
			_, err := StrategiesFromXMLRPC(map[string]any{"auto-fencing": 1})
			return err
		},
		"instance info list": func() error { _, err := InstanceInfoListFromXMLRPC(good); return err },
		"instance info item": func() error { _, err := InstanceInfoListFromXMLRPC([]any{good}); return err },
		"state modes list":   func() error { _, err := StateModesListFromXMLRPC("x"); return err },
		"state modes item":   func() error { _, err := StateModesListFromXMLRPC([]any{1}); return err },
		"process list":       func() error { _, err := ProcessInfoListFromXMLRPC(map[string]any{}); return err },
		"network info":       func() error { _, err := NetworkInfoFromXMLRPC(nil); return err },
		"network stereotypes": func() error {
			_, err := NetworkInfoFromXMLRPC(map[string]any{"identifier": "i", "nick_identifier": "n",
				"host_id": "h", "http_port": 1, "stereotypes": []any{1}})
			return err
		},
		"network addresses": func() error {
			_, err := NetworkInfoFromXMLRPC(map[string]any{"identifier": "i", "nick_identifier": "n",
				"host_id": "h", "http_port": 1, "stereotypes": []any{},
				"network": map[string]any{"machine_id": "m", "fqdn": "f", "addresses": map[string]any{"lo": 3}}})
			return err
		},
		"local process info": func() error { _, err := LocalProcessInfoFromXMLRPC(map[string]any{"name": "x"}); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
