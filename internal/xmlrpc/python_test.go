package xmlrpc

import (
	"bytes"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// pythonWithSupervisor is Debian's interpreter: the one on PATH may lack
// the supervisor module. Outside CI a missing interpreter skips the
// cross-checks; in CI it fails them.
const systemPython = "/usr/bin/python3"

func requirePython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(systemPython); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", systemPython, err)
	}
}

func runPython(t *testing.T, script string, stdin []byte) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), systemPython, "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Dir = t.TempDir() // keep the cwd free of modules that would shadow the stdlib
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return string(out)
}

// What we encode, Python's xmlrpc.client reads back to the same values,
// with our member order.
func TestPythonParsesWhatWeEncode(t *testing.T) {
	requirePython(t)
	params := []any{
		7, int64(1) << 40, true, false, "a<&>\r\n'\"é☃", 1.5, nil,
		time.Date(2026, 11, 23, 22, 40, 5, 0, time.UTC), []byte("bin\x00"),
		[]any{1, "x", []any{}}, map[string]any{"b": 1, "a": 2}, Struct{{"z", 1}, {"a", 2}},
	}
	call, err := AppendCall(nil, "ns.m", params)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := AppendResponse(nil, params)
	if err != nil {
		t.Fatal(err)
	}
	fault := AppendFault(nil, &Fault{Code: 10, String: "BAD_NAME: x<y"})
	input := bytes.Join([][]byte{call, resp, fault}, []byte("\x00"))
	script := `
import sys, xmlrpc.client as x
call, resp, fault = sys.stdin.buffer.read().split(b"\x00")
print(repr(x.loads(call, use_builtin_types=True)))
print(repr(x.loads(resp, use_builtin_types=True)))
try:
    x.loads(fault)
except x.Fault as f:
    print(f.faultCode, repr(f.faultString))
`
	got := runPython(t, script, input)
	values := `(7, 1099511627776, True, False, 'a<&>\r\n\'"é☃', 1.5, None, datetime.datetime(2026, 11, 23, 22, 40, 5), b'bin\x00', [1, 'x', []], {'a': 2, 'b': 1}, {'z': 1, 'a': 2})`
	want := "(" + values + ", 'ns.m')\n" +
		"(([" + strings.TrimSuffix(strings.TrimPrefix(values, "("), ")") + "],), None)\n" +
		"10 'BAD_NAME: x<y'\n"
	if got != want {
		t.Errorf("python read\n%s\nwant\n%s", got, want)
	}
}

// What Python's xmlrpc.client encodes, we decode to the Go value model.
func TestWeParsePythonEncoding(t *testing.T) {
	requirePython(t)
	script := `
import sys, datetime, xmlrpc.client as x
params = (7, 2**31-1, True, False, 'a<&>\n\'"é☃', 1.5, None,
          datetime.datetime(2026, 11, 23, 22, 40, 5), x.Binary(b'bin\x00'),
          [1, 'x', []], {'b': 1, 'a': {'n': [None]}}, '', -2**31)
sys.stdout.write(x.dumps(params, 'ns.m', allow_none=True))
sys.stdout.write('\x00')
sys.stdout.write(x.dumps((params,), methodresponse=True, allow_none=True))
sys.stdout.write('\x00')
sys.stdout.write(x.dumps(x.Fault(70, 'NOT_RUNNING: foo')))
`
	parts := strings.Split(runPython(t, script, nil), "\x00")
	if len(parts) != 3 {
		t.Fatalf("python wrote %d documents", len(parts))
	}
	want := []any{7, 1<<31 - 1, true, false, "a<&>\n'\"é☃", 1.5, nil,
		time.Date(2026, 11, 23, 22, 40, 5, 0, time.UTC), []byte("bin\x00"),
		[]any{1, "x", []any{}}, map[string]any{"b": 1, "a": map[string]any{"n": []any{nil}}}, "", -1 << 31}
	method, params, err := DecodeCall(strings.NewReader(parts[0]), testLimit)
	if err != nil || method != "ns.m" || !reflect.DeepEqual(params, want) {
		t.Errorf("DecodeCall = %q %#v %v\nwant %#v", method, params, err, want)
	}
	v, err := DecodeResponse(strings.NewReader(parts[1]), testLimit)
	if err != nil || !reflect.DeepEqual(v, want) {
		t.Errorf("DecodeResponse = %#v %v", v, err)
	}
	_, err = DecodeResponse(strings.NewReader(parts[2]), testLimit)
	if f, ok := err.(*Fault); !ok || f.Code != 70 || f.String != "NOT_RUNNING: foo" {
		t.Errorf("fault = %v", err)
	}
}
