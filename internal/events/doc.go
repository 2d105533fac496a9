// Package events owns the in-process event bus of the daemon, Supervisor's
// event catalogue (the typed events the engine emits, each with its
// Supervisor event type name, its place in the type hierarchy and its exact
// payload text) and the pure parts of Supervisor's event listener pools:
// the listener protocol core (Listener), the pool buffer (PoolBuffer), the
// serials and the envelope written to listeners.
//
// Guarantees of the Bus:
//
//   - Publish never blocks the publisher. Each subscriber has its own bounded
//     queue; when it is full the event is dropped for that subscriber only,
//     its Dropped counter and the bus's total Dropped counter grow, and the
//     bus logs one warning per overflow burst (when it has a Logger).
//   - Delivery is ordered: publications are serialised, so every subscriber
//     sees the events it receives in one total order, the same for all
//     subscribers (a slow subscriber sees a subsequence of it, never a
//     reordering).
//   - A subscriber receives only what is published after Subscribe returns.
//   - Unsubscribing (Subscription.Close) closes the subscriber's channel once
//     what is queued has been handed over or dropped; a closed subscription
//     never receives again.
//
// Event listener pools do not use bus subscriptions: they need Supervisor's
// own overflow rule (the oldest event is discarded, not the newest), so the
// engine feeds each pool's PoolBuffer in the same critical section as the
// bus publication, and both see the same total order. See the supervisor
// package for the dispatch side.
package events
