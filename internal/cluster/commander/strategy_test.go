package commander

import (
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
)

// loadModel is a Model that only knows instance loads.
type loadModel struct {
	Model
	loads map[string]int
}

func (m loadModel) Loading(id string) int { return m.loads[id] }

func TestChooseInstance(t *testing.T) {
	// A and B share node n1; C and D are alone on their nodes.
	cluster := newFakeCluster()
	cluster.add("A", "n1")
	cluster.add("B", "n1")
	cluster.add("C", "n2")
	cluster.add("D", "n3")
	cluster.local = "B"
	all := []string{"A", "B", "C", "D"}
	tests := []struct {
		name       string
		strategy   options.StartingStrategy
		loads      map[string]int
		pending    loads
		down       []string
		candidates []string
		load       int
		want       string
	}{
		{"config first", options.StartConfig, nil, nil, nil, all, 10, "A"},
		{"config keeps the rule order", options.StartConfig, nil, nil, nil, []string{"C", "A"}, 10, "C"},
		{"config skips a full node", options.StartConfig, map[string]int{"A": 50, "B": 45}, nil, nil, all, 10, "C"},
		{"config counts pending loads", options.StartConfig, nil, loads{"B": 95}, nil, all, 10, "C"},
		{"config skips a stopped instance", options.StartConfig, nil, nil, []string{"A"}, all, 10, "B"},
		{"config exactly 100 fits", options.StartConfig, map[string]int{"A": 90}, nil, nil, all, 10, "A"},
		{"nothing fits", options.StartConfig, map[string]int{"A": 51, "C": 60, "D": 95}, nil, nil, all, 50, ""},
		{"no running candidate", options.StartConfig, nil, nil, []string{"A", "B"}, []string{"A", "B"}, 0, ""},
		{"less loaded", options.StartLessLoaded, map[string]int{"A": 10, "B": 5, "C": 20, "D": 30}, nil, nil, all, 10, "B"},
		{"less loaded tie: node load, then order", options.StartLessLoaded, map[string]int{"A": 10, "B": 30, "C": 10, "D": 10}, nil, nil, all, 10, "C"},
		{"less loaded with pending", options.StartLessLoaded, map[string]int{"A": 10}, loads{"B": 20, "C": 30, "D": 15}, nil, all, 10, "A"},
		{"most loaded", options.StartMostLoaded, map[string]int{"A": 10, "B": 5, "C": 20, "D": 30}, nil, nil, all, 10, "D"},
		{"most loaded within the cap", options.StartMostLoaded, map[string]int{"A": 10, "C": 20, "D": 95}, nil, nil, all, 10, "C"},
		{"most loaded tie: the last one", options.StartMostLoaded, nil, nil, nil, all, 10, "D"},
		{"less loaded node", options.StartLessLoadedNode, map[string]int{"A": 10, "B": 5, "C": 20, "D": 30}, nil, nil, all, 10, "B"},
		{"less loaded node among co-located", options.StartLessLoadedNode, map[string]int{"A": 1, "B": 0, "C": 0, "D": 0}, nil, nil, []string{"A", "B"}, 10, "B"},
		{"most loaded node", options.StartMostLoadedNode, map[string]int{"A": 10, "B": 5, "C": 20, "D": 12}, nil, nil, all, 10, "C"},
		{"most loaded node: node first", options.StartMostLoadedNode, map[string]int{"A": 15, "B": 15, "C": 20, "D": 12}, nil, nil, all, 10, "B"},
		{"local", options.StartLocal, map[string]int{"A": 0, "B": 50}, nil, nil, all, 10, "B"},
		{"local not a candidate", options.StartLocal, nil, nil, nil, []string{"A", "C"}, 10, ""},
		{"local full", options.StartLocal, map[string]int{"A": 50, "B": 45}, nil, nil, all, 10, ""},
		{"local stopped", options.StartLocal, nil, nil, []string{"B"}, all, 10, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := *cluster
			cl.down = map[string]bool{}
			for _, id := range tc.down {
				cl.down[id] = true
			}
			c := New(Config{Model: loadModel{loads: tc.loads}, Cluster: &cl})
			if got := c.chooseInstance(tc.strategy, tc.candidates, tc.load, tc.pending); got != tc.want {
				t.Errorf("chooseInstance = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStartTimeouts(t *testing.T) {
	cmd := &command{ref: 10, minTicks: 2, waitTicks: 4}
	tests := []struct {
		state    int
		waitExit bool
		counter  int
		expected int
		res      result
	}{
		{0, false, 12, 10, inProgress},
		{0, false, 13, 10, timedOut},
		{10, false, 14, 20, inProgress},
		{10, false, 15, 20, timedOut},
		{30, false, 15, 20, timedOut},
		{20, false, 99, 20, succeeded},
		{20, true, 99, 100, inProgress},
	}
	for _, tc := range tests {
		rec := recordState(tc.state)
		expected, res := startTimeout(cmd, rec, tc.waitExit, tc.counter)
		if expected != tc.expected || res != tc.res {
			t.Errorf("startTimeout(%d, %t, %d) = %d, %d; want %d, %d", tc.state, tc.waitExit, tc.counter,
				expected, res, tc.expected, tc.res)
		}
	}
}
