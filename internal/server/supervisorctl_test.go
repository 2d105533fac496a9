package server

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

const systemSupervisorctl = "/usr/bin/supervisorctl" // Debian's 4.2.5

func requireSupervisorctl(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(systemSupervisorctl); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", systemSupervisorctl, err)
	}
}

// versionDispatcher answers the two calls of `supervisorctl version`.
func versionDispatcher() *xmlrpc.Dispatcher {
	d := xmlrpc.NewDispatcher()
	d.Register(xmlrpc.Method{Name: "supervisor.getVersion", Signature: []string{"string"},
		Handler: func(context.Context, []any) (any, error) { return "3.0", nil }})
	d.Register(xmlrpc.Method{Name: "supervisor.getSupervisorVersion", Signature: []string{"string"},
		Handler: func(context.Context, []any) (any, error) { return "4.2.5", nil }})
	return d
}

func ctlConfig(t *testing.T, serverURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctl.conf")
	conf := "[supervisorctl]\nserverurl = " + serverURL + "\nusername = admin\npassword = pw\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The real supervisorctl reaches our server over TCP and a unix socket,
// and follows a /logtail stream with its own HTTP client (`tail -f`).
func TestSupervisorctlAgainstOurServer(t *testing.T) {
	requireSupervisorctl(t)
	out := filepath.Join(t.TempDir(), "proc.log")
	writeFile(t, out, "first line\n", os.O_TRUNC)
	sock := unixSocket(t, "admin", "pw")
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("admin", "pw"), sock}, RPC: versionDispatcher(),
		Logs: &fakeLogs{files: map[string]string{"proc/stdout": out}}})

	for _, url := range []string{"http://" + s.Addrs()[0].String(), "unix://" + sock.File} {
		cmd := exec.CommandContext(t.Context(), systemSupervisorctl, "-c", ctlConfig(t, url), "version")
		got, err := cmd.CombinedOutput()
		if err != nil || string(got) != "4.2.5\n" {
			t.Errorf("supervisorctl version via %s: %q, %v", url, got, err)
		}
	}

	cmd := exec.CommandContext(t.Context(), systemSupervisorctl, "-c", ctlConfig(t, "http://"+s.Addrs()[0].String()), "tail", "-f", "proc")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	expectLine := func(want string) {
		t.Helper()
		for lines.Scan() {
			if strings.Contains(lines.Text(), want) {
				return
			}
		}
		t.Fatalf("supervisorctl tail -f never printed %q (%v)", want, lines.Err())
	}
	expectLine("==> Press Ctrl-C to exit <==")
	expectLine("first line")
	writeFile(t, out, "second line\n", os.O_APPEND)
	expectLine("second line")
}
