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

.PHONY: all build run test test-short diff fuzz bench bench-tpch lint tools cross release clean

all: build

build:
	$(GO) build -o $(BIN)/apiary ./cmd/apiary

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

release:
	@mkdir -p $(BIN)/release
	GOOS=linux GOARCH=amd64 $(GO) build -trimpath -o $(BIN)/release/apiary-linux-amd64 ./cmd/apiary
	GOOS=linux GOARCH=arm64 $(GO) build -trimpath -o $(BIN)/release/apiary-linux-arm64 ./cmd/apiary
	build/arm32.sh $(BIN)/release/apiary-linux-armv7

clean:
	rm -rf $(BIN)
