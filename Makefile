# Qala: `make demo` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
export PATH := $(HOME)/.cargo/bin:$(PATH)

# Qala's own PostgreSQL cluster for the demo, and a throwaway one for the tests.
DEMO_DATA_DIR ?= $(CURDIR)/var
TEST_DATA_DIR ?= /tmp/qala-test-$(shell echo $(CURDIR) | md5sum | cut -c1-8)
BIND ?= 127.0.0.1:8443
# The demo serves HTTPS at BIND (a local certificate made once) and redirects plain HTTP from here.
DEMO_HTTP ?= 127.0.0.1:8080

.PHONY: setup web build demo demo-stop test lint bench bench-ingest bench-tiles bench-features bench-print bench-apps bench-eds bench-ops bench-raster clean

setup:
	@scripts/setup.sh

# The web map (web/): npm packages at the versions of the lock file (`npm install`: `npm ci` refuses
# locks written with omit-lockfile-registry-resolved, which lack other platforms' optional packages),
# then Vite writes web/dist, which the binary
# embeds. Rebuilt only when its sources change.
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/vite.config.ts web/public -type f 2>/dev/null)

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm install --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

web: setup web/dist/index.html

# OWSLib (PyPI), an independent OGC API - Features client the tests drive, in its own venv.
PYENV := target/pyenv
$(PYENV)/.owslib-0.35.0:
	python3 -m venv $(PYENV)
	$(PYENV)/bin/pip install --quiet --disable-pip-version-check OWSLib==0.35.0
	touch $@

# schemathesis (PyPI), a property-based API tester that tests/openapi_conformance.rs runs against
# both OpenAPI documents (/api/openapi.json and /ogc/api) of a running server, in the same venv
# (the test names the same version).
SCHEMATHESIS := 4.32.5
$(PYENV)/.schemathesis-$(SCHEMATHESIS):
	python3 -m venv $(PYENV)
	$(PYENV)/bin/python -m pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS)
	touch $@

build: setup web
	$(CARGO) build --release

# The demo's notifications go to two processes of their own: qala-smtp-sink (an SMTP server that
# writes each e-mail to a file) and qala-sms-simulator (an SMS gateway simulator, not a real one).
DEMO_SMTP ?= 127.0.0.1:2525
DEMO_SMS ?= 127.0.0.1:9025
# The state systems (ИС АР, ГБД ФЛ/ЮЛ/РН, БМГ, ALSECO) are qala-state-simulator: SIMULATORS, not the
# real systems (the SMS sign-in asks its БМГ for the phone; demo person IIN 900515301234).
DEMO_STATE ?= 127.0.0.1:9030

demo: build
	@dir=$$(scripts/data-dir.sh $(DEMO_DATA_DIR)); \
	./target/release/qala --data-dir "$$dir" db start && \
	./target/release/qala --data-dir "$$dir" demo-data || exit 1; \
	./target/release/qala-smtp-sink --listen $(DEMO_SMTP) --dir "$$dir/mail" >"$$dir/smtp-sink.log" 2>&1 & sink=$$!; \
	./target/release/qala-sms-simulator --listen $(DEMO_SMS) >"$$dir/sms-simulator.log" 2>&1 & sim=$$!; \
	./target/release/qala-state-simulator --listen $(DEMO_STATE) >"$$dir/state-simulator.log" 2>&1 & state=$$!; \
	trap 'kill $$sink $$sim $$state 2>/dev/null' EXIT; \
	if [ ! -s "$$dir/tls/cert.pem" ]; then mkdir -p "$$dir/tls" && openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$$dir/tls/key.pem" \
		-out "$$dir/tls/cert.pem" 2>/dev/null || exit 1; fi; \
	echo "Map: https://$(BIND)/ (a local self-signed certificate: $$dir/tls/cert.pem; http://$(DEMO_HTTP)/ redirects)"; \
	echo "     (stop with Ctrl-C; the database keeps running: make demo-stop)"; \
	echo "E-mail: files in $$dir/mail/ (qala-smtp-sink on smtp://$(DEMO_SMTP))"; \
	echo "SMS: http://$(DEMO_SMS)/messages (qala-sms-simulator, a simulator, not a real gateway)"; \
	echo "State systems: http://$(DEMO_STATE)/ (qala-state-simulator, SIMULATORS, not the real systems)"; \
	./target/release/qala --data-dir "$$dir" serve --bind $(BIND) \
		--tls-cert "$$dir/tls/cert.pem" --tls-key "$$dir/tls/key.pem" --http-redirect-bind $(DEMO_HTTP) \
		--smtp-url smtp://$(DEMO_SMTP) --sms-gateway-url http://$(DEMO_SMS)/messages \
		--state-systems-url http://$(DEMO_STATE)

demo-stop:
	@dir=$$(scripts/data-dir.sh $(DEMO_DATA_DIR)); ./target/release/qala --data-dir "$$dir" db stop

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

# The whole suite against a real PostGIS: a fresh cluster in TEST_DATA_DIR, a database per test.
# The cluster (several GB after a full run) is removed at the end unless KEEP_TEST_DATA=1.
test: setup lint web $(PYENV)/.owslib-0.35.0 $(PYENV)/.schemathesis-$(SCHEMATHESIS)
	cd web && npm test
	$(CARGO) build --all-targets --locked
	@if [ -d "$(TEST_DATA_DIR)" ]; then ./target/debug/qala --data-dir "$(TEST_DATA_DIR)" db stop >/dev/null 2>&1 || true; rm -rf "$(TEST_DATA_DIR)"; fi
	@mkdir -p "$(TEST_DATA_DIR)" && chmod 755 "$(TEST_DATA_DIR)"
	QALA_TEST_DATA_DIR="$(TEST_DATA_DIR)" $(CARGO) test --all-targets --locked; rc=$$?; \
	QALA_TEST_DATA_DIR="$(TEST_DATA_DIR)" $(CARGO) test --doc --locked; rc2=$$?; \
	./target/debug/qala --data-dir "$(TEST_DATA_DIR)" db stop >/dev/null; \
	if [ -z "$(KEEP_TEST_DATA)" ]; then rm -rf "$(TEST_DATA_DIR)"; fi; \
	exit $$(( rc | rc2 ))

bench: bench-ingest bench-tiles bench-features bench-print bench-apps bench-eds bench-ops bench-raster

# EDS sign-in: the verification in process (chain, cached revocation) and sign-ins over HTTP at 8
# connections, against a test CA in NCA's profile.
bench-eds: web
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked --bins --example eds_verify_bench
	benches/eds.sh

# Applications: the monitoring table, submissions with their overlay, the applications layer's tiles,
# and in the browser the table's first page, the single window and the layer panned on the map.
bench-apps: web
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/apps.sh

# Several servers and HTTPS: tiles and features items through HAProxy over one and two servers,
# tiles over HTTPS against HTTP (issue 16).
bench-ops:
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/ops.sh

# Ingest of a 300,000-polygon GeoPackage: Qala against ogr2ogr, same database, one run.
bench-ingest:
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/ingest.sh

# Tiles against Martin 1.14.0: same PostGIS, same tables, same tiles, cache off and on.
bench-tiles:
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/tiles.sh

# OGC API - Features against pygeoapi 0.21 (PyPI, gunicorn, 2 workers) on the same 300,000 buildings.
bench-features:
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/features.sh

# GeoPDF prints of central Almaty (A3 1:2000, A1 1:10,000) and a passport: time and size.
bench-print: web
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/print.sh

# WMS images and PNG tiles against MapServer 8 (Debian, FastCGI behind nginx), same PostGIS tables,
# styled alike (benches/mapserver/qala.map from styles/qala.json), Qala's tile cache off.
bench-raster:
	@QALA_SETUP_BENCH=1 scripts/setup.sh
	$(CARGO) build --release --locked
	benches/raster.sh

clean:
	-./target/debug/qala --data-dir "$(TEST_DATA_DIR)" db stop
	rm -rf "$(TEST_DATA_DIR)" target
