package daemon

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestCommandLineMatchesSupervisord runs Debian's supervisord 4.2.5 and our
// Run on the same bad command lines and compares what they print. Every
// command line ends with -c on a missing file, so that no case can start a
// real daemon: at worst both report the missing file.
func TestCommandLineMatchesSupervisord(t *testing.T) {
	const real = "/usr/bin/supervisord"
	if _, err := os.Stat(real); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", real, err)
	}
	const missing = "/nonexistent-supvisors-test/s.conf"
	// One case per kind of message; options_test.go covers every option.
	cases := [][]string{
		{"--bogus"}, {"-nx"}, {"foo"}, {"-s", "--silent"}, {"--s"}, {"--conf"},
		{"--nodaemon=yes"}, {"-a", "it's"}, {"-y", "10XB"}, {"-m", "8"}, {"-e", "WARNING"},
		{"-q", "/etc/passwd"}, {"-l", "/nonexistent/x.log"}, {"-c", "a"},
	}
	// Python starts slowly: run the real daemon on every case at once.
	type outcome struct {
		code           int
		stdout, stderr string
		err            error
	}
	results := make([]outcome, len(cases))
	var wg sync.WaitGroup
	for i, args := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errOut bytes.Buffer
			cmd := exec.Command(real, append(append([]string{}, args...), "-c", missing)...)
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = nil
				results[i].code = ee.ExitCode()
			}
			results[i].stdout, results[i].stderr, results[i].err = out.String(), errOut.String(), err
		}()
	}
	wg.Wait()
	for i, args := range cases {
		full := append(append([]string{}, args...), "-c", missing)
		want := results[i]
		if want.err != nil {
			t.Fatalf("%s %q: %v", real, full, want.err)
		}
		var ourOut, ourErr bytes.Buffer
		ourCode := Run(append([]string{real}, full...), &ourOut, &ourErr)
		// Python may print warnings before its error; compare the error.
		realText := want.stderr
		if i := strings.Index(realText, "Error: "); i > 0 {
			realText = realText[i:]
		}
		if ourCode != want.code || ourErr.String() != realText || ourOut.String() != want.stdout {
			t.Errorf("%q:\n supervisord: %d %q %q\n supvisord:   %d %q %q",
				full, want.code, want.stdout, realText, ourCode, ourOut.String(), ourErr.String())
		}
	}
}
