package wire

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// captureLine is one HTTP message of testdata/startup_failover.txt, the
// decoded capture of a 3-instance Python Supvisors 0.19 cluster (startup,
// then SIGKILL of one instance and failover). See testdata/refresh.sh.
type captureLine struct {
	client  string // client TCP port: pairs a request with its response
	request bool
	method  string // requests only
	payload string // Python repr of the params tuple or of the answer
}

func readCapture(t *testing.T) []captureLine {
	t.Helper()
	f, err := os.Open("testdata/startup_failover.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []captureLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		line := captureLine{client: fields[1]}
		switch fields[4] {
		case "REQUEST":
			line.request = true
			line.method = fields[5]
			_, line.payload, _ = strings.Cut(sc.Text(), " "+line.method+" ")
		case "RESPONSE":
			_, line.payload, _ = strings.Cut(sc.Text(), " 200 OK ")
		default:
			t.Fatalf("unexpected capture line %q", sc.Text())
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestCapturedMessagesReencode decodes every sendRemoteCommEvent of the
// capture and checks that encoding the typed message gives back the very
// bytes Python sent.
func TestCapturedMessagesReencode(t *testing.T) {
	seen := map[string]int{}
	total := 0
	for _, line := range readCapture(t) {
		if !line.request || line.method != RemoteCommMethod {
			continue
		}
		params, _, err := parsePyLiteral(line.payload)
		if err != nil {
			t.Fatalf("params %q: %v", line.payload, err)
		}
		args := params.([]any)
		eventType, data := args[0].(string), args[1].(string)
		msg, err := Decode(eventType, data)
		if err != nil {
			t.Fatalf("Decode(%q): %v", data, err)
		}
		again, err := msg.Encode()
		if err != nil {
			t.Fatalf("Encode(%+v): %v", msg, err)
		}
		if again != data {
			t.Errorf("re-encoding differs:\n got %s\nwant %s", again, data)
		}
		// A second decode of our own bytes gives the same value.
		back, err := Decode(eventType, again)
		if err != nil || !reflect.DeepEqual(back, msg) {
			t.Errorf("round trip of %s changed the value: %v", again, err)
		}
		seen[eventType+" "+msg.KindName()]++
		total++
	}
	t.Logf("kinds seen: %v", seen)
	if total != 271 {
		t.Errorf("decoded %d messages, the capture holds 271", total)
	}
	for _, kind := range []string{"TICK", "PROCESS", "HOST_STATISTICS", "PROCESS_STATISTICS", "STATE"} {
		if seen[TypePublication+" "+kind] == 0 {
			t.Errorf("no %s publication in the capture", kind)
		}
	}
	for _, kind := range []string{"IDENTIFICATION", "AUTHORIZATION", "STATE", "ALL_INFO", "INSTANCE_FAILURE"} {
		if seen[TypeNotification+" "+kind] == 0 {
			t.Errorf("no %s notification in the capture", kind)
		}
	}
}

// getterRoundTrip reads a handshake getter answer (as xmlrpc decodes it, or
// as the test's Python-literal reader gives it) into our type and returns
// the value our server side would send back.
func getterRoundTrip(method string, answer any) (any, error) {
	switch strings.TrimPrefix(method, "supvisors.") {
	case "get_network_info":
		n, err := NetworkInfoFromXMLRPC(answer)
		if err != nil {
			return nil, err
		}
		return n.XMLRPC()
	case "get_instance_info", "get_all_instances_info":
		l, err := InstanceInfoListFromXMLRPC(answer)
		if err != nil {
			return nil, err
		}
		return l.XMLRPC()
	case "get_strategies":
		s, err := StrategiesFromXMLRPC(answer)
		if err != nil {
			return nil, err
		}
		return s.XMLRPC()
	case "get_instance_state_modes", "get_all_instances_state_modes":
		l, err := StateModesListFromXMLRPC(answer)
		if err != nil {
			return nil, err
		}
		return StateModesListXMLRPC(l)
	case "get_local_process_info":
		p, err := LocalProcessInfoFromXMLRPC(answer)
		if err != nil {
			return nil, err
		}
		return p.XMLRPC()
	case "get_all_local_process_info":
		l, err := ProcessInfoListFromXMLRPC(answer)
		if err != nil {
			return nil, err
		}
		return l.XMLRPC()
	}
	return nil, errors.New("not a getter of this package: " + method)
}

// TestCapturedHandshakeAnswers checks every handshake answer of the
// capture: read into our types, then written back in Python's notation,
// it must equal the captured text, member order included.
func TestCapturedHandshakeAnswers(t *testing.T) {
	pending := map[string][]string{} // client port -> methods in flight, oldest first
	checked := map[string]int{}
	for _, line := range readCapture(t) {
		if line.request {
			pending[line.client] = append(pending[line.client], line.method)
			continue
		}
		if len(pending[line.client]) == 0 {
			t.Fatalf("answer without a request on port %s", line.client)
		}
		method := pending[line.client][0]
		pending[line.client] = pending[line.client][1:]
		if !strings.HasPrefix(method, "supvisors.get_") || method == "supvisors.get_supvisors_state" {
			continue
		}
		answer, rest, err := parsePyLiteral(line.payload)
		if err != nil || rest != "" {
			t.Fatalf("answer %q: %v (rest %q)", line.payload, err, rest)
		}
		ours, err := getterRoundTrip(method, answer)
		if err != nil {
			t.Fatalf("%s answer %s: %v", method, line.payload, err)
		}
		if got := pyRepr(ours); got != line.payload {
			t.Errorf("%s answer differs:\n got %s\nwant %s", method, got, line.payload)
		}
		checked[method]++
	}
	for _, m := range HandshakeMethods {
		if checked[m] != 9 {
			t.Errorf("%s: %d answers checked, the capture holds 9", m, checked[m])
		}
	}
}

// TestXMLRPCAnswers decodes the captured XML answers of the getters with
// our XML-RPC decoder, reads them into our types and encodes them again:
// the XML must be byte-identical to what Python's Supvisors sent.
func TestXMLRPCAnswers(t *testing.T) {
	files, err := filepath.Glob("testdata/xmlrpc/*/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	var identical, faults, httpErrors int
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		method, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(file), ".xml"), "__")
		answer, err := xmlrpc.DecodeResponse(bytes.NewReader(raw), 1<<20)
		var fault *xmlrpc.Fault
		switch {
		case errors.As(err, &fault):
			faults++
			continue
		case err != nil && bytes.Contains(raw, []byte("Error code 500")):
			// Python Supvisors answers get_network_info(nick) with an
			// HTTP 500 page: nothing to decode.
			httpErrors++
			continue
		case err != nil:
			t.Fatalf("%s: %v", file, err)
		}
		ours, err := getterRoundTrip(method, answer)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out, err := xmlrpc.AppendResponse(nil, ours)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// internal/xmlrpc spells doubles with Go's %g ("0" for Python's
		// "0.0"); that is its business, so doubles are compared by value
		// and every other byte exactly.
		if !bytes.Equal(respellDoubles(t, out), respellDoubles(t, raw)) {
			t.Errorf("%s: re-encoded XML differs:\n got %s\nwant %s", file, out, raw)
			continue
		}
		identical++
	}
	t.Logf("%d identical, %d faults, %d HTTP errors", identical, faults, httpErrors)
	if identical != 36 || faults != 4 || httpErrors != 4 {
		t.Errorf("expected 36 identical answers, 4 faults and 4 HTTP errors")
	}
}

var doubleElement = regexp.MustCompile(`<double>([^<]*)</double>`)

// respellDoubles writes every <double> of an XML-RPC document in Python's
// repr form.
func respellDoubles(t *testing.T, doc []byte) []byte {
	return doubleElement.ReplaceAllFunc(doc, func(m []byte) []byte {
		text := doubleElement.FindSubmatch(m)[1]
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			t.Errorf("bad double %q", text)
			return m
		}
		return append(append([]byte("<double>"), appendPyFloat(nil, f)...), "</double>"...)
	})
}

// TestCapturedRequests checks the parameters of the START_PROCESS requests
// of the capture.
func TestCapturedRequests(t *testing.T) {
	n := 0
	for _, line := range readCapture(t) {
		if !line.request || line.method != RequestStartProcess.RequestMethod() {
			continue
		}
		params, _, err := parsePyLiteral(line.payload)
		if err != nil {
			t.Fatal(err)
		}
		args := params.([]any)
		ours := StartArgsParams(args[0].(string), args[1].(string))
		if !reflect.DeepEqual(ours, args) {
			t.Errorf("StartArgsParams = %#v, captured %#v", ours, args)
		}
		n++
	}
	if n != 5 {
		t.Errorf("%d start_args requests, the capture holds 5", n)
	}
	if got := StopProcessParams("chain:p1"); !reflect.DeepEqual(got, []any{"chain:p1", false}) {
		t.Errorf("StopProcessParams = %#v", got)
	}
}

// TestTickOnTheWire builds the XML-RPC call carrying a TICK publication
// with our codec: the body must be the one captured between two Python
// instances (EXCERPT.md, steady state).
func TestTickOnTheWire(t *testing.T) {
	const captured = `<?xml version='1.0'?>
<methodCall>
<methodName>supervisor.sendRemoteCommEvent</methodName>
<params>
<param>
<value><string>SupvisorsPublication</string></value>
</param>
<param>
<value><string>[["127.0.0.1:61003", "C", ["127.0.0.1", 61003]], [0, {"when": 1795468220, "when_monotonic": 2918.307089151, "sequence_counter": 24}]]</string></value>
</param>
</params>
</methodCall>
`
	msg := NewPublication(Origin{"127.0.0.1:61003", "C", "127.0.0.1", 61003}, PublicationTick,
		Tick{When: 1795468220, WhenMonotonic: 2918.307089151, SequenceCounter: 24})
	params, err := msg.Params()
	if err != nil {
		t.Fatal(err)
	}
	body, err := xmlrpc.AppendCall(nil, RemoteCommMethod, params)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != captured || len(body) != 377 {
		t.Errorf("call body (%d bytes):\n%s\nwant (377 bytes):\n%s", len(body), body, captured)
	}
	method, got, err := xmlrpc.DecodeCall(bytes.NewReader(body), 1<<20)
	if err != nil || method != RemoteCommMethod {
		t.Fatalf("DecodeCall: %s %v", method, err)
	}
	back, err := Decode(got[0].(string), got[1].(string))
	if err != nil || !reflect.DeepEqual(back, msg) {
		t.Errorf("Decode = %+v, %v", back, err)
	}
}
