.PHONY: test lint bench demo fuzz

test: ## all tests, race detector on (needs PostgreSQL at 127.0.0.1:5432)
	go test -race -count=1 ./...

lint:
	go vet ./...
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	command -v staticcheck >/dev/null && staticcheck ./... || true
	test -x .ci/node_modules/.bin/spectral || npm ci --prefix .ci --no-audit --no-fund
	.ci/node_modules/.bin/spectral lint --ruleset .ci/.spectral.yaml --fail-severity=warn api/openapi.json
	REDOCLY_TELEMETRY=off .ci/node_modules/.bin/redocly lint --config .ci/redocly.yaml api/openapi.json

bench:
	go test -run '^$$' -bench . -benchmem ./...

fuzz: ## a short run of every fuzz target
	go test -run '^$$' -fuzz FuzzValidBSN -fuzztime 30s ./portal/
	go test -run '^$$' -fuzz FuzzDecodeBatch -fuzztime 30s ./api/
	go test -run '^$$' -fuzz FuzzResourceBodies -fuzztime 30s ./api/
	go test -run '^$$' -fuzz FuzzRawTextErrors -fuzztime 30s ./api/
	go test -run '^$$' -fuzz FuzzVNGBody -fuzztime 30s ./api/
	go test -run '^$$' -fuzz FuzzInflate -fuzztime 30s ./portal/httpbody/
	go test -run '^$$' -fuzz FuzzCitizenClaims -fuzztime 30s ./portal/oidcrp/
	go test -run '^$$' -fuzz FuzzNewRequestValidate -fuzztime 30s ./portal/

demo:
	go run ./cmd/inzicht demo
