"""benchmarks/backends.py (`make bench-backends`) refuses what it cannot run before it starts any training,
and finds the lessons' data cells it runs; none of it needs JAX installed or the real data."""
import sys

import nbformat
import pytest

from autograder import course
from benchmarks import backends


def refusal(capsys, *argv):
    """What the benchmark says on stderr when it refuses the command line argv."""
    with pytest.raises(SystemExit) as stopped:
        backends.parse_arguments(list(argv))
    assert stopped.value.code == 2, f"{argv}: argparse's exit code for a usage error, got {stopped.value.code}"
    return capsys.readouterr().err


def test_an_unknown_backend_is_refused_with_the_known_ones(capsys):
    message = refusal(capsys, "--backends", "tensorflow,torch")
    assert "unknown backend 'torch': choose from tensorflow, jax" in message, message


def test_an_unknown_model_and_no_epoch_are_refused(capsys):
    message = refusal(capsys, "--models", "gru,lstm")
    assert "unknown model 'lstm': choose from gru, cnn" in message, message
    message = refusal(capsys, "--epochs", "0")
    assert "--epochs must be at least 1, got 0" in message, message


def test_without_jax_the_benchmark_says_to_run_make_bench_backends(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)  # Python's own way to make an import fail: as if not installed
    message = refusal(capsys, "--backends", "tensorflow,jax")
    assert "the jax backend cannot be used here" in message and "run `make bench-backends`" in message, message


def test_tensorflow_alone_needs_no_jax(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)
    arguments = backends.parse_arguments(["--backends", "tensorflow", "--models", "cnn", "--epochs", "2"])
    assert (arguments.backends, arguments.models, arguments.epochs) == (["tensorflow"], ["cnn"], 2)


@pytest.mark.parametrize("model_name", sorted(backends.MODELS))
def test_the_data_cell_run_is_the_lessons_own(model_name):
    """The cell found is the lesson's data cell: it chooses the full-mode settings and loads IMDB."""
    assignment_id = backends.MODELS[model_name][0]
    source = backends.data_cell(nbformat.read(course.solution_notebook(assignment_id), as_version=4), assignment_id)
    assert "emolib.data.load_imdb(" in source and "settings = {" in source, source


def test_a_lesson_without_a_data_cell_is_named():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(LookupError, match="no code cell of 99_nothing assigns `settings`"):
        backends.data_cell(notebook, "99_nothing")


@pytest.mark.parametrize("count, batch_size, rows", [(22500, 128, 228), (2500, 512, 964), (2048, 512, 512), (40, 64, 40)])
def test_the_warm_up_makes_a_full_batch_and_one_of_the_last_batchs_size(count, batch_size, rows):
    assert backends.warm_up_rows(count, batch_size) == slice(0, rows)
