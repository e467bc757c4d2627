# Thin shortcuts for the scripts; nothing here that the scripts do not do without make.
.PHONY: run test lint ci bench

run:
	./scripts/run

test:
	./scripts/test $(ARGS)

lint:
	./scripts/lint

ci:
	bash .ci/run

bench:
	@if [ -x benchmarks/run ]; then ./benchmarks/run; else echo "No benchmarks yet (benchmarks/run does not exist)."; fi
