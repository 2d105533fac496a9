package rpcapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// fixture is a real engine with real processes behind a dispatcher.
type fixture struct {
	d       *xmlrpc.Dispatcher
	s       *supervisor.Supervisor
	dir     string
	mainLog *logs.MainLog
}

const fixtureConf = `[supervisord]
logfile=%[1]s/main.log
pidfile=%[1]s/s.pid
childlogdir=%[1]s
identifier=rpcapi-test

[program:sl]
command=sleep 1000
startsecs=0
stopwaitsecs=5

[program:echo]
command=sh -c 'echo hello; echo oops >&2; exec sleep 1000'
startsecs=0
stopwaitsecs=5
stdout_logfile=%[1]s/echo.out
stderr_logfile=%[1]s/echo.err

[program:quiet]
command=sleep 1000
autostart=false
stdout_logfile=NONE

[group:grp]
programs=quiet
`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	checkGoroutines(t)
	dir := t.TempDir()
	confPath := filepath.Join(dir, "s.conf")
	if err := os.WriteFile(confPath, fmt.Appendf(nil, fixtureConf, dir), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(confPath, config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mainLog, err := logs.OpenMainLog(logs.MainLogConfig{Logfile: cfg.Supervisord.Logfile, Level: logs.LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(mainLog.Handler())
	s, err := supervisor.New(supervisor.Options{
		Config: cfg, Logger: log, Environ: os.Environ(),
		Reread: func() (*config.Config, error) { return config.Load(confPath, config.LoadOptions{}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		mainLog.Close()
	})
	d := xmlrpc.NewDispatcher()
	Register(d, s, Options{MainLog: mainLog, Logger: log, PID: 4242})
	f := &fixture{d: d, s: s, dir: dir, mainLog: mainLog}
	f.waitState(t, "sl", "RUNNING")
	f.waitState(t, "echo", "RUNNING")
	return f
}

// checkGoroutines fails the test if goroutines started during it are still
// running once its cleanups (registered later, so run earlier) are done.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("%d goroutines leaked:\n%s", runtime.NumGoroutine()-before, buf[:n])
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func (f *fixture) call(t *testing.T, method string, params ...any) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return f.d.Call(ctx, method, params)
}

func (f *fixture) mustCall(t *testing.T, method string, params ...any) any {
	t.Helper()
	v, err := f.call(t, method, params...)
	if err != nil {
		t.Fatalf("%s%v: %v", method, params, err)
	}
	return v
}

// wantFault checks that err is the fault "NAME" or "NAME: extra".
func wantFault(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, want)
		return
	}
	if got := xmlrpc.FaultOf(err).String; got != want {
		t.Errorf("%s: fault %q, want %q", what, got, want)
	}
}

func (f *fixture) waitState(t *testing.T, name, state string) xmlrpc.Struct {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := f.call(t, "supervisor.getProcessInfo", name)
		if err == nil {
			info := v.(xmlrpc.Struct)
			if got, _ := info.Get("statename"); got == state {
				return info
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached %s (last %v, %v)", name, state, v, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// strs reads an array of strings, whichever slice type carries it.
func strs(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = fmt.Sprint(s)
		}
		return out
	}
	return nil
}

func keys(s xmlrpc.Struct) []string {
	out := make([]string, len(s))
	for i, m := range s {
		out[i] = m.Name
	}
	return out
}

// TestMethodsAndSignatures compares what we publish with the table taken
// from Debian's supervisord 4.2.5 (system.listMethods then
// system.methodSignature on each name: testdata/signatures.json).
func TestMethodsAndSignatures(t *testing.T) {
	raw, err := os.ReadFile("testdata/signatures.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	d := xmlrpc.NewDispatcher()
	Register(d, nil, Options{})
	ctx := context.Background()
	names, err := d.Call(ctx, "system.listMethods", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strs(names)
	wantNames := make([]string, 0, len(want))
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(got, wantNames) {
		t.Errorf("listMethods:\n got %v\nwant %v", got, wantNames)
	}
	supervisorNames := 0
	for _, n := range wantNames {
		if strings.HasPrefix(n, "supervisor.") {
			supervisorNames++
		}
		sig, err := d.Call(ctx, "system.methodSignature", []any{n})
		if err != nil {
			t.Errorf("methodSignature(%s): %v", n, err)
			continue
		}
		gotSig := strs(sig)
		if !slices.Equal(gotSig, want[n]) {
			t.Errorf("methodSignature(%s) = %v, want %v", n, gotSig, want[n])
		}
		help, err := d.Call(ctx, "system.methodHelp", []any{n})
		if err != nil || help == "" {
			t.Errorf("methodHelp(%s) = %q, %v", n, help, err)
		}
	}
	if supervisorNames != 37 {
		t.Errorf("the reference table has %d supervisor.* names, want 37", supervisorNames)
	}
}

func TestVersionsIdentificationStatePID(t *testing.T) {
	f := newFixture(t)
	for method, want := range map[string]any{
		"supervisor.getAPIVersion":        "3.0",
		"supervisor.getVersion":           "3.0",
		"supervisor.getSupervisorVersion": "4.2.5",
		"supervisor.getIdentification":    "rpcapi-test",
		"supervisor.getPID":               4242,
	} {
		if got := f.mustCall(t, method); got != want {
			t.Errorf("%s = %v, want %v", method, got, want)
		}
	}
	st := f.mustCall(t, "supervisor.getState").(xmlrpc.Struct)
	if !reflect.DeepEqual(st, xmlrpc.Struct{{Name: "statecode", Value: 1}, {Name: "statename", Value: "RUNNING"}}) {
		t.Errorf("getState = %v", st)
	}
	_, err := f.call(t, "supervisor.getState", 1)
	wantFault(t, "getState(1)", err, "INCORRECT_PARAMETERS")
}

func TestProcessInfoStructs(t *testing.T) {
	f := newFixture(t)
	info := f.waitState(t, "sl", "RUNNING")
	wantKeys := []string{"name", "group", "start", "stop", "now", "state", "statename", "spawnerr",
		"exitstatus", "logfile", "stdout_logfile", "stderr_logfile", "pid", "description"}
	if !slices.Equal(keys(info), wantKeys) {
		t.Errorf("getProcessInfo keys = %v, want %v", keys(info), wantKeys)
	}
	if desc, _ := info.Get("description"); !strings.HasPrefix(desc.(string), "pid ") {
		t.Errorf("description = %q", desc)
	}
	all := f.mustCall(t, "supervisor.getAllProcessInfo").([]processInfoWire)
	var names []string
	for _, v := range all {
		names = append(names, v.Group+":"+v.Name)
	}
	// Both forms of the struct are written with the same bytes.
	for _, v := range all {
		info, err := f.s.ProcessInfo(v.Group + ":" + v.Name)
		if err != nil {
			t.Fatal(err)
		}
		info.Now, info.Description = v.Now, v.Description
		wantDoc, err1 := xmlrpc.AppendResponse(nil, processInfoStruct(info))
		gotDoc, err2 := xmlrpc.AppendResponse(nil, v)
		if err1 != nil || err2 != nil || string(gotDoc) != string(wantDoc) {
			t.Errorf("getAllProcessInfo member %s:\n%s\nwant\n%s (%v %v)", v.Name, gotDoc, wantDoc, err1, err2)
		}
	}
	if want := []string{"echo:echo", "grp:quiet", "sl:sl"}; !slices.Equal(names, want) {
		t.Errorf("getAllProcessInfo order = %v, want %v", names, want)
	}
	_, err := f.call(t, "supervisor.getProcessInfo", "grp:*")
	wantFault(t, "getProcessInfo(grp:*)", err, "BAD_NAME: grp:*")
	_, err = f.call(t, "supervisor.getProcessInfo", "nosuch")
	wantFault(t, "getProcessInfo(nosuch)", err, "BAD_NAME: nosuch")
	_, err = f.call(t, "supervisor.getProcessInfo", 5)
	wantFault(t, "getProcessInfo(5)", err, "INCORRECT_PARAMETERS")
}

func TestStartStopAndGroupRouting(t *testing.T) {
	f := newFixture(t)
	if got := f.mustCall(t, "supervisor.startProcess", "grp:quiet", true); got != true {
		t.Errorf("startProcess(grp:quiet) = %v", got)
	}
	_, err := f.call(t, "supervisor.startProcess", "grp:quiet")
	wantFault(t, "startProcess again", err, "ALREADY_STARTED: grp:quiet")

	// A group spec answers with the group variant's array.
	res := f.mustCall(t, "supervisor.stopProcess", "grp:*").([]any)
	want := []any{xmlrpc.Struct{{Name: "name", Value: "quiet"}, {Name: "group", Value: "grp"},
		{Name: "status", Value: 80}, {Name: "description", Value: "OK"}}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("stopProcess(grp:*) = %v, want %v", res, want)
	}
	_, err = f.call(t, "supervisor.stopProcess", "grp:quiet")
	wantFault(t, "stopProcess stopped", err, "NOT_RUNNING: grp:quiet")
	res = f.mustCall(t, "supervisor.startProcess", "grp:", false).([]any)
	if len(res) != 1 {
		t.Errorf("startProcess(grp:) = %v", res)
	}
	_, err = f.call(t, "supervisor.startProcess", "nosuch:*")
	wantFault(t, "startProcess(nosuch:*)", err, "BAD_NAME: nosuch:*")
	_, err = f.call(t, "supervisor.startProcessGroup", "nosuch")
	wantFault(t, "startProcessGroup(nosuch)", err, "BAD_NAME: nosuch")
	_, err = f.call(t, "supervisor.startProcess", "sl", true, 3)
	wantFault(t, "startProcess with 3 args", err, "INCORRECT_PARAMETERS")
	if got := f.mustCall(t, "supervisor.startProcessGroup", "sl").([]any); len(got) != 0 {
		t.Errorf("startProcessGroup on a running group = %v, want []", got)
	}
	f.waitState(t, "grp:quiet", "RUNNING")
	res = f.mustCall(t, "supervisor.stopAllProcesses").([]any)
	if len(res) != 3 {
		t.Errorf("stopAllProcesses = %v", res)
	}
	res = f.mustCall(t, "supervisor.startAllProcesses", true).([]any)
	if len(res) != 3 {
		t.Errorf("startAllProcesses = %v", res)
	}
}

func TestSignals(t *testing.T) {
	f := newFixture(t)
	before, _ := f.waitState(t, "sl", "RUNNING").Get("pid")
	for _, sig := range []any{"CONT", "SIGCONT", "18", 18} {
		if got, err := f.call(t, "supervisor.signalProcess", "sl", sig); got != true || err != nil {
			t.Errorf("signalProcess(sl, %v) = %v, %v", sig, got, err)
		}
	}
	if after, _ := f.waitState(t, "sl", "RUNNING").Get("pid"); after != before {
		t.Errorf("SIGCONT changed the pid of sl: %v -> %v", before, after)
	}
	_, err := f.call(t, "supervisor.signalProcess", "sl", "BOGUS")
	wantFault(t, "signalProcess(sl, BOGUS)", err, "BAD_SIGNAL: BOGUS")
	_, err = f.call(t, "supervisor.signalProcess", "nosuch", "BOGUS")
	wantFault(t, "signalProcess(nosuch, BOGUS)", err, "BAD_NAME: nosuch")
	_, err = f.call(t, "supervisor.signalProcess", "grp:quiet", "HUP")
	wantFault(t, "signalProcess on a stopped process", err, "NOT_RUNNING: grp:quiet")
	_, err = f.call(t, "supervisor.signalProcess", "sl", 1.5)
	wantFault(t, "signalProcess(sl, 1.5)", err, "INCORRECT_PARAMETERS")

	res := f.mustCall(t, "supervisor.signalProcessGroup", "sl", "BOGUS").([]any)
	want := []any{xmlrpc.Struct{{Name: "name", Value: "sl"}, {Name: "group", Value: "sl"},
		{Name: "status", Value: 11}, {Name: "description", Value: "BAD_SIGNAL: BOGUS"}}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("signalProcessGroup(sl, BOGUS) = %v, want %v", res, want)
	}
	_, err = f.call(t, "supervisor.signalProcessGroup", "nosuch", "HUP")
	wantFault(t, "signalProcessGroup(nosuch)", err, "BAD_NAME: nosuch")
	res = f.mustCall(t, "supervisor.signalAllProcesses", "BOGUS").([]any)
	if len(res) != 2 {
		t.Errorf("signalAllProcesses(BOGUS) = %v, want two BAD_SIGNAL results", res)
	}
	res = f.mustCall(t, "supervisor.signalProcess", "sl:*", "CONT").([]any)
	if len(res) != 1 {
		t.Errorf("signalProcess(sl:*, CONT) = %v", res)
	}
}

func TestMainLog(t *testing.T) {
	f := newFixture(t)
	f.mainLog.Flush()
	path := filepath.Join(f.dir, "main.log")
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := f.mustCall(t, "supervisor.readLog", -5, 0)
	if got != string(content[len(content)-5:]) {
		t.Errorf("readLog(-5, 0) = %q, want %q", got, content[len(content)-5:])
	}
	if got := f.mustCall(t, "supervisor.readMainLog", 0, 4); got != string(content[:4]) {
		t.Errorf("readMainLog(0, 4) = %q", got)
	}
	if got := f.mustCall(t, "supervisor.readLog", int64(len(content))+10, 0); got != "" {
		t.Errorf("readLog beyond the end = %q", got)
	}
	_, err = f.call(t, "supervisor.readLog", -1, 1)
	wantFault(t, "readLog(-1, 1)", err, "BAD_ARGUMENTS")
	_, err = f.call(t, "supervisor.readLog", 0, -1)
	wantFault(t, "readLog(0, -1)", err, "BAD_ARGUMENTS")
	_, err = f.call(t, "supervisor.readLog", 0)
	wantFault(t, "readLog(0)", err, "INCORRECT_PARAMETERS")

	if got := f.mustCall(t, "supervisor.clearLog"); got != true {
		t.Errorf("clearLog = %v", got)
	}
	f.mainLog.Flush()
	after, _ := os.ReadFile(path)
	if strings.Contains(string(after), "spawned:") {
		t.Errorf("clearLog left the old content: %q", after)
	}
	// As in Supervisor, the "reopening log file" line goes to the file
	// being deleted: the new file starts empty.
	if len(after) != 0 {
		t.Errorf("clearLog left a non-empty main log: %q", after)
	}

	noLog := xmlrpc.NewDispatcher()
	Register(noLog, f.s, Options{})
	_, err = noLog.Call(context.Background(), "supervisor.readLog", []any{0, 0})
	wantFault(t, "readLog without a file", err, "NO_FILE")
	_, err = noLog.Call(context.Background(), "supervisor.clearLog", nil)
	wantFault(t, "clearLog without a file", err, "NO_FILE")
}

func TestProcessLogs(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(f.dir, "echo.out")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, _ := os.ReadFile(out); string(b) == "hello\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("echo never wrote its output")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, m := range []string{"supervisor.readProcessStdoutLog", "supervisor.readProcessLog"} {
		if got := f.mustCall(t, m, "echo", 0, 0); got != "hello\n" {
			t.Errorf("%s = %q", m, got)
		}
	}
	waitContent(t, filepath.Join(f.dir, "echo.err"), "oops\n")
	if got := f.mustCall(t, "supervisor.readProcessStderrLog", "echo", -3, 0); got != "ps\n" {
		t.Errorf("readProcessStderrLog(-3, 0) = %q", got)
	}
	for _, m := range []string{"supervisor.tailProcessStdoutLog", "supervisor.tailProcessLog"} {
		got := f.mustCall(t, m, "echo", 0, 3)
		if want := []any{"lo\n", int64(6), true}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s(echo, 0, 3) = %v, want %v", m, got, want)
		}
	}
	got := f.mustCall(t, "supervisor.tailProcessStderrLog", "echo", 1000, 10)
	if fmt.Sprint(got) != fmt.Sprint([]any{"", 5, false}) {
		t.Errorf("tailProcessStderrLog beyond the end = %v", got)
	}
	// No file configured: readProcess*Log is NO_FILE, tail is empty.
	_, err := f.call(t, "supervisor.readProcessStdoutLog", "grp:quiet", 0, 0)
	wantFault(t, "readProcessStdoutLog without a file", err, "NO_FILE")
	got = f.mustCall(t, "supervisor.tailProcessStdoutLog", "grp:quiet", 0, 100)
	if fmt.Sprint(got) != fmt.Sprint([]any{"", 0, false}) {
		t.Errorf("tail without a file = %v", got)
	}
	_, err = f.call(t, "supervisor.readProcessStdoutLog", "grp:*", 0, 0)
	wantFault(t, "readProcessStdoutLog(grp:*)", err, "BAD_NAME: grp:*")

	for _, m := range []string{"supervisor.clearProcessLogs", "supervisor.clearProcessLog"} {
		if got := f.mustCall(t, m, "echo"); got != true {
			t.Errorf("%s = %v", m, got)
		}
	}
	if got := f.mustCall(t, "supervisor.readProcessStdoutLog", "echo", 0, 0); got != "" {
		t.Errorf("log after clearProcessLogs = %q", got)
	}
	res := f.mustCall(t, "supervisor.clearAllProcessLogs").([]any)
	if len(res) != 3 {
		t.Errorf("clearAllProcessLogs = %v", res)
	}
}

func waitContent(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, _ := os.ReadFile(path); string(b) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held %q", path, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStdinAndRemoteComm(t *testing.T) {
	f := newFixture(t)
	_, err := f.call(t, "supervisor.sendProcessStdin", "sl", 5)
	wantFault(t, "sendProcessStdin(sl, 5)", err, "INCORRECT_PARAMETERS: 5")
	_, err = f.call(t, "supervisor.sendProcessStdin", "nosuch", "x")
	wantFault(t, "sendProcessStdin(nosuch)", err, "BAD_NAME: nosuch")
	if got := f.mustCall(t, "supervisor.sendProcessStdin", "sl", "data\n"); got != true {
		t.Errorf("sendProcessStdin = %v", got)
	}
	_, err = f.call(t, "supervisor.sendProcessStdin", "grp:quiet", "x")
	wantFault(t, "sendProcessStdin to a stopped process", err, "NOT_RUNNING: grp:quiet")
	if got := f.mustCall(t, "supervisor.sendRemoteCommEvent", "type", "data"); got != true {
		t.Errorf("sendRemoteCommEvent = %v", got)
	}
}

func TestConfigMethods(t *testing.T) {
	f := newFixture(t)
	got := f.mustCall(t, "supervisor.reloadConfig")
	if fmt.Sprint(got) != "[[[] [] []]]" {
		t.Errorf("reloadConfig = %v", got)
	}
	_, err := f.call(t, "supervisor.removeProcessGroup", "sl")
	wantFault(t, "removeProcessGroup(running)", err, "STILL_RUNNING: sl")
	_, err = f.call(t, "supervisor.addProcessGroup", "sl")
	wantFault(t, "addProcessGroup(active)", err, "ALREADY_ADDED: sl")
	_, err = f.call(t, "supervisor.addProcessGroup", "nosuch")
	wantFault(t, "addProcessGroup(nosuch)", err, "BAD_NAME: nosuch")
	if got := f.mustCall(t, "supervisor.removeProcessGroup", "grp"); got != true {
		t.Errorf("removeProcessGroup(grp) = %v", got)
	}
	if got := f.mustCall(t, "supervisor.addProcessGroup", "grp"); got != true {
		t.Errorf("addProcessGroup(grp) = %v", got)
	}

	infos := f.mustCall(t, "supervisor.getAllConfigInfo").([]any)
	if len(infos) != 3 {
		t.Fatalf("getAllConfigInfo has %d entries", len(infos))
	}
	wantKeys := []string{"autostart", "directory", "uid", "command", "exitcodes", "group", "group_prio", "inuse",
		"killasgroup", "name", "process_prio", "redirect_stderr", "startretries", "startsecs",
		"stdout_capture_maxbytes", "stdout_events_enabled", "stdout_logfile", "stdout_logfile_backups",
		"stdout_logfile_maxbytes", "stdout_syslog", "stopsignal", "stopwaitsecs",
		"stderr_capture_maxbytes", "stderr_events_enabled", "stderr_logfile", "stderr_logfile_backups",
		"stderr_logfile_maxbytes", "stderr_syslog", "serverurl"}
	var names []string
	for _, v := range infos {
		s := v.(xmlrpc.Struct)
		if !slices.Equal(keys(s), wantKeys) {
			t.Errorf("getAllConfigInfo keys = %v", keys(s))
		}
		n, _ := s.Get("name")
		names = append(names, n.(string))
	}
	if !slices.Equal(names, []string{"echo", "quiet", "sl"}) {
		t.Errorf("getAllConfigInfo order = %v", names)
	}
	sl := infos[2].(xmlrpc.Struct)
	for key, want := range map[string]any{"directory": "none", "uid": "none", "serverurl": "none",
		"command": "sleep 1000", "stopsignal": 15, "inuse": true, "group_prio": 999, "autostart": true} {
		if got, _ := sl.Get(key); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("config info of sl: %s = %v, want %v", key, got, want)
		}
	}
	quiet := infos[1].(xmlrpc.Struct)
	if got, _ := quiet.Get("stdout_logfile"); got != "none" {
		t.Errorf("stdout_logfile NONE = %v, want 'none'", got)
	}
}

func TestShutdownState(t *testing.T) {
	f := newFixture(t)
	if got := f.mustCall(t, "supervisor.shutdown"); got != true {
		t.Errorf("shutdown = %v", got)
	}
	_, err := f.call(t, "supervisor.getAPIVersion")
	wantFault(t, "getAPIVersion while shutting down", err, "SHUTDOWN_STATE")
	_, err = f.call(t, "supervisor.readLog", 0, 0)
	wantFault(t, "readLog while shutting down", err, "SHUTDOWN_STATE")
	if got, err := f.call(t, "supervisor.sendRemoteCommEvent", "t", "d"); got != true || err != nil {
		t.Errorf("sendRemoteCommEvent while shutting down = %v, %v", got, err)
	}
	if !errdefs.Is(err, errdefs.ShutdownState) {
		t.Errorf("error kind of %v is not SHUTDOWN_STATE", err)
	}
}
