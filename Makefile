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

.PHONY: all build demo test test-short lint fuzz bench bench-data conformance pcaps golden clean

all: build

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/ftpsniff

demo:
	$(GO) run -tags '$(TAGS)' ./cmd/ftpsniff read $(DEMO_PCAP)

test:
	$(GO) test -tags '$(TAGS)' -count=1 ./...

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

# Every fuzz target for FUZZTIME each (go test -fuzz runs one target at a
# time). All targets run; the failing ones are listed at the end, and a
# crasher is left in the package's testdata/fuzz/ to commit as a
# regression test.
fuzz:
	@failed=""; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || failed="$$failed $$pkg.$$t"; \
	  done; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets that failed:$$failed"; exit 1; fi

# Agreement with Zeek's and Suricata's expected results on ../shared/corpus.
conformance:
	$(GO) run ./cmd/ftpsniff-conformance ../shared/corpus

pcaps:
	sudo bash testdata/pcaps/record.sh

clean:
	rm -rf bin
