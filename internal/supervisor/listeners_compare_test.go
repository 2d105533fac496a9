package supervisor

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// listenersDir is testdata/listeners at the module root: the listener
// programs and the comparison driver.
func listenersDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "listeners"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// requireDebianSupervisor fails the test when Debian's supervisor (the
// interpreter with the supervisor module, and supervisord) is missing: the
// listeners are written with supervisor.childutils.
func requireDebianSupervisor(t *testing.T, withDaemon bool) {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-c", "import supervisor.childutils").CombinedOutput()
	if err != nil {
		t.Fatalf("Debian's python3-supervisor is required (apt-get install supervisor): %v\n%s", err, out)
	}
	if withDaemon {
		if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
			t.Fatalf("Debian's supervisord is required (apt-get install supervisor): %v", err)
		}
	}
}

// buildDaemon builds cmd/supvisord into a temporary directory.
func buildDaemon(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "supvisord")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	cmd := exec.Command(gobin, "build", "-o", bin, "github.com/supvisors-go/supvisors/cmd/supvisord")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/supvisord: %v\n%s", err, out)
	}
	return bin
}

// listenerRecord is one line written by testdata/listeners/recorder.py.
type listenerRecord struct {
	Ver, Server, Serial, Pool, Poolserial, Eventname, Len string
	Payload, Result, Listener                             string
}

// TestListenerRecordsMatchSupervisord runs one scenario (start, stop,
// stdout and stderr events, capture mode, an expected exit, group removal
// and addition, a program that goes FATAL, remote communication events,
// one of them failed by the listener, a non-ASCII payload, the shutdown)
// under Debian's supervisord and under our daemon, each with a real
// childutils listener, and compares everything the listeners received:
// header tokens (serials, pool serials, len), names, payloads (pids
// normalised) and the re-delivery after FAIL.
func TestListenerRecordsMatchSupervisord(t *testing.T) {
	requireDebianSupervisor(t, true)
	ours := buildDaemon(t)
	driver := filepath.Join(listenersDir(t), "compare.py")
	ctx, cancel := testContext(t)
	defer cancel()

	daemons := map[string]string{"supervisord": "/usr/bin/supervisord", "supvisord": ours}
	outputs := make(map[string][]byte)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, bin := range daemons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := t.TempDir()
			var stdout, stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, "/usr/bin/python3", driver, bin, work)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				log, _ := os.ReadFile(filepath.Join(work, "supervisord.log"))
				t.Errorf("%s scenario: %v\n%s\nmain log:\n%s", name, err, stderr.String(), log)
				return
			}
			mu.Lock()
			outputs[name] = stdout.Bytes()
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want, got := outputs["supervisord"], outputs["supvisord"]
	if !bytes.Equal(want, got) {
		t.Fatalf("listener records differ\nsupervisord:\n%s\nsupvisord:\n%s", want, got)
	}

	// The scenario must have exercised what it claims to.
	var recs []listenerRecord
	if err := json.Unmarshal(got, &recs); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range recs {
		seen = append(seen, r.Eventname+" "+r.Result)
	}
	all := strings.Join(seen, "\n")
	for _, must := range []string{
		"PROCESS_GROUP_ADDED OK", "SUPERVISOR_STATE_CHANGE_RUNNING OK",
		"PROCESS_STATE_BACKOFF OK", "PROCESS_STATE_FATAL OK", "PROCESS_STATE_STOPPED OK",
		"PROCESS_LOG_STDOUT OK", "PROCESS_LOG_STDERR OK", "PROCESS_COMMUNICATION_STDOUT OK",
		"PROCESS_STATE_EXITED OK", "PROCESS_GROUP_REMOVED OK\nPROCESS_GROUP_ADDED OK",
		"REMOTE_COMMUNICATION FAIL\nREMOTE_COMMUNICATION OK",
		"SUPERVISOR_STATE_CHANGE_STOPPING OK",
	} {
		if !strings.Contains(all, must) {
			t.Errorf("scenario did not produce %q; got:\n%s", must, all)
		}
	}
	last := recs[len(recs)-2] // before SUPERVISOR_STATE_CHANGE_STOPPING
	if last.Len != "25" || !strings.Contains(last.Payload, "✓") {
		t.Errorf("non-ASCII payload: len %s (want 25 characters), payload %q", last.Len, last.Payload)
	}
}
