"""Measured results of the Keras lessons (07 to 09), gathered into the benchmark's table.

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


def record(lesson, model, *, parameters, train_seconds, epochs, val_accuracy, test_accuracy, mode):
    """Print one trained model's results and, under ``make bench-keras``, keep them for the table.

    Args:
        lesson: the lesson id, e.g. "07_cnn".
        model: a short name for the model, e.g. "CNN, filters 3/4/5".
        parameters: the number of trainable parameters (``model.count_params()`` for a Keras model).
        train_seconds: wall time of training alone (not data preparation, not evaluation).
        epochs: the number of epochs actually run (after early stopping).
        val_accuracy, test_accuracy: accuracies on the validation split and, once, on the test set.
        mode: "fast" or "full" (``emolib.fast_mode()``), so that a table never mixes the two.
    Returns the row as a dict.
    """
    row = {"lesson": lesson, "model": model, "parameters": int(parameters),
           "train_seconds": round(float(train_seconds), 1), "epochs": int(epochs),
           "val_accuracy": round(float(val_accuracy), 4), "test_accuracy": round(float(test_accuracy), 4),
           "mode": mode}
    print(f"{model}: {row['parameters']:,} parameters, {row['train_seconds']} s of training, "
          f"{row['epochs']} epochs, validation accuracy {row['val_accuracy']:.4f}, "
          f"test accuracy {row['test_accuracy']:.4f} ({mode} mode)")
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
    formats = {"parameters": "{:,}", "train_seconds": "{:.1f}", "val_accuracy": "{:.4f}", "test_accuracy": "{:.4f}"}
    lines = ["| " + " | ".join(HEADERS) + " |",
             "| " + " | ".join("---" if column in ("lesson", "model") else "---:" for column in COLUMNS) + " |"]
    for row in rows:
        cells = [formats.get(column, "{}").format(row[column]) for column in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
