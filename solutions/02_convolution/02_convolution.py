# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 02: convolution, forward and backward, by hand
#
# By the end of this lesson you will be able to
#
# - write down what a 2D convolution layer computes, with stride and zero padding, in the index notation
#   the code uses, and explain why the "convolution" of deep learning is a cross-correlation;
# - implement its forward pass as loops that mirror the formula, derive its backward pass ($dx$, $dw$,
#   $db$) step by step with the chain rule, and check it numerically;
# - make it fast: im2col and one matrix product forward, matrix products and col2im backward, hundreds
#   of times faster than the loops;
# - reproduce `keras.layers.Conv2D` and `keras.layers.Conv1D` with your own layers loaded with the same
#   weights;
# - apply the same layer to text, a 1D convolution over word vectors, and see that a filter is an
#   n-gram detector.
#
# **Prerequisites:** lesson 01 (gradients by the chain rule, numerical gradient checks), NumPy slicing
# and `reshape`.
#
# **Time:** about three hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when
# nbgrader grades it) the notebook times small shapes and reads 400 reviews; the full run times the
# standard shapes and reads 4,000 reviews. On the development machine (2 CPU cores) the whole notebook
# ran in 6 to 8 s in fast mode and 26 to 29 s in full, depending on what else was running
# (`python -m autograder execute 02_convolution [--full]`).
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# A failing test says what is wrong; read its message before you change anything. The tests you see are
# not all the tests: the grader also tries strides, paddings and shapes you do not see.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import time
from collections import Counter

import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
import emolib.text
from emolib import checks, plots
from emolib.gradcheck import numerical_gradient_array, rel_error

import keras

FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("02_convolution")
# Axis names for the test messages ("wrong only at i = 0"), by the array's rank: 4 for the 2D layers.
AXES = {"out": {4: ("n", "i", "j", "k"), 3: ("n", "t", "k")}, "dx": {4: ("n", "row", "col", "c"), 3: ("n", "t", "c")},
        "dw": {4: ("p", "q", "c", "k"), 3: ("p", "c", "k")}, "db": {4: ("k",), 3: ("k",)}}


def describe_case(x, w, stride, pad):
    """A test case as the messages show it; N and the window size also name factors ("times N")."""
    return {"N": x.shape[0], "x": x.shape, "w": w.shape, "stride": stride, "pad": pad,
            "window size": int(np.prod(w.shape[:-2]))}

# %% [markdown]
# ## 1. What a convolution layer computes
#
# A dense layer connects every input to every output. For an image that is wasteful: a pixel's meaning
# depends on its neighbours, and an edge is an edge wherever it is. A convolution layer builds both
# facts in. Each output looks at a small **window** of the input (local connectivity), and every window
# is multiplied by the same weights (weight sharing), so a pattern is detected wherever it appears.
#
# **Layouts.** We use Keras' layouts so that weights move between Keras and our code without
# transposes:
#
# - a batch of images `x` of shape $(N, H, W, C)$: $N$ images, $H$ rows, $W$ columns, $C$ channels
#   (3 for RGB), "channels last";
# - the kernel `w` of shape $(k_h, k_w, C, K)$: $K$ filters, each a $k_h \times k_w \times C$ block of
#   weights, exactly as `keras.layers.Conv2D` stores its `kernel`;
# - the bias `b` of shape $(K,)$, one per filter.
#
# **Padding and stride.** Zero padding adds $P$ rows and columns of zeros on every side; call the padded
# image $\tilde x$, so $\tilde x[n, h + P, v + P, c] = x[n, h, v, c]$. The stride $s$ is the step from one
# window to the next. The output is
#
# $$\text{out}[n, i, j, k] = b[k] + \sum_{p=0}^{k_h-1} \sum_{q=0}^{k_w-1} \sum_{c=0}^{C-1}
#   \tilde x[n,\; s i + p,\; s j + q,\; c]\; w[p, q, c, k].$$
#
# Output position $(i, j)$ reads the window whose top-left corner is $(s i, s j)$ in $\tilde x$; $p, q$ run
# over the window and $c$ over the channels.
#
# **Output size.** The window of row $i$ covers rows $s i$ to $s i + k_h - 1$ of $\tilde x$, which has
# $H + 2P$ rows. It fits when $s i + k_h - 1 \le H + 2P - 1$, that is $i \le (H + 2P - k_h)/s$. Counting
# $i = 0, 1, \dots$:
#
# $$H' = \left\lfloor \frac{H + 2P - k_h}{s} \right\rfloor + 1, \qquad
#   W' = \left\lfloor \frac{W + 2P - k_w}{s} \right\rfloor + 1.$$
#
# When $s$ does not divide $H + 2P - k_h$, the last rows of $\tilde x$ are never read; Keras does the
# same. Two common settings: $P = 0$ is Keras' `padding="valid"`; with $s = 1$ and an odd $k_h$,
# $P = (k_h - 1)/2$ keeps $H' = H$, which is Keras' `padding="same"`.

# %% nbgrader={"grade": false, "grade_id": "conv_output_size", "locked": false, "solution": true, "schema_version": 3}
def conv_output_size(size, kernel_size, stride=1, pad=0):
    """Length of a convolution's output along one axis.

    Args:
        size: int, the input's length along the axis (H or W; for text, the number of words T).
        kernel_size: int, the kernel's length along it (k_h or k_w).
        stride: int s >= 1, the step between two windows.
        pad: int P >= 0, the zeros added at EACH end of the axis.
    Returns:
        int, the number of windows that fit: floor((size + 2P - kernel_size) / s) + 1.
    """
    ### BEGIN SOLUTION
    return (size + 2 * pad - kernel_size) // stride + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv_output_size", "locked": true, "points": 1, "schema_version": 3, "solution": false}
for size, kernel_size, stride, pad, expected in [(5, 3, 1, 0, 3), (31, 3, 2, 1, 16), (400, 5, 1, 2, 400), (8, 3, 2, 0, 3)]:
    got = conv_output_size(size, kernel_size, stride, pad)
    checks.assert_true(isinstance(got, (int, np.integer)),
                       f"conv_output_size should return an int, got {got!r}: use floor division //")
    checks.assert_close(got, expected, f"conv_output_size(size={size}, kernel_size={kernel_size}, stride={stride}, pad={pad})",
                        common_bugs={"the + 1 is missing (count the first window too)": expected - 1,
                                     "the padding is counted once; it is added at both ends, 2P": (size + pad - kernel_size) // stride + 1})
print("conv_output_size: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
for _ in range(20):
    size, kernel_size = int(rng.integers(1, 40)), int(rng.integers(1, 8))
    stride, pad = int(rng.integers(1, 5)), int(rng.integers(0, 4))
    if kernel_size > size + 2 * pad:
        continue
    windows = len(range(0, size + 2 * pad - kernel_size + 1, stride))
    checks.assert_close(conv_output_size(size, kernel_size, stride, pad), windows,
                        f"conv_output_size(size={size}, kernel_size={kernel_size}, stride={stride}, pad={pad})")
### END HIDDEN TESTS

# %% [markdown]
# ### The independent check: Keras
#
# Throughout this lesson your layers are compared with Keras' own, loaded with the same weights. The
# cell below (given, read-only) builds a `keras.layers.Conv2D` (or `Conv1D` for sequences) with your
# kernel and bias, pads its input with `ZeroPadding2D` (`ZeroPadding1D`) and returns what Keras
# computes, in float64 so that the two agree to the last digits.

# %% nbgrader={"grade": false, "grade_id": "keras_reference", "locked": true, "solution": false, "schema_version": 3}
def keras_conv(x, w, b, stride=1, pad=0):
    """What Keras computes for a convolution with kernel w and bias b on x zero-padded by pad.

    x of shape (N, H, W, C) with w of shape (kh, kw, C, K) runs keras.layers.Conv2D; x of shape (N, T, D)
    with w of shape (width, D, F) runs keras.layers.Conv1D. Returns a float64 NumPy array.
    """
    images = x.ndim == 4
    padding = (keras.layers.ZeroPadding2D if images else keras.layers.ZeroPadding1D)(pad, dtype="float64")
    convolution = (keras.layers.Conv2D if images else keras.layers.Conv1D)(
        filters=w.shape[-1], kernel_size=w.shape[:-2], strides=stride, padding="valid", dtype="float64")
    padded = padding(x.astype(np.float64))
    convolution.build(padded.shape)
    convolution.set_weights([w, b])
    return keras.ops.convert_to_numpy(convolution(padded))


# %% [markdown]
# ## 2. The forward pass, as loops
#
# Write the formula as it stands: one loop per free index $n, i, j, k$, and the sum over $p, q, c$ as
# `np.sum` of the window times the filter. Pad with
# `np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))`: zeros on the two spatial axes only, never on the
# batch or channel axis. Slow, but every line is the math, and it will be the reference for the fast
# version.

# %% nbgrader={"grade": false, "grade_id": "conv2d_forward_naive", "locked": false, "solution": true, "schema_version": 3}
def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    """Forward pass of a 2D convolution layer (a cross-correlation, as in Keras), with loops.

    Args:
        x: float array of shape (N, H, W, C), a batch of N images with C channels.
        w: float array of shape (kh, kw, C, K), K filters laid out as keras.layers.Conv2D's kernel.
        b: float array of shape (K,), one bias per filter.
        stride: int s >= 1, the step between two windows, the same along rows and columns.
        pad: int P >= 0, rows and columns of zeros added on each side of every image.
    Returns:
        out: float array of shape (N, H', W', K) with H' = conv_output_size(H, kh, s, P), W' likewise;
            out[n, i, j, k] = b[k] + sum over p, q, c of x_padded[n, s*i + p, s*j + q, c] * w[p, q, c, k].
        cache: the tuple (x, w, b, stride, pad), what the backward pass needs.
    """
    ### BEGIN SOLUTION
    n_images, height, width, _ = x.shape
    kh, kw, _, n_filters = w.shape
    out_h = conv_output_size(height, kh, stride, pad)
    out_w = conv_output_size(width, kw, stride, pad)
    x_padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.zeros((n_images, out_h, out_w, n_filters), dtype=np.result_type(x, w))
    for n in range(n_images):
        for i in range(out_h):
            for j in range(out_w):
                window = x_padded[n, stride * i:stride * i + kh, stride * j:stride * j + kw, :]
                for k in range(n_filters):
                    out[n, i, j, k] = np.sum(window * w[:, :, :, k]) + b[k]
    return out, (x, w, b, stride, pad)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d_forward_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["conv2d_forward"]
x, w, b = case.inputs["x"], case.inputs["w"], case.inputs["b"]
stride, pad = int(case.inputs["stride"]), int(case.inputs["pad"])
conv_case = describe_case(x, w, stride, pad)
out, cache = conv2d_forward_naive(x, w, b, stride, pad)
checks.assert_shape(out, case.outputs["out"].shape, f"out for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}")
checks.assert_close(out, case.outputs["out"], "out", case=conv_case, axes=AXES["out"][x.ndim], dtype=np.float64, common_bugs={
    "the kernel is flipped: that is the convolution of signal processing; the layer computes a cross-correlation":
        case.outputs["out_flipped_kernel"],
    "the bias b[k] is not added": case.outputs["out"] - b,
})
checks.assert_close(out, keras_conv(x, w, b, stride, pad), "out against keras.layers.Conv2D", case=conv_case, axes=AXES["out"][x.ndim])
print("conv2d_forward_naive: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
for n, height, width, channels, kh, kw, filters, stride, pad in [
        (1, 7, 6, 2, 3, 2, 3, 2, 0), (2, 8, 8, 1, 3, 3, 2, 2, 0), (3, 5, 7, 3, 2, 3, 2, 1, 2),
        (1, 9, 5, 2, 3, 3, 4, 3, 1), (2, 4, 4, 2, 1, 1, 3, 1, 0)]:
    x, w = rng.normal(size=(n, height, width, channels)), rng.normal(size=(kh, kw, channels, filters))
    b = rng.normal(size=filters)
    what = f"out for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    out, _ = conv2d_forward_naive(x, w, b, stride, pad)
    checks.assert_close(out, keras_conv(x, w, b, stride, pad), what)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Convolution or cross-correlation?
#
# Many texts, and the material this course grew from, define the convolution of an image $x$ with a
# kernel $w$ with an index such as $x[k - i + 1,\, l - j + 1]$: as one index runs forward, the other runs
# backward. That is the convolution of signal processing,
#
# $$(x * w)[i, j] = \sum_{p, q} x[i - p,\, j - q]\; w[p, q],$$
#
# and it **flips** the kernel. What deep-learning libraries call convolution (Keras' `Conv2D`, PyTorch's
# `Conv2d`, cuDNN) is the formula above, where both indices run forward:
#
# $$(x \star w)[i, j] = \sum_{p, q} x[i + p,\, j + q]\; w[p, q],$$
#
# a **cross-correlation**. The two differ by a flip of the kernel in both directions: $x * w$ equals
# $x \star w'$ with $w'[p, q] = w[k_h - 1 - p,\, k_w - 1 - q]$. For learning it makes no difference, since
# the network learns whichever kernel works, flipped or not. It matters as soon as you load weights
# from one definition into the other, or write a filter by hand (an edge detector changes sign).
#
# See it on a small example. Put a single 1 in the middle of a zero image (an impulse) and apply the
# kernel $1, \dots, 9$. The convolution of an impulse reproduces the kernel as it is; the
# cross-correlation, your layer, gives it rotated by 180 degrees.

# %%
impulse = np.zeros((1, 5, 5, 1))
impulse[0, 2, 2, 0] = 1.0
kernel = np.arange(1.0, 10.0).reshape(3, 3, 1, 1)
correlation, _ = conv2d_forward_naive(impulse, kernel, np.zeros(1), pad=1)
convolution, _ = conv2d_forward_naive(impulse, kernel[::-1, ::-1], np.zeros(1), pad=1)
print("kernel:\n", kernel[:, :, 0, 0])
print("cross-correlation of the impulse (the layer):\n", correlation[0, 1:4, 1:4, 0])
print("convolution of the impulse (kernel flipped first):\n", convolution[0, 1:4, 1:4, 0])

# %% [markdown]
# ## 4. The backward pass, derived
#
# The layer receives $G = \partial L / \partial \text{out}$, of shape $(N, H', W', K)$, and must return
# the gradients of the loss with respect to $x$, $w$ and $b$. Every output depends on the parameters, so
# by the chain rule, for any parameter $\theta$,
#
# $$\frac{\partial L}{\partial \theta} = \sum_{n, i, j, k} G[n, i, j, k]\,
#   \frac{\partial\, \text{out}[n, i, j, k]}{\partial \theta}.$$
#
# Take the three parameters in turn, using the forward formula.
#
# **Bias.** $\partial\, \text{out}[n,i,j,k] / \partial b[k'] = 1$ if $k = k'$, else 0. So
#
# $$db[k] = \sum_{n, i, j} G[n, i, j, k].$$
#
# The bias is shared by every position of every image, so its gradient sums over all positions, not
# only over the batch.
#
# **Weights.** $\partial\, \text{out}[n,i,j,k] / \partial w[p,q,c,k'] = \tilde x[n, s i + p, s j + q, c]$ if
# $k = k'$, else 0. So
#
# $$dw[p, q, c, k] = \sum_{n, i, j} G[n, i, j, k]\; \tilde x[n,\; s i + p,\; s j + q,\; c].$$
#
# Weight sharing again: $w[p, q, c, k]$ is used at every position, and collects a contribution from each.
# In loop form: for each window $(n, i, j)$ and filter $k$, add $G[n, i, j, k]$ times the window to
# `dw[:, :, :, k]`.
#
# **Input.** An entry $\tilde x[n, h, v, c]$ is read by every window that contains it: the windows
# $(i, j)$ with $p = h - s i$ in $0 \dots k_h - 1$ and $q = v - s j$ in $0 \dots k_w - 1$. So
#
# $$d\tilde x[n, h, v, c] = \sum_{\substack{i, j, k \text{ whose window}\\ \text{contains } (h, v)}}
#   G[n, i, j, k]\; w[h - s i,\; v - s j,\; c,\; k].$$
#
# In loop form: for each window $(n, i, j)$ and filter $k$, add $G[n, i, j, k]$ times `w[:, :, :, k]` into
# the window's place in $d\tilde x$. Windows overlap when $s < k_h$, so entries collect several
# contributions: always add, never assign. Finally the padding zeros are constants, not inputs: $dx$ is
# $d\tilde x$ without its border, $dx[n, h, v, c] = d\tilde x[n, h + P, v + P, c]$. (Careful with
# `[pad:-pad]`: for `pad = 0` that slice is empty.)
#
# Look at the indices $h - s i$: as the output index runs forward, the kernel index runs backward. For
# stride 1 the backward pass is a true convolution (flipped kernel) of $G$ with $w$. The forward pass
# of a cross-correlation has a convolution as its backward pass, and vice versa.

# %% nbgrader={"grade": false, "grade_id": "conv2d_backward_naive", "locked": false, "solution": true, "schema_version": 3}
def conv2d_backward_naive(dout, cache):
    """Backward pass of conv2d_forward_naive, with loops.

    Args:
        dout: float array of shape (N, H', W', K), the upstream gradient d loss / d out.
        cache: the tuple (x, w, b, stride, pad) that conv2d_forward_naive returned.
    Returns:
        dx: float array of shape (N, H, W, C), d loss / d x (the padding's border removed).
        dw: float array of shape (kh, kw, C, K), d loss / d w.
        db: float array of shape (K,), d loss / d b.
    """
    ### BEGIN SOLUTION
    x, w, b, stride, pad = cache
    n_images, out_h, out_w, n_filters = dout.shape
    kh, kw, _, _ = w.shape
    x_padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    for n in range(n_images):
        for i in range(out_h):
            for j in range(out_w):
                rows = slice(stride * i, stride * i + kh)
                columns = slice(stride * j, stride * j + kw)
                for k in range(n_filters):
                    dw[:, :, :, k] += dout[n, i, j, k] * x_padded[n, rows, columns, :]
                    dx_padded[n, rows, columns, :] += dout[n, i, j, k] * w[:, :, :, k]
    db = np.sum(dout, axis=(0, 1, 2))
    dx = dx_padded[:, pad:pad + x.shape[1], pad:pad + x.shape[2], :]
    return dx, dw, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d_backward_naive", "locked": true, "points": 4, "schema_version": 3, "solution": false}
case = REFERENCE["conv2d_forward"]
x, w, b, dout = case.inputs["x"], case.inputs["w"], case.inputs["b"], case.inputs["dout"]
stride, pad = int(case.inputs["stride"]), int(case.inputs["pad"])
conv_case = describe_case(x, w, stride, pad)
dx, dw, db = conv2d_backward_naive(dout, (x, w, b, stride, pad))
checks.assert_shape(dx, x.shape, "dx")
checks.assert_shape(dw, w.shape, "dw")
checks.assert_shape(db, b.shape, "db (the bias gradient sums over the batch AND all positions)")
checks.assert_close(dx, case.outputs["dx"], "dx", case=conv_case, axes=AXES["dx"][x.ndim], common_bugs={
    "dx uses the flipped kernel: in loop form no flip is needed": case.outputs["dx_flipped_kernel"]})
checks.assert_close(dw, case.outputs["dw"], "dw", case=conv_case, axes=AXES["dw"][x.ndim])
checks.assert_close(db, case.outputs["db"], "db", case=conv_case, axes=AXES["db"][x.ndim])
forward = lambda x_, w_, b_: conv2d_forward_naive(x_, w_, b_, stride, pad)[0]
checks.assert_gradient(dx, numerical_gradient_array(lambda x_: forward(x_, w, b), x.copy(), dout), "dx against a numerical gradient", case=conv_case)
checks.assert_gradient(dw, numerical_gradient_array(lambda w_: forward(x, w_, b), w.copy(), dout), "dw against a numerical gradient", case=conv_case)
checks.assert_gradient(db, numerical_gradient_array(lambda b_: forward(x, w, b_), b.copy(), dout), "db against a numerical gradient", case=conv_case)
print("conv2d_backward_naive: all visible tests passed")
### BEGIN HIDDEN TESTS
def reference_conv(x_, w_, b_, stride, pad):  # every window at once, independent of the student's forward
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x_, ((0, 0), (pad, pad), (pad, pad), (0, 0))), w_.shape[:2], axis=(1, 2))
    return np.einsum("nijcpq,pqck->nijk", windows[:, ::stride, ::stride], w_) + b_
rng = np.random.default_rng(3)
# Strides that skip the last rows (8 = 3 + 2 * 2 + 1), no padding, padding 2, odd sizes, one image.
for n, height, width, channels, kh, kw, filters, stride, pad in [
        (1, 8, 7, 2, 3, 3, 2, 2, 0), (2, 5, 4, 1, 2, 3, 3, 1, 2), (1, 7, 5, 3, 3, 2, 2, 3, 1)]:
    x, w = rng.normal(size=(n, height, width, channels)), rng.normal(size=(kh, kw, channels, filters))
    b = rng.normal(size=filters)
    dout = rng.normal(size=reference_conv(x, w, b, stride, pad).shape)
    dx, dw, db = conv2d_backward_naive(dout, (x, w, b, stride, pad))
    what = f"for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    checks.assert_gradient(dx, numerical_gradient_array(lambda x_: reference_conv(x_, w, b, stride, pad), x.copy(), dout), f"dx {what}")
    checks.assert_gradient(dw, numerical_gradient_array(lambda w_: reference_conv(x, w_, b, stride, pad), w.copy(), dout), f"dw {what}")
    checks.assert_close(db, dout.sum(axis=(0, 1, 2)), f"db {what}")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Fast convolution: im2col and one matrix product
#
# The loops make $N H' W' K$ small dot products in Python, and Python is slow at that. But look again at
# the formula: each output is the dot product of one window of $\tilde x$ ($k_h k_w C$ numbers) with one
# filter (the $k_h k_w C$ numbers of `w[:, :, :, k]`). Lay every window out as a row of a matrix
# $X_{\text{col}}$ of shape $(N H' W',\; k_h k_w C)$, and the filters as the columns of
# $W_{\text{col}}$ = `w.reshape(kh * kw * C, K)`. Then all outputs at once are one matrix product,
#
# $$\text{OUT} = X_{\text{col}}\, W_{\text{col}} + b, \qquad \text{out} = \text{OUT reshaped to } (N, H', W', K),$$
#
# which NumPy hands to an optimized BLAS routine. Building $X_{\text{col}}$ is called **im2col** (image
# to columns). The one thing to get right is the order in which a window is flattened: it must be the
# order of `w.reshape`, which for a C-ordered $(k_h, k_w, C)$ block is $(p, q, c)$ with $c$ fastest. With
# the Keras layouts, an NHWC window and a $(k_h, k_w, C, K)$ kernel flatten in the same order: no
# transposes.
#
# Two ways to build the windows:
#
# - loop over the $k_h k_w$ kernel offsets $(p, q)$ only: offset $(p, q)$ of every window is the strided
#   slice `x_padded[:, p:p + s*H':s, q:q + s*W':s, :]`, of shape $(N, H', W', C)$;
# - `np.lib.stride_tricks.sliding_window_view(x_padded, (kh, kw), axis=(1, 2))`, every window as a view
#   without copying, of shape $(N, H_p - k_h + 1, W_p - k_w + 1, C, k_h, k_w)$: keep every $s$-th window
#   with `[:, ::s, ::s]`, move the window axes in front of the channels, and reshape (the one copy).
#
# $X_{\text{col}}$ holds every input value up to $k_h k_w / s^2$ times: im2col trades memory for speed.

# %% nbgrader={"grade": false, "grade_id": "im2col", "locked": false, "solution": true, "schema_version": 3}
def im2col(x_padded, kh, kw, stride):
    """Copy every kh x kw window of a batch of (already padded) images into one row of a matrix.

    Args:
        x_padded: float array of shape (N, Hp, Wp, C), the zero-padded images.
        kh, kw: ints, the window's height and width.
        stride: int s, the step between two windows.
    Returns:
        cols: float array of shape (N * H' * W', kh * kw * C), with H' = conv_output_size(Hp, kh, s) and
            W' likewise. Row (n * H' + i) * W' + j holds window (i, j) of image n flattened in the order
            (p, q, c), c fastest: cols[row, (p * kw + q) * C + c] = x_padded[n, s*i + p, s*j + q, c].
    """
    ### BEGIN SOLUTION
    windows = np.lib.stride_tricks.sliding_window_view(x_padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    n, out_h, out_w = windows.shape[:3]
    # The window axes come last, (N, H', W', C, kh, kw): put them before the channels, then copy into rows.
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * out_h * out_w, kh * kw * x_padded.shape[3])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_im2col", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["im2col"]
x_padded, kh, kw, stride = case.inputs["x_padded"], int(case.inputs["kh"]), int(case.inputs["kw"]), int(case.inputs["stride"])
windows_as_rows = im2col(x_padded, kh, kw, stride)
checks.assert_shape(windows_as_rows, case.outputs["cols"].shape, f"im2col of x_padded {x_padded.shape} with {kh}x{kw} windows, stride {stride}")
checks.assert_close(windows_as_rows, case.outputs["cols"], "im2col(x_padded, ...)", common_bugs={
    "each window is flattened in the order (c, p, q), not (p, q, c) as w.reshape flattens a filter":
        case.outputs["cols_channels_first"]})
print("im2col: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
for shape, kh, kw, stride in [((1, 7, 6, 2), 3, 2, 2), ((3, 5, 5, 1), 2, 2, 3), ((2, 4, 9, 3), 1, 4, 1)]:
    x_padded = rng.normal(size=shape)
    out_h, out_w = (shape[1] - kh) // stride + 1, (shape[2] - kw) // stride + 1
    expected = np.array([x_padded[n, stride * i:stride * i + kh, stride * j:stride * j + kw, :].ravel()
                         for n in range(shape[0]) for i in range(out_h) for j in range(out_w)])
    checks.assert_close(im2col(x_padded, kh, kw, stride), expected, f"im2col of {shape} with {kh}x{kw} windows, stride {stride}")
### END HIDDEN TESTS

# %% [markdown]
# **col2im, the backward of im2col.** im2col is linear: $X_{\text{col}} = A\,\tilde x$ for a matrix $A$ of
# zeros and ones that copies each entry of $\tilde x$ into every window containing it. The chain rule
# through a linear map is multiplication by its transpose, $\partial L / \partial \tilde x = A^\top\,
# \partial L / \partial X_{\text{col}}$, and $A^\top$ does the opposite of copying: it **adds** every entry
# of every row back to where it was copied from. A value read by three windows receives the sum of
# three gradients: the chain rule sums over all uses of a variable.
#
# Write it with a loop over the kernel offsets $(p, q)$: reshape the columns to
# $(N, H', W', k_h, k_w, C)$, then offset $(p, q)$ of every window goes back into the strided slice
# `[:, p:p + s*H':s, q:q + s*W':s, :]`. The slices of different offsets overlap when $s < k_h$: use `+=`.
# A test checks the defining property of a transpose, $\langle A \tilde x, C \rangle = \langle \tilde x,
# A^\top C \rangle$ for any $\tilde x$ and $C$.

# %% nbgrader={"grade": false, "grade_id": "col2im", "locked": false, "solution": true, "schema_version": 3}
def col2im(cols, x_padded_shape, kh, kw, stride):
    """The transpose of im2col: add every entry of cols back into the place of the window it came from.

    Args:
        cols: float array of shape (N * H' * W', kh * kw * C), laid out as im2col's output.
        x_padded_shape: tuple (N, Hp, Wp, C), the shape of the padded images im2col read.
        kh, kw, stride: as for im2col.
    Returns:
        x_padded_grad: float array of shape (N, Hp, Wp, C). An entry that lies in several windows gets
            the sum of their contributions; one that lies in none gets 0. With cols = d loss / d cols,
            this is d loss / d x_padded.
    """
    ### BEGIN SOLUTION
    n, height, width, channels = x_padded_shape
    out_h, out_w = conv_output_size(height, kh, stride), conv_output_size(width, kw, stride)
    windows = cols.reshape(n, out_h, out_w, kh, kw, channels)
    x_padded_grad = np.zeros(x_padded_shape, dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            # Offset (p, q) of window (i, j) is entry (s*i + p, s*j + q): rows p, p + s, ..., columns q, q + s, ...
            x_padded_grad[:, p:p + stride * out_h:stride, q:q + stride * out_w:stride, :] += windows[:, :, :, p, q, :]
    return x_padded_grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_col2im", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["col2im"]
cols, shape = case.inputs["cols"], tuple(int(size) for size in case.inputs["x_padded_shape"])
kh, kw, stride = int(case.inputs["kh"]), int(case.inputs["kw"]), int(case.inputs["stride"])
x_padded_grad = col2im(cols, shape, kh, kw, stride)
checks.assert_shape(x_padded_grad, shape, "col2im(...)")
checks.assert_close(x_padded_grad, case.outputs["x_padded_grad"], f"col2im with {kh}x{kw} windows and stride {stride} (they overlap)",
                    common_bugs={"overlapping windows overwrite each other: add with +=, do not assign":
                                 case.outputs["x_padded_grad_assigned"]})
print("col2im: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
for shape, kh, kw, stride in [((1, 7, 6, 2), 3, 2, 2), ((2, 5, 5, 3), 2, 2, 1), ((3, 8, 4, 1), 3, 3, 3)]:
    out_h, out_w = (shape[1] - kh) // stride + 1, (shape[2] - kw) // stride + 1
    x_padded, cols = rng.normal(size=shape), rng.normal(size=(shape[0] * out_h * out_w, kh * kw * shape[3]))
    rows = np.array([x_padded[n, stride * i:stride * i + kh, stride * j:stride * j + kw, :].ravel()
                     for n in range(shape[0]) for i in range(out_h) for j in range(out_w)])
    checks.assert_close(np.sum(x_padded * col2im(cols, shape, kh, kw, stride)), np.sum(rows * cols),
                        f"<x_padded, col2im(cols)> = <im2col(x_padded), cols> for {shape}, {kh}x{kw} windows, stride {stride}")
### END HIDDEN TESTS

# %% [markdown]
# ### The fast layer
#
# Forward: pad, im2col, one matrix product, add the bias, reshape. Keep in the cache what the backward
# pass needs: the padded shape, the columns (so they are not built twice) and the kernel.
#
# Backward: with $G_{\text{rows}}$ = `dout.reshape(-1, K)`, one row per output position in the same
# order as the rows of $X_{\text{col}}$, the layer is $\text{OUT} = X_{\text{col}} W_{\text{col}} + b$,
# the dense layer of lesson 01, so
#
# $$dW_{\text{col}} = X_{\text{col}}^\top G_{\text{rows}}, \qquad db = \sum_{\text{rows}} G_{\text{rows}},
#   \qquad dX_{\text{col}} = G_{\text{rows}}\, W_{\text{col}}^\top .$$
#
# Reshape $dW_{\text{col}}$ back to $(k_h, k_w, C, K)$, send $dX_{\text{col}}$ through col2im to get
# $d\tilde x$, and cut the padding off. These are the sums of section 4, computed by matrix products.

# %% nbgrader={"grade": false, "grade_id": "conv2d_forward", "locked": false, "solution": true, "schema_version": 3}
def conv2d_forward(x, w, b, stride=1, pad=0):
    """Forward pass of a 2D convolution layer, vectorized: im2col and one matrix product.

    Args:
        x, w, b, stride, pad: as for conv2d_forward_naive: x (N, H, W, C), w (kh, kw, C, K), b (K,).
    Returns:
        out: float array of shape (N, H', W', K), equal to conv2d_forward_naive's.
        cache: the tuple (x_padded_shape, cols, w, stride, pad), with cols the im2col matrix of the padded x.
    """
    ### BEGIN SOLUTION
    kh, kw, c_in, n_filters = w.shape
    x_padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    cols = im2col(x_padded, kh, kw, stride)
    out = cols @ w.reshape(kh * kw * c_in, n_filters)
    out += b  # in place: no second array of the output's size
    out_h = conv_output_size(x.shape[1], kh, stride, pad)
    out_w = conv_output_size(x.shape[2], kw, stride, pad)
    return out.reshape(x.shape[0], out_h, out_w, n_filters), (x_padded.shape, cols, w, stride, pad)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["conv2d_forward"]
x, w, b = case.inputs["x"], case.inputs["w"], case.inputs["b"]
stride, pad = int(case.inputs["stride"]), int(case.inputs["pad"])
conv_case = describe_case(x, w, stride, pad)
out, cache = conv2d_forward(x, w, b, stride, pad)
checks.assert_shape(out, case.outputs["out"].shape, f"out for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}")
checks.assert_close(out, case.outputs["out"], "out", case=conv_case, axes=AXES["out"][x.ndim], dtype=np.float64, common_bugs={
    "w is flattened in the order (c, p, q): w.reshape(kh * kw * C, K) needs no transpose with these layouts":
        case.outputs["out_kernel_channels_first"],
    "the bias b is not added": case.outputs["out"] - b})
checks.assert_close(out, keras_conv(x, w, b, stride, pad), "out against keras.layers.Conv2D", case=conv_case, axes=AXES["out"][x.ndim])
print("conv2d_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
for n, height, width, channels, kh, kw, filters, stride, pad in [
        (1, 9, 7, 2, 3, 2, 3, 2, 0), (2, 6, 6, 3, 3, 3, 2, 3, 2), (3, 5, 8, 1, 1, 3, 4, 1, 1), (1, 31, 31, 3, 3, 3, 5, 2, 1)]:
    x, w = rng.normal(size=(n, height, width, channels)), rng.normal(size=(kh, kw, channels, filters))
    b = rng.normal(size=filters)
    out, _ = conv2d_forward(x, w, b, stride, pad)
    checks.assert_close(out, keras_conv(x, w, b, stride, pad), f"out for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "conv2d_backward", "locked": false, "solution": true, "schema_version": 3}
def conv2d_backward(dout, cache):
    """Backward pass of conv2d_forward, vectorized: matrix products and col2im.

    Args:
        dout: float array of shape (N, H', W', K), the upstream gradient.
        cache: the tuple (x_padded_shape, cols, w, stride, pad) that conv2d_forward returned.
    Returns:
        dx: float array of shape (N, H, W, C); dw: of shape (kh, kw, C, K); db: of shape (K,);
            equal to conv2d_backward_naive's.
    """
    ### BEGIN SOLUTION
    x_padded_shape, cols, w, stride, pad = cache
    kh, kw, c_in, n_filters = w.shape
    dout_rows = dout.reshape(-1, n_filters)  # one row per output position, in the order of the rows of cols
    db = dout_rows.sum(axis=0)
    dw = (cols.T @ dout_rows).reshape(w.shape)
    dcols = dout_rows @ w.reshape(kh * kw * c_in, n_filters).T
    dx_padded = col2im(dcols, x_padded_shape, kh, kw, stride)
    _, padded_h, padded_w, _ = x_padded_shape
    dx = dx_padded[:, pad:padded_h - pad, pad:padded_w - pad, :]
    return dx, dw, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv2d_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["conv2d_forward"]
x, w, b, dout = case.inputs["x"], case.inputs["w"], case.inputs["b"], case.inputs["dout"]
stride, pad = int(case.inputs["stride"]), int(case.inputs["pad"])
conv_case = describe_case(x, w, stride, pad)
_, cache = conv2d_forward(x, w, b, stride, pad)
dx, dw, db = conv2d_backward(dout, cache)
checks.assert_shape(dx, x.shape, "dx")
checks.assert_shape(dw, w.shape, "dw")
checks.assert_shape(db, b.shape, "db")
checks.assert_close(dx, case.outputs["dx"], "dx", case=conv_case, axes=AXES["dx"][x.ndim])
checks.assert_close(dw, case.outputs["dw"], "dw", case=conv_case, axes=AXES["dw"][x.ndim])
checks.assert_close(db, case.outputs["db"], "db", case=conv_case, axes=AXES["db"][x.ndim], common_bugs={
    "db is averaged over the positions; the bias is used at every position, so sum": case.outputs["db"] / (dout.size // dout.shape[-1])})
forward = lambda x_, w_, b_: conv2d_forward(x_, w_, b_, stride, pad)[0]
checks.assert_gradient(dx, numerical_gradient_array(lambda x_: forward(x_, w, b), x.copy(), dout), "dx against a numerical gradient", case=conv_case)
checks.assert_gradient(dw, numerical_gradient_array(lambda w_: forward(x, w_, b), w.copy(), dout), "dw against a numerical gradient", case=conv_case)
print("conv2d_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
# Defined again here, not shared with the cell of conv2d_backward_naive: when that cell fails before its
# definition, this test must still run.
def reference_conv(x_, w_, b_, stride, pad):  # every window at once, independent of the student's forward
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x_, ((0, 0), (pad, pad), (pad, pad), (0, 0))), w_.shape[:2], axis=(1, 2))
    return np.einsum("nijcpq,pqck->nijk", windows[:, ::stride, ::stride], w_) + b_
rng = np.random.default_rng(7)
for n, height, width, channels, kh, kw, filters, stride, pad in [
        (1, 8, 7, 2, 3, 3, 2, 2, 0), (2, 5, 4, 1, 2, 3, 3, 1, 2), (1, 7, 5, 3, 3, 2, 2, 3, 1), (3, 4, 4, 2, 1, 1, 2, 1, 0)]:
    x, w = rng.normal(size=(n, height, width, channels)), rng.normal(size=(kh, kw, channels, filters))
    b = rng.normal(size=filters)
    dout = rng.normal(size=reference_conv(x, w, b, stride, pad).shape)
    dx, dw, db = conv2d_backward(dout, conv2d_forward(x, w, b, stride, pad)[1])
    what = f"for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    checks.assert_gradient(dx, numerical_gradient_array(lambda x_: reference_conv(x_, w, b, stride, pad), x.copy(), dout), f"dx {what}")
    checks.assert_gradient(dw, numerical_gradient_array(lambda w_: reference_conv(x, w_, b, stride, pad), w.copy(), dout), f"dw {what}")
    checks.assert_close(db, dout.sum(axis=(0, 1, 2)), f"db {what}")
### END HIDDEN TESTS

# %% [markdown]
# ### How much faster?
#
# Time both versions on the same layer. In full mode this is the standard shape of the cs231n course
# (100 images of 31 x 31 x 3, 25 filters of 3 x 3, stride 2, padding 1); in fast mode a smaller one.
# The loops run once; the vectorized layer five times, and we keep its fastest run (the first call
# also pays for allocating memory).

# %%
rng = np.random.default_rng(0)
x = rng.normal(size=(10, 16, 16, 3) if FAST else (100, 31, 31, 3))
w, b = rng.normal(size=(3, 3, 3, 25)), rng.normal(size=25)


def seconds(function, *args, repeats=1):
    """The shortest of `repeats` run times of function(*args), and its result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


naive_forward_time, (out_naive, cache_naive) = seconds(conv2d_forward_naive, x, w, b, 2, 1)
fast_forward_time, (out_fast, cache_fast) = seconds(conv2d_forward, x, w, b, 2, 1, repeats=5)
dout = rng.normal(size=out_fast.shape)
naive_backward_time, grads_naive = seconds(conv2d_backward_naive, dout, cache_naive)
fast_backward_time, grads_fast = seconds(conv2d_backward, dout, cache_fast, repeats=5)
print(f"x {x.shape}, w {w.shape}, stride 2, pad 1")
print(f"forward:  naive {naive_forward_time:.3f} s, vectorized {fast_forward_time * 1e3:.1f} ms, "
      f"{naive_forward_time / fast_forward_time:.0f} times faster; outputs differ by {rel_error(out_naive, out_fast):.1e}")
print(f"backward: naive {naive_backward_time:.3f} s, vectorized {fast_backward_time * 1e3:.1f} ms, "
      f"{naive_backward_time / fast_backward_time:.0f} times faster; dx, dw, db differ by "
      f"{max(rel_error(naive, fast) for naive, fast in zip(grads_naive, grads_fast)):.1e}")

# %% [markdown]
# A single run is a noisy measurement. The course's benchmark, `make bench-conv`, times each version
# several times on two standard shapes, in float32 as Keras computes: the image shape above, and a text
# shape (64 reviews of 400 word vectors of 64 numbers, 128 filters of width 5, `pad=2`). It compares
# with the matrix products of the same arithmetic alone, the practical limit (the layer cannot beat
# its own matrix products; the rest of its time goes to moving data, im2col and col2im), and with
# Keras' own layers on the same CPU. On the development machine (2 CPU cores, nothing else running) it
# printed:
#
# | layer | pass | naive loops | vectorized | speed-up | vectorized, memory kept mapped | matrix products alone | vectorized / products | kept mapped / products | Keras | vectorized / Keras |
# | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
# | image, conv2d | forward | 2.38 s | 3.4 ms | 703x | 1.1 ms | 0.3 ms | 12.2x | 4.1x | 2.0 ms | 1.7x |
# | image, conv2d | backward | 3.76 s | 4.8 ms | 778x | 4.9 ms | 1.0 ms | 4.9x | 4.9x | 3.1 ms | 1.5x |
# | text, conv1d | forward | 13.11 s | 16.9 ms | 775x | 16.7 ms | 11.9 ms | 1.4x | 1.4x | 12.8 ms | 1.3x |
# | text, conv1d | backward | 17.11 s | 32.4 ms | 528x | 32.4 ms | 24.4 ms | 1.3x | 1.3x | 22.0 ms | 1.5x |
#
# (The naive text layer was timed on 4 of the 64 reviews and scaled by 16: its loops take time
# proportional to the batch.) The vectorized layer is 500 to 800 times faster than the loops, and takes
# 1.3 to 1.7 times as long as Keras' layer, which TensorFlow runs in C++. On the text shape it takes 1.3
# to 1.4 times the bare matrix products. The image shape is different: with 3 input channels a window
# holds only 27 numbers, so the matrix product does little arithmetic per number it reads, and the
# forward pass takes 12 times its bare product. Most of that is not copying windows. Every call makes
# large temporary arrays (the padded images, the 25,600 x 27 im2col matrix, the output), and the
# operating system hands out fresh memory pages for them, zeroing each page when it is first written.
# The column "memory kept mapped" times the same layer with the C library told to keep freed memory for
# the next call: the forward pass then takes 1.1 ms, 4 times its product. The backward pass stays at 5
# times: there col2im, adding the windows back in runs of 3 numbers, is the cost. For such a layer,
# moving memory is the limit, not arithmetic.

# %% [markdown]
# ## 6. What a filter sees: edges
#
# A filter responds where the image looks like it. Make an image, a red disc and a blue rectangle on
# black, and three hand-made filters that average over the three colour channels:
#
# - the Sobel filter $\begin{pmatrix} -1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1 \end{pmatrix}$, right
#   minus left: large where the brightness changes from left to right, a vertical edge;
# - its transpose, bottom minus top: horizontal edges;
# - a 3 x 3 average: a blur.
#
# Because the layer is a cross-correlation, the Sobel filter as written gives a **positive** response
# where the image gets brighter to the right. With a true convolution the sign would flip.

# %%
size = 48
row, column = np.mgrid[0:size, 0:size]
image = np.zeros((size, size, 3))
image[(row - 16) ** 2 + (column - 17) ** 2 < 11 ** 2] = (0.9, 0.2, 0.1)  # a red disc
image[27:42, 20:44] = (0.1, 0.4, 0.9)                                     # a blue rectangle

sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
edge_filters = np.zeros((3, 3, 3, 3))  # (kh, kw, C, K): the same 2D filter on each channel, averaged
for channel in range(3):
    edge_filters[:, :, channel, 0] = sobel / 3
    edge_filters[:, :, channel, 1] = sobel.T / 3
    edge_filters[:, :, channel, 2] = 1 / 27
feature_maps, _ = conv2d_forward(image[np.newaxis], edge_filters, np.zeros(3), stride=1, pad=1)
vertical, horizontal, blur = (feature_maps[0, :, :, k] for k in range(3))
plots.image_grid([image, vertical, horizontal, np.hypot(vertical, horizontal), blur],
                 titles=["input", "vertical edges (Sobel)", "horizontal edges (Sobel transposed)",
                         "edge strength", "3 x 3 average"], columns=5)
plt.show()

# %% [markdown]
# Red marks edges where the image gets brighter to the right (or downward), blue where it gets darker.
# Each output pixel depends on a 3 x 3 window only: the layer finds the same edge wherever it is. A
# trained network learns such filters by itself in its first layer, and combines them in later layers
# into larger patterns.

# %% [markdown]
# ## 7. Convolution over text
#
# A review becomes a sequence of $T$ word vectors of $D$ numbers each: an array of shape $(N, T, D)$,
# Keras' layout for sequences. A 1D convolution slides a window of `width` consecutive words along it,
# with a kernel of shape $(\text{width}, D, F)$ as `keras.layers.Conv1D` stores it:
#
# $$\text{out}[n, t, f] = b[f] + \sum_{p=0}^{\text{width}-1} \sum_{d=0}^{D-1}
#   \tilde x[n,\; s t + p,\; d]\; w[p, d, f],$$
#
# with $\tilde x$ padded with $P$ zero vectors at both ends of each sequence. This is the 2D layer on an
# image one row high: $x[n, 0, t, d]$ with a kernel $w[0, p, d, f]$ one row high. So write conv1d with
# your 2D layer: pad the time axis yourself (only it, not a height axis of size 1), add the axes of
# size 1 with `np.newaxis`, call `conv2d_forward(..., pad=0)`, and remove the axis again. The backward
# pass is the same wrapping in reverse.

# %% nbgrader={"grade": false, "grade_id": "conv1d_forward", "locked": false, "solution": true, "schema_version": 3}
def conv1d_forward(x, w, b, stride=1, pad=0):
    """Forward pass of a 1D convolution over sequences, as keras.layers.Conv1D, through conv2d_forward.

    Args:
        x: float array of shape (N, T, D), N sequences of T vectors of D features (word vectors).
        w: float array of shape (width, D, F), F filters each spanning `width` consecutive steps.
        b: float array of shape (F,).
        stride: int s >= 1, the step along time.
        pad: int P >= 0, zero vectors added at each end of every sequence.
    Returns:
        out: float array of shape (N, T', F), T' = conv_output_size(T, width, s, P);
            out[n, t, f] = b[f] + sum over p, d of x_padded[n, s*t + p, d] * w[p, d, f].
        cache: the tuple (pad, conv2d_cache), with conv2d_cache what conv2d_forward returned.
    """
    ### BEGIN SOLUTION
    x_padded = np.pad(x, ((0, 0), (pad, pad), (0, 0)))
    # A sequence is an image one row high and the kernel a filter one row high; time was padded above.
    out, conv2d_cache = conv2d_forward(x_padded[:, np.newaxis], w[np.newaxis], b, stride, pad=0)
    return out[:, 0], (pad, conv2d_cache)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv1d_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["conv1d_forward"]
x, w, b = case.inputs["x"], case.inputs["w"], case.inputs["b"]
stride, pad = int(case.inputs["stride"]), int(case.inputs["pad"])
conv_case = describe_case(x, w, stride, pad)
out, cache = conv1d_forward(x, w, b, stride, pad)
checks.assert_shape(out, case.outputs["out"].shape, f"out for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}")
checks.assert_close(out, case.outputs["out"], "out", case=conv_case, axes=AXES["out"][x.ndim], dtype=np.float64)
checks.assert_close(out, keras_conv(x, w, b, stride, pad), "out against keras.layers.Conv1D", case=conv_case, axes=AXES["out"][x.ndim])
print("conv1d_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
for n, steps, dim, width, filters, stride, pad in [(1, 9, 3, 2, 4, 2, 0), (3, 6, 2, 4, 2, 1, 2), (2, 11, 5, 3, 3, 3, 1), (1, 5, 4, 1, 2, 1, 0)]:
    x, w, b = rng.normal(size=(n, steps, dim)), rng.normal(size=(width, dim, filters)), rng.normal(size=filters)
    out, _ = conv1d_forward(x, w, b, stride, pad)
    checks.assert_close(out, keras_conv(x, w, b, stride, pad), f"out for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "conv1d_backward", "locked": false, "solution": true, "schema_version": 3}
def conv1d_backward(dout, cache):
    """Backward pass of conv1d_forward, through conv2d_backward.

    Args:
        dout: float array of shape (N, T', F), the upstream gradient.
        cache: the tuple (pad, conv2d_cache) that conv1d_forward returned.
    Returns:
        dx: float array of shape (N, T, D); dw: of shape (width, D, F); db: of shape (F,).
    """
    ### BEGIN SOLUTION
    pad, conv2d_cache = cache
    dx_padded, dw, db = conv2d_backward(dout[:, np.newaxis], conv2d_cache)
    steps = dx_padded.shape[2] - 2 * pad
    return dx_padded[:, 0, pad:pad + steps], dw[0], db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_conv1d_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["conv1d_forward"]
x, w, b, dout = case.inputs["x"], case.inputs["w"], case.inputs["b"], case.inputs["dout"]
stride, pad = int(case.inputs["stride"]), int(case.inputs["pad"])
conv_case = describe_case(x, w, stride, pad)
dx, dw, db = conv1d_backward(dout, conv1d_forward(x, w, b, stride, pad)[1])
checks.assert_shape(dx, x.shape, "dx")
checks.assert_shape(dw, w.shape, "dw")
checks.assert_shape(db, b.shape, "db")
checks.assert_close(dx, case.outputs["dx"], "dx", case=conv_case, axes=AXES["dx"][x.ndim])
checks.assert_close(dw, case.outputs["dw"], "dw", case=conv_case, axes=AXES["dw"][x.ndim])
checks.assert_close(db, case.outputs["db"], "db", case=conv_case, axes=AXES["db"][x.ndim])
forward = lambda x_, w_, b_: conv1d_forward(x_, w_, b_, stride, pad)[0]
checks.assert_gradient(dx, numerical_gradient_array(lambda x_: forward(x_, w, b), x.copy(), dout), "dx against a numerical gradient", case=conv_case)
checks.assert_gradient(dw, numerical_gradient_array(lambda w_: forward(x, w_, b), w.copy(), dout), "dw against a numerical gradient", case=conv_case)
print("conv1d_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
def reference_conv1d(x_, w_, b_, stride, pad):  # every window at once, independent of the student's forward
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x_, ((0, 0), (pad, pad), (0, 0))), w_.shape[0], axis=1)
    return np.einsum("ntdp,pdf->ntf", windows[:, ::stride], w_) + b_
rng = np.random.default_rng(9)
for n, steps, dim, width, filters, stride, pad in [(1, 9, 3, 2, 4, 2, 0), (3, 6, 2, 4, 2, 1, 2), (2, 10, 2, 3, 3, 3, 1)]:
    x, w, b = rng.normal(size=(n, steps, dim)), rng.normal(size=(width, dim, filters)), rng.normal(size=filters)
    dout = rng.normal(size=reference_conv1d(x, w, b, stride, pad).shape)
    dx, dw, db = conv1d_backward(dout, conv1d_forward(x, w, b, stride, pad)[1])
    what = f"for x {x.shape}, w {w.shape}, stride {stride}, pad {pad}"
    checks.assert_gradient(dx, numerical_gradient_array(lambda x_: reference_conv1d(x_, w, b, stride, pad), x.copy(), dout), f"dx {what}")
    checks.assert_gradient(dw, numerical_gradient_array(lambda w_: reference_conv1d(x, w_, b, stride, pad), w.copy(), dout), f"dw {what}")
    checks.assert_close(db, dout.sum(axis=(0, 1)), f"db {what}")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. A filter is an n-gram detector
#
# What can a 1D filter of width 3 detect? Its response at a position is the sum, over the three words
# of the window, of the dot product of each word vector with one row of the filter. Give every word of
# the vocabulary a random vector of $D = 256$ numbers of length about 1. In high dimension random vectors
# are nearly orthogonal: $u \cdot v \approx 0$ for two different words (the typical size is
# $1/\sqrt{D} \approx 0.06$), while $u \cdot u \approx 1$. Now set the rows of a filter to the vectors of
# the words "not" and "good": its response is about 2 on the window "not good", about 1 when one of the
# two matches, and about 0 otherwise. A bias of $-1.5$ and a ReLU turn this into a detector of the
# bigram "not good". The same way: a detector of "waste of time", and one that fires on any of three
# positive words, whose vectors are summed in one row.
#
# We pad with one zero vector at each end (`pad=1`), so the window at word $t$ covers words $t-1, t, t+1$
# and the output has one value per word. A trained network learns its filters instead (lesson 03); here
# we write them by hand and run them over real IMDB reviews.

# %%
(review_texts, _), _ = emolib.data.load_imdb(limit=400 if FAST else 4000)
reviews = [emolib.text.tokenize(text) for text in review_texts]
vocab = emolib.text.build_vocab(reviews)
embed_dim = 256
word_vectors = np.random.default_rng(0).normal(size=(len(vocab), embed_dim)) / np.sqrt(embed_dim)

detectors = {  # filter name: (the words each window position t-1, t, t+1 may hold, () for any word), bias
    '"not good"': ([("not",), ("good",), ()], -1.5),
    '"waste of time"': ([("waste",), ("of",), ("time",)], -2.5),
    "great | excellent | wonderful": ([(), ("great", "excellent", "wonderful"), ()], -0.5),
}
ngram_filters = np.zeros((3, embed_dim, len(detectors)))  # (width, D, F)
ngram_biases = np.array([bias for _, bias in detectors.values()])
for f, (positions, _) in enumerate(detectors.values()):
    for p, words in enumerate(positions):
        for word in words:
            ngram_filters[p, :, f] += word_vectors[vocab[word]]

# For each filter, the window positions it looks at, and a count of the words it found there.
looked_at = [[p for p, words in enumerate(positions) if words] for positions, _ in detectors.values()]
fired = [Counter() for _ in detectors]
for tokens in reviews:
    x = word_vectors[emolib.text.encode(tokens, vocab)][np.newaxis]  # (1, T, D)
    activation = np.maximum(conv1d_forward(x, ngram_filters, ngram_biases, pad=1)[0][0], 0)  # ReLU, (T, F)
    for t, f in zip(*np.nonzero(activation)):
        fired[f][" ".join(tokens[t - 1 + p] for p in looked_at[f] if 0 <= t - 1 + p < len(tokens))] += 1
for name, counts in zip(detectors, fired):
    print(f"{name} fired {sum(counts.values())} times, on: {counts.most_common(6)}")

# %% [markdown]
# Each filter fires on its n-gram, in whatever context it appears, and on nothing else. That depends on
# $D$: random vectors are only *nearly* orthogonal. With $D = 128$ the full run (4,000 reviews, a
# vocabulary of about 40,000 words) found a few words whose vectors happen to point along the third
# filter's row, a sum of three vectors, so its chance overlaps add up: it fired 402 times on "screen".
# With $D = 256$ such accidents become rare.
#
# Below, how well each window of a review matches each filter: the filter's response before the bias
# and the ReLU. The window centred on "good" after "not" scores about 2; a window with only one of the
# two words in its place would score about 1, and every other window about 0. Only the full match
# clears the bias of $-1.5$.

# %%
review = next(tokens for tokens in reviews if "not good" in " ".join(tokens))
centre = next(t for t in range(1, len(review)) if review[t - 1:t + 1] == ["not", "good"])
shown = slice(max(centre - 12, 0), centre + 12)
x = word_vectors[emolib.text.encode(review, vocab)][np.newaxis]
match_scores = conv1d_forward(x, ngram_filters, np.zeros(len(detectors)), pad=1)[0][0]  # (T, F), no bias
plots.token_activations(review[shown], match_scores[shown].T, list(detectors),
                        title="Match score of the window centred on each word (before bias and ReLU)")
plt.show()

# %% [markdown]
# ## What you built
#
# - A 2D convolution layer, forward and backward, with stride and zero padding: first as loops that
#   are the formulas, then vectorized with im2col, matrix products and col2im, hundreds of times faster,
#   and equal to `keras.layers.Conv2D` loaded with the same weights.
# - The gradients by the chain rule: the bias and the weights sum over every position they are used at
#   (weight sharing), the input sums over every window that read it, and the backward pass of a
#   cross-correlation is a convolution.
# - The same layer on text: `conv1d`, equal to `keras.layers.Conv1D`, and filters that detect n-grams.
#
# Next, lesson 03 adds pooling and an embedding layer, and assembles a text CNN that learns its filters
# from real reviews.
