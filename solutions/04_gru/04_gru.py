# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 04: recurrent networks and the GRU, with backpropagation through time
#
# By the end of this lesson you will be able to
#
# - write a vanilla recurrent network (RNN) step and a whole sequence, forward and backward, on batches
#   of sequences shaped `(batch, time, features)`; the backward pass is **backpropagation through
#   time** (BPTT);
# - show with a plot why gradients vanish or explode as they travel back in time, and clip them;
# - derive and write the GRU (update gate $z$, reset gate $r$, candidate state, new state) forward and
#   backward, for one step and for a sequence, in both of its formulations: the original one, which
#   applies the reset gate *before* the recurrent matrix product, and Keras' default
#   (`reset_after=True`);
# - mask the padding of short reviews so that a padded review ends in the same state as the unpadded
#   one;
# - reproduce `keras.layers.GRU`'s outputs with your own code and Keras' weights, and read what a
#   trained GRU's update gate does along a real review;
# - write an LSTM cell, the other recurrent layer the Keras lessons use.
#
# **Prerequisites:** lesson 01 (softmax, cross-entropy, gradients checked numerically), the chain rule
# for matrices (the gradient of $XW$ with respect to $W$ is $X^\top G$), NumPy broadcasting.
#
# **Time:** about three to four hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when
# nbgrader grades it) the notebook trains its small Keras model on 4,000 reviews and runs in about 20
# seconds; the full run trains it on all 25,000 training reviews and takes about two and a half minutes
# on a 2-core CPU.
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# A failing test says what is wrong; read its message before you change anything. The tests you see are
# not all the tests: the grader also tries shapes, masks and settings you do not see.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
from emolib import checks, plots
from emolib.gradcheck import numerical_gradient

import keras

FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("04_gru")

# %% [markdown]
# Two pieces of code are given. The sigmoid of lesson 01, written as $\sigma(a) = \frac12\bigl(1 +
# \tanh(a/2)\bigr)$: the same function (multiply numerator and denominator of $1/(1+e^{-a})$ by
# $e^{a/2}$), never overflows, and costs one `tanh`, which matters when it runs for every gate of every
# step. And `check_gradients`, which the test cells use to compare each of your gradients with centered
# differences computed by `emolib.gradcheck` (lesson 01's checker), the bias first and dx last, and a
# gated layer's kernels gate by gate; use it in your own experiments too. (`compare_gradients` does the
# same against the reference's gradients.)

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_sigmoid", "locked": true, "schema_version": 3, "solution": false}
def sigmoid(a):
    """Logistic sigmoid, elementwise, for an array of any shape; never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


# %% nbgrader={"grade": false, "grade_id": "provided_check_gradients", "locked": true, "schema_version": 3, "solution": false}
GATED = ("kernel", "recurrent_kernel", "bias")  # the parameters whose columns are blocks, one per gate


def check_gradients(loss, arguments, analytic_gradients, what, gates=None):
    """Compare analytic gradients with centered differences of a scalar loss.

    The parameters are checked before the inputs, from the last argument to the first: the bias, whose
    gradient mixes the least, first, and dx, which depends on everything, last. With ``gates``, each
    gate's column block of the kernels and the bias is checked on its own, and a failure names it.

    Args:
        loss: callable; loss(**arguments) returns a float (a sum, not a mean over the batch).
        arguments: dict {name: float64 array}, the inputs to differentiate with respect to, in order.
        analytic_gradients: sequence of arrays, one per entry of `arguments`, in the same order.
        what: how to name the check in a failure message.
        gates: names of the gates in the order of the kernels' column blocks, e.g. ("z", "r", "h").
    """
    checks.assert_true(len(analytic_gradients) == len(arguments),
                       f"expected {len(arguments)} gradients ({', '.join('d' + name for name in arguments)}), "
                       f"got {len(analytic_gradients)}")
    for (name, value), analytic in reversed(list(zip(arguments.items(), analytic_gradients))):
        numeric = numerical_gradient(lambda nudged: loss(**{**arguments, name: nudged}), value.copy())
        checks.assert_gradient(analytic, numeric, f"d{name} {what}", blocks=gates if name in GATED else None)


def compare_gradients(grads, arguments, reference, what, gates=None, common_bugs=None, axes=None, regions=None,
                      first=()):
    """Compare a backward pass's gradients with the reference's, in check_gradients' order.

    Args:
        grads: the gradients returned, one per entry of `arguments`, in the same order.
        arguments: dict {name: array} of what was differentiated; d<name> must have its shape.
        reference: dict {"d" + name: the reference gradient}.
        what: the test case, for the messages.
        gates, axes, regions: as for emolib.checks.assert_close, gates for the GATED parameters only;
            axes and regions are {name: ...} for the gradients they describe.
        common_bugs: {name: {description: the value a known bug gives}}.
        first: names to compare before the others (over a sequence, dx tells best where in time a
            gradient goes wrong).
    """
    checks.assert_true(len(grads) == len(arguments),
                       f"expected {len(arguments)} gradients ({', '.join('d' + name for name in arguments)}), "
                       f"got {len(grads)}")
    for (name, value), grad in zip(arguments.items(), grads):
        checks.assert_shape(grad, value.shape, f"d{name} {what}")
    order = sorted(reversed(list(zip(arguments, grads))), key=lambda pair: pair[0] not in first)
    for name, grad in order:
        checks.assert_close(grad, reference[f"d{name}"], f"d{name} {what}", common_bugs=(common_bugs or {}).get(name),
                            blocks=gates if name in GATED else None, axes=(axes or {}).get(name),
                            regions=(regions or {}).get(name))


# %% [markdown]
# ## 1. One step of a recurrent network
#
# A review is a sequence of word vectors $x_1, \dots, x_T$. A recurrent network reads it one step at a
# time and keeps a **hidden state** $h_t \in \mathbb{R}^H$, a summary of what it has read so far. The
# vanilla (Elman) RNN updates it with
#
# $$h_t = \tanh\bigl(x_t W + h_{t-1} U + b\bigr),$$
#
# for a whole batch at once: $x_t$ is an $N \times D$ matrix (one row per review), $h_{t-1}$ is
# $N \times H$, the **kernel** $W$ is $D \times H$, the **recurrent kernel** $U$ is $H \times H$ and the
# bias $b \in \mathbb{R}^H$ is added to every row. These are the names and layouts of
# `keras.layers.SimpleRNN` (`kernel`, `recurrent_kernel`, `bias`), so weights move between your code and
# Keras without transposes. The same $W$, $U$, $b$ serve every step: that is what lets an RNN read a
# sequence of any length.
#
# **Backward.** Call the pre-activation $a = x W + h_{\text{prev}} U + b$, so $h = \tanh(a)$. Given
# $\partial L / \partial h$ (written `dh`, shape $N \times H$), the chain rule gives, step by step:
#
# 1. through the tanh, elementwise: $\tanh'(a) = 1 - \tanh^2(a) = 1 - h^2$, so
#    $\;da = dh \odot (1 - h^2)$ (the forward output is all we need: keep $h$ in the cache);
# 2. through $xW$: entry $a_{nj} = \sum_d x_{nd} W_{dj} + \dots$, so
#    $\frac{\partial L}{\partial W_{dj}} = \sum_n x_{nd}\, da_{nj}$, that is $dW = x^\top da$, and
#    likewise $\frac{\partial L}{\partial x_{nd}} = \sum_j da_{nj} W_{dj}$, that is $dx = da\, W^\top$;
# 3. through $h_{\text{prev}} U$ in the same way: $dU = h_{\text{prev}}^\top da$ and
#    $dh_{\text{prev}} = da\, U^\top$;
# 4. the bias is added to every row, so its gradient sums the rows: $db = \sum_n da_{n,:}$.
#
# A quick check of any such formula: the shapes must fit. $x^\top da$ is $(D \times N)(N \times H)$,
# the shape of $W$.

# %% nbgrader={"grade": false, "grade_id": "rnn_step_forward", "locked": false, "schema_version": 3, "solution": true}
def rnn_step_forward(x, h_prev, kernel, recurrent_kernel, bias):
    """One step of a vanilla RNN for a batch: h = tanh(x @ kernel + h_prev @ recurrent_kernel + bias).

    Args:
        x: float array of shape (N, D), the inputs of this step, one row per sequence.
        h_prev: float array of shape (N, H), the previous hidden state.
        kernel: float array of shape (D, H), the input weights W.
        recurrent_kernel: float array of shape (H, H), the state weights U.
        bias: float array of shape (H,).
    Returns:
        h: float array of shape (N, H), the new hidden state.
        cache: tuple (x, h_prev, kernel, recurrent_kernel, h), what rnn_step_backward needs.
    """
    ### BEGIN SOLUTION
    h = np.tanh(x @ kernel + h_prev @ recurrent_kernel + bias)
    cache = (x, h_prev, kernel, recurrent_kernel, h)
    return h, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rnn_step_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["rnn_step"]
x, h_prev, kernel, recurrent_kernel, bias = (case.inputs[name] for name in ("x", "h_prev", "kernel", "recurrent_kernel", "bias"))
h, cache = rnn_step_forward(x, h_prev, kernel, recurrent_kernel, bias)
checks.assert_close(h, case.outputs["h"], "h", dtype=np.float64, common_bugs={
    "the recurrent product uses recurrent_kernel.T; it is h_prev @ recurrent_kernel": np.tanh(x @ kernel + h_prev @ recurrent_kernel.T + bias),
    "the tanh is missing": x @ kernel + h_prev @ recurrent_kernel + bias,
})
print("rnn_step_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(41)
for n, d, units in ((1, 3, 2), (5, 1, 7), (2, 6, 6)):
    x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, units))
    kernel, recurrent_kernel, bias = rng.normal(size=(d, units)), rng.normal(size=(units, units)), rng.normal(size=units)
    h, _ = rnn_step_forward(x, h_prev, kernel, recurrent_kernel, bias)
    checks.assert_close(h, np.tanh(x @ kernel + h_prev @ recurrent_kernel + bias), f"h for N={n}, D={d}, H={units}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "rnn_step_backward", "locked": false, "schema_version": 3, "solution": true}
def rnn_step_backward(dh, cache):
    """Backward pass of one vanilla RNN step.

    Args:
        dh: float array of shape (N, H), d loss / d h, the gradient arriving at this step's new state.
        cache: the cache returned by rnn_step_forward.
    Returns:
        dx: float array of shape (N, D).
        dh_prev: float array of shape (N, H).
        dkernel: float array of shape (D, H).
        drecurrent_kernel: float array of shape (H, H).
        dbias: float array of shape (H,).
    """
    ### BEGIN SOLUTION
    x, h_prev, kernel, recurrent_kernel, h = cache
    da = dh * (1.0 - h ** 2)  # through the tanh: its derivative, read from its output
    dx = da @ kernel.T
    dh_prev = da @ recurrent_kernel.T
    dkernel = x.T @ da
    drecurrent_kernel = h_prev.T @ da
    dbias = np.sum(da, axis=0)
    return dx, dh_prev, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rnn_step_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["rnn_step"]
arguments = {name: case.inputs[name] for name in ("x", "h_prev", "kernel", "recurrent_kernel", "bias")}
dh, h = case.inputs["dh"], case.outputs["h"]
grads = rnn_step_backward(dh, rnn_step_forward(**arguments)[1])
n, d = arguments["x"].shape
compare_gradients(grads, arguments, case.outputs, f"(N={n}, D={d}, H={h.shape[1]})", common_bugs={
    "bias": {"the tanh derivative is written 1 - h; it is 1 - h**2": np.sum(dh * (1 - h), axis=0),
             "dbias averages over the batch; every row adds the bias, so sum": case.outputs["dbias"] / len(dh)},
    "h_prev": {"dh_prev multiplies by recurrent_kernel where its transpose belongs":
                   (dh * (1 - h ** 2)) @ arguments["recurrent_kernel"]},
})
check_gradients(lambda **a: np.sum(rnn_step_forward(**a)[0] * dh), arguments, grads, "of one RNN step")
print("rnn_step_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(42)
for n, d, units in ((1, 2, 3), (4, 5, 1), (3, 3, 4)):
    arguments = {"x": rng.normal(size=(n, d)), "h_prev": rng.normal(size=(n, units)),
                 "kernel": rng.normal(scale=0.5, size=(d, units)), "recurrent_kernel": rng.normal(scale=0.5, size=(units, units)),
                 "bias": rng.normal(scale=0.5, size=units)}
    dh = rng.normal(size=(n, units))
    grads = rnn_step_backward(dh, rnn_step_forward(**arguments)[1])
    check_gradients(lambda **a: np.sum(rnn_step_forward(**a)[0] * dh), arguments, grads, f"of one RNN step, N={n}, D={d}, H={units}")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A whole sequence, and backpropagation through time
#
# A batch of sequences is an array of shape `(N, T, D)`: `x[:, t]` holds step $t$ of every sequence
# (Keras' layout, `(batch, time, features)`). Running the network means starting from a state $h_0$
# (usually zeros) and applying the step $T$ times. We keep every state: `h_all[:, t]` is the state after
# reading `x[:, t]`, so a later layer can read the last one (a classifier does) or all of them.
#
# **Backward through time.** The loss $L$ reaches the state after step $t$ in two ways: directly,
# through whatever reads `h_all[:, t]` (its gradient arrives as `dh_all[:, t]`, zero when nothing
# reads it), and through the next step, which computes its state from this one. By the multivariable
# chain rule the two contributions add:
#
# $$\frac{\partial L}{\partial h_t} \;=\; \underbrace{\texttt{dh\_all[:, t]}}_{\text{from above}}
#   \;+\; \underbrace{\frac{\partial L}{\partial h_{t+1}}\,\frac{\partial h_{t+1}}{\partial h_t}}_{
#   \texttt{dh\_prev}\text{ of step } t+1}.$$
#
# So walk backwards from the last step to the first: give each step's backward the sum, and pass the
# `dh_prev` it returns on to the step before. What comes out of the first step is `dh0`. The same
# kernel, recurrent kernel and bias are used at every step, so the loss depends on them through every
# step, and their gradients are the **sums** of the per-step gradients. Forgetting either sum (the one
# into $\partial L/\partial h_t$ or the one over steps) is the classic BPTT bug; the gradient check
# catches both.
#
# There is one loop, over time, and it cannot go: $h_t$ needs $h_{t-1}$. Everything inside a step is
# already one matrix product for the whole batch.

# %% nbgrader={"grade": false, "grade_id": "rnn_forward", "locked": false, "schema_version": 3, "solution": true}
def rnn_forward(x, h0, kernel, recurrent_kernel, bias):
    """Run a vanilla RNN over a batch of sequences.

    Args:
        x: float array of shape (N, T, D): N sequences of T steps with D features each.
        h0: float array of shape (N, H), the initial state.
        kernel, recurrent_kernel, bias: as in rnn_step_forward.
    Returns:
        h_all: float array of shape (N, T, H); h_all[:, t] is the state after step t.
        cache: list of the T step caches of rnn_step_forward, in time order.
    """
    ### BEGIN SOLUTION
    h = h0
    states, cache = [], []
    for t in range(x.shape[1]):
        h, step_cache = rnn_step_forward(x[:, t], h, kernel, recurrent_kernel, bias)
        states.append(h)
        cache.append(step_cache)
    return np.stack(states, axis=1), cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rnn_forward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["rnn_sequence"]
x, h0, kernel, recurrent_kernel, bias = (case.inputs[name] for name in ("x", "h0", "kernel", "recurrent_kernel", "bias"))
h_all, cache = rnn_forward(x, h0, kernel, recurrent_kernel, bias)
checks.assert_shape(h_all, (x.shape[0], x.shape[1], h0.shape[1]), "h_all", dtype=np.float64)
checks.assert_close(h_all, case.outputs["h_all"], "h_all", axes=("n", "t", "h"), common_bugs={
    "every step starts from h0 instead of the previous state": np.tanh(x @ kernel + (h0 @ recurrent_kernel)[:, None] + bias),
})
print("rnn_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(43)
for n, steps, d, units in ((1, 1, 2, 3), (3, 6, 1, 2), (2, 3, 4, 4)):
    x, h0 = rng.normal(size=(n, steps, d)), rng.normal(size=(n, units))
    kernel, recurrent_kernel, bias = rng.normal(size=(d, units)), rng.normal(size=(units, units)), rng.normal(size=units)
    h_all, cache = rnn_forward(x, h0, kernel, recurrent_kernel, bias)
    h, want = h0, []
    for t in range(steps):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        want.append(h)
    checks.assert_close(h_all, np.stack(want, axis=1), f"h_all for N={n}, T={steps}, D={d}, H={units}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "rnn_backward", "locked": false, "schema_version": 3, "solution": true}
def rnn_backward(dh_all, cache):
    """Backpropagation through time for rnn_forward.

    Args:
        dh_all: float array of shape (N, T, H), d loss / d h_all: the gradient reaching each step's state
            from the layers above (zeros where nothing reads a state, e.g. all but the last step for a
            classifier).
        cache: the cache returned by rnn_forward.
    Returns:
        dx: float array of shape (N, T, D).
        dh0: float array of shape (N, H).
        dkernel: float array of shape (D, H).
        drecurrent_kernel: float array of shape (H, H).
        dbias: float array of shape (H,).
    """
    ### BEGIN SOLUTION
    dx_steps = [None] * len(cache)
    dkernel = drecurrent_kernel = dbias = 0.0  # sums over the steps
    dh_later = np.zeros_like(dh_all[:, 0])  # what reaches a state through the next step; none after the last
    for t in reversed(range(len(cache))):
        dx_steps[t], dh_later, dk, drk, db = rnn_step_backward(dh_all[:, t] + dh_later, cache[t])
        dkernel = dkernel + dk
        drecurrent_kernel = drecurrent_kernel + drk
        dbias = dbias + db
    return np.stack(dx_steps, axis=1), dh_later, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rnn_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["rnn_sequence"]
arguments = {name: case.inputs[name] for name in ("x", "h0", "kernel", "recurrent_kernel", "bias")}
dh_all = case.inputs["dh_all"]
grads = rnn_backward(dh_all, rnn_forward(**arguments)[1])
n, steps, d = arguments["x"].shape
bptt_bugs = {"without_later": "the classic BPTT bug: each step gets only dh_all[:, t], not also step t+1's dh_prev",
             "first_step_only": "the classic BPTT bug: the first step's gradient only, not the sum over the steps"}
compare_gradients(grads, arguments, case.outputs, f"(N={n}, T={steps}, D={d}, H={dh_all.shape[2]})",
                  common_bugs={name: {description: case.outputs[f"d{name}_{bug}"] for bug, description in bptt_bugs.items()}
                               for name in arguments},
                  axes={"x": ("n", "t", "d")})
check_gradients(lambda **a: np.sum(rnn_forward(**a)[0] * dh_all), arguments, grads, f"of an RNN over {steps} steps")
print("rnn_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(44)
for n, steps, d, units, last_only in ((1, 1, 2, 3, False), (2, 4, 3, 2, True), (3, 3, 1, 4, False)):
    arguments = {"x": rng.normal(size=(n, steps, d)), "h0": rng.normal(size=(n, units)),
                 "kernel": rng.normal(scale=0.5, size=(d, units)), "recurrent_kernel": rng.normal(scale=0.5, size=(units, units)),
                 "bias": rng.normal(scale=0.5, size=units)}
    dh_all = rng.normal(size=(n, steps, units))
    if last_only:  # a classifier reads only the last state: everything else arrives through time
        dh_all[:, :-1] = 0.0
    grads = rnn_backward(dh_all, rnn_forward(**arguments)[1])
    check_gradients(lambda **a: np.sum(rnn_forward(**a)[0] * dh_all), arguments, grads,
                    f"of an RNN, N={n}, T={steps}, D={d}, H={units}{', loss on the last state only' if last_only else ''}")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Vanishing and exploding gradients
#
# One step back in time multiplies the gradient by that step's Jacobian. In the notation of the code,
# with $a_t$ the pre-activation of step $t$,
#
# $$\frac{\partial L}{\partial h_{t-1}} = \Bigl(\frac{\partial L}{\partial h_t} \odot (1 - h_t^2)\Bigr)\, U^\top .$$
#
# Going back $k$ steps applies $k$ such factors, and since $|1 - h^2| \le 1$,
#
# $$\Bigl\lVert \frac{\partial L}{\partial h_{t-k}} \Bigr\rVert \;\le\; \bigl(\sigma_{\max}(U)\bigr)^k\,
#   \Bigl\lVert \frac{\partial L}{\partial h_t} \Bigr\rVert,$$
#
# where $\sigma_{\max}(U)$ is the largest singular value of $U$. The distance $k$ is an **exponent**: when
# $\sigma_{\max}(U) < 1$ the gradient from a word $k$ steps before the loss shrinks geometrically, and
# the network cannot learn that the word mattered. When the factors are larger than 1 the gradient can
# also grow geometrically, and one gradient step throws the weights far away.
#
# See it happen with your own `rnn_forward` and `rnn_backward`: a loss that reads only the last state,
# and the size of its gradient with respect to each input $x_t$, against the distance from the end.
# The recurrent kernel is a random matrix scaled by a **gain**; with entries of variance $1/H$ its
# largest eigenvalue is close to 1, so the gain sets how much each step amplifies.

# %%
rng = np.random.default_rng(0)
batch, steps, features, units = 16, 60, 8, 64
x = rng.normal(size=(batch, steps, features))
kernel = rng.normal(scale=0.5 / np.sqrt(features), size=(features, units))
random_recurrent = rng.normal(scale=1 / np.sqrt(units), size=(units, units))
dh_all = np.zeros((batch, steps, units))
dh_all[:, -1] = rng.normal(size=(batch, units))  # the loss reads the last state only
distance = np.arange(steps)  # steps back from the last one
gradient_norms = {}
for gain in (0.5, 1.0, 2.0, 3.0):
    _, cache = rnn_forward(x, np.zeros((batch, units)), kernel, gain * random_recurrent, np.zeros(units))
    dx = rnn_backward(dh_all, cache)[0]
    gradient_norms[f"gain {gain}"] = np.linalg.norm(dx, axis=2).mean(axis=0)[::-1]  # index = distance
plots.line_plot(distance, gradient_norms, xlabel="distance from the last step (steps)",
                ylabel="mean norm of d loss / d x_t", title="Gradients through time in a vanilla RNN", logy=True)
plt.show()
for label, norms in gradient_norms.items():
    print(f"{label}: {norms[0]:.2g} at distance 0, {norms[20]:.2g} at 20, {norms[-1]:.2g} at {distance[-1]}")

# %% [markdown]
# With gains 0.5 and 1 the gradient from 59 steps back is many orders of magnitude smaller than
# from the last step: to this network, the start of a long review hardly exists. With gains 2 and 3 it
# grows by orders of magnitude instead. (At gain 1 it still vanishes: $1 - h^2 < 1$ shrinks every
# factor.)
#
# **Gradient clipping** is the standard remedy for the exploding side (Pascanu, Mikolov and Bengio,
# 2013): before a parameter update, measure the **global norm** of all gradients together,
#
# $$\lVert g \rVert = \sqrt{\textstyle\sum_{\text{arrays } G}\ \sum_{\text{entries}} G^2},$$
#
# and when it exceeds a threshold $c$, scale every gradient array by the same factor $c / \lVert g \rVert$.
# One common factor shortens the update but keeps its direction; clipping each array on its own would
# change the direction. (Keras offers both: an optimizer's `global_clipnorm` clips globally, its
# `clipnorm` each variable separately.) Clipping does nothing for vanishing gradients; gates do, as
# the GRU will show.

# %% nbgrader={"grade": false, "grade_id": "clip_by_global_norm", "locked": false, "schema_version": 3, "solution": true}
def clip_by_global_norm(grads, max_norm):
    """Scale a list of gradient arrays together so that their global norm is at most max_norm.

    Args:
        grads: list of float arrays of any shapes.
        max_norm: float c > 0, the largest global norm allowed.
    Returns:
        clipped: list of new arrays, the same shapes as grads: grads[i] * min(1, c / norm). The arrays
            in grads are not modified.
        norm: float, the global norm sqrt(sum of every squared entry of every array) before clipping.
    """
    ### BEGIN SOLUTION
    norm = float(np.sqrt(sum(np.sum(grad ** 2) for grad in grads)))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [grad * scale for grad in grads], norm
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_clip_by_global_norm", "locked": true, "points": 1, "schema_version": 3, "solution": false}
grads = [np.array([3.0, 0.0]), np.array([[0.0], [4.0]])]  # global norm 5
clipped, norm = clip_by_global_norm(grads, max_norm=10.0)
checks.assert_close(norm, 5.0, "the global norm of [3, 0] and [[0], [4]]")
checks.assert_close(clipped[0], grads[0], "the first gradient when the norm is below max_norm (unchanged)")
checks.assert_close(clipped[1], grads[1], "the second gradient when the norm is below max_norm (unchanged)")
clipped, norm = clip_by_global_norm(grads, max_norm=1.0)
checks.assert_shape(clipped[1], (2, 1), "the second clipped gradient")
checks.assert_close(clipped[0], [0.6, 0.0], "the first gradient clipped to a global norm of 1", common_bugs={
    "each array is clipped to the norm on its own; scale all of them by one factor": [1.0, 0.0],
})
checks.assert_close(clipped[1], [[0.0], [0.8]], "the second gradient clipped to a global norm of 1")
checks.assert_close(grads[0], [3.0, 0.0], "grads[0] after clipping (the input must not be modified)")
print("clip_by_global_norm: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(45)
grads = [rng.normal(size=(3, 4)), rng.normal(size=5), rng.normal(size=(2, 2, 2))]
total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
for max_norm in (0.5 * total, 2 * total):
    clipped, norm = clip_by_global_norm([g.copy() for g in grads], max_norm)
    checks.assert_close(norm, total, "the global norm of three arrays")
    scale = min(1.0, max_norm / total)
    for g, c in zip(grads, clipped):
        checks.assert_close(c, g * scale, f"a clipped gradient with max_norm = {max_norm / total:g} x the norm")
clipped, norm = clip_by_global_norm([np.zeros(3), np.zeros((2, 2))], 1.0)
checks.assert_close(norm, 0.0, "the global norm of zero gradients")
checks.assert_close(clipped[1], np.zeros((2, 2)), "clipped zero gradients (no division by zero)")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The GRU
#
# The gated recurrent unit (Cho et al., 2014) replaces the RNN's "overwrite the state at every step"
# with a learned, per-unit choice between keeping the old state and writing a new one. Two **gates**,
# numbers in $(0, 1)$ for every unit, make the choice:
#
# - the **update gate** $z$: how much of the previous state to keep;
# - the **reset gate** $r$: how much of the previous state the candidate may look at.
#
# Keras stores the weights of the three parts side by side, in the order $z, r, h$: the kernel
# $W = [W_z \mid W_r \mid W_h]$ is $D \times 3H$, the recurrent kernel $U = [U_z \mid U_r \mid U_h]$ is
# $H \times 3H$. There are two formulations, and Keras implements both.
#
# **The original GRU** (Cho et al., 2014; the one in the course's source material; Keras'
# `reset_after=False`, with one bias $b = [b_z \mid b_r \mid b_h]$ of shape `(3H,)`). The reset gate
# acts on the previous state *before* the recurrent product:
#
# $$\begin{aligned}
# z &= \sigma\bigl(x W_z + h_{\text{prev}} U_z + b_z\bigr) \\
# r &= \sigma\bigl(x W_r + h_{\text{prev}} U_r + b_r\bigr) \\
# \tilde h &= \tanh\bigl(x W_h + (r \odot h_{\text{prev}})\, U_h + b_h\bigr) \\
# h &= z \odot h_{\text{prev}} + (1 - z) \odot \tilde h
# \end{aligned}$$
#
# **Keras' default** (`reset_after=True`, and PyTorch's `nn.GRU`). The reset gate acts *after* the
# recurrent product, and there are two bias vectors, stored as the rows of `bias` of shape `(2, 3H)`:
# the input bias $b$ (row 0) and the recurrent bias $b'$ (row 1):
#
# $$\begin{aligned}
# z &= \sigma\bigl(x W_z + b_z + h_{\text{prev}} U_z + b'_z\bigr) \\
# r &= \sigma\bigl(x W_r + b_r + h_{\text{prev}} U_r + b'_r\bigr) \\
# \tilde h &= \tanh\bigl(x W_h + b_h + r \odot (h_{\text{prev}} U_h + b'_h)\bigr) \\
# h &= z \odot h_{\text{prev}} + (1 - z) \odot \tilde h
# \end{aligned}$$
#
# Why the change? With the gate after the product, all three recurrent products $h_{\text{prev}} U$
# are one $(N \times H)(H \times 3H)$ matrix product that does not wait for $r$, which is what fast
# GPU kernels (cuDNN) compute. And since $b'_h$ now sits inside $r \odot (\cdot)$, it is no longer the
# same as $b_h$: hence the second bias. The two formulations are different models; weights trained in
# one do not work in the other.
#
# **Which way round is $z$?** Both formulations here, like Keras, PyTorch and Cho et al. (2014), write
# $h = z \odot h_{\text{prev}} + (1 - z) \odot \tilde h$: **$z$ near 1 keeps the old state, $z$ near 0
# overwrites it** with the candidate. Some texts (Chung et al., 2014, and the Wikipedia article on
# GRUs) write the reverse, $h = (1 - z) \odot h_{\text{prev}} + z \odot \tilde h$. It is the same
# family of models with $z$ renamed $1 - z$, but a formula or weights taken from such a text must be
# converted. This course uses Keras' convention throughout.
#
# ### Your GRU against Keras
#
# `keras.layers.GRU(units, reset_after=...)` holds exactly these weights: `layer.get_weights()` returns
# `[kernel, recurrent_kernel, bias]` with the shapes above, and `layer.set_weights(...)` loads yours. The
# tests use the helper below to run a Keras layer on your inputs with your weights, in float64 so that
# any difference is a bug and not rounding. Read it: it is also how you move weights into Keras.

# %% nbgrader={"grade": false, "grade_id": "provided_keras_recurrent", "locked": true, "schema_version": 3, "solution": false}
def keras_recurrent(layer_class, x, initial_state, weights, mask=None, **options):
    """Outputs and final state(s) of a Keras recurrent layer given its weights, as NumPy arrays.

    Args:
        layer_class: keras.layers.GRU or keras.layers.LSTM.
        x: float array of shape (N, T, D).
        initial_state: list of arrays of shape (N, H): [h0] for a GRU, [h0, c0] for an LSTM.
        weights: [kernel, recurrent_kernel, bias] in Keras' layout.
        mask: None or a bool array of shape (N, T), False at padded steps.
        options: more arguments of the layer, e.g. reset_after=False.
    Returns:
        outputs: float array of shape (N, T, H), the output after every step.
        states: list of arrays of shape (N, H), the final state(s).
    """
    layer = layer_class(initial_state[0].shape[1], return_sequences=True, return_state=True, dtype="float64", **options)
    layer.build(x.shape)
    layer.set_weights(weights)
    outputs, *states = layer(x, initial_state=initial_state, mask=mask)
    return keras.ops.convert_to_numpy(outputs), [keras.ops.convert_to_numpy(state) for state in states]


# %% [markdown]
# ### Backward, step by step
#
# Call the pre-activations $a_z, a_r, a_h$ (what goes into $\sigma$, $\sigma$ and $\tanh$). Given
# $dh = \partial L / \partial h$:
#
# 1. From $h = z \odot h_{\text{prev}} + (1 - z) \odot \tilde h$, three gradients:
#    $d\tilde h = dh \odot (1 - z)$, $\; dz = dh \odot (h_{\text{prev}} - \tilde h)$, and a first,
#    **direct** part of $dh_{\text{prev}} = dh \odot z$.
# 2. Through the activations ($\sigma' = \sigma(1 - \sigma)$, $\tanh' = 1 - \tanh^2$):
#    $da_h = d\tilde h \odot (1 - \tilde h^2)$, $\; da_z = dz \odot z \odot (1 - z)$.
# 3. The reset gate, which differs between the formulations:
#    - `reset_after=True`, $a_h = x W_h + b_h + r \odot q$ with $q = h_{\text{prev}} U_h + b'_h$:
#      $dr = da_h \odot q$ and $dq = da_h \odot r$; then $dU_h = h_{\text{prev}}^\top dq$,
#      $db'_h = \sum_n dq$, and $dh_{\text{prev}}$ gains $dq\, U_h^\top$.
#    - `reset_after=False`, $a_h = x W_h + b_h + s\, U_h$ with $s = r \odot h_{\text{prev}}$:
#      $ds = da_h\, U_h^\top$, so $dr = ds \odot h_{\text{prev}}$, $dU_h = s^\top da_h$, and
#      $dh_{\text{prev}}$ gains $ds \odot r$.
#
#    In both, $da_r = dr \odot r \odot (1 - r)$.
# 4. The gates' recurrent products $h_{\text{prev}} U_z$ and $h_{\text{prev}} U_r$, as in the RNN:
#    $[dU_z \mid dU_r] = h_{\text{prev}}^\top [da_z \mid da_r]$, $[db'_z \mid db'_r] = \sum_n [da_z \mid da_r]$
#    (with `reset_after=True`), and $dh_{\text{prev}}$ gains $[da_z \mid da_r]\,[U_z \mid U_r]^\top$.
# 5. The input side, all three parts at once: with $da = [da_z \mid da_r \mid da_h]$ ($N \times 3H$),
#    $dW = x^\top da$, $\; dx = da\, W^\top$, $\; db = \sum_n da$.
#
# So $dh_{\text{prev}}$ collects up to three contributions: the direct path through $z$ (step 1), the
# path through the candidate (step 3) and the path through the gates (step 4). The direct path is the
# GRU's answer to vanishing gradients: where $z \approx 1$ the gradient passes back almost unchanged,
# with no weight matrix in the way.
#
# Keep in the cache what the backward pass reads: the inputs, the weights, $z$, $r$, $\tilde h$, and for
# `reset_after=True` the recurrent part $q$ of the candidate. The plots later read `cache["z"]`.

# %% nbgrader={"grade": false, "grade_id": "gru_step_forward", "locked": false, "schema_version": 3, "solution": true}
def gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias, reset_after=True):
    """One GRU step for a batch, with Keras' weight layout (gate order z, r, h).

    Args:
        x: float array of shape (N, D), the inputs of this step.
        h_prev: float array of shape (N, H), the previous state.
        kernel: float array of shape (D, 3H), [W_z | W_r | W_h].
        recurrent_kernel: float array of shape (H, 3H), [U_z | U_r | U_h].
        bias: with reset_after=True, shape (2, 3H): row 0 the input bias b, row 1 the recurrent bias b'.
            With reset_after=False, shape (3H,): the one bias b.
        reset_after: True for Keras' default formulation (reset gate applied after the recurrent product),
            False for the original one (applied before).
    Returns:
        h: float array of shape (N, H), the new state z * h_prev + (1 - z) * h_cand.
        cache: dict holding "z", "r" and "h_cand", each of shape (N, H) (the update gate, the reset gate
            and the candidate state), and whatever else gru_step_backward needs.
    """
    ### BEGIN SOLUTION
    units = h_prev.shape[1]
    input_bias, recurrent_bias = bias if reset_after else (bias, np.zeros_like(bias))
    x_proj = x @ kernel + input_bias  # (N, 3H): the input's part of z, r and the candidate
    u_zr, u_h = recurrent_kernel[:, :2 * units], recurrent_kernel[:, 2 * units:]
    # z and r have the same form: compute both at once, then take the two halves
    gates = sigmoid(x_proj[:, :2 * units] + h_prev @ u_zr + recurrent_bias[:2 * units])
    z, r = gates[:, :units], gates[:, units:]
    x_h = x_proj[:, 2 * units:]
    if reset_after:
        q = h_prev @ u_h + recurrent_bias[2 * units:]  # the recurrent part of the candidate, then the gate
        h_cand = np.tanh(x_h + r * q)
    else:
        q = None
        h_cand = np.tanh(x_h + (r * h_prev) @ u_h)  # the gate first, then the product
    h = z * h_prev + (1.0 - z) * h_cand
    cache = {"x": x, "h_prev": h_prev, "kernel": kernel, "recurrent_kernel": recurrent_kernel,
             "reset_after": reset_after, "z": z, "r": r, "h_cand": h_cand, "q": q}
    return h, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gru_step_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
for case in (REFERENCE["gru_step_reset_after"], REFERENCE["gru_step_reset_before"]):
    x, h_prev, kernel, recurrent_kernel, bias = (case.inputs[name] for name in ("x", "h_prev", "kernel", "recurrent_kernel", "bias"))
    reset_after = bool(case.inputs["reset_after"])
    label = f"(reset_after={reset_after})"
    h, cache = gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias, reset_after)
    checks.assert_shape(h, h_prev.shape, f"h {label}", dtype=np.float64)
    z, h_cand = case.outputs["z"], case.outputs["h_cand"]
    checks.assert_close(cache["z"], z, f'cache["z"], the update gate {label}', common_bugs={
        "the gates are swapped: the kernel's column blocks are in the order z, r, h": case.outputs["r"]})
    checks.assert_close(cache["r"], case.outputs["r"], f'cache["r"], the reset gate {label}')
    checks.assert_close(cache["h_cand"], h_cand, f'cache["h_cand"], the candidate state {label}')
    checks.assert_close(h, case.outputs["h"], f"h {label}", common_bugs={
        "z and 1 - z are swapped: Keras keeps the old state where z is near 1, h = z * h_prev + (1 - z) * h_cand":
            (1 - z) * h_prev + z * h_cand,
    })
print("gru_step_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
# Independent reference: keras.layers.GRU on one-step sequences, from h_prev.
rng = np.random.default_rng(46)
for n, d, units, reset_after in ((1, 3, 2, True), (4, 2, 5, False), (3, 6, 3, True), (2, 1, 4, False)):
    x, h_prev = rng.normal(size=(n, d)), rng.normal(size=(n, units))
    kernel, recurrent_kernel = rng.normal(size=(d, 3 * units)), rng.normal(size=(units, 3 * units))
    bias = rng.normal(size=(2, 3 * units) if reset_after else 3 * units)
    h, cache = gru_step_forward(x, h_prev, kernel, recurrent_kernel, bias, reset_after)
    _, (keras_h,) = keras_recurrent(keras.layers.GRU, x[:, None], [h_prev], [kernel, recurrent_kernel, bias], reset_after=reset_after)
    checks.assert_close(h, keras_h, f"h against keras.layers.GRU, N={n}, D={d}, H={units}, reset_after={reset_after}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "gru_step_backward", "locked": false, "schema_version": 3, "solution": true}
def gru_step_backward(dh, cache):
    """Backward pass of one GRU step, in either formulation (the cache says which).

    Args:
        dh: float array of shape (N, H), d loss / d h.
        cache: the cache returned by gru_step_forward.
    Returns:
        dx: float array of shape (N, D).
        dh_prev: float array of shape (N, H).
        dkernel: float array of shape (D, 3H).
        drecurrent_kernel: float array of shape (H, 3H).
        dbias: float array of the bias's shape: (2, 3H) with reset_after=True, (3H,) without.
    """
    ### BEGIN SOLUTION
    x, h_prev, kernel, recurrent_kernel = cache["x"], cache["h_prev"], cache["kernel"], cache["recurrent_kernel"]
    z, r, h_cand, q = cache["z"], cache["r"], cache["h_cand"], cache["q"]
    units = h_prev.shape[1]
    u_zr, u_h = recurrent_kernel[:, :2 * units], recurrent_kernel[:, 2 * units:]
    # 1-2: through h = z * h_prev + (1 - z) * h_cand and the activations
    dh_prev = dh * z
    da_z = dh * (h_prev - h_cand) * z * (1.0 - z)
    da_h = dh * (1.0 - z) * (1.0 - h_cand ** 2)
    # 3: the reset gate and the candidate's recurrent product
    if cache["reset_after"]:
        dq = da_h * r
        dr = da_h * q
        du_h = h_prev.T @ dq
        dh_prev += dq @ u_h.T
    else:
        ds = da_h @ u_h.T
        dr = ds * h_prev
        du_h = (r * h_prev).T @ da_h
        dh_prev += ds * r
    da_r = dr * r * (1.0 - r)
    # 4: the gates' recurrent products
    da_zr = np.concatenate([da_z, da_r], axis=1)
    dh_prev += da_zr @ u_zr.T
    drecurrent_kernel = np.concatenate([h_prev.T @ da_zr, du_h], axis=1)
    # 5: the input side, all three parts at once
    da = np.concatenate([da_z, da_r, da_h], axis=1)
    dx = da @ kernel.T
    dkernel = x.T @ da
    dbias = np.sum(da, axis=0)
    if cache["reset_after"]:
        drecurrent_bias = np.sum(np.concatenate([da_zr, dq], axis=1), axis=0)
        dbias = np.stack([dbias, drecurrent_bias])
    return dx, dh_prev, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gru_step_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
for case in (REFERENCE["gru_step_reset_after"], REFERENCE["gru_step_reset_before"]):
    arguments = {name: case.inputs[name] for name in ("x", "h_prev", "kernel", "recurrent_kernel", "bias")}
    reset_after, dh = bool(case.inputs["reset_after"]), case.inputs["dh"]
    label = f"(reset_after={reset_after})"
    grads = gru_step_backward(dh, gru_step_forward(**arguments, reset_after=reset_after)[1])
    n, d = arguments["x"].shape
    label = f"(N={n}, D={d}, H={dh.shape[1]}, reset_after={reset_after})"
    bugs = {"h_prev": {"dh_prev has only the direct path dh * z: add the paths through the gates and the candidate":
                           dh * case.outputs["z"]}}
    compare_gradients(grads, arguments, case.outputs, label, gates=("z", "r", "h"), common_bugs=bugs)
    check_gradients(lambda **a: np.sum(gru_step_forward(**a, reset_after=reset_after)[0] * dh), arguments, grads,
                    f"of one GRU step {label}", gates=("z", "r", "h"))
print("gru_step_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(47)
for n, d, units, reset_after in ((1, 2, 3, True), (3, 1, 2, False), (2, 4, 1, True), (1, 3, 2, False)):
    arguments = {"x": rng.normal(size=(n, d)), "h_prev": rng.normal(size=(n, units)),
                 "kernel": rng.normal(scale=0.5, size=(d, 3 * units)),
                 "recurrent_kernel": rng.normal(scale=0.5, size=(units, 3 * units)),
                 "bias": rng.normal(scale=0.5, size=(2, 3 * units) if reset_after else 3 * units)}
    dh = rng.normal(size=(n, units))
    grads = gru_step_backward(dh, gru_step_forward(**arguments, reset_after=reset_after)[1])
    check_gradients(lambda **a: np.sum(gru_step_forward(**a, reset_after=reset_after)[0] * dh), arguments, grads,
                    f"of one GRU step, N={n}, D={d}, H={units}, reset_after={reset_after}", gates=("z", "r", "h"))
### END HIDDEN TESTS

# %% [markdown]
# ## 5. A GRU over padded sequences
#
# Reviews have different lengths, but a batch is one array. So short reviews are **padded** with the
# token 0 up to a common length $T$; `emolib.text.pad_sequences` puts the padding in front ("pre"), so
# that the end of a review, which often holds the verdict, is what the network reads last. The padding
# is not part of the review, and it must not change what the network concludes. A **mask** says which
# steps are real: $m_{n,t} = 1$ for a word, $0$ for padding. At a padded step the state passes through
# unchanged:
#
# $$h_t = m_t \odot \mathrm{GRU}(x_t, h_{t-1}) + (1 - m_t) \odot h_{t-1}.$$
#
# (Per row: a padded row keeps its state, the other rows of the batch step normally.) Then a padded
# review ends in exactly the state of the unpadded one, wherever the padding is. This is what Keras does
# when an `Embedding(..., mask_zero=True)` or a `Masking` layer feeds a GRU.
#
# **Backward.** Call $g_t$ the total gradient reaching $h_t$ (from above plus from step $t+1$, as in
# BPTT). The step's GRU cell receives $m_t \odot g_t$; where $m_t = 0$ it receives nothing, and $g_t$
# goes straight on to $h_{t-1}$: $\; \partial L / \partial h_{t-1} = (\text{the cell's } dh_{\text{prev}}) +
# (1 - m_t) \odot g_t$.
#
# `np.where(mask[:, t, None], a, b)` picks rows of `a` where the mask is true and rows of `b` elsewhere.

# %% nbgrader={"grade": false, "grade_id": "gru_forward", "locked": false, "schema_version": 3, "solution": true}
def gru_forward(x, h0, kernel, recurrent_kernel, bias, reset_after=True, mask=None):
    """Run a GRU over a batch of (possibly padded) sequences.

    Args:
        x: float array of shape (N, T, D).
        h0: float array of shape (N, H), the initial state.
        kernel, recurrent_kernel, bias, reset_after: as in gru_step_forward.
        mask: None (every step is real) or an array of shape (N, T), true (or 1) at real steps and
            false (or 0) at padding.
    Returns:
        h_all: float array of shape (N, T, H); h_all[:, t] is the state after step t. At a masked step
            the state is carried over unchanged.
        cache: tuple (step_caches, mask): the list of the T caches of gru_step_forward in time order,
            and the mask as a bool array of shape (N, T).
    """
    ### BEGIN SOLUTION
    n, steps = x.shape[:2]
    mask = np.ones((n, steps), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    h = h0
    states, step_caches = [], []
    for t in range(steps):
        h_new, step_cache = gru_step_forward(x[:, t], h, kernel, recurrent_kernel, bias, reset_after)
        h = np.where(mask[:, t, None], h_new, h)  # a padded step leaves the state as it was
        states.append(h)
        step_caches.append(step_cache)
    return np.stack(states, axis=1), (step_caches, mask)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gru_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
for case in (REFERENCE["gru_sequence_reset_after"], REFERENCE["gru_sequence_reset_before"]):
    x, h0, kernel, recurrent_kernel, bias, mask = (case.inputs[name] for name in ("x", "h0", "kernel", "recurrent_kernel", "bias", "mask"))
    reset_after = bool(case.inputs["reset_after"])
    label = f"(reset_after={reset_after})"
    h_all, _ = gru_forward(x, h0, kernel, recurrent_kernel, bias, reset_after, mask)
    checks.assert_shape(h_all, (x.shape[0], x.shape[1], h0.shape[1]), f"h_all {label}", dtype=np.float64)
    checks.assert_close(h_all, case.outputs["h_all"], f"h_all with a mask {label}", common_bugs={
        "the mask is ignored: padded steps must leave the state unchanged": case.outputs["h_all_unmasked"]},
        case=f"N={x.shape[0]}, T={x.shape[1]}, D={x.shape[2]}, H={h0.shape[1]}, mask {mask.astype(int).tolist()}",
        axes=("n", "t", "h"), regions={"at the padded steps (mask 0) and after them": np.cumsum(~mask, axis=1)[:, :, None] > 0})
    # Independent check: keras.layers.GRU with the same weights, from h0 without the mask, and from zeros with
    # it (at leading padding Keras outputs zeros while it carries its state: from a zero state the two agree).
    for start, step_mask in ((h0, None), (np.zeros_like(h0), mask)):
        keras_outputs, _ = keras_recurrent(keras.layers.GRU, x, [start], [kernel, recurrent_kernel, bias], mask=step_mask,
                                           reset_after=reset_after)
        h_all = gru_forward(x, start, kernel, recurrent_kernel, bias, reset_after, step_mask)[0]
        what = f"h_all against keras.layers.GRU {label}{'' if step_mask is None else ' with the mask'}"
        checks.assert_close(h_all, keras_outputs, what, rtol=0.0, atol=1e-6)
        print(f"{what}: largest difference {np.max(np.abs(h_all - keras_outputs)):.1e}")
# A padded review ends in the state of the unpadded one, with the padding before or after it.
rng = np.random.default_rng(48)
review = rng.normal(size=(1, 3, 4))
junk = rng.normal(size=(1, 2, 4))  # padding positions hold junk: the mask alone must make them harmless
kernel, recurrent_kernel, bias = rng.normal(size=(4, 6)), rng.normal(size=(2, 6)), rng.normal(size=(2, 6))
h0 = np.zeros((1, 2))
unpadded = gru_forward(review, h0, kernel, recurrent_kernel, bias)[0][:, -1]
for where, padded, mask in (("before", np.concatenate([junk, review], axis=1), [[0, 0, 1, 1, 1]]),
                            ("after", np.concatenate([review, junk], axis=1), [[1, 1, 1, 0, 0]])):
    checks.assert_close(gru_forward(padded, h0, kernel, recurrent_kernel, bias, mask=np.array(mask))[0][:, -1], unpadded,
                        f"the final state of a review padded {where} (it must equal the unpadded review's)")
print("gru_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(49)
for lengths, d, units, reset_after in (([1], 2, 3, True), ([0, 5, 2], 1, 2, False), ([6, 3, 0, 1], 3, 4, True)):
    lengths, n, steps = np.array(lengths), len(lengths), max(lengths)
    x, h0 = rng.normal(size=(n, steps, d)), rng.normal(size=(n, units))
    kernel, recurrent_kernel = rng.normal(size=(d, 3 * units)), rng.normal(size=(units, 3 * units))
    bias = rng.normal(size=(2, 3 * units) if reset_after else 3 * units)
    pre_mask = np.arange(steps)[None, :] >= steps - lengths[:, None]
    h_all, _ = gru_forward(x, h0, kernel, recurrent_kernel, bias, reset_after, pre_mask.astype(np.int64))
    _, (keras_state,) = keras_recurrent(keras.layers.GRU, x, [h0], [kernel, recurrent_kernel, bias], mask=pre_mask, reset_after=reset_after)
    label = f"N={n}, T={steps}, D={d}, H={units}, reset_after={reset_after}, lengths {lengths.tolist()}"
    checks.assert_close(h_all[:, -1], keras_state, f"the final state with padding in front against Keras, {label}")
    # an empty row keeps h0 throughout
    for row in np.flatnonzero(lengths == 0):
        checks.assert_close(h_all[row], np.tile(h0[row], (steps, 1)), f"the states of an all-padding row, {label}")
    # one step equals gru_step_forward
    checks.assert_close(gru_forward(x[:, :1], h0, kernel, recurrent_kernel, bias, reset_after)[0][:, 0],
                        gru_step_forward(x[:, 0], h0, kernel, recurrent_kernel, bias, reset_after)[0], f"one step, {label}")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "gru_backward", "locked": false, "schema_version": 3, "solution": true}
def gru_backward(dh_all, cache):
    """Backpropagation through time for gru_forward, masks included.

    Args:
        dh_all: float array of shape (N, T, H), d loss / d h_all (zeros where nothing reads a state).
        cache: the cache returned by gru_forward.
    Returns:
        dx: float array of shape (N, T, D); zero at masked steps.
        dh0: float array of shape (N, H).
        dkernel: float array of shape (D, 3H).
        drecurrent_kernel: float array of shape (H, 3H).
        dbias: float array of the bias's shape ((2, 3H) or (3H,)).
    """
    ### BEGIN SOLUTION
    step_caches, mask = cache
    dx_steps = [None] * len(step_caches)
    dkernel = drecurrent_kernel = dbias = 0.0  # sums over the steps
    dh_later = np.zeros_like(dh_all[:, 0])  # what reaches a state through the next step; none after the last
    for t in reversed(range(len(step_caches))):
        dh = dh_all[:, t] + dh_later
        real = mask[:, t, None]
        dx_steps[t], dh_prev, dk, drk, db = gru_step_backward(np.where(real, dh, 0.0), step_caches[t])
        dh_later = dh_prev + np.where(real, 0.0, dh)  # a padded step passed the state straight through
        dkernel = dkernel + dk
        drecurrent_kernel = drecurrent_kernel + drk
        dbias = dbias + db
    return np.stack(dx_steps, axis=1), dh_later, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gru_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
for case in (REFERENCE["gru_sequence_reset_after"], REFERENCE["gru_sequence_reset_before"]):
    arguments = {name: case.inputs[name] for name in ("x", "h0", "kernel", "recurrent_kernel", "bias")}
    reset_after, mask, dh_all = bool(case.inputs["reset_after"]), case.inputs["mask"], case.inputs["dh_all"]
    n, steps, d = arguments["x"].shape
    label = f"(N={n}, T={steps}, D={d}, H={dh_all.shape[2]}, reset_after={reset_after}, mask {mask.astype(int).tolist()})"
    grads = gru_backward(dh_all, gru_forward(**arguments, reset_after=reset_after, mask=mask)[1])
    compare_gradients(grads, arguments, case.outputs, label, gates=("z", "r", "h"), axes={"x": ("n", "t", "d")}, first=("x",),
                      regions={"x": {"at the padded steps (mask 0)": ~mask[:, :, None],
                                     "at the real steps (mask 1)": mask[:, :, None]}})
    check_gradients(lambda **a: np.sum(gru_forward(**a, reset_after=reset_after, mask=mask)[0] * dh_all), arguments, grads,
                    f"of a GRU over {steps} steps {label}", gates=("z", "r", "h"))
print("gru_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(50)
for n, steps, d, units, reset_after, last_only in ((1, 1, 2, 2, True, False), (3, 4, 1, 2, False, True), (2, 4, 2, 3, True, True)):
    arguments = {"x": rng.normal(size=(n, steps, d)), "h0": rng.normal(scale=0.5, size=(n, units)),
                 "kernel": rng.normal(scale=0.5, size=(d, 3 * units)),
                 "recurrent_kernel": rng.normal(scale=0.5, size=(units, 3 * units)),
                 "bias": rng.normal(scale=0.5, size=(2, 3 * units) if reset_after else 3 * units)}
    mask = rng.uniform(size=(n, steps)) < 0.7
    dh_all = rng.normal(size=(n, steps, units))
    if last_only:
        dh_all[:, :-1] = 0.0
    grads = gru_backward(dh_all, gru_forward(**arguments, reset_after=reset_after, mask=mask)[1])
    check_gradients(lambda **a: np.sum(gru_forward(**a, reset_after=reset_after, mask=mask)[0] * dh_all), arguments, grads,
                    f"of a GRU, N={n}, T={steps}, D={d}, H={units}, reset_after={reset_after}, mask {mask.astype(int).tolist()}",
                    gates=("z", "r", "h"))
    checks.assert_close(grads[0][~mask], np.zeros((np.sum(~mask), d)), "dx at masked steps")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. What a trained GRU does along a review
#
# Time to look inside a GRU that has learnt something. Below, Keras trains a small sentiment model on
# IMDB reviews (Keras does the training here; in lesson 05 your own code will): an embedding of 32
# numbers per word, a GRU of 32 units with Keras' default `reset_after=True`, and a dense layer with a
# sigmoid that reads the last state. `mask_zero=True` makes the embedding pass the mask of the padding
# to the GRU.
#
# Fast mode trains on 4,000 reviews cut to their last 80 words: a sixth of the full run's Adam steps.
# At Adam's default learning rate of 0.001 so few steps barely move the weights from their random start
# (every gate stays near $\sigma(0) = 0.5$, every prediction near 0.5), so fast mode takes larger steps,
# with a learning rate of 0.005.

# %%
num_words, maxlen, limit = (2000, 80, 4000) if FAST else (10000, 200, None)
learning_rate = 5e-3 if FAST else 1e-3
(x_train, y_train), (x_test, y_test), vocab = emolib.data.load_imdb_sequences(
    num_words=num_words, maxlen=maxlen, limit=limit)
keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input(shape=(maxlen,), dtype="int32"),
    keras.layers.Embedding(num_words, 32, mask_zero=True),
    keras.layers.GRU(32),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
_, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
print(f"{len(y_train)} training reviews of at most {maxlen} words; test accuracy {test_accuracy:.3f} on {len(y_test)} reviews")

# %% [markdown]
# Now run **your** `gru_forward` with the trained weights. The embedding is a lookup table: row $k$ of
# its matrix is the vector of word $k$. If your GRU is right, its last state gives the same prediction
# as Keras.

# %%
embeddings = model.layers[0].get_weights()[0].astype(np.float64)
gru_weights = [w.astype(np.float64) for w in model.layers[1].get_weights()]
dense_kernel, dense_bias = (w.astype(np.float64) for w in model.layers[2].get_weights())
words = np.array(sorted(vocab, key=vocab.get))  # words[k] is the word with index k

lengths = np.sum(x_test != 0, axis=1)
review_index = int(np.flatnonzero((lengths >= 25) & (lengths <= 45))[0])  # a short review, for a readable plot
tokens = x_test[review_index][x_test[review_index] != 0]
h_all, (step_caches, _) = gru_forward(embeddings[tokens][None], np.zeros((1, 32)), *gru_weights, reset_after=True)
update_gate = np.stack([step["z"][0] for step in step_caches])  # (T, H)
positive = sigmoid(h_all[0] @ dense_kernel + dense_bias)[:, 0]  # the prediction if the review ended here
keras_positive = float(model.predict(x_test[review_index:review_index + 1], verbose=0)[0, 0])
print(f"review {review_index} ({'positive' if y_test[review_index] else 'negative'}), {len(tokens)} words: "
      f"your GRU predicts {positive[-1]:.4f}, Keras {keras_positive:.4f}")

plots.values_along_text(words[tokens], {"update gate z, mean over units": update_gate.mean(axis=1),
                                        "P(positive) if the review ended here": positive},
                        update_gate.T, "unit", title="A trained GRU reading a review (z near 1: keep the state)")
plt.show()

# %% [markdown]
# Read the plot from left to right. The lower panel shows $z$ for each of the 32 units after each
# word: yellow cells keep the unit's state, dark ones overwrite it with the candidate. The upper panel
# shows the average over units and what the model would predict if the review stopped at that word.
#
# One review is an anecdote. The next cell measures, over many test reviews, after which words the
# GRU overwrites most of its state (lowest mean $z$) and after which it keeps it (highest mean $z$),
# among words seen at least 50 times.

# %%
sample = x_test[:1000]
_, (step_caches, mask) = gru_forward(embeddings[sample], np.zeros((len(sample), 32)), *gru_weights,
                                     reset_after=True, mask=sample != 0)
mean_update = np.stack([step["z"].mean(axis=1) for step in step_caches], axis=1)  # (reviews, T)
totals = np.bincount(sample[mask], weights=mean_update[mask], minlength=num_words)
counts = np.bincount(sample[mask], minlength=num_words)
frequent = np.flatnonzero(counts >= 50)
order = frequent[np.argsort(totals[frequent] / counts[frequent])]
print("overwrites most after:", ", ".join(f"{words[k]} ({totals[k] / counts[k]:.2f})" for k in order[:12]))
print("keeps most after:     ", ", ".join(f"{words[k]} ({totals[k] / counts[k]:.2f})" for k in order[-12:]))

# %% [markdown]
# What the course's full run shows (`python -m autograder execute 04_gru --full`, part of `make bench`;
# the model reaches a test accuracy of 0.869 on the 25,000 test reviews). The review it plots is test
# review 157, a negative one: "the movie is not that bad ... sucks i hate when van damme has love in his
# movies ... is good only when he doesn't have love in his movies". The prediction falls from about 0.5
# to 0.4 at "not", about 0.15 at "bad" and below 0.05 at "sucks", and stays low to the end, through
# "good" and "love".
# The gates show how. A few units (the dark rows) are overwritten after almost every word: a memory of
# the last few words. Most units keep about two thirds of their state over the first words, then close
# (yellow, $z$ near 1) from "sucks" and "i hate" on: once the model has its verdict it holds it, and the
# later "good" and "love" barely move it. Over 1,000 test reviews, the words after which the GRU
# overwrites most include "excellent", "wonderful", "recommend" and "definitely" (mean $z$ 0.62), and it
# keeps most after words such as "need", "either" and "from" (0.66 to 0.67); the average over 32 units
# is a blunt measure, and the plot shows that single units differ far more.
#
# Fast mode (what nbgrader runs) shows the same picture on a smaller scale. The model reaches a test
# accuracy of 0.787 on 4,000 test reviews, and the review it plots is test review 80, a negative one:
# "you've got to be ... this movie sucked for the sci fi fans i would only recommend watching this only
# if you think ... was good". The prediction stays between 0.69 and 0.85 over the first seven words,
# falls to 0.06 at "sucked", and stays below 0.22 to the end, through "recommend" and "good". At
# "sucked" itself nine units overwrite most of their state ($z$ below 0.3): the model writes its verdict.
# From the next word on most units close (the mean $z$ jumps from about 0.55 to 0.77 and stays near
# 0.7), while one unit, the dark row 8, overwrites its state after every later word ($z$ below 0.3).
# The word lists are weaker than the full run's: 4,000 reviews are too few for the gates to single out
# sentiment words, and they overwrite most after words such as "same", "few" and "never" (0.57 to 0.58)
# and keep most after "want", "least" and "time" (0.65 to 0.66).

# %% [markdown]
# ## 7. The LSTM cell
#
# The Keras lessons also use the LSTM (Hochreiter and Schmidhuber, 1997, with the forget gate of Gers,
# Schmidhuber and Cummins, 2000). It keeps two vectors per step: a **cell** $c$, which carries
# information forward, and a state $h$, which the next step and the layers above read. Three gates in
# $(0, 1)$ and a candidate decide what happens to the cell:
#
# $$\begin{aligned}
# i &= \sigma(a_i), \quad f = \sigma(a_f), \quad g = \tanh(a_g), \quad o = \sigma(a_o),
#   \qquad [a_i \mid a_f \mid a_g \mid a_o] = x W + h_{\text{prev}} U + b \\
# c &= f \odot c_{\text{prev}} + i \odot g \\
# h &= o \odot \tanh(c)
# \end{aligned}$$
#
# The **forget gate** $f$ keeps the old cell, the **input gate** $i$ lets the candidate $g$ in, and the
# **output gate** $o$ decides how much of the cell to show. Keras' `keras.layers.LSTM` stores the kernel
# $W$ as $D \times 4H$ and the recurrent kernel $U$ as $H \times 4H$ in the gate order **i, f, c, o**
# (its "c" is our candidate $g$), and one bias of shape `(4H,)`. PyTorch's `nn.LSTM` uses the same
# order, but some NumPy implementations put $o$ before $g$: check the order before you copy weights.
# Keras initializes $b_f$ to 1 (`unit_forget_bias=True`), so a new LSTM starts out keeping its cell.
#
# The additive update $c = f \odot c_{\text{prev}} + \dots$ plays the part of the GRU's
# $z \odot h_{\text{prev}}$: a path back in time with no weight matrix on it.

# %% nbgrader={"grade": false, "grade_id": "lstm_step_forward", "locked": false, "schema_version": 3, "solution": true}
def lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step for a batch, with Keras' weight layout (gate order i, f, c, o).

    Args:
        x: float array of shape (N, D), the inputs of this step.
        h_prev: float array of shape (N, H), the previous state.
        c_prev: float array of shape (N, H), the previous cell.
        kernel: float array of shape (D, 4H); recurrent_kernel: (H, 4H); bias: (4H,).
    Returns:
        h: float array of shape (N, H), the new state.
        c: float array of shape (N, H), the new cell.
        cache: dict holding "i", "f", "g" and "o", each of shape (N, H) (the input, forget and output
            gates and the candidate), and whatever else a backward pass needs.
    """
    ### BEGIN SOLUTION
    a_i, a_f, a_g, a_o = np.split(x @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=1)
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)
    g = np.tanh(a_g)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "kernel": kernel, "recurrent_kernel": recurrent_kernel,
             "i": i, "f": f, "g": g, "o": o, "tanh_c": tanh_c}
    return h, c, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["lstm_step"]
x, h_prev, c_prev, kernel, recurrent_kernel, bias = (case.inputs[name] for name in ("x", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"))
h, c, cache = lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias)
checks.assert_shape(h, h_prev.shape, "h", dtype=np.float64)
checks.assert_shape(c, c_prev.shape, "c", dtype=np.float64)
o, g = case.outputs["o"], case.outputs["g"]
gate_order = "the candidate and the output gate are read from each other's columns: Keras' order is i, f, c (the candidate), o"
checks.assert_close(cache["i"], case.outputs["i"], 'cache["i"], the input gate')
checks.assert_close(cache["f"], case.outputs["f"], 'cache["f"], the forget gate')
checks.assert_close(cache["g"], g, 'cache["g"], the candidate', common_bugs={gate_order: np.tanh(np.log(o / (1 - o)))})
checks.assert_close(cache["o"], o, 'cache["o"], the output gate', common_bugs={gate_order: 1 / (1 + np.exp(-np.arctanh(g)))})
i, f = case.outputs["i"], case.outputs["f"]
checks.assert_close(c, case.outputs["c"], "c", common_bugs={
    "the input and forget gates are swapped: c = f * c_prev + i * g": i * c_prev + f * g})
checks.assert_close(h, case.outputs["h"], "h", common_bugs={"h = o * c: the tanh of the cell is missing": case.outputs["o"] * case.outputs["c"]})
# Independent check: keras.layers.LSTM with the same weights, one step from (h_prev, c_prev).
_, (keras_h, keras_c) = keras_recurrent(keras.layers.LSTM, x[:, None], [h_prev, c_prev], [kernel, recurrent_kernel, bias])
checks.assert_close(h, keras_h, "h against keras.layers.LSTM")
checks.assert_close(c, keras_c, "c against keras.layers.LSTM")
print("lstm_step_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(51)
for n, d, units in ((1, 2, 3), (4, 3, 1), (2, 5, 4)):
    x, h_prev, c_prev = rng.normal(size=(n, d)), rng.normal(size=(n, units)), rng.normal(size=(n, units))
    kernel, recurrent_kernel, bias = rng.normal(size=(d, 4 * units)), rng.normal(size=(units, 4 * units)), rng.normal(size=4 * units)
    h, c, _ = lstm_step_forward(x, h_prev, c_prev, kernel, recurrent_kernel, bias)
    _, (keras_h, keras_c) = keras_recurrent(keras.layers.LSTM, x[:, None], [h_prev, c_prev], [kernel, recurrent_kernel, bias])
    checks.assert_close(h, keras_h, f"h against keras.layers.LSTM, N={n}, D={d}, H={units}")
    checks.assert_close(c, keras_c, f"c against keras.layers.LSTM, N={n}, D={d}, H={units}")
### END HIDDEN TESTS

# %% [markdown]
# ### Optional: the LSTM's backward pass (1 point)
#
# A step now has two outputs, so it receives two gradients: $dh$ and $dc$ (the latter from the next
# step's cell). The cell reaches the loss directly and through $h = o \odot \tanh(c)$, so first collect
# its total gradient,
#
# $$dc_{\text{total}} = dc + dh \odot o \odot (1 - \tanh^2 c),$$
#
# then: $do = dh \odot \tanh c$, $\; di = dc_{\text{total}} \odot g$, $\; dg = dc_{\text{total}} \odot i$,
# $\; df = dc_{\text{total}} \odot c_{\text{prev}}$, $\; dc_{\text{prev}} = dc_{\text{total}} \odot f$;
# through the activations to $da = [da_i \mid da_f \mid da_g \mid da_o]$, and from there to $dx$,
# $dh_{\text{prev}}$, $dW$, $dU$ and $db$ exactly as for the RNN. The test checks every gradient
# numerically.

# %% nbgrader={"grade": false, "grade_id": "lstm_step_backward", "locked": false, "schema_version": 3, "solution": true}
def lstm_step_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

    Args:
        dh: float array of shape (N, H), d loss / d h.
        dc: float array of shape (N, H), d loss / d c arriving from the next step (zeros after the last).
        cache: the cache returned by lstm_step_forward.
    Returns:
        dx: (N, D); dh_prev: (N, H); dc_prev: (N, H); dkernel: (D, 4H); drecurrent_kernel: (H, 4H);
        dbias: (4H,).
    """
    ### BEGIN SOLUTION
    i, f, g, o, tanh_c = cache["i"], cache["f"], cache["g"], cache["o"], cache["tanh_c"]
    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)
    da = np.concatenate([dc_total * g * i * (1.0 - i),
                         dc_total * cache["c_prev"] * f * (1.0 - f),
                         dc_total * i * (1.0 - g ** 2),
                         dh * tanh_c * o * (1.0 - o)], axis=1)
    dx = da @ cache["kernel"].T
    dh_prev = da @ cache["recurrent_kernel"].T
    dc_prev = dc_total * f
    dkernel = cache["x"].T @ da
    drecurrent_kernel = cache["h_prev"].T @ da
    dbias = np.sum(da, axis=0)
    return dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lstm_step_backward", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["lstm_step"]
arguments = {name: case.inputs[name] for name in ("x", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")}
dh, dc = case.inputs["dh"], case.inputs["dc"]


def lstm_step_loss(**a):
    h, c, _ = lstm_step_forward(**a)
    return np.sum(h * dh) + np.sum(c * dc)


grads = lstm_step_backward(dh, dc, lstm_step_forward(**arguments)[2])
checks.assert_true(len(grads) == 6, "lstm_step_backward must return six gradients (dx, dh_prev, dc_prev, dkernel, drecurrent_kernel, dbias)")
for (name, value), grad in zip(arguments.items(), grads):
    checks.assert_shape(grad, value.shape, f"d{name}")
check_gradients(lstm_step_loss, arguments, grads, f"of one LSTM step (N={dh.shape[0]}, D={arguments['x'].shape[1]}, H={dh.shape[1]})",
                gates=("i", "f", "c", "o"))
print("lstm_step_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(52)
for n, d, units in ((1, 2, 3), (3, 1, 2)):
    arguments = {"x": rng.normal(size=(n, d)), "h_prev": rng.normal(size=(n, units)), "c_prev": rng.normal(size=(n, units)),
                 "kernel": rng.normal(scale=0.5, size=(d, 4 * units)), "recurrent_kernel": rng.normal(scale=0.5, size=(units, 4 * units)),
                 "bias": rng.normal(scale=0.5, size=4 * units)}
    dh, dc = rng.normal(size=(n, units)), rng.normal(size=(n, units))
    grads = lstm_step_backward(dh, dc, lstm_step_forward(**arguments)[2])
    check_gradients(lstm_step_loss, arguments, grads, f"of one LSTM step, N={n}, D={d}, H={units}", gates=("i", "f", "c", "o"))
### END HIDDEN TESTS

# %% [markdown]
# ## 8. How fast is it?
#
# Your GRU is a Python loop over time around a handful of NumPy operations per step. How does it compare
# with Keras' compiled `keras.layers.GRU`? `make bench-gru` (the script `benchmarks/gru.py`) times the
# course's solution of this lesson against Keras, on the same CPU, for a batch of 64 sequences of 100
# steps with 64 inputs and 64 units. On the course's development machine (2 cores, no GPU, nothing else
# running) it measured:
#
# | GRU layer, batch 64, 100 steps, 64 inputs, 64 units | NumPy, float32 | NumPy, float64 | Keras, float32 |
# | --- | --- | --- | --- |
# | forward | 23.0 ms | 56.1 ms | 8.3 ms |
# | forward and backward | 57.7 ms | 105.9 ms | 30.3 ms |
#
# The NumPy forward pass takes 2.8 times as long as Keras', forward and backward together 1.9 times:
# both spend their time in the same matrix products and `tanh`s, and each small NumPy call adds its own
# overhead. float64 costs about twice float32, mostly in `np.tanh`; that is why lesson 05 trains in
# float32, where, in the same benchmark, a whole epoch of its model takes 18 seconds with NumPy and 43
# with Keras' `fit`.
#
#
# ## What you built
#
# - A vanilla RNN and its backpropagation through time: per-step gradients summed over the steps, and
#   the gradient into each state summed from above and from the future.
# - A plot of gradients vanishing and exploding with the time distance, and global-norm clipping.
# - The GRU in both of its formulations, forward and backward, checked numerically on every parameter
#   and against `keras.layers.GRU`, with masks that make padding harmless.
# - A look inside a trained GRU, and an LSTM cell checked against `keras.layers.LSTM`.
#
# Next, lesson 05 puts an embedding, this GRU and a softmax classifier together and trains them on IMDB
# reviews with an optimizer and a training loop you write.
