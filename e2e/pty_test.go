package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"
)

// openPTY returns a new pseudo-terminal pair. `supervisorctl fg` reads the
// user's lines from a terminal, so the harness plays the user through one.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK,
		uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("unlocking pty: %w", errno)
	}
	var index uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN,
		uintptr(unsafe.Pointer(&index))); errno != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("reading pty number: %w", errno)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", index), os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

// runForeground runs `supervisorctl fg name` on a terminal, types line,
// waits for the program's echo, then types Ctrl-D (end of input) as a user
// leaving fg would.
func (r *caseRun) runForeground(name, line string) commandResult {
	r.t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		r.t.Fatalf("pty: %v", err)
	}
	defer master.Close()
	argv := r.ctlArgs([]string{"fg", name})
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = clientEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	slave.Close() // the child holds its own copy; EOF on master follows its exit
	if err != nil {
		r.t.Fatalf("starting fg: %v", err)
	}
	var screen lockedBuffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&screen, master) // ends with EIO once the terminal is gone
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	typed, left := false, false
	stage := func(marker string) bool {
		return poll(markerTimeout, func() bool { return strings.Contains(screen.String(), marker) })
	}
	if stage("==> Press Ctrl-C to exit <==") {
		_, _ = master.WriteString(line + "\n")
		typed = stage("got: " + line)
	}
	// End of input leaves fg in every case, also when the stages failed.
	_, _ = master.WriteString("\x04")
	left = stage("Exiting foreground")
	// supervisorctl's log-streaming thread only notices it should stop at
	// its next wake-up (up to 30 s later), so the harness ends it here and
	// records no exit status.
	_ = cmd.Process.Kill()
	<-waited
	master.Close()
	<-copied
	if !typed || !left {
		r.t.Fatalf("fg %s: echo of %q seen=%v, left=%v; screen:\n%s", name, line, typed, left, screen.String())
	}
	// What the streaming thread prints while it is being ended ("Cannot
	// connect…") depends on timing, not on the daemon: the transcript stops
	// at the line that says fg was left.
	out := screen.String()
	if i := strings.Index(out, "Exiting foreground"); i >= 0 {
		if j := strings.IndexByte(out[i:], '\n'); j >= 0 {
			out = out[:i+j+1]
		}
	}
	return commandResult{stdout: out, exitCode: exitNotRecorded}
}
