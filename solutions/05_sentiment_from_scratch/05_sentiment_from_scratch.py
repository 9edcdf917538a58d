# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 05: a sentiment classifier from scratch
#
# By the end of this lesson you will be able to
#
# - assemble an embedding, a GRU, a dense layer and the softmax cross-entropy into one model, and run
#   it forward and backward on a batch of padded reviews;
# - write the Adam optimizer, with its bias correction, and explain why the correction is needed;
# - write a training loop (shuffling, mini-batches, gradient clipping, validation after every epoch) and
#   train the model on real IMDB reviews until it clearly beats chance on reviews it has never seen;
# - build the same model in Keras, load your weights into it, and get the same loss: the bridge to
#   the Keras lessons.
#
# **Prerequisites:** lesson 04 (the GRU forward and backward, masks, gradient clipping) and lesson 01
# (softmax cross-entropy, mini-batch gradient descent). The layers of those lessons are given below as
# reference code, so you can do this lesson even if some of your lesson 04 did not pass.
#
# **Time:** about two hours, plus the training. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and
# always when nbgrader grades it) the notebook trains on 1,800 short reviews and runs in about 20
# seconds; the full run trains on 22,500 reviews, then trains the Keras version too, and takes about
# three minutes on a 2-core CPU.
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# The tests you see are not all the tests: the grader also tries shapes and settings you do not see.
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
from emolib.gradcheck import numerical_gradient

import keras

FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("05_sentiment_from_scratch")

# %% [markdown]
# ## 1. The model, and the layers you already have
#
# A review is a row of word indices, padded in front with 0 to a common length $T$ (the `<pad>` index;
# 1 is `<unk>`, words outside the vocabulary). For a batch of $N$ reviews the model computes
#
# $$\underbrace{\texttt{tokens}}_{N \times T}
#   \xrightarrow{\ \text{embedding}\ } \underbrace{x}_{N \times T \times E}
#   \xrightarrow{\ \text{GRU, masked}\ } \underbrace{h_{\text{all}}}_{N \times T \times H}
#   \xrightarrow{\ \text{last state}\ } \underbrace{h_T}_{N \times H}
#   \xrightarrow{\ \text{dense}\ } \underbrace{\text{logits}}_{N \times 2}
#   \xrightarrow{\ \text{softmax cross-entropy}\ } L$$
#
# - The **embedding** is a table of $V$ learned vectors of $E$ numbers, one row per word of the
#   vocabulary: $x_{n,t} = \text{embeddings}[\text{tokens}_{n,t}]$. Its backward pass adds each step's
#   gradient into the row of that step's word; a word that occurs twice in a batch collects both
#   gradients, which is why it uses `np.add.at` (`dembeddings[tokens] += dx` would keep only one of them).
# - The **GRU** is lesson 04's, in Keras' default formulation (`reset_after=True`), started from a zero
#   state, with the mask `tokens != 0`, so the padding changes nothing.
# - The **dense** layer reads the last state, $\text{logits} = h_T W_d + b_d$. With the padding in front
#   and masked, $h_T$ is the state after the review's last word.
# - The **softmax cross-entropy** of lesson 01 turns the two logits into $P(\text{negative})$,
#   $P(\text{positive})$ and the mean loss over the batch, with the gradient $(P - Y)/N$.
#
# The parameters are kept in a dict, in the order Keras stores them: `embeddings` $(V, E)$, the GRU's
# `kernel` $(E, 3H)$, `recurrent_kernel` $(H, 3H)$ and `bias` $(2, 3H)$, and `dense_kernel` $(H, 2)$,
# `dense_bias` $(2,)$. Gradients are dicts with the same keys.
#
# The next cells give lesson 04's GRU and clipping, the embedding, dense and loss layers, and an
# initialization. They are locked: read them, use them, do not change them.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_lesson_04", "locked": true, "schema_version": 3, "solution": false}
# Lesson 04's reference GRU and gradient clipping.
def sigmoid(a):
    """Logistic sigmoid, elementwise, for an array of any shape; never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


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
    norm = float(np.sqrt(sum(np.sum(grad ** 2) for grad in grads)))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [grad * scale for grad in grads], norm

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_layers", "locked": true, "schema_version": 3, "solution": false}
def embedding_forward(tokens, embeddings):
    """Look up the vector of every token.

    Args:
        tokens: int array of shape (N, T), indices into the vocabulary.
        embeddings: float array of shape (V, E), one row per word.
    Returns:
        x: float array of shape (N, T, E), x[n, t] = embeddings[tokens[n, t]].
        cache: (tokens, shape of embeddings).
    """
    return embeddings[tokens], (tokens, embeddings.shape)


def embedding_backward(dx, cache):
    """Gradient of the embedding table: each step's gradient added into its word's row.

    Args:
        dx: float array of shape (N, T, E), d loss / d x.
        cache: from embedding_forward.
    Returns:
        dembeddings: float array of shape (V, E); rows of words absent from the batch are zero.
    """
    tokens, shape = cache
    dembeddings = np.zeros(shape, dtype=dx.dtype)
    np.add.at(dembeddings, tokens, dx)  # a word used twice collects both gradients
    return dembeddings


def dense_forward(x, kernel, bias):
    """A fully connected layer: x (N, H) @ kernel (H, C) + bias (C,) -> (N, C); cache (x, kernel)."""
    return x @ kernel + bias, (x, kernel)


def dense_backward(dout, cache):
    """Backward of dense_forward: returns dx (N, H), dkernel (H, C), dbias (C,)."""
    x, kernel = cache
    return dout @ kernel.T, x.T @ dout, np.sum(dout, axis=0)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) (N, C) against int labels (N,); returns (loss, dlogits)."""
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    dlogits = np.exp(log_probs)
    dlogits[rows, labels] -= 1.0
    return float(-np.mean(log_probs[rows, labels])), dlogits / n


# %% [markdown]
# **Initialization.** The starting weights follow Keras' defaults, so that a Keras model started from
# them behaves the same: the embedding uniform in $[-0.05, 0.05]$; the kernels Glorot-uniform, uniform
# in $\pm\sqrt{6 / (\text{fan-in} + \text{fan-out})}$, which keeps the size of the signal about the
# same from layer to layer; the recurrent kernel **orthogonal** (its rows orthonormal), so that at the
# start a step neither shrinks nor grows the state: lesson 04's gain of 1; biases zero. Training runs
# in float32, as Keras does: half the memory, and `np.tanh` is about four times faster than in float64
# on a typical CPU. The tests run in float64, where a numerical gradient can be trusted.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_init", "locked": true, "schema_version": 3, "solution": false}
PARAMETER_NAMES = ("embeddings", "kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias")  # Keras' order


def init_params(vocab_size, embedding_dim, units, num_classes=2, seed=0, dtype=np.float32):
    """Parameters of the model, drawn like Keras' default initializers; returns a dict of arrays."""
    generator = np.random.default_rng(seed)

    def glorot_uniform(fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return generator.uniform(-limit, limit, size=(fan_in, fan_out))

    # Orthogonal (units, 3 units): the transposed Q of a QR decomposition, signs fixed by R's diagonal.
    q, r = np.linalg.qr(generator.normal(size=(3 * units, units)))
    params = {
        "embeddings": generator.uniform(-0.05, 0.05, size=(vocab_size, embedding_dim)),
        "kernel": glorot_uniform(embedding_dim, 3 * units),
        "recurrent_kernel": (q * np.sign(np.diag(r))).T,
        "bias": np.zeros((2, 3 * units)),
        "dense_kernel": glorot_uniform(units, num_classes),
        "dense_bias": np.zeros(num_classes),
    }
    return {name: value.astype(dtype) for name, value in params.items()}


# %% nbgrader={"grade": false, "grade_id": "provided_check_gradients", "locked": true, "schema_version": 3, "solution": false}
GATE_BLOCKS = ("z", "r", "h")  # the column blocks of the GRU's kernel, recurrent kernel and bias, in Keras' order


def check_gradients(loss, arguments, analytic_gradients, what, gated=()):
    """Compare analytic gradients with centered differences of a scalar loss (as in lesson 04).

    Each gradient is checked on its own, in the order of `arguments`, so pass the least mixed first.
    For a parameter named in `gated`, whose last axis holds the z, r and h blocks of a GRU, each block is
    checked before the whole, so that a failure names the gate.

    Args:
        loss: callable; loss(**arguments) returns a float.
        arguments: dict {name: float64 array}, the inputs to differentiate with respect to, in order.
        analytic_gradients: sequence of arrays, one per entry of `arguments`, in the same order.
        what: how to name the check in a failure message.
        gated: names of arguments whose last axis, of size 3H, is split into z, r and h blocks.
    """
    checks.assert_true(len(analytic_gradients) == len(arguments),
                       f"expected {len(arguments)} gradients ({', '.join('d' + name for name in arguments)}), "
                       f"got {len(analytic_gradients)}")
    for (name, value), analytic in zip(arguments.items(), analytic_gradients):
        numeric = numerical_gradient(lambda nudged: loss(**{**arguments, name: nudged}), value.copy())
        analytic = checks.assert_shape(analytic, numeric.shape, f"d{name} {what}")
        if name in gated:
            units = numeric.shape[-1] // len(GATE_BLOCKS)
            for index, gate in enumerate(GATE_BLOCKS):
                columns = slice(index * units, (index + 1) * units)
                checks.assert_gradient(analytic[..., columns], numeric[..., columns], f"d{name}[..., {gate}-block] {what}")
        checks.assert_gradient(analytic, numeric, f"d{name} {what}")


# %% [markdown]
# ## 2. The forward pass
#
# Chain the layers: look up the tokens, run the GRU from a zero state with the mask of the real words,
# take the last state, and apply the dense layer. Keep every layer's cache: the backward pass walks
# the same chain in reverse.

# %% nbgrader={"grade": false, "grade_id": "model_forward", "locked": false, "schema_version": 3, "solution": true}
def model_forward(params, tokens):
    """Logits of the sentiment model for a batch of padded reviews.

    Args:
        params: dict of parameters, as made by init_params.
        tokens: int array of shape (N, T), word indices; 0 is padding (masked).
    Returns:
        logits: float array of shape (N, C), one row of class scores per review.
        cache: whatever model_backward needs (for example the caches of the three layers and the
            shape of the GRU's states).
    """
    ### BEGIN SOLUTION
    x, embedding_cache = embedding_forward(tokens, params["embeddings"])
    h0 = np.zeros((tokens.shape[0], params["recurrent_kernel"].shape[0]), dtype=x.dtype)
    h_all, gru_cache = gru_forward(x, h0, params["kernel"], params["recurrent_kernel"], params["bias"],
                                   reset_after=True, mask=tokens != 0)
    logits, dense_cache = dense_forward(h_all[:, -1], params["dense_kernel"], params["dense_bias"])
    return logits, (embedding_cache, gru_cache, dense_cache, h_all.shape)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_model_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["model"]
params = {name: case.inputs[name] for name in PARAMETER_NAMES}
tokens = case.inputs["tokens"]
logits, cache = model_forward(params, tokens)
checks.assert_shape(logits, (tokens.shape[0], params["dense_bias"].shape[0]), "logits")
checks.assert_close(logits, case.outputs["logits"], "logits", common_bugs={
    "the padding is not masked: pass mask=tokens != 0 to gru_forward": case.outputs["logits_unmasked"],
    "the dense layer reads the first state, h_all[:, 0], instead of the last": case.outputs["logits_first_state"],
})
# Padding in front changes nothing.
padded = np.concatenate([np.zeros((tokens.shape[0], 3), dtype=tokens.dtype), tokens], axis=1)
checks.assert_close(model_forward(params, padded)[0], case.outputs["logits"], "logits of the same reviews with 3 more padding steps in front")
print("model_forward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(61)
for n, steps, vocab_size, embedding_dim, units, classes in ((1, 1, 3, 2, 3, 2), (4, 7, 12, 3, 2, 3)):
    hidden_params = init_params(vocab_size, embedding_dim, units, classes, seed=n, dtype=np.float64)
    hidden_params["bias"] = rng.normal(scale=0.5, size=(2, 3 * units))
    tokens = rng.integers(1, vocab_size, size=(n, steps))
    tokens[-1, :steps // 2] = 0  # padding in front of the last review
    logits, _ = model_forward(hidden_params, tokens)
    for row in range(n):  # each review alone, without its padding, through lesson 04's layers
        words = tokens[row][tokens[row] != 0]
        x = hidden_params["embeddings"][words][None]
        h_all, _ = gru_forward(x, np.zeros((1, units)), hidden_params["kernel"], hidden_params["recurrent_kernel"], hidden_params["bias"])
        want = h_all[0, -1] @ hidden_params["dense_kernel"] + hidden_params["dense_bias"]
        checks.assert_close(logits[row], want, f"the logits of review {row} of {n} (T={steps}, V={vocab_size}, E={embedding_dim}, H={units}, C={classes})")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The backward pass
#
# Walk the chain backwards, each layer's backward taking the gradient of its output:
#
# 1. `dlogits` $\to$ `dense_backward` $\to$ $dh_T$, $dW_d$, $db_d$.
# 2. Only the last state was read, so the gradient of all the states, `dh_all` of shape $(N, T, H)$, is
#    zero except `dh_all[:, -1]` $= dh_T$. `gru_backward` carries it back through time (and through the
#    padding, where it passes the state on unchanged) and returns $dx$ and the GRU's gradients. The
#    initial state is a constant zero, so its gradient is not needed.
# 3. `embedding_backward` turns $dx$ into the gradient of the embedding table.

# %% nbgrader={"grade": false, "grade_id": "model_backward", "locked": false, "schema_version": 3, "solution": true}
def model_backward(dlogits, cache):
    """Gradients of the loss with respect to every parameter of the model.

    Args:
        dlogits: float array of shape (N, C), d loss / d logits.
        cache: the cache returned by model_forward.
    Returns:
        grads: dict with the keys of params ("embeddings", "kernel", "recurrent_kernel", "bias",
            "dense_kernel", "dense_bias"), each an array of that parameter's shape.
    """
    ### BEGIN SOLUTION
    embedding_cache, gru_cache, dense_cache, states_shape = cache
    dh_last, ddense_kernel, ddense_bias = dense_backward(dlogits, dense_cache)
    dh_all = np.zeros(states_shape, dtype=dh_last.dtype)
    dh_all[:, -1] = dh_last  # the dense layer read the last state only
    dx, _, dkernel, drecurrent_kernel, dbias = gru_backward(dh_all, gru_cache)
    return {"embeddings": embedding_backward(dx, embedding_cache), "kernel": dkernel,
            "recurrent_kernel": drecurrent_kernel, "bias": dbias,
            "dense_kernel": ddense_kernel, "dense_bias": ddense_bias}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_model_backward", "locked": true, "points": 4, "schema_version": 3, "solution": false}
case = REFERENCE["model"]
params = {name: case.inputs[name] for name in PARAMETER_NAMES}
tokens, labels = case.inputs["tokens"], case.inputs["labels"]
logits, cache = model_forward(params, tokens)
grads = model_backward(softmax_cross_entropy(logits, labels)[1], cache)
checks.assert_true(isinstance(grads, dict) and sorted(grads) == sorted(PARAMETER_NAMES),
                   f"model_backward must return a dict with the keys {PARAMETER_NAMES}")
# The least mixed gradients first: the dense layer's, then the GRU's gate by gate, then the embeddings',
# into which every other gradient flows.
LEAST_MIXED_FIRST = ("dense_bias", "dense_kernel", "bias", "recurrent_kernel", "kernel", "embeddings")
GRU_PARAMETERS = ("bias", "recurrent_kernel", "kernel")
units = params["recurrent_kernel"].shape[0]
for name in LEAST_MIXED_FIRST:
    got = checks.assert_shape(grads[name], params[name].shape, f'grads["{name}"]')
    bugs = {} if name.startswith("dense") else {
        "dh_last is placed at every step of dh_all; only the last state was read, so only dh_all[:, -1] gets it":
            case.outputs[f"d{name}_every_step"],
        "dh_last is placed at the first step, dh_all[:, 0]; the dense layer read the last state, dh_all[:, -1]":
            case.outputs[f"d{name}_first_step"]}
    blocks = [(f"{gate}-block", slice(i * units, (i + 1) * units)) for i, gate in enumerate(GATE_BLOCKS)] \
        if name in GRU_PARAMETERS else []
    for block, columns in blocks + [(None, slice(None))]:
        checks.assert_close(got[..., columns], case.outputs[f"d{name}"][..., columns],
                            f'grads["{name}"]' + (f"[..., {block}]" if block else ""),
                            common_bugs={bug: value[..., columns] for bug, value in bugs.items()})


def model_loss(**params):
    return softmax_cross_entropy(model_forward(params, tokens)[0], labels)[0]


check_gradients(model_loss, {name: params[name] for name in LEAST_MIXED_FIRST},
                [grads[name] for name in LEAST_MIXED_FIRST], "of the whole model", gated=GRU_PARAMETERS)
print("model_backward: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(71)
for n, steps, vocab_size, embedding_dim, units, classes in ((1, 3, 4, 2, 2, 2), (3, 4, 6, 2, 3, 3)):
    params = {"embeddings": rng.normal(size=(vocab_size, embedding_dim)),
              "kernel": rng.normal(scale=0.7, size=(embedding_dim, 3 * units)),
              "recurrent_kernel": rng.normal(scale=0.7, size=(units, 3 * units)),
              "bias": rng.normal(scale=0.5, size=(2, 3 * units)),
              "dense_kernel": rng.normal(scale=1.5, size=(units, classes)),
              "dense_bias": rng.normal(scale=0.5, size=classes)}
    tokens = rng.integers(1, vocab_size, size=(n, steps))
    tokens[0, 0] = tokens[0, -1]  # one word twice in a review
    tokens[-1, :1] = 0  # and padding in front of the last one
    labels = rng.integers(0, classes, size=n)
    logits, cache = model_forward(params, tokens)
    grads = model_backward(softmax_cross_entropy(logits, labels)[1], cache)
    check_gradients(model_loss, {name: params[name] for name in LEAST_MIXED_FIRST}, [grads[name] for name in LEAST_MIXED_FIRST],
                    f"of the model, N={n}, T={steps}, V={vocab_size}, E={embedding_dim}, H={units}, C={classes}",
                    gated=GRU_PARAMETERS)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Adam
#
# Plain gradient descent uses one learning rate for every parameter. But an embedding row of a rare
# word gets a gradient in one batch out of hundreds, while the dense layer gets one every time; a step
# size right for one is wrong for the other. **Adam** (Kingma and Ba, 2015) gives every parameter its
# own step size, from running averages of its gradient $g$ and of $g^2$. At step $t = 1, 2, \dots$,
# for every parameter array $\theta$ (elementwise):
#
# $$\begin{aligned}
# m &\leftarrow \beta_1 m + (1 - \beta_1)\, g, & \hat m &= m / (1 - \beta_1^t), \\
# v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2, & \hat v &= v / (1 - \beta_2^t), \\
# \theta &\leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon), &&
# \end{aligned}$$
#
# with $m = v = 0$ at the start, $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$ and learning
# rate $\eta$. The step is about $\eta$ times "the average gradient in units of its typical size": a
# parameter whose gradient is small but consistent moves as fast as one whose gradient is large.
#
# **Why the bias correction.** $m$ and $v$ start at zero, so early on they are too small. Unrolled,
# $m_t = (1 - \beta_1) \sum_{k=1}^{t} \beta_1^{t-k} g_k$; if the gradients have a constant mean $\bar g$,
# $\mathbb{E}[m_t] = (1 - \beta_1) \bar g \sum_{k=1}^{t} \beta_1^{t-k} = (1 - \beta_1^t)\, \bar g$,
# a geometric sum. Dividing by $1 - \beta_1^t$ removes the bias; the same holds for $v$ with $\beta_2$.
# Without it, the first step would be $\eta \cdot 0.1 g / \sqrt{0.001 g^2} \approx 3.2\,\eta$ in
# every coordinate instead of $\eta$: the $v$ average starts much further from its target than $m$.
# With it, the first step is exactly $\eta\, g / (|g| + \epsilon)$, about $\eta$ times the sign of $g$.
#
# $\epsilon$ goes *outside* the square root: it only keeps the division finite when $\hat v$ is 0.
# (Keras' `Adam` computes the same update in a rearranged form, with $\epsilon = 10^{-7}$ by default.)

# %% nbgrader={"grade": false, "grade_id": "adam_step", "locked": false, "schema_version": 3, "solution": true}
def adam_state(params):
    """A fresh Adam state for params: step count 0 and zero averages of every parameter's shape."""
    return {"t": 0, "m": {name: np.zeros_like(value) for name, value in params.items()},
            "v": {name: np.zeros_like(value) for name, value in params.items()}}


def adam_step(params, grads, state, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam update of every parameter, in place.

    Args:
        params: dict {name: float array}; every array is updated in place (params[name] -= ...).
        grads: dict with the same keys, the gradients of this step.
        state: dict from adam_state(params): "t", the number of steps taken so far, and "m" and "v",
            dicts of the running averages of the gradients and of their squares. Updated in place.
        learning_rate, beta1, beta2, epsilon: Adam's eta, beta_1, beta_2 and epsilon.
    Returns:
        None.
    """
    ### BEGIN SOLUTION
    state["t"] += 1
    t = state["t"]
    for name, grad in grads.items():
        m = state["m"][name] = beta1 * state["m"][name] + (1.0 - beta1) * grad
        v = state["v"][name] = beta2 * state["v"][name] + (1.0 - beta2) * grad ** 2
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - beta2 ** t)
        params[name] -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_adam_step", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["adam"]
params = {"w": case.inputs["w"].copy(), "b": case.inputs["b"].copy()}
w_object = params["w"]
optimizer = adam_state(params)
first_gradient = case.inputs["dw"][0]  # what the first step gives without the bias correction, or with epsilon misplaced
first_step_bugs = {"no bias correction: divide m by 1 - beta1**t and v by 1 - beta2**t":
                   case.inputs["w"] - 0.1 * (0.1 * first_gradient) / (np.sqrt(0.001 * first_gradient ** 2) + 1e-8),
                   "epsilon is inside the square root; it goes outside: np.sqrt(v_hat) + epsilon":
                   case.inputs["w"] - 0.1 * first_gradient / np.sqrt(first_gradient ** 2 + 1e-8)}
for step in range(3):
    grads = {"w": case.inputs["dw"][step], "b": case.inputs["db"][step]}
    adam_step(params, grads, optimizer, learning_rate=0.1)
    checks.assert_true(optimizer["t"] == step + 1, f'the step count state["t"] after {step + 1} steps should be {step + 1}, it is {optimizer["t"]}')
    checks.assert_close(params["w"], case.outputs["w"][step], f'params["w"] after {step + 1} Adam steps',
                        common_bugs=first_step_bugs if step == 0 else None)
    checks.assert_close(params["b"], case.outputs["b"][step], f'params["b"] after {step + 1} Adam steps')
checks.assert_true(params["w"] is w_object, "adam_step must update the arrays of params in place, not replace them")
print("adam_step: all visible tests passed")
### BEGIN HIDDEN TESTS
# Tiny gradients: epsilon belongs outside the square root, where it barely matters.
params = {"w": np.zeros(3)}
optimizer = adam_state(params)
adam_step(params, {"w": np.array([1e-9, -1e-9, 1e-6])}, optimizer, learning_rate=0.01)
checks.assert_close(params["w"], -0.01 * np.array([1e-9, -1e-9, 1e-6]) / (np.array([1e-9, 1e-9, 1e-6]) + 1e-8),
                    "the first step with tiny gradients")
# Ten steps with other hyperparameters, against an inline reference.
rng = np.random.default_rng(63)
params = {"a": rng.normal(size=(2, 3)), "c": rng.normal(size=4)}
reference = {name: value.copy() for name, value in params.items()}
m = {name: np.zeros_like(value) for name, value in params.items()}
v = {name: np.zeros_like(value) for name, value in params.items()}
optimizer = adam_state(params)
for t in range(1, 11):
    grads = {name: rng.normal(size=value.shape) for name, value in params.items()}
    adam_step(params, grads, optimizer, learning_rate=0.05, beta1=0.8, beta2=0.99, epsilon=1e-6)
    for name in params:
        m[name] = 0.8 * m[name] + 0.2 * grads[name]
        v[name] = 0.99 * v[name] + 0.01 * grads[name] ** 2
        reference[name] -= 0.05 * (m[name] / (1 - 0.8 ** t)) / (np.sqrt(v[name] / (1 - 0.99 ** t)) + 1e-6)
        checks.assert_close(params[name], reference[name], f'params["{name}"] after {t} steps with beta1=0.8, beta2=0.99')
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The training loop
#
# First a helper you will call after every epoch: the **accuracy** of the model, the share of reviews
# whose larger logit is the true class. Compute it in batches: 25,000 reviews of 200 steps at once
# would hold all their GRU states and caches in memory together.

# %% nbgrader={"grade": false, "grade_id": "accuracy", "locked": false, "schema_version": 3, "solution": true}
def accuracy(params, tokens, labels, batch_size=256):
    """Share of reviews classified correctly, computed batch by batch.

    Args:
        params: dict of parameters.
        tokens: int array of shape (N, T), padded reviews.
        labels: int array of shape (N,), the true classes.
        batch_size: int, how many reviews to run through model_forward at a time.
    Returns:
        float in [0, 1]: the share of the N reviews whose largest logit is at the true class.
    """
    ### BEGIN SOLUTION
    correct = 0
    for start in range(0, len(labels), batch_size):
        logits, _ = model_forward(params, tokens[start:start + batch_size])
        correct += int(np.sum(np.argmax(logits, axis=1) == labels[start:start + batch_size]))
    return correct / len(labels)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_accuracy", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["model"]
params = {name: case.inputs[name] for name in PARAMETER_NAMES}
tokens = case.inputs["tokens"]
predicted = np.argmax(case.outputs["logits"], axis=1)
labels = predicted.copy()
labels[0] = 1 - labels[0]  # one of the reviews wrong
correct = (predicted == labels).astype(float)
for batch_size in (256, 2, 1):
    mean_of_batches = np.mean([correct[begin:begin + batch_size].mean() for begin in range(0, len(labels), batch_size)])
    checks.assert_close(accuracy(params, tokens, labels, batch_size), (len(labels) - 1) / len(labels),
                        f"accuracy with one review of {len(labels)} misclassified, batch_size={batch_size}", common_bugs={
                            "the mean of the batches' accuracies, where a smaller last batch weighs more; "
                            "count the correct reviews and divide by N": mean_of_batches})
print("accuracy: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(64)
params = init_params(20, 3, 4, 2, seed=5, dtype=np.float64)
params["dense_kernel"] = rng.normal(size=(4, 2))
params["bias"] = rng.normal(size=(2, 12))
tokens = rng.integers(0, 20, size=(11, 6))
predicted = np.argmax(model_forward(params, tokens)[0], axis=1)
labels = np.where(np.arange(11) < 4, 1 - predicted, predicted)  # the first 4 wrong
for batch_size in (3, 10, 11, 50):
    checks.assert_close(accuracy(params, tokens, labels, batch_size), 7 / 11, f"accuracy of 11 reviews with batch_size={batch_size}")
### END HIDDEN TESTS

# %% [markdown]
# Now the loop itself. For each epoch: draw a new random order of the training reviews (one
# permutation, used for the tokens and the labels alike), and step through it `batch_size` reviews at
# a time, the last batch possibly smaller. For each batch: forward, loss and its gradient, backward,
# clip the gradients to a global norm of `clip_norm` (unless it is None), and one Adam step. The Adam
# state is created once, before the first epoch: its averages and step count carry on across epochs.
# After each epoch record the mean of that epoch's batch losses and the validation accuracy.
#
# The test watches your loop batch by batch: it wraps `model_forward`, `softmax_cross_entropy`,
# `model_backward` and `adam_step`, so call those (not copies of them) and it can tell you which batch of
# which epoch holds the wrong reviews or labels, which step got unclipped gradients, and which record of
# the history is off. Then it checks that the loop learns a toy task.

# %% nbgrader={"grade": false, "grade_id": "train_model", "locked": false, "schema_version": 3, "solution": true}
def train_model(params, tokens, labels, tokens_val, labels_val, epochs=3, batch_size=64, learning_rate=1e-3,
                clip_norm=5.0, seed=0):
    """Train the model with Adam on mini-batches; params are updated in place.

    Args:
        params: dict of parameters (from init_params), trained in place.
        tokens: int array of shape (N, T), the training reviews; labels: int array of shape (N,).
        tokens_val: int array of shape (M, T), the validation reviews; labels_val: int array of shape (M,).
        epochs, batch_size: ints.
        learning_rate: Adam's eta (the other Adam settings are adam_step's defaults).
        clip_norm: float, the largest global norm of the gradients of a batch, or None for no clipping.
        seed: int, seeds np.random.default_rng, which draws the order of the reviews in every epoch.
    Returns:
        history: dict with lists of length `epochs`: "train_loss" (mean batch loss of each epoch) and
            "val_accuracy" (accuracy on the validation reviews after each epoch).
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    state = adam_state(params)
    history = {"train_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(len(labels))
        batch_losses = []
        for start in range(0, len(labels), batch_size):
            batch = order[start:start + batch_size]
            logits, cache = model_forward(params, tokens[batch])
            loss, dlogits = softmax_cross_entropy(logits, labels[batch])
            grads = model_backward(dlogits, cache)
            if clip_norm is not None:
                clipped, _ = clip_by_global_norm(list(grads.values()), clip_norm)
                grads = dict(zip(grads, clipped))
            adam_step(params, grads, state, learning_rate)
            batch_losses.append(loss)
        history["train_loss"].append(float(np.mean(batch_losses)))
        history["val_accuracy"].append(accuracy(params, tokens_val, labels_val))
    return history
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_model", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# A toy task a GRU learns in seconds: is word 2 ("good") anywhere in the sequence? Words 3 to 7 are
# fillers; the sequences have 2 to 8 words, padded in front.
rng = np.random.default_rng(65)


def toy_reviews(count):
    tokens = np.zeros((count, 8), dtype=np.int64)
    labels = rng.integers(0, 2, size=count)
    for row, label in enumerate(labels):
        words = rng.integers(3, 8, size=rng.integers(2, 9))
        if label:
            words[rng.integers(len(words))] = 2
        tokens[row, 8 - len(words):] = words
    return tokens, labels


toy_tokens, toy_labels = toy_reviews(300)


def record_training(*arguments, **settings):
    """Run train_model(*arguments, **settings) with model_forward, softmax_cross_entropy, model_backward
    and adam_step wrapped, so that the test sees each batch: its tokens and labels, its loss, the
    gradients of model_backward, those handed to adam_step, the Adam state and the parameters after."""
    originals = {name: globals()[name] for name in ("model_forward", "softmax_cross_entropy", "model_backward", "adam_step")}
    log = {"logits": {}, "batches": [], "backward": [], "adam": []}

    def forward(params, tokens):
        logits, cache = originals["model_forward"](params, tokens)
        log["logits"][np.asarray(logits).tobytes()] = np.array(tokens)  # which reviews gave these logits
        return logits, cache

    def loss(logits, labels):
        value, dlogits = originals["softmax_cross_entropy"](logits, labels)
        log["batches"].append((log["logits"].get(np.asarray(logits).tobytes()), np.array(labels), value))
        return value, dlogits

    def backward(dlogits, cache):
        grads = originals["model_backward"](dlogits, cache)
        log["backward"].append({name: np.array(value) for name, value in grads.items()})
        return grads

    def step(params, grads, state, *args, **kwargs):
        given = {name: np.array(value) for name, value in grads.items()}
        originals["adam_step"](params, grads, state, *args, **kwargs)
        log["adam"].append((given, state.get("t"), {name: value.copy() for name, value in params.items()}))

    with checks.replaced(globals(), model_forward=forward, softmax_cross_entropy=loss, model_backward=backward,
                         adam_step=step):
        history = train_model(*arguments, **settings)
    return history, log


def check_training(tokens, labels, tokens_val, labels_val, epochs, batch_size, clip_norm, start):
    """Train from `start` with record_training and check the bookkeeping of every batch and epoch."""
    params = {name: value.copy() for name, value in start.items()}
    history, log = record_training(params, tokens, labels, tokens_val, labels_val, epochs=epochs,
                                   batch_size=batch_size, learning_rate=0.01, clip_norm=clip_norm, seed=4)
    n = len(labels)
    setting = f"N={n} reviews, batch_size={batch_size}, {epochs} epochs, clip_norm={clip_norm}"
    sizes = [min(batch_size, n - begin) for begin in range(0, n, batch_size)]
    batches = log["batches"]
    checks.assert_true(len(batches) == epochs * len(sizes),
                       f"train_model computed the loss of {len(batches)} batches ({setting}); expected "
                       f"{len(sizes)} per epoch, of {sizes} reviews: step through all reviews, the last batch smaller")
    row_of = {row.tobytes(): index for index, row in enumerate(tokens)}  # the test's reviews are all different
    orders = []
    for number, (batch_tokens, batch_labels, _) in enumerate(batches):
        epoch, place = divmod(number, len(sizes))
        where = f"batch {place + 1} of epoch {epoch + 1} ({setting})"
        checks.assert_true(batch_tokens is not None and len(batch_tokens) == sizes[place],
                           f"{where}: the loss should be computed on the logits model_forward gave for "
                           f"{sizes[place]} reviews, it got {'other logits' if batch_tokens is None else len(batch_tokens)}")
        rows = [row_of.get(np.asarray(row, dtype=tokens.dtype).tobytes(), -1) for row in batch_tokens]
        checks.assert_true(-1 not in rows, f"{where} holds a review that is not in the training data")
        checks.assert_true(bool(np.array_equal(batch_labels, labels[rows])),
                           f"{where}: the labels are not those of the batch's reviews. Index tokens and labels with "
                           "the same rows of one permutation")
        orders.extend(rows)
    orders = np.array(orders).reshape(epochs, n)
    for epoch, order in enumerate(orders):
        missing = sorted(set(range(n)) - set(order.tolist()))
        checks.assert_true(not missing, f"epoch {epoch + 1} ({setting}) never visits reviews {missing[:5]} and visits "
                                        "others twice: each epoch steps through one permutation of all the reviews")
    checks.assert_true(not np.array_equal(orders[0], np.arange(n)),
                       f"epoch 1 ({setting}) visits the reviews in their stored order: shuffle them")
    checks.assert_true(epochs == 1 or not np.array_equal(orders[0], orders[1]),
                       f"epochs 1 and 2 ({setting}) visit the reviews in the same order: draw a new permutation every "
                       "epoch from one generator made before the loop")
    # The gradients: those of model_backward, clipped together by their global norm, go to adam_step.
    checks.assert_true(len(log["adam"]) == len(batches) and len(log["backward"]) == len(batches),
                       f"train_model made {len(log['backward'])} backward passes and {len(log['adam'])} Adam steps for "
                       f"{len(batches)} batches ({setting}): one of each per batch")
    for number, (backward, (given, step_count, _)) in enumerate(zip(log["backward"], log["adam"])):
        where = f"the gradients given to adam_step at step {number + 1} ({setting})"
        checks.assert_true(step_count == number + 1, f'{where}: after it the Adam step count state["t"] is {step_count}, '
                                                     f"it should be {number + 1}: was a new Adam state made during training? "
                                                     "Make it once, before the first epoch: its averages and step count carry on")
        names = list(backward)
        want = backward if clip_norm is None else dict(zip(names, clip_by_global_norm([backward[k] for k in names], clip_norm)[0]))
        on_its_own = {k: clip_by_global_norm([value], clip_norm)[0][0] for k, value in backward.items()} if clip_norm else {}
        for name in names:
            checks.assert_close(given.get(name), want[name], f'{where}, ["{name}"]', common_bugs={
                "they are not clipped: clip_by_global_norm(list(grads.values()), clip_norm) before adam_step": backward[name],
                "each is clipped on its own; clip them together, by their global norm": on_its_own.get(name, backward[name]),
            } if clip_norm is not None else None)
    # What each epoch records: the mean of its batch losses, and the validation accuracy after it.
    losses = np.array([loss for _, _, loss in batches]).reshape(epochs, len(sizes))
    checks.assert_shape(np.array(history["train_loss"], dtype=float), (epochs,), f'history["train_loss"] ({setting})')
    checks.assert_close(np.array(history["train_loss"]), losses.mean(axis=1), f'history["train_loss"] ({setting})', common_bugs={
        "the last batch's loss of each epoch; record the mean of all its batch losses": losses[:, -1],
        "the sum of each epoch's batch losses; record their mean": losses.sum(axis=1),
        "each epoch's first batch loss; record the mean of all its batch losses": losses[:, 0]})
    after_epoch = [log["adam"][(epoch + 1) * len(sizes) - 1][2] for epoch in range(epochs)]
    on_training = [accuracy(weights, tokens, labels) for weights in after_epoch]
    before_epoch = [accuracy(start, tokens_val, labels_val)] + [accuracy(weights, tokens_val, labels_val) for weights in after_epoch[:-1]]
    checks.assert_close(np.array(history["val_accuracy"], dtype=float),
                        [accuracy(weights, tokens_val, labels_val) for weights in after_epoch],
                        f'history["val_accuracy"] ({setting})', common_bugs={
                            "the accuracy on the training reviews; measure it on tokens_val, labels_val": on_training,
                            "the validation accuracy before each epoch; measure it after the epoch's last step": before_epoch})


# The bookkeeping first, on 30 different reviews in batches of 8 with a clip norm small enough to act;
# the validation reviews are the training ones with the labels flipped, so that their accuracy differs.
_, first_rows = np.unique(toy_tokens, axis=0, return_index=True)
check_tokens, check_labels = toy_tokens[np.sort(first_rows)[:30]], toy_labels[np.sort(first_rows)[:30]]
check_training(check_tokens, check_labels, check_tokens, 1 - check_labels, epochs=2, batch_size=8, clip_norm=0.05,
               start=init_params(8, 4, 6, seed=3, dtype=np.float64))
# Then the learning: 8 epochs on 240 reviews.
toy_params = init_params(8, 4, 6, seed=1, dtype=np.float64)
history = train_model(toy_params, toy_tokens[:240], toy_labels[:240], toy_tokens[240:], toy_labels[240:],
                      epochs=8, batch_size=16, learning_rate=0.03)
checks.assert_shape(np.array(history["train_loss"]), (8,), 'history["train_loss"]')
checks.assert_shape(np.array(history["val_accuracy"]), (8,), 'history["val_accuracy"]')
checks.assert_true(history["train_loss"][-1] < 0.5 * history["train_loss"][0],
                   f"the training loss should fall a lot on this easy task, but went {history['train_loss'][0]:.3f} -> "
                   f"{history['train_loss'][-1]:.3f}. Do you step against the gradient, and keep tokens and labels together?")
checks.assert_true(history["val_accuracy"][-1] >= 0.9,
                   f"validation accuracy on the toy task should reach 0.9, it is {history['val_accuracy'][-1]:.3f}")
print("train_model: all visible tests passed")
### BEGIN HIDDEN TESTS
def copy_params(params):
    return {name: value.copy() for name, value in params.items()}


start = init_params(8, 3, 4, seed=2, dtype=np.float64)
check_training(check_tokens[:24], check_labels[:24], check_tokens[24:], check_labels[24:], epochs=3, batch_size=6,
               clip_norm=None, start=start)
check_training(check_tokens[:7], check_labels[:7], check_tokens, check_labels, epochs=2, batch_size=10, clip_norm=1e-3,
               start=start)
small_tokens, small_labels = toy_tokens[:20], toy_labels[:20]
# The same seed gives the same run.
first, second = copy_params(start), copy_params(start)
train_model(first, toy_tokens[:60], toy_labels[:60], small_tokens, small_labels, epochs=2, batch_size=16, learning_rate=0.01, seed=7)
train_model(second, toy_tokens[:60], toy_labels[:60], small_tokens, small_labels, epochs=2, batch_size=16, learning_rate=0.01, seed=7)
checks.assert_close(first["kernel"], second["kernel"], "the kernel after two runs with the same seed")
# Two epochs of one batch holding every review are two Adam steps with one state; with a clip norm of
# 1, the gradients are clipped first.
trained = copy_params(start)
history = train_model(trained, small_tokens, small_labels, small_tokens, small_labels, epochs=2, batch_size=20,
                      learning_rate=0.01, clip_norm=1.0)
manual, state = copy_params(start), adam_state(start)
losses = []
for _ in range(2):
    logits, cache = model_forward(manual, small_tokens)
    loss, dlogits = softmax_cross_entropy(logits, small_labels)
    grads = model_backward(dlogits, cache)
    clipped, _ = clip_by_global_norm(list(grads.values()), 1.0)
    adam_step(manual, dict(zip(grads, clipped)), state, learning_rate=0.01)
    losses.append(loss)
for name in PARAMETER_NAMES:
    checks.assert_close(trained[name], manual[name], f'params["{name}"] after two epochs of one full batch (clip_norm=1)')
checks.assert_close(np.array(history["train_loss"]), losses, "the losses of two epochs of one full batch")
# A clip norm far below the gradient's norm leaves the parameters almost where they were: after
# clipping, every gradient entry is tiny next to Adam's epsilon.
barely = copy_params(start)
train_model(barely, small_tokens, small_labels, small_tokens, small_labels, epochs=1, batch_size=20,
            learning_rate=0.01, clip_norm=1e-12)
checks.assert_true(float(np.max(np.abs(barely["dense_kernel"] - start["dense_kernel"]))) < 1e-5,
                   "with clip_norm=1e-12 the parameters should barely move: are the gradients clipped before Adam?")
# A batch size that does not divide N: the last, smaller batch counts. The five reviews are the same, so
# the order does not matter: every batch has the same gradient at the same parameters.
same_tokens, same_labels = np.tile(small_tokens[:1], (5, 1)), np.repeat(small_labels[:1], 5)
trained = copy_params(start)
history = train_model(trained, same_tokens, same_labels, small_tokens, small_labels, epochs=1, batch_size=4,
                      learning_rate=0.01, clip_norm=None)
checks.assert_true(len(history["train_loss"]) == 1, "one epoch should record one loss")
manual, state = copy_params(start), adam_state(start)
for batch_size in (4, 1):
    logits, cache = model_forward(manual, same_tokens[:batch_size])
    adam_step(manual, model_backward(softmax_cross_entropy(logits, same_labels[:batch_size])[1], cache), state, learning_rate=0.01)
checks.assert_close(trained["kernel"], manual["kernel"], "the kernel after an epoch of batches of 4 and 1 reviews")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Training on IMDB reviews
#
# The data: IMDB reviews as word indices, with a vocabulary of the most frequent words of the
# training reviews, each review cut or padded in front to a fixed length (the end of a review, which
# often holds the verdict, is kept). A tenth of the training reviews is held out for validation; the
# test reviews are used once, at the end.

# %%
num_words, maxlen = (5000, 100) if FAST else (10000, 200)
(x_all, y_all), (x_test, y_test), vocab = emolib.data.load_imdb_sequences(
    num_words=num_words, maxlen=maxlen, limit=2000 if FAST else None)
validation_size = len(y_all) // 10
x_val, y_val = x_all[:validation_size], y_all[:validation_size]
x_train, y_train = x_all[validation_size:], y_all[validation_size:]
print(f"{len(y_train)} training, {len(y_val)} validation and {len(y_test)} test reviews of {maxlen} steps; "
      f"vocabulary of {len(vocab)} words; {np.mean(x_train != 0):.0%} of the training steps are words, the rest padding")

# %% [markdown]
# Train: an embedding of 32 numbers per word, a GRU of 32 units, Adam with a learning rate of 0.003,
# batches of 64, gradients clipped to a global norm of 5. Before training, the loss should be close to
# $\log 2 \approx 0.693$: with two classes and small random weights, the model says 50/50.

# %%
settings = {"epochs": 2 if FAST else 3, "batch_size": 64, "learning_rate": 3e-3, "clip_norm": 5.0}
params = init_params(len(vocab), 32, 32, seed=0)
initial_loss = softmax_cross_entropy(model_forward(params, x_train[:256])[0], y_train[:256])[0]
print(f"loss before training: {initial_loss:.4f} (log 2 = {np.log(2):.4f})")
initial_params = {name: value.copy() for name, value in params.items()}  # for the Keras comparison below
start = time.perf_counter()
history = train_model(params, x_train, y_train, x_val, y_val, **settings)
seconds_per_epoch = (time.perf_counter() - start) / settings["epochs"]
print(f"{seconds_per_epoch:.1f} s per epoch (with the validation); history: "
      + ", ".join(f"loss {loss:.3f} / val {acc:.3f}" for loss, acc in zip(history["train_loss"], history["val_accuracy"])))
plots.learning_curves(history, title="A GRU sentiment model trained from scratch")
plt.show()

# %%
test_accuracy = accuracy(params, x_test, y_test)
print(f"test accuracy: {test_accuracy:.4f} on {len(y_test)} reviews")

# %% [markdown]
# What the course measured (full mode: `python -m autograder execute 05_sentiment_from_scratch --full`,
# part of `make bench`, on a 2-core CPU): the loss starts at 0.694, next to $\log 2$, and the three
# epochs end at training losses 0.42, 0.23 and 0.13 with validation accuracies 0.883, 0.892 and 0.878;
# the **test accuracy is 0.868** on all 25,000 test reviews, at 19 seconds per epoch. In fast mode (1,800
# training reviews cut to 100 words, two epochs) it is 0.729, where lesson 01's bag of words reaches
# 0.832 on the same reviews: a recurrent network needs more data before it pays off.
#
# Two things to notice. The validation accuracy peaks after the second epoch and drops after the third,
# while the training loss keeps falling: the model has begun to memorize its training reviews
# (overfitting), and stopping after two epochs would have been better. And lesson 01's bag-of-words
# softmax regression reached 0.885 on the same test reviews: on IMDB, where most reviews announce their
# verdict with a few strong words, a small GRU trained for three epochs does not beat word counts.
#
# What does the trained model do while it reads? Your GRU's cache holds every update gate; the plot
# shows them along one test review, with the probability of "positive" the model would give if the
# review ended at each word. In the full run it is test review 157, which lesson 04 showed with a model
# Keras trained; yours, too, drops to about a third at "not" and stays below 0.15 from "sucks" on.

# %%
words = np.array(sorted(vocab, key=vocab.get))
lengths = np.sum(x_test != 0, axis=1)
review_index = int(np.flatnonzero((lengths >= 25) & (lengths <= 45))[0])
review = x_test[review_index:review_index + 1]
tokens = review[review != 0]
x = params["embeddings"][tokens][None]
h_all, (step_caches, _) = gru_forward(x, np.zeros((1, 32), dtype=x.dtype), params["kernel"], params["recurrent_kernel"], params["bias"])
probabilities = np.exp(h_all[0] @ params["dense_kernel"] + params["dense_bias"])
positive = probabilities[:, 1] / probabilities.sum(axis=1)
update_gate = np.stack([step["z"][0] for step in step_caches])
plots.values_along_text(words[tokens], {"update gate z, mean over units": update_gate.mean(axis=1),
                                        "P(positive) if the review ended here": positive},
                        update_gate.T, "unit", title=f"Your model reading test review {review_index} "
                        f"({'positive' if y_test[review_index] else 'negative'})")
plt.show()

# %% [markdown]
# ## 7. The same model in Keras
#
# Everything you built has a Keras counterpart: `keras.layers.Embedding(V, E, mask_zero=True)` (the
# lookup table, and the mask of the padding index 0 handed on to the next layer), `keras.layers.GRU(H)`
# (its defaults are yours: `reset_after=True`, `recurrent_activation="sigmoid"`, only the last state
# returned) and `keras.layers.Dense(C)` without an activation (logits; the loss applies the softmax).
# `model.set_weights(...)` takes the arrays in the order the layers hold them: embeddings; kernel,
# recurrent kernel, bias; dense kernel, dense bias, which is the order of the params dict.
#
# Write the function that builds this model and loads the weights. The layers take `dtype=dtype`, so
# that the test can build it in float64 and compare with your NumPy model exactly.

# %% nbgrader={"grade": false, "grade_id": "keras_model", "locked": false, "schema_version": 3, "solution": true}
def keras_model(params, dtype="float32"):
    """The sentiment model as a Keras model, with the weights of params.

    Args:
        params: dict of parameters (as made by init_params).
        dtype: the layers' dtype, "float32" (Keras' default) or "float64".
    Returns:
        a keras.Sequential that takes int tokens of shape (N, T) (any T) and returns logits (N, C).
    """
    ### BEGIN SOLUTION
    vocab_size, embedding_dim = params["embeddings"].shape
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, dtype=dtype),
        keras.layers.GRU(params["recurrent_kernel"].shape[0], reset_after=True, dtype=dtype),
        keras.layers.Dense(params["dense_bias"].shape[0], dtype=dtype),
    ])
    model.set_weights([params[name] for name in PARAMETER_NAMES])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_keras_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["model"]
params = {name: case.inputs[name] for name in PARAMETER_NAMES}
tokens, labels = case.inputs["tokens"], case.inputs["labels"]
model = keras_model(params, dtype="float64")
keras_logits = keras.ops.convert_to_numpy(model(tokens))
checks.assert_shape(keras_logits, case.outputs["logits"].shape, "the Keras model's logits")
checks.assert_close(keras_logits, case.outputs["logits"], "the Keras model's logits (float64)", common_bugs={
    "the Keras model does not mask the padding: mask_zero=True in the Embedding": case.outputs["logits_unmasked"],
})
keras_loss = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(labels, keras_logits))
checks.assert_close(keras_loss, case.outputs["loss"], "the Keras model's loss (float64)")
print(f"keras_model: NumPy loss {case.outputs['loss']:.12f}, Keras loss {keras_loss:.12f}")
print("keras_model: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(66)
params = init_params(9, 3, 5, 3, seed=3, dtype=np.float64)
params["bias"] = rng.normal(scale=0.5, size=(2, 15))
params["dense_bias"] = rng.normal(size=3)
tokens = rng.integers(1, 9, size=(4, 6))
tokens[1, :4] = 0
model = keras_model(params, dtype="float64")
checks.assert_close(keras.ops.convert_to_numpy(model(tokens)), model_forward(params, tokens)[0], "the Keras model's logits with 3 classes")
model32 = keras_model({name: value.astype(np.float32) for name, value in params.items()})
checks.assert_true(keras.ops.convert_to_numpy(model32(tokens)).dtype == np.float32, "with the default dtype the model computes in float32")
### END HIDDEN TESTS

# %% [markdown]
# Now the bridge. Start Keras from the same initial weights as your training run, and compare the
# loss of the first training batch: in float64 the two are the same number to the last digits; in
# Keras' float32 they differ only by rounding.

# %%
first_batch = np.random.default_rng(0).permutation(len(y_train))[:settings["batch_size"]]  # train_model's first
for dtype in ("float64", "float32"):
    loss_function = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype)
    same_weights = {name: value.astype(dtype) for name, value in initial_params.items()}
    numpy_loss = softmax_cross_entropy(model_forward(same_weights, x_train[first_batch])[0], y_train[first_batch])[0]
    keras_loss = float(loss_function(y_train[first_batch], keras_model(same_weights, dtype)(x_train[first_batch])))
    print(f"first batch in {dtype}: NumPy loss {numpy_loss:.10f}, Keras loss {keras_loss:.10f}, "
          f"difference {abs(keras_loss - numpy_loss):.1e}")

# %% [markdown]
# And Keras trains it the same way: its Adam (with `global_clipnorm`, the global-norm clipping you
# wrote in lesson 04), the same batches per epoch, the same number of epochs.

# %%
keras.utils.set_random_seed(0)  # Keras' order of the batches
model = keras_model(initial_params)
model.compile(optimizer=keras.optimizers.Adam(settings["learning_rate"], global_clipnorm=settings["clip_norm"]),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
start = time.perf_counter()
model.fit(x_train, y_train, batch_size=settings["batch_size"], epochs=settings["epochs"], validation_data=(x_val, y_val), verbose=0)
keras_seconds_per_epoch = (time.perf_counter() - start) / settings["epochs"]
_, keras_test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
print(f"Keras: test accuracy {keras_test_accuracy:.4f}, {keras_seconds_per_epoch:.1f} s per epoch; "
      f"your NumPy model: test accuracy {test_accuracy:.4f}, {seconds_per_epoch:.1f} s per epoch")

# %% [markdown]
# In the course's full run the first-batch losses were equal to $10^{-16}$ in float64 and identical
# in float32, and Keras trained its copy to a test accuracy of 0.871 at 33 seconds per epoch, against
# your model's 0.868 at 19 seconds per epoch. The two runs part ways after the first step: Keras draws
# its own order of the batches, and its Adam places $\epsilon$ a little differently. Neither is more
# right: they are the same model, trained by the same method.
#
# ## What you built
#
# - A complete recurrent sentiment model, forward and backward, out of the layers of lessons 01 and 04,
#   checked against numerical gradients on every parameter.
# - Adam, with the bias correction that makes its first steps the right size.
# - A training loop with shuffling, clipping and validation, which trains the model on real reviews.
# - The same model in Keras, with the same weights and the same loss.
#
# From lesson 06 on, Keras does the forward pass, the backward pass and the optimizer for you. You now
# know what each of them computes.
