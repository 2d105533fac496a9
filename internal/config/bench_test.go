package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad500 loads a file of 500 programs with the usual options.
func BenchmarkLoad500(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("[supervisord]\nlogfile=%(here)s/sd.log\n[unix_http_server]\nfile=%(here)s/s.sock\n")
	for i := range 500 {
		fmt.Fprintf(&sb, "[program:p%03d]\ncommand=/bin/sleep %d ; comment\npriority=%d\nautorestart=true\n"+
			"environment=A=\"%d\",B=%%(program_name)s\nstdout_logfile=%%(here)s/%%(program_name)s.log\nstopsignal=INT\n",
			i, i, i%10, i)
	}
	conf := filepath.Join(dir, "s.conf")
	if err := os.WriteFile(conf, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	opts := LoadOptions{Dir: dir, Env: os.Environ(), Hostname: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := Load(conf, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(cfg.Groups) != 500 {
			b.Fatalf("got %d groups", len(cfg.Groups))
		}
	}
}
