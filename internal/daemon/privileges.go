package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// resolveUser turns the user option (a name or a numeric uid) into a uid,
// with the texts Supervisor's name_to_uid reports.
func resolveUser(name string) (int, error) {
	if uid, err := strconv.Atoi(name); err == nil {
		if _, err := user.LookupId(name); err != nil {
			return 0, usagef("Invalid user id %s", name)
		}
		return uid, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, usagef("Invalid user name %s", name)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return 0, usagef("Invalid user name %s", name)
	}
	return uid, nil
}

// dropPrivileges switches the whole daemon to uid, with its primary group
// and supplementary groups, as supervisord does at startup. It returns
// Supervisor's message when it cannot.
func dropPrivileges(uid int) error {
	current := os.Getuid()
	if current == uid {
		return nil
	}
	if current != 0 {
		return usagef("Can't drop privilege as nonroot user")
	}
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return usagef("Can't find uid %d", uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return usagef("Can't find uid %d", uid)
	}
	// The primary group goes first, as Supervisor orders them.
	groups := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				groups = append(groups, g)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return usagef("Could not set groups of effective user")
	}
	if err := syscall.Setgid(gid); err != nil {
		return usagef("Could not set group id of effective user")
	}
	if err := syscall.Setuid(uid); err != nil {
		return usagef("Could not set user id of effective user")
	}
	return nil
}

// rlimitSpec is one resource limit that supervisord raises at first start.
type rlimitSpec struct {
	name     string
	resource int
	min      int
	message  string
}

// rlimitInfinity is RLIM_INFINITY as Getrlimit reports it.
const rlimitInfinity = ^uint64(0)

// raiseRlimits raises the soft limits to minfds and minprocs when they are
// lower, and the hard limits too when needed (only root can). It returns
// the INFO lines to log, or Supervisor's usage message when a limit cannot
// be raised.
//
// RLIMIT_NOFILE needs care: the Go runtime raises its own soft limit to the
// hard limit at start and lowers it back for every child it starts, unless
// the program sets the limit itself. So the soft limit is computed from the
// one we were started with, as supervisord sees it, and always set: the
// children then inherit what they would under supervisord,
// max(original soft limit, minfds).
func raiseRlimits(minfds, minprocs int) ([]string, error) {
	specs := []rlimitSpec{
		{"RLIMIT_NOFILE", syscall.RLIMIT_NOFILE, minfds,
			"The minimum number of file descriptors required to run this process is %d as per the \"minfds\" " +
				"command-line argument or config file setting. The current environment will only allow you to open " +
				"%d file descriptors.  Either raise the number of usable file descriptors in your environment (see " +
				"README.rst) or lower the minfds setting in the config file to allow the process to start."},
		{"RLIMIT_NPROC", 6 /* RLIMIT_NPROC on Linux */, minprocs,
			"The minimum number of available processes required to run this program is %d as per the \"minprocs\" " +
				"command-line argument or config file setting. The current environment will only allow you to open " +
				"%d processes.  Either raise the number of usable processes in your environment (see README.rst) or " +
				"lower the minprocs setting in the config file to allow the program to start."},
	}
	var infos []string
	for _, spec := range specs {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(spec.resource, &lim); err != nil {
			continue
		}
		if spec.resource == syscall.RLIMIT_NOFILE {
			if orig, ok := originalNofileSoftLimit(); ok && orig < lim.Cur {
				lim.Cur = orig
			}
			// Set it even when it is high enough, so that children keep it.
			syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
		want := uint64(spec.min)
		if spec.min < 0 || lim.Cur == rlimitInfinity || lim.Cur >= want {
			continue
		}
		hard := lim.Max
		if hard != rlimitInfinity && hard < want {
			hard = want
		}
		if err := syscall.Setrlimit(spec.resource, &syscall.Rlimit{Cur: want, Max: hard}); err != nil {
			return infos, usagef(spec.message, spec.min, int64(hard))
		}
		infos = append(infos, fmt.Sprintf("Increased %s limit to %d", spec.name, spec.min))
	}
	return infos, nil
}

// originalNofileSoftLimit is the soft RLIMIT_NOFILE this process was
// started with, before the Go runtime raised it: a child started now gets
// it back, so a shell asked for `ulimit -n` reports it.
func originalNofileSoftLimit() (uint64, bool) {
	out, err := exec.Command("/bin/sh", "-c", "ulimit -n").Output()
	if err != nil {
		return 0, false
	}
	text := strings.TrimSpace(string(out))
	if text == "unlimited" {
		return rlimitInfinity, true
	}
	n, err := strconv.ParseUint(text, 10, 64)
	return n, err == nil
}
