package wire_test

import (
	"fmt"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

func ExampleDecode() {
	// The two arguments of a sendRemoteCommEvent call received from a peer.
	msg, err := wire.Decode("SupvisorsPublication",
		`[["127.0.0.1:61003", "C", ["127.0.0.1", 61003]], [0, {"when": 1795468220, "when_monotonic": 2918.307089151, "sequence_counter": 24}]]`)
	if err != nil {
		panic(err)
	}
	tick := msg.Body.(wire.Tick)
	fmt.Println(msg.KindName(), msg.Origin.NickIdentifier, tick.SequenceCounter, tick.WhenMonotonic)
	// Output: TICK C 24 2918.307089151
}

func ExampleMessage_Encode() {
	origin := wire.Origin{Identifier: "supvhost:61000", NickIdentifier: "A", IPAddress: "198.18.0.1", HTTPPort: 61000}
	msg := wire.NewNotification(origin, wire.NotificationAuthorization,
		wire.AuthorizationResult{Authorization: wire.Authorized, NowMonotonic: 3163.260603409})
	data, err := msg.Encode()
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Type, data)
	// Output: SupvisorsNotification [["supvhost:61000", "A", ["198.18.0.1", 61000]], [1, {"authorization": 1, "now_monotonic": 3163.260603409}]]
}
