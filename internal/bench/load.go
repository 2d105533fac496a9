package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// LoadSpec describes a closed-loop RPC load: Clients goroutines, each with
// its own connection, call Method back to back for Duration.
type LoadSpec struct {
	NewClient func() (*xmlrpc.Client, error)
	Clients   int
	Duration  time.Duration
	Method    string
	Params    []any
	// Check, when set, validates the first answer each client gets.
	Check func(any) error
}

// LoadResult is the throughput and latency of a load run.
type LoadResult struct {
	Calls          int
	CallsPerSecond float64
	P50, P99       time.Duration
}

// maxSamplesPerClient bounds the memory of latency samples; a client that
// makes more calls keeps counting them but records no more latencies.
const maxSamplesPerClient = 1 << 20

// Load runs spec. Each client first makes one untimed call, which opens its
// connection and is checked; then all clients start together and stop by
// themselves when Duration has passed (a call in flight finishes and counts).
func Load(ctx context.Context, spec LoadSpec) (LoadResult, error) {
	if spec.Clients < 1 || spec.Duration <= 0 {
		return LoadResult{}, fmt.Errorf("bench: load needs at least one client and a positive duration")
	}
	clients := make([]*xmlrpc.Client, spec.Clients)
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range clients {
		c, err := spec.NewClient()
		if err != nil {
			return LoadResult{}, err
		}
		clients[i] = c
		res, err := c.Call(ctx, spec.Method, spec.Params...)
		if err != nil {
			return LoadResult{}, fmt.Errorf("bench: %s: %w", spec.Method, err)
		}
		if spec.Check != nil {
			if err := spec.Check(res); err != nil {
				return LoadResult{}, err
			}
		}
	}

	latencies := make([][]time.Duration, spec.Clients)
	counts := make([]int, spec.Clients)
	errs := make([]error, spec.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(spec.Duration)
	for i, c := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t0 := time.Now()
				// The first answer was decoded and checked above; the
				// load itself only reads the answers, as wrk would, so
				// that decoding in this process does not cap what is
				// measured of the daemon.
				doc, err := c.CallRaw(ctx, spec.Method, spec.Params...)
				if err == nil && bytes.Contains(doc, []byte("<fault>")) {
					// Rare: decode it to report the fault itself.
					if _, err = xmlrpc.DecodeResponse(bytes.NewReader(doc), int64(len(doc))); err == nil {
						err = errors.New("fault answered")
					}
				}
				if err != nil {
					errs[i] = fmt.Errorf("bench: %s: %w", spec.Method, err)
					return
				}
				counts[i]++
				if len(latencies[i]) < maxSamplesPerClient {
					latencies[i] = append(latencies[i], time.Since(t0))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []float64
	total := 0
	for i := range clients {
		if errs[i] != nil {
			return LoadResult{}, errs[i]
		}
		total += counts[i]
		for _, l := range latencies[i] {
			all = append(all, float64(l))
		}
	}
	return LoadResult{
		Calls:          total,
		CallsPerSecond: float64(total) / elapsed.Seconds(),
		P50:            time.Duration(Percentile(all, 50)),
		P99:            time.Duration(Percentile(all, 99)),
	}, nil
}
