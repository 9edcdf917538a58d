# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 07: a CNN for sentiment on IMDB
#
# By the end of this lesson you will be able to
#
# - split a training set into training and validation reviews, and build a vocabulary with
#   `keras.layers.TextVectorization` from the training reviews only, so that the test set is touched once,
#   at the very end;
# - build Kim's (2014) convolutional network for text in Keras: an embedding, 1-D convolutions of several
#   widths, global max pooling over time, dropout and a sigmoid output, with the parameter count worked out
#   by hand;
# - train it with early stopping that keeps the best weights, and read its learning curves;
# - build the baselines a careful engineer compares against before believing a deep model: a
#   logistic regression on TF-IDF unigrams and bigrams, a fastText-style averaged-embedding model, and
#   NBSVM, a logistic regression whose features Naive Bayes log-count ratios weigh (the ratios derived
#   and computed by you), with its vocabulary size chosen by a validation sweep.
#
# **Prerequisites:** lessons 02 and 03 (convolution and pooling, in NumPy), lesson 05 (a model trained
# with Adam on mini-batches, the bridge to Keras), lesson 06 (tokens, vocabularies, padding).
#
# **Time:** about two hours. **Runs on:** a laptop CPU; no GPU needed. With `EMOLIB_FAST=1` (and always
# when nbgrader grades it) the notebook trains on 1,800 reviews cut to 200 tokens for a few epochs, and
# the whole notebook runs in well under a minute. The full run trains the four models (and the ten of the
# NBSVM sweep) on the 22,500 training reviews and tests them on the 25,000 test reviews; it took
# 5.6 minutes on an idle 2-core CPU.
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# The tests you see are not all the tests: the grader also tries shapes and settings you do not see.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import math
import time

import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
import emolib.results
from emolib import checks, plots

import keras

FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("07_keras_cnn")
LESSON = "07_keras_cnn"


def texts_from_codes(codes):
    """The reference cases store texts as rows of Unicode code points padded with 0; this reads them back."""
    return ["".join(chr(code) for code in row if code) for row in np.asarray(codes)]

# %% [markdown]
# ## 1. Three sets of reviews, and why the test set is touched once
#
# IMDB comes as 25,000 training and 25,000 test reviews. Every decision we make while building a model
# (the sequence length, the number of filters, when to stop training) is a choice made by looking at
# some data. If we made those choices by looking at the test reviews, the test accuracy would no longer
# tell how the model does on reviews it has never met: we would have fitted it, a little, to the test set.
# So we cut a **validation set** out of the training reviews, make every choice on it, and evaluate on the
# test set once, at the end.
#
# The split must shuffle the reviews (the files are sorted: all negative reviews, then all positive ones)
# and keep every review with its own label. Draw one permutation of the $N$ indices with
# `np.random.default_rng(seed).permutation(N)`; the first $\mathrm{round}(fN)$ indices of it
# ($f$ = `validation_fraction`, rounded with Python's `round`) are the validation reviews, the rest the
# training reviews, both in the order of the permutation.

# %% nbgrader={"grade": false, "grade_id": "split_train_validation", "locked": false, "schema_version": 3, "solution": true}
def split_train_validation(texts, labels, validation_fraction=0.1, seed=0):
    """Split labelled reviews into a training and a validation part, at random.

    Args:
        texts: list of N strings, the reviews.
        labels: int array of shape (N,), labels[i] is the label of texts[i].
        validation_fraction: float f in [0, 1), the share of reviews held out for validation.
        seed: int, the seed of the permutation (np.random.default_rng(seed).permutation(N)).
    Returns:
        (train_texts, train_labels), (val_texts, val_labels): the texts as lists of strings, the labels as
        int arrays of shapes (N - n_val,) and (n_val,), n_val = round(f * N). The validation part is the
        reviews at the first n_val indices of the permutation, the training part those at the others,
        each in the permutation's order; every review keeps its own label.
    """
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(texts))
    n_val = round(validation_fraction * len(texts))
    val_rows, train_rows = order[:n_val], order[n_val:]
    return ([texts[i] for i in train_rows], labels[train_rows]), ([texts[i] for i in val_rows], labels[val_rows])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_split_train_validation", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["split"]
labels = case.inputs["labels"]
texts = [f"review {i}" for i in range(len(labels))]
(train_texts, train_labels), (val_texts, val_labels) = split_train_validation(texts, labels, 0.35, seed=5)
checks.assert_true(isinstance(train_texts, list) and isinstance(val_texts, list), "the texts should be lists of strings")
checks.assert_true(len(val_texts) == round(0.35 * len(texts)) == len(val_labels),
                   f"with N={len(texts)} reviews and f=0.35 the validation part should hold n_val = round(3.85) = 4 reviews "
                   f"and labels, it holds {len(val_texts)} and {len(val_labels)}" + (": int() cuts 3.85 down to 3, round() it"
                                                                                    if len(val_texts) == 3 else ""))
checks.assert_shape(train_labels, case.outputs["train_labels"].shape, "train_labels")
checks.assert_shape(val_labels, case.outputs["val_labels"].shape, "val_labels")
review_ids = lambda reviews: np.array([int(text.split()[1]) for text in reviews])  # noqa: E731
checks.assert_close(review_ids(val_texts), case.outputs["val_ids"], "the validation reviews (their numbers)")
checks.assert_close(review_ids(train_texts), case.outputs["train_ids"], "the training reviews (their numbers)")
checks.assert_close(val_labels, labels[review_ids(val_texts)], "the validation labels",
                    common_bugs={"the labels are not shuffled with their reviews": labels[:len(val_labels)]})
checks.assert_close(train_labels, labels[review_ids(train_texts)], "the training labels")
print("split_train_validation: all visible tests passed")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(71)
for n, fraction, seed in [(1, 0.0, 0), (7, 0.5, 3), (40, 0.1, 9), (25, 0.2, 1)]:
    labels = rng.integers(0, 2, size=n)
    texts = [f"review {i}" for i in range(n)]
    (train_texts, train_labels), (val_texts, val_labels) = split_train_validation(texts, labels, fraction, seed=seed)
    order = np.random.default_rng(seed).permutation(n)
    n_val = round(fraction * n)
    checks.assert_close(review_ids(val_texts) if val_texts else np.zeros(0), order[:n_val], f"the validation reviews (N={n}, f={fraction})")
    checks.assert_close(review_ids(train_texts), order[n_val:], f"the training reviews (N={n}, f={fraction})")
    checks.assert_close(train_labels, labels[order[n_val:]], f"the training labels (N={n}, f={fraction})")
    checks.assert_close(val_labels, labels[order[:n_val]], f"the validation labels (N={n}, f={fraction})")
# The labels can be a list; the texts are not changed.
texts = ["a", "b", "c", "d"]
(train_texts, train_labels), _ = split_train_validation(texts, [0, 1, 1, 0], 0.25, seed=2)
checks.assert_true(texts == ["a", "b", "c", "d"], "split_train_validation should not change the list it is given")
checks.assert_close(train_labels, np.array([0, 1, 1, 0])[np.random.default_rng(2).permutation(4)[1:]], "the labels given as a list")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. From reviews to rows of word indices
#
# `keras.layers.TextVectorization` does what you did by hand in lesson 06: it lower-cases a text, strips
# its punctuation, splits it on spaces, and replaces every word by its index in a vocabulary; with
# `output_sequence_length=T` it pads (with 0, after the words) or cuts (keeping the start) every review to
# $T$ indices. Index 0 is padding and index 1 is `[UNK]`, every word outside the vocabulary.
# `vectorizer.adapt(texts)` builds the vocabulary: the `max_tokens - 2` most frequent words of `texts`.
#
# **Which texts it adapts on matters.** Adapted on the test reviews, or on all reviews, the vocabulary
# would contain words only the test set uses, chosen by their frequency in it: information about the
# test set inside the model. Adapt on the training split only; validation and test words it has never
# seen become `[UNK]`, as they would for a new review after deployment.
#
# With `ngrams=2` the layer also makes a token of every pair of neighbouring words ("not good") and
# adds the bigrams after the words; the fastText-style baseline of section 5 will use that.
#
# Write `make_datasets`: split the training reviews with your `split_train_validation`, adapt a
# `TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length, ngrams=ngrams)` on
# the training split, and encode the three sets.

# %% nbgrader={"grade": false, "grade_id": "make_datasets", "locked": false, "schema_version": 3, "solution": true}
def make_datasets(train_texts, train_labels, test_texts, test_labels, max_tokens, sequence_length,
                  ngrams=None, validation_fraction=0.1, seed=0):
    """Training, validation and test sets as rows of word indices, with a vocabulary from training only.

    Args:
        train_texts, train_labels: the N training reviews (list of strings) and their labels (int array (N,)).
        test_texts, test_labels: the M test reviews and their labels (int array (M,)).
        max_tokens: int, the size of the vocabulary, padding (0) and [UNK] (1) included.
        sequence_length: int T, every review is padded or cut to T indices.
        ngrams: None for words only, 2 to add the bigrams (TextVectorization's ngrams argument).
        validation_fraction, seed: passed to split_train_validation.
    Returns:
        a dict with
          "vectorizer": the keras.layers.TextVectorization adapted on the training split only;
          "train_texts", "val_texts", "test_texts": lists of strings, the reviews of each set;
          "x_train", "x_val", "x_test": int32 arrays of shapes (N - n_val, T), (n_val, T) and (M, T);
          "y_train", "y_val", "y_test": int arrays of shapes (N - n_val,), (n_val,) and (M,).
        The validation set comes from the training reviews; the test set is every test review, in the
        order given.
    """
    ### BEGIN SOLUTION
    (fit_texts, y_train), (val_texts, y_val) = split_train_validation(train_texts, train_labels, validation_fraction, seed)
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length, ngrams=ngrams)
    vectorizer.adapt(fit_texts, batch_size=1024)
    encode = lambda texts: keras.ops.convert_to_numpy(vectorizer(texts)).astype(np.int32)  # noqa: E731
    return {"vectorizer": vectorizer,
            "train_texts": fit_texts, "val_texts": val_texts, "test_texts": list(test_texts),
            "x_train": encode(fit_texts), "x_val": encode(val_texts), "x_test": encode(list(test_texts)),
            "y_train": y_train, "y_val": y_val, "y_test": np.asarray(test_labels)}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_datasets", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["datasets"]
given = {name: texts_from_codes(case.inputs[name]) if name.endswith("texts") else case.inputs[name] for name in case.inputs}
data = make_datasets(given["train_texts"], given["train_labels"], given["test_texts"], given["test_labels"],
                     max_tokens=12, sequence_length=6, validation_fraction=0.25, seed=1)
for name in ("x_train", "x_val", "x_test", "y_train", "y_val", "y_test"):
    checks.assert_shape(data[name], case.outputs[name].shape, f'data["{name}"]')
checks.assert_true(data["x_train"].dtype.kind == "i", 'data["x_train"] should hold integer indices')
vocabulary = [str(word) for word in data["vectorizer"].get_vocabulary()]
test_only = set(" ".join(given["test_texts"]).split()) - set(" ".join(given["train_texts"]).split())
checks.assert_true(not test_only & set(vocabulary), f"the vocabulary holds words only the test reviews use "
                   f"({sorted(test_only & set(vocabulary))}): adapt the vectorizer on the training split only")
checks.assert_true(set(data["val_texts"]) <= set(given["train_texts"]),
                   "some validation reviews are not training reviews: take the validation set from the training data")
checks.assert_true(vocabulary == texts_from_codes(case.outputs["vocabulary"]),
                   f"the vocabulary is {vocabulary}, expected {texts_from_codes(case.outputs['vocabulary'])}: adapt on the "
                   "training split (without its validation part), with max_tokens words")
for name in ("x_train", "x_val", "x_test", "y_train", "y_val", "y_test"):
    checks.assert_close(data[name], case.outputs[name], f'data["{name}"]')
print("make_datasets: all visible tests passed")
### BEGIN HIDDEN TESTS
# Bigrams, a longer sequence, another seed: the same as a vectorizer made here from the same split.
(fit_texts, fit_labels), (val_texts, val_labels) = split_train_validation(given["train_texts"], given["train_labels"], 0.5, seed=4)
data = make_datasets(given["train_texts"], given["train_labels"], given["test_texts"], given["test_labels"],
                     max_tokens=30, sequence_length=9, ngrams=2, validation_fraction=0.5, seed=4)
expected = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=9, ngrams=2)
expected.adapt(fit_texts)
checks.assert_true(data["vectorizer"].get_vocabulary() == expected.get_vocabulary(),
                   "with ngrams=2 the vocabulary differs from one adapted on the training split with bigrams")
checks.assert_true(data["train_texts"] == fit_texts and data["val_texts"] == val_texts,
                   "the training and validation texts should be split_train_validation's")
checks.assert_true(data["test_texts"] == given["test_texts"], "the test texts should be every test review, in order")
for name, texts in (("x_train", fit_texts), ("x_val", val_texts), ("x_test", given["test_texts"])):
    checks.assert_close(data[name], keras.ops.convert_to_numpy(expected(texts)), f'data["{name}"] with ngrams=2')
checks.assert_close(data["y_val"], val_labels, 'data["y_val"] with seed 4')
checks.assert_close(data["y_test"], given["test_labels"], 'data["y_test"]')
### END HIDDEN TESTS

# %% [markdown]
# The behaviour tests of the next sections train your models on made-up tasks, small enough to learn in
# seconds. In `word_order_task` every "review" holds the words 2 and 3 once each, among random other words:
# in the positive ones 2 comes right before 3, in the negative ones 3 comes right before 2. Counting words
# cannot tell them apart; a convolution filter of width 2 can. In `phrase_task` only bigrams tell the label:
# "not" and "good" occur as often in positive as in negative reviews, "not good" only in negative ones.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_toy_data", "locked": true, "schema_version": 3, "solution": false}
def word_order_task(n, length, vocab_size, seed):
    """n made-up reviews of `length` word indices in [4, vocab_size), with the pair (2, 3) in the positive
    ones and (3, 2) in the negative ones at a random place; returns (x int32 (n, length), y int (n,))."""
    rng = np.random.default_rng(seed)
    x = rng.integers(4, vocab_size, size=(n, length)).astype(np.int32)
    y = rng.integers(0, 2, size=n)
    starts = rng.integers(0, length - 1, size=n)
    x[np.arange(n), starts] = np.where(y == 1, 2, 3)
    x[np.arange(n), starts + 1] = np.where(y == 1, 3, 2)
    return x, y


def phrase_task(n, seed):
    """n made-up text reviews whose label only bigrams tell: "not good" and "very bad" are negative, "not bad"
    and "very good" positive, among neutral words; returns (texts list of n strings, y int (n,))."""
    rng = np.random.default_rng(seed)
    filler = np.array("the film a plot actor story scene it was and of this".split())
    phrases = {0: ["not good", "very bad"], 1: ["not bad", "very good"]}
    y = rng.integers(0, 2, size=n)
    texts = []
    for label in y:
        words = list(rng.choice(filler, size=8))
        words.insert(int(rng.integers(0, 9)), phrases[int(label)][int(rng.integers(0, 2))])
        texts.append(" ".join(words))
    return texts, y


def binary_cross_entropy(y, p):
    """Mean binary cross-entropy of probabilities p (N,) against labels y (N,), in float64."""
    p = np.clip(np.asarray(p, dtype=np.float64).reshape(-1), 1e-7, 1 - 1e-7)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


# %% [markdown]
# ## 3. Kim's convolutional network for sentences
#
# Kim (2014) classifies a sentence with one convolutional layer over its word vectors. For a review of
# $T$ word indices, the **embedding** gives a matrix $x \in \mathbb{R}^{T \times E}$, one row per word.
# A **filter of width $h$** is a weight array $w \in \mathbb{R}^{h \times E}$ and a bias $b$; at every
# position $i$ it looks at $h$ neighbouring words, an $h$-gram, and computes
#
# $$c_i = \operatorname{relu}\Big(b + \sum_{k=0}^{h-1} \sum_{e=1}^{E} w_{k,e}\, x_{i+k,\,e}\Big),
#   \qquad i = 0, \dots, T - h,$$
#
# lesson 02's convolution, in one dimension and without padding (`padding="valid"`). One filter detects one
# kind of $h$-gram ("not worth", "a must see"); a `keras.layers.Conv1D(F, h)` layer holds $F$ of them.
# **Global max pooling over time** keeps each filter's largest response, $\hat c = \max_i c_i$: did the
# review contain the phrase anywhere? Its gradient goes to the one position that won (lesson 03), and the
# result has the same size for reviews of every length.
#
# Filters of several widths (Kim used 3, 4 and 5) see phrases of several lengths: one `Conv1D` and one
# `GlobalMaxPooling1D` per width, side by side on the same embeddings, and their pooled features
# concatenated into one vector of $F \times (\text{number of widths})$ numbers. **Dropout** sets a random
# half of them to zero during training (and scales the rest by 2), so that the output cannot rely on a
# single filter; it acts on the features, never on the output, and does nothing at test time. A **Dense**
# unit with a sigmoid gives $p = P(\text{positive}) = \sigma(v \cdot \hat c + d)$, and training minimizes the
# binary cross-entropy
#
# $$L = -\frac{1}{N}\sum_{n=1}^{N} \big[y_n \log p_n + (1 - y_n)\log(1 - p_n)\big].$$
#
# (Two softmax outputs with the categorical cross-entropy are the same model with one more
# parameter set. A single sigmoid unit with the *categorical* cross-entropy is not: that loss normalizes
# the outputs to sum to 1 over the last axis, a single output always becomes 1, and the loss is 0 whatever
# the weights.)
#
# **Parameters**, with a vocabulary of $V$ words: the embedding has $VE$, a filter of width $h$ has
# $hE + 1$ (so the `Conv1D` layer $F(hE + 1)$), pooling, concatenation and dropout none, the output
# $F \cdot (\text{number of widths}) + 1$.
#
# Build the model with Keras' functional API: `inputs = keras.Input(shape=(sequence_length,), dtype="int32")`,
# call the layers on tensors, `keras.Model(inputs, outputs)`. Compile it with Adam, the binary
# cross-entropy and the metric `"accuracy"`.

# %% nbgrader={"grade": false, "grade_id": "build_cnn", "locked": false, "schema_version": 3, "solution": true}
def build_cnn(vocab_size, sequence_length, embedding_dim=32, filter_widths=(3, 4, 5), filters=64, dropout=0.5,
              learning_rate=1e-3):
    """Kim's CNN for sentiment, compiled and ready to train.

    Args:
        vocab_size: int V, the number of word indices (padding and [UNK] included).
        sequence_length: int T, the length of every input row.
        embedding_dim: int E, the size of a word vector.
        filter_widths: tuple of at least two ints, the widths h of the filters (one Conv1D per width).
        filters: int F, the number of filters of each width.
        dropout: float, the dropout rate applied to the concatenated pooled features.
        learning_rate: float, Adam's learning rate.
    Returns:
        a keras.Model compiled with Adam, the binary cross-entropy and metrics=["accuracy"]. It takes int
        arrays of shape (N, T) and returns P(positive) of shape (N, 1). Layers: Embedding(V, E); for each
        width h a Conv1D(F, h, activation="relu") on the embeddings, then a GlobalMaxPooling1D; a
        Concatenate of the pooled features (N, F * len(filter_widths)); Dropout; Dense(1, sigmoid).
    """
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(sequence_length,), dtype="int32")
    embedded = keras.layers.Embedding(vocab_size, embedding_dim)(inputs)
    pooled = []
    for width in filter_widths:
        feature_maps = keras.layers.Conv1D(filters, width, activation="relu")(embedded)
        pooled.append(keras.layers.GlobalMaxPooling1D()(feature_maps))
    features = keras.layers.Concatenate()(pooled)
    features = keras.layers.Dropout(dropout)(features)
    outputs = keras.layers.Dense(1, activation="sigmoid")(features)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_cnn", "locked": true, "points": 4, "schema_version": 3, "solution": false}
keras.utils.set_random_seed(0)
model = build_cnn(vocab_size=50, sequence_length=20, embedding_dim=8, filter_widths=(2, 3, 4), filters=6, dropout=0.5)
expected_parameters = 50 * 8 + sum(6 * (width * 8 + 1) for width in (2, 3, 4)) + (6 * 3 + 1)
checks.assert_model(model, {"Embedding": 1, "Conv1D": 3, "GlobalMaxPooling1D": 3, "Concatenate": 1, "Dropout": 1, "Dense": 1},
                    (None, 1), expected_parameters, what="build_cnn(50, 20, 8, (2, 3, 4), 6)")
checks.assert_true(type(model.layers[-1]).__name__ == "Dense" and type(model.layers[-2]).__name__ == "Dropout",
                   "the last two layers should be Dropout then the Dense output: dropout acts on the features, not the output")
widths = sorted(layer.kernel_size[0] for layer in model.layers if type(layer).__name__ == "Conv1D")
checks.assert_true(widths == [2, 3, 4], f"the Conv1D layers have widths {widths}, expected one of each of (2, 3, 4)")
# The loss it was compiled with is the binary cross-entropy of its own predictions.
x_toy, y_toy = word_order_task(64, 20, 50, seed=1)
p_toy = keras.ops.convert_to_numpy(model.predict(x_toy, verbose=0))
checks.assert_true(bool(np.all((p_toy > 0) & (p_toy < 1))) and float(np.std(p_toy)) > 0,
                   "the outputs should be probabilities strictly between 0 and 1 that depend on the input: one sigmoid unit")
loss = model.evaluate(x_toy, y_toy, verbose=0, return_dict=True)["loss"]
checks.assert_close(loss, binary_cross_entropy(y_toy, p_toy), "the loss model.evaluate reports", rtol=1e-4,
                    common_bugs={"a single output with the categorical cross-entropy, whose loss is always 0": 0.0})
# Behaviour: it learns a task that needs word order, in a few seconds.
keras.utils.set_random_seed(0)
x_toy, y_toy = word_order_task(600, 20, 50, seed=2)
x_check, y_check = word_order_task(300, 20, 50, seed=3)
model = build_cnn(vocab_size=50, sequence_length=20, embedding_dim=8, filter_widths=(2, 3), filters=8, learning_rate=1e-2)
model.fit(x_toy, y_toy, batch_size=32, epochs=6, verbose=0)
toy_accuracy = model.evaluate(x_check, y_check, verbose=0, return_dict=True)["accuracy"]
print(f"accuracy on the word-order task: {toy_accuracy:.3f}")
checks.assert_at_least(toy_accuracy, 0.9, "the accuracy on the word-order task after 6 epochs",
                       hint="Check the convolutions, the max pooling and the output unit.")
print("build_cnn: all visible tests passed")
### BEGIN HIDDEN TESTS
keras.utils.set_random_seed(1)
model = build_cnn(vocab_size=17, sequence_length=11, embedding_dim=5, filter_widths=(1, 5), filters=3, dropout=0.3)
checks.assert_model(model, {"Embedding": 1, "Conv1D": 2, "GlobalMaxPooling1D": 2, "GlobalAveragePooling1D": 0,
                            "Concatenate": 1, "Dropout": 1, "Dense": 1},
                    (None, 1), 17 * 5 + 3 * (1 * 5 + 1) + 3 * (5 * 5 + 1) + 3 * 2 + 1, what="build_cnn(17, 11, 5, (1, 5), 3)")
checks.assert_true(model.input_shape == (None, 11), "the model should take rows of sequence_length indices")
dropout_layer = [layer for layer in model.layers if type(layer).__name__ == "Dropout"][0]
checks.assert_close(dropout_layer.rate, 0.3, "the dropout rate")
for layer in model.layers:
    if type(layer).__name__ == "Conv1D":
        checks.assert_true(layer.activation is keras.activations.relu, "every Conv1D should use the relu activation")
        checks.assert_true(layer.padding == "valid", "the convolutions should not pad (padding='valid')")
keras.utils.set_random_seed(1)
model = build_cnn(vocab_size=17, sequence_length=11, embedding_dim=5, filter_widths=(1, 5), filters=3, dropout=0.3,
                  learning_rate=0.007)
checks.assert_close(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)), 0.007, "build_cnn's Adam learning rate", rtol=1e-6)
x_small = np.random.default_rng(5).integers(0, 17, size=(6, 11)).astype(np.int32)
# At test time dropout does nothing: two calls give the same probabilities; in training mode they differ.
first = keras.ops.convert_to_numpy(model(x_small, training=False))
checks.assert_close(keras.ops.convert_to_numpy(model(x_small, training=False)), first, "two predictions of the same rows")
trained_mode = keras.ops.convert_to_numpy(model(x_small, training=True))
checks.assert_true(bool(np.all((trained_mode > 0) & (trained_mode < 1))), "in training mode the outputs should still be probabilities")
# Max pooling over time: a phrase moved by one place among the same words changes nothing (every window
# of width up to 5 that holds a phrase word is found in both rows).
row = np.full((1, 11), 4, dtype=np.int32)
moved_a, moved_b = row.copy(), row.copy()
moved_a[0, 4:6] = [7, 9]
moved_b[0, 5:7] = [7, 9]
checks.assert_close(keras.ops.convert_to_numpy(model(moved_a)), keras.ops.convert_to_numpy(model(moved_b)),
                    "the outputs for the same phrase at two places among the same other words", rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Training with early stopping
#
# How many epochs? Too few and the model has not learned what it could; too many and it memorizes its
# training reviews: the training loss keeps falling while the validation loss turns back up
# (overfitting). **Early stopping** watches the validation loss after every epoch and stops when it has
# not improved for `patience` epochs in a row. By then the weights are those of the *last* epoch, which
# is `patience` epochs past the best one: `restore_best_weights=True` puts back the weights of the epoch
# with the lowest validation loss.
#
# The data reaches `fit` through `Batches`, given below: mini-batches of rows and labels in a new random
# order every epoch, turned into model inputs by a `transform` (the TF-IDF vectorizer of the next
# section) when one is given. Write `train_model`; time the call to `fit` alone, with `time.perf_counter()`.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_batches", "locked": true, "schema_version": 3, "solution": false}
class Batches(keras.utils.PyDataset):
    """Mini-batches (inputs, labels) for model.fit, evaluate and predict.

    Args:
        inputs: array of N rows, or list of N texts.
        labels: int array of shape (N,).
        batch_size: int, rows per batch (the last batch may be smaller).
        transform: None, or a function turning a batch of inputs into the model's input (e.g. a vectorizer).
        shuffle: True for a new random order every epoch (training), False to keep the order given.
        seed: int, the seed of the shuffling.
    """

    def __init__(self, inputs, labels, batch_size=64, transform=None, shuffle=False, seed=0):
        super().__init__()
        self.inputs, self.labels = inputs, np.asarray(labels)
        self.batch_size, self.transform, self.shuffle = batch_size, transform, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(self.labels)) if shuffle else np.arange(len(self.labels))

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        batch = [self.inputs[i] for i in rows] if isinstance(self.inputs, list) else self.inputs[rows]
        if self.transform is not None:
            batch = keras.ops.convert_to_numpy(self.transform(batch))
        return batch, self.labels[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self.order = self.rng.permutation(len(self.labels))


# %% nbgrader={"grade": false, "grade_id": "train_model", "locked": false, "schema_version": 3, "solution": true}
def train_model(model, train_batches, val_batches, epochs, patience=1):
    """Train a compiled model with early stopping on the validation loss, keeping the best weights.

    Args:
        model: a compiled Keras model with metrics=["accuracy"].
        train_batches, val_batches: Batches of the training and the validation set.
        epochs: int, the most epochs to run.
        patience: int, stop after this many epochs in a row without a lower validation loss.
    Returns:
        history: dict of lists, one value per epoch run: "loss", "accuracy", "val_loss", "val_accuracy"
            (the History's .history).
        best_epoch: int, the epoch (counted from 1) with the lowest validation loss; the model holds its
            weights when train_model returns.
        seconds: float, the wall time of the training (the fit call) alone.
    """
    ### BEGIN SOLUTION
    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(train_batches, validation_data=val_batches, epochs=epochs, callbacks=[stopping], verbose=0)
    seconds = time.perf_counter() - start
    best_epoch = int(np.argmin(history.history["val_loss"])) + 1
    return history.history, best_epoch, seconds
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_model", "locked": true, "points": 2, "schema_version": 3, "solution": false}
# A CNN given far too little data, a third of it mislabelled, and a large learning rate overfits after a
# few epochs: it learns the rule, then memorizes the wrong labels.
keras.utils.set_random_seed(0)
x_toy, y_toy = word_order_task(48, 16, 40, seed=4)
y_toy = np.where(np.random.default_rng(9).random(48) < 0.3, 1 - y_toy, y_toy)
x_check, y_check = word_order_task(200, 16, 40, seed=5)
model = build_cnn(40, 16, embedding_dim=16, filter_widths=(2, 3), filters=16, dropout=0.0, learning_rate=3e-2)
history, best_epoch, seconds = train_model(model, Batches(x_toy, y_toy, 16, shuffle=True), Batches(x_check, y_check, 100),
                                           epochs=12, patience=2)
val_losses = np.array(history["val_loss"])
print(f"{len(val_losses)} epochs, validation losses {np.round(val_losses, 3)}, best epoch {best_epoch}, {seconds:.1f} s")
for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
    checks.assert_true(key in history and len(history[key]) == len(val_losses), f'history["{key}"] should hold one value per epoch')
checks.assert_true(len(val_losses) < 12, "training ran all 12 epochs: early stopping on the validation loss should have stopped it")
lowest = int(np.argmin(val_losses)) + 1
likely = [hint for hint, applies in (
    ("count the epochs from 1", best_epoch == lowest - 1),
    ("take the epoch of the lowest validation loss, not of the highest validation accuracy",
     best_epoch == int(np.argmax(history["val_accuracy"])) + 1)) if applies]
checks.assert_true(best_epoch == lowest, f"best_epoch is {best_epoch}, but the lowest validation loss is at epoch {lowest} "
                   f"(counted from 1){': ' + '; or '.join(likely) if likely else ''}")
checks.assert_true(len(val_losses) == best_epoch + 2, "with patience=2, training should stop 2 epochs after the best one")
restored = model.evaluate(x_check, y_check, batch_size=100, verbose=0, return_dict=True)["loss"]
checks.assert_close(restored, val_losses.min(), "the validation loss of the model train_model returns", rtol=1e-4,
                    common_bugs={"the weights of the last epoch are kept: restore_best_weights=True": val_losses[-1]})
checks.assert_true(0 < seconds < 300, f"seconds is {seconds}: the wall time of the fit call, in seconds")
print("train_model: all visible tests passed")
### BEGIN HIDDEN TESTS
# Patience 1.
keras.utils.set_random_seed(3)
model = build_cnn(40, 16, embedding_dim=16, filter_widths=(2, 3), filters=16, dropout=0.0, learning_rate=3e-2)
history, best_epoch, seconds = train_model(model, Batches(x_toy, y_toy, 16, shuffle=True), Batches(x_check, y_check, 100),
                                           epochs=12, patience=1)
val_losses = np.array(history["val_loss"])
checks.assert_true(len(val_losses) == best_epoch + 1, "with patience=1, training should stop 1 epoch after the best one")
restored = model.evaluate(x_check, y_check, batch_size=100, verbose=0, return_dict=True)["loss"]
checks.assert_close(restored, val_losses.min(), "the validation loss after training with patience=1", rtol=1e-4)
checks.assert_true(best_epoch == int(np.argmin(val_losses)) + 1, "best_epoch with patience=1")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The baselines: TF-IDF bigrams, averaged embeddings, Naive Bayes weights
#
# Before trusting a deep model, compare it with the simplest models that could do the job. On movie
# reviews a linear model on word and word-pair counts is hard to beat (Wang and Manning, 2012).
#
# **TF-IDF.** A review becomes one number per vocabulary token $t$ (word or bigram): how often it occurs in
# the review, $\mathrm{tf}_t$, times how rare it is across the $D$ training reviews,
# $\mathrm{idf}_t = \log\big(1 + D / (1 + \mathrm{df}_t)\big)$ where $\mathrm{df}_t$ is the number of
# training reviews that contain it (Keras' formula). "the" counts little, "waste" a lot. With `ngrams=2`,
# "not good" is a token of its own, which a bag of single words cannot represent.
# **Logistic regression** is one sigmoid unit on that vector, $p = \sigma(w \cdot \mathrm{tfidf} + b)$,
# trained on the binary cross-entropy plus an L2 penalty $\lambda \lVert w \rVert^2$ (a linear model with
# tens of thousands of inputs and 22,500 reviews needs one).
#
# Write `build_tfidf_model`: a `TextVectorization(max_tokens=max_tokens, ngrams=2, output_mode="tf_idf")`
# adapted on the training texts, and a model `keras.Sequential([keras.Input(shape=(K,)), Dense(1, sigmoid)])`
# with `kernel_regularizer=keras.regularizers.L2(l2)`, where $K$ = `vectorizer.vocabulary_size()`. The
# vectorizer stays outside the model: `Batches(texts, labels, transform=vectorizer)` feeds the model.

# %% nbgrader={"grade": false, "grade_id": "build_tfidf_model", "locked": false, "schema_version": 3, "solution": true}
def build_tfidf_model(train_texts, max_tokens, l2=1e-5, learning_rate=1e-3):
    """Logistic regression on TF-IDF unigrams and bigrams.

    Args:
        train_texts: list of strings, the training reviews (the vectorizer is adapted on them only).
        max_tokens: int, the most tokens (words and bigrams, [UNK] included) the vectorizer keeps.
        l2: float, the L2 penalty factor on the kernel.
        learning_rate: float, Adam's learning rate.
    Returns:
        vectorizer: a keras.layers.TextVectorization with ngrams=2 and output_mode="tf_idf", adapted on
            train_texts; vectorizer(list of N texts) gives a float array (N, K), K = vectorizer.vocabulary_size().
        model: a keras.Sequential taking float arrays (N, K) and returning P(positive) (N, 1): one Dense
            unit with a sigmoid and an L2 kernel regularizer, compiled with Adam, the binary cross-entropy
            and metrics=["accuracy"].
    """
    ### BEGIN SOLUTION
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, ngrams=2, output_mode="tf_idf")
    vectorizer.adapt(train_texts, batch_size=1024)
    model = keras.Sequential([
        keras.Input(shape=(vectorizer.vocabulary_size(),)),
        keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=keras.regularizers.L2(l2)),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return vectorizer, model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_tfidf_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["tfidf"]
vectorizer, model = build_tfidf_model(texts_from_codes(case.inputs["train_texts"]), max_tokens=20, l2=1e-3)
vocabulary = [str(token) for token in vectorizer.get_vocabulary()]
checks.assert_true(any(" " in token for token in vocabulary),
                   f"the vocabulary has no bigrams ({vocabulary}): TextVectorization(..., ngrams=2)")
checks.assert_true(vocabulary == texts_from_codes(case.outputs["vocabulary"]),
                   f"the vocabulary is {vocabulary}, expected {texts_from_codes(case.outputs['vocabulary'])}")
checks.assert_model(model, {"Dense": 1}, (None, 1), len(vocabulary) + 1, what="the TF-IDF model")
features = keras.ops.convert_to_numpy(vectorizer(texts_from_codes(case.inputs["probe_texts"])))
checks.assert_close(features, case.outputs["features"], "the TF-IDF vectors of the probe texts", rtol=1e-5,
                    common_bugs={"counts, not TF-IDF: output_mode=\"tf_idf\"": case.outputs["counts"]})
kernel = keras.ops.convert_to_numpy(model.layers[-1].kernel)
penalty = float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses)) if model.losses else 0.0
checks.assert_close(penalty, 1e-3 * float(np.sum(kernel.astype(np.float64) ** 2)), "the model's L2 penalty (l2=1e-3)", rtol=1e-4)
# Behaviour: a task that only bigrams can solve.
keras.utils.set_random_seed(0)
phrase_texts, phrase_labels = phrase_task(400, seed=1)
check_texts, check_labels = phrase_task(200, seed=2)
vectorizer, model = build_tfidf_model(phrase_texts, max_tokens=200, l2=1e-5, learning_rate=3e-2)
model.fit(keras.ops.convert_to_numpy(vectorizer(phrase_texts)), phrase_labels, batch_size=32, epochs=10, verbose=0)
toy_accuracy = model.evaluate(keras.ops.convert_to_numpy(vectorizer(check_texts)), check_labels, verbose=0, return_dict=True)["accuracy"]
print(f"accuracy on the bigram task: {toy_accuracy:.3f}")
checks.assert_at_least(toy_accuracy, 0.9, "the accuracy on a task only bigrams can solve", hint="Does the vectorizer make bigrams, and does Adam get the learning_rate?")
print("build_tfidf_model: all visible tests passed")
### BEGIN HIDDEN TESTS
vectorizer, model = build_tfidf_model(texts_from_codes(case.inputs["train_texts"]), max_tokens=8, l2=0.5)
checks.assert_true(vectorizer.vocabulary_size() == 8, "with max_tokens=8 the vectorizer should keep 8 tokens")
checks.assert_model(model, {"Dense": 1}, (None, 1), 9, what="the TF-IDF model with max_tokens=8")
checks.assert_true(model.layers[-1].activation is keras.activations.sigmoid, "the output unit should use a sigmoid")
vectorizer, model = build_tfidf_model(texts_from_codes(case.inputs["train_texts"]), max_tokens=8, l2=0.5, learning_rate=0.02)
checks.assert_close(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)), 0.02, "the TF-IDF model's learning rate", rtol=1e-6)
kernel = keras.ops.convert_to_numpy(model.layers[-1].kernel)
penalty = float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses)) if model.losses else 0.0
checks.assert_close(penalty, 0.5 * float(np.sum(kernel.astype(np.float64) ** 2)), "the model's L2 penalty (l2=0.5)", rtol=1e-4)
probabilities = keras.ops.convert_to_numpy(model.predict(vectorizer(["not good at all", "great"]), verbose=0))
checks.assert_true(bool(np.all((probabilities > 0) & (probabilities < 1))), "the outputs should be probabilities")
### END HIDDEN TESTS

# %% [markdown]
# **fastText** (Joulin et al., 2016) is a linear model too, on learned word vectors: embed every token,
# average the vectors of the review, one sigmoid unit on the average:
# $p = \sigma\big(v \cdot \tfrac{1}{|r|}\sum_{t \in r} x_t + d\big)$. The average must be over the review's
# real tokens only: `Embedding(V, E, mask_zero=True)` marks index 0 as padding, and
# `GlobalAveragePooling1D` then averages the unmasked steps. Fed the rows `make_datasets(..., ngrams=2)`
# makes, the "words" include the bigrams. It has $VE + E + 1$ parameters and trains very fast.

# %% nbgrader={"grade": false, "grade_id": "build_fasttext", "locked": false, "schema_version": 3, "solution": true}
def build_fasttext(vocab_size, sequence_length, embedding_dim=32, learning_rate=1e-3):
    """A fastText-style classifier: the average of the token embeddings, then one sigmoid unit.

    Args:
        vocab_size: int V, the number of token indices (padding 0 and [UNK] 1 included).
        sequence_length: int T, the length of every input row.
        embedding_dim: int E.
        learning_rate: float, Adam's learning rate.
    Returns:
        a keras.Sequential taking int arrays (N, T) and returning P(positive) (N, 1): Embedding(V, E) that
        masks the padding index 0, GlobalAveragePooling1D (over the real tokens only), Dense(1, sigmoid);
        compiled with Adam, the binary cross-entropy and metrics=["accuracy"].
    """
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(sequence_length,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_fasttext", "locked": true, "points": 2, "schema_version": 3, "solution": false}
keras.utils.set_random_seed(0)
model = build_fasttext(vocab_size=30, sequence_length=7, embedding_dim=4)
checks.assert_model(model, {"Embedding": 1, "GlobalAveragePooling1D": 1, "Dense": 1}, (None, 1), 30 * 4 + 4 + 1,
                    what="build_fasttext(30, 7, 4)")
# The padding does not count in the average: a review padded with zeros gets the probability of its
# words alone, which is the average of their vectors put through the output unit.
embeddings = keras.ops.convert_to_numpy(next(layer for layer in model.layers if type(layer).__name__ == "Embedding").embeddings)
kernel, bias = (keras.ops.convert_to_numpy(weight) for weight in model.layers[-1].weights)
row = np.array([[5, 9, 2, 0, 0, 0, 0]], dtype=np.int32)
expected = 1 / (1 + np.exp(-(embeddings[[5, 9, 2]].mean(axis=0) @ kernel + bias)))
checks.assert_close(keras.ops.convert_to_numpy(model(row)), expected[None], "P(positive) for the words 5, 9, 2 and four pads",
                    rtol=1e-5, common_bugs={"the padding is averaged too: mask_zero=True":
                                            1 / (1 + np.exp(-(embeddings[[5, 9, 2, 0, 0, 0, 0]].mean(axis=0) @ kernel + bias)))[None]})
# Behaviour: it learns which words matter.
keras.utils.set_random_seed(0)
rng = np.random.default_rng(6)
x_toy = rng.integers(4, 40, size=(400, 12)).astype(np.int32)
y_toy = rng.integers(0, 2, size=400)
x_toy[np.arange(400), rng.integers(0, 12, size=400)] = np.where(y_toy == 1, 2, 3)  # the word 2 or the word 3 decides
x_check, y_check = x_toy[300:], y_toy[300:]
model = build_fasttext(40, 12, embedding_dim=8, learning_rate=3e-2)
model.fit(x_toy[:300], y_toy[:300], batch_size=32, epochs=5, verbose=0)
toy_accuracy = model.evaluate(x_check, y_check, verbose=0, return_dict=True)["accuracy"]
print(f"accuracy on the word task: {toy_accuracy:.3f}")
checks.assert_at_least(toy_accuracy, 0.9, "the accuracy on a task one word decides")
print("build_fasttext: all visible tests passed")
### BEGIN HIDDEN TESTS
keras.utils.set_random_seed(2)
model = build_fasttext(vocab_size=11, sequence_length=5, embedding_dim=3)
checks.assert_model(model, {"Embedding": 1, "GlobalAveragePooling1D": 1, "Dense": 1}, (None, 1), 11 * 3 + 3 + 1,
                    what="build_fasttext(11, 5, 3)")
checks.assert_true(model.input_shape == (None, 5), "the model should take rows of sequence_length indices")
checks.assert_close(float(keras.ops.convert_to_numpy(build_fasttext(11, 5, 3, learning_rate=0.004).optimizer.learning_rate)),
                    0.004, "the fastText model's learning rate", rtol=1e-6)
rows = np.array([[4, 7, 0, 0, 0], [4, 7, 7, 0, 0], [1, 0, 0, 0, 0]], dtype=np.int32)
embeddings = keras.ops.convert_to_numpy(next(layer for layer in model.layers if type(layer).__name__ == "Embedding").embeddings)
kernel, bias = (keras.ops.convert_to_numpy(weight) for weight in model.layers[-1].weights)
averages = np.stack([embeddings[[4, 7]].mean(axis=0), embeddings[[4, 7, 7]].mean(axis=0), embeddings[1]])
checks.assert_close(keras.ops.convert_to_numpy(model(rows)), 1 / (1 + np.exp(-(averages @ kernel + bias))),
                    "P(positive) of three padded rows", rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# **Naive Bayes weights (NBSVM).** Wang and Manning (2012) found the strongest bag-of-bigrams model on
# movie reviews by giving a linear model a prior: how much more often each token occurs in positive than
# in negative reviews. Let $b_n \in \{0, 1\}^V$ mark the tokens review $n$ contains (each counted once,
# however often it occurs), and count, over the training reviews, with a smoothing $\alpha > 0$:
#
# $$p_t = \alpha + \sum_{n:\, y_n = 1} b_{n,t}, \qquad q_t = \alpha + \sum_{n:\, y_n = 0} b_{n,t}, \qquad
#   r_t = \log\frac{p_t / \lVert p \rVert_1}{q_t / \lVert q \rVert_1},$$
#
# where the norms sum over the real tokens $t = 1, \dots, V - 1$ (index 0 is padding, and $r_0 = 0$).
# $r_t > 0$ means $t$ is more frequent in positive reviews; "waste" gets a large negative $r_t$, "the"
# about 0. These are **log-count ratios**. Without the smoothing, a token seen in one class only would get
# $\pm\infty$.
#
# On its own, $r$ is a classifier: Naive Bayes says "positive" when
# $\sum_t r_t b_{n,t} + \log(N_+ / N_-) > 0$. NBSVM goes further: a logistic regression on the *scaled*
# features $r_t b_{n,t}$,
#
# $$P(\text{positive}) = \sigma\Big(c + \sum_t w_t\, r_t\, b_{n,t}\Big),$$
#
# with $w$ learned from 0. The ratios act as a prior: a token with $r_t \approx 0$ barely moves the
# output however its weight moves, and the optimizer spends its steps on the tokens Naive Bayes already
# found telling.
#
# Write `nb_log_count_ratios`. Count each token once per review (sort a row, then a token equal to its
# left neighbour is a repeat), leave the padding out, and count with `np.bincount`: the full run has
# 22,500 reviews and 200,000 tokens, and an $N \times V$ array of them would need 36 GB.

# %% nbgrader={"grade": false, "grade_id": "nb_log_count_ratios", "locked": false, "schema_version": 3, "solution": true}
def nb_log_count_ratios(rows, labels, vocab_size, alpha=1.0):
    """Naive Bayes log-count ratios of every token, from presence counts in each class.

    Args:
        rows: int array (N, L) of token indices in [0, vocab_size); 0 is padding. A token may occur
            several times in a row.
        labels: int array (N,), 1 = positive, 0 = negative.
        vocab_size: int V.
        alpha: float, the smoothing added to every token's count in each class.
    Returns:
        r: float array (V,), r[t] = log((p[t] / sum(p[1:])) / (q[t] / sum(q[1:]))) where p[t] (q[t]) is alpha
        plus the number of positive (negative) rows that contain t; r[0] = 0.
    """
    ### BEGIN SOLUTION
    rows, labels = np.sort(np.asarray(rows), axis=1), np.asarray(labels)
    first = np.ones(rows.shape, dtype=bool)
    first[:, 1:] = rows[:, 1:] != rows[:, :-1]  # each token once per review
    counted = first & (rows != 0)  # padding is no token
    p = alpha + np.bincount(rows[counted & (labels[:, None] == 1)], minlength=vocab_size)
    q = alpha + np.bincount(rows[counted & (labels[:, None] == 0)], minlength=vocab_size)
    r = np.log(p / p[1:].sum()) - np.log(q / q[1:].sum())
    r[0] = 0.0
    return r
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_nb_log_count_ratios", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# By hand: two reviews, "2 2 3" (positive) and "3" (negative), V = 4, alpha = 1. Counting each token once,
# p = 1 + (0, 1, 1) over tokens 1..3 = (1, 2, 2), sum 5; q = 1 + (0, 0, 1) = (1, 1, 2), sum 4.
by_hand = nb_log_count_ratios(np.array([[2, 2, 3], [3, 0, 0]]), np.array([1, 0]), vocab_size=4, alpha=1.0)
checks.assert_shape(by_hand, (4,), "nb_log_count_ratios(rows, labels, 4)")
checks.assert_true(by_hand[0] == 0, f"r[0] is {by_hand[0]:.4f}: index 0 is padding, no token, and its ratio should be 0")
want = np.array([0.0, np.log((1 / 5) / (1 / 4)), np.log((2 / 5) / (1 / 4)), np.log((2 / 5) / (2 / 4))])
counts_bug = np.array([0.0, np.log((1 / 6) / (1 / 4)), np.log((3 / 6) / (1 / 4)), np.log((2 / 6) / (2 / 4))])
checks.assert_true(bool(np.all(np.isfinite(by_hand))), f"the ratios {by_hand} are not all finite: a token seen in one "
                   "class only gives log(0) unless alpha is added to every count")
checks.assert_close(by_hand, want, 'the ratios of "2 2 3" (positive) and "3" (negative), alpha=1', atol=1e-12,
                    common_bugs={"a token counted as often as it occurs: count each token once per review": counts_bug,
                                 "the classes swapped: p counts the positive reviews (label 1)": -want,
                                 "p and q divided by the number of reviews of their class, not by the sum of their counts":
                                     np.array([0.0, 0.0, np.log(2), 0.0]),
                                 "the sums include the padding: sum p and q over the tokens 1 to V-1":
                                     np.array([0.0, np.log((1 / 6) / (1 / 5)), np.log((2 / 6) / (1 / 5)), np.log((2 / 6) / (2 / 5))])})
case = REFERENCE["nb_ratios"]
ratios = nb_log_count_ratios(case.inputs["rows"], case.inputs["labels"], vocab_size=12, alpha=0.5)
checks.assert_close(ratios, case.outputs["ratios"], "nb_log_count_ratios on the reference reviews (V=12, alpha=0.5)",
                    atol=1e-12, common_bugs={"alpha ignored: add alpha to every count": case.outputs["ratios_alpha_1"],
                                             "the padding counted as a token: leave index 0 out of the counts and the sums":
                                             case.outputs["ratios_with_padding"]})
print("nb_log_count_ratios: all visible tests passed")
### BEGIN HIDDEN TESTS
# One class much larger than the other: the ratios compare shares of each class's tokens, not counts.
rows = np.array([[1, 2, 0], [1, 2, 0], [1, 2, 0], [3, 0, 0]])
ratios = nb_log_count_ratios(rows, np.array([1, 1, 1, 0]), vocab_size=4, alpha=1.0)
want = np.log(np.array([4, 4, 1]) / 9) - np.log(np.array([1, 1, 2]) / 4)
checks.assert_close(ratios, np.concatenate([[0.0], want]), "the ratios with three positive reviews and one negative",
                    atol=1e-12, common_bugs={"normalized by the number of reviews instead of the sum of the counts":
                                             np.concatenate([[0.0], np.log(np.array([4, 4, 1]) / 3) - np.log(np.array([1, 1, 2]) / 1)])})
# Tokens 4 to 6, which no review holds, still get alpha in each class, and in the sums.
want = np.log(np.array([4, 4, 1, 1, 1, 1]) / 12) - np.log(np.array([1, 1, 2, 1, 1, 1]) / 7)
checks.assert_close(nb_log_count_ratios(rows, np.array([1, 1, 1, 0]), vocab_size=7), np.concatenate([[0.0], want]),
                    "the ratios with vocab_size=7, three tokens of which no review holds", atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# The model itself is given: a Keras layer with one weight $w_t$ per token (starting at 0) and the
# ratios $r$ fixed, fed each review's distinct tokens. With $r_t = 1$ for every real token it is a
# plain logistic regression on token presence, the comparison that tells whether the ratios help.
# `bag_of_tokens` turns texts into rows of distinct token indices.

# %% nbgrader={"grade": false, "grade_id": "provided_nb_logistic_regression", "locked": true, "schema_version": 3, "solution": false}
class WeightedPresence(keras.layers.Layer):
    """P(positive) = sigmoid(c + sum over a row's tokens t of w[t] * scale[t]): w (V,) and c learned from
    0, scale (V,) fixed (scale[0] = 0, so padding adds nothing). Takes int rows (N, L), returns (N, 1)."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = np.asarray(scale, dtype="float32")

    def build(self, input_shape):
        self.w = self.add_weight(shape=(len(self.scale),), initializer="zeros", name="w")
        self.c = self.add_weight(shape=(1,), initializer="zeros", name="c")

    def call(self, rows):
        scale = keras.ops.convert_to_tensor(self.scale)
        logits = keras.ops.sum(keras.ops.take(scale, rows) * keras.ops.take(self.w, rows), axis=1, keepdims=True)
        return keras.ops.sigmoid(logits + self.c)


def build_nb_logistic_regression(scale, learning_rate=3e-3):
    """The NBSVM-style logistic regression (scale = the log-count ratios) or a plain one (scale = 1)."""
    rows = keras.Input(shape=(None,), dtype="int32")
    model = keras.Model(rows, WeightedPresence(scale)(rows))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def bag_of_tokens(vectorizer, texts, batch_size=1000):
    """Each text's distinct token indices (words and, with ngrams=2, bigrams): int32 (N, L), padded with 0."""
    bags = []
    for start in range(0, len(texts), batch_size):
        rows = np.sort(keras.ops.convert_to_numpy(vectorizer(texts[start:start + batch_size])), axis=1)
        rows[:, 1:][rows[:, 1:] == rows[:, :-1]] = 0  # a repeat becomes padding
        bags += [row[row != 0] for row in rows]
    return keras.utils.pad_sequences(bags, padding="post").astype(np.int32)

# %% [markdown]
# ## 6. Training on IMDB
#
# Now the real data. In the full run the vocabulary holds the 10,000 most frequent words of the training
# split, and every review is cut to its first 400 words: the printout says how many reviews are longer.
# These and the other settings below were chosen on the validation set, never on the test set (see the
# results section).

# %%
limit = 2000 if FAST else None
(all_train_texts, all_train_labels), (test_texts, test_labels) = emolib.data.load_imdb(limit=limit, seed=0)
if FAST:
    settings = {"max_tokens": 5000, "sequence_length": 200, "embedding_dim": 32, "filters": 32, "batch_size": 32, "epochs": 3}
else:
    settings = {"max_tokens": 10000, "sequence_length": 400, "embedding_dim": 48, "filters": 64, "batch_size": 64, "epochs": 3}
data = make_datasets(all_train_texts, all_train_labels, test_texts, test_labels, settings["max_tokens"],
                     settings["sequence_length"], validation_fraction=0.1, seed=0)
print(f"{len(data['y_train'])} training, {len(data['y_val'])} validation and {len(data['y_test'])} test reviews; "
      f"vocabulary of {data['vectorizer'].vocabulary_size()} words; "
      f"{np.mean(data['x_train'] != 0):.0%} of the training positions hold a word, the rest padding")
lengths = np.array([len(text.split()) for text in data["train_texts"]])
print(f"training reviews: median length {np.median(lengths):.0f} words, "
      f"{np.mean(lengths > settings['sequence_length']):.0%} longer than {settings['sequence_length']} (cut)")

# %% [markdown]
# Build the CNN with filters of widths 3, 4 and 5, train it with early stopping (patience 1), then, once,
# measure it on the test set.

# %%
keras.utils.set_random_seed(0)
cnn = build_cnn(data["vectorizer"].vocabulary_size(), settings["sequence_length"], settings["embedding_dim"],
                (3, 4, 5), settings["filters"], dropout=0.5)
cnn.summary()
train_batches = Batches(data["x_train"], data["y_train"], settings["batch_size"], shuffle=True)
val_batches = Batches(data["x_val"], data["y_val"], 512)
cnn_history, cnn_best_epoch, cnn_seconds = train_model(cnn, train_batches, val_batches, settings["epochs"], patience=1)
figure = plots.learning_curves(cnn_history, title="Kim's CNN on IMDB")
for ax in figure.axes:
    ax.axvline(cnn_best_epoch, color="gray", linestyle="--")
    ax.text(cnn_best_epoch, ax.get_ylim()[1], " weights kept", va="top", color="gray")
plt.show()

# %%
cnn_test = cnn.evaluate(Batches(data["x_test"], data["y_test"], 512), verbose=0, return_dict=True)
cnn_row = emolib.results.record(LESSON, "CNN, filters 3/4/5", parameters=cnn.count_params(), train_seconds=cnn_seconds,
                                epochs=len(cnn_history["loss"]), val_accuracy=cnn_history["val_accuracy"][cnn_best_epoch - 1],
                                test_accuracy=cnn_test["accuracy"], mode="fast" if FAST else "full")

# %% [markdown]
# **What did the filters learn?** Each filter responds most to some $h$-grams. The output unit weighs
# each pooled filter: a filter with a large positive weight pushes towards "positive". For the filters
# with the largest weights of each sign, here are the validation phrases that excite them most.

# %%
words = np.array(data["vectorizer"].get_vocabulary())
conv_layers = [layer for layer in cnn.layers if type(layer).__name__ == "Conv1D"]
feature_model = keras.Model(cnn.inputs, [layer.output for layer in conv_layers])
sample = data["x_val"][:500]
feature_maps = [keras.ops.convert_to_numpy(maps) for maps in feature_model.predict(sample, verbose=0)]
output_weights = keras.ops.convert_to_numpy(cnn.layers[-1].kernel)[:, 0]
filters_per_width = settings["filters"]
for rank, unit in enumerate(list(np.argsort(output_weights)[-4:][::-1]) + list(np.argsort(output_weights)[:4])):
    block, filter_index = divmod(int(unit), filters_per_width)
    width, maps = conv_layers[block].kernel_size[0], feature_maps[block][:, :, filter_index]
    best = np.argsort(maps.ravel())[::-1]
    phrases = []
    for flat in best:
        review, start = divmod(int(flat), maps.shape[1])
        phrase = " ".join(words[sample[review, start:start + width]]).strip()
        if phrase not in phrases:
            phrases.append(phrase)
        if len(phrases) == 4:
            break
    print(f"width {width}, filter {filter_index:2d}, output weight {output_weights[unit]:+.2f}: " + " | ".join(phrases))

# %% [markdown]
# ### The baselines on the same split
#
# The TF-IDF model reads the training split's texts through its own vectorizer (adapted on them only),
# and is trained and stopped the same way.

# %%
keras.utils.set_random_seed(0)
tfidf_tokens = 2000 if FAST else 50000
vectorizer, tfidf = build_tfidf_model(data["train_texts"], tfidf_tokens, l2=1e-6, learning_rate=3e-3)
tfidf_history, tfidf_best_epoch, tfidf_seconds = train_model(
    tfidf, Batches(data["train_texts"], data["y_train"], 128, transform=vectorizer, shuffle=True),
    Batches(data["val_texts"], data["y_val"], 512, transform=vectorizer), settings["epochs"], patience=1)
tfidf_test = tfidf.evaluate(Batches(data["test_texts"], data["y_test"], 512, transform=vectorizer), verbose=0, return_dict=True)
tfidf_row = emolib.results.record(LESSON, "TF-IDF bigrams + logistic regression", parameters=tfidf.count_params(),
                                  train_seconds=tfidf_seconds, epochs=len(tfidf_history["loss"]),
                                  val_accuracy=tfidf_history["val_accuracy"][tfidf_best_epoch - 1],
                                  test_accuracy=tfidf_test["accuracy"], mode="fast" if FAST else "full")
tokens = np.array(vectorizer.get_vocabulary())
weights = keras.ops.convert_to_numpy(tfidf.layers[-1].kernel)[:, 0]
bigrams = np.flatnonzero(np.char.count(tokens.astype(str), " ") == 1)
plots.word_weights(tokens[bigrams], weights[bigrams], count=12,
                   title="The logistic regression's most negative and most positive bigrams")
plt.show()

# %% [markdown]
# The fastText-style model reads the words and the bigrams of each review: `make_datasets` with
# `ngrams=2`, and rows twice as long, since the bigrams come after the words.

# %%
bigram_data = make_datasets(all_train_texts, all_train_labels, test_texts, test_labels, 2 * settings["max_tokens"],
                            2 * settings["sequence_length"], ngrams=2, validation_fraction=0.1, seed=0)
keras.utils.set_random_seed(0)
fasttext = build_fasttext(bigram_data["vectorizer"].vocabulary_size(), 2 * settings["sequence_length"], 16, learning_rate=3e-3)
fasttext_history, fasttext_best_epoch, fasttext_seconds = train_model(
    fasttext, Batches(bigram_data["x_train"], bigram_data["y_train"], 64, shuffle=True),
    Batches(bigram_data["x_val"], bigram_data["y_val"], 512), settings["epochs"] + 2, patience=1)
fasttext_test = fasttext.evaluate(Batches(bigram_data["x_test"], bigram_data["y_test"], 512), verbose=0, return_dict=True)
fasttext_row = emolib.results.record(LESSON, "fastText-style, words + bigrams", parameters=fasttext.count_params(),
                                     train_seconds=fasttext_seconds, epochs=len(fasttext_history["loss"]),
                                     val_accuracy=fasttext_history["val_accuracy"][fasttext_best_epoch - 1],
                                     test_accuracy=fasttext_test["accuracy"], mode="fast" if FAST else "full")

# %% [markdown]
# ### NBSVM on IMDB, and how large a vocabulary
#
# The NBSVM-style model reads each review's distinct words and bigrams. Its vocabulary can be far larger
# than the other models': a row holds only the tokens its review contains, so the cost grows with the
# review, not with the vocabulary. How large, then? The vectorizer numbers its tokens by decreasing
# frequency, so the $K$ most frequent are the indices below $K$: we adapt it once with the largest
# vocabulary and try smaller ones by dropping every index from $K$ on. For each size, three models are
# scored on the validation reviews: Naive Bayes alone, a logistic regression on token presence ($r_t = 1$)
# and NBSVM (the ratios as the scale). The size, like every other choice, is read off the validation set.

# %%
nb_sizes = [1000, 3000, 10000] if FAST else [25000, 50000, 100000, 200000, 400000]
start = time.perf_counter()
nb_vectorizer = keras.layers.TextVectorization(max_tokens=nb_sizes[-1], ngrams=2)
nb_vectorizer.adapt(data["train_texts"], batch_size=1024)
bags = {split: bag_of_tokens(nb_vectorizer, data[f"{split}_texts"]) for split in ("train", "val", "test")}
print(f"{nb_vectorizer.vocabulary_size()} tokens kept; vectorizer adapted and {sum(map(len, bags.values()))} reviews turned "
      f"into bags in {time.perf_counter() - start:.0f} s; a training review holds "
      f"{np.mean(np.sum(bags['train'] != 0, axis=1)):.0f} distinct words and bigrams on average")


def below(rows, size):
    """The rows with every token index from size on dropped: the vocabulary of the size most frequent tokens."""
    return np.where(rows < size, rows, 0)


prior = np.log(np.mean(data["y_train"]) / (1 - np.mean(data["y_train"])))
sweep = {"Naive Bayes alone": [], "logistic regression on presence": [], "NBSVM": []}
nbsvm = {}
for size in nb_sizes:
    x_train, x_val = below(bags["train"], size), below(bags["val"], size)
    ratios = nb_log_count_ratios(x_train, data["y_train"], size)
    sweep["Naive Bayes alone"].append(np.mean((ratios[x_val].sum(axis=1) + prior > 0) == data["y_val"]))
    for name, scale in (("logistic regression on presence", np.minimum(np.arange(size), 1)), ("NBSVM", ratios)):
        keras.utils.set_random_seed(0)
        model = build_nb_logistic_regression(scale, learning_rate=3e-3)
        history, best_epoch, seconds = train_model(model, Batches(x_train, data["y_train"], 64, shuffle=True),
                                                   Batches(x_val, data["y_val"], 512), 4, patience=1)
        sweep[name].append(history["val_accuracy"][best_epoch - 1])
        if name == "NBSVM":
            nbsvm[size] = (model, history, best_epoch, seconds, ratios)
    print(f"{size:>7} tokens: validation accuracy " + ", ".join(f"{name} {values[-1]:.4f}" for name, values in sweep.items()))
ax = plots.line_plot(nb_sizes, sweep, "vocabulary size (words and bigrams)", "validation accuracy",
                     title="Bag-of-bigrams linear models on IMDB")
ax.set_xscale("log")
ax.set_xticks(nb_sizes, [f"{size:,}" for size in nb_sizes], minor=False)
ax.minorticks_off()
plt.show()

# %% [markdown]
# The NBSVM model of the size with the best validation accuracy meets the test set, once. Then the tokens
# whose ratios say the most, each way.

# %%
nb_size = nb_sizes[int(np.argmax(sweep["NBSVM"]))]
nbsvm_model, nbsvm_history, nbsvm_best_epoch, nbsvm_seconds, nb_ratios = nbsvm[nb_size]
nbsvm_test = nbsvm_model.evaluate(Batches(below(bags["test"], nb_size), data["y_test"], 512), verbose=0, return_dict=True)
nbsvm_row = emolib.results.record(LESSON, f"NBSVM, words + bigrams ({nb_size} tokens)", parameters=nbsvm_model.count_params(),
                                  train_seconds=nbsvm_seconds, epochs=len(nbsvm_history["loss"]),
                                  val_accuracy=nbsvm_history["val_accuracy"][nbsvm_best_epoch - 1],
                                  test_accuracy=nbsvm_test["accuracy"], mode="fast" if FAST else "full")
nb_tokens = np.array(nb_vectorizer.get_vocabulary()[:nb_size])
order = np.argsort(nb_ratios[2:]) + 2  # padding and [UNK] left out
print("most negative:", ", ".join(f"{nb_tokens[t]} ({nb_ratios[t]:+.1f})" for t in order[:10]))
print("most positive:", ", ".join(f"{nb_tokens[t]} ({nb_ratios[t]:+.1f})" for t in order[::-1][:10]))

# %% [markdown]
# ## 7. Results
#
# What the course measured in the full run (`python -m autograder execute 07_keras_cnn --full`, the
# same rows `make bench-keras` prints), training on 22,500 reviews, validating on 2,500, testing once on
# all 25,000 test reviews, on an idle 2-core CPU with no GPU (training time is `fit` alone).
#
# | model | parameters | training (s) | epochs | val accuracy | test accuracy |
# | --- | ---: | ---: | ---: | ---: | ---: |
# | CNN, filters 3/4/5 (64 each, embeddings of 48) | 517,249 | 105.7 | 3 | 0.8836 | 0.8771 |
# | TF-IDF bigrams + logistic regression (50,000 tokens) | 50,001 | 14.2 | 2 | 0.8976 | 0.8801 |
# | fastText-style, words + bigrams (20,000 tokens, embeddings of 16) | 320,017 | 11.8 | 5 | 0.8900 | 0.8936 |
# | NBSVM, words + bigrams (400,000 tokens) | 400,001 | 13.7 | 4 | 0.9184 | **0.9168** |
#
# In fast mode (1,800 training reviews cut to 200 words, 2,000 test reviews) the CNN reaches a test
# accuracy of 0.750, the TF-IDF model 0.776, the fastText-style model 0.704 and NBSVM 0.855.
#
# **NBSVM is the best model of the lesson**, at 0.917 on test after 13.7 s of training (15 s more
# to adapt its vectorizer and turn the 50,000 reviews into bags of tokens). The sweep above says where
# that comes from. On validation, at every vocabulary size:
#
# | tokens | Naive Bayes alone | logistic regression on presence | NBSVM |
# | ---: | ---: | ---: | ---: |
# | 25,000 | 0.8636 | 0.9044 | 0.9088 |
# | 50,000 | 0.8732 | 0.9064 | 0.9128 |
# | 100,000 | 0.8812 | 0.9096 | 0.9176 |
# | 200,000 | 0.8800 | 0.9076 | 0.9164 |
# | 400,000 | 0.8768 | 0.9108 | 0.9184 |
#
# - Most of the gain over the TF-IDF model is the features, not the learner: a plain logistic regression
#   on token presence already reaches 0.904 with 25,000 tokens. The TF-IDF model feeds Adam raw counts
#   times IDF, numbers that grow with a review's length, through 50,000 dense inputs per review.
# - The Naive Bayes weights add 0.004 to 0.008 at every size: the prior helps, a little and always.
# - Naive Bayes alone stops near 0.88: it adds up the evidence of every token as if each were independent
#   of the others, and "not" and "not good" count twice.
# - A larger vocabulary helps up to about 100,000 tokens; beyond, the validation set cannot tell the sizes
#   apart (differences below 0.002, a third of the standard error of an accuracy on 2,500 reviews,
#   $\sqrt{0.91 \cdot 0.09 / 2500} \approx 0.006$). The sweep chose 400,000, the largest tried.
# - The most telling tokens, by their ratios, are the ones a reader would pick ("worst films", "this
#   garbage", "save yourself"; "wonderful movie", "very touching"), ratings ("410" is "4/10" with its
#   slash stripped, "br 710" a rating after a line break, whose `<br />` tag the standardization leaves
#   as "br"), and "edie", a film with several training reviews.
#
# This is Wang and Manning's result (NBSVM-bi, 0.9122 on this test set) at the cost of a linear model.
#
# **The CNN misses the course's aim** of 0.89 on test, with 0.877; its time aim, 3 minutes of training,
# it meets. We looked for better settings on the validation reviews only (`make sweep-keras`, which trains
# this lesson's `build_cnn` on the same split), at most 4 epochs each:
#
# | change from the lesson's settings | best validation accuracy |
# | --- | ---: |
# | none (the table above: 10,000 words, the first 400 of each review, embeddings of 48, 64 filters per width) | 0.8836 |
# | the last 400 words of each review | 0.8836 |
# | the last 400 words, 20,000 words in the vocabulary | 0.8844 |
# | the last 600 words | 0.8872 |
# | the last 400 words, 100 filters per width, embeddings of 64 | 0.8880 |
#
# None reaches 0.89, and each costs time: the convolutions' work grows with the length and with the
# filters times the embedding size, 1.5 times for 600 words and about twice for 100 filters of 64 numbers. The differences are within about one standard error of each other, so the lesson keeps its
# settings. In every run the training accuracy passed 0.91 in the third epoch against 0.88 on validation:
# the CNN memorizes its training reviews. A deep model that does not beat a linear one is not a failure of
# the method: it is the finding. On IMDB the verdict sits in a few words and short phrases anywhere in a
# long review; a bag of n-grams sees the whole review, the CNN only its first 400 words (13% of the reviews
# are longer), and 22,500 reviews are few for 517,249 parameters learned from scratch. Kim's CNN beat its
# baselines with word vectors pre-trained on 100 billion words.
#
# **What the filters learned** (the printout above, full run): the positive filters fire on "one of the
# funniest", "one of my favorite", "highly recommended"; the negative ones on "script is just bad", "a total
# waste of", "is absolutely nothing redeeming". Two things a careful reader notices. Tokens like "910" and
# "410" are ratings ("9/10", with the slash stripped by the standardization): reviewers write their score
# in the text, and the model found it. And "edie and little edie" and "winchester 73" are the titles and
# names of films with several reviews in the training set: the CNN memorizes them, which helps on
# validation reviews of the same films and says nothing about sentiment.
#
# ## What you built
#
# - A split that keeps the test set for the end, and a vocabulary that never saw a test review.
# - Kim's CNN in Keras, with its parameters counted by hand, trained with early stopping that keeps the
#   best epoch's weights.
# - Three baselines, which any claim about a deep model on this task should be measured against, among
#   them NBSVM: Naive Bayes log-count ratios computed from presence counts, as the prior of a logistic
#   regression.
#
# Lesson 08 replaces the convolutions by recurrent layers (LSTM, GRU, bidirectional) and compares their
# cost with this CNN's; lesson 09 asks what accuracy hides, and which words a model's decision rests on.
