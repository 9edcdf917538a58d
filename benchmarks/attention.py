"""Benchmark: lesson 11's NumPy multi-head attention against keras.layers.MultiHeadAttention on this CPU.

What is timed (median of repeated runs, after two warm-up runs, as ``make bench-gru`` does):

- self-attention on a batch of 64 sequences of T tokens with 64 features, 4 heads of size 16 (the
  lesson's encoder layer), for T = 32 (GoEmotions' comments as the lesson cuts them) and T = 128, no
  padding mask;
- lesson 11's ``mha_forward`` and ``mha_forward`` + ``mha_backward`` in float32 and float64, loaded from
  the solution notebook with ``autograder.fixtures.exercise_namespace`` (the code timed is the lesson's,
  not a copy), against Keras' layer in float32 (TensorFlow backend): forward with a compiled
  ``predict_on_batch``, forward + backward with a compiled ``train_on_batch`` (plain SGD at learning
  rate 0, so the weights stay the same; the gradient of the loss reaches every output, as
  ``mha_backward``'s upstream gradient does).

Run it with ``make bench-attention`` while the machine is otherwise idle; the table as measured is in the
README.
"""
import nbformat
import numpy as np

from autograder import course
from autograder.fixtures import exercise_namespace
from gru import median_ms

BATCH, FEATURES, HEADS, HEAD_SIZE = 64, 64, 4, 16
LENGTHS = (32, 128)


def numpy_times(lesson, steps, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, steps, FEATURES)).astype(dtype)
    params = {name: weight.astype(dtype) for name, weight in
              lesson.random_mha_params(rng, FEATURES, HEADS, HEAD_SIZE, scale=0.1).items()}
    dout = np.ones_like(x)

    def forward():
        return lesson.mha_forward(x, x, params)

    def forward_backward():
        lesson.mha_backward(dout, forward()[1])

    return median_ms(forward), median_ms(forward_backward)


def keras_times(keras, steps):
    x = np.random.default_rng(0).normal(size=(BATCH, steps, FEATURES)).astype("float32")
    inputs = keras.Input(shape=(steps, FEATURES))
    model = keras.Model(inputs, keras.layers.MultiHeadAttention(HEADS, HEAD_SIZE)(inputs, inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    target = np.zeros_like(x)
    return median_ms(lambda: model.predict_on_batch(x)), median_ms(lambda: model.train_on_batch(x, target))


def main():
    lesson = exercise_namespace(nbformat.read(course.solution_notebook("11_attention"), as_version=4))
    title = f"multi-head self-attention, batch {BATCH}, {FEATURES} features, {HEADS} heads of {HEAD_SIZE}"
    print(f"{title}   NumPy float32   NumPy float64   Keras float32   NumPy32 / Keras")
    for steps in LENGTHS:
        numpy32, numpy64 = numpy_times(lesson, steps, np.float32), numpy_times(lesson, steps, np.float64)
        keras32 = keras_times(lesson.keras, steps)
        for name, index in (("forward", 0), ("forward + backward", 1)):
            label = f"T = {steps}, {name}"
            print(f"{label:<{len(title)}}   {numpy32[index]:10.1f} ms   {numpy64[index]:10.1f} ms   "
                  f"{keras32[index]:10.1f} ms   {numpy32[index] / keras32[index]:14.1f}x", flush=True)


if __name__ == "__main__":
    main()
