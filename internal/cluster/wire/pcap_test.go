package wire

import (
	"bytes"
	"encoding/binary"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// tcpStreams reads a little-endian Ethernet pcap of IPv4/TCP traffic and
// returns the bytes each direction carried ("srcport>dstport"), in
// sequence order, retransmissions dropped. Enough for the loopback
// captures of testdata, no more.
func tcpStreams(t *testing.T, file string) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(raw[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", file)
	}
	streams := map[string][]byte{}
	nextSeq := map[string]uint32{}
	for pos := 24; pos+16 <= len(raw); {
		incl := int(binary.LittleEndian.Uint32(raw[pos+8:]))
		frame := raw[pos+16 : pos+16+incl]
		pos += 16 + incl
		if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
			continue
		}
		ip := frame[14:]
		ihl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if ip[9] != 6 || total > len(ip) {
			continue
		}
		tcp := ip[ihl:total]
		dataOff := int(tcp[12]>>4) * 4
		payload := tcp[dataOff:]
		seq := binary.BigEndian.Uint32(tcp[4:])
		key := strconv.Itoa(int(binary.BigEndian.Uint16(tcp[0:]))) + ">" + strconv.Itoa(int(binary.BigEndian.Uint16(tcp[2:])))
		if tcp[13]&0x02 != 0 { // SYN: the stream starts after it
			nextSeq[key] = seq + 1
			continue
		}
		if len(payload) == 0 {
			continue
		}
		if want, ok := nextSeq[key]; ok && seq != want {
			continue // retransmission or a stream seen mid-way
		}
		nextSeq[key] = seq + uint32(len(payload))
		streams[key] = append(streams[key], payload...)
	}
	return streams
}

// httpBodies splits one direction of an HTTP/1.1 keep-alive connection
// into the bodies of its messages.
func httpBodies(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var bodies [][]byte
	for len(stream) > 0 {
		head, rest, ok := bytes.Cut(stream, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("truncated HTTP header: %q", stream)
		}
		length := -1
		for _, line := range bytes.Split(head, []byte("\r\n")) {
			if name, value, ok := bytes.Cut(line, []byte(": ")); ok && string(bytes.ToLower(name)) == "content-length" {
				length, _ = strconv.Atoi(string(value))
			}
		}
		if length < 0 || length > len(rest) {
			t.Fatalf("HTTP message without a usable Content-Length: %q", head)
		}
		bodies = append(bodies, rest[:length])
		stream = rest[length:]
	}
	return bodies
}

// TestSteadyStateOnTheWire replays the raw capture of a steady 3-instance
// Python cluster: every sendRemoteCommEvent call, rebuilt from our typed
// message with our XML-RPC codec, must be byte-identical to the captured
// HTTP body, and every answer must be Supervisor's True.
func TestSteadyStateOnTheWire(t *testing.T) {
	streams := tcpStreams(t, "testdata/steady_state.pcap")
	var calls, answers int
	for key, stream := range streams {
		if bytes.HasPrefix(stream, []byte("HTTP/1.")) {
			for _, body := range httpBodies(t, stream) {
				v, err := xmlrpc.DecodeResponse(bytes.NewReader(body), 1<<20)
				if err != nil || v != true {
					t.Errorf("%s: answer %v, %v", key, v, err)
				}
				answers++
			}
			continue
		}
		for _, body := range httpBodies(t, stream) {
			method, params, err := xmlrpc.DecodeCall(bytes.NewReader(body), 1<<20)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if method != RemoteCommMethod {
				t.Errorf("%s: unexpected call %s", key, method)
				continue
			}
			msg, err := Decode(params[0].(string), params[1].(string))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			ours, err := msg.Params()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ours, params) {
				t.Errorf("re-encoded params differ:\n got %q\nwant %q", ours, params)
			}
			rebuilt, err := xmlrpc.AppendCall(nil, RemoteCommMethod, ours)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rebuilt, body) {
				t.Errorf("call body differs:\n got %s\nwant %s", rebuilt, body)
			}
			calls++
		}
	}
	t.Logf("%d calls, %d answers", calls, answers)
	if calls == 0 || calls != answers {
		t.Errorf("%d calls and %d answers in the capture", calls, answers)
	}
}
