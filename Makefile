# huitong: the two commands are `make run` (or `go run ./cmd/huitong serve --demo`)
# and `make test` (or `go test ./...`).
GO ?= go

.PHONY: run test vet build bench-catalog

run:
	$(GO) run ./cmd/huitong serve --demo

test: vet
	$(GO) test -count=1 -timeout 20m ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

build:
	CGO_ENABLED=0 $(GO) build -o bin/huitong ./cmd/huitong

bench-catalog:
	$(GO) run ./cmd/huitong bench catalog --entries 50000
