.PHONY: test lint bench demo fuzz

test: ## all tests, race detector on (needs PostgreSQL at 127.0.0.1:5432)
	go test -race -count=1 ./...

lint:
	go vet ./...
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	command -v staticcheck >/dev/null && staticcheck ./... || true

bench:
	go test -run '^$$' -bench . -benchmem ./...

fuzz: ## a short run of every fuzz target
	go test -run '^$$' -fuzz FuzzValidBSN -fuzztime 30s ./portal/
	go test -run '^$$' -fuzz FuzzDecodeBatch -fuzztime 30s ./api/
	go test -run '^$$' -fuzz FuzzCitizenClaims -fuzztime 30s ./portal/oidcrp/
	go test -run '^$$' -fuzz FuzzNewRequestValidate -fuzztime 30s ./portal/

demo:
	go run ./cmd/inzicht demo
