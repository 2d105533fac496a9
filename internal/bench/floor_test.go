package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/server"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// The floor server's answer is a valid getState response.
func TestFloorHandlerAnswersGetState(t *testing.T) {
	srv := httptest.NewServer(floorHandler(floorStateResponse))
	defer srv.Close()
	body, err := xmlrpc.AppendCall(nil, "supervisor.getState", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/RPC2", "text/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	v, err := xmlrpc.DecodeResponse(resp.Body, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	state, ok := v.(map[string]any)
	if !ok || state["statename"] != "RUNNING" || state["statecode"] != 1 {
		t.Errorf("floor answered %#v", v)
	}
}

func TestListenLoopbackRefusesOtherAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "localhost:0", "nonsense"} {
		if l, err := server.ListenLoopback(addr); err == nil {
			l.Close()
			t.Errorf("ListenLoopback(%q) succeeded", addr)
		}
	}
}
