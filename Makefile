# The two commands a newcomer needs: `make demo` and `make test`.
# Each target installs what it needs first, so both work on a fresh machine.

SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm

.PHONY: test demo faults faults-short bulk bulk-short fuzz bench check generate unit conformance tools js test-js python test-python clean

## Every test of every part: lint, unit, fixtures, properties, sandbox, spec conformance, demo.
test: check unit conformance test-js test-python demo faults-short bulk-short

## Starts the bundled sandbox and onboards customers against it: through the Rust example, then
## through the npm package (Node) and the pip package, each against a fresh sandbox.
demo:
	scripts/with-sandbox.sh $(CARGO) run --quiet --example onboard
	scripts/with-sandbox.sh scripts/demo-js.sh
	scripts/with-sandbox.sh scripts/demo-python.sh

## Formatting, lints and docs stay clean, and every generated surface is current.
check:
	$(CARGO) fmt --all -- --check
	$(CARGO) run --quiet -p cloudflare-tenant-codegen -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

## Writes every surface that lists operations from the core's catalog: the TypeScript
## declarations, the Python resources and TypedDicts, the operation tables of the READMEs.
generate:
	$(CARGO) run --quiet -p cloudflare-tenant-codegen

## Rust tests of the core and the sandbox.
unit:
	$(CARGO) test --workspace
	# The core alone, as the npm and pip packages build it: without serde_json's raw_value
	# feature, which the sandbox's axum turns on for the whole workspace.
	$(CARGO) test -p cloudflare-tenant --test shapes

## Every built request checked against the official OpenAPI document by Prism.
conformance: tools
	$(CARGO) test --test conformance -- --ignored

## The npm package: wasm-bindgen build of bindings/wasm plus the js/ layer.
js:
	bash js/scripts/build.sh

## The npm package's tests: Node, workerd (Miniflare), headless Chromium, the packed tarball.
test-js:
	bash js/scripts/test.sh

## The pip package: a maturin wheel of bindings/python plus the python/ layer.
python:
	bash python/scripts/build.sh

## The pip package's tests, against the installed wheel.
test-python:
	bash python/scripts/test.sh

## The fault run: 500 onboardings with a quarter of all requests faulted, through the onboarding
## flow with a service user per customer, then with a token per customer (asserts no duplicate,
## nothing lost, and for tokens none incomplete), then the same with a naive client that resends
## every failed POST, as the official SDKs do (prints what it duplicated).
FAULT_SANDBOX := --faults 0.25 --latency-ms 20 --rate-limit 1000000
faults:
	scripts/with-sandbox.sh --sandbox-args "$(FAULT_SANDBOX)" $(CARGO) run --quiet --example faults -- --onboardings 500
	scripts/with-sandbox.sh --sandbox-args "$(FAULT_SANDBOX)" $(CARGO) run --quiet --example faults -- --onboardings 500 --access token
	scripts/with-sandbox.sh --sandbox-args "$(FAULT_SANDBOX)" $(CARGO) run --quiet --example faults -- --onboardings 500 --naive

## The short fault run inside `make test`.
faults-short:
	scripts/with-sandbox.sh --sandbox-args "$(FAULT_SANDBOX)" $(CARGO) run --quiet --example faults -- --onboardings 100
	scripts/with-sandbox.sh --sandbox-args "$(FAULT_SANDBOX)" $(CARGO) run --quiet --example faults -- --onboardings 100 --access token

## Bulk onboarding at the rate limit: 2,000 customers (token access, one admin each) through
## the core's bulk machine against the sandbox with the limit scaled down to 120 requests per
## 3 s. Its last line: customers, requests, requests per customer, share of the limit used,
## 429s, duplicate accounts, incomplete customers. Then the same with a service user per
## customer (each accepts its invitation as itself, in its own budget). Not part of
## `make test` (about 10 minutes).
BULK_SANDBOX := --rate-limit 120 --rate-window 3
bulk:
	scripts/with-sandbox.sh --sandbox-args "$(BULK_SANDBOX)" $(CARGO) run --quiet --example bulk -- --customers 2000 --limit 120 --window 3
	scripts/with-sandbox.sh --sandbox-args "$(BULK_SANDBOX)" $(CARGO) run --quiet --example bulk -- --customers 2000 --limit 120 --window 3 --access service-user

## The short bulk run inside `make test`.
bulk-short:
	scripts/with-sandbox.sh --sandbox-args "$(BULK_SANDBOX)" $(CARGO) run --quiet --example bulk -- --customers 150 --limit 120 --window 3

## Fuzzing (nightly + cargo-fuzz): the envelope, every operation's parse, Retry-After, by-name
## params. FUZZ_RUNS executions per target.
FUZZ_RUNS ?= 10000000
fuzz:
	scripts/fuzz.sh $(FUZZ_RUNS)

## Benchmarks: ratios against same-process baselines, and package sizes
## (target/bench/results.json). Never part of `make test`.
bench:
	scripts/bench.sh

## Development tools from npm (Prism), pinned by tools/package-lock.json.
tools: tools/node_modules/.installed
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	$(NPM) ci --prefix tools --no-audit --no-fund
	touch $@

clean:
	$(CARGO) clean
	rm -rf tools/node_modules
