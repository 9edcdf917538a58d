# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 11: attention and a Transformer encoder, by hand
#
# A recurrent network reads a comment one word at a time and must carry everything it needs in one
# state vector. **Attention** lets every position look at every other position directly, and decide
# from the content how much of each to take. By the end of this lesson you will be able to
#
# - derive and write scaled dot-product attention, forward and backward, on batches shaped
#   `(batch, time, features)`, with a padding mask, and say what happens to a query whose keys are all
#   padding;
# - show with a plot why the scores are divided by $\sqrt{d}$;
# - write multi-head attention with Keras' own weight layouts, forward and backward, and load your
#   weights into `keras.layers.MultiHeadAttention` to get the same outputs;
# - write layer normalization forward and backward, and put attention, a residual connection, layer
#   normalization and positions together into a Transformer encoder block;
# - build a small Transformer encoder classifier in Keras, train it on GoEmotions' seven Ekman emotions,
#   compare it with lesson 10's CNN, and read its attention maps with the care they need.
#
# **Prerequisites:** lesson 01 (softmax, its Jacobian, gradients checked numerically), lesson 04 (the
# layer API `forward -> (out, cache)`, `backward(dout, cache)`, masks), lesson 10 (GoEmotions, multi-label
# scores, thresholds tuned on dev).
#
# **Time:** about three hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when nbgrader
# grades it) the encoder trains on 3,000 comments for two epochs and the notebook runs in about a minute;
# the full run trains on all 43,410 training comments and took 95 s on a 2-core CPU shared with other jobs.
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# A failing test says what is wrong; read its message before you change anything. The grader also tries
# shapes, masks and a batch of one that you do not see.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import time

import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
import emolib.results
import emolib.text
from emolib import checks, plots
from emolib.gradcheck import numerical_gradient

import keras

FAST = emolib.fast_mode()
MODE = "fast" if FAST else "full"
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("11_attention")

# %% [markdown]
# `check_gradients`, given, compares each of your gradients with centered differences of a scalar loss
# computed by `emolib.gradcheck` (lesson 01's checker), one gradient at a time, the parameters before
# the inputs; the test cells use it, and so can you.

# %% nbgrader={"grade": false, "grade_id": "provided_check_gradients", "locked": true, "schema_version": 3, "solution": false}
def check_gradients(loss, arguments, analytic_gradients, what):
    """Compare analytic gradients with centered differences of a scalar loss, one at a time, last first.

    Args:
        loss: callable; loss(**arguments) returns a float.
        arguments: dict {name: float64 array}, what to differentiate with respect to, in order.
        analytic_gradients: sequence of arrays, one per entry of `arguments`, in the same order.
        what: how to name the check in a failure message.
    """
    checks.assert_true(len(analytic_gradients) == len(arguments),
                       f"expected {len(arguments)} gradients ({', '.join('d' + name for name in arguments)}), "
                       f"got {len(analytic_gradients)}")
    for (name, value), analytic in reversed(list(zip(arguments.items(), analytic_gradients))):
        numeric = numerical_gradient(lambda nudged: loss(**{**arguments, name: nudged}), value.copy())
        checks.assert_gradient(analytic, numeric, f"d{name} {what}")


# %% [markdown]
# ## 1. Scaled dot-product attention
#
# Each position of a sequence asks a **query** $q \in \mathbb{R}^d$; each position it may look at
# offers a **key** $k \in \mathbb{R}^d$ and a **value** $v \in \mathbb{R}^{d_v}$. The query scores
# every key by a dot product, a softmax turns the scores into weights that sum to 1, and the answer is
# the weighted average of the values. For one sequence, with the $T_q$ queries as the rows of
# $Q$ ($T_q \times d$), the $T_k$ keys as the rows of $K$ ($T_k \times d$) and the values as the rows of
# $V$ ($T_k \times d_v$):
#
# $$S = \frac{Q K^\top}{\sqrt{d}} \quad (T_q \times T_k), \qquad
#   A = \operatorname{softmax}_{\text{rows}}(S), \qquad O = A V \quad (T_q \times d_v).$$
#
# $A_{ij}$ is how much query $i$ takes from position $j$. A batch adds a leading axis: `q` has shape
# `(N, Tq, d)`, `k` `(N, Tk, d)`, `v` `(N, Tk, dv)`, and `np.matmul` (`@`) multiplies the last two axes
# of each batch entry; `np.swapaxes(k, 1, 2)` is the batch of $K^\top$.
#
# **The padding mask.** Comments have different lengths; a batch pads the short ones. `mask`, of shape
# `(N, Tk)`, is True for a real token and False for padding. A query must give padding no weight, so
# before the softmax the masked scores are replaced by a large negative number, $-10^9$ (the number
# Keras uses for float32: $e^{-10^9}$ is exactly 0 in floating point, and unlike $-\infty$ it never makes
# $\infty - \infty = $ NaN). `np.where(mask[:, None, :], scores, -1e9)` broadcasts the mask over the
# queries. (Masking *after* the softmax, by zeroing the weights, leaves rows that no longer sum to 1.)
#
# **A query whose keys are all padding** (a comment of length 0, or a key sequence made only of padding)
# has every score equal to $-10^9$, and the softmax would give it the uniform distribution: it would
# average the padding's values, which mean nothing. We specify, as Keras does, that such a row's
# **weights are all zero, and so is its output**: after the softmax, multiply the weights by the mask
# (this changes nothing in a row that has a real key, whose masked weights are already exactly 0).
# Without a mask (`mask=None`) every key is real.
#
# **Softmax, stably.** Subtract each row's maximum before `np.exp` (lesson 01); the softmax is unchanged
# and nothing overflows.

# %% nbgrader={"grade": false, "grade_id": "attention_forward", "locked": false, "schema_version": 3, "solution": true}
def attention_forward(q, k, v, mask=None):
    """Scaled dot-product attention for a batch, with an optional padding mask over the keys.

    Args:
        q: float array of shape (N, Tq, d), the queries.
        k: float array of shape (N, Tk, d), the keys.
        v: float array of shape (N, Tk, dv), the values.
        mask: None (every key is real) or bool array of shape (N, Tk), True where the key is a real
            token, False where it is padding.
    Returns:
        out: float array of shape (N, Tq, dv), out[n, i] = sum_j weights[n, i, j] * v[n, j].
        cache: dict with "q", "k", "v" (the inputs), "weights" (float array of shape (N, Tq, Tk): the
            softmax of the scaled scores over the keys, 0 at masked keys, and all 0 in a row whose keys
            are all masked) and "scale" (the float 1 / sqrt(d)).
    """
    ### BEGIN SOLUTION
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ np.swapaxes(k, 1, 2) * scale
    if mask is not None:
        scores = np.where(mask[:, None, :], scores, -1e9)
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = exps / exps.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = weights * mask[:, None, :]  # a row whose keys are all padding attends to nothing
    out = weights @ v
    cache = {"q": q, "k": k, "v": v, "weights": weights, "scale": scale}
    return out, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_attention_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["attention"]
q, k, v, mask = (case.inputs[name] for name in ("q", "k", "v", "mask"))
n, tq, d = q.shape
tk, dv = v.shape[1:]
shapes = {"N": n, "Tq": tq, "Tk": tk, "d": d, "dv": dv}
out, cache = attention_forward(q, k, v, mask)
checks.assert_shape(out, (n, tq, dv), "out", case=shapes, dtype=np.float64)
checks.assert_shape(cache["weights"], (n, tq, tk), 'cache["weights"]', case=shapes)
checks.assert_close(cache["weights"], case.outputs["weights"], 'cache["weights"]', case=shapes, axes=("n", "i", "j"),
                    regions={"at the masked (padding) keys": ~mask[:, None, :]}, common_bugs={
    "the scores are divided by d; divide by sqrt(d)": case.outputs["weights_scaled_by_d"],
    "the scores are not divided by sqrt(d)": case.outputs["weights_unscaled"],
    "the mask is applied after the softmax (weights zeroed, rows no longer sum to 1); mask the scores before it":
        case.outputs["weights_masked_after"],
    "the softmax runs over the queries (axis 1); it runs over the keys, the last axis": case.outputs["weights_query_axis"],
    "the mask is ignored": case.outputs["weights_unmasked"],
})
checks.assert_close(out, case.outputs["out"], "out", case=shapes, axes=("n", "i", "feature"), common_bugs={
    "the mask is ignored": case.outputs["out_unmasked"],
})
print("attention_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(111)


def attention_by_loops(q, k, v, mask):
    """A second implementation, one query at a time, for the hidden tests."""
    out, weights = np.zeros(q.shape[:2] + v.shape[2:]), np.zeros(q.shape[:2] + k.shape[1:2])
    for n in range(q.shape[0]):
        real = np.ones(k.shape[1], dtype=bool) if mask is None else mask[n]
        for i in range(q.shape[1]):
            if not real.any():
                continue
            scores = k[n, real] @ q[n, i] / np.sqrt(q.shape[2])
            w = np.exp(scores - scores.max())
            weights[n, i, real] = w / w.sum()
            out[n, i] = weights[n, i] @ v[n]
    return out, weights


for n, tq, tk, d, dv, masked in ((1, 2, 3, 4, 5, "some"), (3, 4, 4, 2, 3, "none"), (2, 3, 5, 3, 2, "a row all padding"),
                                 (2, 1, 6, 5, 4, "None")):
    q, k, v = rng.normal(size=(n, tq, d)), rng.normal(size=(n, tk, d)), rng.normal(size=(n, tk, dv))
    mask = None if masked == "None" else rng.random((n, tk)) < (1.0 if masked == "none" else 0.6)
    if mask is not None:
        mask[:, 0] = True
    if masked == "a row all padding":
        mask[1] = False
    case = {"N": n, "Tq": tq, "Tk": tk, "d": d, "dv": dv, "mask": masked}
    out, cache = attention_forward(q, k, v, mask)
    want_out, want_weights = attention_by_loops(q, k, v, mask)
    checks.assert_close(cache["weights"], want_weights, 'cache["weights"]', case=case, axes=("n", "i", "j"))
    checks.assert_close(out, want_out, "out", case=case, axes=("n", "i", "feature"))
q, k, v = 300.0 * rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
out, cache = attention_forward(q, k, v, None)
checks.assert_close(out, attention_by_loops(q, k, v, None)[0], "out for scores in the hundreds (shift by the row maximum before np.exp)")
### END HIDDEN TESTS

# %% [markdown]
# ### Backward
#
# Take one sequence and write $G = \partial L / \partial O$ (`dout`). Going back through the three steps:
#
# 1. $O = AV$ is a matrix product: $\;dV = A^\top G\;$ ($T_k \times d_v$) and $\;dA = G V^\top\;$
#    ($T_q \times T_k$).
# 2. The softmax acts on each row on its own. For one row $a = \operatorname{softmax}(s)$, lesson 01's
#    Jacobian is $\partial a_j / \partial s_l = a_j([j = l] - a_l)$, so
#
#    $$\frac{\partial L}{\partial s_l} = \sum_j \frac{\partial L}{\partial a_j}\, a_j ([j=l] - a_l)
#      = a_l\Bigl(\frac{\partial L}{\partial a_l} - \sum_j \frac{\partial L}{\partial a_j} a_j\Bigr),$$
#
#    for every row at once: $\;dS = A \odot \bigl(dA - \operatorname{rowsum}(dA \odot A)\bigr)$. The
#    subtracted term is the softmax's coupling: raising one weight lowers the others. A masked key has
#    $A_{il} = 0$, so it gets $dS_{il} = 0$, as it should (its score was a constant); a row with all keys
#    masked has $A = 0$ and passes no gradient.
# 3. $S = \frac{1}{\sqrt d} Q K^\top$: $\;dQ = \frac{1}{\sqrt d}\, dS\, K\;$ ($T_q \times d$) and
#    $\;dK = \frac{1}{\sqrt d}\, dS^\top Q\;$ ($T_k \times d$). Note the transpose in $dK$: key $l$ is
#    column $l$ of $S$.
#
# Every formula is per batch entry, so `@` with `np.swapaxes(·, 1, 2)` does the batch at once. Check the
# shapes as you go: they are all different in the visible test.

# %% nbgrader={"grade": false, "grade_id": "attention_backward", "locked": false, "schema_version": 3, "solution": true}
def attention_backward(dout, cache):
    """Backward pass of attention_forward.

    Args:
        dout: float array of shape (N, Tq, dv), d loss / d out.
        cache: the cache returned by attention_forward.
    Returns:
        dq: float array of shape (N, Tq, d).
        dk: float array of shape (N, Tk, d).
        dv: float array of shape (N, Tk, dv).
    """
    ### BEGIN SOLUTION
    q, k, v, weights, scale = (cache[name] for name in ("q", "k", "v", "weights", "scale"))
    dv = np.swapaxes(weights, 1, 2) @ dout
    dweights = dout @ np.swapaxes(v, 1, 2)
    dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
    dq = dscores @ k * scale
    dk = np.swapaxes(dscores, 1, 2) @ q * scale
    return dq, dk, dv
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_attention_backward", "locked": true, "points": 4, "schema_version": 3, "solution": false}
case = REFERENCE["attention"]
arguments = {name: case.inputs[name] for name in ("q", "k", "v")}
mask, dout = case.inputs["mask"], case.inputs["dout"]
n, tq, d = arguments["q"].shape
tk, dv_size = arguments["v"].shape[1:]
shapes = {"N": n, "Tq": tq, "Tk": tk, "d": d, "dv": dv_size}
grads = attention_backward(dout, attention_forward(**arguments, mask=mask)[1])
checks.assert_true(len(grads) == 3, f"attention_backward should return (dq, dk, dv), it returned {len(grads)} values")
for name, grad in zip(arguments, grads):
    checks.assert_shape(grad, arguments[name].shape, f"d{name}", case=shapes)
checks.assert_close(grads[2], case.outputs["dv"], "dv", case=shapes, axes=("n", "j", "feature"),
                    regions={"at the masked (padding) keys": ~mask[:, :, None]})
jacobian_bug = "the softmax's Jacobian is only its diagonal; dscores = weights * (dweights - rowsum(dweights * weights))"
checks.assert_close(grads[1], case.outputs["dk"], "dk", case=shapes, axes=("n", "j", "d"), common_bugs={
    jacobian_bug: case.outputs["dk_without_coupling"],
    "dk misses the factor 1/sqrt(d) of the scores": case.outputs["dk"] * np.sqrt(d)})
checks.assert_close(grads[0], case.outputs["dq"], "dq", case=shapes, axes=("n", "i", "d"), common_bugs={
    jacobian_bug: case.outputs["dq_without_coupling"],
    "dq misses the factor 1/sqrt(d) of the scores": case.outputs["dq"] * np.sqrt(d)})
check_gradients(lambda **a: np.sum(attention_forward(**a, mask=mask)[0] * dout), arguments, grads,
                f"of attention with a padding mask (N={n}, Tq={tq}, Tk={tk}, d={d}, dv={dv_size})")
print("attention_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(112)
for n, tq, tk, d, dv_size, masked in ((1, 3, 3, 2, 4, "some"), (2, 2, 4, 3, 1, "a row all padding"), (3, 4, 2, 2, 3, "None")):
    arguments = {"q": rng.normal(size=(n, tq, d)), "k": rng.normal(size=(n, tk, d)), "v": rng.normal(size=(n, tk, dv_size))}
    mask = None if masked == "None" else rng.random((n, tk)) < 0.6
    if mask is not None:
        mask[:, 0] = True
    if masked == "a row all padding":
        mask[-1] = False
    dout = rng.normal(size=(n, tq, dv_size))
    grads = attention_backward(dout, attention_forward(**arguments, mask=mask)[1])
    check_gradients(lambda **a: np.sum(attention_forward(**a, mask=mask)[0] * dout), arguments, grads,
                    f"of attention, N={n}, Tq={tq}, Tk={tk}, d={d}, dv={dv_size}, mask: {masked}")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Why divide by $\sqrt{d}$?
#
# If the entries of $q$ and $k$ are independent with mean 0 and variance 1, the dot product
# $q \cdot k = \sum_{i=1}^d q_i k_i$ is a sum of $d$ terms of variance 1: its variance is $d$, its typical
# size $\sqrt d$. With $d = 64$ scores of size 8 go into a softmax, and a softmax of scores that far
# apart is nearly one-hot: the largest weight is close to 1, the others close to 0, and the Jacobian
# $a_j([j=l] - a_l)$ is close to 0 everywhere. The layer stops learning, because no gradient gets through.
# Dividing by $\sqrt d$ gives the scores variance 1, whatever $d$.
#
# The plot draws random queries and keys (16 keys each) for growing $d$ and measures two things with
# and without the scale: the largest attention weight of a row (1 means saturated), and the size of the
# gradient that reaches the scores, $\lVert dS \rVert$ for a random upstream gradient.

# %%
rng = np.random.default_rng(0)
dims = np.array([2, 4, 8, 16, 32, 64, 128, 256, 512])
keys_per_query, rows = 16, 2000


def row_softmax(scores):
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


saturation = {"max weight, scores / sqrt(d)": [], "max weight, unscaled": []}
gradient_size = {"||dS||, scores / sqrt(d)": [], "||dS||, unscaled": []}
for d in dims:
    q, k = rng.normal(size=(rows, 1, d)), rng.normal(size=(rows, keys_per_query, d))
    raw = (q @ np.swapaxes(k, 1, 2))[:, 0]
    dweights = rng.normal(size=raw.shape)
    for label, scores in (("scores / sqrt(d)", raw / np.sqrt(d)), ("unscaled", raw)):
        weights = row_softmax(scores)
        dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
        saturation[f"max weight, {label}"].append(weights.max(axis=-1).mean())
        gradient_size[f"||dS||, {label}"].append(np.linalg.norm(dscores, axis=-1).mean())
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
plots.line_plot(dims, saturation, "d (key size)", "mean of a row's largest weight", title="saturation", ax=left)
plots.line_plot(dims, gradient_size, "d (key size)", "mean gradient norm at the scores", title="gradient", logy=True, ax=right)
left.set_xscale("log", base=2)
right.set_xscale("log", base=2)
plt.show()
for index in (5, 8):
    print(f"d = {dims[index]}: largest weight {saturation['max weight, unscaled'][index]:.3f} unscaled, "
          f"{saturation['max weight, scores / sqrt(d)'][index]:.3f} scaled; gradient norm "
          f"{gradient_size['||dS||, unscaled'][index]:.4f} unscaled, {gradient_size['||dS||, scores / sqrt(d)'][index]:.3f} scaled")

# %% [markdown]
# Scaled, the largest weight stays near 0.25 for every $d$ (16 keys, scores of variance 1) and the
# gradient keeps its size. Unscaled, the rows become one-hot as $d$ grows and the gradient shrinks
# steadily: at $d = 64$ the largest weight averages 0.85 (0.25 scaled), and the gradient that
# reaches the scores is half the scaled one; at $d = 512$ (largest weight 0.94) it is a fifth. (A trained layer's queries and keys are not independent
# unit-variance vectors, but the scale keeps them from starting saturated, which is what matters at
# initialisation.)
#
# ## 3. Multi-head attention
#
# One attention compares tokens in one way. **Multi-head attention** runs $H$ attentions side by side,
# each on its own learned projections of the input, and mixes their answers. For a query sequence $X_q$
# (`(N, Tq, F)`) and a value sequence $X_v$ (`(N, Tk, F)`; in self-attention both are the same $X$),
# head $h$ computes
#
# $$Q_h = X_q W^Q_h + b^Q_h,\quad K_h = X_v W^K_h + b^K_h,\quad V_h = X_v W^V_h + b^V_h, \qquad
#   O_h = \operatorname{attention}(Q_h, K_h, V_h),$$
#
# with $W^Q_h, W^K_h, W^V_h$ of shape $F \times d_h$ (the head size, Keras' `key_dim`), and the output
# projection brings the heads back to $F$ features: $\;Y = \sum_h O_h W^O_h + b^O$.
#
# **Keras' layouts, exactly**, so that your weights load into
# `keras.layers.MultiHeadAttention(num_heads=H, key_dim=dh)`:
#
# | weight | shape | what it does |
# | --- | --- | --- |
# | `query_kernel`, `key_kernel`, `value_kernel` | `(F, H, dh)` | `np.einsum("ntf,fhd->nthd", x, kernel)`: the projections of all heads in one product |
# | `query_bias`, `key_bias`, `value_bias` | `(H, dh)` | added to every position |
# | `output_kernel` | `(H, dh, F)` | `np.einsum("nthd,hdf->ntf", heads, kernel)`: sums over heads and head features |
# | `output_bias` | `(F,)` | |
#
# and `layer.get_weights()` returns them in the order query kernel, query bias, key kernel, key bias,
# value kernel, value bias, output kernel, output bias (`layer.set_weights` takes the same list). Keras
# projects the value input to keys too (`key=None` means key = value).
#
# **Splitting the heads.** The projection gives `(N, T, H, dh)`. To run all $N \cdot H$ attentions with
# one call of `attention_forward`, move the head axis next to the batch axis, `(N, H, T, dh)`, and merge
# the two: `(N*H, T, dh)`, where entry `n * H + h` is head `h` of sequence `n`. The transpose is what
# matters: a reshape of `(N, T, H, dh)` straight to `(N*H, T, dh)` runs without error and mixes
# positions and heads. `merge_heads` undoes it.

# %% nbgrader={"grade": false, "grade_id": "split_heads", "locked": false, "schema_version": 3, "solution": true}
def split_heads(x):
    """Put each head of each sequence in its own batch entry.

    Args:
        x: array of shape (N, T, H, dh).
    Returns:
        array of shape (N * H, T, dh); entry n * H + h is x[n, :, h, :].
    """
    ### BEGIN SOLUTION
    n, steps, heads, size = x.shape
    return np.transpose(x, (0, 2, 1, 3)).reshape(n * heads, steps, size)
    ### END SOLUTION


def merge_heads(x, num_heads):
    """The inverse of split_heads.

    Args:
        x: array of shape (N * H, T, dh).
        num_heads: int H.
    Returns:
        array of shape (N, T, H, dh).
    """
    ### BEGIN SOLUTION
    batch_heads, steps, size = x.shape
    return np.transpose(x.reshape(batch_heads // num_heads, num_heads, steps, size), (0, 2, 1, 3))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_split_heads", "locked": true, "points": 2, "schema_version": 3, "solution": false}
x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)  # (N=2, T=3, H=4, dh=5)
split = split_heads(x)
checks.assert_shape(split, (8, 3, 5), "split_heads(x) for x of shape (N=2, T=3, H=4, dh=5)")
checks.assert_close(split[1 * 4 + 2], x[1, :, 2], "split_heads(x)[n * H + h] for n=1, h=2 (head 2 of sequence 1)",
                    common_bugs={"x was reshaped without moving the head axis next to the batch axis first":
                                 x.reshape(8, 3, 5)[6]})
checks.assert_close(split, np.stack([x[n, :, h] for n in range(2) for h in range(4)]), "split_heads(x)",
                    axes=("n * H + h", "t", "feature"), common_bugs={
    "x was reshaped without moving the head axis next to the batch axis first": x.reshape(8, 3, 5),
    "the entries are ordered h * N + n; they should be n * H + h": np.stack([x[n, :, h] for h in range(4) for n in range(2)])})
merged = merge_heads(split, 4)
checks.assert_shape(merged, x.shape, "merge_heads(split_heads(x), 4)")
checks.assert_close(merged, x, "merge_heads(split_heads(x), 4), which should give x back", axes=("n", "t", "h", "feature"))
print("split_heads, merge_heads: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(113)
for shape in ((1, 2, 3, 4), (3, 1, 2, 2), (2, 5, 1, 3)):
    x = rng.normal(size=shape)
    checks.assert_close(split_heads(x), np.stack([x[n, :, h] for n in range(shape[0]) for h in range(shape[2])]),
                        f"split_heads(x) for x of shape {shape}")
    checks.assert_close(merge_heads(split_heads(x), shape[2]), x, f"merge_heads(split_heads(x)) for x of shape {shape}")
### END HIDDEN TESTS

# %% [markdown]
# ### Forward and backward
#
# `mha_forward` chains what you have: three projections, `split_heads`, `attention_forward` on the
# $N \cdot H$ entries (the padding mask repeated for each head: `np.repeat(mask, H, axis=0)` puts
# sequence $n$'s mask at entries $nH$ to $nH + H - 1$, the order of `split_heads`), `merge_heads`, the
# output projection.
#
# The backward walks the same chain in reverse. For a projection $P = \operatorname{einsum}(X, W) + b$
# with upstream gradient $dP$ (`(N, T, H, dh)`), the same rule as for $XW$ applies with the sums over
# the axes the product contracts:
#
# $$dW_{fhd} = \sum_{n,t} X_{ntf}\, dP_{nthd},\qquad db_{hd} = \sum_{n,t} dP_{nthd},\qquad
#   dX_{ntf} = \sum_{h,d} dP_{nthd}\, W_{fhd},$$
#
# that is `np.einsum("ntf,nthd->fhd", x, dp)`, `dp.sum(axis=(0, 1))` and `np.einsum("nthd,fhd->ntf", dp, w)`
# (with `optimize=True`, einsum hands such contractions to the same matrix product as `@`, several times faster);
# the output projection likewise. The value input feeds both the keys and the values, so **its gradient
# is the sum** of what comes back through the key projection and through the value projection (in
# self-attention, where query = value = $X$, the caller adds `dquery + dvalue`).
#
# One gradient comes out zero, always: `dkey_bias`. Adding the same vector $b$ to every key adds the same
# number $q \cdot b$ to all the scores of a query's row, and a softmax does not change when its inputs
# shift together. Keras keeps the parameter anyway; the gradient check sees zero on both sides.
#
# The tests load the same weights into Keras' layer, in float64 (`dtype="float64"`), and compare the
# outputs to $10^{-6}$ (on the test's inputs the two agree to about $10^{-7}$; a wrong layer is off by far
# more). Keras takes the mask as `attention_mask` of shape `(N, Tq, Tk)`, True where query $i$ may look
# at key $j$: for padding, every query gets its sequence's mask, `np.broadcast_to(mask[:, None, :], (N, Tq, Tk))`.
# `MHA_WEIGHTS` lists the parameters' names in the order of `get_weights()`, and `random_mha_params` draws
# random weights of the right shapes for your experiments.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_keras_mha", "locked": true, "schema_version": 3, "solution": false}
MHA_WEIGHTS = ("query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias",
               "output_kernel", "output_bias")  # the order of keras.layers.MultiHeadAttention.get_weights()


def random_mha_params(rng, features, heads, head_size, scale=0.5):
    """Random weights for mha_forward, {name: normal(0, scale) array of Keras' shape}, drawn in MHA_WEIGHTS' order."""
    shapes = [(features, heads, head_size), (heads, head_size)] * 3 + [(heads, head_size, features), (features,)]
    return {name: rng.normal(scale=scale, size=shape) for name, shape in zip(MHA_WEIGHTS, shapes)}


def keras_mha(params, query, value, mask=None, dtype="float64"):
    """Keras' MultiHeadAttention loaded with `params` (as mha_forward takes them), applied to query and
    value with the padding mask as attention_mask; returns (output, attention scores (N, H, Tq, Tk))."""
    num_heads, key_dim = params["query_bias"].shape
    layer = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim, dtype=dtype)
    attention_mask = None if mask is None else np.broadcast_to(mask[:, None, :], (len(query), query.shape[1], value.shape[1]))
    layer(query, value, attention_mask=attention_mask)  # builds the layer's weights
    layer.set_weights([params[name] for name in MHA_WEIGHTS])
    out, scores = layer(query, value, attention_mask=attention_mask, return_attention_scores=True)
    return keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(scores)


# %% nbgrader={"grade": false, "grade_id": "mha_forward", "locked": false, "schema_version": 3, "solution": true}
def mha_forward(query, value, params, mask=None):
    """Multi-head attention, Keras' MultiHeadAttention(num_heads=H, key_dim=dh) with key = value.

    Args:
        query: float array of shape (N, Tq, F).
        value: float array of shape (N, Tk, F); the keys and the values are both projected from it.
        params: dict with "query_kernel", "key_kernel", "value_kernel" of shape (F, H, dh), "query_bias",
            "key_bias", "value_bias" of shape (H, dh), "output_kernel" of shape (H, dh, F) and
            "output_bias" of shape (F,).
        mask: None or bool array of shape (N, Tk), True at the real tokens of `value`.
    Returns:
        out: float array of shape (N, Tq, F).
        cache: dict with "query", "value", "params", "heads" (float array (N, Tq, H, dh): the heads'
            outputs before the output projection), "attention" (the cache of attention_forward on the
            N * H entries) and "weights" (float array (N, H, Tq, Tk), the attention weights of each head).
    """
    ### BEGIN SOLUTION
    num_heads = params["query_kernel"].shape[1]
    q, k, v = (np.einsum("ntf,fhd->nthd", source, params[f"{name}_kernel"], optimize=True) + params[f"{name}_bias"]
               for name, source in (("query", query), ("key", value), ("value", value)))
    heads_mask = None if mask is None else np.repeat(mask, num_heads, axis=0)
    attended, attention = attention_forward(split_heads(q), split_heads(k), split_heads(v), heads_mask)
    heads = merge_heads(attended, num_heads)
    out = np.einsum("nthd,hdf->ntf", heads, params["output_kernel"], optimize=True) + params["output_bias"]
    weights = attention["weights"].reshape(query.shape[0], num_heads, query.shape[1], value.shape[1])
    cache = {"query": query, "value": value, "params": params, "heads": heads, "attention": attention, "weights": weights}
    return out, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mha_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["mha"]
query, value, mask = case.inputs["query"], case.inputs["value"], case.inputs["mask"]
params = {name: case.inputs[name] for name in MHA_WEIGHTS}
n, tq, features = query.shape
heads, head_size = params["query_bias"].shape
shapes = {"N": n, "Tq": tq, "Tk": value.shape[1], "F": features, "H": heads, "dh": head_size}
out, cache = mha_forward(query, value, params, mask)
checks.assert_shape(out, (n, tq, features), "out", case=shapes, dtype=np.float64)
checks.assert_shape(cache["weights"], (n, heads, tq, value.shape[1]), 'cache["weights"]', case=shapes)
checks.assert_close(cache["weights"], case.outputs["weights"], 'cache["weights"]', case=shapes, axes=("n", "h", "i", "j"),
                    common_bugs={"the heads were split by a reshape without the transpose (see split_heads)":
                                 case.outputs["weights_heads_reshaped"]})
checks.assert_close(out, case.outputs["out"], "out", case=shapes, axes=("n", "i", "feature"), common_bugs={
    "the output bias is missing": case.outputs["out"] - params["output_bias"],
    "the mask is ignored (or not repeated for each head)": case.outputs["out_unmasked"]})
keras_out, keras_scores = keras_mha(params, query, value, mask)
checks.assert_close(out, keras_out, "out against keras.layers.MultiHeadAttention loaded with the same weights", case=shapes,
                    rtol=1e-6, atol=1e-6)
checks.assert_close(cache["weights"], keras_scores, 'cache["weights"] against the attention scores of Keras\' layer', case=shapes,
                    rtol=1e-6, atol=1e-6)
print("mha_forward: all visible tests passed, and Keras' MultiHeadAttention agrees")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(114)
for n, tq, tk, features, heads, head_size, masked in ((1, 2, 3, 4, 2, 3, True), (3, 3, 3, 2, 1, 4, False), (2, 4, 2, 3, 3, 2, True)):
    query, value = rng.normal(size=(n, tq, features)), rng.normal(size=(n, tk, features))
    params = random_mha_params(rng, features, heads, head_size)
    mask = None
    if masked:
        mask = rng.random((n, tk)) < 0.6
        mask[:, 0] = True
    out, cache = mha_forward(query, value, params, mask)
    keras_out, keras_scores = keras_mha(params, query, value, mask)
    what = f"N={n}, Tq={tq}, Tk={tk}, F={features}, H={heads}, dh={head_size}, mask: {'yes' if masked else 'None'}"
    checks.assert_close(out, keras_out, f"out against Keras' MultiHeadAttention ({what})", rtol=1e-6, atol=1e-6)
    checks.assert_close(cache["weights"], keras_scores, f'cache["weights"] against Keras\' scores ({what})', rtol=1e-6, atol=1e-6)
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "mha_backward", "locked": false, "schema_version": 3, "solution": true}
def mha_backward(dout, cache):
    """Backward pass of mha_forward.

    Args:
        dout: float array of shape (N, Tq, F), d loss / d out.
        cache: the cache returned by mha_forward.
    Returns:
        dquery: float array of shape (N, Tq, F).
        dvalue: float array of shape (N, Tk, F), through both the keys and the values.
        dparams: dict with the keys of params, each gradient of its parameter's shape.
    """
    ### BEGIN SOLUTION
    query, value, params, heads = (cache[name] for name in ("query", "value", "params", "heads"))
    num_heads = params["query_kernel"].shape[1]
    dparams = {"output_kernel": np.einsum("nthd,ntf->hdf", heads, dout, optimize=True), "output_bias": dout.sum(axis=(0, 1))}
    dheads = np.einsum("ntf,hdf->nthd", dout, params["output_kernel"], optimize=True)
    dq, dk, dv = (merge_heads(grad, num_heads) for grad in attention_backward(split_heads(dheads), cache["attention"]))
    inputs = {"query": query, "key": value, "value": value}
    dsource = {}
    for name, dprojected in (("query", dq), ("key", dk), ("value", dv)):
        dparams[f"{name}_kernel"] = np.einsum("ntf,nthd->fhd", inputs[name], dprojected, optimize=True)
        dparams[f"{name}_bias"] = dprojected.sum(axis=(0, 1))
        dsource[name] = np.einsum("nthd,fhd->ntf", dprojected, params[f"{name}_kernel"], optimize=True)
    return dsource["query"], dsource["key"] + dsource["value"], dparams
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mha_backward", "locked": true, "points": 4, "schema_version": 3, "solution": false}
case = REFERENCE["mha"]
mask, dout = case.inputs["mask"], case.inputs["dout"]
arguments = {name: case.inputs[name] for name in ("query", "value", *MHA_WEIGHTS)}
n, tq, features = arguments["query"].shape
heads, head_size = arguments["query_bias"].shape
shapes = {"N": n, "Tq": tq, "Tk": arguments["value"].shape[1], "F": features, "H": heads, "dh": head_size}


def mha_loss(query, value, **params):
    return np.sum(mha_forward(query, value, params, mask)[0] * dout)


dquery, dvalue, dparams = mha_backward(dout, mha_forward(arguments["query"], arguments["value"],
                                                         {name: arguments[name] for name in MHA_WEIGHTS}, mask)[1])
checks.assert_true(isinstance(dparams, dict) and sorted(dparams) == sorted(MHA_WEIGHTS),
                   f"dparams should be a dict with the keys {', '.join(MHA_WEIGHTS)}")
grads = [dquery, dvalue, *(dparams[name] for name in MHA_WEIGHTS)]
for (name, value), grad in zip(arguments.items(), grads):
    checks.assert_shape(grad, value.shape, f"d{name}", case=shapes)
for (name, value), grad in reversed(list(zip(arguments.items(), grads))):
    checks.assert_close(grad, case.outputs[f"d{name}"], f"d{name}", case=shapes, common_bugs={
        "dvalue has only the path through the values; add the path through the keys": case.outputs["dvalue_values_only"],
        "dvalue has only the path through the keys; add the path through the values": case.outputs["dvalue_keys_only"],
    } if name == "value" else None)
check_gradients(mha_loss, arguments, grads, f"of multi-head attention ({', '.join(f'{k}={v}' for k, v in shapes.items())})")
print("mha_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(115)
for n, tq, tk, features, heads, head_size, masked in ((1, 2, 3, 2, 2, 1, True), (2, 2, 2, 3, 1, 2, False)):
    arguments = {"query": rng.normal(size=(n, tq, features)), "value": rng.normal(size=(n, tk, features)),
                 **random_mha_params(rng, features, heads, head_size)}
    mask = None
    if masked:
        mask = np.ones((n, tk), dtype=bool)
        mask[0, -1] = False
    dout = rng.normal(size=(n, tq, features))
    dquery, dvalue, dparams = mha_backward(dout, mha_forward(arguments["query"], arguments["value"],
                                                             {name: arguments[name] for name in MHA_WEIGHTS}, mask)[1])
    check_gradients(mha_loss, arguments, [dquery, dvalue, *(dparams[name] for name in MHA_WEIGHTS)],
                    f"of multi-head attention, N={n}, Tq={tq}, Tk={tk}, F={features}, H={heads}, dh={head_size}")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Layer normalization, the residual block, positions
#
# Attention mixes positions; a Transformer block wraps it so that deep stacks train. **Layer
# normalization** rescales each position's feature vector $x \in \mathbb{R}^F$ (the last axis) to mean 0
# and variance 1, then gives it a learned scale $\gamma$ and shift $\beta$:
#
# $$\mu = \frac1F\sum_f x_f,\quad \sigma^2 = \frac1F\sum_f (x_f - \mu)^2,\quad
#   \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}},\quad y = \gamma \odot \hat x + \beta,$$
#
# with the population variance (divide by $F$, not $F - 1$) and $\varepsilon = 10^{-3}$ inside the square
# root, as `keras.layers.LayerNormalization` does by default. Unlike batch normalization it uses no batch
# statistics: each position of each comment is normalized on its own, the same in training and in use.
#
# **Backward.** $d\beta = \sum dy$ and $d\gamma = \sum dy \odot \hat x$, both summed over every axis but
# the last. For $x$, write $g = dy \odot \gamma$ (the gradient at $\hat x$) and $s = 1/\sqrt{\sigma^2+\varepsilon}$.
# $\hat x$ depends on $x_f$ directly and through $\mu$ and $\sigma^2$; with
# $\partial \mu/\partial x_f = 1/F$ and $\partial \sigma^2 / \partial x_f = 2(x_f - \mu)/F$, the three
# paths add up to
#
# $$dx = s\Bigl(g - \operatorname{mean}(g) - \hat x \odot \operatorname{mean}(g \odot \hat x)\Bigr),$$
#
# the means over the last axis. The two mean terms are the paths through $\mu$ and $\sigma$; without them
# the gradient check fails.

# %% nbgrader={"grade": false, "grade_id": "layernorm_forward", "locked": false, "schema_version": 3, "solution": true}
def layernorm_forward(x, gamma, beta, eps=1e-3):
    """Layer normalization over the last axis, as keras.layers.LayerNormalization(epsilon=eps).

    Args:
        x: float array of shape (..., F), any number of leading axes (e.g. (N, T, F)).
        gamma, beta: float arrays of shape (F,), the scale and the shift.
        eps: the float added to the variance inside the square root.
    Returns:
        out: float array of the shape of x.
        cache: dict with "x_hat" (the normalized x, shape of x), "inv_std" (1 / sqrt(variance + eps),
            shape (..., 1)) and "gamma".
    """
    ### BEGIN SOLUTION
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(variance + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_layernorm_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["layernorm"]
x, gamma, beta = case.inputs["x"], case.inputs["gamma"], case.inputs["beta"]
shapes = {"N": x.shape[0], "T": x.shape[1], "F": x.shape[2]}
out, cache = layernorm_forward(x, gamma, beta)
checks.assert_shape(out, x.shape, "out", case=shapes, dtype=np.float64)
centred = x - x.mean(axis=-1, keepdims=True)
checks.assert_close(out, case.outputs["out"], "out", case=shapes, axes=("n", "t", "feature"), common_bugs={
    "the variance divides by F - 1 (ddof=1); layer normalization uses the population variance":
        gamma * centred / np.sqrt(x.var(axis=-1, ddof=1, keepdims=True) + 1e-3) + beta,
    "eps is added to the standard deviation; it goes inside the square root":
        gamma * centred / (x.std(axis=-1, keepdims=True) + 1e-3) + beta,
    "eps is missing": gamma * centred / x.std(axis=-1, keepdims=True) + beta,
    "the statistics are taken over the batch axis (batch normalization); take them over the last axis":
        gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3) + beta,
})
keras_layer = keras.layers.LayerNormalization(dtype="float64")
keras_layer.build(x.shape)
keras_layer.set_weights([gamma, beta])
checks.assert_close(out, keras.ops.convert_to_numpy(keras_layer(x)), "out against keras.layers.LayerNormalization", case=shapes,
                    rtol=1e-6, atol=1e-6)
print("layernorm_forward: all visible tests passed, and Keras' LayerNormalization agrees")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(116)
for shape, eps in (((1, 4), 1e-3), ((3, 2, 6), 1e-5), ((2, 1, 1, 3), 0.5)):
    x, gamma, beta = rng.normal(loc=2.0, size=shape), rng.normal(size=shape[-1]), rng.normal(size=shape[-1])
    out, _ = layernorm_forward(x, gamma, beta, eps)
    want = gamma * (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps) + beta
    checks.assert_close(out, want, f"out for x of shape {shape}, eps={eps}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "layernorm_backward", "locked": false, "schema_version": 3, "solution": true}
def layernorm_backward(dout, cache):
    """Backward pass of layernorm_forward.

    Args:
        dout: float array of the shape of x, d loss / d out.
        cache: the cache returned by layernorm_forward.
    Returns:
        dx: float array of the shape of x.
        dgamma, dbeta: float arrays of shape (F,).
    """
    ### BEGIN SOLUTION
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    leading = tuple(range(dout.ndim - 1))
    dgamma = np.sum(dout * x_hat, axis=leading)
    dbeta = np.sum(dout, axis=leading)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=-1, keepdims=True)
                    - x_hat * np.mean(dx_hat * x_hat, axis=-1, keepdims=True))
    return dx, dgamma, dbeta
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_layernorm_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["layernorm"]
arguments = {name: case.inputs[name] for name in ("x", "gamma", "beta")}
dout = case.inputs["dout"]
shapes = {"N": arguments["x"].shape[0], "T": arguments["x"].shape[1], "F": arguments["x"].shape[2]}
grads = layernorm_backward(dout, layernorm_forward(**arguments)[1])
checks.assert_true(len(grads) == 3, f"layernorm_backward should return (dx, dgamma, dbeta), it returned {len(grads)} values")
for (name, value), grad in zip(arguments.items(), grads):
    checks.assert_shape(grad, value.shape, f"d{name}", case=shapes)
x_hat, inv_std = case.outputs["x_hat"], case.outputs["inv_std"]
dx_hat = dout * arguments["gamma"]
checks.assert_close(grads[2], case.outputs["dbeta"], "dbeta", case=shapes)
checks.assert_close(grads[1], case.outputs["dgamma"], "dgamma", case=shapes)
checks.assert_close(grads[0], case.outputs["dx"], "dx", case=shapes, axes=("n", "t", "feature"), common_bugs={
    "dx misses both mean terms (the paths through the mean and the variance)": inv_std * dx_hat,
    "dx misses the term through the variance, x_hat * mean(dx_hat * x_hat)": inv_std * (dx_hat - dx_hat.mean(axis=-1, keepdims=True)),
    "dx misses the term through the mean, mean(dx_hat)":
        inv_std * (dx_hat - x_hat * np.mean(dx_hat * x_hat, axis=-1, keepdims=True)),
    "dx is not multiplied by gamma (the gradient at x_hat is dout * gamma)":
        inv_std * (dout - dout.mean(axis=-1, keepdims=True) - x_hat * np.mean(dout * x_hat, axis=-1, keepdims=True)),
})
check_gradients(lambda **a: np.sum(layernorm_forward(**a)[0] * dout), arguments, grads,
                f"of layer normalization (N={shapes['N']}, T={shapes['T']}, F={shapes['F']})")
print("layernorm_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(117)
for shape, eps in (((1, 3), 1e-3), ((2, 2, 4), 1e-5), ((3, 1, 2), 0.1)):
    arguments = {"x": rng.normal(loc=1.0, size=shape), "gamma": rng.normal(size=shape[-1]), "beta": rng.normal(size=shape[-1])}
    dout = rng.normal(size=shape)
    grads = layernorm_backward(dout, layernorm_forward(**arguments, eps=eps)[1])
    check_gradients(lambda **a: np.sum(layernorm_forward(**a, eps=eps)[0] * dout), arguments, grads,
                    f"of layer normalization, x of shape {shape}, eps={eps}")
### END HIDDEN TESTS

# %% [markdown]
# ### The encoder block, from your pieces
#
# A Transformer encoder block (Vaswani et al., 2017) adds each sub-layer's output to its input (a
# **residual connection**, so the block only has to learn a correction, and the gradient has a direct
# path through the sum), then normalizes:
#
# $$Z = \operatorname{LayerNorm}\bigl(X + \operatorname{MHA}(X, X)\bigr),\qquad
#   Y = \operatorname{LayerNorm}\bigl(Z + \operatorname{FFN}(Z)\bigr),$$
#
# where the feed-forward network $\operatorname{FFN}(z) = \operatorname{relu}(z W_1 + b_1) W_2 + b_2$
# acts on each position alone. This is **post-norm**, the original order. **Pre-norm**,
# $X + \operatorname{MHA}(\operatorname{LayerNorm}(X))$, normalizes on the way into each sub-layer and
# leaves the residual path untouched from the first block to the last; it trains deep stacks more
# stably without a learning-rate warm-up, and most large models use it. For the one or two blocks of
# this lesson both work; we keep the original.
#
# Your functions compose into the first half of the block. Here it is against Keras' layers with the
# same weights (self-attention, the padding mask of a comment of 3 real tokens out of 5):

# %%
rng = np.random.default_rng(5)
features, heads, head_size = 8, 2, 4
x = rng.normal(size=(2, 5, features))
mask = np.array([[True] * 5, [True, True, True, False, False]])
params = random_mha_params(rng, features, heads, head_size, scale=0.3)
gamma, beta = 1.0 + 0.1 * rng.normal(size=features), 0.1 * rng.normal(size=features)
attended, _ = mha_forward(x, x, params, mask)
block, _ = layernorm_forward(x + attended, gamma, beta)
keras_norm = keras.layers.LayerNormalization(dtype="float64")
keras_norm.build(x.shape)
keras_norm.set_weights([gamma, beta])
keras_block = keras.ops.convert_to_numpy(keras_norm(x + keras_mha(params, x, x, mask)[0]))
print(f"LayerNorm(x + MHA(x)): largest difference from Keras' layers {np.abs(block - keras_block).max():.1e}")

# %% [markdown]
# ### Positions
#
# Attention is blind to order: permute the positions of $X$ and the outputs are permuted the same way,
# nothing else changes. "not good" and "good, not" would look alike. The model has to be told where each
# token is, by adding a **position vector** to each token's vector. Two choices:
#
# - **sinusoidal** (Vaswani et al.): fixed vectors of sines and cosines of the position at geometric
#   frequencies; nothing to learn, defined for any length;
# - **learned**: an embedding table with one row per position, `keras.layers.Embedding(max_length, E)`
#   applied to the positions $0, 1, \dots, T-1$, trained with the rest.
#
# We use **learned positions**: our comments are cut at 32 tokens, so the table is small (32 rows) and
# never asked for a position it has not seen, which is the one advantage sinusoids would bring; the two
# gave nearly identical results in Vaswani et al.'s comparison; and it takes one built-in Keras layer,
# which keeps the model loadable and gradable without custom code. The positions are computed from the
# token ids inside the model, `keras.ops.cumsum(keras.ops.ones_like(tokens), axis=1) - 1`, so the
# model takes token ids alone.
#
# ## 5. A Transformer encoder classifier in Keras
#
# The model, for token ids of shape `(N, T)` (0 = padding), with $E$ features per token:
#
# 1. `real = keras.ops.not_equal(tokens, 0)`, the padding mask `(N, T)`;
# 2. token vectors `Embedding(V, E)` plus position vectors `Embedding(T_max, E)` of the positions above,
#    added with `keras.layers.Add()`;
# 3. one encoder block, post-norm: `MultiHeadAttention(num_heads, key_dim)(x, x, attention_mask=...)`
#    with the mask `keras.ops.expand_dims(real, 1)` (shape `(N, 1, T)`: every query may look at every
#    real key; Keras broadcasts it over the queries), `Add`, `LayerNormalization`, then
#    `Dense(ff_dim, activation="relu")`, `Dense(E)`, `Add`, `LayerNormalization`;
# 4. the average of the real positions, `GlobalAveragePooling1D()(x, mask=real)`;
# 5. `Dropout(dropout)`, then `Dense(K, activation="sigmoid")`: one independent probability per emotion
#    (multi-label, as in lesson 10), trained with binary cross-entropy and Adam.
#
# Only Keras' own layers and `keras.ops` appear, so the model runs on any Keras backend and the grader can
# rebuild it from its configuration.

# %% nbgrader={"grade": false, "grade_id": "build_encoder_classifier", "locked": false, "schema_version": 3, "solution": true}
def build_encoder_classifier(vocab_size, num_labels, max_length, embedding_dim=64, num_heads=4, key_dim=16,
                             ff_dim=128, dropout=0.2, learning_rate=1e-3):
    """A compiled one-block Transformer encoder classifier of token sequences, multi-label.

    Args:
        vocab_size: int V (index 0 is padding).
        num_labels: int K.
        max_length: int, the most tokens a sequence may have (the rows of the position table).
        embedding_dim: int E; num_heads: int H; key_dim: int dh; ff_dim: the feed-forward layer's width.
        dropout: the rate of the Dropout before the output layer.
        learning_rate: Adam's learning rate.
    Returns:
        a compiled keras.Model from keras.Input(shape=(None,), dtype="int32") (token ids, any length up
        to max_length) to (N, K) sigmoid probabilities, built as described above, with
        binary cross-entropy as its loss.
    """
    ### BEGIN SOLUTION
    tokens = keras.Input(shape=(None,), dtype="int32")
    real = keras.ops.not_equal(tokens, 0)
    positions = keras.ops.cumsum(keras.ops.ones_like(tokens), axis=1) - 1
    x = keras.layers.Add()([keras.layers.Embedding(vocab_size, embedding_dim)(tokens),
                            keras.layers.Embedding(max_length, embedding_dim)(positions)])
    attended = keras.layers.MultiHeadAttention(num_heads, key_dim)(x, x, attention_mask=keras.ops.expand_dims(real, 1))
    x = keras.layers.LayerNormalization()(keras.layers.Add()([x, attended]))
    transformed = keras.layers.Dense(embedding_dim)(keras.layers.Dense(ff_dim, activation="relu")(x))
    x = keras.layers.LayerNormalization()(keras.layers.Add()([x, transformed]))
    pooled = keras.layers.GlobalAveragePooling1D()(x, mask=real)
    outputs = keras.layers.Dense(num_labels, activation="sigmoid")(keras.layers.Dropout(dropout)(pooled))
    model = keras.Model(tokens, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_encoder_classifier", "locked": true, "points": 4, "schema_version": 3, "solution": false}
def encoder_parameters(vocab_size, num_labels, max_length, embedding_dim, num_heads, key_dim, ff_dim):
    e, heads_width = embedding_dim, num_heads * key_dim
    attention = 3 * (e * heads_width + heads_width) + heads_width * e + e
    return ((vocab_size + max_length) * e + attention + 2 * 2 * e + (e * ff_dim + ff_dim) + (ff_dim * e + e)
            + e * num_labels + num_labels)


layers = {"Embedding": 2, "Add": 3, "MultiHeadAttention": 1, "LayerNormalization": 2, "Dense": 3,
          "GlobalAveragePooling1D": 1, "Dropout": 1}
keras.utils.set_random_seed(0)
model = build_encoder_classifier(30, 5, 7, embedding_dim=6, num_heads=3, key_dim=4, ff_dim=9)
checks.assert_model(model, layers, (None, 5), encoder_parameters(30, 5, 7, 6, 3, 4, 9))
tokens = np.array([[3, 7, 9, 4, 0, 0, 0]])
def predicted(model, tokens):
    return keras.ops.convert_to_numpy(model(tokens)).astype(np.float64)


checks.assert_close(predicted(model, tokens), predicted(model, tokens[:, :4]),
                    "the output for a comment with padding after it; padding must change nothing: mask the attention's "
                    "keys (attention_mask) and the average (GlobalAveragePooling1D(...)(x, mask=real))", rtol=1e-5, atol=1e-6)
checks.assert_true(bool(np.abs(predicted(model, np.array([[9, 3, 4, 7]])) - predicted(model, tokens[:, :4])).max() > 1e-6),
                   "the model gives the same output for a comment and its words in another order: add the position "
                   "embeddings to the token embeddings")
# Behaviour: two overlapping labels, label 0 when word 2 occurs, label 1 when word 3 comes right after word 2.
rng = np.random.default_rng(115)
toy_tokens = rng.integers(4, 20, size=(500, 6))
toy_labels = np.zeros((500, 2), dtype="float32")
for row, (has_two, bigram) in enumerate(rng.random((500, 2)) < 0.5):
    spot = rng.integers(0, 5)
    if has_two:
        toy_tokens[row, spot] = 2
        toy_tokens[row, spot + 1] = 3 if bigram else toy_tokens[row, spot + 1]
    elif bigram:
        toy_tokens[row, spot + 1] = 3  # word 3 without word 2 before it: label 1 stays 0
    toy_labels[row] = [float(np.any(toy_tokens[row] == 2)),
                       float(np.any((toy_tokens[row, :-1] == 2) & (toy_tokens[row, 1:] == 3)))]
keras.utils.set_random_seed(0)
model = build_encoder_classifier(20, 2, 6, embedding_dim=16, num_heads=2, key_dim=8, ff_dim=32, learning_rate=0.01)
model.fit(toy_tokens[:400], toy_labels[:400], epochs=12, batch_size=32, verbose=0)
toy_accuracy = float(np.mean((predicted(model, toy_tokens[400:]) >= 0.5) == (toy_labels[400:] == 1)))
checks.assert_at_least(toy_accuracy, 0.9, "the accuracy per label on a toy task (label 1 needs the order of two words)",
                       "Check the sigmoid outputs with binary cross-entropy, the positions, and the mask.")
print("build_encoder_classifier: all visible tests passed")
### BEGIN HIDDEN TESTS
keras.utils.set_random_seed(1)
model = build_encoder_classifier(12, 3, 4, embedding_dim=4, num_heads=1, key_dim=2, ff_dim=5, dropout=0.5, learning_rate=0.02)
checks.assert_model(model, layers, (None, 3), encoder_parameters(12, 3, 4, 4, 1, 2, 5))
checks.assert_true(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == np.float32(0.02),
                   "the optimizer should use the learning_rate argument")
checks.assert_true(abs(next(layer for layer in model.layers if type(layer).__name__ == "Dropout").rate - 0.5) < 1e-12,
                   "the Dropout layer should use the dropout argument")
probabilities = predicted(model, np.array([[1, 2, 0, 0]]))
checks.assert_close(probabilities, predicted(model, np.array([[1, 2]])), "a batch of one comment with padding",
                    rtol=1e-5, atol=1e-6)
targets = np.array([[1.0, 0.0, 1.0]], dtype="float32")
want = -np.mean(targets * np.log(probabilities) + (1 - targets) * np.log(1 - probabilities))
got = float(keras.ops.convert_to_numpy(model.compute_loss(x=None, y=targets, y_pred=keras.ops.convert_to_tensor(probabilities))))
checks.assert_close(got, want, "the loss (binary cross-entropy)", rtol=1e-4)
### END HIDDEN TESTS

# %% [markdown]
# ### GoEmotions, seven Ekman emotions
#
# The data and the budget are lesson 10's: GoEmotions' comments with their Ekman groups (anger, disgust,
# fear, joy, sadness, surprise, neutral) as multi-hot targets, words as in lesson 10
# (`emolib.text.tokenize`, a vocabulary of 20,000 words fitted on the training comments, cut at 32 words),
# Adam, batches of 128, at most 8 epochs with early stopping on the dev loss (patience 1, best weights
# restored), per-label thresholds tuned on dev, test scored once. The helpers below are lesson 10's
# (its `tune_thresholds` and `multilabel_scores`, given).

# %% nbgrader={"grade": false, "grade_id": "provided_lesson_10", "locked": true, "schema_version": 3, "solution": false}
CANDIDATES = np.round(np.arange(0.05, 0.96, 0.05), 2)


def label_f1(targets, called):
    """Per-label F1 of boolean predictions (N, K) against 0/1 targets (N, K), 0/0 as 0 (lesson 10)."""
    targets, called = np.asarray(targets, dtype=bool), np.asarray(called, dtype=bool)
    tp, wrong = np.sum(targets & called, axis=0), np.sum(targets != called, axis=0)
    return np.divide(2 * tp, 2 * tp + wrong, out=np.zeros(targets.shape[1]), where=2 * tp + wrong > 0)


def tune_thresholds(targets, scores, candidates=CANDIDATES):
    """Lesson 10: per label, the candidate t whose predictions scores >= t give the best F1; ties to the smallest."""
    candidates = np.sort(candidates)
    f1s = np.stack([label_f1(targets, scores >= threshold) for threshold in candidates])  # (C, K)
    return candidates[np.argmax(f1s, axis=0)]


# %%
limits = {"train": 3000, "dev": 1000, "test": 1000} if FAST else {}
texts, ekman = {}, {}
for split in ("train", "dev", "test"):
    split_texts, split_labels, ekman_names = emolib.data.load_goemotions(split, taxonomy="ekman")
    size = limits.get(split, len(split_texts))
    texts[split], ekman[split] = split_texts[:size], split_labels[:size]
MAX_LENGTH = 32
vectorizer = keras.layers.TextVectorization(max_tokens=8000 if FAST else 20000, standardize=None, split="whitespace",
                                            output_sequence_length=MAX_LENGTH)
words = {split: [" ".join(emolib.text.tokenize(text) or ["[empty]"]) for text in split_texts]
         for split, split_texts in texts.items()}
vectorizer.adapt(words["train"])
token_ids = {split: keras.ops.convert_to_numpy(vectorizer(np.array(lines))) for split, lines in words.items()}
vocabulary = np.array(vectorizer.get_vocabulary())
print({split: len(ids) for split, ids in token_ids.items()}, "comments; vocabulary", len(vocabulary), "; labels", ekman_names)

# %%
keras.utils.set_random_seed(0)
encoder = build_encoder_classifier(len(vocabulary), len(ekman_names), MAX_LENGTH)
stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
start = time.perf_counter()
history = encoder.fit(token_ids["train"], ekman["train"], validation_data=(token_ids["dev"], ekman["dev"]),
                      epochs=2 if FAST else 8, batch_size=128, callbacks=[stop], verbose=0)
train_seconds = time.perf_counter() - start
epochs_run = len(history.history["loss"])
dev_scores = encoder.predict(token_ids["dev"], batch_size=512, verbose=0)
thresholds = tune_thresholds(ekman["dev"], dev_scores)
dev_f1 = label_f1(ekman["dev"], dev_scores >= thresholds)
test_scores = encoder.predict(token_ids["test"], batch_size=512, verbose=0)  # once
test_f1 = label_f1(ekman["test"], test_scores >= thresholds)
emolib.results.record("11_attention", "GoEmotions Ekman 7 labels, Transformer encoder (1 block, 4 heads), sigmoid",
                      parameters=encoder.count_params(), train_seconds=train_seconds, epochs=epochs_run,
                      val_accuracy=None, test_accuracy=None, val_macro_f1=dev_f1.mean(), test_macro_f1=test_f1.mean(), mode=MODE)
plots.grouped_bars(list(ekman_names), {"dev": dev_f1, "test": test_f1}, "F1 with per-label thresholds",
                   title="Transformer encoder, Ekman labels")
plt.show()
print(f"Transformer encoder: Ekman dev macro-F1 {dev_f1.mean():.4f}, test macro-F1 {test_f1.mean():.4f} ({MODE} mode)")

# %% [markdown]
# **Against lesson 10.** Lesson 10 trained its CNN on the Ekman labels with a softmax (dev macro-F1
# 0.5747, test 0.5598, 49 s of training for 3 epochs, 1,318,407 parameters, in its full run on a loaded
# 2-core CPU); its BiGRU was not trained on the Ekman labels (on the 28 labels it scored dev 0.3568
# against the CNN's 0.4261, in 238 s against 67 s). The encoder here uses the same words, vocabulary,
# length, optimizer, batch size, epoch budget and threshold tuning, with sigmoids. In the course's full
# run (all 43,410 training comments, on the same 2-core CPU while other jobs shared it) early stopping
# kept 3 epochs, 60.8 s of training for 1,315,975 parameters, and the encoder reached **dev macro-F1
# 0.5584, test 0.5604**: level with the CNN on test (0.5598) and a little below it on dev (0.5747), for
# a similar time. Attention bought no accuracy here. The comments are short (a window of three or four
# words sees most of what carries an emotion, which is what the CNN's filters look at), the encoder learns
# its word vectors and positions from 43,410 comments, and what makes Transformers strong on this task,
# pretraining on billions of words (BERT reaches about 0.62 to 0.64), is not part of it.
#
# In fast mode (3,000 comments, two epochs) the notebook prints a test macro-F1 of 0.2894: too
# little training for a model that must learn its word vectors and positions from scratch.
#
# ### Attention maps, read with care
#
# Your `mha_forward`, given the trained layer's weights and the trained embeddings, computes what the
# Keras layer computes: its weights are the model's attention maps. One dev comment, each head:

# %%
attention_layer = next(layer for layer in encoder.layers if isinstance(layer, keras.layers.MultiHeadAttention))
token_table, position_table = (layer.get_weights()[0].astype(np.float64) for layer in encoder.layers
                               if isinstance(layer, keras.layers.Embedding))
trained = dict(zip(MHA_WEIGHTS, (weight.astype(np.float64) for weight in attention_layer.get_weights())))
lengths = np.sum(token_ids["dev"] != 0, axis=1)
example = int(np.flatnonzero((lengths >= 8) & (lengths <= 14) & (ekman["dev"].sum(axis=1) == 1))[0])
ids = token_ids["dev"][example:example + 1, :lengths[example]]
embedded = token_table[ids] + position_table[np.arange(ids.shape[1])]
attended, attention_cache = mha_forward(embedded, embedded, trained, ids != 0)
keras_attended = keras.ops.convert_to_numpy(attention_layer(embedded.astype("float32"), embedded.astype("float32")))
print(f"your mha_forward against the trained Keras layer: largest difference {np.abs(attended - keras_attended).max():.1e}")
words_shown = list(vocabulary[ids[0]])
print(f"comment: {texts['dev'][example]!r}; labels: {[ekman_names[k] for k in np.flatnonzero(ekman['dev'][example])]}")
figure, axes = plt.subplots(1, attention_cache["weights"].shape[1], figsize=(4.2 * attention_cache["weights"].shape[1], 4.2))
for head, ax in enumerate(axes):
    plots.matrix_heatmap(attention_cache["weights"][0, head], words_shown, words_shown, "key (attended to)", "query",
                         title=f"head {head}", annotate=False, ax=ax)
plt.tight_layout()
plt.show()

# %% [markdown]
# In the full run the comment is *"Is this in New Orleans?? I really feel like this is New Orleans."*
# (neutral), and the four maps are nearly flat: every weight lies between about 0.05 and 0.10, around
# $1/13 \approx 0.077$ for 13 tokens. Each head takes a near-average of the comment, with mild preferences
# that hold for every query alike (head 3 a little more on *feel*, all heads a little less on the second
# *this is*): columns, not a pattern of which word reads which. After 3 epochs on short comments this
# layer does little more than a smoothed average, which fits its accuracy being the CNN's.
#
# It is tempting to read a bright cell as "the model looked at this word to decide". Be careful; the
# weights are not an explanation of the prediction, for at least four reasons:
#
# - **They weigh values, not words.** Row $i$ mixes the *value vectors* $v_j$, and the output is
#   $\sum_j A_{ij} v_j$: a large weight on a value of small norm contributes less than a small weight on a
#   large one. The map ignores the values' norms (and the output projection after them).
# - **The positions are already mixtures.** After the first block each position holds a mix of the whole
#   comment; in a deeper model, "position 3" in block 2 is no longer word 3. Here there is one block,
#   but its input already adds a position vector to the word vector.
# - **Several heads, no single map.** The heads are summed by the output projection; one head may look at
#   the emotion word while another looks at punctuation, and neither alone is what the model did.
# - **What comes after.** The residual connection passes each word's own vector around the attention, the
#   feed-forward layer and the averaging follow, and the classifier reads the average: a word can matter a
#   great deal with little attention paid to it.
#
# Jain and Wallace (2019) found attention weights that can be changed a lot without changing the
# prediction, and Wiegreffe and Pinter (2019) when they can still be informative. Whether a word
# mattered is a question about the prediction: remove or change the word and see what happens.
# Lesson 12 tests explanations by such properties.
#
# ## Summary
#
# - Attention scores every key with every query, $A = \operatorname{softmax}(QK^\top/\sqrt d)$, and
#   averages the values; padding gets $-10^9$ before the softmax, and a query with no real key gets no
#   weights and a zero output.
# - Its backward is two matrix products and the softmax's row Jacobian, $dS = A \odot (dA -
#   \operatorname{rowsum}(dA \odot A))$.
# - $1/\sqrt d$ keeps the scores' variance at 1 so the softmax does not saturate as $d$ grows.
# - Multi-head attention in Keras' layouts: kernels `(F, H, dh)`, biases `(H, dh)`, output kernel
#   `(H, dh, F)`; heads are split with a transpose, not a bare reshape.
# - Layer normalization over features, $\varepsilon$ inside the root, and its backward with the two mean
#   terms; residual connections, post-norm and pre-norm; learned positions.
# - A one-block Transformer encoder on the Ekman emotions, compared with lesson 10's CNN, and attention
#   maps that describe the computation, not the reason for a prediction.
