package cluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	const demoDir = "/tmp/supvisors-demo-cluster"
	if err := os.MkdirAll(demoDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A program disabled during an earlier tour would not start.
	for _, name := range []string{"a", "b", "c"} {
		_ = os.Remove(filepath.Join(demoDir, name+"-disabilities.json"))
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
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo's applications are not running where rules.xml says; last answer %v", last)
		}
		time.Sleep(time.Second)
	}
	demoTourDisable(t, client, filepath.Join(demoDir, "c-disabilities.json"))
}

// demoTourDisable follows the README's tour: web disabled on C (the only
// instance its rules allow) stops and is kept in C's disabilities file;
// enabled again, it starts where the rules say.
func demoTourDisable(t *testing.T, client *xmlrpc.Client, file string) {
	t.Helper()
	// Control commands need OPERATION, which follows the end of the
	// distribution by up to a tick.
	for _, port := range []string{"61001", "61003"} {
		c, err := xmlrpc.NewClient("http://127.0.0.1:"+port, xmlrpc.ClientOptions{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(reactionDeadline)
		for {
			v, err := c.Call(context.Background(), "supvisors.get_supvisors_state")
			if m, _ := v.(map[string]any); err == nil && m["fsm_statename"] == "OPERATION" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance on port %s not in OPERATION: %v, %v", port, v, err)
			}
			time.Sleep(time.Second)
		}
		c.Close()
	}
	ctl := func(port string, args ...string) string {
		out, err := exec.Command(testCtl, append([]string{"-s", "http://127.0.0.1:" + port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("supvisorsctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if got := ctl("61003", "disable", "web"); got != "web disabled: True\n" {
		t.Errorf("disable web = %q", got)
	}
	if data, err := os.ReadFile(file); err != nil || !strings.Contains(string(data), `"web": true`) {
		t.Errorf("%s after disable: %q, %v", file, data, err)
	}
	if got := ctl("61001", "sstatus", "shop:web"); !strings.Contains(got, "STOPPED") {
		t.Errorf("sstatus shop:web after disable = %q", got)
	}
	if got := ctl("61003", "enable", "web"); got != "web enabled: True\n" {
		t.Errorf("enable web = %q", got)
	}
	if got := ctl("61001", "start_process", "CONFIG", "shop:web"); got != "shop:web started: True\n" {
		t.Errorf("start_process CONFIG shop:web = %q", got)
	}
	v, err := client.Call(context.Background(), "supvisors.get_process_info", "shop:web")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := v.([]any)
	info, _ := list[0].(map[string]any)
	if ids, _ := info["identifiers"].([]any); info["statename"] != "RUNNING" || len(ids) != 1 || ids[0] != "127.0.0.1:61003" {
		t.Errorf("shop:web after enable and start_process: %v", info)
	}
}
