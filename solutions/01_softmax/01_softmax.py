# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 01: softmax, cross-entropy and gradients by hand
#
# By the end of this lesson you will be able to
#
# - write the sigmoid and the binary cross-entropy loss so that they never overflow, and derive the
#   gradient of the loss with respect to the logit: $p - y$;
# - explain, with a plot, why mean squared error is a poor loss for classification, and find the bug
#   in a gradient formula that forgets the sigmoid's derivative;
# - write a numerically stable softmax and the categorical cross-entropy, forward and backward, for a
#   whole batch;
# - check any gradient against centered differences, with a checker you write yourself;
# - train a softmax-regression sentiment classifier on bag-of-words features of real IMDB movie
#   reviews with mini-batch gradient descent you write, and report its test accuracy honestly.
#
# **Prerequisites:** Python and NumPy (arrays, broadcasting, `axis=`), the chain rule of calculus.
#
# **Time:** about two hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when nbgrader
# grades it) the notebook uses 2,000 reviews instead of 50,000 and runs in well under a minute; the full
# run reads all 50,000 reviews and takes a minute or two.
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# A failing test says what is wrong; read its message before you change anything. The tests you see are
# not all the tests: the grader also tries shapes and values you do not see, so make your code general.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
import emolib.text
from emolib import checks, plots
from emolib.gradcheck import numerical_gradient as reference_numerical_gradient, rel_error

FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("01_softmax")

# %% [markdown]
# ## 1. The sigmoid: a probability from a score
#
# A binary classifier computes a score, the **logit** $z \in \mathbb{R}$, and turns it into the
# probability that the review is positive with the sigmoid
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}}.$$
#
# Its derivative is worth knowing by heart. With $\sigma = (1+e^{-z})^{-1}$,
#
# $$\sigma'(z) = \frac{e^{-z}}{(1+e^{-z})^2}
#   = \frac{1}{1+e^{-z}} \cdot \frac{e^{-z}}{1+e^{-z}} = \sigma(z)\,\bigl(1 - \sigma(z)\bigr).$$
#
# **Overflow.** For $z = -1000$, `np.exp(-z)` is $e^{1000}$, which does not fit in a float64: NumPy
# returns `inf` with a warning. The formula still gives 0 here, but the equivalent form
# $e^{z}/(1+e^{z})$ gives `inf / inf = nan` for $z = 1000$. The fix is to only ever exponentiate a
# non-positive number:
#
# $$\sigma(z) = \begin{cases} \dfrac{1}{1+e^{-z}} & z \ge 0 \\[2ex]
#   \dfrac{e^{z}}{1+e^{z}} & z < 0. \end{cases}$$
#
# Both branches are the same function; each is safe on its side.

# %% nbgrader={"grade": false, "grade_id": "sigmoid", "locked": false, "solution": true, "schema_version": 3}
def sigmoid(z):
    """Numerically stable logistic sigmoid, elementwise.

    Args:
        z: float array of any shape, the logits.
    Returns:
        array of z's shape with values in [0, 1]; never NaN, even for |z| = 1000.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # at most 1: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["sigmoid"]
checks.assert_close(sigmoid(case.inputs["z"]), case.outputs["out"], "sigmoid(z)",
                    common_bugs={"sigmoid(-z) instead of sigmoid(z)": 1 - case.outputs["out"]})
checks.assert_close(sigmoid(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0], "sigmoid([-1000, 0, 1000])")
print("sigmoid: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
for shape in [(1,), (3, 1, 2), (7,)]:
    z = rng.normal(scale=20.0, size=shape)
    checks.assert_close(sigmoid(z), 0.5 * (1 + np.tanh(z / 2)), f"sigmoid on shape {shape}")
z = np.array([[-745.0, -710.0, 709.0, 1e4]])
checks.assert_close(sigmoid(z), 0.5 * (1 + np.tanh(z / 2)), "sigmoid of extreme logits")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Binary cross-entropy and its gradient
#
# For one example with label $y \in \{0, 1\}$ and predicted probability $p = \sigma(z)$, the
# binary cross-entropy is the negative log-likelihood of the label:
#
# $$\ell(z, y) = -\bigl[\, y \log p + (1-y) \log(1-p) \,\bigr].$$
#
# **Gradient.** By the chain rule, $\frac{\partial \ell}{\partial z} = \frac{\partial \ell}{\partial p}
# \frac{\partial p}{\partial z}$ with
#
# $$\frac{\partial \ell}{\partial p} = -\frac{y}{p} + \frac{1-y}{1-p} = \frac{p - y}{p(1-p)},
# \qquad \frac{\partial p}{\partial z} = p(1-p),$$
#
# so the $p(1-p)$ cancels and
#
# $$\boxed{\frac{\partial \ell}{\partial z} = p - y.}$$
#
# The error signal is simply "predicted minus true". For a batch of $N$ examples the loss is the mean
# $L = \frac1N \sum_i \ell(z_i, y_i)$, so each $\partial L / \partial z_i = (p_i - y_i)/N$.
#
# **Stable form.** Computing $\log \sigma(z)$ after $\sigma$ loses everything once $\sigma(z)$ rounds
# to 0 or 1. Rewrite the loss directly in terms of $z$. Using $\log \sigma(z) = -\log(1+e^{-z})$ and
# $\log(1-\sigma(z)) = -z - \log(1+e^{-z})$,
#
# $$\ell(z, y) = (1-y)\,z + \log(1 + e^{-z}) = \max(z, 0) - z\,y + \log\bigl(1 + e^{-|z|}\bigr),$$
#
# where the last step checks the cases $z \ge 0$ and $z < 0$ separately. Use `np.log1p` for
# $\log(1 + \cdot)$.

# %% nbgrader={"grade": false, "grade_id": "sigmoid_bce_loss", "locked": false, "solution": true, "schema_version": 3}
def sigmoid_bce_loss(z, y):
    """Mean binary cross-entropy of sigmoid(z) against labels y, and its gradient.

    Args:
        z: float array of shape (N,), the logits.
        y: array of shape (N,) with values 0 or 1, the labels.
    Returns:
        loss: float, the mean of the N per-example losses, computed stably from z.
        dz: float array of shape (N,), d loss / d z.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = z.shape[0]
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    dz = (sigmoid(z) - y) / n
    return float(loss), dz
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_bce_loss", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["sigmoid_bce_loss"]
z, y = case.inputs["z"], case.inputs["y"]
loss, dz = sigmoid_bce_loss(z, y)
checks.assert_close(loss, case.outputs["loss"], "loss")
checks.assert_close(dz, case.outputs["dz"], "dz", common_bugs={
    "the gradient is not divided by N (the loss is a mean)": case.outputs["dz"] * len(z),
    "the sign is flipped: it is p - y, not y - p": -case.outputs["dz"],
})
numeric = reference_numerical_gradient(lambda z_: sigmoid_bce_loss(z_, y)[0], z.copy())
checks.assert_gradient(dz, numeric, "dz against a numerical gradient", averaged=True)
print("sigmoid_bce_loss: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
for n in (1, 9):
    z = rng.normal(scale=3.0, size=n)
    y = rng.integers(0, 2, size=n)
    loss, dz = sigmoid_bce_loss(z, y)
    p = 0.5 * (1 + np.tanh(z / 2))
    checks.assert_close(loss, np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))), f"loss for N={n}")
    checks.assert_close(dz, (p - y) / n, f"dz for N={n}")
loss, dz = sigmoid_bce_loss(np.array([800.0, -800.0]), np.array([0, 1]))
checks.assert_close(loss, 800.0, "loss of two confidently wrong logits (+-800)")
checks.assert_close(dz, [0.5, -0.5], "dz of two confidently wrong logits (+-800)")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Checking a gradient numerically
#
# A derivation can be wrong and still look right. The cure is to compare it with the definition of
# the derivative. For a scalar function $f$ of an array $x$, nudge one entry $x_i$ by $\pm h$:
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}.$$
#
# This **centered** difference has error $O(h^2)$: expand both terms in a Taylor series and the
# first- and second-order terms cancel. The one-sided difference $\frac{f(x+he_i) - f(x)}{h}$ has error
# $O(h)$, a thousand times larger at $h = 10^{-5}$. Too small an $h$ is not better either: $f(x+he_i)$
# and $f(x-he_i)$ then agree in almost all their digits and the subtraction cancels them, so use
# float64 and $h \approx 10^{-5}$.
#
# We compare an analytic gradient $a$ with a numerical one $b$ by the relative error
# $\max_i |a_i - b_i| / \max(10^{-8}, |a_i| + |b_i|)$ (`rel_error`, given). For a single layer in
# float64, below $10^{-7}$ means correct; around $10^{-2}$ or more means a bug.
#
# Write the checker. Change one entry of `x` at a time, **in place**, and put it back before you move on:
# the caller's array must be unchanged when you return. (From lesson 02 on you will use
# `emolib.gradcheck`, which does the same; here you may not call it.)

# %% nbgrader={"grade": false, "grade_id": "numerical_gradient", "locked": false, "solution": true, "schema_version": 3}
def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function by centered differences.

    Args:
        f: callable; f(x) returns a float. It reads x, so nudging x in place changes f(x).
        x: float64 array of any shape, the point where the gradient is taken. Each entry is changed by
           +h and -h in turn and restored, so x is unchanged on return.
        h: the step.
    Returns:
        grad: float64 array of x's shape, grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h).
    """
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_numerical_gradient", "locked": true, "points": 2, "schema_version": 3, "solution": false}
x = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])
x_before = x.copy()
grad = numerical_gradient(lambda x_: np.sum(x_ ** 3), x)
checks.assert_close(x, x_before, "x after numerical_gradient (it must be restored)")
checks.assert_close(grad, 3 * x ** 2, "your numerical gradient of sum(x**3) (the exact one is 3 x**2)", rtol=1e-7, atol=0.0)
print("numerical_gradient: all visible tests passed")
### BEGIN HIDDEN TESTS
# This exercise is to write the checker: the answer as handed in may not call the course's own.
checks.assert_does_not_use(numerical_gradient, {"gradcheck", "numerical_gradient_array", "reference_numerical_gradient"},
                           "lesson 01 asks you to write numerical_gradient yourself, not to call emolib.gradcheck")
rng = np.random.default_rng(3)
A = rng.normal(size=(4, 3))
v = rng.normal(size=(4,))
x = rng.normal(size=(3,))
grad = numerical_gradient(lambda x_: float(np.sum(np.sin(A @ x_) * v)), x)
checks.assert_gradient(A.T @ (np.cos(A @ x) * v), grad, "numerical gradient of sum(sin(A x) * v)")
x = np.array([1.7])
grad = numerical_gradient(lambda x_: float(np.exp(3 * x_[0])), x, h=1e-6)
checks.assert_gradient(3 * np.exp(3 * x), grad, "numerical gradient of exp(3x) with h=1e-6", tol=1e-8)
### END HIDDEN TESTS

# %% [markdown]
# Now use your checker on your own `sigmoid_bce_loss`: the two gradients should agree to about
# $10^{-10}$.

# %%
z = np.array([2.0, -1.0, 0.5, -3.0])
y = np.array([1, 0, 0, 1])
analytic = sigmoid_bce_loss(z, y)[1]
numeric = numerical_gradient(lambda z_: sigmoid_bce_loss(z_, y)[0], z)
print("relative error of dz:", rel_error(analytic, numeric))

# %% [markdown]
# ## 4. Mean squared error, and a gradient that forgot the chain rule
#
# Mean squared error over $n$ predictions $\hat y_i$ with targets $y_i$ is
#
# $$L = \frac1n \sum_{i=1}^n (\hat y_i - y_i)^2, \qquad \frac{\partial L}{\partial \hat y_i} = \frac{2}{n}(\hat y_i - y_i).$$

# %% nbgrader={"grade": false, "grade_id": "mse_loss", "locked": false, "solution": true, "schema_version": 3}
def mse_loss(pred, target):
    """Mean squared error and its gradient.

    Args:
        pred: float array of shape (n,), the predictions.
        target: float array of shape (n,), the targets.
    Returns:
        loss: float, mean of (pred - target)**2.
        dpred: float array of shape (n,), d loss / d pred.
    """
    ### BEGIN SOLUTION
    pred = np.asarray(pred, dtype=np.float64)
    diff = pred - np.asarray(target, dtype=np.float64)
    loss = np.mean(diff ** 2)
    dpred = 2.0 * diff / diff.size
    return float(loss), dpred
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mse_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
case = REFERENCE["mse_loss"]
loss, dpred = mse_loss(case.inputs["pred"], case.inputs["target"])
checks.assert_close(loss, case.outputs["loss"], "loss")
checks.assert_close(dpred, case.outputs["dpred"], "dpred", common_bugs={
    "the factor 2 from differentiating the square is missing": case.outputs["dpred"] / 2,
    "the gradient is not divided by n": case.outputs["dpred"] * len(dpred),
})
print("mse_loss: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
for n in (1, 11):
    pred, target = rng.normal(size=n), rng.normal(size=n)
    loss, dpred = mse_loss(pred, target)
    checks.assert_close(loss, np.mean((pred - target) ** 2), f"loss for n={n}")
    checks.assert_gradient(dpred, reference_numerical_gradient(lambda p: mse_loss(p, target)[0], pred.copy()), f"dpred for n={n}", averaged=True)
### END HIDDEN TESTS

# %% [markdown]
# ### A sigmoid neuron trained with MSE
#
# Take one sigmoid neuron: $\hat y_i = \sigma(z_i)$ with $z_i = w^\top x_i$, trained with the MSE
# above. A widely copied derivation of its gradient reads
#
# $$\frac{\partial L}{\partial w} \overset{?}{=} \frac1n \sum_{i=1}^n 2\,(\hat y_i - y_i)\, x_i.$$
#
# That is the gradient of a *linear* neuron. The chain rule has three links here,
# $L \to \hat y_i \to z_i \to w$, and the formula skips the middle one, $\partial \hat y_i / \partial z_i = \sigma'(z_i) = \hat y_i(1-\hat y_i)$:
#
# $$\frac{\partial L}{\partial w} = \frac{2}{n} \sum_{i=1}^n (\hat y_i - y_i)\,\hat y_i\,(1 - \hat y_i)\; x_i
#   = \frac2n X^\top \bigl[(\hat y - y) \odot \hat y \odot (1 - \hat y)\bigr].$$
#
# Implement the correct gradient, in matrix form (no loop over examples). Your `numerical_gradient`
# will tell you which formula is right.

# %% nbgrader={"grade": false, "grade_id": "sigmoid_neuron_mse", "locked": false, "solution": true, "schema_version": 3}
def sigmoid_neuron_mse(w, X, y):
    """Loss and gradient of a sigmoid neuron (no bias) trained with mean squared error.

    Args:
        w: float array of shape (d,), the weights.
        X: float array of shape (n, d), one example per row.
        y: array of shape (n,), targets in [0, 1].
    Returns:
        loss: float, mean over examples of (sigmoid(X @ w) - y)**2.
        dw: float array of shape (d,), d loss / d w.
    """
    ### BEGIN SOLUTION
    y_hat = sigmoid(X @ w)
    loss, dy_hat = mse_loss(y_hat, y)
    dz = dy_hat * y_hat * (1.0 - y_hat)
    dw = X.T @ dz
    return loss, dw
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_neuron_mse", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["sigmoid_neuron_mse"]
w, X, y = case.inputs["w"], case.inputs["X"], case.inputs["y"]
y_hat = 0.5 * (1 + np.tanh(X @ w / 2))
loss, dw = sigmoid_neuron_mse(w, X, y)
checks.assert_close(loss, case.outputs["loss"], "loss")
checks.assert_close(dw, case.outputs["dw"], "dw", common_bugs={
    "the sigmoid's derivative y_hat * (1 - y_hat) is missing (the copied formula)": 2 * X.T @ (y_hat - y) / len(y),
})
checks.assert_gradient(dw, reference_numerical_gradient(lambda w_: sigmoid_neuron_mse(w_, X, y)[0], w.copy()),
                       "dw against a numerical gradient", averaged=True)
print("sigmoid_neuron_mse: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
for n, d in ((1, 3), (8, 1), (6, 5)):
    w, X, y = rng.normal(size=d), rng.normal(size=(n, d)), rng.uniform(size=n)
    loss, dw = sigmoid_neuron_mse(w, X, y)
    checks.assert_gradient(dw, reference_numerical_gradient(lambda w_: sigmoid_neuron_mse(w_, X, y)[0], w.copy()), f"dw for n={n}, d={d}", averaged=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Why MSE is a poor loss for classification
#
# Take a positive example ($y = 1$) and look at the loss and the size of the gradient
# $|\partial \ell / \partial z|$ as the logit $z$ goes from confidently wrong ($z \ll 0$) to
# confidently right. With cross-entropy the gradient is $|\sigma(z) - 1|$: close to 1 when the model is
# badly wrong, so learning is fastest exactly when it is most needed. With MSE it is
# $2(1-\sigma(z))\,\sigma(z)(1-\sigma(z))$: the $\sigma'(z)$ factor vanishes for $z \ll 0$, so a neuron
# that is confidently wrong barely learns. (MSE on a sigmoid is also not convex in $w$.)

# %%
logits = np.linspace(-10, 10, 401)
p = sigmoid(logits)
figure, (loss_axes, grad_axes) = plt.subplots(1, 2, figsize=(11, 4))
plots.line_plot(logits, {"cross-entropy": -np.log(p), "squared error": (p - 1) ** 2},
                xlabel="logit z (label y = 1)", ylabel="loss", title="Loss", ax=loss_axes)
plots.line_plot(logits, {"cross-entropy": np.abs(p - 1), "squared error": 2 * (1 - p) ** 2 * p},
                xlabel="logit z (label y = 1)", ylabel="|d loss / d z|", title="Gradient size", logy=True,
                ax=grad_axes)
plt.show()
print(f"at z = -10: cross-entropy gradient {abs(p[0] - 1):.3f}, squared-error gradient {2 * (1 - p[0]) ** 2 * p[0]:.1e}")

# %% [markdown]
# ## 5. Softmax and categorical cross-entropy
#
# With $C$ classes the model gives each example a row of logits $z \in \mathbb{R}^C$, and the softmax
# turns it into a probability distribution:
#
# $$p_k = \frac{e^{z_k}}{\sum_{j=1}^C e^{z_j}}.$$
#
# **Stability.** Subtracting a constant $m$ from every logit does not change $p$ (multiply numerator
# and denominator by $e^{-m}$). With $m = \max_j z_j$ every exponent is $\le 0$, so nothing overflows,
# and the largest term is $e^0 = 1$, so the sum is at least 1 and never underflows to 0.
#
# **Loss.** For an example of class $y$, the cross-entropy is $\ell = -\log p_y$. Computed from the
# shifted logits $s = z - m$ it is $\ell = \log \sum_j e^{s_j} - s_y$, which never takes $\log 0$.
#
# **Gradient.** First the softmax's Jacobian. For $k = j$,
# $\frac{\partial p_k}{\partial z_k} = \frac{e^{z_k} S - e^{z_k} e^{z_k}}{S^2} = p_k (1 - p_k)$ with
# $S = \sum_j e^{z_j}$; for $k \ne j$, $\frac{\partial p_k}{\partial z_j} = \frac{-e^{z_k} e^{z_j}}{S^2} = -p_k p_j$.
# Together, $\frac{\partial p_k}{\partial z_j} = p_k(\delta_{kj} - p_j)$. Then
#
# $$\frac{\partial \ell}{\partial z_j} = -\frac{1}{p_y} \frac{\partial p_y}{\partial z_j}
#   = -\frac{1}{p_y}\, p_y (\delta_{yj} - p_j) = p_j - \delta_{yj}.$$
#
# With the one-hot label vector $\mathbf{y}$ ($\mathbf y_j = \delta_{yj}$) that is $p - \mathbf{y}$:
# the same "predicted minus true" as for the sigmoid. (Some texts carry the sum over $k$ of the
# Jacobian through and arrive at other expressions; they simplify to this.) For a batch
# $Z \in \mathbb{R}^{N \times C}$ with mean loss $L = \frac1N \sum_i \ell_i$,
#
# $$\frac{\partial L}{\partial Z} = \frac{1}{N}\,(P - Y),$$
#
# where $P$ holds the softmax of each row and $Y$ the one-hot labels.

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "solution": true, "schema_version": 3}
def softmax(logits):
    """Numerically stable softmax of each row.

    Args:
        logits: float array of shape (N, C), one row of class scores per example.
    Returns:
        probs: float array of shape (N, C); each row is non-negative and sums to 1. No overflow for
        logits in the thousands.
    """
    ### BEGIN SOLUTION
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=1, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["softmax"]
x = case.inputs["logits"]
given = x.copy()
checks.assert_shape(softmax(given), x.shape, "softmax(logits)")
checks.assert_close(given, x, "logits after softmax(logits) (softmax must not change its input: write to a new array)")
checks.assert_close(softmax(x), case.outputs["probs"], "softmax(logits)", common_bugs={
    "normalised over the batch (axis 0) instead of over the classes of each row": np.exp(x) / np.exp(x).sum(axis=0),
})
checks.assert_close(softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]], "softmax([[1000, 1000]])")
print("softmax: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
for shape in ((1, 4), (5, 1), (3, 7)):
    x = rng.normal(scale=4.0, size=shape)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    checks.assert_close(softmax(x), e / e.sum(axis=1, keepdims=True), f"softmax on shape {shape}")
checks.assert_close(softmax(np.array([[-1000.0, 0.0, 1000.0], [5.0, 5.0, 5.0]])),
                    [[0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3]], "softmax of extreme and equal logits")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "softmax_cross_entropy", "locked": false, "solution": true, "schema_version": 3}
def softmax_cross_entropy(logits, labels):
    """Mean categorical cross-entropy of softmax(logits) against integer labels, and its gradient.

    Args:
        logits: float array of shape (N, C).
        labels: int array of shape (N,), each in 0..C-1.
    Returns:
        loss: float, the mean over the N examples of -log softmax(logits)[i, labels[i]], computed
            without ever taking log(0).
        dlogits: float array of shape (N, C), d loss / d logits = (softmax(logits) - one_hot(labels)) / N.
    """
    ### BEGIN SOLUTION
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_sum_exp = np.log(np.sum(np.exp(shifted), axis=1))
    loss = np.mean(log_sum_exp - shifted[rows, labels])
    dlogits = softmax(logits)
    dlogits[rows, labels] -= 1.0
    dlogits /= n
    return float(loss), dlogits
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_cross_entropy", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["softmax_cross_entropy"]
logits, labels = case.inputs["logits"], case.inputs["labels"]
loss, dlogits = softmax_cross_entropy(logits.copy(), labels)
checks.assert_close(loss, case.outputs["loss"], "loss")
probs = case.outputs["dlogits"] * len(labels) + np.eye(logits.shape[1])[labels]
checks.assert_close(dlogits, case.outputs["dlogits"], "dlogits", common_bugs={
    "the gradient is not divided by N": case.outputs["dlogits"] * len(labels),
    "the one-hot labels are not subtracted (that is the softmax, not the gradient)": probs / len(labels),
})
numeric = reference_numerical_gradient(lambda z_: softmax_cross_entropy(z_, labels)[0], logits.copy())
checks.assert_gradient(dlogits, numeric, "dlogits against a numerical gradient", averaged=True)
print("softmax_cross_entropy: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
for n, c in ((1, 3), (6, 2), (4, 9)):
    logits = rng.normal(size=(n, c))
    labels = rng.integers(0, c, size=n)
    loss, dlogits = softmax_cross_entropy(logits.copy(), labels)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    checks.assert_close(loss, -np.mean(np.log(p[np.arange(n), labels])), f"loss for N={n}, C={c}")
    checks.assert_gradient(dlogits, reference_numerical_gradient(lambda z_: softmax_cross_entropy(z_, labels)[0], logits.copy()), f"dlogits for N={n}, C={c}", averaged=True)
loss, dlogits = softmax_cross_entropy(np.array([[1000.0, -1000.0], [0.0, 0.0]]), np.array([1, 0]))
checks.assert_close(loss, (2000.0 + np.log(2)) / 2, "loss with a logit gap of 2000")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Softmax regression
#
# A linear classifier computes logits $Z = XW + b$ for a batch $X \in \mathbb{R}^{N \times D}$, with
# weights $W \in \mathbb{R}^{D \times C}$ and biases $b \in \mathbb{R}^{C}$. With an L2 penalty of
# strength $\lambda$ on the weights the loss is
#
# $$L(W, b) = \frac1N \sum_i \ell_i + \frac{\lambda}{2}\,\lVert W \rVert_F^2 .$$
#
# Backward, by the chain rule through $Z = XW + b$, with $G = \partial L / \partial Z = (P - Y)/N$:
#
# $$\frac{\partial L}{\partial W} = X^\top G + \lambda W, \qquad \frac{\partial L}{\partial b} = \sum_{i=1}^N G_{i,:}.$$
#
# The bias is added to every row, so its gradient sums over the rows. $G$ already carries the $1/N$:
# do not average again.

# %% nbgrader={"grade": false, "grade_id": "softmax_regression_loss", "locked": false, "solution": true, "schema_version": 3}
def softmax_regression_loss(W, b, X, labels, reg=0.0):
    """Loss and gradients of softmax regression with an L2 penalty on W.

    Args:
        W: float array of shape (D, C), weights.
        b: float array of shape (C,), biases.
        X: float array of shape (N, D), one example per row.
        labels: int array of shape (N,), each in 0..C-1.
        reg: float, the L2 strength lambda; the penalty is reg / 2 * sum(W**2).
    Returns:
        loss: float, mean cross-entropy plus the penalty.
        dW: float array of shape (D, C).
        db: float array of shape (C,).
    """
    ### BEGIN SOLUTION
    data_loss, dlogits = softmax_cross_entropy(X @ W + b, labels)
    loss = data_loss + 0.5 * reg * np.sum(W * W)
    dW = X.T @ dlogits + reg * W
    db = np.sum(dlogits, axis=0)
    return loss, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_regression_loss", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["softmax_regression_loss"]
W, b, X, labels, reg = (case.inputs[key] for key in ("W", "b", "X", "labels", "reg"))
loss, dW, db = softmax_regression_loss(W, b, X, labels, float(reg))
checks.assert_close(loss, case.outputs["loss"], "loss")
checks.assert_close(dW, case.outputs["dW"], "dW", common_bugs={
    "the L2 term reg * W is missing from dW": case.outputs["dW"] - reg * W,
})
checks.assert_close(db, case.outputs["db"], "db", common_bugs={
    "db averages over the batch, but dlogits already carries 1/N: sum it": case.outputs["db"] / len(labels),
})
checks.assert_gradient(dW, reference_numerical_gradient(lambda W_: softmax_regression_loss(W_, b, X, labels, float(reg))[0], W.copy()), "dW against a numerical gradient", averaged=True)
checks.assert_gradient(db, reference_numerical_gradient(lambda b_: softmax_regression_loss(W, b_, X, labels, float(reg))[0], b.copy()), "db against a numerical gradient", averaged=True)
print("softmax_regression_loss: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
for n, d, c, reg in ((1, 4, 3, 0.0), (7, 2, 5, 0.5), (5, 6, 2, 2.0)):
    W, b, X = rng.normal(size=(d, c)), rng.normal(size=c), rng.normal(size=(n, d))
    labels = rng.integers(0, c, size=n)
    loss, dW, db = softmax_regression_loss(W, b, X, labels, reg)
    checks.assert_gradient(dW, reference_numerical_gradient(lambda W_: softmax_regression_loss(W_, b, X, labels, reg)[0], W.copy()), f"dW for N={n}, D={d}, C={c}, reg={reg}", averaged=True)
    checks.assert_gradient(db, reference_numerical_gradient(lambda b_: softmax_regression_loss(W, b_, X, labels, reg)[0], b.copy()), f"db for N={n}, D={d}, C={c}, reg={reg}", averaged=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Mini-batch gradient descent
#
# Gradient descent moves the parameters a small step against the gradient,
# $W \leftarrow W - \eta\, \partial L / \partial W$, with learning rate $\eta$. Computing the gradient
# on all 22,500 training reviews for every step is slow; a **mini-batch** of $B$ examples gives a noisy
# but unbiased estimate of it at a fraction of the cost. One **epoch** visits every training example
# once: shuffle the example indices (the same permutation for `X` and `labels`, or the labels no
# longer belong to their reviews), then step through them $B$ at a time; the last batch may be smaller.
#
# Start from $W = 0$, $b = 0$: the loss is convex, so any start reaches the same minimum, and zeros
# make runs comparable. Record, after every epoch, the mean training loss over that epoch's batches
# and the validation accuracy, so we can draw learning curves.

# %% nbgrader={"grade": false, "grade_id": "train_softmax_regression", "locked": false, "solution": true, "schema_version": 3}
def train_softmax_regression(X, labels, X_val, labels_val, num_classes, learning_rate=0.1,
                             reg=1e-4, epochs=10, batch_size=100, seed=0):
    """Train softmax regression with mini-batch gradient descent, starting from zeros.

    Args:
        X: float array of shape (N, D), training examples.
        labels: int array of shape (N,), training labels in 0..num_classes-1.
        X_val: float array of shape (M, D), validation examples.
        labels_val: int array of shape (M,), validation labels.
        num_classes: int C.
        learning_rate, reg: floats, the step size eta and the L2 strength lambda.
        epochs, batch_size: ints.
        seed: int, seeds np.random.default_rng, which shuffles the examples at each epoch.
    Returns:
        W: float array of shape (D, C); b: float array of shape (C,).
        history: dict with lists of length `epochs`: "train_loss" (mean batch loss of each epoch) and
            "val_accuracy" (share of validation examples whose largest logit is the true class).
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    W = np.zeros((X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = {"train_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(X.shape[0])
        batch_losses = []
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            loss, dW, db = softmax_regression_loss(W, b, X[batch], labels[batch], reg)
            W -= learning_rate * dW
            b -= learning_rate * db
            batch_losses.append(loss)
        history["train_loss"].append(float(np.mean(batch_losses)))
        predictions = np.argmax(X_val @ W + b, axis=1)
        history["val_accuracy"].append(float(np.mean(predictions == labels_val)))
    return W, b, history
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_softmax_regression", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# Three well-separated clusters in 2-D: a correct trainer classifies them almost perfectly.
rng = np.random.default_rng(9)
centers = np.array([[3.0, 0.0], [-3.0, 1.0], [0.0, -3.0]])
toy_labels = rng.integers(0, 3, size=300)
toy_X = centers[toy_labels] + rng.normal(size=(300, 2))
# What the loop feeds softmax_regression_loss, watched from outside: every example once per epoch, in
# batches of batch_size (the last one smaller), in a new order each epoch, the mean batch loss recorded.
batches_seen, row_of = [], {tuple(row): i for i, row in enumerate(toy_X[:45])}
def watched_loss(W, b, X, labels, reg, _loss=softmax_regression_loss):
    rows = [row_of.get(tuple(row), -1) for row in X]
    checks.assert_true(bool(np.all(toy_labels[rows] == labels)),
                       "softmax_regression_loss was given labels that do not belong to its examples: index both with the same batch")
    loss, dW, db = _loss(W, b, X, labels, reg)
    batches_seen.append((rows, loss))
    return loss, dW, db
with checks.replaced(globals(), softmax_regression_loss=watched_loss):
    # validation labels unlike the training data's, so that the validation accuracy can only come from them
    W, b, history = train_softmax_regression(toy_X[:45], toy_labels[:45], toy_X[240:], (toy_labels[240:] + 1) % 3,
                                             num_classes=3, learning_rate=0.5, reg=1e-3, epochs=2, batch_size=20)
checks.assert_epochs(batches_seen, examples=45, batch_size=20, epochs=2, train_loss=history["train_loss"],
                     what="train_softmax_regression")
checks.assert_close(history["val_accuracy"][-1], np.mean(np.argmax(toy_X[240:] @ W + b, axis=1) == (toy_labels[240:] + 1) % 3),
                    'history["val_accuracy"] of the last epoch (W and b after the epoch, on X_val and labels_val)')
W, b, history = train_softmax_regression(toy_X[:240], toy_labels[:240], toy_X[240:], toy_labels[240:],
                                         num_classes=3, learning_rate=0.5, reg=1e-3, epochs=8, batch_size=16)
checks.assert_shape(W, (2, 3), "W")
checks.assert_shape(b, (3,), "b")
checks.assert_shape(np.array(history["train_loss"]), (8,), 'history["train_loss"]')
checks.assert_shape(np.array(history["val_accuracy"]), (8,), 'history["val_accuracy"]')
checks.assert_true(history["train_loss"][-1] < 0.5 * history["train_loss"][0],
                   f"the training loss should fall a lot on easy data, but went {history['train_loss'][0]:.3f} -> {history['train_loss'][-1]:.3f}. "
                   "Do you step against the gradient, and shuffle X and labels with the same permutation?")
checks.assert_true(history["val_accuracy"][-1] >= 0.9,
                   f"validation accuracy on well-separated clusters should reach 0.9, it is {history['val_accuracy'][-1]:.3f}")
print("train_softmax_regression: all visible tests passed")
### BEGIN HIDDEN TESTS
W1, b1, h1 = train_softmax_regression(toy_X[:240], toy_labels[:240], toy_X[240:], toy_labels[240:], 3,
                                      learning_rate=0.5, reg=1e-3, epochs=3, batch_size=16, seed=4)
W2, b2, h2 = train_softmax_regression(toy_X[:240], toy_labels[:240], toy_X[240:], toy_labels[240:], 3,
                                      learning_rate=0.5, reg=1e-3, epochs=3, batch_size=16, seed=4)
checks.assert_close(W1, W2, "W of two runs with the same seed")
# One epoch with one batch holding all examples is exactly one full gradient step from zero.
X_small, labels_small = toy_X[:50], toy_labels[:50]
W, b, history = train_softmax_regression(X_small, labels_small, X_small, labels_small, 3,
                                         learning_rate=0.3, reg=0.1, epochs=1, batch_size=50)
loss0, dW0, db0 = softmax_regression_loss(np.zeros((2, 3)), np.zeros(3), X_small, labels_small, 0.1)
checks.assert_close(W, -0.3 * dW0, "W after one full-batch step from zero")
checks.assert_close(b, -0.3 * db0, "b after one full-batch step from zero")
checks.assert_close(history["train_loss"][0], loss0, "the recorded loss of that epoch")
# A batch size that does not divide N: the last, smaller batch still counts. All 50 examples are the
# same, so every batch has the same gradient at the same W and the order does not matter.
X_same, labels_same = np.tile(toy_X[:1], (50, 1)), np.repeat(toy_labels[:1], 50)
W, b, history = train_softmax_regression(X_same, labels_same, X_same, labels_same, 3,
                                         learning_rate=0.3, reg=0.0, epochs=1, batch_size=49)
W_ref, b_ref = np.zeros((2, 3)), np.zeros(3)
for batch_size in (49, 1):
    _, dW_, db_ = softmax_regression_loss(W_ref, b_ref, X_same[:batch_size], labels_same[:batch_size], 0.0)
    W_ref, b_ref = W_ref - 0.3 * dW_, b_ref - 0.3 * db_
checks.assert_close(W, W_ref, "W after an epoch of batches of 49 and 1 examples")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Sentiment of real movie reviews
#
# Now the real thing: the IMDB Large Movie Review Dataset (Maas et al., 2011), 25,000 training and
# 25,000 test reviews, half positive, half negative. We represent a review as a **bag of words**: a
# vector with one entry per vocabulary word, 1 if the word occurs in the review and 0 if not. Word
# order is lost, but the words alone carry a lot of the sentiment.
#
# The vocabulary is built from the **training** reviews only: the test set stands in for reviews the
# model has never seen, and letting it choose the features would leak information from it. We also
# hold out 10% of the training reviews as a validation set for the learning curves; the test set is
# used once, at the very end.

# %%
(train_texts, train_labels), (test_texts, test_labels) = emolib.data.load_imdb(limit=2000 if FAST else None)
vocabulary_size = 2000 if FAST else 10000
train_tokens = [emolib.text.tokenize(text) for text in train_texts]
test_tokens = [emolib.text.tokenize(text) for text in test_texts]
vocab = emolib.text.build_vocab(train_tokens, max_size=vocabulary_size)
X_all = emolib.text.bag_of_words(train_tokens, vocab)
X_test = emolib.text.bag_of_words(test_tokens, vocab)
validation_size = len(train_labels) // 10
X_val, labels_val = X_all[:validation_size], train_labels[:validation_size]
X_train, labels_train = X_all[validation_size:], train_labels[validation_size:]
print(f"{len(labels_train)} training, {len(labels_val)} validation, {len(test_labels)} test reviews; "
      f"{X_train.shape[1]} features; {np.mean(train_labels):.0%} of the training reviews are positive")
print("first review:", train_texts[0][:300], "...", "(positive)" if train_labels[0] else "(negative)")

# %% [markdown]
# Train for a few epochs and draw the learning curves: the training loss should fall steadily, and the
# validation accuracy should rise and level off. If validation accuracy starts to fall while the
# training loss keeps falling, the model is overfitting; a larger `reg` would help.

# %%
W, b, history = train_softmax_regression(X_train, labels_train, X_val, labels_val, num_classes=2,
                                         learning_rate=0.1, reg=1e-4, epochs=10, batch_size=100)
plots.learning_curves(history, title="Softmax regression on IMDB bag-of-words")
plt.show()

# %% [markdown]
# Which words does the model lean on? The difference of the two weight columns,
# $W_{:,\text{pos}} - W_{:,\text{neg}}$, is how much each word moves a review towards "positive".

# %%
words = np.array(sorted(vocab, key=vocab.get))
plots.word_weights(words, W[:, 1] - W[:, 0], count=15, title="Words that push a review to positive / negative")
plt.show()

# %% [markdown]
# Finally the test set, once. A bag-of-words linear model should reach about 0.86 to 0.88 on the full
# test set: the course's full run (`make bench`) gives 0.885. In fast mode, with 1,800 training reviews
# and a 2,000-word vocabulary, it gives about 0.83: less data, fewer words, a weaker model.

# %%
test_accuracy = np.mean(np.argmax(X_test @ W + b, axis=1) == test_labels)
print(f"test accuracy: {test_accuracy:.4f} on {len(test_labels)} reviews")

# %% [markdown]
# ## What you built
#
# - Sigmoid and softmax that never overflow, and the losses computed from logits, never as `log(0)`.
# - The gradient "predicted minus true", $p - y$, for both the binary and the categorical
#   cross-entropy, averaged over the batch.
# - A numerical gradient checker, and the habit of using it: it caught the missing $\sigma'$ in a
#   widely copied formula.
# - A linear sentiment classifier trained by your own mini-batch gradient descent on real reviews.
#
# Next, lesson 02 replaces the bag of words with convolutions that see word order.
