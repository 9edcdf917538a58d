# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 03: pooling, and a text CNN from scratch
#
# By the end of this lesson you will be able to
#
# - write max and average pooling, forward and backward, for windows that overlap, and say where the
#   gradient of a maximum goes when several inputs tie;
# - pool a whole review into one vector with global max pooling over time;
# - write an embedding layer, whose backward pass adds the gradients of a word used several times;
# - assemble a TextCNN (embedding, 1D convolution, ReLU, global max pooling, dense layer, softmax
#   cross-entropy) from your own layers, check its gradient as a whole, and train it with mini-batch
#   gradient descent on real IMDB reviews until it clearly learns;
# - read off which n-grams its filters learned to detect.
#
# **Prerequisites:** lesson 01 (softmax cross-entropy, gradient descent), lesson 02 (convolution
# forward and backward; its conv1d is given here, so you can do this lesson without having finished
# that one).
#
# **Time:** about three hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when
# nbgrader grades it) the TextCNN trains on 3,600 reviews cut to 100 words; the full run trains on
# 22,500 reviews of 200 words. On the development machine (2 CPU cores) the whole notebook ran in 6 s in
# fast mode and 88 s in full, 71 s of it training (`python -m autograder execute 03_pooling [--full]`).
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# A failing test says what is wrong; read its message before you change anything. The tests you see are
# not all the tests: the grader also tries window sizes, strides and shapes you do not see.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import time

import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
from emolib import checks, plots
from emolib.gradcheck import numerical_gradient, numerical_gradient_array

FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("03_pooling")


def describe_case(x, pool_size, stride):
    """A pooling test case as the messages show it; N and the window size also name factors ("times N")."""
    return {"N": x.shape[0], "x": x.shape, "pool_size": pool_size, "stride": stride, "window size": pool_size ** 2}

# %% [markdown]
# ## 1. Max pooling
#
# A convolution layer says, at every position, how strongly a pattern is present. Pooling summarizes
# a neighbourhood: **max pooling** keeps the strongest response in each window. The map gets smaller,
# and a pattern moved by a pixel or two still gives the same maximum.
#
# With a square window of `pool_size` $= k$ and a stride $s$, on $x$ of shape $(N, H, W, C)$ as in
# lesson 02, each channel is pooled on its own:
#
# $$\text{out}[n, i, j, c] = \max_{0 \le p, q < k}\; x[n,\; s i + p,\; s j + q,\; c],$$
#
# with $H' = \lfloor (H - k)/s \rfloor + 1$ and $W'$ likewise: no padding, the windows that fit
# (Keras' `padding="valid"`). Usually $s = k$ and the windows tile the image; with $s < k$ they overlap.
#
# **Backward.** Within one window the maximum is, locally, just its largest input: if $x_m$ is the
# largest, nudging $x_m$ moves the output by the same amount, and nudging any other input changes
# nothing. So $\partial\, \text{out} / \partial x_m = 1$ for the winner and $0$ for the others, and the
# chain rule sends each `dout[n, i, j, c]` to the winner of window $(i, j)$ alone:
#
# $$dx[n, h, v, c] = \sum_{\substack{(i, j) \text{ whose window's maximum}\\ \text{is at } (h, v)}} \text{dout}[n, i, j, c].$$
#
# Two details decide whether your gradient is right:
#
# - **Overlapping windows.** An input can be the maximum of several windows. It then receives the sum
#   of their gradients: add (`+=`), never assign.
# - **Ties.** When several inputs share the maximum, the max is not differentiable there; any
#   split of the gradient among the tied inputs (weights summing to 1) is a valid *subgradient*. Send
#   the gradient to **the first** maximum of the window in row-major order, which is what `np.argmax`
#   returns and what TensorFlow's max pooling does (`keras.layers.MaxPooling2D` under
#   `tf.GradientTape` sends it to the first). Sending the whole gradient to *every* tied input is wrong:
#   it multiplies the gradient by the number of ties.
#
# The helper below (given) lists the windows, so your code can loop over them.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "pooling_windows", "locked": true, "solution": false, "schema_version": 3}
def pooling_windows(height, width, pool_size, stride):
    """The windows of a pooling layer that fit in an image (no padding, as Keras' padding="valid").

    Args:
        height, width: ints, the image's size H, W.
        pool_size: int k, the side of the square window.
        stride: int s, the step between two windows.
    Returns:
        out_h, out_w: ints, the output size floor((H - k) / s) + 1 and floor((W - k) / s) + 1.
        windows: list of (i, j, rows, columns) in row-major order: output position (i, j) pools the
            input rows `rows` and columns `columns` (two slices of length k).
    """
    out_h = (height - pool_size) // stride + 1
    out_w = (width - pool_size) // stride + 1
    windows = [(i, j, slice(stride * i, stride * i + pool_size), slice(stride * j, stride * j + pool_size))
               for i in range(out_h) for j in range(out_w)]
    return out_h, out_w, windows


# %% nbgrader={"grade": false, "grade_id": "max_pool_forward", "locked": false, "solution": true, "schema_version": 3}
def max_pool_forward(x, pool_size=2, stride=2):
    """Forward pass of max pooling, each channel on its own.

    Args:
        x: float array of shape (N, H, W, C).
        pool_size: int k, the side of the square window.
        stride: int s, the step between two windows; s < k makes windows overlap.
    Returns:
        out: float array of shape (N, H', W', C), out[n, i, j, c] = max of x[n, rows, columns, c] over
            window (i, j) (see pooling_windows).
        cache: the tuple (x, pool_size, stride).
    """
    ### BEGIN SOLUTION
    n, height, width, channels = x.shape
    out_h, out_w, windows = pooling_windows(height, width, pool_size, stride)
    out = np.zeros((n, out_h, out_w, channels), dtype=x.dtype)
    for i, j, rows, columns in windows:
        out[:, i, j, :] = np.max(x[:, rows, columns, :], axis=(1, 2))
    return out, (x, pool_size, stride)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_max_pool_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["pooling"]
x, pool_size, stride = case.inputs["x"], int(case.inputs["pool_size"]), int(case.inputs["stride"])
pool_case = describe_case(x, pool_size, stride)
out, cache = max_pool_forward(x, pool_size, stride)
checks.assert_shape(out, case.outputs["max_out"].shape, f"max_pool_forward(x of shape {x.shape}, pool_size={pool_size}, stride={stride})")
checks.assert_close(out, case.outputs["max_out"], "max pooling of x", case=pool_case, axes=("n", "i", "j", "c"), dtype=np.float64)
print("max_pool_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
for shape, pool_size, stride in [((1, 4, 6, 2), 2, 1), ((3, 7, 5, 1), 3, 3), ((2, 6, 6, 3), 3, 1), ((1, 5, 8, 2), 2, 3)]:
    x = rng.normal(size=shape)
    expected = np.lib.stride_tricks.sliding_window_view(x, (pool_size, pool_size), axis=(1, 2))[:, ::stride, ::stride].max(axis=(-2, -1))
    checks.assert_close(max_pool_forward(x, pool_size, stride)[0], expected, f"max pooling of x {shape}, pool_size={pool_size}, stride={stride}")
### END HIDDEN TESTS

# %% [markdown]
# For the backward pass, find the winner of each window again from the cached input. Flatten the
# window to $(N, k^2, C)$ with `reshape`, take `np.argmax` over axis 1 (the first maximum of each
# window and channel), build a zero window with `dout[:, i, j, :]` at the winners
# (`np.put_along_axis` does this), and add it back into the window's place in `dx`.

# %% nbgrader={"grade": false, "grade_id": "max_pool_backward", "locked": false, "solution": true, "schema_version": 3}
def max_pool_backward(dout, cache):
    """Backward pass of max pooling.

    Args:
        dout: float array of shape (N, H', W', C), the upstream gradient.
        cache: the tuple (x, pool_size, stride) from max_pool_forward.
    Returns:
        dx: float array of shape (N, H, W, C). Each dout[n, i, j, c] goes to the first maximum (in row-major
            order within the window) of window (i, j) in channel c; an input that is the maximum of
            several overlapping windows receives the sum of their gradients.
    """
    ### BEGIN SOLUTION
    x, pool_size, stride = cache
    n, height, width, channels = x.shape
    _, _, windows = pooling_windows(height, width, pool_size, stride)
    dx = np.zeros_like(x)
    for i, j, rows, columns in windows:
        window = x[:, rows, columns, :].reshape(n, pool_size * pool_size, channels)
        first_max = np.argmax(window, axis=1)  # (N, C); on ties, the first maximum
        dwindow = np.zeros_like(window)
        np.put_along_axis(dwindow, first_max[:, np.newaxis, :], dout[:, i, j, np.newaxis, :], axis=1)
        dx[:, rows, columns, :] += dwindow.reshape(n, pool_size, pool_size, channels)
    return dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_max_pool_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["pooling"]
x, pool_size, stride, dout = case.inputs["x"], int(case.inputs["pool_size"]), int(case.inputs["stride"]), case.inputs["dout"]
pool_case = describe_case(x, pool_size, stride)
dx = max_pool_backward(dout, (x, pool_size, stride))
checks.assert_shape(dx, x.shape, "dx")
checks.assert_close(dx, case.outputs["max_dx"], "dx of max pooling (overlapping windows)", case=pool_case, axes=("n", "row", "col", "c"), common_bugs={
    "the gradient goes to every element of the window; only the maximum gets it": case.outputs["max_dx_every_element"],
    "overlapping windows overwrite each other's gradient: add with +=, do not assign": case.outputs["max_dx_assigned"]})
checks.assert_gradient(dx, numerical_gradient_array(lambda x_: max_pool_forward(x_, pool_size, stride)[0], x.copy(), dout),
                       "dx against a numerical gradient", case=pool_case)
# Ties: every 2 x 2 window of an all-ones image is a four-way tie; each sends its gradient to its first (top-left) element.
ones = np.ones((1, 3, 3, 1))
dout_ties = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
expected = np.zeros((1, 3, 3, 1))
expected[0, :2, :2, 0] = [[1.0, 2.0], [3.0, 4.0]]
checks.assert_close(max_pool_backward(dout_ties, (ones, 2, 1)), expected, "dx of max pooling over tied inputs", common_bugs={
    "every tied maximum gets the whole gradient; send it to the first maximum only":
        np.array([1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 3.0, 7.0, 4.0]).reshape(1, 3, 3, 1)})
print("max_pool_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
for shape, pool_size, stride in [((1, 4, 6, 2), 2, 1), ((3, 7, 5, 1), 3, 3), ((2, 6, 7, 2), 3, 2)]:
    for ties in (False, True):
        # Small integers make many ties; continuous values make none.
        x = rng.integers(0, 3, size=shape).astype(float) if ties else rng.normal(size=shape)
        _, _, windows = pooling_windows(shape[1], shape[2], pool_size, stride)
        dout = rng.normal(size=(shape[0], (shape[1] - pool_size) // stride + 1, (shape[2] - pool_size) // stride + 1, shape[3]))
        expected = np.zeros(shape)
        for n in range(shape[0]):
            for c in range(shape[3]):
                for i, j, rows, columns in windows:
                    p, q = np.unravel_index(np.argmax(x[n, rows, columns, c]), (pool_size, pool_size))
                    expected[n, rows.start + p, columns.start + q, c] += dout[n, i, j, c]
        checks.assert_close(max_pool_backward(dout, (x, pool_size, stride)), expected,
                            f"dx of max pooling, x {shape}, pool_size={pool_size}, stride={stride}{', with ties' if ties else ''}")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Average pooling
#
# Average pooling keeps the mean of each window instead:
#
# $$\text{out}[n, i, j, c] = \frac{1}{k^2} \sum_{0 \le p, q < k} x[n,\; s i + p,\; s j + q,\; c].$$
#
# Every input of the window counts the same, $\partial\, \text{out} / \partial x = 1/k^2$, so each
# `dout[n, i, j, c]` is shared equally: $1/k^2$ of it to each of the $k^2$ inputs of window $(i, j)$.
# Overlapping windows add up, as before.

# %% nbgrader={"grade": false, "grade_id": "avg_pool_forward", "locked": false, "solution": true, "schema_version": 3}
def avg_pool_forward(x, pool_size=2, stride=2):
    """Forward pass of average pooling, each channel on its own.

    Args:
        x: float array of shape (N, H, W, C).
        pool_size, stride: ints k and s, as for max_pool_forward.
    Returns:
        out: float array of shape (N, H', W', C), the mean of each window.
        cache: the tuple (x.shape, pool_size, stride).
    """
    ### BEGIN SOLUTION
    n, height, width, channels = x.shape
    out_h, out_w, windows = pooling_windows(height, width, pool_size, stride)
    out = np.zeros((n, out_h, out_w, channels), dtype=x.dtype)
    for i, j, rows, columns in windows:
        out[:, i, j, :] = np.mean(x[:, rows, columns, :], axis=(1, 2))
    return out, (x.shape, pool_size, stride)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_avg_pool_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["pooling"]
x, pool_size, stride = case.inputs["x"], int(case.inputs["pool_size"]), int(case.inputs["stride"])
pool_case = describe_case(x, pool_size, stride)
out, cache = avg_pool_forward(x, pool_size, stride)
checks.assert_shape(out, case.outputs["avg_out"].shape, f"avg_pool_forward(x of shape {x.shape}, pool_size={pool_size}, stride={stride})")
checks.assert_close(out, case.outputs["avg_out"], "average pooling of x", case=pool_case, axes=("n", "i", "j", "c"), dtype=np.float64, common_bugs={
    "the window is summed, not averaged": case.outputs["avg_out"] * pool_size ** 2})
print("avg_pool_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
for shape, pool_size, stride in [((1, 4, 6, 2), 2, 1), ((3, 7, 5, 1), 3, 3), ((2, 6, 6, 3), 3, 1)]:
    x = rng.normal(size=shape)
    expected = np.lib.stride_tricks.sliding_window_view(x, (pool_size, pool_size), axis=(1, 2))[:, ::stride, ::stride].mean(axis=(-2, -1))
    checks.assert_close(avg_pool_forward(x, pool_size, stride)[0], expected, f"average pooling of x {shape}, pool_size={pool_size}, stride={stride}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "avg_pool_backward", "locked": false, "solution": true, "schema_version": 3}
def avg_pool_backward(dout, cache):
    """Backward pass of average pooling.

    Args:
        dout: float array of shape (N, H', W', C), the upstream gradient.
        cache: the tuple (x_shape, pool_size, stride) from avg_pool_forward.
    Returns:
        dx: float array of shape x_shape: each dout[n, i, j, c] / k**2 added to every input of window (i, j).
    """
    ### BEGIN SOLUTION
    x_shape, pool_size, stride = cache
    _, height, width, _ = x_shape
    _, _, windows = pooling_windows(height, width, pool_size, stride)
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for i, j, rows, columns in windows:
        dx[:, rows, columns, :] += dout[:, i, j, np.newaxis, np.newaxis, :] / pool_size ** 2
    return dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_avg_pool_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["pooling"]
x, pool_size, stride, dout = case.inputs["x"], int(case.inputs["pool_size"]), int(case.inputs["stride"]), case.inputs["dout"]
pool_case = describe_case(x, pool_size, stride)
dx = avg_pool_backward(dout, (x.shape, pool_size, stride))
checks.assert_shape(dx, x.shape, "dx")
checks.assert_close(dx, case.outputs["avg_dx"], "dx of average pooling", case=pool_case, axes=("n", "row", "col", "c"), common_bugs={
    "the gradient is not divided by the window's size k**2": case.outputs["avg_dx"] * pool_size ** 2})
checks.assert_gradient(dx, numerical_gradient_array(lambda x_: avg_pool_forward(x_, pool_size, stride)[0], x.copy(), dout),
                       "dx against a numerical gradient", case=pool_case)
print("avg_pool_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
for shape, pool_size, stride in [((1, 4, 6, 2), 2, 1), ((3, 7, 5, 1), 3, 3), ((2, 6, 7, 2), 3, 2), ((1, 5, 5, 1), 5, 1)]:
    x = rng.normal(size=shape)
    reference = lambda x_: np.lib.stride_tricks.sliding_window_view(x_, (pool_size, pool_size), axis=(1, 2))[:, ::stride, ::stride].mean(axis=(-2, -1))
    dout = rng.normal(size=reference(x).shape)
    checks.assert_gradient(avg_pool_backward(dout, (shape, pool_size, stride)), numerical_gradient_array(reference, x.copy(), dout),
                           f"dx of average pooling, x {shape}, pool_size={pool_size}, stride={stride}")
### END HIDDEN TESTS

# %% [markdown]
# Where does the gradient go? Pool a random 10 x 10 image with 3 x 3 windows and stride 1 (they
# overlap), send a gradient of 1 from every output, and look at $dx$. Average pooling spreads it
# evenly (the centre pixels are in 9 windows and get $9 \times 1/9$, the corners in one). Max pooling
# gives everything to the winners: a bright pixel that is the maximum of many windows collects many
# gradients, and most pixels get nothing.

# %%
image = np.random.default_rng(0).uniform(size=(1, 10, 10, 1))
max_out, max_cache = max_pool_forward(image, pool_size=3, stride=1)
avg_out, avg_cache = avg_pool_forward(image, pool_size=3, stride=1)
plots.image_grid([image[0, :, :, 0], max_pool_backward(np.ones_like(max_out), max_cache)[0, :, :, 0],
                  avg_pool_backward(np.ones_like(avg_out), avg_cache)[0, :, :, 0]],
                 titles=["input", "dx of max pooling", "dx of average pooling"], columns=3)
plt.show()

# %% [markdown]
# ## 3. Global max pooling over time
#
# For text, a convolution gives one response per window of words and per filter, an array of shape
# $(N, T', F)$, and $T'$ depends on the review's length. **Global max pooling over time** keeps, for each
# filter, its strongest response anywhere in the review:
#
# $$\text{out}[n, f] = \max_{t}\; x[n, t, f],$$
#
# a fixed-size vector of $F$ numbers whatever the length: "did this n-gram detector fire anywhere, and
# how strongly?" It is max pooling with one window as long as the sequence, so the backward pass is the
# same: `dout[n, f]` goes to the first time step where the maximum is.
#
# Ties are the rule here, not the exception: after a ReLU, a filter that never fires in a review is 0 at
# every step, a $T'$-way tie. The gradient then goes to step 0, and the ReLU before it stops it anyway
# (its derivative is 0 there), so the choice does no harm. Frameworks differ: Keras' `GlobalMaxPooling1D`
# on TensorFlow splits the gradient equally among tied maxima, also a valid subgradient. What is never
# right is to give the whole gradient to each of them.

# %% nbgrader={"grade": false, "grade_id": "global_max_pool_forward", "locked": false, "solution": true, "schema_version": 3}
def global_max_pool_forward(x):
    """Global max pooling over time.

    Args:
        x: float array of shape (N, T, F), e.g. the responses of F filters along N sequences.
    Returns:
        out: float array of shape (N, F), out[n, f] = max over t of x[n, t, f].
        cache: x.
    """
    ### BEGIN SOLUTION
    return np.max(x, axis=1), x
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_global_max_pool_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["global_max_pool"]
x = case.inputs["x"]
out, cache = global_max_pool_forward(x)
checks.assert_shape(out, case.outputs["out"].shape, f"global_max_pool_forward(x of shape {x.shape}): one value per sequence and filter")
checks.assert_close(out, case.outputs["out"], "global max pooling of x")
print("global_max_pool_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
for shape in [(1, 7, 3), (4, 1, 2), (3, 5, 5)]:
    x = rng.normal(size=shape)
    checks.assert_close(global_max_pool_forward(x)[0], x.max(axis=1), f"global max pooling of x {shape}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "global_max_pool_backward", "locked": false, "solution": true, "schema_version": 3}
def global_max_pool_backward(dout, cache):
    """Backward pass of global max pooling over time.

    Args:
        dout: float array of shape (N, F), the upstream gradient.
        cache: x, of shape (N, T, F), from global_max_pool_forward.
    Returns:
        dx: float array of shape (N, T, F): dout[n, f] at the first time step t where x[n, t, f] is
            largest, 0 elsewhere.
    """
    ### BEGIN SOLUTION
    x = cache
    first_max = np.argmax(x, axis=1)  # (N, F); on ties, the first step
    dx = np.zeros_like(x)
    np.put_along_axis(dx, first_max[:, np.newaxis, :], dout[:, np.newaxis, :], axis=1)
    return dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_global_max_pool_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["global_max_pool"]
x, dout = case.inputs["x"], case.inputs["dout"]
dx = global_max_pool_backward(dout, x)
checks.assert_shape(dx, x.shape, "dx")
checks.assert_close(dx, case.outputs["dx"], "dx of global max pooling (x holds ReLU outputs: zeros tie)", common_bugs={
    "every tied maximum gets the whole gradient; send it to the first maximum only": case.outputs["dx_all_ties"],
    "the gradient goes to every time step; only the maximum gets it": np.broadcast_to(dout[:, np.newaxis, :], x.shape)})
x_distinct = case.inputs["x_distinct"]
checks.assert_gradient(global_max_pool_backward(dout, x_distinct),
                       numerical_gradient_array(lambda x_: global_max_pool_forward(x_)[0], x_distinct.copy(), dout),
                       "dx against a numerical gradient (no ties)")
print("global_max_pool_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
for shape in [(1, 7, 3), (4, 1, 2), (3, 6, 5)]:
    x = np.maximum(rng.integers(-2, 3, size=shape), 0).astype(float)  # ReLU-like, with many ties
    dout = rng.normal(size=(shape[0], shape[2]))
    expected = np.zeros(shape)
    for n in range(shape[0]):
        for f in range(shape[2]):
            expected[n, np.argmax(x[n, :, f]), f] = dout[n, f]
    checks.assert_close(global_max_pool_backward(dout, x), expected, f"dx of global max pooling, x {shape}, with ties")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Embeddings: from word indices to vectors
#
# A model cannot multiply words. Each review arrives as a row of word indices, `token_ids` of shape
# $(N, T)$ with values in $0 \dots V - 1$ for a vocabulary of $V$ words (index 0 pads short reviews, as in
# `emolib.text.pad_sequences`). An **embedding** layer holds a trainable matrix $E$ of shape $(V, D)$, one
# row of $D$ numbers per word, and looks the rows up:
#
# $$\text{out}[n, t, :] = E[\text{token\_ids}[n, t], :], \qquad \text{out of shape } (N, T, D).$$
#
# In NumPy that is one fancy index, `E[token_ids]`. It is the same as multiplying a one-hot vector of the
# word by $E$: $\text{out}[n, t, :] = \text{onehot}(\text{token\_ids}[n, t])^\top E$, which gives the
# backward pass by lesson 01's rule for a product. Row $v$ of $dE$ collects the gradient of every
# position that holds word $v$:
#
# $$dE[v, :] = \sum_{(n, t)\,:\; \text{token\_ids}[n, t] = v} \text{dout}[n, t, :].$$
#
# Rows of words absent from the batch get 0, and a word used five times collects five contributions.
# **Careful:** `dE[token_ids] += dout` looks right but is not. NumPy evaluates it as
# `dE[token_ids] = dE[token_ids] + dout`, and when an index repeats, the assignments overwrite each
# other: a repeated word is counted once. `np.add.at(dE, token_ids, dout)` adds every occurrence.

# %% nbgrader={"grade": false, "grade_id": "embedding_forward", "locked": false, "solution": true, "schema_version": 3}
def embedding_forward(token_ids, embeddings):
    """Look up the vector of every word.

    Args:
        token_ids: int array of shape (N, T), word indices in 0..V-1.
        embeddings: float array of shape (V, D), one row per word of the vocabulary.
    Returns:
        out: float array of shape (N, T, D), out[n, t] = embeddings[token_ids[n, t]].
        cache: the tuple (token_ids, embeddings.shape).
    """
    ### BEGIN SOLUTION
    return embeddings[token_ids], (token_ids, embeddings.shape)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_embedding_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["embedding"]
token_ids, embeddings = case.inputs["token_ids"], case.inputs["embeddings"]
out, cache = embedding_forward(token_ids, embeddings)
checks.assert_shape(out, case.outputs["out"].shape, f"embedding_forward(token_ids of shape {token_ids.shape}, embeddings of shape {embeddings.shape})")
checks.assert_close(out, case.outputs["out"], "the looked-up vectors")
print("embedding_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
for n, steps, vocab_size, dim in [(1, 1, 3, 2), (4, 9, 5, 1), (2, 3, 50, 6)]:
    token_ids, embeddings = rng.integers(0, vocab_size, size=(n, steps)), rng.normal(size=(vocab_size, dim))
    expected = np.array([[embeddings[token_ids[i, t]] for t in range(steps)] for i in range(n)])
    checks.assert_close(embedding_forward(token_ids, embeddings)[0], expected, f"vectors for token_ids {token_ids.shape}, V={vocab_size}, D={dim}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "embedding_backward", "locked": false, "solution": true, "schema_version": 3}
def embedding_backward(dout, cache):
    """Backward pass of the embedding lookup.

    Args:
        dout: float array of shape (N, T, D), the upstream gradient.
        cache: the tuple (token_ids, embeddings_shape) from embedding_forward.
    Returns:
        dembeddings: float array of shape (V, D); row v is the sum of dout[n, t] over every (n, t) with
            token_ids[n, t] = v (0 for a word absent from the batch).
    """
    ### BEGIN SOLUTION
    token_ids, embeddings_shape = cache
    dembeddings = np.zeros(embeddings_shape, dtype=dout.dtype)
    np.add.at(dembeddings, token_ids, dout)  # unbuffered: a repeated word adds every occurrence
    return dembeddings
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_embedding_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["embedding"]
token_ids, embeddings, dout = case.inputs["token_ids"], case.inputs["embeddings"], case.inputs["dout"]
dembeddings = embedding_backward(dout, (token_ids, embeddings.shape))
checks.assert_shape(dembeddings, embeddings.shape, "dembeddings")
checks.assert_close(dembeddings, case.outputs["dembeddings"], "dembeddings (token_ids repeats words)", common_bugs={
    "a repeated word is counted once: dE[token_ids] += dout overwrites; use np.add.at": case.outputs["dembeddings_buffered"]})
checks.assert_gradient(dembeddings, numerical_gradient_array(lambda e_: embedding_forward(token_ids, e_)[0], embeddings.copy(), dout),
                       "dembeddings against a numerical gradient")
print("embedding_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
for n, steps, vocab_size, dim in [(1, 1, 3, 2), (4, 9, 3, 1), (2, 6, 50, 4), (3, 5, 1, 2)]:
    token_ids, embeddings = rng.integers(0, vocab_size, size=(n, steps)), rng.normal(size=(vocab_size, dim))
    dout = rng.normal(size=(n, steps, dim))
    expected = np.zeros((vocab_size, dim))
    for i in range(n):
        for t in range(steps):
            expected[token_ids[i, t]] += dout[i, t]
    checks.assert_close(embedding_backward(dout, (token_ids, embeddings.shape)), expected,
                        f"dembeddings for token_ids {token_ids.shape}, V={vocab_size}, D={dim}")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. A TextCNN from your own layers
#
# Kim (2014) showed that one convolution layer over word vectors, pooled over time, is a strong text
# classifier. With one filter width it is:
#
# | step | operation | shape |
# | --- | --- | --- |
# | input | word indices `token_ids` | $(N, T)$ |
# | embedding | `vectors = E[token_ids]` | $(N, T, D)$ |
# | convolution | `conv = conv1d(vectors, conv_w, conv_b)`, width $w$, no padding | $(N, T - w + 1, F)$ |
# | ReLU | `features = max(conv, 0)` | $(N, T - w + 1, F)$ |
# | global max pooling | `pooled = max over time of features` | $(N, F)$ |
# | dense | `logits = pooled @ dense_w + dense_b` | $(N, C)$ |
# | loss | mean softmax cross-entropy of `logits` against `labels` | scalar |
#
# Each filter is an n-gram detector (lesson 02) and the pooling keeps its strongest response in the
# review; the dense layer weighs the detectors into a verdict.
#
# **Backward**, the chain rule from the loss down, each step a layer you wrote or were given:
#
# 1. `dlogits` $= (P - Y)/N$ from the softmax cross-entropy (lesson 01);
# 2. the dense layer (lesson 01): `d dense_w = pooled.T @ dlogits`, `d dense_b` = sum of `dlogits`
#    over the batch, `dpooled = dlogits @ dense_w.T`;
# 3. `dfeatures` = global max pooling's backward of `dpooled`;
# 4. the ReLU passes the gradient where its input `conv` was positive, and stops it (0) elsewhere;
# 5. the convolution's backward gives `dvectors`, `d conv_w`, `d conv_b`;
# 6. the embedding's backward gives `d embeddings`.
#
# The cells below give you lesson 01's `softmax_cross_entropy` and lesson 02's `conv1d_forward` and
# `conv1d_backward` (written directly in 1D; the same layer as yours), and an initialization.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_layers", "locked": true, "solution": false, "schema_version": 3}
def softmax_cross_entropy(logits, labels):
    """Lesson 01: mean cross-entropy of softmax(logits) (N, C) against int labels (N,), and d loss / d logits."""
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_sum_exp = np.log(np.sum(np.exp(shifted), axis=1))
    loss = np.mean(log_sum_exp - shifted[rows, labels])
    dlogits = np.exp(shifted - log_sum_exp[:, np.newaxis])
    dlogits[rows, labels] -= 1.0
    return float(loss), dlogits / n


def conv1d_forward(x, w, b, stride=1, pad=0):
    """Lesson 02: 1D convolution of x (N, T, D) with w (width, D, F) and b (F,); out (N, T', F), cache."""
    width, dim, n_filters = w.shape
    x_padded = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x_padded, width, axis=1)[:, ::stride]  # (N, T', D, width)
    n, steps_out = windows.shape[:2]
    cols = windows.transpose(0, 1, 3, 2).reshape(n * steps_out, width * dim)  # im2col, rows in (p, d) order
    out = cols @ w.reshape(width * dim, n_filters) + b
    return out.reshape(n, steps_out, n_filters), (x_padded.shape, cols, w, stride, pad)


def conv1d_backward(dout, cache):
    """Lesson 02: gradients dx (N, T, D), dw (width, D, F), db (F,) of conv1d_forward."""
    x_padded_shape, cols, w, stride, pad = cache
    width, dim, n_filters = w.shape
    n, steps_out, _ = dout.shape
    dout_rows = dout.reshape(n * steps_out, n_filters)
    db = dout_rows.sum(axis=0)
    dw = (cols.T @ dout_rows).reshape(w.shape)
    dwindows = (dout_rows @ w.reshape(width * dim, n_filters).T).reshape(n, steps_out, width, dim)
    dx_padded = np.zeros(x_padded_shape, dtype=dout.dtype)
    for p in range(width):  # col2im: offset p of every window goes back to steps p, p + s, ...
        dx_padded[:, p:p + stride * steps_out:stride] += dwindows[:, :, p]
    return dx_padded[:, pad:x_padded_shape[1] - pad], dw, db


def textcnn_init(vocab_size, embed_dim, num_filters, width, num_classes=2, seed=0, dtype=np.float64):
    """Random initial parameters of the TextCNN, a dict of arrays:

    "embeddings" (V, D), normal with standard deviation 0.1; "conv_w" (width, D, F), normal with variance
    2 / (width * D) (He initialization: a ReLU layer's outputs stay at its inputs' scale); "conv_b" (F,)
    zeros; "dense_w" (F, C), normal with variance 1 / F; "dense_b" (C,) zeros.
    """
    generator = np.random.default_rng(seed)
    params = {
        "embeddings": 0.1 * generator.standard_normal((vocab_size, embed_dim)),
        "conv_w": np.sqrt(2.0 / (width * embed_dim)) * generator.standard_normal((width, embed_dim, num_filters)),
        "conv_b": np.zeros(num_filters),
        "dense_w": np.sqrt(1.0 / num_filters) * generator.standard_normal((num_filters, num_classes)),
        "dense_b": np.zeros(num_classes),
    }
    return {name: value.astype(dtype) for name, value in params.items()}


# %% nbgrader={"grade": false, "grade_id": "textcnn_loss", "locked": false, "solution": true, "schema_version": 3}
def textcnn_loss(params, token_ids, labels=None):
    """Forward pass of the TextCNN and, given labels, its loss and the gradients of every parameter.

    Args:
        params: dict of arrays as textcnn_init makes: "embeddings" (V, D), "conv_w" (width, D, F),
            "conv_b" (F,), "dense_w" (F, C), "dense_b" (C,).
        token_ids: int array of shape (N, T), T >= width.
        labels: int array of shape (N,) with values in 0..C-1, or None.
    Returns:
        with labels None: logits, a float array of shape (N, C);
        otherwise: loss, a float (the mean softmax cross-entropy), and grads, a dict with the same keys
            and shapes as params: the gradient of the loss with respect to each parameter.
    """
    ### BEGIN SOLUTION
    vectors, embedding_cache = embedding_forward(token_ids, params["embeddings"])
    conv, conv_cache = conv1d_forward(vectors, params["conv_w"], params["conv_b"])
    features = np.maximum(conv, 0)
    pooled, pool_cache = global_max_pool_forward(features)
    logits = pooled @ params["dense_w"] + params["dense_b"]
    if labels is None:
        return logits
    loss, dlogits = softmax_cross_entropy(logits, labels)
    grads = {"dense_w": pooled.T @ dlogits, "dense_b": np.sum(dlogits, axis=0)}
    dpooled = dlogits @ params["dense_w"].T
    dfeatures = global_max_pool_backward(dpooled, pool_cache)
    dconv = dfeatures * (conv > 0)
    dvectors, grads["conv_w"], grads["conv_b"] = conv1d_backward(dconv, conv_cache)
    grads["embeddings"] = embedding_backward(dvectors, embedding_cache)
    return loss, grads
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_textcnn_loss", "locked": true, "points": 4, "schema_version": 3, "solution": false}
case = REFERENCE["textcnn_loss"]
names = ["embeddings", "conv_w", "conv_b", "dense_w", "dense_b"]
params = {name: case.inputs[name] for name in names}
token_ids, labels = case.inputs["token_ids"], case.inputs["labels"]
logits = textcnn_loss(params, token_ids)
checks.assert_close(logits, case.outputs["logits"], "logits (textcnn_loss without labels)")
loss, grads = textcnn_loss(params, token_ids, labels)
checks.assert_close(loss, case.outputs["loss"], "loss")
checks.assert_true(isinstance(grads, dict) and sorted(grads) == sorted(names),
                   f"grads should be a dict with the keys {names}")
for name in names:
    checks.assert_shape(grads[name], params[name].shape, f'grads["{name}"]')
checks.assert_close(grads["dense_b"], case.outputs["d_dense_b"], 'grads["dense_b"]', common_bugs={
    "dense_b's gradient is averaged again; dlogits already carries the 1/N: sum it": case.outputs["d_dense_b"] / len(labels)})
for name in names:
    checks.assert_close(grads[name], case.outputs["d_" + name], f'grads["{name}"]')
# The whole model against numerical gradients, one parameter array at a time.
for name in names:
    numeric = numerical_gradient(lambda value: textcnn_loss({**params, name: value}, token_ids, labels)[0], params[name].copy())
    checks.assert_gradient(grads[name], numeric, f'grads["{name}"] against a numerical gradient of the whole model')
print("textcnn_loss: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(9)
for n, steps, vocab_size, dim, filters, width, classes in [(1, 4, 5, 3, 2, 4, 3), (5, 7, 4, 2, 3, 1, 2), (3, 9, 11, 4, 5, 3, 4)]:
    params = textcnn_init(vocab_size, dim, filters, width, num_classes=classes, seed=int(rng.integers(1000)))
    params["conv_b"] = rng.normal(scale=0.1, size=filters)
    token_ids, labels = rng.integers(0, vocab_size, size=(n, steps)), rng.integers(0, classes, size=n)
    loss, grads = textcnn_loss(params, token_ids, labels)
    for name in params:
        numeric = numerical_gradient(lambda value: textcnn_loss({**params, name: value}, token_ids, labels)[0], params[name].copy())
        checks.assert_gradient(grads[name], numeric, f'grads["{name}"] for N={n}, T={steps}, V={vocab_size}, D={dim}, F={filters}, width={width}, C={classes}')
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Training on IMDB reviews
#
# Training is lesson 01's mini-batch gradient descent with a dict of parameters: each epoch, shuffle
# the examples (one permutation for the reviews and their labels), step through them `batch_size` at a
# time (the last batch may be smaller), and move every parameter of the dict against its gradient,
# $\theta \leftarrow \theta - \eta\, \partial L / \partial \theta$. After each epoch record the mean training loss of its
# batches and the validation accuracy; `textcnn_predict` (given) computes the predictions in batches.
# Work on a copy of the parameters, so that the caller's initial values stay as they were.
#
# The embedding gradient is sparse: only the rows of words in the batch are non-zero, so each step
# moves the vectors of those words only.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "textcnn_predict", "locked": true, "solution": false, "schema_version": 3}
def textcnn_predict(params, token_ids, batch_size=500):
    """The predicted class (the largest logit) of every sequence of token_ids (N, T): an int array (N,).

    Works through the data batch_size sequences at a time, so the convolution's memory stays bounded.
    """
    return np.concatenate([np.argmax(textcnn_loss(params, token_ids[start:start + batch_size]), axis=1)
                           for start in range(0, len(token_ids), batch_size)])


# %% nbgrader={"grade": false, "grade_id": "train_textcnn", "locked": false, "solution": true, "schema_version": 3}
def train_textcnn(params, token_ids, labels, val_token_ids, val_labels, learning_rate=0.5, epochs=5,
                  batch_size=50, seed=0):
    """Train the TextCNN with mini-batch gradient descent on textcnn_loss.

    Args:
        params: dict of initial parameter arrays (see textcnn_init); left unchanged.
        token_ids: int array of shape (N, T), the training sequences; labels: int array of shape (N,).
        val_token_ids: int array of shape (M, T); val_labels: int array of shape (M,).
        learning_rate: float, the step size.
        epochs, batch_size: ints.
        seed: int, seeds np.random.default_rng, which shuffles the examples at each epoch.
    Returns:
        params: a new dict with the trained parameters.
        history: dict with lists of length `epochs`: "train_loss" (mean batch loss of each epoch) and
            "val_accuracy" (share of validation sequences whose predicted class is the label).
    """
    ### BEGIN SOLUTION
    params = {name: value.copy() for name, value in params.items()}
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(len(labels))
        batch_losses = []
        for start in range(0, len(labels), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = textcnn_loss(params, token_ids[batch], labels[batch])
            for name in params:
                params[name] -= learning_rate * grads[name]
            batch_losses.append(loss)
        history["train_loss"].append(float(np.mean(batch_losses)))
        history["val_accuracy"].append(float(np.mean(textcnn_predict(params, val_token_ids) == val_labels)))
    return params, history
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_textcnn", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# A task only word order solves: label 1 when the bigram (10, 11) occurs, 0 when (11, 10) does, among
# random words 1..9. A bag of words cannot tell the two apart; a width-2 filter can.
rng = np.random.default_rng(10)
def word_order_task(n, steps=12):
    token_ids, labels = rng.integers(1, 10, size=(n, steps)), rng.integers(0, 2, size=n)
    where, rows = rng.integers(0, steps - 1, size=n), np.arange(n)
    token_ids[rows, where], token_ids[rows, where + 1] = np.where(labels == 1, 10, 11), np.where(labels == 1, 11, 10)
    return token_ids, labels
toy_ids, toy_labels = word_order_task(400)
toy_val_ids, toy_val_labels = word_order_task(200)
initial = textcnn_init(vocab_size=12, embed_dim=8, num_filters=8, width=2, seed=0)
initial_copy = {name: value.copy() for name, value in initial.items()}
trained, history = train_textcnn(initial, toy_ids, toy_labels, toy_val_ids, toy_val_labels, learning_rate=0.5, epochs=5, batch_size=20)
for name in initial:
    checks.assert_close(initial[name], initial_copy[name], f'the caller\'s params["{name}"] after training (train a copy)')
    checks.assert_shape(trained[name], initial[name].shape, f'trained params["{name}"]')
checks.assert_shape(np.array(history["train_loss"]), (5,), 'history["train_loss"]')
checks.assert_shape(np.array(history["val_accuracy"]), (5,), 'history["val_accuracy"]')
checks.assert_true(history["train_loss"][-1] < 0.5 * history["train_loss"][0],
                   f"the training loss should fall a lot on this easy task, but went {history['train_loss'][0]:.3f} -> "
                   f"{history['train_loss'][-1]:.3f}. Do you step against the gradient, and shuffle the sequences and labels together?")
checks.assert_true(history["val_accuracy"][-1] >= 0.9,
                   f"validation accuracy on the word-order task should reach 0.9, it is {history['val_accuracy'][-1]:.3f}")
# What the loop feeds textcnn_loss, watched from outside: every example once per epoch, in batches of
# batch_size (the last one smaller), in a new order each epoch, and the epoch's mean batch loss recorded.
batches_seen, ids_of_row = [], {tuple(row): i for i, row in enumerate(toy_ids[:45])}
def watched_loss(params, token_ids, labels=None, _loss=textcnn_loss):
    if labels is None:  # a prediction (textcnn_predict), not a training step
        return _loss(params, token_ids)
    loss, grads = _loss(params, token_ids, labels)
    rows = [ids_of_row.get(tuple(row), -1) for row in token_ids]
    checks.assert_true(bool(np.all(toy_labels[rows] == labels)),
                       "textcnn_loss was given labels that do not belong to its sequences: index both with the same batch")
    batches_seen.append((rows, loss))
    return loss, grads
with checks.replaced(globals(), textcnn_loss=watched_loss):
    # validation labels unlike the training data's, so that the validation accuracy can only come from them
    trained, history = train_textcnn(initial, toy_ids[:45], toy_labels[:45], toy_val_ids, 1 - toy_val_labels, epochs=2,
                                     batch_size=20)
checks.assert_epochs(batches_seen, examples=45, batch_size=20, epochs=2, train_loss=history["train_loss"], what="train_textcnn")
checks.assert_close(history["val_accuracy"][-1], np.mean(textcnn_predict(trained, toy_val_ids) == 1 - toy_val_labels),
                    'history["val_accuracy"] of the last epoch (the trained model on val_token_ids and val_labels, after the epoch)')
print("train_textcnn: all visible tests passed")
### BEGIN HIDDEN TESTS
run_1 = train_textcnn(initial, toy_ids, toy_labels, toy_val_ids, toy_val_labels, epochs=2, batch_size=20, seed=3)[0]
run_2 = train_textcnn(initial, toy_ids, toy_labels, toy_val_ids, toy_val_labels, epochs=2, batch_size=20, seed=3)[0]
checks.assert_close(run_1["conv_w"], run_2["conv_w"], "conv_w of two runs with the same seed")
# One epoch with one batch holding all examples is exactly one full gradient step.
trained, history = train_textcnn(initial, toy_ids[:50], toy_labels[:50], toy_val_ids, toy_val_labels,
                                 learning_rate=0.3, epochs=1, batch_size=50)
loss0, grads0 = textcnn_loss(initial, toy_ids[:50], toy_labels[:50])
for name in initial:
    checks.assert_close(trained[name], initial[name] - 0.3 * grads0[name], f'params["{name}"] after one full-batch step')
checks.assert_close(history["train_loss"][0], loss0, "the recorded loss of that epoch")
# A batch size that does not divide N: the last, smaller batch still counts. All examples are the same,
# so every batch has the same gradient at the same parameters and the order does not matter.
same_ids, same_labels = np.tile(toy_ids[:1], (30, 1)), np.repeat(toy_labels[:1], 30)
trained, _ = train_textcnn(initial, same_ids, same_labels, toy_val_ids, toy_val_labels, learning_rate=0.3, epochs=1, batch_size=29)
expected = {name: value.copy() for name, value in initial.items()}
for size in (29, 1):
    _, grads_ = textcnn_loss(expected, same_ids[:size], same_labels[:size])
    expected = {name: expected[name] - 0.3 * grads_[name] for name in expected}
checks.assert_close(trained["dense_w"], expected["dense_w"], "dense_w after an epoch of batches of 29 and 1 sequences")
### END HIDDEN TESTS

# %% [markdown]
# Now the real reviews. `emolib.data.load_imdb_sequences` tokenizes them, builds the vocabulary from the
# training reviews only, and pads or cuts every review to the same length, keeping its end (where the
# verdict often is). We keep 10% of the training reviews for validation; the test set is used once, at
# the end.
#
# The model: 32-dimensional word vectors, 64 filters of width 5, two classes. We train in float32, as
# Keras does (half the memory and about twice the speed of float64); float64 was for the gradient checks.

# %%
vocabulary_size, sequence_length = (5000, 100) if FAST else (10000, 200)
(train_ids, train_labels), (test_ids, test_labels), vocab = emolib.data.load_imdb_sequences(
    num_words=vocabulary_size, maxlen=sequence_length, limit=4000 if FAST else None)
validation_size = len(train_labels) // 10
val_ids, val_labels = train_ids[:validation_size], train_labels[:validation_size]
train_ids, train_labels = train_ids[validation_size:], train_labels[validation_size:]
print(f"{len(train_labels)} training, {len(val_labels)} validation, {len(test_labels)} test reviews of "
      f"{sequence_length} words; a vocabulary of {len(vocab)} words")

# %%
width = 5
initial = textcnn_init(len(vocab), embed_dim=32, num_filters=64, width=width, seed=0, dtype=np.float32)
start = time.perf_counter()
params, history = train_textcnn(initial, train_ids, train_labels, val_ids, val_labels,
                                learning_rate=0.5, epochs=5, batch_size=50)
print(f"trained in {time.perf_counter() - start:.0f} s; validation accuracy by epoch: "
      + ", ".join(f"{accuracy:.3f}" for accuracy in history["val_accuracy"]))
plots.learning_curves(history, title="TextCNN on IMDB, trained with your layers")
plt.show()

# %% [markdown]
# The training loss falls at every epoch; the validation accuracy rises, then levels off as the model
# starts to memorize its training reviews (the training loss keeps falling). Now the test set, once.
#
# On the development machine the full run (`python -m autograder execute 03_pooling --full`, also part
# of `make bench`) reached a validation accuracy of 0.752, 0.802, 0.834, 0.844, 0.833 over the five
# epochs and a **test accuracy of 0.844** on all 25,000 test reviews, in 71 s of training on 2 CPU
# cores: from layers you wrote, with plain gradient descent. Fast mode, with 3,600 reviews, gets about
# 0.69: too little data for its 170,000 parameters.

# %%
test_accuracy = np.mean(textcnn_predict(params, test_ids) == test_labels)
print(f"test accuracy: {test_accuracy:.4f} on {len(test_labels)} reviews")

# %% [markdown]
# ## 7. What the filters learned
#
# Each filter's pooled response enters the dense layer; the difference of its two weights,
# `dense_w[f, 1] - dense_w[f, 0]`, says how much it pushes a review towards "positive". Take the filters
# that push hardest each way, and find the 5-word windows of (up to 1,000) validation reviews on which
# they fire most strongly.

# %%
words = np.array(sorted(vocab, key=vocab.get))
sample_ids = val_ids[:1000]
vectors = params["embeddings"][sample_ids]
features = np.maximum(conv1d_forward(vectors, params["conv_w"], params["conv_b"])[0], 0)  # (M, T - width + 1, F)
push = params["dense_w"][:, 1] - params["dense_w"][:, 0]
for f in np.concatenate([np.argsort(push)[::-1][:3], np.argsort(push)[:3]]):
    strongest = np.argsort(features[:, :, f], axis=None)[::-1]
    ngrams = []
    for review, t in zip(*np.unravel_index(strongest, features.shape[:2])):
        ngram = " ".join(words[sample_ids[review, t:t + width]])
        if ngram not in ngrams:
            ngrams.append(ngram)
        if len(ngrams) == 3:
            break
    print(f"filter {f:2d}, pushes {'positive' if push[f] > 0 else 'negative'} ({push[f]:+.2f}): " + " | ".join(ngrams))

# %% [markdown]
# Nobody told the filters about words: they learned, from the labels alone, to detect n-grams that carry
# sentiment, and the embedding learned vectors that make those n-grams easy to detect.
#
# ## What you built
#
# - Max and average pooling, forward and backward, with overlapping windows; the gradient of a maximum
#   goes to one winner, and ties are broken the way frameworks do.
# - Global max pooling over time, which turns a review of any length into one vector.
# - An embedding layer whose backward pass adds the gradients of repeated words (`np.add.at`).
# - A TextCNN assembled from your layers, its whole gradient checked numerically, trained with your
#   mini-batch gradient descent on real reviews, and filters you can read.
#
# Next, lessons 04 and 05 replace the convolution with a recurrent network that reads a review word by
# word.
