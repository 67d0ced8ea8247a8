# Apiary build and test entry points. `make run` and `make test` are the
# README's quick start; both work on a fresh machine with only Go installed.

GO       ?= go
BIN      := bin
TOOLS    := $(CURDIR)/tools/bin
LISTEN   ?= 127.0.0.1:5432
STORAGE  ?= file://./apiary-data
PKGS     := ./...
# Pinned test tools. MinIO publishes only RELEASE tags, so the pin is the
# pseudo-version of the commit whose behaviour docs/storage.md relies on
# (If-None-Match: * answered with 412).
MINIO_VERSION       := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.2
export CGO_ENABLED := 0

.PHONY: all build run test test-short test-arm64 diff fuzz bench bench-tpch bench-swarm lint tools cross release clean

all: build

build:
	$(GO) build -o $(BIN)/apiary ./cmd/apiary

# run starts a node for this machine; flags, APIARY_* variables and a
# configuration file (--config) are described in docs/operations.md.
run: build
	$(BIN)/apiary serve --listen $(LISTEN) --storage $(STORAGE)

# tools installs what the tests need that Go can build: MinIO for the S3
# backend tests. Everything lands in the git-ignored tools/ folder.
tools: $(TOOLS)/minio

$(TOOLS)/minio:
	@mkdir -p $(TOOLS)
	@echo "installing MinIO $(MINIO_VERSION) into tools/bin (first time only, takes a few minutes)"
	GOBIN=$(TOOLS) $(GO) install github.com/minio/minio@$(MINIO_VERSION)

$(TOOLS)/staticcheck:
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# test runs every test. APIARY_TEST_STRICT makes a test that needs an external
# part (MinIO, PostgreSQL, a client driver) fail instead of skipping.
test: tools build
	# The race detector needs cgo; the binary itself is still built without it.
	CGO_ENABLED=1 APIARY_TEST_STRICT=1 APIARY_MINIO_BIN=$(TOOLS)/minio $(GO) test -timeout 20m -race -count=1 $(PKGS)

# test-short is the inner loop: no race detector, no long-running suites.
test-short:
	$(GO) test -short -count=1 $(PKGS)

# diff runs only the differential suite against PostgreSQL 15 (docs/testing.md)
# and prints its summary: queries passed and pending per corpus file.
diff:
	APIARY_TEST_STRICT=1 $(GO) test -count=1 -v -run '^TestDiff$$' ./regress/difftest

# fuzz runs each wire-server fuzz target (server/fuzz_test.go) for
# FUZZTIME; a failing input lands in server/testdata/fuzz/<target>/.
# Minimizing each new interesting input may otherwise take a minute, the
# whole run.
FUZZTIME ?= 20s
FUZZFLAGS = -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 2s
fuzz:
	$(GO) test $(FUZZFLAGS) -fuzz '^FuzzStartup$$' ./server/
	$(GO) test $(FUZZFLAGS) -fuzz '^FuzzMessages$$' ./server/

# The COPY benchmark (regress/copybench) loads TPC-H lineitem at
# APIARY_COPY_SF (default 0.1) into Apiary and into PostgreSQL 15; the
# small-insert one sends 1000 single-row INSERTs per backend.
bench: tools build
	APIARY_MINIO_BIN=$(TOOLS)/minio $(GO) test -run '^$$' -bench . -benchtime 2s -count 1 ./objstore/... ./txn/... ./exec/...
	APIARY_MINIO_BIN=$(TOOLS)/minio $(GO) test -run '^$$' -bench CopyLineitem -benchtime 2x -count 1 -timeout 30m ./regress/copybench/
	APIARY_MINIO_BIN=$(TOOLS)/minio $(GO) test -run '^$$' -bench SmallInserts -benchtime 1000x -count 1 -timeout 30m ./regress/copybench/
	$(MAKE) bench-tpch

# The TPC-H table of docs/performance.md: per-query medians over the wire
# next to PostgreSQL 15, and whether each answer equals PostgreSQL's.
# SF=1 by default; MEMLIMIT=1GiB runs the small-machine variant.
SF ?= 1
bench-tpch:
	APIARY_TPCH_SF=$(SF) APIARY_TPCH_MEMLIMIT=$(MEMLIMIT) APIARY_TPCH_REPORT=1 \
	APIARY_TPCH_JSON=bench-results/tpch-sf$(SF)$(if $(MEMLIMIT),-$(MEMLIMIT)).json \
	$(GO) test -run 'TestTPCHReport|TestConcurrencyReport' -count 1 -v -timeout 60m ./regress/tpchbench/

# The swarm tables of docs/performance.md: TPC-H on one node against three
# node processes on this machine sharing a directory (SF=0.1 by default
# here; RUNS=3 timed runs per query), and the fixed overhead of one
# distributed query on MinIO (regress/swarmbench).
bench-swarm: SF = 0.1
bench-swarm: tools build
	APIARY_SWARM_REPORT=1 APIARY_SWARM_SF=$(SF) APIARY_SWARM_RUNS=$(or $(RUNS),3) APIARY_BIN=$(CURDIR)/$(BIN)/apiary \
	APIARY_MINIO_BIN=$(TOOLS)/minio APIARY_SWARM_REPORT_FILE=$(CURDIR)/bench-results/swarm-sf$(SF).md \
	$(GO) test -run '^TestSwarmReport$$' -count 1 -v -timeout 60m ./regress/swarmbench/

lint: $(TOOLS)/staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(TOOLS)/staticcheck $(PKGS)

# cross checks that the pure-Go build works for the small machines Apiary
# targets. 32-bit ARM goes through build/arm32.sh, which patches three
# 64-bit assumptions of the SQL parser (see the script).
cross:
	GOOS=linux GOARCH=arm64 $(GO) build -o /dev/null ./cmd/apiary
	build/arm32.sh /dev/null

# release writes stripped linux binaries for amd64, arm64 (Raspberry Pi 3/4/5
# on a 64-bit OS) and armv7 (32-bit Raspberry Pi OS) into bin/release, with
# their SHA-256 sums. `apiary version` prints VERSION.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
RELEASE_LDFLAGS := -s -w -X main.version=$(VERSION)
release:
	@mkdir -p $(BIN)/release
	GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(RELEASE_LDFLAGS)' -o $(BIN)/release/apiary-linux-amd64 ./cmd/apiary
	GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(RELEASE_LDFLAGS)' -o $(BIN)/release/apiary-linux-arm64 ./cmd/apiary
	LDFLAGS='$(RELEASE_LDFLAGS)' build/arm32.sh $(BIN)/release/apiary-linux-armv7
	cd $(BIN)/release && sha256sum apiary-linux-amd64 apiary-linux-arm64 apiary-linux-armv7 > SHA256SUMS

# test-arm64 cross-compiles the unit tests of pure packages for linux/arm64
# and runs them under qemu-user emulation (Debian package qemu-user), as CI
# does: it exercises what differs on 64-bit ARM, such as the arm64 assembly
# or pure-Go fallbacks of dependencies (hashing, compression) and any
# architecture-dependent code of ours. Tests that start copies of
# their own binary cannot run there (qemu-user does not follow execve into
# another architecture) and are skipped by name.
ARM64_PKGS := exec/vec exec/expr txn objstore internal/hardware internal/config swarm
ARM64_SKIP := ^(TestMultiProcessAppends|TestKillWriter|TestLocalMultiProcessPutIfAbsent)$$
test-arm64:
	@command -v qemu-aarch64 >/dev/null || { echo "test-arm64 needs qemu-aarch64: apt-get install qemu-user"; exit 1; }
	@mkdir -p $(BIN)/arm64-tests
	@set -e; for p in $(ARM64_PKGS); do \
		t=$(CURDIR)/$(BIN)/arm64-tests/$$(echo $$p | tr / -).test; \
		GOOS=linux GOARCH=arm64 $(GO) test -c -o $$t ./$$p; \
		echo "qemu-aarch64 $$p"; \
		(cd $$p && qemu-aarch64 $$t -test.short -test.count=1 -test.skip '$(ARM64_SKIP)'); \
	done

clean:
	rm -rf $(BIN)
