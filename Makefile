# supvisors-go build, test and demo entry points. `make test` is what CI
# runs (.ci/run); it works on a fresh Debian machine, as root or not.

# Go is installed in /usr/local/go/bin, which is not always on PATH; the Go
# tools we install (staticcheck) land in $(HOME)/go/bin.
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go

STATICCHECK_VERSION := v0.8.2
# Debian packages the end-to-end tests drive: the reference supervisord and
# supervisorctl, Python clients for the event interfaces, tmux, ip netns,
# and a C toolchain for `go test -race`.
APT_PACKAGES := supervisor python3-zmq python3-websockets tmux iproute2 gcc libc6-dev

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DEMO_DIR := /tmp/supvisors-demo
# The daemon `make demo` runs; DEMO_DAEMON=/usr/bin/supervisord shows the
# same demo under Debian's supervisord.
DEMO_DAEMON ?= bin/supvisord
TEST_TIMEOUT ?= 25m

.PHONY: all build demo demo-single test deps lint bench install clean golden golden-check

all: build

build:
	$(GO) build -o bin/ ./cmd/...

# demo runs a 3-instance cluster on 127.0.0.1; demo-single runs one
# supervisord-compatible daemon with example programs.
demo: build
	scripts/demo-cluster.sh bin/supvisord bin/supvisorsctl

demo-single: build
	mkdir -p $(DEMO_DIR)
	@echo "demo: logs in $(DEMO_DIR); try: supervisorctl -s http://127.0.0.1:9001 status (Ctrl-C stops the demo)"
	$(DEMO_DAEMON) -n -c docs/examples/demo.conf

# The benchmark harness test runs one short scenario against our daemon
# (SUPVISORS_BENCH_A) and Debian's supervisord. The supvisorsctl comparison
# runs twice: against Debian's supervisord, then against ours; and the
# golden transcripts are replayed a second time with supvisorsctl as the
# client.
test: deps lint build
	SUPVISORS_BENCH_A=$(CURDIR)/bin/supvisord $(GO) test -race -timeout $(TEST_TIMEOUT) ./...
	SUPVISORS_TEST_DAEMON=$(CURDIR)/bin/supvisord $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./internal/ctl/
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./e2e/ -ctl=$(CURDIR)/bin/supvisorsctl

# deps installs what the tests need and is missing. It never upgrades.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "deps: installing$$missing"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing || exit 1; \
		else \
			echo "deps: missing Debian packages; run as root:"; \
			echo "  apt-get update && apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	staticcheck ./...

# bench runs every side-by-side scenario (ours as A, Debian's supervisord as
# B) and writes the table to bin/bench-latest.md; then the cluster
# benchmarks (OPERATION and failover per size; the start of a managed
# application sequence by sequence; a RESTART_PROCESS program moved when
# its instance is killed); then the Go micro-benchmarks of the hot paths.
bench: deps build
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk; } || { echo "bench: run as root: apt-get install -y wrk"; exit 1; }
	$(GO) build -o bin/supvisors-bench ./cmd/supvisors-bench
	./bin/supvisors-bench -a ./bin/supvisord -b "$$(command -v supervisord)" -v -o bin/bench-latest.md -json bin/bench-latest.json
	scripts/rpc-wrk.sh bin/supvisord "$$(command -v supervisord)" 3 | tee bin/rpc-wrk-latest.txt
	./bin/supvisors-bench -a ./bin/supvisord -cluster 3,10,25,50 -v -o bin/bench-cluster-latest.md
	./bin/supvisors-bench -a ./bin/supvisord -cluster-app 50 -cluster-loss slave,master -v -o bin/bench-cluster-apps-latest.md
	$(GO) test -run XXX -bench . -benchmem ./internal/xmlrpc ./internal/config ./internal/logs

# Re-record the golden transcripts from Debian's supervisord, and check that
# they are stable (the harness run against the daemon that recorded them).
golden:
	scripts/golden.sh update

golden-check:
	scripts/golden.sh check

install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 bin/supvisord $(DESTDIR)$(BINDIR)/supvisord
	@if [ -f bin/supvisorsctl ]; then \
		install -m 0755 bin/supvisorsctl $(DESTDIR)$(BINDIR)/supvisorsctl && \
		ln -sf supvisorsctl $(DESTDIR)$(BINDIR)/supervisorctl; \
	fi

clean:
	rm -rf bin
