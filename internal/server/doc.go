// Package server owns the HTTP front end of supvisord: one handler served
// on every [inet_http_server*] and [unix_http_server*] listener, Basic
// auth (plain and {SHA} passwords) on every route, XML-RPC on /RPC2*,
// the never-ending /logtail and /mainlogtail streams, Supervisor's
// unix-socket creation procedure (temporary name, chmod, hard link, stale
// socket removal), keep-alive and deadlines, and graceful shutdown.
//
// Routes it does not own (the web UI, REST, /metrics) are delegated to
// Options.Fallback; without one they answer 404.
//
// Transport choices, and why:
//
//   - Server header "Medusa/1.12", exactly what Supervisor 4.2.5 sends, so
//     that tools fingerprinting a supervisord keep recognising the daemon.
//   - Idle keep-alive connections live 30 minutes: supervisorctl and Python
//     Supvisors peers hold one connection and never retry.
//   - Request headers must arrive within HeaderTimeout and an XML-RPC body
//     within BodyTimeout; no deadline runs while a method blocks (a stop
//     with wait=true lasts up to stopwaitsecs), and each write (a response,
//     a chunk of a log stream) must complete within WriteTimeout.
//   - TCP_NODELAY is on (Go's default for TCP): responses are written in
//     one piece and must not wait for Nagle's algorithm.
//   - Listeners are IPv4 only, like Supervisor's AF_INET server.
package server
