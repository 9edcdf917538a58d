# Every target creates or reuses the virtual environment .venv on its own.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-quick lessons check mutants lab site bench bench-conv bench-gru bench-attention bench-keras bench-backends sweep-keras bench-grading clean

$(STAMP): pyproject.toml
	bash .ci/system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)  ## the virtual environment, and the Debian packages of .ci/system-packages when root or sudo allows
	bash .ci/system-packages

demo: $(STAMP)  ## build the lessons, grade a sample class, print the score table
	PATH="$(BIN):$$PATH" $(BIN)/python -m autograder demo

test: $(STAMP)  ## the project's whole test suite
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest

test-quick: $(STAMP)  ## the tests that execute no notebook: the inner loop while editing code
	PATH="$(BIN):$$PATH" $(BIN)/python -m pytest -m "not notebooks and not browser"

lessons: $(STAMP)  ## rebuild solution notebooks, student versions and fixtures from the sources
	PATH="$(BIN):$$PATH" $(BIN)/python -m autograder build

check: $(STAMP)  ## fail if anything committed differs from what the build makes
	PATH="$(BIN):$$PATH" $(BIN)/python -m autograder build --check

mutants: $(STAMP)  ## judge every mutant and correct alternative; report the shares caught and kept; rewrite docs/bug-classes.md
	PATH="$(BIN):$$PATH" $(BIN)/python -m autograder mutants --table docs/bug-classes.md

lab: $(STAMP)  ## JupyterLab opened on lessons/, with nbgrader's Validate and formgrader (LAB_ARGS=--allow-root when root)
	PATH="$(BIN):$$PATH" JUPYTER_CONFIG_PATH="$(CURDIR)/autograder/jupyter" $(BIN)/jupyter lab $(LAB_ARGS)

site: $(STAMP)  ## the course as a static website in work/site/html: executed solutions, search, offline math
	PATH="$(BIN):$$PATH" $(BIN)/python -m autograder site

# The lessons bench-keras runs on the full data; bench runs the others after it.
KERAS_LESSONS := 07_keras_cnn 08_keras_rnn 09_evaluation 10_emotions 11_attention 12_explanations
OTHER_LESSONS := $(filter-out $(KERAS_LESSONS),$(notdir $(wildcard solutions/[0-9][0-9]_*)))

bench: $(STAMP) bench-conv bench-gru bench-attention bench-keras  ## run the benchmarks, then every other solution notebook on the full data (slow)
	PATH="$(BIN):$$PATH" $(BIN)/python -m autograder execute --full $(OTHER_LESSONS)

bench-conv: $(STAMP)  ## time lesson 02's convolution layers: loops, vectorized, bare matrix products, Keras
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/conv.py

bench-gru: $(STAMP)  ## time lesson 04's NumPy GRU against keras.layers.GRU, and an epoch of lesson 05's model
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/gru.py

bench-attention: $(STAMP)  ## time lesson 11's NumPy multi-head attention against keras.layers.MultiHeadAttention
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/attention.py

bench-keras: $(STAMP)  ## train every model of lessons 07-12 on the full data; print one table of results
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/keras_models.py $(KERAS_LESSONS)

bench-backends: $(STAMP)  ## install the extra jax, then time an epoch of lessons 08's GRU and 07's CNN on TensorFlow and on JAX
	$(BIN)/python -m pip install --quiet -e ".[jax]"
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/backends.py $(BENCH_ARGS)

sweep-keras: $(STAMP)  ## the validation sweeps behind lessons 07 and 08's settings (slow: about 40 minutes)
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/keras_sweeps.py cnn "" side=last side=last,tokens=20000 side=last,length=600 \
		side=last,filters=100,embedding_dim=64
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/keras_sweeps.py rnn "" maxlen=400 maxlen=300,units=64 kind=BiLSTM,maxlen=300 \
		maxlen=300,learning_rate=0.001,epochs=6 maxlen=300,embedding_dim=64

bench-grading: $(STAMP)  ## grading throughput with 1 and 2 workers (copies of lesson 01's solution), and where the time goes
	PATH="$(BIN):$$PATH" $(BIN)/python benchmarks/grading.py --phases

clean:
	rm -rf work .pytest_cache
