package view

import (
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

func snapshot() *Snapshot {
	mk := func(id, nick string, stereo ...string) Instance {
		return Instance{
			Info:    wire.InstanceInfo{Identifier: id, NickIdentifier: nick},
			Network: wire.NetworkInfo{Identifier: id, NickIdentifier: nick, Stereotypes: stereo},
		}
	}
	return &Snapshot{Instances: []Instance{
		mk("127.0.0.1:61001", "A", "web"),
		mk("127.0.0.1:61002", "B"),
		mk("127.0.0.1:61003", "C", "web"),
	}}
}

func TestResolve(t *testing.T) {
	s := snapshot()
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"127.0.0.1:61002", []string{"127.0.0.1:61002"}},
		{"C", []string{"127.0.0.1:61003"}},
		{"web", []string{"127.0.0.1:61001", "127.0.0.1:61003"}},
		{"nope", nil},
	} {
		got := s.Resolve(tc.name)
		var ids []string
		for _, in := range got {
			ids = append(ids, in.Identifier())
		}
		if len(ids) != len(tc.want) {
			t.Errorf("Resolve(%q) = %v, want %v", tc.name, ids, tc.want)
			continue
		}
		for i := range ids {
			if ids[i] != tc.want[i] {
				t.Errorf("Resolve(%q) = %v, want %v", tc.name, ids, tc.want)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	s := snapshot()
	if in, ok := s.Lookup("127.0.0.1:61003"); !ok || in.Info.NickIdentifier != "C" {
		t.Errorf("Lookup = %v, %v", in, ok)
	}
	if _, ok := s.Lookup("C"); ok {
		t.Errorf("Lookup by nick must fail: it takes identifiers only")
	}
}
