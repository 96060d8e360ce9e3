.PHONY: run test lint bench

run:  ## install everything and serve Turnout on http://127.0.0.1:8000
	bash scripts/run.sh

test:  ## lint, type-check and run every test (PostgreSQL + Redis, then embedded)
	bash scripts/test.sh

lint:
	uv run ruff check src tests bench && uv run mypy

bench:
	uv run python -m bench
