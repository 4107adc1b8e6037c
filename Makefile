# The two commands of the README:  make run  (install + start the app)   make test  (install + run the tests)
.PHONY: install run test test-fast bench eval clean

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

install:
	./scripts/install.sh

run: install
	.venv/bin/python app.py

test: install
	./scripts/test.sh

test-fast: install
	.venv/bin/python -m pytest -m "not slow and not e2e" -q

bench: install
	.venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv .pytest_cache
