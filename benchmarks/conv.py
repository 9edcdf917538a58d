"""Speed of lesson 02's convolution layers (`make bench-conv`); prints a Markdown table.

The layers timed are the solution's, loaded from solutions/02_convolution/02_convolution.ipynb, in
float32 (Keras' default), on two standard shapes:

- image: x 100 x 31 x 31 x 3, w 3 x 3 x 3 x 25, stride 2, pad 1 (cs231n's shape), conv2d;
- text: 64 sequences of 400 word vectors of 64 numbers, 128 filters of width 5, stride 1, pad 2, conv1d.

Compared with: the naive loops (aim: the vectorized layer at least 100x faster); the matrix products
of the same arithmetic alone, on arrays of the layer's shapes, the practical limit on this CPU (aim:
within 3x); and keras.layers.Conv2D / Conv1D (TensorFlow backend, called eagerly as a layer; its
backward is tf.GradientTape's gradient of the recorded call). Times are the best of several runs; the naive text layer is
timed on 4 of the 64 sequences and scaled by 16 (its loops take time proportional to the batch).

The vectorized layer is timed a second time in a child process whose allocator keeps freed memory
mapped (glibc's MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ raised). By default every call's large
temporaries (the padded input, the im2col matrix, the output) get fresh pages from the kernel, which
zeroes each page on its first touch; the bare products, repeated on the same arrays, hardly pay that.
The two columns show how much of the layer's time is that, rather than copying windows or arithmetic.
Run it when the machine is otherwise idle.
"""
import json
import os
import subprocess
import sys
import time

import nbformat
import numpy as np

from autograder import course
from autograder.fixtures import exercise_namespace

REPEATS = 5


def best_time(function, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def keras_times(x, w, b, dout):
    """Forward and backward seconds of Keras' own layer with the same weights, and its output."""
    import keras
    import tensorflow as tf

    layer_type = keras.layers.Conv2D if x.ndim == 4 else keras.layers.Conv1D
    stride = 2 if x.ndim == 4 else 1
    # padding="same" pads 1 on each side of the image (31 -> 16 with stride 2) and 2 at each end of the text.
    layer = layer_type(w.shape[-1], w.shape[:-2], strides=stride, padding="same")
    layer.build(x.shape)
    layer.set_weights([w, b])
    x, dout = tf.constant(x), tf.constant(dout)
    out = layer(x).numpy()
    forward_seconds = best_time(lambda: layer(x).numpy())
    backward_times = []
    for _ in range(REPEATS + 1):  # the first run builds the gradient functions: not counted
        with tf.GradientTape() as tape:
            tape.watch(x)
            result = layer(x)
        start = time.perf_counter()
        [grad.numpy() for grad in tape.gradient(result, [x, layer.kernel, layer.bias], output_gradients=dout)]
        backward_times.append(time.perf_counter() - start)
    return forward_seconds, min(backward_times[1:]), out


# glibc's allocator: serve allocations up to 256 MiB (the text shape's im2col matrix is 33 MB) from the
# heap and keep freed memory, so a repeated call reuses pages already mapped. glibc ignores a threshold
# above its limit without a word: 1 GiB, tried, changed nothing.
MEMORY_KEPT_MAPPED = {"MALLOC_MMAP_THRESHOLD_": str(2**28), "MALLOC_TRIM_THRESHOLD_": str(2**30)}


def shapes():
    """(name, x, w, b, dout, stride, pad) of the two standard shapes, the same arrays in every process."""
    rng = np.random.default_rng(0)
    for name, x_shape, w_shape, out_shape, stride, pad in [
            ("image, conv2d", (100, 31, 31, 3), (3, 3, 3, 25), (100, 16, 16, 25), 2, 1),
            ("text, conv1d", (64, 400, 64), (5, 64, 128), (64, 400, 128), 1, 2)]:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        w = rng.standard_normal(w_shape, dtype=np.float32)
        b = rng.standard_normal(w_shape[-1], dtype=np.float32)
        yield name, x, w, b, rng.standard_normal(out_shape, dtype=np.float32), stride, pad


def vectorized_times(layers, x, w, b, dout, stride, pad):
    """Best forward and backward seconds of the solution's vectorized layer; and the forward's output."""
    image = x.ndim == 4
    forward = layers.conv2d_forward if image else layers.conv1d_forward
    backward = layers.conv2d_backward if image else layers.conv1d_backward
    out, cache = forward(x, w, b, stride, pad)
    return {"forward": best_time(lambda: forward(x, w, b, stride, pad)),
            "backward": best_time(lambda: backward(dout, cache))}, out


def times_with_memory_kept_mapped():
    """{layer name: vectorized times} measured in a child process with MEMORY_KEPT_MAPPED."""
    child = subprocess.run([sys.executable, __file__, "--vectorized-only"], env={**os.environ, **MEMORY_KEPT_MAPPED},
                           capture_output=True, text=True, check=True)
    return json.loads(child.stdout.splitlines()[-1])


def main():
    layers = exercise_namespace(nbformat.read(course.solution_notebook("02_convolution"), as_version=4))
    if sys.argv[1:] == ["--vectorized-only"]:
        print(json.dumps({name: vectorized_times(layers, *arrays)[0] for name, *arrays in shapes()}))
        return
    kept_mapped = times_with_memory_kept_mapped()
    rng = np.random.default_rng(1)
    rows = []
    for name, x, w, b, dout, stride, pad in shapes():
        w_shape, image = w.shape, x.ndim == 4
        fast, out = vectorized_times(layers, x, w, b, dout, stride, pad)

        # The naive loops, on images; a sequence is an image one row high, padded along time only.
        if image:
            naive_x, naive_w, naive_pad, scale = x, w, pad, 1
        else:
            naive_x = np.pad(x[:4], ((0, 0), (pad, pad), (0, 0)))[:, np.newaxis]
            naive_w, naive_pad, scale = w[np.newaxis], 0, x.shape[0] // 4
        start = time.perf_counter()
        naive_out, naive_cache = layers.conv2d_forward_naive(naive_x, naive_w, b, stride, naive_pad)
        naive = {"forward": (time.perf_counter() - start) * scale}
        start = time.perf_counter()
        layers.conv2d_backward_naive(dout[:naive_out.shape[0]].reshape(naive_out.shape), naive_cache)
        naive["backward"] = (time.perf_counter() - start) * scale
        assert np.allclose(naive_out.reshape(out[:naive_out.shape[0]].shape), out[:naive_out.shape[0]], atol=1e-3)

        # The same arithmetic as bare matrix products, on arrays of the layer's shapes.
        positions, window = int(np.prod(out.shape[:-1])), int(np.prod(w_shape[:-1]))
        cols = rng.standard_normal((positions, window), dtype=np.float32)
        w_cols = w.reshape(window, -1)
        dout_rows = dout.reshape(positions, -1)
        matmul = {"forward": best_time(lambda: cols @ w_cols),
                  "backward": best_time(lambda: (cols.T @ dout_rows, dout_rows @ w_cols.T))}

        keras_forward, keras_backward, keras_out = keras_times(x, w, b, dout)
        keras = {"forward": keras_forward, "backward": keras_backward}
        assert np.allclose(keras_out, out, rtol=1e-3, atol=1e-3), "Keras' padding='same' should equal our padding"
        for direction in ("forward", "backward"):
            rows.append((name, direction, naive[direction], fast[direction], kept_mapped[name][direction],
                         matmul[direction], keras[direction]))

    print(f"conv layers of lesson 02, float32, best of {REPEATS} runs (naive: one run)\n")
    print("| layer | pass | naive loops | vectorized | speed-up | vectorized, memory kept mapped | matrix products alone "
          "| vectorized / products | kept mapped / products | Keras | vectorized / Keras |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, direction, naive, fast, kept, matmul, keras in rows:
        print(f"| {name} | {direction} | {naive:.2f} s | {fast * 1e3:.1f} ms | {naive / fast:.0f}x | {kept * 1e3:.1f} ms "
              f"| {matmul * 1e3:.1f} ms | {fast / matmul:.1f}x | {kept / matmul:.1f}x | {keras * 1e3:.1f} ms | {fast / keras:.1f}x |")
    speedups = [naive / fast for _, _, naive, fast, _, _, _ in rows]
    ratios = [fast / matmul for _, _, _, fast, _, matmul, _ in rows]
    kept_ratios = [kept / matmul for _, _, _, _, kept, matmul, _ in rows]
    print(f"\nspeed-up over the loops: {min(speedups):.0f}x to {max(speedups):.0f}x (aim: at least 100x); "
          f"time over the bare matrix products: {min(ratios):.1f}x to {max(ratios):.1f}x (aim: within 3x), "
          f"{min(kept_ratios):.1f}x to {max(kept_ratios):.1f}x with memory kept mapped")


if __name__ == "__main__":
    main()
