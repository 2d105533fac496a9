package cluster

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// TestDemoCluster runs the configurations of `make demo`
// (docs/examples/cluster, ports 61001-61003): the three instances reach
// OPERATION and the Master starts the two managed applications of
// rules.xml, each process where the rules put it.
func TestDemoCluster(t *testing.T) {
	t.Parallel()
	if err := os.MkdirAll("/tmp/supvisors-demo-cluster", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		cmd := exec.Command(testDaemon, "-n", "-c", "../../docs/examples/cluster/"+name+".conf")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(stopGrace):
				_ = cmd.Process.Kill()
				<-done
				t.Errorf("demo instance %s had to be killed", name)
			}
		})
	}
	client, err := xmlrpc.NewClient("http://127.0.0.1:61001", xmlrpc.ClientOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	// Where each managed process must run (rules.xml; api goes to the
	// least loaded instance, B, whose cache is lighter than C's web).
	want := map[string]string{"store:db": "127.0.0.1:61001", "store:cache": "127.0.0.1:61002",
		"shop:web": "127.0.0.1:61003", "shop:api": "127.0.0.1:61002"}
	deadline := time.Now().Add(operationDeadline + reactionDeadline)
	var last any
	for {
		ok := true
		for ns, id := range want {
			v, err := client.Call(context.Background(), "supvisors.get_process_info", ns)
			last = v
			if err != nil {
				ok = false
				break
			}
			list, _ := v.([]any)
			info, _ := list[0].(map[string]any)
			ids, _ := info["identifiers"].([]any)
			if info["statename"] != "RUNNING" || len(ids) != 1 || ids[0] != id {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo's applications are not running where rules.xml says; last answer %v", last)
		}
		time.Sleep(time.Second)
	}
}
