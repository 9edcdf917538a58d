"""Benchmark: an epoch of lesson 08's GRU and of lesson 07's CNN on Keras' TensorFlow and JAX backends.

The course's Keras code is backend neutral (``keras.ops``), so a student may run it on JAX, which Keras
documents as faster for recurrent layers on a CPU. This measures it (``make bench-backends``, which first
installs the optional extra ``jax``):

    python benchmarks/backends.py [--backends tensorflow,jax] [--models gru,cnn] [--epochs 1]

Keras picks its backend when it is imported, so every (model, backend) pair runs in a child process of
its own with ``KERAS_BACKEND`` set; the pairs of one model run back to back, so that the JAX/TensorFlow
ratio compares runs that met the same load. Nothing of the lessons is copied: a child loads the
solution notebook's setup and exercise cells (``autograder.fixtures.exercise_namespace``), then runs
the lesson's own data cell (the one that defines ``settings``) in full mode: ``emolib.data.load_imdb``,
the vectorizer adapted on the training split, 22,500 training and 2,500 validation reviews. The models
are the solutions' ``build_model("GRU", ...)`` (lesson 08: 200 words, vocabulary 20,000, embedding 32,
32 units, batches of 128) and ``build_cnn`` (lesson 07: 400 words, vocabulary 10,000, embedding 48,
64 filters of widths 3, 4 and 5, batches of 64), trained as the lessons train them (``fit`` on the
arrays for the GRU, on the lesson's ``Batches`` for the CNN) from the lessons' seed.

What is timed:

- warm-up: ``fit`` for one epoch on the first rows of each split, just enough for one full batch and
  one of the size the last batch of the real epoch has, in training and in validation. It traces and
  compiles every step function the real epoch calls; then the model's initial weights and its
  optimizer's initial state are put back, so the timed epoch starts where a fresh model would.
- the epoch: training on every training batch and validating on every validation batch, from
  ``on_epoch_begin`` to ``on_epoch_end`` (with ``--epochs N``, the mean of the N epochs), in wall time
  and in the process's CPU time (all its threads). On a machine that other jobs share, the CPU time is
  the steadier of the two: the wall time also counts the waits for a core.
- first epoch with compilation: the warm-up plus the first timed epoch, what a student waits for the
  first epoch of a new model (the warm-up's few extra steps included).
- the validation accuracy after the last epoch.
"""
import argparse
import ast
import contextlib
import importlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import nbformat

from autograder import course
from autograder.fixtures import exercise_namespace

BACKENDS = ("tensorflow", "jax")  # the ones the course installs: tensorflow always, jax with the extra `jax`
MODELS = {"gru": ("08_keras_rnn", "lesson 08, GRU(32)"), "cnn": ("07_keras_cnn", "lesson 07, CNN 3/4/5")}
INSTALL_ADVICE = ("run `make bench-backends`, which installs the optional extra `jax` into .venv and runs this "
                  "benchmark (in an environment of your own: pip install -e '.[jax]')")


def comma_list(text):
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_arguments(argv):
    """The command line's choices, checked: unknown names and a missing JAX stop here, with what to do."""
    parser = argparse.ArgumentParser(description="Time an epoch of lesson 08's GRU and lesson 07's CNN on "
                                                 "Keras' TensorFlow and JAX backends.")
    parser.add_argument("--backends", type=comma_list, default=list(BACKENDS),
                        help=f"comma-separated, from {', '.join(BACKENDS)} (default: both)")
    parser.add_argument("--models", type=comma_list, default=list(MODELS),
                        help=f"comma-separated, from {', '.join(MODELS)} (default: both)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs timed after the warm-up (default: 1)")
    arguments = parser.parse_args(argv)
    for kind, chosen, known in (("backend", arguments.backends, BACKENDS), ("model", arguments.models, MODELS)):
        unknown = [name for name in chosen if name not in known] or ([] if chosen else [""])
        if unknown:
            parser.error(f"unknown {kind} {', '.join(map(repr, unknown))}: choose from {', '.join(known)}, "
                         f"comma-separated (e.g. --{kind}s {','.join(known)})")
    if arguments.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {arguments.epochs}")
    for backend in arguments.backends:
        problem = missing_backend(backend)
        if problem:
            parser.error(f"the {backend} backend cannot be used here ({problem}): {INSTALL_ADVICE}")
    return arguments


def missing_backend(backend):
    """Why the backend's library cannot be found, or None when it can (a blocked import counts as missing)."""
    if importlib.util.find_spec(backend) is None:
        return f"no module named {backend!r}"
    return None


def data_cell(notebook, assignment_id):
    """The source of the lesson's code cell that assigns ``settings``: its data cell."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and any(isinstance(node, ast.Name) and node.id == "settings" and
                                            isinstance(node.ctx, ast.Store) for node in ast.walk(ast.parse(cell.source))):
            return cell.source
    raise LookupError(f"no code cell of {assignment_id} assigns `settings`: the benchmark runs the lesson's data cell, "
                      "the one that chooses the full-mode settings and prepares the reviews")


def lesson_in_full_mode(assignment_id):
    """The lesson's exercise functions and setup, and what its data cell makes from the full data."""
    notebook = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    lesson = exercise_namespace(notebook)
    if lesson.FAST:
        raise SystemExit("the lesson runs in fast mode: unset NBGRADER_EXECUTION (the benchmark sets EMOLIB_FAST=0)")
    with contextlib.redirect_stdout(io.StringIO()):  # what the cell prints is for the reader of the lesson
        exec(compile(data_cell(notebook, assignment_id), f"<{assignment_id} data cell>", "exec"), vars(lesson))
    return lesson


@dataclass
class Training:
    """A model as its lesson builds it, and how the lesson fits it."""
    model: object
    fit_arguments: object  # (training rows, validation rows) -> the keyword arguments of model.fit
    batch_sizes: tuple     # (training, validation)
    counts: tuple          # reviews (training, validation)
    steps: int             # words per review


def gru_training(lesson):
    """Lesson 08's GRU as the lesson builds and fits it."""
    settings = lesson.settings
    lesson.keras.utils.set_random_seed(0)
    model = lesson.build_model("GRU", settings["vocab_size"], settings["embedding_dim"], settings["units"],
                               settings["learning_rate"])

    def fit_arguments(train_rows, val_rows):
        return {"x": lesson.x_train[train_rows], "y": lesson.y_train[train_rows], "batch_size": settings["batch_size"],
                "validation_data": (lesson.x_val[val_rows], lesson.y_val[val_rows])}

    return Training(model, fit_arguments, (settings["batch_size"],) * 2, (len(lesson.y_train), len(lesson.y_val)),
                    settings["maxlen"])


def cnn_training(lesson):
    """Lesson 07's CNN as its training cell builds and fits it: widths 3, 4 and 5, dropout 0.5, the lesson's
    Batches, validation in batches of 512."""
    data, settings = lesson.data, lesson.settings
    lesson.keras.utils.set_random_seed(0)
    model = lesson.build_cnn(data["vectorizer"].vocabulary_size(), settings["sequence_length"], settings["embedding_dim"],
                             (3, 4, 5), settings["filters"], dropout=0.5)
    val_batch_size = 512

    def fit_arguments(train_rows, val_rows):
        return {"x": lesson.Batches(data["x_train"][train_rows], data["y_train"][train_rows], settings["batch_size"],
                                    shuffle=True),
                "validation_data": lesson.Batches(data["x_val"][val_rows], data["y_val"][val_rows], val_batch_size)}

    return Training(model, fit_arguments, (settings["batch_size"], val_batch_size),
                    (len(data["y_train"]), len(data["y_val"])), settings["sequence_length"])


TRAINING = {"gru": gru_training, "cnn": cnn_training}


def warm_up_rows(count, batch_size):
    """The first rows of a split that make one full batch and one of the size of the split's last batch."""
    return slice(0, min(count, batch_size + count % batch_size))


def epoch_timer(keras, seconds, cpu_seconds, val_accuracy):
    """A callback that appends every epoch's wall seconds, CPU seconds (all the process's threads) and
    validation accuracy to the three lists."""

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu_start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            val_accuracy.append(float(logs["val_accuracy"]))  # float() waits for the epoch's last computation
            seconds.append(time.perf_counter() - self.start)
            cpu_seconds.append(time.process_time() - self.cpu_start)

    return EpochTimer()


def run_one(model_name, epochs):
    """In a child process (KERAS_BACKEND set): warm up, train, time; the measurements as a dict."""
    import keras

    training = TRAINING[model_name](lesson_in_full_mode(MODELS[model_name][0]))
    model = training.model
    model.optimizer.build(model.trainable_variables)
    initial_weights = model.get_weights()
    initial_optimizer = [keras.ops.convert_to_numpy(variable) for variable in model.optimizer.variables]
    start = time.perf_counter()
    warm_up = [warm_up_rows(count, batch_size) for count, batch_size in zip(training.counts, training.batch_sizes)]
    model.fit(**training.fit_arguments(*warm_up), epochs=1, verbose=0)
    warm_up_seconds = time.perf_counter() - start
    model.set_weights(initial_weights)
    for variable, value in zip(model.optimizer.variables, initial_optimizer):
        variable.assign(value)

    seconds, cpu_seconds, val_accuracy = [], [], []
    model.fit(**training.fit_arguments(slice(None), slice(None)), epochs=epochs, verbose=0,
              callbacks=[epoch_timer(keras, seconds, cpu_seconds, val_accuracy)])
    backend = keras.backend.backend()
    return {"backend": backend, "version": importlib.import_module(backend).__version__, "keras": keras.__version__,
            "counts": training.counts, "steps": training.steps, "warm_up_seconds": warm_up_seconds,
            "epoch_seconds": seconds, "epoch_cpu_seconds": cpu_seconds, "val_accuracy": val_accuracy[-1]}


def run_child(backend, model_name, epochs):
    """run_one in a child process with KERAS_BACKEND=backend and full mode; its dict."""
    environment = {**os.environ, "KERAS_BACKEND": backend, "EMOLIB_FAST": "0"}
    child = subprocess.run([sys.executable, __file__, "--child", model_name, "--epochs", str(epochs)],
                           env=environment, capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"{backend}, {model_name}: the child process failed (exit code {child.returncode}); "
                         f"the end of what it wrote on stderr:\n" + "\n".join(child.stderr.splitlines()[-25:]))
    result = json.loads(child.stdout.splitlines()[-1])
    if result["backend"] != backend:
        raise SystemExit(f"asked for the {backend} backend, Keras ran on {result['backend']}: "
                         "is the backend fixed in ~/.keras/keras.json?")
    return result


def first_epoch(result):
    """Seconds of the first epoch with compilation: the warm-up and the first timed epoch."""
    return result["warm_up_seconds"] + result["epoch_seconds"][0]


def mean(values):
    return sum(values) / len(values)


def table(results, epochs):
    """The Markdown table of the results, and the JAX / TensorFlow ratios of every model run on both."""
    epoch = f"epoch, mean of {epochs}" if epochs > 1 else "epoch"
    lines = [f"| backend | model | {epoch} (s) | its CPU time (s) | warm-up (s) | first epoch with compilation (s) "
             f"| validation accuracy after epoch {epochs} |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for (backend, model_name), result in results.items():
        lines.append(f"| {backend} {result['version']} | {MODELS[model_name][1]} | {mean(result['epoch_seconds']):.1f} | "
                     f"{mean(result['epoch_cpu_seconds']):.1f} | {result['warm_up_seconds']:.1f} | "
                     f"{first_epoch(result):.1f} | {result['val_accuracy']:.4f} |")
    ratios = []
    for model_name in dict.fromkeys(model for _, model in results):
        if ("tensorflow", model_name) in results and ("jax", model_name) in results:
            tf, jax = results["tensorflow", model_name], results["jax", model_name]
            ratios.append(f"{MODELS[model_name][1]}, JAX / TensorFlow: epoch "
                          f"{mean(jax['epoch_seconds']) / mean(tf['epoch_seconds']):.2f}x (CPU time "
                          f"{mean(jax['epoch_cpu_seconds']) / mean(tf['epoch_cpu_seconds']):.2f}x), first epoch with "
                          f"compilation {first_epoch(jax) / first_epoch(tf):.2f}x")
    return "\n".join(lines + ([""] + ratios if ratios else []))


def main(argv):
    if argv[:1] == ["--child"]:
        model_name, epochs = argv[1], int(argv[3])
        print(json.dumps(run_one(model_name, epochs)))
        return 0
    arguments = parse_arguments(argv)
    start_load, results = os.getloadavg()[0], {}
    for model_name in arguments.models:  # one model's backends back to back: their ratio meets the same load
        for backend in arguments.backends:
            result = results[backend, model_name] = run_child(backend, model_name, arguments.epochs)
            print(f"{backend}, {MODELS[model_name][1]} ({result['counts'][0]:,} training and {result['counts'][1]:,} "
                  f"validation reviews of {result['steps']} words): warm-up {result['warm_up_seconds']:.1f} s, "
                  f"epochs {', '.join(f'{seconds:.1f}' for seconds in result['epoch_seconds'])} s "
                  f"(CPU {', '.join(f'{seconds:.1f}' for seconds in result['epoch_cpu_seconds'])} s), "
                  f"validation accuracy {result['val_accuracy']:.4f}", flush=True)
    print(f"\nKeras {result['keras']} on {os.cpu_count()} CPUs, load average {start_load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end. The warm-up is one epoch of fit on a full and a last-sized batch "
          "of each split, which compiles every step; the first epoch with compilation is the warm-up plus the first "
          "epoch; CPU time counts all the process's threads\n")
    print(table(results, arguments.epochs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
