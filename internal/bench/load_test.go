package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// rpcServer answers every call with <int>1</int>, or with a fault once
// faultAfter calls have been answered (when faultAfter > 0).
func rpcServer(t *testing.T, faultAfter int64) *httptest.Server {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		if n := calls.Add(1); faultAfter > 0 && n > faultAfter {
			fmt.Fprint(w, `<?xml version="1.0"?><methodResponse><fault><value><struct>`+
				`<member><name>faultCode</name><value><int>6</int></value></member>`+
				`<member><name>faultString</name><value><string>SHUTDOWN_STATE</string></value></member>`+
				`</struct></value></fault></methodResponse>`)
			return
		}
		fmt.Fprint(w, `<?xml version="1.0"?><methodResponse><params><param><value><int>1</int></value></param></params></methodResponse>`)
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server on %s, want 127.0.0.1", srv.URL)
	}
	return srv
}

func TestLoad(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := rpcServer(t, 0)
	var checked atomic.Int64
	res, err := Load(context.Background(), LoadSpec{
		NewClient: func() (*xmlrpc.Client, error) { return xmlrpc.NewClient(srv.URL+"/RPC2", xmlrpc.ClientOptions{}) },
		Clients:   3,
		Duration:  100 * time.Millisecond,
		Method:    "supervisor.getState",
		Check: func(v any) error {
			checked.Add(1)
			if v != 1 {
				return fmt.Errorf("answer %v", v)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked.Load() != 3 {
		t.Errorf("Check ran %d times, want once per client (3)", checked.Load())
	}
	if res.Calls < 1 || res.CallsPerSecond <= 0 || res.P50 <= 0 || res.P99 < res.P50 {
		t.Errorf("implausible result %+v", res)
	}
}

func TestLoadReportsFaultsAndFailedChecks(t *testing.T) {
	checkNoGoroutineLeak(t)
	srv := rpcServer(t, 5)
	newClient := func() (*xmlrpc.Client, error) { return xmlrpc.NewClient(srv.URL+"/RPC2", xmlrpc.ClientOptions{}) }
	_, err := Load(context.Background(), LoadSpec{NewClient: newClient, Clients: 2, Duration: time.Minute, Method: "supervisor.getState"})
	var fault *xmlrpc.Fault
	if !errors.As(err, &fault) || fault.Code != 6 {
		t.Errorf("Load error = %v, want the SHUTDOWN_STATE fault", err)
	}
	srv = rpcServer(t, 0)
	newClient = func() (*xmlrpc.Client, error) { return xmlrpc.NewClient(srv.URL+"/RPC2", xmlrpc.ClientOptions{}) }
	_, err = Load(context.Background(), LoadSpec{NewClient: newClient, Clients: 1, Duration: time.Minute, Method: "m",
		Check: func(any) error { return errors.New("wrong answer") }})
	if err == nil || err.Error() != "wrong answer" {
		t.Errorf("Load error = %v, want the check's error", err)
	}
	if _, err := Load(context.Background(), LoadSpec{NewClient: newClient, Clients: 0, Duration: time.Second}); err == nil {
		t.Error("Load with no client succeeded")
	}
}
