package supervisor

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

// waitFile waits until the file at path contains want.
func (h *harness) waitFile(path, want string) string {
	h.t.Helper()
	for {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), want) {
			return string(data)
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-h.ctx.Done():
			h.t.Fatalf("%s never contained %q (has %q)", path, want, data)
		}
	}
}

func TestOutputStdinAndLogs(t *testing.T) {
	cfg := cfgOf(t, groupOf("cat", 999, prog("cat", `sh -c 'echo started; echo warn >&2; while read l; do echo "got $l"; done'`, func(p *config.Process) {
		p.Stdout.EventsEnabled = true
		p.Stdout.CaptureMaxbytes = 1024
	})))
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	if err := h.s.SendProcessStdin("cat", "x\n"); !errdefs.Is(err, errdefs.NotRunning) {
		t.Errorf("stdin to a stopped process: %v", err)
	}
	if err := h.s.StartProcess(h.ctx, "cat", true); err != nil {
		t.Fatal(err)
	}
	out, err := h.s.ProcessLogPath("cat", "stdout")
	if err != nil || out != h.info("cat").StdoutLogfile {
		t.Fatalf("ProcessLogPath: %q %v", out, err)
	}
	errPath, _ := h.s.ProcessLogPath("cat", "stderr")
	h.waitFile(out, "started\n")
	h.waitFile(errPath, "warn\n")
	if err := h.s.SendProcessStdin("cat", "hello\n"); err != nil {
		t.Fatal(err)
	}
	h.waitFile(out, "got hello\n")
	if err := h.s.SendProcessStdin("cat", "<!--XSUPERVISOR:BEGIN-->secret<!--XSUPERVISOR:END-->\n"); err != nil {
		t.Fatal(err)
	}
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_LOG_STDOUT", "processname:cat groupname:cat pid:", "channel:stdout\n", "started"),
		eventstest.Name("PROCESS_COMMUNICATION_STDOUT", "processname:cat groupname:cat pid:", "\nsecret"),
	)
	if err := h.s.ClearProcessLogs("cat"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(out); len(data) != 0 {
		t.Errorf("cleared log has %q", data)
	}
	if err := h.s.SendProcessStdin("cat", "again\n"); err != nil {
		t.Fatal(err)
	}
	h.waitFile(out, "got again\n")
	res, err := h.s.ClearAllProcessLogs(h.ctx)
	if err != nil || len(res) != 1 || res[0].Status != errdefs.Success {
		t.Errorf("ClearAllProcessLogs: %+v %v", res, err)
	}
	if _, err := h.s.ProcessLogPath("nosuch", "stdout"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("log path of unknown: %v", err)
	}
	h.s.ReopenLogs()
	if err := h.s.StopProcess(h.ctx, "cat", true); err != nil {
		t.Fatal(err)
	}
	if err := h.s.SendRemoteCommEvent("type1", "data1"); err != nil {
		t.Fatal(err)
	}
	w.WaitSequence(h.ctx, t, eventstest.Name("REMOTE_COMMUNICATION", "type:type1\ndata1"))
}

func TestRedirectStderrAndNoneLogs(t *testing.T) {
	cfg := cfgOf(t,
		groupOf("redir", 1, prog("redir", `sh -c 'echo out; echo err >&2'`, func(p *config.Process) {
			p.RedirectStderr = true
			p.Autorestart = config.AutoRestartFalse
		})),
		groupOf("none", 2, prog("none", `sh -c 'echo out'`, func(p *config.Process) {
			p.Stdout.Logfile, p.Stderr.Logfile = "", ""
			p.Autorestart = config.AutoRestartFalse
		})),
	)
	h := start(t, cfg)
	if err := h.s.StartProcess(h.ctx, "redir", false); err != nil {
		t.Fatal(err)
	}
	info := h.waitState("redir", "EXITED")
	if info.StderrLogfile != "" {
		t.Errorf("stderr log with redirect_stderr: %q", info.StderrLogfile)
	}
	data, _ := os.ReadFile(info.StdoutLogfile)
	if string(data) != "out\nerr\n" {
		t.Errorf("redirected log %q", data)
	}
	if err := h.s.StartProcess(h.ctx, "none", false); err != nil {
		t.Fatal(err)
	}
	info = h.waitState("none", "EXITED")
	if info.StdoutLogfile != "" || info.StderrLogfile != "" {
		t.Errorf("NONE logs: %+v", info)
	}
}
