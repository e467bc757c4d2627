# Thin shortcuts for the scripts; nothing here that the scripts do not do without make.
.PHONY: run test lint ci bench reliability fuzz-long stateful-long load audit bandit

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

# The long reliability runs (tests/RELIABILITY.md); their knobs are environment variables read by
# scripts/reliability, e.g. `make load LOAD_SECONDS=180 LOAD_USERS=20`,
# `make stateful-long STATEFUL_EXAMPLES=40 STATEFUL_STEPS=40`, `make fuzz-long FUZZ_EXAMPLES=200`.
# (make passes variables set on its command line or in the environment on to the script).

reliability:
	./scripts/reliability all

fuzz-long:
	./scripts/reliability fuzz

stateful-long:
	./scripts/reliability stateful

load:
	./scripts/reliability load

audit:
	./scripts/reliability audit

bandit:
	./scripts/reliability bandit
