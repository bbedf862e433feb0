# The two set-up commands of the README:
#   make run    builds the engine (release) and runs it on the embedded default venue
#   make test   builds everything (debug) and runs every test
# Both install missing system packages first (Tools/ci/install-deps.sh); make test also
# creates the Python venvs of the conformance tests (Tools/ci/setup-python.sh).

SWIFT ?= swift
ARGS ?= start

.PHONY: deps run test build release bench readers

deps:
	@Tools/ci/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product engine

run: release
	.build/release/engine $(ARGS)

test: deps
	Tools/ci/setup-python.sh
	$(SWIFT) build --build-tests
	# Three runs: ExchangeSim's in-process servers one test at a time (its tests time streams, pings and
	# per-minute weights, which a 2-core machine running them all at once stretches past their bounds);
	# the whole-system tests one at a time too (each starts engines, sims and Python clients: run side
	# by side on 2 cores they starve each other's feed and gateway threads); then everything else.
	$(SWIFT) test --skip-build --no-parallel --filter ExchangeSimTests
	$(SWIFT) test --skip-build --no-parallel --filter IntegrationTests
	$(SWIFT) test --skip-build --skip ExchangeSimTests --skip IntegrationTests

bench: deps
	$(SWIFT) build -c release --product bench
	.build/release/bench latency

readers:
	$(MAKE) -C Tools/readers/c
