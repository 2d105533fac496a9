// Package events owns the in-process event bus of the daemon and
// Supervisor's event catalogue: the typed events the engine emits, each with
// its Supervisor event type name and its exact payload text (the one event
// listeners read after the header line).
//
// Guarantees of the Bus:
//
//   - Publish never blocks the publisher. Each subscriber has its own bounded
//     queue; when it is full the event is dropped for that subscriber only and
//     its Dropped counter grows.
//   - Delivery is ordered: publications are serialised, so every subscriber
//     sees the events it receives in one total order, the same for all
//     subscribers (a slow subscriber sees a subsequence of it, never a
//     reordering).
//   - A subscriber receives only what is published after Subscribe returns.
//   - Unsubscribing (Subscription.Close) closes the subscriber's channel once
//     what is queued has been handed over or dropped; a closed subscription
//     never receives again.
//
// Event listener pools (the [eventlistener:x] protocol) are a later layer
// over this bus.
package events
