package api

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/server"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// systemPython is Debian's interpreter, the one with the supervisor module.
const systemPython = "/usr/bin/python3"

// pythonCheck calls the API through Python's xmlrpc.client and compares
// each answer with the reference answer of the Python cluster, read with
// Python's own unmarshaller: values, key order and types.
const pythonCheck = `
import sys, xmlrpc.client
url, refs = sys.argv[1], sys.argv[2]
proxy = xmlrpc.client.ServerProxy(url)

def ref(name):
    with open(refs + '/' + name + '.xml') as f:
        return f.read()

def shape(v):
    if isinstance(v, dict):
        return [(k, shape(x)) for k, x in v.items()]
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return type(v).__name__

def same(name, got, want):
    if got != want or shape(got) != shape(want):
        print('DIFF', name, repr(got), repr(want))
    else:
        print('ok', name)

def call(method, *args):
    try:
        return getattr(proxy.supvisors, method)(*args)
    except xmlrpc.client.Fault as f:
        return 'fault %d %s' % (f.faultCode, f.faultString)

def expected(name):
    try:
        return xmlrpc.client.loads(ref(name))[0][0]
    except xmlrpc.client.Fault as f:
        return 'fault %d %s' % (f.faultCode, f.faultString)

for method, args, name in [
        ('get_supvisors_state', (), 'get_supvisors_state'),
        ('get_all_instances_state_modes', (), 'get_all_instances_state_modes'),
        ('get_master_identifier', (), 'get_master_identifier'),
        ('get_strategies', (), 'get_strategies'),
        ('get_network_info', ('127.0.0.1:61002',), 'get_network_info__127_0_0_1-61002'),
        ('get_network_info', ('B',), 'get_network_info__127_0_0_1-61002'),
        ('get_all_instances_info', (), 'get_all_instances_info'),
        ('get_instance_info', ('Z',), 'get_instance_info__Z')]:
    same(method + repr(args), call(method, *args), expected(name))

# Local processes: the records have the reference's keys, order and types.
want = expected('get_local_process_info__chain-p1')
got = call('get_local_process_info', 'chain:p1')
print('ok local' if shape(got) == shape(want) else 'DIFF local %r' % (got,))
got = call('get_all_local_process_info')
print('ok all local' if all(shape(p) == shape(want) for p in got) and len(got) == 16 else 'DIFF all local %r' % (got,))

print(call('get_api_version'))
print(call('change_log_level', 'DEBUG'), call('change_log_level', 'loud'))
print(call('end_sync'))
print(call('get_core_identifiers'))
same('get_application_info', call('get_application_info', 'chain'), expected('get_application_info__chain'))
same('get_inner_process_info', call('get_inner_process_info', 'A', 'chain:p1'), expected('get_inner_process_info__A_chain-p1'))
same('get_process_rules', call('get_process_rules', 'chain:*'), expected('get_process_rules__chain-ALL'))
same('get_conflicts', call('get_conflicts'), expected('get_conflicts'))
print(proxy.system.methodSignature('supvisors.get_instance_info'))
`

// Python's XML-RPC client reads our answers as it reads a Python
// instance's, over HTTP on 127.0.0.1.
func TestPythonClient(t *testing.T) {
	if _, err := os.Stat(systemPython); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", systemPython, err)
	}
	d := xmlrpc.NewDispatcher()
	Register(d, newFakeCluster(refSnapshot(t, "A")), startEngine(t), Options{Model: &refModel{t: t, dir: "A"}})
	url := serve(t, d)
	refs, err := filepath.Abs(filepath.Join("testdata", "refs", "A"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), systemPython, "-c", pythonCheck, url, refs)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := strings.Join([]string{
		"ok get_supvisors_state()",
		"ok get_all_instances_state_modes()",
		"ok get_master_identifier()",
		"ok get_strategies()",
		"ok get_network_info('127.0.0.1:61002',)",
		"ok get_network_info('B',)",
		"ok get_all_instances_info()",
		"ok get_instance_info('Z',)",
		"ok local",
		"ok all local",
		"0.19.1",
		"True fault 2 INCORRECT_PARAMETERS: invalid logger value=loud - string expected in " +
			"['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather']",
		"fault 101 BAD_SUPVISORS_STATE: invalid Supvisors state=OPERATION - state expected in ['SYNCHRONIZATION']",
		"[]",
		"ok get_application_info",
		"ok get_inner_process_info",
		"ok get_process_rules",
		"ok get_conflicts",
		"['list[dict[str, Any]]', 'str']",
	}, "\n") + "\n"
	if string(out) != want {
		t.Errorf("python printed\n%s\nwant\n%s", out, want)
	}
}

// serve publishes d over HTTP on 127.0.0.1 until the test ends and returns
// the /RPC2 URL.
func serve(t *testing.T, d *xmlrpc.Dispatcher) string {
	t.Helper()
	srv := server.New(server.Options{
		Servers: []config.HTTPServer{{Section: "inet_http_server", Kind: config.InetHTTPServer,
			Host: "127.0.0.1", Port: 0, ChownUID: -1, ChownGID: -1}},
		RPC: d,
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return "http://" + srv.Addrs()[0].String() + "/RPC2"
}

// A peer's handshake, as the Go driver makes it: the five calls in order
// over HTTP, each answer read back with package wire.
func TestHandshakeOverHTTP(t *testing.T) {
	d := xmlrpc.NewDispatcher()
	Register(d, newFakeCluster(refSnapshot(t, "A")), startEngine(t), Options{})
	c, err := xmlrpc.NewClient(serve(t, d), xmlrpc.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const self, caller = "127.0.0.1:61001", "127.0.0.1:61003"
	params := [][]any{{self}, {caller}, nil, {self}, nil}
	answers := make([]any, len(wire.HandshakeMethods))
	for i, m := range wire.HandshakeMethods {
		if answers[i], err = c.Call(t.Context(), m, params[i]...); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	network, err := wire.NetworkInfoFromXMLRPC(answers[0])
	if err != nil || network.Identifier != self || network.NickIdentifier != "A" || network.HTTPPort != 61001 {
		t.Errorf("network info %+v, %v", network, err)
	}
	infos, err := wire.InstanceInfoListFromXMLRPC(answers[1])
	if err != nil || len(infos) != 1 || infos[0].Identifier != caller || infos[0].StateCode != 3 {
		t.Errorf("instance info of the caller %+v, %v", infos, err)
	}
	strategies, err := wire.StrategiesFromXMLRPC(answers[2])
	if err != nil || strategies != (wire.Strategies{Starting: "CONFIG", Conciliation: "USER", SupvisorsFailure: "CONTINUE"}) {
		t.Errorf("strategies %+v, %v", strategies, err)
	}
	modes, err := wire.StateModesListFromXMLRPC(answers[3])
	if err != nil || len(modes) != 1 || modes[0].FSMStateName != "OPERATION" || modes[0].MasterIdentifier != self {
		t.Errorf("state modes %+v, %v", modes, err)
	}
	procs, err := wire.ProcessInfoListFromXMLRPC(answers[4])
	if err != nil || len(procs) != 16 || procs[0].Group != "chain" || procs[0].Name != "p1" {
		t.Errorf("local processes %+v, %v", procs, err)
	}
}
