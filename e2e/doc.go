// Package e2e holds the end-to-end tests of supvisors-go: they build the real
// binaries and drive them with clients that no one here wrote (Debian's
// supervisorctl 4.2.5 and Python's xmlrpc.client).
//
// The golden harness (golden_test.go) runs the scripts in testdata/golden
// against a daemon and compares every recorded output with the one Debian's
// supervisord produced. Run `go test ./e2e -update` to re-record the goldens
// from /usr/bin/supervisord, and `go test ./e2e -daemon=/usr/bin/supervisord`
// to check that the harness itself is stable.
package e2e
