"""Validation sweeps behind the full-mode settings of lessons 07 and 08 (`make sweep-keras`).

Each configuration trains the lesson's own model (``build_cnn`` of lesson 07, ``build_model`` of lesson
08, loaded from the solution notebooks) on the split the lesson's own data cell makes in full mode
(``backends.lesson_in_full_mode``) and prints its validation accuracy after every epoch, with the training
accuracy beside it. The test reviews are never read: these
are the numbers the lessons' settings were chosen on.

    python benchmarks/keras_sweeps.py cnn side=last length=600,side=last
    python benchmarks/keras_sweeps.py rnn maxlen=400 units=64,maxlen=300

Each argument after the model is one configuration, ``key=value`` pairs joined by commas, changed from
the lesson's full-mode settings (printed with ``--help``). ``side`` says which end of a long review the
CNN keeps: ``first`` (what lesson 07's ``make_datasets`` does) or ``last``; lesson 08 always keeps the
last words. Training stops early as in the lessons: lesson 07 on the validation loss (its ``train_model``),
lesson 08 on the validation accuracy, patience 1.
"""
import argparse
import json
import os
import time

import keras

from backends import lesson_in_full_mode

CNN_SETTINGS = {"tokens": 10000, "length": 400, "side": "first", "embedding_dim": 48, "filters": 64, "widths": "3/4/5",
                "dropout": 0.5, "batch_size": 64, "learning_rate": 1e-3, "epochs": 4}
RNN_SETTINGS = {"kind": "GRU", "maxlen": 200, "embedding_dim": 32, "units": 32, "batch_size": 128,
                "learning_rate": 3e-3, "epochs": 4}


def parse(configuration, defaults):
    settings = dict(defaults)
    for pair in filter(None, configuration.split(",")):
        key, _, value = pair.partition("=")
        if key not in defaults:
            raise SystemExit(f"unknown setting {key!r}; the settings are {', '.join(defaults)}")
        settings[key] = type(defaults[key])(value)
    if settings.get("side", "first") not in ("first", "last"):
        raise SystemExit(f"side must be first or last, not {settings['side']!r}")
    return settings


def word_rows(texts, fit_texts, tokens):
    """Each text's word indices (no padding), from a vocabulary of the fit_texts' tokens most frequent words."""
    vectorizer = keras.layers.TextVectorization(max_tokens=tokens)
    vectorizer.adapt(fit_texts, batch_size=1000)
    rows = []
    for start in range(0, len(texts), 1000):  # TextVectorization pads each batch to its longest text
        rows += [row[row != 0] for row in keras.ops.convert_to_numpy(vectorizer(texts[start:start + 1000]))]
    return rows


def cut(rows, length, keep):
    """Rows padded after their words (as lesson 07 pads) or cut to length, keeping their first or last words."""
    return keras.utils.pad_sequences(rows, maxlen=length, padding="post",
                                     truncating="post" if keep == "first" else "pre").astype("int32")


def sweep_cnn(configurations):
    """configurations: list of (label, settings dict)."""
    lesson = lesson_in_full_mode("07_keras_cnn")
    data = lesson.data
    y_train, y_val = data["y_train"], data["y_val"]
    for configuration, s in configurations:
        x = cut(word_rows(data["train_texts"] + data["val_texts"], data["train_texts"], s["tokens"]), s["length"], s["side"])
        x_train, x_val = x[:len(y_train)], x[len(y_train):]
        keras.utils.set_random_seed(0)
        model = lesson.build_cnn(s["tokens"], s["length"], s["embedding_dim"], tuple(map(int, s["widths"].split("/"))),
                                 s["filters"], s["dropout"], s["learning_rate"])
        history, _, seconds = lesson.train_model(model, lesson.Batches(x_train, y_train, s["batch_size"], shuffle=True),
                                                 lesson.Batches(x_val, y_val, 512), s["epochs"], patience=1)
        report(configuration, history, seconds)


def sweep_rnn(configurations):
    lesson = lesson_in_full_mode("08_keras_rnn")
    for configuration, s in configurations:
        # the lesson's own vectorizer and to_sequences: its vocabulary, reviews cut in front and padded before
        x_train, x_val = (lesson.to_sequences(texts, s["maxlen"]) for texts in (lesson.train_texts, lesson.val_texts))
        keras.utils.set_random_seed(0)
        model = lesson.build_model(s["kind"], lesson.settings["vocab_size"], s["embedding_dim"], s["units"], s["learning_rate"])
        stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=True)
        start = time.perf_counter()
        history = model.fit(x_train, lesson.y_train, batch_size=s["batch_size"], epochs=s["epochs"],
                            validation_data=(x_val, lesson.y_val), callbacks=[stop], verbose=0).history
        report(configuration, history, time.perf_counter() - start)


def report(configuration, history, seconds):
    print(json.dumps({"configuration": configuration or "lesson's settings",
                      "val_accuracy": [round(value, 4) for value in history["val_accuracy"]],
                      "train_accuracy": [round(value, 4) for value in history["accuracy"]],
                      "best_val_accuracy": round(max(history["val_accuracy"]), 4), "fit_seconds": round(seconds, 1)}),
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=f"lesson 07's settings: {CNN_SETTINGS}\nlesson 08's settings: {RNN_SETTINGS}")
    parser.add_argument("model", choices=("cnn", "rnn"))
    parser.add_argument("configurations", nargs="*", default=[""], help="key=value,... (none: the lesson's settings)")
    args = parser.parse_args()
    os.environ["EMOLIB_FAST"] = "0"  # the lessons' full-mode data, as make sweep-keras is run
    defaults, sweep = (CNN_SETTINGS, sweep_cnn) if args.model == "cnn" else (RNN_SETTINGS, sweep_rnn)
    sweep([(configuration, parse(configuration, defaults)) for configuration in args.configurations])


if __name__ == "__main__":
    main()
