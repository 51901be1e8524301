# Two commands on a fresh machine with only Python 3.11+ and make:
#   make up     start the whole platform on this computer (Ctrl-C stops it)
#   make test   run every test on real NATS and PostgreSQL
# The first run installs uv in .tools and every package from uv.lock in .venv; later runs
# only check that .venv matches uv.lock, which takes a fraction of a second.

PYTHON ?= python3
UV := .tools/bin/uv

.PHONY: up test bench sync generate

up: sync
	.venv/bin/dinet up

test: sync
	.venv/bin/pytest

bench: sync
	.venv/bin/python -m benchmarks

# After changing an event, a consumer or a handler: the schemas, deploy/nats and the AsyncAPI.
generate: sync
	.venv/bin/python -m dinet_contracts.generate
	.venv/bin/dinet asyncapi

sync: $(UV)
	$(UV) sync --frozen

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install uv==0.13.8
