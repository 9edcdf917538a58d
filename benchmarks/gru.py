"""Benchmark: lesson 04's NumPy GRU against keras.layers.GRU on this CPU, and an epoch of lesson 05's model.

What is timed (median of repeated runs, after two warm-up runs):

- a GRU layer on a batch of 64 sequences of 100 steps, 64 inputs, 64 units, reset_after=True:
  lesson 04's ``gru_forward`` and ``gru_forward`` + ``gru_backward`` in float32 and float64, loaded from
  the solution notebook with ``autograder.fixtures.exercise_namespace`` (the code timed is the lesson's,
  not a copy), against ``keras.layers.GRU`` in float32 (TensorFlow backend): forward with a compiled
  ``predict_on_batch``, forward + backward with a compiled ``train_on_batch`` (plain SGD at learning
  rate 0, so the weights stay the same; the loss's gradient reaches every output, as ``gru_backward``'s
  upstream gradient does);
- one training epoch of lesson 05's model in its full-mode setting (22,500 reviews of 200 steps,
  vocabulary 10,000, embedding 32, GRU 32, batches of 64, validation on 2,500 reviews), with the
  lesson's ``train_model`` and, for comparison, Keras' ``fit`` on the model ``keras_model`` builds. The
  reviews are random word indices: the time does not depend on which words they are.

Run it with ``make bench-gru`` while the machine is otherwise idle. On the development machine (2 cores,
no GPU) it printed:

    GRU layer, batch 64, 100 steps, 64 inputs, 64 units   NumPy float32   NumPy float64   Keras float32   NumPy32 / Keras
    forward                                                     23.0 ms         56.1 ms          8.3 ms              2.8x
    forward + backward                                          57.7 ms        105.9 ms         30.3 ms              1.9x
    lesson 05, one epoch of 22,500 reviews (s)                     18.3                            42.8              0.4x

An earlier run at a quiet moment gave 2.4x and 1.9x. While other jobs shared the CPU, the forward
ratio reached 3.2x (measured with an earlier version of the GRU step, which computed z and r apart).
"""
import statistics
import time

import nbformat
import numpy as np

from autograder import course
from autograder.fixtures import exercise_namespace

BATCH, STEPS, FEATURES, UNITS = 64, 100, 64, 64
REPEATS = 20


def median_ms(run, repeats=REPEATS):
    """Median wall time of run() in milliseconds, after two warm-up calls."""
    run()
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def numpy_gru_times(lesson, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype(dtype)
    h0 = np.zeros((BATCH, UNITS), dtype=dtype)
    kernel = rng.normal(scale=0.1, size=(FEATURES, 3 * UNITS)).astype(dtype)
    recurrent_kernel = rng.normal(scale=0.1, size=(UNITS, 3 * UNITS)).astype(dtype)
    bias = np.zeros((2, 3 * UNITS), dtype=dtype)
    dh_all = np.ones((BATCH, STEPS, UNITS), dtype=dtype)

    def forward():
        return lesson.gru_forward(x, h0, kernel, recurrent_kernel, bias, reset_after=True)

    def forward_backward():
        lesson.gru_backward(dh_all, forward()[1])

    return median_ms(forward), median_ms(forward_backward)


def keras_gru_times(keras):
    x = np.random.default_rng(0).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    inputs = keras.Input(shape=(STEPS, FEATURES))
    model = keras.Model(inputs, keras.layers.GRU(UNITS, return_sequences=True)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    target = np.zeros((BATCH, STEPS, UNITS), dtype="float32")
    return median_ms(lambda: model.predict_on_batch(x)), median_ms(lambda: model.train_on_batch(x, target))


def epoch_times(lesson, keras):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 10000, size=(25000, 200))
    labels = rng.integers(0, 2, size=25000)
    train, validation = slice(2500, None), slice(None, 2500)
    params = lesson.init_params(10000, 32, 32, seed=0)
    model = lesson.keras_model(params)
    model.compile(optimizer=keras.optimizers.Adam(3e-3, global_clipnorm=5.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    start = time.perf_counter()
    lesson.train_model(params, tokens[train], labels[train], tokens[validation], labels[validation],
                       epochs=1, batch_size=64, learning_rate=3e-3, clip_norm=5.0)
    numpy_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(tokens[train], labels[train], batch_size=64, epochs=1,
              validation_data=(tokens[validation], labels[validation]), verbose=0)
    return numpy_seconds, time.perf_counter() - start


def main():
    lesson_04 = exercise_namespace(nbformat.read(course.solution_notebook("04_gru"), as_version=4))
    lesson_05 = exercise_namespace(nbformat.read(course.solution_notebook("05_sentiment_from_scratch"), as_version=4))
    keras = lesson_04.keras
    numpy32 = numpy_gru_times(lesson_04, np.float32)
    numpy64 = numpy_gru_times(lesson_04, np.float64)
    keras32 = keras_gru_times(keras)
    numpy_epoch, keras_epoch = epoch_times(lesson_05, keras)
    title = f"GRU layer, batch {BATCH}, {STEPS} steps, {FEATURES} inputs, {UNITS} units"
    print(f"{title}   NumPy float32   NumPy float64   Keras float32   NumPy32 / Keras")
    for name, index in (("forward", 0), ("forward + backward", 1)):
        print(f"{name:<{len(title)}}   {numpy32[index]:10.1f} ms   {numpy64[index]:10.1f} ms   "
              f"{keras32[index]:10.1f} ms   {numpy32[index] / keras32[index]:14.1f}x")
    print(f"{'lesson 05, one epoch of 22,500 reviews (s)':<{len(title)}}   {numpy_epoch:13.1f}   {'':13}   "
          f"{keras_epoch:13.1f}   {numpy_epoch / keras_epoch:14.1f}x")


if __name__ == "__main__":
    main()
