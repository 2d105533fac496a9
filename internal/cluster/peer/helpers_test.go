package peer

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
)

var stubHost = Host{Hostname: "h", Network: wire.NetworkAddress{MachineID: "02:00:00:00:00:01", FQDN: "h",
	Addresses: []wire.NicAddress{{Nic: "eth0", HostName: "h1", Aliases: []string{"h1.lan"}, IPv4Addresses: []string{"10.0.0.1"},
		NicInfo: &wire.NicInfo{NicName: "eth0", IPv4Address: "10.0.0.1", Netmask: "255.255.255.0"}}}},
	Loopback: []wire.NicAddress{{Nic: "lo", HostName: "localhost", Aliases: []string{}, IPv4Addresses: []string{"127.0.0.1"},
		NicInfo: &wire.NicInfo{NicName: "lo", IPv4Address: "127.0.0.1", Netmask: "255.0.0.0"}}}}

// unstartedNode is a Node on 127.0.0.1:61001 among A, B, C, never run.
func unstartedNode(t *testing.T, extra ...string) *Node {
	t.Helper()
	kv := append([]string{"supvisors_list", "<A>127.0.0.1:61001,<B>127.0.0.1:61002,<C>127.0.0.1:61003"}, extra...)
	sec := config.RawSection{Name: options.SectionName}
	for j := 0; j+1 < len(kv); j += 2 {
		sec.Options = append(sec.Options, config.Option{Key: kv[j], Value: kv[j+1]})
	}
	o, _, err := options.Parse(sec, options.Environment{SupervisordIdentifier: "A", HTTPPort: 61001, Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Options{Options: o, Engine: &fakeEngine{}, Bus: events.NewBus(), Host: &stubHost})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestValidOrigin(t *testing.T) {
	n := unstartedNode(t)
	n.peers["127.0.0.1:61002"].network.Stereotypes = []string{"@shared", "@b"}
	n.peers["127.0.0.1:61003"].network.Stereotypes = []string{"@shared"}
	n.peers["127.0.0.1:61003"].accepted = []string{"127.0.0.1", "localhost"}
	tests := []struct {
		origin wire.Origin
		want   string
		reason string
	}{
		{wire.Origin{Identifier: "127.0.0.1:61002", NickIdentifier: "B", IPAddress: "127.0.0.1", HTTPPort: 61002}, "127.0.0.1:61002", ""},
		{wire.Origin{Identifier: "127.0.0.1:61002", NickIdentifier: "@b", IPAddress: "127.0.0.1", HTTPPort: 61002}, "127.0.0.1:61002", ""},
		{wire.Origin{Identifier: "nobody:1", NickIdentifier: "B", IPAddress: "127.0.0.1", HTTPPort: 61002}, "127.0.0.1:61002", ""},
		{wire.Origin{Identifier: "nobody:1", NickIdentifier: "Z", IPAddress: "127.0.0.1", HTTPPort: 61002}, "", "designate 0 instances"},
		{wire.Origin{Identifier: "127.0.0.1:61002", NickIdentifier: "C", IPAddress: "127.0.0.1", HTTPPort: 61002}, "", "designate 2 instances"},
		{wire.Origin{Identifier: "127.0.0.1:61002", NickIdentifier: "@shared", IPAddress: "127.0.0.1", HTTPPort: 61002}, "", "designate 2 instances"},
		{wire.Origin{Identifier: "127.0.0.1:61002", NickIdentifier: "B", IPAddress: "127.0.0.1", HTTPPort: 61003}, "", "port 61003 is not the configured 61002"},
		// Identified: the address must be one of its own.
		{wire.Origin{Identifier: "127.0.0.1:61003", NickIdentifier: "C", IPAddress: "127.0.0.1", HTTPPort: 61003}, "127.0.0.1:61003", ""},
		{wire.Origin{Identifier: "127.0.0.1:61003", NickIdentifier: "C", IPAddress: "10.9.9.9", HTTPPort: 61003}, "", "address 10.9.9.9 is not among"},
	}
	for _, tt := range tests {
		got, reason := n.validOrigin(tt.origin)
		if got != tt.want || !strings.Contains(reason, tt.reason) || (tt.reason == "") != (reason == "") {
			t.Errorf("%+v: got %q %q, want %q %q", tt.origin, got, reason, tt.want, tt.reason)
		}
	}
}

func TestModesRoundTrip(t *testing.T) {
	n := unstartedNode(t)
	s := fsm.StateModes{Identifier: "127.0.0.1:61001", Nick: "A", State: fsm.Operation, DegradedMode: true,
		Master: "127.0.0.1:61002", StoppingJobs: true,
		InstanceStates: map[string]fsm.InstanceState{"127.0.0.1:61003": fsm.Failed, "127.0.0.1:61001": fsm.Running,
			"127.0.0.1:61002": fsm.Checking}}
	w := n.wireModes(s)
	var order []string
	for _, is := range w.InstanceStates {
		order = append(order, is.Identifier+"="+is.State)
	}
	if want := []string{"127.0.0.1:61001=RUNNING", "127.0.0.1:61002=CHECKING", "127.0.0.1:61003=FAILED"}; !slices.Equal(order, want) {
		t.Errorf("instance_states %v, want supvisors_list order %v", order, want)
	}
	if w.FSMStateName != "OPERATION" || w.FSMStateCode != 4 {
		t.Errorf("state %d %s", w.FSMStateCode, w.FSMStateName)
	}
	back := fsmModes(w)
	if back.State != s.State || back.Master != s.Master || !back.DegradedMode || !back.StoppingJobs ||
		len(back.InstanceStates) != 3 || back.InstanceStates["127.0.0.1:61003"] != fsm.Failed {
		t.Errorf("round trip %+v", back)
	}
	w.InstanceStates = append(w.InstanceStates, wire.InstanceState{Identifier: "x:1", State: "SILENT"})
	if _, ok := fsmModes(w).InstanceStates["x:1"]; ok {
		t.Error("an unknown state name is left out")
	}
}

func TestSnapshotOfUnstartedNode(t *testing.T) {
	n := unstartedNode(t, "stereotypes", "@front")
	s := n.Snapshot()
	if s.Local != "127.0.0.1:61001" || s.Self.FSMStateName != "OFF" || len(s.Instances) != 3 {
		t.Fatalf("%+v", s)
	}
	self, _ := s.Lookup(s.Local)
	if !slices.Equal(self.Network.Stereotypes, []string{"@front"}) || self.Network.Network == nil {
		t.Errorf("local network %+v", self.Network)
	}
	// Declared on 127.0.0.1: the loopback interface is the one listed.
	if nics := self.Network.Network.Addresses; len(nics) != 1 || nics[0].Nic != "lo" {
		t.Errorf("addresses %+v", nics)
	}
	peer, _ := s.Lookup("127.0.0.1:61002")
	if peer.Modes.FSMStateName != "OFF" || peer.Modes.InstanceStates == nil || peer.Network.Network != nil {
		t.Errorf("peer never heard from: %+v", peer)
	}
	if s.Strategies != (wire.Strategies{Starting: "CONFIG", Conciliation: "USER", SupvisorsFailure: "CONTINUE"}) {
		t.Errorf("strategies %+v", s.Strategies)
	}
	if len(s.Resolve("@front")) != 1 {
		t.Error("local stereotype not resolved")
	}
}

func TestHostHelpers(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "127.1.2.3": true,
		"localhost.localdomain": true, "10.0.0.1": false, "rocky51": false, "127host": false} {
		if isLoopbackHost(host) != want {
			t.Errorf("isLoopbackHost(%q) = %t", host, !want)
		}
	}
	if got := stubHost.NetworkFor("rocky51"); len(got.Addresses) != 1 {
		t.Errorf("a named host lists no loopback: %+v", got.Addresses)
	}
	if got := (Host{Loopback: stubHost.Loopback}).NetworkFor("rocky51"); len(got.Addresses) != 1 || got.Addresses[0].Nic != "lo" {
		t.Errorf("loopback listed when nothing else exists: %+v", got.Addresses)
	}
	if got := stubHost.Names(); !slices.Equal(got, []string{"h1", "h1.lan", "10.0.0.1"}) {
		t.Errorf("names %v", got)
	}
	if got := machineID([]net.Interface{{HardwareAddr: net.HardwareAddr{0, 0, 0, 0, 0, 0}},
		{HardwareAddr: net.HardwareAddr{0x02, 0xfc, 0, 0, 0, 0x1A}}}); got != "02:fc:00:00:00:1a" {
		t.Errorf("machine id %s", got)
	}
	if got := machineID(nil); len(got) != 17 || !strings.ContainsAny(got[1:2], "13579bdf") {
		t.Errorf("random machine id %s lacks the multicast bit", got)
	}
	h := DiscoverHost()
	if len(h.Network.MachineID) != 17 || h.Hostname == "" {
		t.Errorf("discovered %+v", h)
	}
}

// Before Run, nothing serves the model: a getter fails at once.
func TestModelGettersBeforeRun(t *testing.T) {
	n := unstartedNode(t)
	if _, err := n.AllProcessInfo(context.Background()); !errdefs.Is(err, errdefs.Failed) {
		t.Errorf("get_all_process_info before Run: %v", err)
	}
	if in, _ := n.Snapshot().Lookup("127.0.0.1:61001"); in.Info.Loading != 0 || in.Info.ProcessFailure {
		t.Errorf("instance info without processes %+v", in.Info)
	}
}

// TestPlacementResolvesRemoteStereotypes: the names left unresolved by
// the rules (a '#' list taken as written) are resolved at placement with
// the stereotypes the peers declared in their handshake.
func TestPlacementResolvesRemoteStereotypes(t *testing.T) {
	n := unstartedNode(t, "stereotypes", "@front")
	n.peers["127.0.0.1:61002"].network.Stereotypes = []string{"@shared", "@b"}
	n.peers["127.0.0.1:61003"].network.Stereotypes = []string{"@shared"}
	c := instances{n}
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"@b"}, []string{"127.0.0.1:61002"}},
		{[]string{"@shared"}, []string{"127.0.0.1:61002", "127.0.0.1:61003"}},
		{[]string{"@front", "C"}, []string{"127.0.0.1:61001", "127.0.0.1:61003"}},
		{[]string{"@nobody"}, nil},
	}
	for _, tt := range tests {
		if got := c.Filter(tt.names); !slices.Equal(got, tt.want) {
			t.Errorf("Filter(%v) = %v, want %v", tt.names, got, tt.want)
		}
	}
}
