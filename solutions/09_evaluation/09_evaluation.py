# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 09: evaluation, explanation and Chinese sentiment
#
# By the end of this lesson you will be able to
#
# - compute accuracy, precision, recall, F1 and the confusion matrix of a classifier from its scores,
#   and check your numbers against `keras.metrics`;
# - draw the ROC curve through every distinct threshold and compute the area under it with the
#   trapezoid rule, and say why Keras' `AUC` differs from yours in the last digits;
# - choose a decision threshold on validation data and apply it, once, to the test set;
# - find the reviews a model gets most confidently wrong, and read them (negation, sarcasm);
# - explain one prediction word by word with occlusion saliency, drawn over the review;
# - train a Chinese sentiment model on ChnSentiCorp reviews segmented with jieba, tuned on the dev
#   split and reported once on the test split.
#
# **Prerequisites:** lesson 06 (text to integers with `TextVectorization`, jieba) and lesson 07 (a Keras
# text model, validation split, early stopping). This lesson trains its own models, so it does not
# need the other notebooks to have run.
#
# **Time:** about two hours. **Runs on:** a laptop CPU. With `EMOLIB_FAST=1` (and always when nbgrader
# grades it) the notebook trains on 1,600 IMDB reviews and 1,200 Chinese reviews and runs in about a
# minute; the full run trains on all 20,000 IMDB training reviews and all 9,600 ChnSentiCorp training
# reviews, and takes under 2 minutes on an idle 2-core CPU (45 s of it training; five to seven minutes
# when other jobs shared the CPU).
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# The tests you see are not all the tests: the grader also tries ties, tiny inputs and one-class labels.
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

import keras

FAST = emolib.fast_mode()
MODE = "fast" if FAST else "full"
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("09_evaluation")

# %% [markdown]
# ## 1. A model to evaluate
#
# First a model worth evaluating: a fastText-style classifier (Joulin et al., 2017). Each word of a
# review gets a learned vector of $E$ numbers (an `Embedding`); the review is the **average** of its
# words' vectors (`GlobalAveragePooling1D`, which skips the padding when the embedding passes on a mask);
# one `Dense` unit with a sigmoid turns that average into $P(\text{positive})$:
#
# $$p = \sigma\Big(w^\top \frac{1}{|R|} \sum_{t \in R} e_{x_t} + b\Big), \qquad R = \{t : x_t \neq 0\}.$$
#
# It has $V E + E + 1$ parameters and trains in seconds. Write the builder; compile it with Adam, the
# binary cross-entropy (the loss that goes with one sigmoid output) and the accuracy metric.

# %% nbgrader={"grade": false, "grade_id": "build_model", "locked": false, "schema_version": 3, "solution": true}
def build_model(vocab_size, embedding_dim, learning_rate=1e-2):
    """A compiled averaged-embedding sentiment model.

    Args:
        vocab_size: int V, the number of token indices (index 0 is padding, masked).
        embedding_dim: int E, the length of a word's vector.
        learning_rate: Adam's learning rate.
    Returns:
        a compiled keras.Sequential: keras.Input(shape=(None,), dtype="int32") (reviews of int tokens, any
        length T), Embedding(V, E, mask_zero=True), GlobalAveragePooling1D, Dense(1, sigmoid). It maps
        tokens of shape (N, T) to probabilities of shape (N, 1); loss binary cross-entropy, metric accuracy.
    """
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
keras.utils.set_random_seed(0)
model = build_model(50, 8)
checks.assert_model(model, {"Embedding": 1, "GlobalAveragePooling1D": 1, "Dense": 1}, (None, 1), 50 * 8 + 8 + 1)
# The padding changes nothing: the average skips masked steps.
short = np.array([[5, 6, 7]])
padded = np.array([[5, 6, 7, 0, 0, 0]])
checks.assert_close(keras.ops.convert_to_numpy(model(padded)), keras.ops.convert_to_numpy(model(short)),
                    "the probability of a review with padding after it (the embedding should mask index 0)", rtol=1e-5)
# Behaviour: a toy task (word 2 "good" or word 3 "bad" among fillers 4-19, always in the first 6 words,
# which the padding never hides) learnt in a few epochs: right, and confidently so.
rng = np.random.default_rng(90)
toy_labels = rng.integers(0, 2, size=400)
toy_tokens = rng.integers(4, 20, size=(400, 8))
toy_tokens[np.arange(400), rng.integers(0, 6, size=400)] = np.where(toy_labels == 1, 2, 3)
toy_tokens[:, 6:] *= rng.integers(0, 2, size=(400, 1))  # some reviews are 6 words long, padded
keras.utils.set_random_seed(0)
model = build_model(20, 4, learning_rate=0.05)
model.fit(toy_tokens[:300], toy_labels[:300], epochs=8, batch_size=64, verbose=0)
toy_p = keras.ops.convert_to_numpy(model(toy_tokens[300:]))[:, 0].astype(np.float64)
toy_accuracy = float(np.mean((toy_p > 0.5) == toy_labels[300:]))
checks.assert_at_least(toy_accuracy, 0.95, "accuracy on the toy task after 8 epochs",
                       "Is the model compiled with binary cross-entropy for its one sigmoid output?")
toy_loss = float(-np.mean(np.log(np.where(toy_labels[300:] == 1, toy_p, 1 - toy_p))))
checks.assert_true(toy_loss <= 0.3, f"the binary cross-entropy on the toy task after 8 epochs is {toy_loss:.3f}, "
                   "it should be at most 0.3: the model is right but hardly sure, it has barely learnt. "
                   "Is the learning rate given to the optimizer?")
print("build_model: all visible tests passed")
### BEGIN HIDDEN TESTS
keras.utils.set_random_seed(1)
other = build_model(7, 3, learning_rate=0.1)
checks.assert_model(other, {"Embedding": 1, "GlobalAveragePooling1D": 1, "Dense": 1}, (None, 1), 7 * 3 + 3 + 1)
checks.assert_true(float(keras.ops.convert_to_numpy(other.optimizer.learning_rate)) == np.float32(0.1),
                   "the optimizer should use the learning_rate argument")
# The average: with the embedding and the dense layer set by hand, p = sigmoid(mean of the word weights).
weights = np.arange(7, dtype="float32")[:, None] * np.ones((1, 3), dtype="float32") / 10
other.layers[0].set_weights([weights])
other.layers[-1].set_weights([np.ones((3, 1), dtype="float32"), np.zeros(1, dtype="float32")])
got = keras.ops.convert_to_numpy(other(np.array([[1, 2, 6, 0], [4, 0, 0, 0]])))[:, 0]
checks.assert_close(got, 1 / (1 + np.exp(-3 * np.array([0.3, 0.4]))), "the model's output with fixed weights", rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# Now the data. The IMDB reviews are tokenized with `emolib.text.tokenize` (lower case, punctuation
# dropped), then `TextVectorization` maps the words to indices with a vocabulary built on the training
# reviews only. A fifth of the training reviews is held out as the **validation** set: everything we
# choose (the epochs, and in section 4 the threshold) is chosen on it. The test reviews are scored once.

# %%
(train_texts, train_labels), (test_texts, test_labels) = emolib.data.load_imdb(limit=2000 if FAST else None)
validation_size = len(train_labels) // 5
imdb_words = {"train": [" ".join(emolib.text.tokenize(text)) for text in train_texts[validation_size:]],
              "val": [" ".join(emolib.text.tokenize(text)) for text in train_texts[:validation_size]],
              "test": [" ".join(emolib.text.tokenize(text)) for text in test_texts]}
imdb_labels = {"train": train_labels[validation_size:], "val": train_labels[:validation_size], "test": test_labels}
imdb_raw = {"val": train_texts[:validation_size], "test": test_texts}
vocab_size, maxlen = (10000, 200) if FAST else (20000, 400)
vectorizer = keras.layers.TextVectorization(max_tokens=vocab_size, standardize=None, split="whitespace",
                                            output_sequence_length=maxlen)
vectorizer.adapt(imdb_words["train"])
imdb_vocab = np.array(vectorizer.get_vocabulary())
imdb_x = {split: keras.ops.convert_to_numpy(vectorizer(np.array(texts))) for split, texts in imdb_words.items()}
print({split: x.shape for split, x in imdb_x.items()}, f"vocabulary of {len(imdb_vocab)} tokens")

# %%
keras.utils.set_random_seed(0)
imdb_model = build_model(len(imdb_vocab), 32, learning_rate=3e-3)
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2, restore_best_weights=True)
start = time.perf_counter()
history = imdb_model.fit(imdb_x["train"], imdb_labels["train"], validation_data=(imdb_x["val"], imdb_labels["val"]),
                         epochs=4 if FAST else 10, batch_size=64, callbacks=[stop], verbose=0)
imdb_seconds = time.perf_counter() - start
imdb_epochs = len(history.history["loss"])
print("validation accuracy per epoch:", np.round(history.history["val_accuracy"], 4))
imdb_val_scores = imdb_model.predict(imdb_x["val"], batch_size=512, verbose=0)[:, 0]
imdb_test_scores = imdb_model.predict(imdb_x["test"], batch_size=512, verbose=0)[:, 0]  # the one look at the test set
y_val, y_test = imdb_labels["val"], imdb_labels["test"]

# %% [markdown]
# `imdb_val_scores` and `imdb_test_scores` are the model's $P(\text{positive})$ for every validation and test
# review. The rest of the lesson only needs these scores and the labels.
#
# ## 2. Counting right and wrong
#
# Pick a threshold $\tau$ and call a review positive when its score is **above** it, $s > \tau$ (this is
# Keras' rule: a score exactly at the threshold is negative). Against the true labels there are four
# kinds of outcome: true positives (TP), false positives (FP), true negatives (TN) and false negatives
# (FN). The **confusion matrix** holds their counts, rows the true class and columns the predicted
# one (the layout of scikit-learn and of `plots.confusion_heatmap`):
#
# $$C = \begin{pmatrix} \text{TN} & \text{FP} \\ \text{FN} & \text{TP} \end{pmatrix}, \qquad
# C_{ij} = \#\{n : y_n = i,\ \hat y_n = j\}.$$
#
# From the counts:
#
# $$\text{accuracy} = \frac{\text{TP} + \text{TN}}{N}, \qquad
# \text{precision} = \frac{\text{TP}}{\text{TP} + \text{FP}}, \qquad
# \text{recall} = \frac{\text{TP}}{\text{TP} + \text{FN}}, \qquad
# F_1 = \frac{2\,\text{precision}\cdot\text{recall}}{\text{precision} + \text{recall}}.$$
#
# Precision: of the reviews called positive, the share that are. Recall: of the positive reviews, the
# share found. $F_1$ is their **harmonic** mean, $2/(1/P + 1/R)$, which stays low when either is low
# (a classifier that calls everything positive has recall 1 and the arithmetic mean would flatter it).
# When a denominator is 0 (no review called positive, say) the value is defined as 0, as Keras does.

# %% nbgrader={"grade": false, "grade_id": "confusion_matrix", "locked": false, "schema_version": 3, "solution": true}
def confusion_matrix(labels, predicted):
    """The 2 x 2 confusion matrix of binary predictions.

    Args:
        labels: int array of shape (N,), the true classes, 0 or 1.
        predicted: int (or bool) array of shape (N,), the predicted classes, 0 or 1.
    Returns:
        int array of shape (2, 2): [[TN, FP], [FN, TP]], rows the true class, columns the predicted one.
    """
    ### BEGIN SOLUTION
    labels = np.asarray(labels).astype(int)
    predicted = np.asarray(predicted).astype(int)
    matrix = np.zeros((2, 2), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_confusion_matrix", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["metrics"]
predicted = (case.inputs["scores"] > 0.5).astype(int)
matrix = confusion_matrix(case.inputs["labels"], predicted)
checks.assert_shape(matrix, (2, 2), "the confusion matrix")
checks.assert_close(matrix, case.outputs["matrix"], "the confusion matrix", common_bugs={
    "the matrix is transposed: rows are the true class, columns the predicted one": case.outputs["matrix"].T,
    "each cell counts at most 1: matrix[labels, predicted] += 1 adds once per distinct cell; use np.add.at":
        (case.outputs["matrix"] > 0).astype(int),
})
checks.assert_true(int(np.sum(matrix)) == len(predicted), "the counts should add up to N")
print("confusion_matrix: all visible tests passed")
### BEGIN HIDDEN TESTS
checks.assert_close(confusion_matrix(np.array([1, 1, 1]), np.array([1, 0, 1])), [[0, 0], [1, 2]], "three positives, one missed")
checks.assert_close(confusion_matrix(np.array([0]), np.array([1])), [[0, 1], [0, 0]], "one negative called positive")
checks.assert_close(confusion_matrix(np.array([0, 0, 1, 1, 1]), np.array([True, False, False, True, True])),
                    [[1, 1], [1, 2]], "predictions given as booleans")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "provided_keras_metrics", "locked": true, "schema_version": 3, "solution": false}
METRIC_NAMES = ("accuracy", "precision", "recall", "f1")


def keras_metrics(labels, scores, threshold=0.5):
    """The same four numbers from keras.metrics (F1 from Keras' precision and recall)."""
    y_true = np.asarray(labels, dtype="float32")[:, None]
    y_pred = np.asarray(scores, dtype="float32")[:, None]
    values = {}
    for name, metric in (("accuracy", keras.metrics.BinaryAccuracy(threshold=threshold)),
                         ("precision", keras.metrics.Precision(thresholds=threshold)),
                         ("recall", keras.metrics.Recall(thresholds=threshold)),
                         ("f1", keras.metrics.F1Score(threshold=threshold))):
        metric.update_state(y_true, y_pred)
        values[name] = float(np.ravel(keras.ops.convert_to_numpy(metric.result()))[0])
    return values


# %% nbgrader={"grade": false, "grade_id": "binary_metrics", "locked": false, "schema_version": 3, "solution": true}
def binary_metrics(labels, scores, threshold=0.5):
    """Accuracy, precision, recall and F1 of the predictions `scores > threshold`.

    Args:
        labels: int array of shape (N,), the true classes, 0 or 1.
        scores: float array of shape (N,), the predicted probabilities of class 1.
        threshold: float; a score strictly above it is a positive prediction.
    Returns:
        dict with the float values "accuracy", "precision", "recall" and "f1"; a ratio whose
        denominator is 0 is 0.
    """
    ### BEGIN SOLUTION
    (tn, fp), (fn, tp) = confusion_matrix(labels, np.asarray(scores) > threshold)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"accuracy": float((tp + tn) / (tp + tn + fp + fn)), "precision": float(precision),
            "recall": float(recall), "f1": float(f1)}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_binary_metrics", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["metrics"]
labels, scores = case.inputs["labels"], case.inputs["scores"]
got = binary_metrics(labels, scores)
checks.assert_true(isinstance(got, dict) and sorted(got) == sorted(METRIC_NAMES),
                   f"binary_metrics should return a dict with the keys {METRIC_NAMES}")
precision, recall = case.outputs["precision"], case.outputs["recall"]


def metrics_of(labels, called):
    """The four metrics of the boolean predictions `called`, for the messages of known mistakes."""
    tp, fp = np.sum(called & (labels == 1)), np.sum(called & (labels == 0))
    fn, tn = np.sum(~called & (labels == 1)), np.sum(~called & (labels == 0))
    p, r = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    return {"accuracy": (tp + tn) / len(labels), "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


at_or_above = metrics_of(labels, scores >= 0.5)  # two scores are exactly 0.5
bugs = {"precision": {"precision and recall are swapped: precision divides by TP + FP": recall},
        "recall": {"precision and recall are swapped: recall divides by TP + FN": precision},
        "f1": {"F1 is the harmonic mean 2PR / (P + R), not the arithmetic mean": (precision + recall) / 2}}
for name in METRIC_NAMES:
    bugs.setdefault(name, {})["a score equal to the threshold is counted positive: a positive is scores > threshold"] = at_or_above[name]
for name in METRIC_NAMES:
    checks.assert_close(got[name], case.outputs[name], f'binary_metrics(...)["{name}"]', common_bugs=bugs.get(name))
reference_keras = keras_metrics(labels, scores)
for name in METRIC_NAMES:
    checks.assert_close(got[name], reference_keras[name], f'binary_metrics(...)["{name}"] against keras.metrics', rtol=1e-5)
print("binary_metrics: all visible tests passed")
### BEGIN HIDDEN TESTS
# Scores exactly at the threshold are negative (Keras' rule), and another threshold.
tied_labels, tied_scores = np.array([1, 0, 1, 1, 0, 0]), np.array([0.3, 0.3, 0.7, 0.3, 0.9, 0.1])
for threshold in (0.3, 0.5, 0.05, 0.95):
    got, want = binary_metrics(tied_labels, tied_scores, threshold), keras_metrics(tied_labels, tied_scores, threshold)
    for name in METRIC_NAMES:
        checks.assert_close(got[name], want[name], f'["{name}"] with ties at the threshold {threshold}', rtol=1e-5)
# Nothing called positive, and only one class.
checks.assert_close(np.array([binary_metrics(np.array([1, 0, 1]), np.array([0.1, 0.2, 0.3]))[name] for name in METRIC_NAMES]),
                    [1 / 3, 0, 0, 0], "the metrics when no review is called positive")
checks.assert_close(np.array([binary_metrics(np.array([1, 1, 1, 1]), np.array([0.9, 0.2, 0.6, 0.7]))[name] for name in METRIC_NAMES]),
                    [0.75, 1, 0.75, 6 / 7], "the metrics when every review is positive")
checks.assert_close(np.array([binary_metrics(np.array([0, 0]), np.array([0.9, 0.2]))[name] for name in METRIC_NAMES]),
                    [0.5, 0, 0, 0], "the metrics when every review is negative")
checks.assert_close(np.array([binary_metrics(np.array([1]), np.array([0.8]))[name] for name in METRIC_NAMES]),
                    [1, 1, 1, 1], "the metrics of one review, right")
rng = np.random.default_rng(91)
many_labels, many_scores = rng.integers(0, 2, size=300), rng.random(300)
got, want = binary_metrics(many_labels, many_scores, 0.62), keras_metrics(many_labels, many_scores, 0.62)
for name in METRIC_NAMES:
    checks.assert_close(got[name], want[name], f'["{name}"] of 300 random reviews at threshold 0.62', rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# Your model at the default threshold 0.5, on the validation reviews, with Keras' numbers beside yours:

# %%
ours, theirs = binary_metrics(y_val, imdb_val_scores), keras_metrics(y_val, imdb_val_scores)
for name in METRIC_NAMES:
    print(f"{name:>9}: yours {ours[name]:.6f}, keras.metrics {theirs[name]:.6f}")
plots.confusion_heatmap(confusion_matrix(y_val, imdb_val_scores > 0.5), title="IMDB validation reviews, threshold 0.5")
plt.show()

# %% [markdown]
# ## 3. The ROC curve and its area
#
# A threshold is a choice; the **ROC curve** shows every choice at once. Lower the threshold from
# above the highest score to below the lowest: at each step more reviews are called positive, the
# **true positive rate** $\text{TPR} = \text{TP}/P$ (the recall) and the **false positive rate**
# $\text{FPR} = \text{FP}/N_-$ both grow, and the curve walks from $(0, 0)$ to $(1, 1)$. A perfect
# ranking goes straight up to $(0, 1)$ first; a random one follows the diagonal.
#
# Only the distinct scores matter: between two of them nothing changes. So sort the scores in
# decreasing order and, for each **distinct** score $s_k$, count the positives and negatives with a
# score $\ge s_k$: that gives the point $(\text{FPR}_k, \text{TPR}_k)$. Reviews with the same score
# enter together, in one step: the curve then moves diagonally. Put $(0, 0)$ in front, for the
# threshold $+\infty$ where nothing is positive. If there are no positives (or no negatives) the
# rate is defined as 0, as Keras does.
#
# The **area under the curve** (AUC) is the probability that a random positive review gets a higher
# score than a random negative one (ties counting one half). Between two consecutive points the curve
# is a straight line, so the area is a sum of trapezoids:
#
# $$\text{AUC} = \sum_{k=1}^{K} (\text{FPR}_k - \text{FPR}_{k-1})\, \frac{\text{TPR}_k + \text{TPR}_{k-1}}{2}.$$
#
# (Rectangles of height $\text{TPR}_k$ or $\text{TPR}_{k-1}$ would be wrong exactly at the diagonal
# steps, that is at ties between a positive and a negative: the trapezoid counts such a pair as one half.)

# %% nbgrader={"grade": false, "grade_id": "roc_curve", "locked": false, "schema_version": 3, "solution": true}
def roc_curve(labels, scores):
    """The ROC curve through every distinct score.

    Args:
        labels: int array of shape (N,), 0 or 1.
        scores: float array of shape (N,).
    Returns:
        fpr, tpr, thresholds: three float arrays of shape (K + 1,), K = the number of distinct scores.
        thresholds[0] is np.inf and thresholds[1:] are the distinct scores in decreasing order; point k
        counts the reviews with score >= thresholds[k] as positive, so (fpr[0], tpr[0]) = (0, 0) and
        (fpr[K], tpr[K]) = (1, 1) (when both classes occur). A rate with a zero denominator is 0.
    """
    ### BEGIN SOLUTION
    labels = np.asarray(labels).astype(int)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    last_of_each = np.append(np.flatnonzero(np.diff(sorted_scores)), len(scores) - 1)
    true_positives = np.cumsum(sorted_labels)[last_of_each]
    false_positives = (last_of_each + 1) - true_positives
    positives, negatives = true_positives[-1], false_positives[-1]
    tpr = np.concatenate([[0.0], true_positives / positives if positives else np.zeros(len(last_of_each))])
    fpr = np.concatenate([[0.0], false_positives / negatives if negatives else np.zeros(len(last_of_each))])
    thresholds = np.concatenate([[np.inf], sorted_scores[last_of_each]])
    return fpr, tpr, thresholds
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_roc_curve", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["roc"]
fpr, tpr, thresholds = roc_curve(case.inputs["labels"], case.inputs["scores"])
size = len(np.unique(case.inputs["scores"])) + 1
for name, value in (("fpr", fpr), ("tpr", tpr)):
    checks.assert_shape(value, (size,), f"{name} (one point per distinct score, plus (0, 0))")
checks.assert_true(thresholds[0] == np.inf, "thresholds[0] should be np.inf: the point (0, 0)")
checks.assert_close(thresholds[1:], case.outputs["thresholds"][1:], "thresholds[1:], the distinct scores in decreasing order")
checks.assert_close(fpr, case.outputs["fpr"], "fpr", common_bugs={"FPR and TPR are swapped": case.outputs["tpr"]})
checks.assert_close(tpr, case.outputs["tpr"], "tpr", common_bugs={"FPR and TPR are swapped": case.outputs["fpr"]})
print("roc_curve: all visible tests passed")
### BEGIN HIDDEN TESTS
# Every point agrees with the confusion counts at its threshold (score >= t is positive).
rng = np.random.default_rng(92)
many_labels = rng.integers(0, 2, size=60)
many_scores = np.round(rng.random(60), 1)  # many ties
fpr, tpr, thresholds = roc_curve(many_labels, many_scores)
checks.assert_shape(fpr, (len(np.unique(many_scores)) + 1,), "fpr with many ties")
for k in range(1, len(thresholds)):
    called = many_scores >= thresholds[k]
    checks.assert_close(np.array([fpr[k], tpr[k]]), [np.mean(called[many_labels == 0]), np.mean(called[many_labels == 1])],
                        f"the ROC point at threshold {thresholds[k]}")
checks.assert_true(bool(np.all(np.diff(thresholds) < 0)), "thresholds should decrease")
# Order of the input does not matter.
shuffled = rng.permutation(60)
for got, want, name in zip(roc_curve(many_labels[shuffled], many_scores[shuffled]), (fpr, tpr, thresholds), ("fpr", "tpr", "thresholds")):
    checks.assert_close(got[1:], want[1:], f"{name} of the same reviews in another order")
# Tiny and one-class inputs.
checks.assert_close(np.stack(roc_curve(np.array([1]), np.array([0.4]))[:2]), [[0, 0], [0, 1]], "the ROC of one positive review")
checks.assert_close(np.stack(roc_curve(np.array([0, 0]), np.array([0.4, 0.9]))[:2]), [[0, 0.5, 1], [0, 0, 0]], "the ROC of two negatives")
checks.assert_close(np.stack(roc_curve(np.array([1, 0, 1]), np.array([0.5, 0.5, 0.5]))[:2]), [[0, 1], [0, 1]], "the ROC of three equal scores")
checks.assert_close(np.stack(roc_curve(np.array([0, 1]), np.array([0.0, 1.0]))[:2]), [[0, 0, 1], [0, 1, 1]], "the ROC at the extreme scores 0 and 1")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "auc", "locked": false, "schema_version": 3, "solution": true}
def auc(fpr, tpr):
    """The area under a curve by the trapezoid rule.

    Args:
        fpr: float array of shape (K,), the x coordinates (non-decreasing), e.g. from roc_curve.
        tpr: float array of shape (K,), the y coordinates.
    Returns:
        float, the area between the piecewise linear curve and the x axis.
    """
    ### BEGIN SOLUTION
    fpr, tpr = np.asarray(fpr, dtype=float), np.asarray(tpr, dtype=float)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_auc", "locked": true, "points": 2, "schema_version": 3, "solution": false}
checks.assert_close(auc(np.array([0.0, 1.0]), np.array([0.0, 1.0])), 0.5, "the area under the diagonal, two points",
                    common_bugs={"rectangles instead of trapezoids": 1.0, "rectangles of the left height instead of trapezoids": 0.0})
checks.assert_close(auc(np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0])), 1.0, "the area of a perfect ranking",
                    common_bugs={"the x and y coordinates are swapped": 0.0})
case = REFERENCE["roc"]
checks.assert_close(auc(case.outputs["fpr"], case.outputs["tpr"]), case.outputs["auc"], "the AUC of the reference curve")
# The AUC is the share of (positive, negative) pairs ranked right, ties counting one half.
labels, scores = case.inputs["labels"], case.inputs["scores"]
pairs = scores[labels == 1][:, None] - scores[labels == 0][None, :]
checks.assert_close(auc(case.outputs["fpr"], case.outputs["tpr"]), float(np.mean((pairs > 0) + 0.5 * (pairs == 0))),
                    "the AUC against the share of pairs ranked right")
print("auc: all visible tests passed")
### BEGIN HIDDEN TESTS
checks.assert_close(auc(np.array([0.0, 0.5, 0.5, 1.0]), np.array([0.0, 0.2, 0.6, 1.0])), 0.05 + 0.4, "a curve with a vertical step")
checks.assert_close(auc(np.array([0.0, 0.0, 0.0]), np.array([0.0, 0.5, 1.0])), 0.0, "a curve with no width (no negatives)")
checks.assert_close(auc(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0])), 0.0, "the worst ranking",
                    common_bugs={"the x and y coordinates are swapped": 1.0})
rng = np.random.default_rng(93)
many_labels, many_scores = rng.integers(0, 2, size=200), np.round(rng.random(200), 2)
pairs = many_scores[many_labels == 1][:, None] - many_scores[many_labels == 0][None, :]
checks.assert_close(auc(*roc_curve(many_labels, many_scores)[:2]), float(np.mean((pairs > 0) + 0.5 * (pairs == 0))),
                    "the AUC of 200 reviews with ties")
### END HIDDEN TESTS

# %% [markdown]
# Keras computes the AUC differently: `keras.metrics.AUC(num_thresholds=M)` counts TP, FP, TN and FN
# at $M$ **fixed, evenly spaced** thresholds in $[0, 1]$ (plus one just below 0 and one just above 1),
# not at every distinct score, and then sums trapezoids. Scores that fall between two of its
# thresholds are treated as tied, so its area is a close approximation of yours that gets better as
# $M$ grows. (Its default, `summation_method="interpolation"`, is the trapezoid rule for the ROC curve.)

# %%
fpr, tpr, thresholds = roc_curve(y_val, imdb_val_scores)
val_auc = auc(fpr, tpr)
print(f"your AUC on the validation reviews: {val_auc:.6f} ({len(thresholds) - 1} distinct scores)")
for num_thresholds in (200, 1000, 10000):
    keras_auc = keras.metrics.AUC(num_thresholds=num_thresholds)
    keras_auc.update_state(y_val, imdb_val_scores)
    value = float(keras.ops.convert_to_numpy(keras_auc.result()))
    print(f"keras.metrics.AUC(num_thresholds={num_thresholds:>5}): {value:.6f}, difference {value - val_auc:+.1e}")

# %% [markdown]
# In the course's full run (4,987 distinct scores on 5,000 validation reviews, exact AUC 0.960203)
# Keras' default 200 thresholds gave an AUC $1.1 \times 10^{-4}$ below the exact one, 1,000 thresholds
# $3.7 \times 10^{-5}$ below and 10,000 thresholds $5.7 \times 10^{-6}$ below: the difference is the
# discretization of the thresholds, nothing more. Keras' area is a little low because scores in one
# bin count as tied, and a tie between a positive and a negative counts one half instead of one.
#
# ## 4. Choosing the threshold, on validation data
#
# 0.5 is not sacred. If a missed positive costs more than a false alarm, a lower threshold is better;
# if the classes are unbalanced, the best threshold for accuracy moves too. Choose the threshold that
# maximizes the metric you care about **on the validation set**, then apply that one threshold to the
# test set, once. Choosing it on the test set would make the test score a score of the choice, an
# optimistic one: the test set must stay a stand-in for reviews nobody has seen.

# %% nbgrader={"grade": false, "grade_id": "tune_threshold", "locked": false, "schema_version": 3, "solution": true}
def tune_threshold(val_labels, val_scores, test_labels, test_scores, candidates, metric="f1"):
    """Choose the threshold on the validation set, then evaluate it on the test set.

    Args:
        val_labels, val_scores: arrays of shape (M,), the validation labels and scores.
        test_labels, test_scores: arrays of shape (N,), the test labels and scores.
        candidates: float array of shape (C,), the thresholds to try, in increasing order.
        metric: the key of binary_metrics' result to maximize, e.g. "f1" or "accuracy".
    Returns:
        threshold: float, the candidate with the highest validation `metric` (the first, i.e. the lowest,
            among equally good ones).
        test_metrics: dict, binary_metrics of the test set at that threshold.
    """
    ### BEGIN SOLUTION
    values = [binary_metrics(val_labels, val_scores, threshold)[metric] for threshold in candidates]
    threshold = float(candidates[int(np.argmax(values))])
    return threshold, binary_metrics(test_labels, test_scores, threshold)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_tune_threshold", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["threshold"]
inputs = case.inputs
threshold, test_metrics = tune_threshold(inputs["val_labels"], inputs["val_scores"], inputs["test_labels"],
                                         inputs["test_scores"], inputs["candidates"])
checks.assert_close(threshold, case.outputs["threshold"], "the threshold chosen for F1", common_bugs={
    "the threshold is chosen on the test set: choose it on the validation set": case.outputs["threshold_on_test"]})
checks.assert_close(test_metrics["f1"], case.outputs["test_f1"], "the test F1 at the chosen threshold")
threshold, _ = tune_threshold(inputs["val_labels"], inputs["val_scores"], inputs["test_labels"],
                              inputs["test_scores"], inputs["candidates"], metric="accuracy")
checks.assert_close(threshold, case.outputs["threshold_accuracy"], "the threshold chosen for accuracy")
split_labels, split_scores = np.array([1, 1, 0, 0, 0]), np.array([0.9, 0.3, 0.35, 0.1, 0.4])  # F1 picks 0.2, accuracy 0.5
threshold, _ = tune_threshold(split_labels, split_scores, split_labels, split_scores, np.array([0.2, 0.5]), metric="accuracy")
checks.assert_close(threshold, 0.5, 'the threshold for metric="accuracy" among 0.2 and 0.5', common_bugs={
    "the threshold that maximizes F1: maximize binary_metrics(...)[metric], the metric asked for": 0.2})
tie_labels, tie_scores = np.array([0, 1, 0, 1, 1]), np.array([0.1, 0.6, 0.3, 0.7, 0.8])
threshold, _ = tune_threshold(tie_labels, tie_scores, tie_labels, tie_scores, np.array([0.35, 0.45, 0.55]), metric="accuracy")
checks.assert_close(threshold, 0.35, "the threshold among 0.35, 0.45, 0.55, which all give accuracy 1", common_bugs={
    "the last of the equally good thresholds; take the first (np.argmax returns the first maximum)": 0.55})
print("tune_threshold: all visible tests passed")
### BEGIN HIDDEN TESTS
# Validation and test disagree completely: the choice must follow the validation set.
val_labels, val_scores = np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])
test_labels, test_scores = np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.3, 0.4])
grid = np.array([0.05, 0.15, 0.25, 0.35, 0.45])
threshold, test_metrics = tune_threshold(val_labels, val_scores, test_labels, test_scores, grid, metric="accuracy")
checks.assert_close(threshold, 0.25, "the threshold when validation and test disagree")
checks.assert_close(test_metrics["accuracy"], 0.0, "the test accuracy at that threshold")
# Equally good candidates: the lowest; the extremes of the grid can win.
threshold, _ = tune_threshold(val_labels, val_scores, val_labels, val_scores, np.array([0.21, 0.25, 0.29]), metric="accuracy")
checks.assert_close(threshold, 0.21, "the first of three equally good thresholds")
threshold, _ = tune_threshold(np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9]), test_labels, test_scores, np.array([0.0, 0.5, 1.0]))
checks.assert_close(threshold, 0.0, "the threshold when every validation review is positive")
threshold, _ = tune_threshold(np.array([0, 0, 1]), np.array([0.2, 0.5, 0.9]), test_labels, test_scores, np.array([0.0, 0.5, 1.0]), metric="precision")
checks.assert_close(threshold, 0.5, "the threshold that maximizes precision")
### END HIDDEN TESTS

# %% [markdown]
# Tune on the IMDB validation reviews, over a grid of thresholds, for F1 and for accuracy; then the
# test set, once. Precision and recall move in opposite directions as the threshold moves:

# %%
candidates = np.round(np.arange(0.05, 0.951, 0.01), 2)
for metric in ("f1", "accuracy"):
    threshold, test_metrics = tune_threshold(y_val, imdb_val_scores, y_test, imdb_test_scores, candidates, metric=metric)
    print(f"best validation {metric}: threshold {threshold:.2f}; on test: "
          + ", ".join(f"{name} {value:.4f}" for name, value in test_metrics.items()))
chosen, imdb_test_metrics = tune_threshold(y_val, imdb_val_scores, y_test, imdb_test_scores, candidates, metric="accuracy")
at_half = binary_metrics(y_test, imdb_test_scores)
print(f"on test at 0.5: " + ", ".join(f"{name} {value:.4f}" for name, value in at_half.items()))
sweep = [binary_metrics(y_val, imdb_val_scores, threshold) for threshold in candidates]
ax = plots.line_plot(candidates, {name: [values[name] for values in sweep] for name in ("precision", "recall", "f1", "accuracy")},
                     "threshold", "validation value", title="IMDB: the metrics as the threshold moves")
ax.axvline(chosen, color="gray", linestyle=":")
plt.show()
(tn, fp), (fn, tp) = confusion_matrix(y_val, imdb_val_scores > chosen)
plots.roc_plot(fpr, tpr, val_auc, point=(fp / (fp + tn), tp / (tp + fn)), point_label=f"threshold {chosen:.2f}",
               title="IMDB validation reviews")
plt.show()
emolib.results.record("09_evaluation", "IMDB averaged embeddings (fastText-style), E=32", parameters=imdb_model.count_params(),
                      train_seconds=imdb_seconds, epochs=imdb_epochs,
                      val_accuracy=binary_metrics(y_val, imdb_val_scores, chosen)["accuracy"],
                      test_accuracy=imdb_test_metrics["accuracy"], mode=MODE)

# %% [markdown]
# What the course measured in the full run (20,000 training reviews, 5,000 validation reviews, the
# 25,000 test reviews; `python -m autograder execute 09_evaluation --full`): early stopping ran 7
# epochs and kept the fifth, at a validation accuracy of 0.898 and a validation AUC of 0.960. The
# threshold with the best validation F1 was 0.48, the one with the best validation accuracy 0.51; on
# the test set they give accuracies 0.8779 and 0.8762, against 0.8770 at plain 0.5. On balanced classes
# with a model trained by cross-entropy, 0.5 is already about right, and tuning buys nothing that the
# noise does not take back: the value of choosing on validation is that the test number stays honest.
# In fast mode (1,600 training reviews) the test accuracy is 0.766, at a threshold of 0.55.
#
# Notice also that the test accuracy, 0.876, is two points below the validation accuracy. The
# validation reviews are a random fifth of IMDB's training reviews, which come from the same movies as
# the other four fifths (IMDB's test reviews are about *other* movies): the model has seen reviews of
# the same films, with their actors' names and titles. A validation set that is not drawn like the
# test set is optimistic.
#
# ## 5. Error analysis: the most confident mistakes
#
# Numbers say how often a model is wrong, not how. Read its mistakes, starting with the ones it was
# surest of: a review with score 0.99 and label negative. The **confidence** of a prediction is how
# far its score is from the threshold, $|s - \tau|$; a mistake is a review with
# $[s > \tau] \neq y$.

# %% nbgrader={"grade": false, "grade_id": "most_confident_mistakes", "locked": false, "schema_version": 3, "solution": true}
def most_confident_mistakes(labels, scores, k, threshold=0.5):
    """The indices of the k misclassified examples the model was most confident about.

    Args:
        labels: int array of shape (N,), 0 or 1.
        scores: float array of shape (N,), the predicted probabilities of class 1.
        k: int >= 0, how many to return.
        threshold: float; scores above it are positive predictions.
    Returns:
        int array of shape (min(k, number of mistakes),): indices into labels of the mistakes, the most
        confident (largest |score - threshold|) first; equally confident ones in increasing index order.
    """
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=float)
    wrong = np.flatnonzero((scores > threshold).astype(int) != np.asarray(labels))
    confidence = np.abs(scores[wrong] - threshold)
    order = np.argsort(-confidence, kind="stable")
    return wrong[order[:k]]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_most_confident_mistakes", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["mistakes"]
labels, scores = case.inputs["labels"], case.inputs["scores"]
got = most_confident_mistakes(labels, scores, 4)
checks.assert_shape(got, (4,), "most_confident_mistakes(labels, scores, 4)")
checks.assert_close(got, case.outputs["top4"], "the indices of the 4 most confident mistakes", common_bugs={
    "these are the least confident mistakes: sort by decreasing confidence": case.outputs["least4"],
    "these are the most confident correct predictions, not mistakes": case.outputs["correct4"],
})
checks.assert_true(bool(np.all((scores[got] > 0.5) != labels[got])), "every index returned should be a mistake")
got = [int(index) for index in most_confident_mistakes(np.array([1, 0, 0]), np.array([0.5, 0.2, 0.7]), 3)]
checks.assert_true(got == [2, 0], f"most_confident_mistakes([1, 0, 0], [0.5, 0.2, 0.7], 3) should be [2, 0], you give {got}"
                   + (": a score of exactly 0.5 predicts negative (positive means scores > threshold), so review 0, "
                      "a positive, is a mistake" if got == [2] else ""))
print("most_confident_mistakes: all visible tests passed")
### BEGIN HIDDEN TESTS
labels, scores = np.array([1, 0, 1, 0, 1, 0]), np.array([0.1, 0.9, 0.9, 0.3, 0.6, 0.55])
checks.assert_close(most_confident_mistakes(labels, scores, 10), [0, 1, 5], "all three mistakes when k is larger")
checks.assert_close(most_confident_mistakes(labels, scores, 1), [0], "the first of two equally confident mistakes")
checks.assert_shape(most_confident_mistakes(labels, scores, 0), (0,), "k = 0")
checks.assert_close(most_confident_mistakes(labels, scores, 2, threshold=0.95), [0, 4], "the mistakes at threshold 0.95")
checks.assert_shape(most_confident_mistakes(np.array([1, 0]), np.array([0.8, 0.2]), 3), (0,), "no mistakes")
checks.assert_close(most_confident_mistakes(np.array([0, 1]), np.array([0.5, 0.5]), 2), [1], "a positive at exactly the threshold")
### END HIDDEN TESTS

# %% [markdown]
# The five test reviews the IMDB model got most confidently wrong (the first 600 characters of each):

# %%
chosen_mistakes = most_confident_mistakes(y_test, imdb_test_scores, 5, threshold=chosen)
for index in chosen_mistakes:
    print(f"test review {index}: label {'positive' if y_test[index] else 'negative'}, score {imdb_test_scores[index]:.3f}")
    print("   ", imdb_raw["test"][index][:600].replace("<br />", " "), "\n")

# %% [markdown]
# In the full run, the five most confident mistakes are all positive reviews scored 0.001 or less, and
# reading them is more instructive than any metric:
#
# - Test review 7462, "It's not Citizen Kane, but it does deliver. Cleavage, and lots of it. Badly
#   acted and directed, poorly scripted. Who cares? I didn't watch it for the dialog." The reviewer
#   liked the film and lists its faults with a wink. Every word is negative, the verdict is positive:
#   **sarcasm** (or irony), which no model of words alone can read.
# - Review 5847 is one paragraph pasted three times, its only verdict "not bad" among "can't",
#   "abuse" and "no big deal".
# - Review 16930 ("an irrational plot, and very poor writing is making it difficult for me") reads
#   as a negative review. The labels come from the stars the reviewer gave (7 or more is positive), and
#   some labels are surprising: part of a model's "error" is the data's.
# - Reviews 81 and 14250 retell a plot ("lure Guybrush into captivity", "the worst part of the film",
#   "contrived") and keep their praise for a few words: the averaged words say negative.
#
# A bag of averaged word vectors cannot see word order, so **negation** is out of its reach: "not good"
# is the average of "not" and "good", and "good" is a strongly positive word. How often do test reviews
# use the short negated phrases, and how does the model do on them?

# %%
negated = {phrase: np.array([f" {phrase} " in f" {text} " for text in imdb_words["test"]])
           for phrase in ("not good", "not bad", "not great", "not funny", "not worth")}
test_predicted = imdb_test_scores > chosen
for phrase, has in negated.items():
    if has.any():
        print(f'"{phrase}": in {has.sum():>4} test reviews, {np.mean(y_test[has]):.0%} of them positive; '
              f"accuracy on them {np.mean(test_predicted[has] == y_test[has]):.3f}")
print(f"accuracy on all test reviews: {np.mean(test_predicted == y_test):.3f}")

# %% [markdown]
# In the full run: "not good" occurs in 129 test reviews and the model gets 0.891 of them right,
# "not funny" 0.898 (225 reviews), "not worth" 0.871 (241); but "not bad" (134 reviews) 0.836 and
# "not great" (64 reviews, half of them positive) 0.828, against 0.876 on all test reviews. Negation
# hurts less than one might fear, because a long review says what it thinks many times; it hurts
# where the phrase means the opposite of its strongest word, "not bad" being mild praise. Sequence
# models (lessons 07 and 08) can learn such phrases; the bigrams of section 7 are the cheap version.
#
# ## 6. Why this prediction? Occlusion saliency
#
# Which words made the model say what it said? The simplest answer that works with any model:
# **occlusion**. Remove one word and see how much the prediction changes. With $p(x)$ the predicted
# probability of "positive" and $x^{(\setminus t)}$ the review with word $t$ replaced by the padding
# index 0 (which the model masks, so the word is simply gone),
#
# $$\text{saliency}_t = p(x) - p(x^{(\setminus t)}).$$
#
# Positive saliency: the word pushed the prediction toward "positive" (removing it lowers $p$);
# negative: toward "negative". Padding positions have saliency 0. It needs $T + 1$ predictions, which
# you should make in **one** call of `predict` on a batch of $T + 1$ rows (the review, then each
# occluded copy), not $T + 1$ calls. It needs no gradient, so it works with any backend and any model,
# even one you can only query; its cost is that it looks at one word at a time.

# %% nbgrader={"grade": false, "grade_id": "occlusion_saliency", "locked": false, "schema_version": 3, "solution": true}
def occlusion_saliency(predict, tokens):
    """How much each word of one review raises the predicted probability of class 1.

    Args:
        predict: callable mapping an int array of shape (M, T) to the M probabilities of class 1
            (an array of shape (M,) or (M, 1)).
        tokens: int array of shape (T,), one review; 0 is padding.
    Returns:
        float array of shape (T,): saliency[t] = p(tokens) - p(tokens with position t set to 0);
        0 at padding positions.
    """
    ### BEGIN SOLUTION
    tokens = np.asarray(tokens)
    steps = len(tokens)
    batch = np.tile(tokens, (steps + 1, 1))
    batch[np.arange(1, steps + 1), np.arange(steps)] = 0  # row t + 1 lacks word t
    probabilities = np.asarray(predict(batch), dtype=float).reshape(-1)
    saliency = probabilities[0] - probabilities[1:]
    saliency[tokens == 0] = 0.0
    return saliency
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_occlusion_saliency", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# A fixed-weight bag-of-words model: p = sigmoid(bias + sum of the weights of the words present).
case = REFERENCE["saliency"]
word_weights, bias = case.inputs["word_weights"], float(case.inputs["bias"])
calls = []


def bag_of_words_predict(batch):
    calls.append(len(batch))
    batch = np.asarray(batch)
    return 1 / (1 + np.exp(-(bias + np.sum(np.where(batch > 0, word_weights[batch], 0.0), axis=1))))


tokens = case.inputs["tokens"]
saliency = occlusion_saliency(bag_of_words_predict, tokens)
checks.assert_shape(saliency, tokens.shape, "the saliency of a review")
checks.assert_close(saliency, case.outputs["saliency"], "the saliency of the reference review", common_bugs={
    "the sign is flipped: saliency is p(review) - p(review without the word)": -case.outputs["saliency"]})
checks.assert_true(len(calls) == 1, f"predict should be called once, on a batch of T + 1 rows; it was called {len(calls)} times")
# The strongest positive word of the review has the largest saliency.
real = tokens > 0
checks.assert_true(int(np.argmax(saliency)) == int(np.flatnonzero(real)[np.argmax(word_weights[tokens[real]])]),
                   "the word with the largest positive weight should have the largest saliency")
print("occlusion_saliency: all visible tests passed")
### BEGIN HIDDEN TESTS
# A Keras averaged-embedding model with fixed weights: p = sigmoid(mean of the word weights).
weights = np.array([0.0, 0.5, -1.0, 2.0, 0.25, -0.5], dtype="float32")
fixed = keras.Sequential([keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(6, 1, mask_zero=True),
                          keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
fixed.layers[0].set_weights([weights[:, None]])
fixed.layers[-1].set_weights([np.ones((1, 1), dtype="float32"), np.zeros(1, dtype="float32")])
review = np.array([0, 0, 3, 2, 4, 2])
sigmoid = lambda value: 1 / (1 + np.exp(-value))  # noqa: E731
full = sigmoid(np.mean(weights[[3, 2, 4, 2]]))
want = np.array([0, 0, full - sigmoid(np.mean(weights[[2, 4, 2]])), full - sigmoid(np.mean(weights[[3, 4, 2]])),
                 full - sigmoid(np.mean(weights[[3, 2, 2]])), full - sigmoid(np.mean(weights[[3, 2, 4]]))])
got = occlusion_saliency(lambda batch: keras.ops.convert_to_numpy(fixed(batch)), review)
checks.assert_close(got, want, "the saliency under a Keras averaged-embedding model (padding in front)", rtol=1e-4, atol=1e-6)
# Padding inside the review, a review of two words, a predict that returns shape (M,).
calls.clear()
checks.assert_close(occlusion_saliency(bag_of_words_predict, np.array([2, 0, 5])),
                    [bag_of_words_predict(np.array([[2, 0, 5]]))[0] - bag_of_words_predict(np.array([[0, 0, 5]]))[0], 0.0,
                     bag_of_words_predict(np.array([[2, 0, 5]]))[0] - bag_of_words_predict(np.array([[2, 0, 0]]))[0]],
                    "the saliency with padding between two words")
### END HIDDEN TESTS

# %% [markdown]
# Now a real review: the saliency of every word of a short test review under the IMDB model, red
# for words that pushed it towards positive, blue towards negative.

# %%
def keras_predict(model):
    """predict for occlusion_saliency: one direct call of the model on the whole (small) batch."""
    return lambda batch: keras.ops.convert_to_numpy(model(batch, training=False))


lengths = np.sum(imdb_x["test"] > 0, axis=1)
# A short review the model gets right, but not with a saturated score (there every change is tiny).
right = (imdb_test_scores > chosen) == y_test
unsure = np.abs(imdb_test_scores - 0.5) < 0.4
review_index = int(np.flatnonzero((lengths >= 40) & (lengths <= 70) & right & unsure)[0])
review = imdb_x["test"][review_index][:lengths[review_index]]
saliency = occlusion_saliency(keras_predict(imdb_model), review)
plots.word_saliency(imdb_vocab[review], saliency, title=f"Test review {review_index} "
                    f"({'positive' if y_test[review_index] else 'negative'}, score {imdb_test_scores[review_index]:.3f})")
plt.show()
order = np.argsort(saliency)
print("most negative words:", ", ".join(f"{imdb_vocab[review[t]]} {saliency[t]:+.3f}" for t in order[:4]))
print("most positive words:", ", ".join(f"{imdb_vocab[review[t]]} {saliency[t]:+.3f}" for t in order[::-1][:4]))

# %% [markdown]
# In the course's full run the review drawn is test review 200 (positive, score 0.744): "don't hate
# heather graham because she's beautiful, hate her because she's fun to watch in this movie ...". The
# words that pushed it towards positive are the ones you would pick: "fun" (+0.27), "beautiful"
# (+0.20), "well" (+0.14). The ones that pushed it towards negative are more telling: "heather"
# (-0.13, twice), "director" (-0.11) and "affleck" (-0.11). Names carry no sentiment, but this model
# learned from its training reviews that these names come with bad reviews more often than not: a
# habit of the data, not a reason, and exactly what saliency is for finding.
#
# Occlusion has limits worth knowing. It measures one word at a time, so two words that each suffice
# ("great" twice) each look unimportant; in an averaged model, removing any word also changes the
# denominator $|R|$, so even neutral words get a small saliency. Gradient-times-input is the other
# common choice (one backward pass instead of $T$ forward passes), but it needs the backend's
# gradients and explains a linearization of the model rather than the model.
#
# ## 7. Chinese reviews: ChnSentiCorp with jieba
#
# ChnSentiCorp holds Chinese reviews of hotels, laptops and books, labelled positive or negative, in
# the standard split of 9,600 training, 1,200 dev and 1,200 test reviews. Chinese is written without
# spaces, so jieba cuts each review into words first (lesson 06); joined with spaces, the words go
# through the same `TextVectorization` as the English ones. A fastText-style model also gains from
# **word bigrams**, pairs of neighbouring words added as extra tokens ("不_好" is far more negative
# than "不" and "好" averaged): they give an order-blind model a little word order.
#
# Every review is padded or cut to 600 tokens. The bigrams come after the words, so a review cut short
# loses its bigrams first: at 300 tokens, about one training review in twenty would (the printout says
# how many), and the dev accuracy measured that way was lower (below).
#
# The model is chosen on the **dev** split: the epochs by early stopping on dev accuracy, and between
# two embedding sizes by dev accuracy. The test split is scored once, for the chosen model.

# %%
def with_bigrams(words):
    return words + [f"{first}_{second}" for first, second in zip(words, words[1:])]


chinese = {}
for split, size in (("train", 1200), ("dev", 300), ("test", 300)):
    texts, labels = emolib.data.load_chnsenticorp(split)
    if FAST:
        texts, labels = texts[:size], labels[:size]
    words = [emolib.text.segment_chinese(text) for text in texts]
    chinese[split] = {"texts": texts, "words": words, "labels": labels,
                      "tokens": [" ".join(with_bigrams(review)) for review in words]}
print(chinese["train"]["texts"][0][:60], "->", " / ".join(chinese["train"]["words"][0][:12]))
token_counts = np.array([len(tokens.split()) for tokens in chinese["train"]["tokens"]])
print(f"training reviews: median {np.median(token_counts):.0f} tokens (words and bigrams); "
      f"{np.mean(token_counts > 300):.1%} longer than 300, {np.mean(token_counts > 600):.1%} longer than 600")
chinese_vectorizer = keras.layers.TextVectorization(max_tokens=10000 if FAST else 30000, standardize=None, split="whitespace",
                                                    output_sequence_length=600)
chinese_vectorizer.adapt(chinese["train"]["tokens"])
chinese_vocab = np.array(chinese_vectorizer.get_vocabulary())
for split in chinese:
    chinese[split]["x"] = keras.ops.convert_to_numpy(chinese_vectorizer(np.array(chinese[split]["tokens"])))
print({split: data["x"].shape for split, data in chinese.items()}, f"vocabulary of {len(chinese_vocab)} tokens")

# %%
candidates_models = {}
for embedding_dim in ((8, 16) if FAST else (16, 32)):
    keras.utils.set_random_seed(0)
    model = build_model(len(chinese_vocab), embedding_dim, learning_rate=1e-2)
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(chinese["train"]["x"], chinese["train"]["labels"], epochs=4 if FAST else 12, batch_size=64,
                        validation_data=(chinese["dev"]["x"], chinese["dev"]["labels"]), callbacks=[stop], verbose=0)
    seconds = time.perf_counter() - start
    dev_scores = model.predict(chinese["dev"]["x"], batch_size=512, verbose=0)[:, 0]
    dev_accuracy = binary_metrics(chinese["dev"]["labels"], dev_scores)["accuracy"]
    candidates_models[embedding_dim] = (model, seconds, len(history.history["loss"]), dev_accuracy)
    print(f"E={embedding_dim}: dev accuracy {dev_accuracy:.4f} after {len(history.history['loss'])} epochs, {seconds:.1f} s")
best_dim = max(candidates_models, key=lambda dim: candidates_models[dim][3])
chinese_model, seconds, epochs, dev_accuracy = candidates_models[best_dim]
chinese_test_scores = chinese_model.predict(chinese["test"]["x"], batch_size=512, verbose=0)[:, 0]  # once
chinese_test = binary_metrics(chinese["test"]["labels"], chinese_test_scores)
chinese_auc = auc(*roc_curve(chinese["test"]["labels"], chinese_test_scores)[:2])
print(f"chosen on dev: E={best_dim}. Test: " + ", ".join(f"{name} {value:.4f}" for name, value in chinese_test.items())
      + f", AUC {chinese_auc:.4f}")
emolib.results.record("09_evaluation", f"ChnSentiCorp averaged embeddings, jieba words + bigrams, E={best_dim}",
                      parameters=chinese_model.count_params(), train_seconds=seconds, epochs=epochs,
                      val_accuracy=dev_accuracy, test_accuracy=chinese_test["accuracy"], mode=MODE)
plots.confusion_heatmap(confusion_matrix(chinese["test"]["labels"], chinese_test_scores > 0.5),
                        title="ChnSentiCorp test reviews")
plt.show()

# %% [markdown]
# In the course's full run the dev split chose $E = 16$ (dev accuracy 0.9217, against 0.9142 for
# $E = 32$), after 6 epochs and 6 seconds of training on an idle 2-core CPU. On the 1,200 test
# reviews, scored once: **accuracy 0.9192**, precision 0.9114, recall 0.9309, F1 0.9211, AUC 0.9654.
# The course aims at 0.92 and misses it by one review in 1,200. With the reviews cut to 300 tokens, as an
# earlier version of this lesson did, the same model chose the same $E$ with a dev accuracy of 0.9167
# and scored 0.9183 on test: the longer rows gained 0.005 on dev and 0.001 on test, both within a
# standard error of an accuracy on 1,200 reviews ($\sqrt{0.92 \cdot 0.08 / 1200} \approx 0.008$). We did
# not tune further once the test score was known: a choice made after seeing it would be a choice made
# on the test set. While writing the lesson the same model without the bigrams reached 0.898 to 0.906 on
# test: the bigrams are worth about a point. In fast mode (1,200 training reviews) the test accuracy is
# 0.820.
#
# And one Chinese review explained. The saliency here is over the jieba words only: each word is
# occluded together with the two bigrams it belongs to, so that "removing a word" means what it says.
# (If your matplotlib has no font with Chinese characters the words show as boxes; they are printed
# below the picture too.)

# %%
def chinese_word_saliency(model, words):
    """Occlusion saliency of each jieba word of one review, the word and its bigrams removed together."""
    tokens = keras.ops.convert_to_numpy(chinese_vectorizer(np.array([" ".join(with_bigrams(words))])))[0]
    count = len(words)
    batch = np.tile(tokens, (count + 1, 1))
    for t in range(count):
        # word t sits at position t; the bigram (t-1, t) at count + t - 1 and (t, t+1) at count + t
        batch[t + 1, [t] + [count + j for j in (t - 1, t) if 0 <= j < count - 1]] = 0
    probabilities = keras_predict(model)(batch)[:, 0]
    return probabilities[0] - probabilities[1:]


lengths = np.array([len(words) for words in chinese["test"]["words"]])
right = (chinese_test_scores > 0.5) == chinese["test"]["labels"]
chinese_index = int(np.flatnonzero((lengths >= 15) & (lengths <= 40) & right & (np.abs(chinese_test_scores - 0.5) < 0.4))[0])
chinese_words = chinese["test"]["words"][chinese_index]
chinese_saliency = chinese_word_saliency(chinese_model, chinese_words)
print(chinese["test"]["texts"][chinese_index])
plots.word_saliency(chinese_words, chinese_saliency, print_words=True,
                    title=f"ChnSentiCorp test review {chinese_index} "
                    f"({'positive' if chinese['test']['labels'][chinese_index] else 'negative'}, "
                    f"score {chinese_test_scores[chinese_index]:.3f})")
plt.show()

# %% [markdown]
# In the course's full run this is test review 0, "这个宾馆比较陈旧了，特价的房间也很一般。总体来说一般"
# ("this hotel is rather old, and the discounted room was quite ordinary too. Overall, ordinary."),
# labelled **positive**, and the model agrees (score 0.848). Its saliency shows why: "陈旧" (old,
# worn) and both "一般" (ordinary) push towards negative (-0.13, -0.15, -0.10), but "总体" (overall)
# pushes towards positive by +0.78, with "也" (also, +0.42) and "房间" (room, +0.40). In the training
# split, 307 reviews contain "总体" and 77% of them are positive (79 contain "总体来说", "overall
# speaking", 75% positive), against 50% of all reviews: the people who sum up tend to be satisfied, and
# the model learned the summing up rather than what follows it. The label itself
# is debatable: a mild review whose writer still gave it a positive rating. Saliency does not say the
# model is right; it says what the model used.
#
# ## What you built
#
# - The confusion matrix, accuracy, precision, recall and F1, equal to `keras.metrics` to the last digit.
# - The exact ROC curve and its AUC by trapezoids, and the reason Keras' AUC differs slightly.
# - A threshold chosen on validation data and applied once to the test set.
# - The most confident mistakes of a model, and what they say about negation and sarcasm.
# - Occlusion saliency, which explains any model's prediction word by word.
# - A Chinese sentiment model on jieba words and bigrams, chosen on dev and reported once on test.
