# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 10: from sentiment to emotions
#
# Positive or negative is one bit. People write about joy, anger, fear, gratitude, and often about
# several at once. By the end of this lesson you will be able to
#
# - say when K classes call for a softmax (exactly one class) and when for K independent sigmoids
#   (any number of labels), and derive the multi-label loss and its gradient $p - y$ per label;
# - see what accuracy hides when one class dominates, and weight the classes by their frequency;
# - compute per-class precision, recall and F1, their macro, micro and weighted averages, the K x K
#   confusion matrix, and the per-label and per-example scores of multi-label output, checked against
#   `keras.metrics`;
# - turn scores into label sets with one global threshold or one threshold per label, tuned on dev only;
# - train a bag-of-n-grams model, a CNN and a bidirectional GRU on GoEmotions (58,009 Reddit comments,
#   28 emotions), choose on dev, report once on test, and read the comments the best model gets wrong;
# - do the same in Chinese on Weibo posts (SMP2020-EWECT, 6 emotions) with jieba;
# - put what a CPU model trained from scratch reaches next to the published BERT results, honestly.
#
# **Prerequisites:** lesson 01 (softmax cross-entropy), lesson 06 (jieba, `TextVectorization`), lessons
# 07 to 09 (Keras text models, early stopping, precision, recall, F1, a threshold chosen on validation data).
#
# **Time:** about three hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when nbgrader
# grades it) the notebook trains on 3,000 comments and 2,000 Weibo posts for one to three epochs; on a
# 2-core CPU shared with other jobs it ran in 3 to 3.5 minutes (less on an idle machine). The full run
# trains on all 43,410 training comments and 8,606 posts: 12.6 minutes on the same loaded CPU, nearly 10
# of them training.
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# The grader adds hidden tests with other shapes, ties and empty classes.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.
#
# **A note on the data:** GoEmotions comes from Reddit; some comments are offensive. Names are masked
# as `[NAME]`.

# %% tags=["setup"]
import time

import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
import emolib.results
import emolib.text
from emolib import checks, plots
from emolib.gradcheck import numerical_gradient, rel_error

import keras

FAST = emolib.fast_mode()
MODE = "fast" if FAST else "full"
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("10_emotions")

# %% [markdown]
# ## 1. From two classes to K
#
# ### One class out of K: softmax
#
# When every example has **exactly one** of K classes (a Weibo post is happy, or angry, or ...), the
# model gives K scores $z_1, \dots, z_K$ and the softmax turns them into a distribution,
#
# $$p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad L = -\frac{1}{N}\sum_n \log p_{n, y_n},
# \qquad \frac{\partial L}{\partial z_{n,k}} = \frac{1}{N}\big(p_{n,k} - [k = y_n]\big).$$
#
# You derived and wrote this in lesson 01; here it is again, read-only. The probabilities compete:
# raising one lowers the others, because they must sum to 1.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_softmax", "locked": true, "solution": false, "schema_version": 3}
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


# %% [markdown]
# ### Any number of labels: K sigmoids
#
# A GoEmotions comment can be *grateful* and *joyful* at once: its target is a **multi-hot** vector
# $y_n \in \{0, 1\}^K$. A softmax cannot say "both": two labels at 1 would need probabilities summing
# to 2. Instead each label gets its own yes/no question, a sigmoid $p_{n,k} = \sigma(z_{n,k})$, and its
# own binary cross-entropy; the loss is their mean over the $N$ examples and $K$ labels (what Keras'
# `binary_crossentropy` computes):
#
# $$L = -\frac{1}{NK}\sum_{n=1}^{N}\sum_{k=1}^{K}\Big[y_{n,k}\log p_{n,k} + (1 - y_{n,k})\log(1 - p_{n,k})\Big].$$
#
# The gradient, one term at a time. With $\sigma'(z) = \sigma(z)(1-\sigma(z))$,
#
# $$\frac{\partial}{\partial z}\Big[-y\log\sigma(z) - (1-y)\log(1-\sigma(z))\Big]
# = -y\,(1-\sigma(z)) + (1-y)\,\sigma(z) = \sigma(z) - y,$$
#
# so, each of the $NK$ terms weighing $1/(NK)$,
#
# $$\frac{\partial L}{\partial z_{n,k}} = \frac{p_{n,k} - y_{n,k}}{NK}.$$
#
# The same $p - y$ as the softmax, but per label, with no competition between labels.
#
# **Computing it without overflow.** $\log\sigma(z)$ is $-\infty$ in floating point once $\sigma(z)$
# rounds to 0 ($z \approx -750$), and to 1 at $z \approx 37$, where $\log(1 - \sigma(z))$ breaks. Written
# in $z$ directly, the term is
#
# $$-y\log\sigma(z) - (1-y)\log(1-\sigma(z)) = \max(z, 0) - z\,y + \log\big(1 + e^{-|z|}\big),$$
#
# whose exponential never exceeds 1 (check it for $z > 0$ and $z < 0$ separately).

# %% nbgrader={"grade": false, "grade_id": "sigmoid_bce", "locked": false, "schema_version": 3, "solution": true}
def sigmoid_bce(logits, targets):
    """Mean binary cross-entropy of K independent sigmoids against multi-hot targets, and its gradient.

    Args:
        logits: float array of shape (N, K), one score per example and label.
        targets: float array of shape (N, K) of 0s and 1s, targets[n, k] = 1 when example n has label k.
    Returns:
        loss: float, the mean over all N * K entries of -[y log p + (1 - y) log(1 - p)], p = sigmoid(z),
            finite for any finite logits (no log(0), no overflow).
        dlogits: float array of shape (N, K), d loss / d logits = (sigmoid(logits) - targets) / (N * K).
    """
    ### BEGIN SOLUTION
    n, k = logits.shape
    probs = 0.5 * (1.0 + np.tanh(0.5 * logits))  # the sigmoid, without overflow
    loss = np.mean(np.maximum(logits, 0.0) - logits * targets + np.log1p(np.exp(-np.abs(logits))))
    dlogits = (probs - targets) / (n * k)
    return float(loss), dlogits
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_bce", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["bce"]
logits, targets = case.inputs["logits"], case.inputs["targets"]
loss, dlogits = sigmoid_bce(logits.copy(), targets)
checks.assert_shape(dlogits, logits.shape, "dlogits")
checks.assert_close(loss, case.outputs["loss"], "the loss on the reference case", common_bugs={
    "the loss is summed over the labels instead of averaged over them": case.outputs["loss"] * logits.shape[1]})
checks.assert_close(dlogits, case.outputs["dlogits"], "dlogits on the reference case", common_bugs={
    "the gradient is divided by N only, not by N * K": case.outputs["dlogits"] * logits.shape[1],
    "the sign is flipped: the gradient is p - y, not y - p": -case.outputs["dlogits"]})
numeric = numerical_gradient(lambda z: sigmoid_bce(z, targets)[0], logits.copy())
checks.assert_gradient(dlogits, numeric, "dlogits against the numerical gradient")
loss, dlogits = sigmoid_bce(np.array([[800.0, -800.0, 0.0]]), np.array([[1.0, 0.0, 1.0]]))
checks.assert_close(loss, np.log(2) / 3, "the loss of logits [800, -800, 0] with targets [1, 0, 1] (overflow?)")
print("sigmoid_bce: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(100)
for shape in ((1, 1), (6, 2), (3, 9)):
    z, y = rng.normal(scale=3.0, size=shape), (rng.random(shape) < 0.4).astype(float)
    p = 1 / (1 + np.exp(-z))
    loss, dz = sigmoid_bce(z.copy(), y)
    checks.assert_close(loss, -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), f"the loss for shape {shape}")
    checks.assert_close(dz, (p - y) / z.size, f"dlogits for shape {shape}")
    keras_loss = keras.ops.convert_to_numpy(keras.losses.binary_crossentropy(y, z, from_logits=True))
    checks.assert_close(loss, float(np.mean(keras_loss)), f"the loss against keras' binary cross-entropy, shape {shape}", rtol=1e-5)
loss, dz = sigmoid_bce(np.array([[-1000.0, 1000.0], [40.0, -40.0]]), np.array([[1.0, 0.0], [1.0, 0.0]]))
checks.assert_close(loss, (1000 + 1000 + 2 * np.log1p(np.exp(-40))) / 4, "the loss of very confident, wrong and right logits")
checks.assert_close(dz, [[-0.25, 0.25], [0.0, 0.0]], "dlogits of saturated sigmoids", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# Softmax or sigmoids, seen on one made-up comment with two true labels out of three (say *gratitude*,
# *joy*, *anger*): both models start from zero scores and take 200 gradient steps on their own loss.

# %%
two_labels = np.array([[1.0, 1.0, 0.0]])
for name in ("softmax", "sigmoids"):
    z = np.zeros((1, 3))
    for step in range(200):
        if name == "softmax":  # the softmax can only be trained towards one class: take the first
            _, dz = softmax_cross_entropy(z, np.array([0]))
        else:
            _, dz = sigmoid_bce(z, two_labels)
        z -= 5.0 * dz
    probs = np.exp(z) / np.exp(z).sum() if name == "softmax" else 1 / (1 + np.exp(-z))
    print(f"{name:9s} probabilities after training: {np.round(probs[0], 3)}")

# %% [markdown]
# The sigmoids put both true labels near 1 and the third near 0; the softmax, trained on one label,
# must give the other one away: its probabilities always sum to 1. Even trained on soft targets
# $(\frac12, \frac12, 0)$ it would give each true label one half, never "both, for sure".
# So: **softmax** when the classes exclude each other (the Weibo posts, one label each; the Ekman
# grouping of GoEmotions, where 91% of the comments have one label), **sigmoids** when labels overlap
# (the 28 GoEmotions labels).
#
# ## 2. The data, and what accuracy hides
#
# GoEmotions (Demszky et al., ACL 2020): English Reddit comments, each labelled by raters with any of
# 27 emotions or *neutral*; the official split has 43,410 training, 5,426 dev and 5,427 test comments.
# `emolib.data.load_goemotions(split)` gives the texts, the multi-hot labels of shape (N, 28) and the
# names; with `taxonomy="ekman"` each label is replaced by its Ekman group (anger, disgust, fear, joy,
# sadness, surprise, plus neutral), as the dataset's authors group them.

# %%
limits = {"train": 3000, "dev": 1000, "test": 1000} if FAST else {}
goemotions = {}
for split in ("train", "dev", "test"):
    texts, labels, emotion_names = emolib.data.load_goemotions(split)
    _, ekman_labels, ekman_names = emolib.data.load_goemotions(split, taxonomy="ekman")
    size = limits.get(split, len(texts))
    goemotions[split] = {"texts": texts[:size], "labels": labels[:size], "ekman": ekman_labels[:size]}
train_labels = goemotions["train"]["labels"]
print({split: len(part["texts"]) for split, part in goemotions.items()}, "comments;", len(emotion_names), "labels")
print(f"labels per comment in train: {np.bincount(train_labels.sum(axis=1).astype(int))[1:]} (1, 2, 3, ... labels)")
for n in range(3):
    print(" ", goemotions["train"]["texts"][n], "->", [emotion_names[k] for k in np.flatnonzero(train_labels[n])])

# %%
order = np.argsort(-train_labels.sum(axis=0))
plots.grouped_bars([emotion_names[k] for k in order], {"train comments": train_labels.sum(axis=0)[order]},
                   "comments with the label", title="GoEmotions: how often each label occurs (train)")
plt.show()
dev_labels = goemotions["dev"]["labels"]
neutral = emotion_names.index("neutral")
single = dev_labels.sum(axis=1) == 1
always_neutral = float(np.mean(dev_labels[single].argmax(axis=1) == neutral))
print(f"always answering 'neutral' on the dev comments with one label: accuracy {always_neutral:.3f}")
print("the rarest labels in train: " + ", ".join(f"{emotion_names[k]} {int(train_labels[:, k].sum())}" for k in order[-3:]))

# %% [markdown]
# The labels are far from balanced: *neutral* is on about a third of the comments, *grief* on 77 of the
# 43,410 (in the full run; *pride* 111, *relief* 153). A model that always answers *neutral* is right on
# 35% of the single-label dev comments (the full run prints 0.350) and has learned nothing: its recall is
# 0 on 27 of the 28 labels. Accuracy, the share of
# examples right, is dominated by the frequent classes. The scores of section 3 look at each class.
#
# One remedy is in the loss: weigh each example by a weight of its class, larger for rare classes. The
# usual choice (scikit-learn's "balanced") gives class $k$, with $n_k$ of the $N$ training examples,
#
# $$w_k = \frac{N}{K\, n_k},$$
#
# so that every class carries the same total weight $n_k w_k = N/K$, and a perfectly balanced set gets
# $w_k = 1$. A class with no training example gets weight 0 (there is nothing to weigh, and $N/0$ is
# no number). Keras' `fit(..., class_weight={k: w_k})` multiplies each example's loss by its weight.

# %% nbgrader={"grade": false, "grade_id": "class_weights", "locked": false, "schema_version": 3, "solution": true}
def class_weights(labels, num_classes):
    """Balanced class weights w_k = N / (K n_k) of single-label training data.

    Args:
        labels: int array of shape (N,), each in 0..K-1.
        num_classes: int K (classes may be missing from labels).
    Returns:
        float array of shape (K,): N / (K * n_k) for a class with n_k > 0 examples, 0.0 for a class
        with none.
    """
    ### BEGIN SOLUTION
    counts = np.bincount(np.asarray(labels), minlength=num_classes).astype(float)
    weights = np.zeros(num_classes)
    present = counts > 0
    weights[present] = len(labels) / (num_classes * counts[present])
    return weights
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_class_weights", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["weights"]
weights = class_weights(case.inputs["labels"], int(case.inputs["num_classes"]))
checks.assert_shape(weights, case.outputs["weights"].shape, "the class weights")
counts = np.bincount(case.inputs["labels"], minlength=int(case.inputs["num_classes"]))
checks.assert_close(weights, case.outputs["weights"], "the class weights", common_bugs={
    "the weights grow with the count; they should be inversely proportional to it": counts * len(counts) / counts.sum(),
    "the weights are N / n_k: divide by the number of classes K too": case.outputs["weights"] * len(counts)})
checks.assert_close(np.sum(weights * counts), float(counts.sum()), "the total weight sum_k n_k w_k (should be N)")
print("class_weights: all visible tests passed")
### BEGIN HIDDEN TESTS
checks.assert_close(class_weights(np.array([0, 0, 1, 1]), 2), [1.0, 1.0], "weights of a balanced set")
checks.assert_close(class_weights(np.array([0, 0, 0, 2]), 4), [4 / 12, 0.0, 1.0, 0.0],
                    "weights when classes 1 and 3 have no example (they get 0)")
checks.assert_close(class_weights(np.array([1]), 3), [0.0, 1 / 3, 0.0], "one example, three classes")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Scores per class
#
# ### Single-label: the K x K confusion matrix
#
# With one true and one predicted class per example, count $C_{ij}$ = the number of examples of true
# class $i$ predicted as $j$ (rows true, columns predicted, as in lesson 09). Then for class $k$,
#
# $$\text{TP}_k = C_{kk}, \qquad \text{FP}_k = \sum_{i \neq k} C_{ik} \text{ (column } k\text{)}, \qquad
# \text{FN}_k = \sum_{j \neq k} C_{kj} \text{ (row } k\text{)},$$
#
# $$P_k = \frac{\text{TP}_k}{\text{TP}_k + \text{FP}_k}, \qquad R_k = \frac{\text{TP}_k}{\text{TP}_k + \text{FN}_k},
# \qquad F_{1,k} = \frac{2 P_k R_k}{P_k + R_k} = \frac{2\,\text{TP}_k}{2\,\text{TP}_k + \text{FP}_k + \text{FN}_k}.$$
#
# **The 0/0 convention.** A class never predicted has $P_k = 0/0$; a class with no example has
# $R_k = 0/0$. The course defines every such ratio as **0** (as Keras and scikit-learn do by default).
#
# Three ways to average over the K classes:
#
# - **macro**: $\frac1K \sum_k F_{1,k}$, every class counts the same, however rare: the number to report
#   when the rare emotions matter (GoEmotions' paper reports it);
# - **weighted**: $\sum_k \frac{s_k}{N} F_{1,k}$ with $s_k$ the true count (support) of class $k$: follows
#   the frequent classes;
# - **micro**: pool the counts first, $F_1 = \frac{2\sum_k \text{TP}_k}{2\sum_k \text{TP}_k + \sum_k \text{FP}_k + \sum_k \text{FN}_k}$;
#   with one label per example every mistake is one FP and one FN, so micro-F1 **equals accuracy**.

# %% nbgrader={"grade": false, "grade_id": "confusion_matrix", "locked": false, "schema_version": 3, "solution": true}
def confusion_matrix(labels, predicted, num_classes):
    """The K x K confusion matrix of single-label predictions.

    Args:
        labels: int array of shape (N,), the true classes in 0..K-1.
        predicted: int array of shape (N,), the predicted classes in 0..K-1.
        num_classes: int K (some classes may be missing from both arrays).
    Returns:
        int array of shape (K, K): matrix[i, j] = the number of examples of true class i predicted as j.
    """
    ### BEGIN SOLUTION
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_confusion_matrix", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["single_label"]
k = int(case.inputs["num_classes"])
matrix = confusion_matrix(case.inputs["labels"], case.inputs["predicted"], k)
checks.assert_shape(matrix, (k, k), f"the confusion matrix of {k} classes (class {k - 1} is never predicted)")
checks.assert_close(matrix, case.outputs["matrix"], "the confusion matrix", common_bugs={
    "the matrix is transposed: rows are the true class, columns the predicted one": case.outputs["matrix"].T})
print("confusion_matrix: all visible tests passed")
### BEGIN HIDDEN TESTS
checks.assert_close(confusion_matrix(np.array([2]), np.array([0]), 4), [[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]],
                    "one example of class 2 predicted as 0, four classes")
checks.assert_close(confusion_matrix(np.array([0, 0, 1]), np.array([0, 0, 1]), 3), [[2, 0, 0], [0, 1, 0], [0, 0, 0]],
                    "all right, repeated pairs, class 2 absent")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "classification_scores", "locked": false, "schema_version": 3, "solution": true}
def classification_scores(matrix):
    """Per-class precision, recall and F1 of a K x K confusion matrix, and their averages.

    Args:
        matrix: int array of shape (K, K), rows the true class, columns the predicted one.
    Returns:
        dict with
            "precision", "recall", "f1": float arrays of shape (K,), each 0/0 taken as 0;
            "macro_f1": the mean of the K per-class F1;
            "weighted_f1": the per-class F1 weighted by each class's support (its row sum);
            "micro_f1": F1 of the counts pooled over the classes (equals the accuracy);
            "accuracy": the share of examples on the diagonal.
        the averages as floats.
    """
    ### BEGIN SOLUTION
    matrix = np.asarray(matrix, dtype=float)
    tp = np.diag(matrix)
    predicted = matrix.sum(axis=0)
    support = matrix.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp), where=precision + recall > 0)
    fp, fn = predicted - tp, support - tp
    pooled = 2 * tp.sum() + fp.sum() + fn.sum()
    return {"precision": precision, "recall": recall, "f1": f1, "macro_f1": float(np.mean(f1)),
            "weighted_f1": float(np.sum(f1 * support) / support.sum()),
            "micro_f1": float(2 * tp.sum() / pooled) if pooled > 0 else 0.0,
            "accuracy": float(tp.sum() / matrix.sum())}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_classification_scores", "locked": true, "points": 3, "schema_version": 3, "solution": false}
def keras_f1(true_one_hot, predicted_one_hot, average, threshold=None):
    """keras.metrics.F1Score on one-hot (or multi-hot) arrays."""
    metric = keras.metrics.F1Score(average=average, threshold=threshold)
    metric.update_state(np.asarray(true_one_hot, dtype="float32"), np.asarray(predicted_one_hot, dtype="float32"))
    return keras.ops.convert_to_numpy(metric.result()).astype(float)


case = REFERENCE["single_label"]
k = int(case.inputs["num_classes"])
scores = classification_scores(case.outputs["matrix"])
names = ("precision", "recall", "f1", "macro_f1", "weighted_f1", "micro_f1", "accuracy")
checks.assert_true(isinstance(scores, dict) and sorted(scores) == sorted(names),
                   f"classification_scores should return a dict with the keys {names}")
for name in ("precision", "recall", "f1"):
    checks.assert_shape(scores[name], (k,), f'scores["{name}"]')
checks.assert_close(scores["precision"], case.outputs["precision"], "the per-class precision (a class never predicted has 0)",
                    common_bugs={"precision and recall are swapped: precision divides by the column sum": case.outputs["recall"]})
checks.assert_close(scores["recall"], case.outputs["recall"], "the per-class recall")
checks.assert_close(scores["macro_f1"], case.outputs["macro_f1"], "the macro F1", common_bugs={
    "macro F1 is the mean of the per-class F1, not the F1 of the mean precision and mean recall":
        2 * np.mean(case.outputs["precision"]) * np.mean(case.outputs["recall"])
        / (np.mean(case.outputs["precision"]) + np.mean(case.outputs["recall"]))})
# Against Keras: F1Score on the one-hot labels and predictions (Keras adds 1e-7 to its denominators).
one_hot = np.eye(k)
true_one_hot, predicted_one_hot = one_hot[case.inputs["labels"]], one_hot[case.inputs["predicted"]]
checks.assert_close(scores["f1"], keras_f1(true_one_hot, predicted_one_hot, None), "the per-class F1 against keras.metrics.F1Score", rtol=1e-5, atol=1e-6)
for average in ("macro", "weighted", "micro"):
    checks.assert_close(scores[f"{average}_f1"], keras_f1(true_one_hot, predicted_one_hot, average),
                        f"the {average} F1 against keras.metrics.F1Score(average='{average}')", rtol=1e-5, atol=1e-6,
                        common_bugs={"weighted by the predicted counts: weight by each class's support, the row sum":
                                     np.sum(case.outputs["f1"] * case.outputs["matrix"].sum(axis=0)) / case.outputs["matrix"].sum()}
                        if average == "weighted" else None)
checks.assert_close(scores["micro_f1"], scores["accuracy"], "micro F1 (it equals the accuracy for single-label data)")
print("classification_scores: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(103)
for size, k in ((50, 3), (200, 6), (7, 5)):
    labels, predicted = rng.integers(0, k, size=size), rng.integers(0, k, size=size)
    matrix = np.zeros((k, k), dtype=int)
    for i, j in zip(labels, predicted):
        matrix[i, j] += 1
    got = classification_scores(matrix)
    for c in range(k):  # a second, independent computation: counts from the pairs
        tp, fp, fn = np.sum((labels == c) & (predicted == c)), np.sum((labels != c) & (predicted == c)), np.sum((labels == c) & (predicted != c))
        checks.assert_close(got["f1"][c], 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0, f"F1 of class {c} with {k} classes, N={size}")
    support = np.bincount(labels, minlength=k)
    checks.assert_close(got["weighted_f1"], np.sum(got["f1"] * support) / size, f"weighted F1 with {k} classes, N={size}")
    checks.assert_close(got["accuracy"], np.mean(labels == predicted), f"accuracy with {k} classes, N={size}")
got = classification_scores(np.array([[3, 0, 0], [2, 0, 0], [0, 0, 0]]))
checks.assert_close(got["precision"], [0.6, 0.0, 0.0], "precision when classes 1 and 2 are never predicted (0/0 is 0)")
checks.assert_close(got["recall"], [1.0, 0.0, 0.0], "recall when class 2 has no example (0/0 is 0)")
checks.assert_close(got["macro_f1"], 0.75 / 3, "macro F1 with two classes at F1 = 0")
### END HIDDEN TESTS

# %% [markdown]
# ### Multi-label: per label, and per example
#
# With label sets, a $N \times K$ matrix of true labels $Y$ and one of predicted labels $\hat Y$ (both
# 0/1), each label $k$ is a binary problem of its own (lesson 09): $\text{TP}_k = \sum_n y_{nk}\hat y_{nk}$,
# $\text{FP}_k = \sum_n (1 - y_{nk})\hat y_{nk}$, $\text{FN}_k = \sum_n y_{nk}(1 - \hat y_{nk})$, and the
# per-label F1, the macro and the micro average follow as above (0/0 again 0).
#
# The **example-based** F1 asks, per comment, how well the predicted set matches the true set, and averages
# over the comments:
#
# $$F_1^{\text{ex}} = \frac1N\sum_n \frac{2\,|Y_n \cap \hat Y_n|}{|Y_n| + |\hat Y_n|},$$
#
# where a comment with no true and no predicted label scores **1** (nothing to find and nothing claimed:
# a perfect answer). GoEmotions gives every comment at least one label, so this case only arises in
# other data, but a function must say what it does.

# %% nbgrader={"grade": false, "grade_id": "multilabel_scores", "locked": false, "schema_version": 3, "solution": true}
def multilabel_scores(targets, predicted):
    """Per-label and example-based scores of multi-label predictions.

    Args:
        targets: 0/1 array of shape (N, K), the true label sets.
        predicted: 0/1 (or bool) array of shape (N, K), the predicted label sets.
    Returns:
        dict with
            "f1": float array of shape (K,), the F1 of each label (0/0 taken as 0);
            "macro_f1": the mean of the K per-label F1;
            "micro_f1": the F1 of the TP, FP and FN pooled over all labels;
            "example_f1": the mean over the N examples of 2 |Y_n & P_n| / (|Y_n| + |P_n|), 1 for an
                example with no true and no predicted label.
        the three averages as floats.
    """
    ### BEGIN SOLUTION
    targets = np.asarray(targets, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    tp = np.sum(targets * predicted, axis=0)
    fp = np.sum((1 - targets) * predicted, axis=0)
    fn = np.sum(targets * (1 - predicted), axis=0)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=2 * tp + fp + fn > 0)
    pooled = 2 * tp.sum() + fp.sum() + fn.sum()
    overlap = np.sum(targets * predicted, axis=1)
    sizes = targets.sum(axis=1) + predicted.sum(axis=1)
    per_example = np.divide(2 * overlap, sizes, out=np.ones_like(overlap), where=sizes > 0)
    return {"f1": f1, "macro_f1": float(np.mean(f1)), "micro_f1": float(2 * tp.sum() / pooled) if pooled > 0 else 0.0,
            "example_f1": float(np.mean(per_example))}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_multilabel_scores", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["multi_label"]
targets, predicted = case.inputs["targets"], case.inputs["predicted"]
scores = multilabel_scores(targets, predicted)
names = ("f1", "macro_f1", "micro_f1", "example_f1")
checks.assert_true(isinstance(scores, dict) and sorted(scores) == sorted(names),
                   f"multilabel_scores should return a dict with the keys {names}")
checks.assert_shape(scores["f1"], (targets.shape[1],), 'scores["f1"] (one F1 per label: sum over the examples, axis 0)')
checks.assert_close(scores["f1"], case.outputs["f1"], "the per-label F1")
checks.assert_close(scores["micro_f1"], case.outputs["micro_f1"], "the micro F1", common_bugs={
    "micro F1 pools the counts of all labels before dividing; this is the macro F1": case.outputs["macro_f1"]})
checks.assert_close(scores["example_f1"], case.outputs["example_f1"],
                    "the example-based F1 (the reference case has one example with no true and no predicted label)")
for average in ("macro", "micro"):
    checks.assert_close(scores[f"{average}_f1"], keras_f1(targets, predicted, average, threshold=0.5),
                        f"the {average} F1 against keras.metrics.F1Score(average='{average}', threshold=0.5)", rtol=1e-5, atol=1e-6)
print("multilabel_scores: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(104)
for n, k in ((40, 6), (5, 2), (1, 4)):
    y, p = rng.random((n, k)) < 0.3, rng.random((n, k)) < 0.3
    got = multilabel_scores(y.astype(int), p)
    want_example = np.mean([1.0 if y[i].sum() + p[i].sum() == 0 else 2 * np.sum(y[i] & p[i]) / (y[i].sum() + p[i].sum()) for i in range(n)])
    checks.assert_close(got["example_f1"], want_example, f"the example-based F1, N={n}, K={k}")
    for c in range(k):
        tp, fp, fn = np.sum(y[:, c] & p[:, c]), np.sum(~y[:, c] & p[:, c]), np.sum(y[:, c] & ~p[:, c])
        checks.assert_close(got["f1"][c], 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0, f"the F1 of label {c}, N={n}, K={k}")
got = multilabel_scores(np.zeros((2, 3)), np.zeros((2, 3)))
checks.assert_close(np.array([got["macro_f1"], got["micro_f1"], got["example_f1"]]), [0.0, 0.0, 1.0],
                    "nothing true and nothing predicted: label scores 0/0 = 0, example-based 1")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. From scores to label sets: thresholds
#
# A sigmoid model gives scores $s_{nk} \in (0, 1)$; label $k$ is predicted when $s_{nk} \ge \tau_k$
# (**at or above** the threshold, in this lesson). One global $\tau = 0.5$ is the default, and a poor one
# for rare labels: a label seen on 0.2% of the comments rarely gets a score above 0.5, so its recall,
# and its F1, stay near 0, and macro-F1 weighs that label as much as *neutral*.
#
# Better: one threshold per label, each chosen to maximise that label's F1 **on the dev split** (never
# on test: the test set must stay an honest estimate of new data). Candidates come from a grid; when
# several give the same best F1, take the **smallest** of them (a fixed rule, so that the answer does not
# depend on the order the candidates come in).

# %% nbgrader={"grade": false, "grade_id": "tune_thresholds", "locked": false, "schema_version": 3, "solution": true}
def tune_thresholds(targets, scores, candidates):
    """One threshold per label, each maximising that label's F1 on the given (dev) data.

    Args:
        targets: 0/1 array of shape (N, K), the true labels of the dev examples.
        scores: float array of shape (N, K), the model's scores for them.
        candidates: float array of shape (C,), the thresholds to try, in any order.
    Returns:
        float array of shape (K,): for each label k, the candidate t whose predictions
        scores[:, k] >= t give the highest F1 of label k (0/0 taken as 0); among tied
        candidates, the smallest.
    """
    ### BEGIN SOLUTION
    targets = np.asarray(targets, dtype=bool)
    candidates = np.sort(np.asarray(candidates, dtype=float))
    best = np.zeros(targets.shape[1])
    for label in range(targets.shape[1]):
        f1s = []
        for threshold in candidates:
            called = scores[:, label] >= threshold
            tp = np.sum(called & targets[:, label])
            wrong = np.sum(called != targets[:, label])  # FP + FN
            f1s.append(2 * tp / (2 * tp + wrong) if tp + wrong > 0 else 0.0)
        best[label] = candidates[int(np.argmax(f1s))]  # argmax takes the first, smallest, of tied maxima
    return best
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tune_thresholds", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["thresholds"]
thresholds = tune_thresholds(case.inputs["targets"], case.inputs["scores"], case.inputs["candidates"])
checks.assert_shape(thresholds, case.outputs["thresholds"].shape, "the thresholds (one per label)")
checks.assert_close(thresholds, case.outputs["thresholds"], "the tuned thresholds", common_bugs={
    "a label is predicted when its score is at or above the threshold (>=), not strictly above": case.outputs["strictly_above"],
    "among tied candidates take the smallest": case.outputs["largest_of_ties"]})
print("tune_thresholds: all visible tests passed")
### BEGIN HIDDEN TESTS
# Label 0: scores 0.2 (no) and 0.6, 0.6 (yes): every candidate in (0.2, 0.6] is perfect, the smallest is 0.3.
# Label 1: all 0, so F1 is 0 whatever the threshold: the smallest candidate.
checks.assert_close(tune_thresholds(np.array([[0, 0], [1, 0], [1, 0]]), np.array([[0.2, 0.9], [0.6, 0.1], [0.6, 0.5]]),
                                    np.array([0.7, 0.3, 0.6, 0.5, 0.1])), [0.3, 0.1], "two labels, unsorted candidates with ties")
checks.assert_close(tune_thresholds(np.array([[1], [0]]), np.array([[0.5], [0.4]]), np.array([0.5])), [0.5], "a single candidate")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Keras models on GoEmotions
#
# Three models, from the cheapest to the most expressive, all with 28 sigmoid outputs and the binary
# cross-entropy of section 1:
#
# 1. **bag of n-grams** (fastText-style, lesson 09): the average of learned vectors of the comment's words
#    and word pairs, then a dense layer. Blind to order beyond pairs, fast, a strong baseline;
# 2. **CNN** (lesson 07): convolutions of widths 2, 3 and 4 over the word vectors, global max pooling;
# 3. **bidirectional GRU** (lesson 08): one GRU reads the comment left to right, another right to left,
#    their last states concatenated. You write this one; the other two are given.
#
# `Bidirectional(GRU(u))` has twice a GRU's parameters, $2 \cdot 3\,(E u + u^2 + 2u)$ (Keras' GRU keeps
# two biases per gate, `reset_after=True`), and outputs $2u$ numbers.

# %% nbgrader={"grade": false, "grade_id": "build_bigru", "locked": false, "schema_version": 3, "solution": true}
def build_bigru(vocab_size, num_labels, embedding_dim=64, units=32, multi_label=True, learning_rate=2e-3):
    """A compiled bidirectional-GRU classifier of token sequences.

    Args:
        vocab_size: int V (index 0 is padding, masked).
        num_labels: int K.
        embedding_dim: int E; units: int u, the units of each direction's GRU.
        multi_label: True for K independent sigmoids trained with binary cross-entropy, False for a
            softmax over K exclusive classes trained with categorical cross-entropy (one-hot targets).
        learning_rate: Adam's learning rate.
    Returns:
        a compiled keras.Model: keras.Input(shape=(None,), dtype="int32") (token ids, any length T),
        Embedding(V, E, mask_zero=True), Bidirectional(GRU(u)), Dropout(0.3), Dense(K) with the output
        activation above. It maps (N, T) tokens to (N, K) probabilities.
    """
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(inputs)
    states = keras.layers.Bidirectional(keras.layers.GRU(units))(vectors)
    states = keras.layers.Dropout(0.3)(states)
    outputs = keras.layers.Dense(num_labels, activation="sigmoid" if multi_label else "softmax")(states)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy" if multi_label else "categorical_crossentropy")
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_bigru", "locked": true, "points": 4, "schema_version": 3, "solution": false}
def gru_parameters(vocab_size, num_labels, embedding_dim, units):
    return vocab_size * embedding_dim + 2 * 3 * (embedding_dim * units + units * units + 2 * units) + 2 * units * num_labels + num_labels


keras.utils.set_random_seed(0)
model = build_bigru(30, 5, embedding_dim=6, units=4)
checks.assert_model(model, {"Embedding": 1, "Bidirectional": 1, "Dropout": 1, "Dense": 1}, (None, 5), gru_parameters(30, 5, 6, 4))
tokens = np.array([[3, 7, 9, 0, 0, 0]])
checks.assert_close(keras.ops.convert_to_numpy(model(tokens)), keras.ops.convert_to_numpy(model(tokens[:, :3])),
                    "the output for a comment with padding after it (the embedding should mask index 0)", rtol=1e-5, atol=1e-6)
# Behaviour: a toy task with two overlapping labels: label 0 when word 2 occurs, label 1 when word 3 does.
rng = np.random.default_rng(105)
toy_tokens = rng.integers(4, 20, size=(400, 6))
toy_labels = (rng.random((400, 2)) < 0.5).astype("float32")
toy_tokens[:, 0] = np.where(toy_labels[:, 0] == 1, 2, toy_tokens[:, 0])
toy_tokens[:, 4] = np.where(toy_labels[:, 1] == 1, 3, toy_tokens[:, 4])
keras.utils.set_random_seed(0)
model = build_bigru(20, 2, embedding_dim=8, units=8, learning_rate=0.02)
model.fit(toy_tokens[:300], toy_labels[:300], epochs=6, batch_size=32, verbose=0)
toy_predicted = keras.ops.convert_to_numpy(model(toy_tokens[300:])) >= 0.5
toy_true = toy_labels[300:] == 1
toy_sizes = toy_predicted.sum(axis=1) + toy_true.sum(axis=1)
toy_f1 = float(np.mean(np.where(toy_sizes > 0, 2 * np.sum(toy_predicted & toy_true, axis=1) / np.maximum(toy_sizes, 1), 1.0)))
checks.assert_at_least(toy_f1, 0.95, "the example-based F1 on a toy task with two overlapping labels",
                       "Comments can have both labels: use sigmoid outputs with binary cross-entropy when multi_label is True.")
print("build_bigru: all visible tests passed")
### BEGIN HIDDEN TESTS
keras.utils.set_random_seed(1)
single = build_bigru(12, 3, embedding_dim=5, units=2, multi_label=False, learning_rate=0.01)
checks.assert_model(single, {"Embedding": 1, "Bidirectional": 1, "Dense": 1}, (None, 3), gru_parameters(12, 3, 5, 2))
probabilities = keras.ops.convert_to_numpy(single(np.array([[1, 2, 3], [4, 0, 0]])))
checks.assert_close(probabilities.sum(axis=1), [1.0, 1.0], "the softmax outputs' row sums when multi_label=False", rtol=1e-5)
checks.assert_true(float(keras.ops.convert_to_numpy(single.optimizer.learning_rate)) == np.float32(0.01),
                   "the optimizer should use the learning_rate argument")
one_hot = np.eye(3, dtype="float32")[[0, 1]]
want = -np.mean(np.log(np.sum(probabilities * one_hot, axis=1)))
got = float(keras.ops.convert_to_numpy(single.compute_loss(x=None, y=one_hot, y_pred=keras.ops.convert_to_tensor(probabilities))))
checks.assert_close(got, want, "the loss of the softmax model (categorical cross-entropy)", rtol=1e-4)
multi = build_bigru(12, 3, embedding_dim=5, units=2)
probabilities = keras.ops.convert_to_numpy(multi(np.array([[1, 2, 3]])))
targets = np.array([[1.0, 0.0, 1.0]], dtype="float32")
want = -np.mean(targets * np.log(probabilities) + (1 - targets) * np.log(1 - probabilities))
got = float(keras.ops.convert_to_numpy(multi.compute_loss(x=None, y=targets, y_pred=keras.ops.convert_to_tensor(probabilities))))
checks.assert_close(got, want, "the loss of the multi-label model (binary cross-entropy)", rtol=1e-4)
### END HIDDEN TESTS

# %% [markdown]
# The given builders, and the text pipeline. English comments are tokenized as in lesson 06
# (`emolib.text.tokenize`: lower case, punctuation dropped; a comment of emoji alone becomes the token
# `[empty]`, so no comment is all padding); the n-gram model also gets each pair of neighbouring words as
# a token (`not_happy`). Each vocabulary is built on the training comments only.

# %%
def compiled_classifier(inputs, features, num_labels, multi_label, learning_rate):
    """A dense output layer on `features`, sigmoids (binary cross-entropy) or a softmax (categorical), compiled."""
    outputs = keras.layers.Dense(num_labels, activation="sigmoid" if multi_label else "softmax")(features)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy" if multi_label else "categorical_crossentropy")
    return model


def bag_of_ngrams_model(vocab_size, num_labels, embedding_dim=64, multi_label=True, learning_rate=3e-3):
    """fastText-style: the average of the n-grams' vectors (padding masked), dropout, one dense layer."""
    inputs = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(inputs)
    average = keras.layers.Dropout(0.3)(keras.layers.GlobalAveragePooling1D()(vectors))
    return compiled_classifier(inputs, average, num_labels, multi_label, learning_rate)


def cnn_model(vocab_size, num_labels, embedding_dim=64, filters=64, multi_label=True, learning_rate=2e-3):
    """Kim's CNN (lesson 07): convolutions of widths 2, 3 and 4, global max pooling, dropout, dense."""
    inputs = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(vocab_size, embedding_dim)(inputs)
    pooled = [keras.layers.GlobalMaxPooling1D()(keras.layers.Conv1D(filters, width, activation="relu", padding="same")(vectors))
              for width in (2, 3, 4)]
    features = keras.layers.Dropout(0.5)(keras.layers.Concatenate()(pooled))
    return compiled_classifier(inputs, features, num_labels, multi_label, learning_rate)


def english_words(text):
    return emolib.text.tokenize(text) or ["[empty]"]


def with_bigrams(words):
    return words + [f"{first}_{second}" for first, second in zip(words, words[1:])]


def vectorize(token_lists, max_tokens, length):
    """Integer matrices {split: (N, length)} from {split: lists of tokens}, the vocabulary fitted on train."""
    joined = {split: [" ".join(tokens) for tokens in lists] for split, lists in token_lists.items()}
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, standardize=None, split="whitespace",
                                                output_sequence_length=length)
    vectorizer.adapt(joined["train"])
    matrices = {split: keras.ops.convert_to_numpy(vectorizer(np.array(texts))) for split, texts in joined.items()}
    return matrices, np.array(vectorizer.get_vocabulary())


comment_words = {split: [english_words(text) for text in part["texts"]] for split, part in goemotions.items()}
word_x, word_vocab = vectorize(comment_words, 8000 if FAST else 20000, 32)
ngram_x, ngram_vocab = vectorize({split: [with_bigrams(words) for words in lists] for split, lists in comment_words.items()},
                                 15000 if FAST else 50000, 64)
print(f"words: vocabulary {len(word_vocab)}, n-grams: vocabulary {len(ngram_vocab)};",
      f"{np.mean([len(words) > 32 for words in comment_words['train']]):.2%} of the training comments are cut at 32 words")

# %% [markdown]
# Each model trains with early stopping on the dev loss (restoring the best epoch), then gets per-label
# thresholds tuned on dev (section 4). The models are compared on **dev macro-F1**; the test split is
# scored once, for the chosen model.

# %%
CANDIDATES = np.round(np.arange(0.05, 0.96, 0.05), 2)


def train(model, x, y, epochs, class_weight=None, batch_size=128):
    """Fit with early stopping on the dev loss; returns (seconds of fit, epochs run)."""
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(x["train"], y["train"], validation_data=(x["dev"], y["dev"]), epochs=epochs,
                        batch_size=batch_size, class_weight=class_weight, callbacks=[stop], verbose=0)
    return time.perf_counter() - start, len(history.history["loss"])


def fit_and_tune(name, build, x, y, epochs):
    """Train a multi-label model, tune its thresholds on dev; returns a dict of what section 5 compares."""
    keras.utils.set_random_seed(0)
    model = build()
    seconds, epochs_run = train(model, x, y, epochs)
    dev_scores = model.predict(x["dev"], batch_size=512, verbose=0)
    thresholds = tune_thresholds(y["dev"], dev_scores, CANDIDATES)
    dev = multilabel_scores(y["dev"], dev_scores >= thresholds)
    at_half = multilabel_scores(y["dev"], dev_scores >= 0.5)
    print(f"{name}: {model.count_params():,} parameters, {epochs_run} epochs, {seconds:.0f} s; dev macro-F1 "
          f"{at_half['macro_f1']:.4f} at 0.5, {dev['macro_f1']:.4f} with per-label thresholds")
    return {"model": model, "x": x, "seconds": seconds, "epochs": epochs_run, "thresholds": thresholds,
            "dev_scores": dev_scores, "dev": dev}


labels_28 = {split: part["labels"] for split, part in goemotions.items()}
epochs = 2 if FAST else 8
gru_epochs = 1 if FAST else 4  # a GRU epoch costs five to ten times a bag-of-n-grams epoch
candidates_28 = {
    "bag of n-grams": fit_and_tune("bag of n-grams", lambda: bag_of_ngrams_model(len(ngram_vocab), 28), ngram_x, labels_28, epochs),
    "CNN": fit_and_tune("CNN", lambda: cnn_model(len(word_vocab), 28), word_x, labels_28, epochs),
    "BiGRU": fit_and_tune("BiGRU", lambda: build_bigru(len(word_vocab), 28), word_x, labels_28, gru_epochs),
}

# %% [markdown]
# How much do the thresholds matter? For the bag-of-n-grams model: macro-F1 on dev with one global
# threshold, for every candidate, against the per-label thresholds.

# %%
baseline = candidates_28["bag of n-grams"]
global_f1 = [multilabel_scores(labels_28["dev"], baseline["dev_scores"] >= t)["macro_f1"] for t in CANDIDATES]
best_global = float(CANDIDATES[int(np.argmax(global_f1))])
plots.line_plot(CANDIDATES, {"one global threshold": global_f1,
                             "per-label thresholds (tuned on dev)": [baseline["dev"]["macro_f1"]] * len(CANDIDATES)},
                "threshold", "dev macro-F1", title="bag of n-grams, 28 labels")
plt.show()
print(f"best global threshold {best_global:.2f}: dev macro-F1 {max(global_f1):.4f}; "
      f"per-label thresholds {baseline['dev']['macro_f1']:.4f} (tuned and measured on the same dev set: optimistic)")

# %% [markdown]
# In the course's full run, the bag of n-grams reaches a dev macro-F1 of 0.2095 at the default 0.5,
# 0.3316 at the best global threshold (0.10), and 0.3427 with per-label thresholds; the CNN and the
# BiGRU gain as much (0.2855 to 0.4261 and 0.2083 to 0.3568, printed above). The threshold is worth more
# than the choice of model. At 0.5 most rare labels are never predicted: a sigmoid trained on a label that
# is 0 on 99% of the comments rarely dares a score above 0.5, and a lower threshold finds more of the
# label than it costs. Per-label thresholds are tuned and measured on the same dev comments, so their
# dev score flatters them a little (a rare label's threshold is fitted to a handful of comments); the
# test score, below, is the honest one.
#
# Labels also come together. The share of the comments with label $i$ (row) that also have label $j$
# (the full run prints grief -> sadness 0.29, nervousness -> fear 0.21, pride -> admiration 0.21,
# anger -> annoyance 0.17: neighbours in meaning, where raters drew the line in different places, which
# is one reason why 28-way F1 stays low and why the Ekman grouping, below, scores higher):

# %%
counts = labels_28["train"].T @ labels_28["train"]
co_occurrence = counts / np.maximum(np.diag(counts)[:, None], 1)
np.fill_diagonal(co_occurrence, 0)
plots.matrix_heatmap(co_occurrence, emotion_names, emotion_names, "also labelled", "comments labelled",
                     title="GoEmotions (train): label co-occurrence", annotate=False)
plt.show()
pairs = sorted(((co_occurrence[i, j], i, j) for i in range(28) for j in range(28) if i != j), reverse=True)[:4]
print("most frequent companions:", "; ".join(f"{emotion_names[i]} -> {emotion_names[j]} {share:.2f}" for share, i, j in pairs))

# %% [markdown]
# Now the choice, on dev macro-F1, and the one look at the test set. Per-class F1 on dev, side by side:

# %%
plots.grouped_bars(emotion_names, {name: result["dev"]["f1"] for name, result in candidates_28.items()},
                   "dev F1", title="GoEmotions, 28 labels: per-label F1 on dev")
plt.show()
chosen_name = max(candidates_28, key=lambda name: candidates_28[name]["dev"]["macro_f1"])
for name, result in candidates_28.items():
    test_scores = result["model"].predict(result["x"]["test"], batch_size=512, verbose=0) if name == chosen_name else None
    test = multilabel_scores(labels_28["test"], test_scores >= result["thresholds"]) if name == chosen_name else None
    if name == chosen_name:
        chosen_28 = {**result, "test_scores": test_scores, "test": test}
    emolib.results.record("10_emotions", f"GoEmotions 28 labels, {name}" + (" (chosen on dev)" if name == chosen_name else ""),
                          parameters=result["model"].count_params(), train_seconds=result["seconds"], epochs=result["epochs"],
                          val_accuracy=None, test_accuracy=None, val_macro_f1=result["dev"]["macro_f1"],
                          test_macro_f1=test["macro_f1"] if test else None, mode=MODE)
print(f"chosen on dev: {chosen_name}. Test: macro-F1 {chosen_28['test']['macro_f1']:.4f}, "
      f"micro-F1 {chosen_28['test']['micro_f1']:.4f}, example-based F1 {chosen_28['test']['example_f1']:.4f}")

# %% [markdown]
# Only the chosen model is scored on test (its row has a test number; the others have dev numbers only).
#
# In the course's full run (all 43,410 training comments, a 2-core CPU shared with other jobs) dev chose
# the **CNN**: dev macro-F1 0.4261, against 0.3568 for the BiGRU and 0.3427 for the bag of n-grams. Scored
# once on test: **macro-F1 0.3950**, micro-F1 0.5312, example-based F1 0.5334. The course aimed at 0.42 on
# test: **missed**. The CNN trained for 67 s (4 epochs); the BiGRU, the most expressive model, took 238 s
# for its 4 epochs and still did worse: with word vectors learned from scratch on 43,410 short comments,
# the recurrent model has more to fit than the data teaches it in that time. The dev-to-test drop of the
# CNN (0.43 to 0.40) is the optimism of thresholds tuned on dev. In fast mode (3,000 comments, one or two
# epochs) every model stays near zero, which is what so little training gives on 28 rare labels.
#
# ### What the best model gets most confidently wrong
#
# For each test comment, the label the model is surest of **that the raters did not give**: the highest
# score among the comment's false labels. The comments where that score is highest:

# %%
test_texts = goemotions["test"]["texts"]
false_scores = np.where(labels_28["test"] == 0, chosen_28["test_scores"], -1.0)
worst = np.argsort(-false_scores.max(axis=1), kind="stable")[:8]
for n in worst:
    wrong = int(np.argmax(false_scores[n]))
    print(f"{false_scores[n, wrong]:.3f} {emotion_names[wrong]:>14s} | raters: "
          f"{', '.join(emotion_names[k] for k in np.flatnonzero(labels_28['test'][n]))} | {test_texts[n][:110]}")

# %% [markdown]
# In the full run, five of the eight most confident mistakes are *gratitude* or *amusement* given for a
# word: "Yeah thank you you ungrateful bast....." (0.997 gratitude; the raters said *anger*: sarcasm), a
# moderator's notice ending in "Thank you" (the raters: *neutral*, a formula), "I know "meegwetch" means
# thank you lol" (*amusement*, *confusion*: the thanks is mentioned, not given), "Thanks for further
# justifying my support for Tulsi, Daily Gross." (*neutral*: sarcasm again), "I guess some people just
# hate fun, lol" (amusement; the raters: *disapproval*). The model learned that "thank" means gratitude
# and "lol" amusement, which is true most of the time; the exceptions are sarcasm, quotation and formulas,
# which a bag of word windows cannot see. Others are arguably not mistakes: "I love your art style, that
# looks fantastic!" (admiration 0.979; the raters gave *love* only) and "Only for a week? You are a great
# optimist!" (admiration; the raters: *curiosity*). The labels are the readings of a few raters, and on
# the 28 fine-grained emotions they often differ: part of the gap to a perfect score is not the model's.
#
# ## 6. Seven classes: the Ekman grouping with a softmax
#
# Grouped into Ekman's six basic emotions and neutral, 91% of the comments have a single label: the
# classes now (nearly) exclude each other, the case for a softmax. The target of a comment with two
# Ekman labels is split evenly, $(\frac12, \frac12)$, which the categorical cross-entropy accepts. The
# chosen architecture is trained again with 7 softmax outputs. For the score we keep the multi-label view
# the paper uses (per-label thresholds on the 7 probabilities, tuned on dev, and macro-F1), and for the
# comments with one Ekman label, the confusion matrix of the most probable class.

# %%
labels_7 = {split: part["ekman"] for split, part in goemotions.items()}
soft_7 = {split: labels / labels.sum(axis=1, keepdims=True) for split, labels in labels_7.items()}
builders = {"bag of n-grams": lambda: bag_of_ngrams_model(len(ngram_vocab), 7, multi_label=False),
            "CNN": lambda: cnn_model(len(word_vocab), 7, multi_label=False),
            "BiGRU": lambda: build_bigru(len(word_vocab), 7, multi_label=False)}
keras.utils.set_random_seed(0)
ekman_model = builders[chosen_name]()
ekman_x = chosen_28["x"]
ekman_seconds, ekman_epochs = train(ekman_model, ekman_x, soft_7, gru_epochs if chosen_name == "BiGRU" else epochs)
ekman_dev_scores = ekman_model.predict(ekman_x["dev"], batch_size=512, verbose=0)
ekman_thresholds = tune_thresholds(labels_7["dev"], ekman_dev_scores, CANDIDATES)
ekman_dev = multilabel_scores(labels_7["dev"], ekman_dev_scores >= ekman_thresholds)
ekman_test_scores = ekman_model.predict(ekman_x["test"], batch_size=512, verbose=0)  # once
ekman_test = multilabel_scores(labels_7["test"], ekman_test_scores >= ekman_thresholds)
one_label = labels_7["test"].sum(axis=1) == 1
ekman_matrix = confusion_matrix(labels_7["test"][one_label].argmax(axis=1), ekman_test_scores[one_label].argmax(axis=1), 7)
ekman_single = classification_scores(ekman_matrix)
emolib.results.record("10_emotions", f"GoEmotions Ekman 7 labels, {chosen_name}, softmax",
                      parameters=ekman_model.count_params(), train_seconds=ekman_seconds, epochs=ekman_epochs,
                      val_accuracy=None, test_accuracy=ekman_single["accuracy"],
                      val_macro_f1=ekman_dev["macro_f1"], test_macro_f1=ekman_test["macro_f1"], mode=MODE)
print(f"Ekman test macro-F1 {ekman_test['macro_f1']:.4f} (per-label thresholds); on the {one_label.sum()} single-label "
      f"test comments: accuracy {ekman_single['accuracy']:.4f}, macro-F1 of the most probable class {ekman_single['macro_f1']:.4f}")
plots.matrix_heatmap(ekman_matrix / np.maximum(ekman_matrix.sum(axis=1, keepdims=True), 1), ekman_names, ekman_names,
                     "predicted", "true", title="Ekman, test comments with one label (rows sum to 1)")
plt.show()

# %% [markdown]
# In the course's full run the chosen architecture, the CNN, trained with 7 softmax outputs for 3 epochs
# (49 s). Scored once on test: **macro-F1 0.5598** with per-label thresholds tuned on dev (dev 0.5747);
# the course aimed at 0.56: **missed**, by 0.0002. On the 4,968 test comments with one Ekman label the
# most probable class is right for 66.04% of them, with a macro-F1 of 0.5833. Each row of the matrix
# is where the comments of one true emotion go; what lies off the diagonal is that emotion's lost recall,
# and the column it lies in says what it was taken for. In fast mode the model learns little more than
# the class prior (accuracy 0.3746, macro-F1 0.0892: mostly *joy*), and the matrix shows it as one dark
# column.
#
# ## 7. The same task in Chinese: Weibo posts
#
# SMP2020-EWECT (the Weibo emotion evaluation of SMP 2020, HIT-SCIR), its COVID-19 track: Chinese Weibo
# posts from early 2020, each with one of six labels, happy, angry, sad, fear, surprise, neutral; 8,606
# training, 2,000 evaluation (our dev) and 3,000 test posts. It has no open licence and no download:
# `load_smp2020_ewect` reads it from the data folder and says where to put it when it is missing.
#
# One label per post: a softmax with 6 outputs. Tokens are jieba words, or single characters (no
# segmentation at all), each with their bigrams; the vocabulary comes from the training posts only, and
# the choice between words and characters is made on dev.

# %%
weibo = {}
for split, size in (("train", 2000), ("eval", 500), ("test", 500)):
    texts, labels, weibo_names = emolib.data.load_smp2020_ewect(split)
    if FAST:
        texts, labels = texts[:size], labels[:size]
    weibo["dev" if split == "eval" else split] = {"texts": texts, "labels": labels}
print({split: len(part["texts"]) for split, part in weibo.items()}, "posts; train per class:",
      dict(zip(weibo_names, np.bincount(weibo["train"]["labels"], minlength=6))))
weibo_tokens = {
    "jieba words": {split: [with_bigrams(emolib.text.segment_chinese(text) or ["[empty]"]) for text in part["texts"]]
                    for split, part in weibo.items()},
    "characters": {split: [with_bigrams(emolib.text.chinese_characters(text) or ["[empty]"]) for text in part["texts"]]
                   for split, part in weibo.items()},
}
print(weibo["train"]["texts"][1][:40], "->", " / ".join(weibo_tokens["jieba words"]["train"][1][:12]))
weibo_y = {split: part["labels"] for split, part in weibo.items()}
weibo_one_hot = {split: np.eye(6, dtype="float32")[labels] for split, labels in weibo_y.items()}
weights = class_weights(weibo_y["train"], 6)
print("class weights:", dict(zip(weibo_names, np.round(weights, 2))))

# %%
weibo_runs = {}
for tokens_name, tokens in weibo_tokens.items():
    x, vocab = vectorize(tokens, 20000 if FAST else 60000, 150)
    for weighted in (False, True):
        keras.utils.set_random_seed(0)
        model = bag_of_ngrams_model(len(vocab), 6, multi_label=False, learning_rate=5e-3)
        seconds, epochs_run = train(model, x, weibo_one_hot, 3 if FAST else 12,
                                    class_weight=dict(enumerate(weights)) if weighted else None)
        dev_scores = classification_scores(confusion_matrix(weibo_y["dev"], model.predict(x["dev"], verbose=0).argmax(axis=1), 6))
        name = f"{tokens_name}{', class weights' if weighted else ''}"
        weibo_runs[name] = {"model": model, "x": x, "vocab": vocab, "seconds": seconds, "epochs": epochs_run, "dev": dev_scores}
        print(f"{name}: dev macro-F1 {dev_scores['macro_f1']:.4f}, accuracy {dev_scores['accuracy']:.4f}, "
              f"{epochs_run} epochs, {seconds:.0f} s")
plots.grouped_bars(weibo_names, {name: run["dev"]["recall"] for name, run in weibo_runs.items()}, "dev recall",
                   title="SMP2020-EWECT: per-class recall on dev")
plt.show()

# %% [markdown]
# Class weights trade the frequent class for the rare ones. In the full run they raise the dev macro-F1
# from 0.4949 to 0.5040 (jieba words) and from 0.4953 to 0.5159 (characters) and lower the accuracy from
# 0.6935 to 0.6635 and from 0.6885 to 0.6515. The recall plot shows where the points move; in the
# fast-mode run, with jieba words, *happy* drops from 0.69 to 0.46 while *sad* rises from 0.05 to 0.26
# and *fear* from 0 to 0.23. Which one to want depends on the use; macro-F1, the number this task
# reports, prefers the weights. Characters and jieba words end close; characters need no dictionary,
# and Weibo's slang, emoji codes like `[心]` and names are where a dictionary segmenter is weakest.

# %%
weibo_chosen = max(weibo_runs, key=lambda name: weibo_runs[name]["dev"]["macro_f1"])
run = weibo_runs[weibo_chosen]
weibo_test_probabilities = run["model"].predict(run["x"]["test"], verbose=0)  # the one look at the test set
weibo_predicted = weibo_test_probabilities.argmax(axis=1)
weibo_matrix = confusion_matrix(weibo_y["test"], weibo_predicted, 6)
weibo_test = classification_scores(weibo_matrix)
emolib.results.record("10_emotions", f"SMP2020-EWECT, bag of {weibo_chosen} + bigrams (chosen on dev)",
                      parameters=run["model"].count_params(), train_seconds=run["seconds"], epochs=run["epochs"],
                      val_accuracy=run["dev"]["accuracy"], test_accuracy=weibo_test["accuracy"],
                      val_macro_f1=run["dev"]["macro_f1"], test_macro_f1=weibo_test["macro_f1"], mode=MODE)
print(f"chosen on dev: {weibo_chosen}. Test: macro-F1 {weibo_test['macro_f1']:.4f}, accuracy {weibo_test['accuracy']:.4f}, "
      f"weighted F1 {weibo_test['weighted_f1']:.4f}")
print("per-class test F1:", ", ".join(f"{name} {f1:.3f}" for name, f1 in zip(weibo_names, weibo_test["f1"])))
plots.matrix_heatmap(weibo_matrix / np.maximum(weibo_matrix.sum(axis=1, keepdims=True), 1), weibo_names, weibo_names,
                     "predicted", "true", title="SMP2020-EWECT test posts (rows sum to 1)")
plt.show()
confidence = weibo_test_probabilities[np.arange(len(weibo_predicted)), weibo_predicted]
wrong = np.flatnonzero(weibo_predicted != weibo_y["test"])
for n in wrong[np.argsort(-confidence[wrong], kind="stable")][:6]:
    print(f"{confidence[n]:.3f} said {weibo_names[weibo_predicted[n]]:>8s}, label {weibo_names[weibo_y['test'][n]]:>8s} | "
          f"{weibo['test']['texts'][n][:70]}")

# %% [markdown]
# In the course's full run dev chose **characters with class weights** (dev macro-F1 0.5159). Scored once
# on the 3,000 test posts: **macro-F1 0.5681**, accuracy 0.7187, weighted F1 0.7265; the course aimed at
# 0.58 macro-F1: **missed**. Per class: happy 0.866, angry 0.695, neutral 0.584, fear 0.496, sad 0.484,
# surprise 0.282 (197 training posts). The confident mistakes are short posts whose label is a reading
# of context the model does not have: "唉 平安平安健康健康" ("sigh, be safe, be healthy": *sad*, the model
# says *happy* with certainty, from the good wishes), "好吓人？！[怒][怒][怒]" ("how scary?!" with three
# anger emoji: *fear*, the model says *angry*, from the emoji), "有用" ("useful": *happy*), "捐了"
# ("donated": *happy*), "照顾好自己" ("take care of yourself": *neutral*; the model says *happy*). Several
# of these labels could be argued either way; emoji codes like `[怒]` are strong features and sometimes
# mislead.
#
# ## 8. Against the published results
#
# | task | published (fine-tuned BERT) | this lesson, CPU, from scratch | gap |
# | --- | ---: | ---: | ---: |
# | GoEmotions, 28 labels, macro-F1 | 0.46 (BERT-base, Demszky et al., 2020) | 0.395 (CNN) | 0.07 |
# | GoEmotions, Ekman 7 labels, macro-F1 | about 0.62 to 0.64 (BERT-base) | 0.560 (CNN, softmax) | 0.06 to 0.08 |
# | SMP2020-EWECT, macro-F1 | about 0.74 (bert-base-chinese, **general** track) | 0.568 (COVID-19 track) | not comparable |
#
# BERT starts from a model pre-trained on billions of words and is fine-tuned on a GPU; ours learn
# every word vector from 43,410 comments in a few minutes of CPU. Seven points of macro-F1 is what that
# pre-training is worth on GoEmotions, where the raters' own disagreement caps every model. The Weibo
# number is **not** a like-for-like comparison: the 0.74 is on SMP2020-EWECT's general track (other posts,
# another label distribution), and this lesson has no checked bert-base-chinese figure for the COVID-19
# track it uses.
#
# In fast mode (what nbgrader runs) the notebook prints GoEmotions test macro-F1 0.0754, Ekman 0.2305,
# Weibo 0.4484: small data and one or two epochs, enough to grade the exercises, not to learn emotions.
#
# ## What you built
#
# - The multi-label loss of K sigmoids and its gradient $(p - y)/(NK)$, stable for any logits, checked
#   numerically, and the reason a softmax cannot say "two labels".
# - Balanced class weights, and what they do to the recall of rare classes.
# - The K x K confusion matrix; per-class precision, recall and F1 with macro, weighted and micro averages;
#   per-label and example-based scores of label sets; all equal to `keras.metrics.F1Score`.
# - Per-label thresholds tuned on dev, and the macro-F1 they are worth.
# - A bidirectional GRU, compared with a bag of n-grams and a CNN on 28 emotions, 7 Ekman classes and
#   Chinese Weibo posts, chosen on dev and reported once on test.
