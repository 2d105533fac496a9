package clusterbench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildCommand builds the command package pkg (such as "./cmd/supvisord")
// of the module in moduleDir into dir/name, and returns that path. Test
// binaries use it when no binary is given: the path is fixed because
// leakcheck.Main ends them with os.Exit, so nothing built per run could be
// removed afterwards. The build goes to a new file renamed over the old
// one, so a concurrent run keeps the binary it started with.
func BuildCommand(moduleDir, pkg, dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, name+"-*.new")
	if err != nil {
		return "", err
	}
	tmp.Close()
	cmd := exec.Command(goTool(), "build", "-o", tmp.Name(), pkg)
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("building %s: %v\n%s", pkg, err, out)
	}
	bin := filepath.Join(dir, name)
	return bin, os.Rename(tmp.Name(), bin)
}

// goTool finds the go command: on PATH, else where the Makefile expects it.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}
