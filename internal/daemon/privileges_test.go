package daemon

import (
	"os"
	"testing"
)

func TestResolveUser(t *testing.T) {
	if uid, err := resolveUser("root"); err != nil || uid != 0 {
		t.Errorf("resolveUser(root) = %d, %v", uid, err)
	}
	if uid, err := resolveUser("0"); err != nil || uid != 0 {
		t.Errorf("resolveUser(0) = %d, %v", uid, err)
	}
	for name, want := range map[string]string{
		"no-such-user-here": "Invalid user name no-such-user-here",
		"987654":            "Invalid user id 987654",
	} {
		if _, err := resolveUser(name); err == nil || err.Error() != want {
			t.Errorf("resolveUser(%s) error = %v, want %q", name, err, want)
		}
	}
}

func TestDropPrivilegesToSelfIsANoOp(t *testing.T) {
	if err := dropPrivileges(os.Getuid()); err != nil {
		t.Errorf("dropPrivileges(own uid) = %v", err)
	}
	if os.Getuid() != 0 {
		want := "Can't drop privilege as nonroot user"
		if err := dropPrivileges(0); err == nil || err.Error() != want {
			t.Errorf("dropPrivileges(0) as uid %d = %v, want %q", os.Getuid(), err, want)
		}
	}
}

func TestRaiseRlimitsAlreadyHighEnough(t *testing.T) {
	infos, err := raiseRlimits(1, 1)
	if err != nil || len(infos) != 0 {
		t.Errorf("raiseRlimits(1, 1) = %v, %v; want nothing to do", infos, err)
	}
}
