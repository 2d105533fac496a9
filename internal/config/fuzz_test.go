package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary main files to the loader: it must never panic,
// and exactly one of the config and the error is set.
func FuzzParse(f *testing.F) {
	for _, kind := range []string{"good", "bad"} {
		_, confs := corpusFiles(f, kind)
		for _, c := range confs {
			data, err := os.ReadFile(c)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("[supervisord]\n[program:x]\ncommand=%(process_num)5.2x\nnumprocs=3\nprocess_name=%(process_num)d\n"))
	f.Add([]byte("[supervisord]\nenvironment=A='\"x\"',B=\"y#\"\n  C=3\n"))
	dir := f.TempDir()
	path := filepath.Join(dir, "fuzz.conf")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := newLoader(LoadOptions{Dir: dir, Env: []string{"HOME=/root", "X=1"}, Hostname: "fuzz"})
		if err != nil {
			t.Fatal(err)
		}
		l.path, l.here = path, dir
		cfg, err := l.loadData(data)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("exactly one of config and error must be set: %v, %v", cfg, err)
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error message")
		}
	})
}
