# ftpsniff — the two commands a newcomer needs:
#   make demo   analyse a capture bundled in the repo
#   make test   run every test
#
# Live capture needs libpcap (Debian: libpcap-dev) and cgo; it is built in
# automatically when both are present. File analysis never needs them.

GO        ?= go
BIN       ?= bin/ftpsniff
DEMO_PCAP ?= testdata/pcaps/vsftpd-anon-passive.pcap
FUZZTIME  ?= 20s

# Build live capture in only where it can link: cgo on and pcap.h present.
PCAP_TAG  := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && [ -f /usr/include/pcap/pcap.h -o -f /usr/include/pcap.h ] && echo pcap)
TAGS      := $(PCAP_TAG)

.PHONY: all build demo test test-short lint fuzz bench bench-data bench-scale bench-go bench-live conformance pcaps golden clean

all: build

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/ftpsniff

demo:
	$(GO) run -tags '$(TAGS)' ./cmd/ftpsniff read $(DEMO_PCAP)

# Every test, in each build a user can get: with libpcap (-tags pcap, when
# cgo and pcap.h are here) and pure Go without cgo (what `go install` gives
# on a machine without libpcap). testsummary prints each package's line, the
# output of failing tests, every skipped test with its reason, and closes
# with "BUILD: N passed, N failed, N skipped".
TESTSUM = $(GO) run ./internal/cmd/testsummary
test:
	@if [ -n "$(PCAP_TAG)" ]; then \
	  echo "=== tests, build with libpcap (-tags pcap)"; \
	  $(GO) test -json -tags pcap -count=1 ./... | $(TESTSUM) -build pcap || exit 1; \
	else \
	  echo "=== no cgo or no libpcap headers here: the libpcap build is not tested"; \
	fi
	@echo "=== tests, pure Go build (CGO_ENABLED=0)"
	@CGO_ENABLED=0 $(GO) test -json -count=1 ./... | $(TESTSUM) -build pure-go

test-short:
	$(GO) test -tags '$(TAGS)' -short -count=1 ./...

# Regenerate golden files after an intended output change; review the diff.
golden:
	$(GO) test -tags '$(TAGS)' -count=1 ./cmd/ftpsniff/ ./report/ -update

lint:
	@test -z "$$(gofmt -l .)" || { echo "not gofmt-formatted:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet ./...
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck ./...

# Every fuzz target for FUZZTIME each. A failing input that reproduces when
# run alone is a crasher: printed, left in testdata/fuzz/ to commit as a
# regression seed, and the target fails. The engine's own timeout without an
# input is a warning (scripts/fuzz.sh says how each case is told apart).
fuzz:
	GO=$(GO) bash scripts/fuzz.sh $(FUZZTIME)

# Benchmarks (issue 6): a generated capture of real sessions replayed,
# measured against the floor (read + decode only), tshark and dsniff.
#   make bench                 1 GB capture, generated once into bench-data/
#   make bench SIZE=4GB        the same at 4 GB (RSS must not grow)
#   make bench-scale           1 GB and 4 GB side by side, fast tools only
#   make bench-go              every Go benchmark once (seconds; for CI)
SIZE       ?= 1GB
SEED       ?= 1
BENCH_ARGS ?=
bench_name  = bench-$(shell echo '$(1)' | tr 'A-Z' 'a-z' | sed 's/i\{0,1\}b$$//')$(if $(filter-out 1,$(SEED)),-seed$(SEED)).pcap
BENCH_FILE ?= bench-data/$(call bench_name,$(SIZE))

bench-data: $(BENCH_FILE)

bench-data/bench-%.pcap:
	$(GO) run ./cmd/ftpsniff-benchgen -o $@ -size $(SIZE) -seed $(SEED)

bench: build $(BENCH_FILE)
	$(GO) run ./cmd/ftpsniff-bench -bin $(BIN) $(BENCH_ARGS) $(BENCH_FILE)

bench-scale: build
	$(MAKE) bench-data SIZE=1GB
	$(MAKE) bench-data SIZE=4GB
	$(GO) run ./cmd/ftpsniff-bench -bin $(BIN) -no-slow $(BENCH_ARGS) bench-data/$(call bench_name,1GB) bench-data/$(call bench_name,4GB)

bench-go:
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchtime 1x ./...

# Live capture keeps up (issue 6): the bench capture replayed by tcpreplay
# into a veth pair between two throw-away network namespaces, `ftpsniff
# live` capturing on the far end, at the capture's own speed, 1000 Mbps and
# top speed, with libpcap's 2 MiB buffer, ftpsniff's default and 256 MiB;
# one table of libpcap's counters against what ftpsniff processed and the
# sessions `read` finds. Needs root and tcpreplay (and libpcap-dev to
# build). Subsets: LIVE_ARGS='-rates top -buffers 256MiB'.
#   sudo make bench-live                 about 2 minutes for the 1 GB capture
LIVE_ARGS ?=
bench-live:
	@[ "$$(id -u)" = 0 ] || { echo "make bench-live needs root (network namespaces, packet capture): sudo make bench-live"; exit 1; }
	@command -v tcpreplay >/dev/null 2>&1 || { echo "make bench-live needs tcpreplay (Debian: apt-get install tcpreplay)"; exit 1; }
	@[ "$(PCAP_TAG)" = pcap ] || { echo "make bench-live needs live capture built in: install libpcap-dev, cgo on"; exit 1; }
	@$(MAKE) --no-print-directory build $(BENCH_FILE)
	$(GO) build -o bin/ftpsniff-bench ./cmd/ftpsniff-bench
	bin/ftpsniff-bench live -bin $(BIN) $(LIVE_ARGS) $(BENCH_FILE)

# Agreement with Zeek's and Suricata's expected results on ../shared/corpus.
conformance:
	$(GO) run ./cmd/ftpsniff-conformance ../shared/corpus

pcaps:
	sudo bash testdata/pcaps/record.sh

clean:
	rm -rf bin
