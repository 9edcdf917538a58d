"""Measured results of the Keras lessons (07 to 10), gathered into the benchmark's table.

A lesson calls ``record(...)`` once for every model it trains. The row is printed in the notebook,
and, when the environment variable ``EMOLIB_RESULTS`` names a folder (``make bench-keras`` sets it),
appended to ``<folder>/results.jsonl``. ``benchmarks/keras_models.py`` runs the lessons on the full
data and prints every recorded row as one table with ``table(read(folder))``.
"""
import json
import os
from pathlib import Path

COLUMNS = ("lesson", "model", "parameters", "train_seconds", "epochs", "val_accuracy", "test_accuracy")
HEADERS = ("lesson", "model", "parameters", "training (s)", "epochs", "val accuracy", "test accuracy")
# Added to the table when some row has them (lesson 10's emotion models are compared by macro-F1).
F1_COLUMNS = ("val_macro_f1", "test_macro_f1")
F1_HEADERS = ("val macro-F1", "test macro-F1")
SCORES = ("val_accuracy", "test_accuracy") + F1_COLUMNS


def record(lesson, model, *, parameters, train_seconds, epochs, val_accuracy, test_accuracy, mode,
           val_macro_f1=None, test_macro_f1=None):
    """Print one trained model's results and, under ``make bench-keras``, keep them for the table.

    Args:
        lesson: the lesson id, e.g. "07_cnn".
        model: a short name for the model, e.g. "CNN, filters 3/4/5".
        parameters: the number of trainable parameters (``model.count_params()`` for a Keras model).
        train_seconds: wall time of training alone (not data preparation, not evaluation).
        epochs: the number of epochs actually run (after early stopping).
        val_accuracy, test_accuracy: accuracies on the validation split and, once, on the test set;
            None for a multi-label task, where accuracy is not the number to report.
        mode: "fast" or "full" (``emolib.fast_mode()``), so that a table never mixes the two.
        val_macro_f1, test_macro_f1: macro-averaged F1 on the validation split and the test set, for
            the emotion models (optional).
    Returns the row as a dict.
    """
    row = {"lesson": lesson, "model": model, "parameters": int(parameters),
           "train_seconds": round(float(train_seconds), 1), "epochs": int(epochs), "mode": mode}
    given = {"val_accuracy": val_accuracy, "test_accuracy": test_accuracy,
             "val_macro_f1": val_macro_f1, "test_macro_f1": test_macro_f1}
    row.update({name: None if value is None else round(float(value), 4) for name, value in given.items()})
    scores = ", ".join(f"{name.replace('_', ' ').replace('val', 'validation')} {row[name]:.4f}"
                       for name in SCORES if row[name] is not None)
    print(f"{model}: {row['parameters']:,} parameters, {row['train_seconds']} s of training, "
          f"{row['epochs']} epochs, {scores} ({mode} mode)")
    folder = os.environ.get("EMOLIB_RESULTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with open(Path(folder) / "results.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
    return row


def read(folder):
    """Every row recorded in ``folder``, in the order they were recorded."""
    path = Path(folder) / "results.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(rows):
    """The rows as a Markdown table, numbers formatted as the README quotes them."""
    columns, headers = COLUMNS, HEADERS
    if any(row.get(column) is not None for row in rows for column in F1_COLUMNS):
        columns, headers = COLUMNS + F1_COLUMNS, HEADERS + F1_HEADERS
    formats = {"parameters": "{:,}", "train_seconds": "{:.1f}", **{column: "{:.4f}" for column in SCORES}}
    lines = ["| " + " | ".join(headers) + " |",
             "| " + " | ".join("---" if column in ("lesson", "model") else "---:" for column in columns) + " |"]
    for row in rows:
        cells = ["" if row.get(column) is None else formats.get(column, "{}").format(row[column]) for column in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
