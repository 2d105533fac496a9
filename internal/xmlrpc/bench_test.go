package xmlrpc

import (
	"bytes"
	"fmt"
	"testing"
)

// processInfos builds a getAllProcessInfo answer: n structs with the 14
// keys of Supervisor's process info.
func processInfos(n int) []any {
	infos := make([]any, n)
	for i := range infos {
		name := fmt.Sprintf("worker_%03d", i)
		infos[i] = map[string]any{
			"name": name, "group": "workers", "description": "pid 12345, uptime 1 day, 2:03:04",
			"start": 1763900000, "stop": 0, "now": 1763990000, "state": 20, "statename": "RUNNING",
			"spawnerr": "", "exitstatus": 0, "logfile": "/var/log/supervisor/" + name + "-stdout.log",
			"stdout_logfile": "/var/log/supervisor/" + name + "-stdout.log",
			"stderr_logfile": "/var/log/supervisor/" + name + "-stderr.log", "pid": 12345 + i,
		}
	}
	return infos
}

func BenchmarkEncodeAllProcessInfo500(b *testing.B) {
	infos := processInfos(500)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendResponse(buf[:0], infos); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeStartProcessCall(b *testing.B) {
	doc, _ := AppendCall(nil, "supervisor.startProcess", []any{"workers:worker_001", true})
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, _, err := DecodeCall(bytes.NewReader(doc), 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAllProcessInfo500(b *testing.B) {
	doc, _ := AppendResponse(nil, processInfos(500))
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := DecodeResponse(bytes.NewReader(doc), 64<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// processInfo is the same answer as a Go struct, in Supervisor's key order.
type processInfo struct {
	Name          string `xmlrpc:"name"`
	Group         string `xmlrpc:"group"`
	Description   string `xmlrpc:"description"`
	Start         int64  `xmlrpc:"start"`
	Stop          int64  `xmlrpc:"stop"`
	Now           int64  `xmlrpc:"now"`
	State         int    `xmlrpc:"state"`
	StateName     string `xmlrpc:"statename"`
	SpawnErr      string `xmlrpc:"spawnerr"`
	ExitStatus    int    `xmlrpc:"exitstatus"`
	Logfile       string `xmlrpc:"logfile"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
	StderrLogfile string `xmlrpc:"stderr_logfile"`
	PID           int    `xmlrpc:"pid"`
}

func BenchmarkEncodeAllProcessInfo500Structs(b *testing.B) {
	infos := make([]processInfo, 500)
	for i := range infos {
		name := fmt.Sprintf("worker_%03d", i)
		infos[i] = processInfo{Name: name, Group: "workers", Description: "pid 12345, uptime 1 day, 2:03:04",
			Start: 1763900000, Now: 1763990000, State: 20, StateName: "RUNNING",
			Logfile: "/var/log/supervisor/" + name + "-stdout.log", StdoutLogfile: "/var/log/supervisor/" + name + "-stdout.log",
			StderrLogfile: "/var/log/supervisor/" + name + "-stderr.log", PID: 12345 + i}
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendResponse(buf[:0], infos); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
