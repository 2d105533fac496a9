package bench

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	cfg := DaemonConfig{
		Dir:    "/tmp/svb-1",
		Port:   9001,
		Unix:   true,
		MinFDs: 16384,
		Programs: append(sleepers(2, 1), Program{
			Name: "capture", Command: "/bin/prog -x", Autorestart: "false",
			StdoutLogfile: "/tmp/svb-1/capture.log", StdoutMaxBytes: "50MB", StdoutBackups: 2, StderrLogfile: "NONE",
		}),
	}
	got, err := cfg.Render()
	if err != nil {
		t.Fatal(err)
	}
	want := `[supervisord]
nodaemon=true
logfile=/tmp/svb-1/supervisord.log
pidfile=/tmp/svb-1/supervisord.pid
childlogdir=/tmp/svb-1
loglevel=info
minfds=16384

[inet_http_server]
port=127.0.0.1:9001

[unix_http_server]
file=/tmp/svb-1/s.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:p000]
command=/bin/sleep 3600
autostart=true
startsecs=1

[program:p001]
command=/bin/sleep 3600
autostart=true
startsecs=1

[program:capture]
command=/bin/prog -x
autostart=false
autorestart=false
startsecs=0
stdout_logfile=/tmp/svb-1/capture.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=2
stderr_logfile=NONE
`
	if got != want {
		t.Errorf("Render() =\n%s\nwant\n%s", got, want)
	}
}

func TestRenderRefusesManglingCharacters(t *testing.T) {
	for _, cfg := range []DaemonConfig{
		{Dir: "/tmp/100%"},
		{Dir: "/tmp/x", Programs: []Program{{Name: "a:b", Command: "/bin/true"}}},
		{Dir: "/tmp/x", Programs: []Program{{Name: "a", Command: "printf %s"}}},
	} {
		if _, err := cfg.Render(); err == nil || !strings.Contains(err.Error(), "mangle") {
			t.Errorf("Render(%+v) error = %v, want a refusal", cfg, err)
		}
	}
}
