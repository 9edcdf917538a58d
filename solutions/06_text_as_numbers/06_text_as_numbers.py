# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 06: text as numbers, in English and in Chinese
#
# A neural network reads numbers, not words. By the end of this lesson you will be able to
#
# - clean and split English reviews exactly the way `keras.layers.TextVectorization` does, and say
#   precisely what its defaults do (and do not do) to a text;
# - build a vocabulary on the training split only, ordered the way Keras orders it, with index 0 kept
#   for padding and index 1 for words outside the vocabulary;
# - turn token lists into a fixed-size integer matrix, padding and truncating at either end, and explain
#   what each choice does to a recurrent network;
# - choose the sequence length from the distribution of review lengths, and see how many words a
#   vocabulary of a given size covers (Zipf's law);
# - segment Chinese with jieba (precise, full and search modes, a user dictionary, stop words), and
#   compare characters and words as tokens on the ChnSentiCorp reviews.
#
# **Prerequisites:** Python lists, dicts and `collections.Counter`; NumPy indexing. Lessons 01 to 05
# used `emolib.text` to do all of this for you; here you write it yourself.
#
# **Time:** about an hour and a half. **Runs on:** a laptop CPU; nothing is trained. With
# `EMOLIB_FAST=1` (and always when nbgrader grades it) the notebook reads 1,000 training and 1,000 test
# IMDB reviews and 1,300 ChnSentiCorp reviews, and runs in about 12 seconds on a 2-core CPU, TensorFlow's
# import included; the full run reads all 50,000 IMDB reviews and the 10,800 ChnSentiCorp train and dev
# reviews and takes about 40 seconds (both measured on a lightly loaded machine; several times longer
# while other jobs share the cores).
#
# **How to work:** fill in every cell that says `YOUR CODE HERE`, then run the test cell below it.
# The tests you see are not all the tests: the grader also tries texts and settings you do not see.
# Run All stops at the first test that fails; the **Validate** button runs the whole notebook and lists
# every failing test, what is wrong first. The locked cells (the tests, and the one that loads the reference
# values) cannot be edited: run them as they are.

# %% tags=["setup"]
import re
import time
from collections import Counter

import numpy as np
import matplotlib.pyplot as plt

import emolib
import emolib.data
import emolib.text
from emolib import checks, plots

import keras
import jieba

emolib.quiet_stderr()  # jieba prints its start-up notices on stderr
FAST = emolib.fast_mode()
print("fast mode" if FAST else "full mode")

# %% nbgrader={"grade": false, "grade_id": "reference", "locked": true, "schema_version": 3, "solution": false}
REFERENCE = checks.load_fixture("06_text_as_numbers")

# %% [markdown]
# The reviews: IMDB (English, 25,000 training and 25,000 test reviews; 1,000 of each in fast mode).
# The test split stays locked away until a model is evaluated, in the next lessons; here we only need
# it to see what happens to text the vocabulary has never seen.

# %%
start = time.perf_counter()
(train_texts, train_labels), (test_texts, test_labels) = emolib.data.load_imdb(limit=1000 if FAST else None)
print(f"{len(train_texts)} training and {len(test_texts)} test reviews, read in {time.perf_counter() - start:.1f} s")
print(repr(train_texts[0][:400]))

# %% [markdown]
# ## 1. From a review to tokens, the way Keras does it
#
# `keras.layers.TextVectorization` turns a batch of strings into integers in three steps:
#
# 1. **standardize**: by default `"lower_and_strip_punctuation"`;
# 2. **split**: by default `"whitespace"`;
# 3. **look up** each token in a vocabulary learned by `adapt` (section 2).
#
# Its documentation says "lowercase and strip punctuation". What that means exactly is best found out
# by experiment. Adapt a layer on one probe string and print the vocabulary it learned, which is the set
# of tokens it saw:

# %%
probe = "Don't STOP!<br />ÉCLAIR, Über-cool e-mail: x.y a\u00a0b, 10/10 :-)"
probe_layer = keras.layers.TextVectorization()
probe_layer.adapt([probe])
print([str(token) for token in probe_layer.get_vocabulary()[2:]])

# %% [markdown]
# What the experiment (and the Keras source) shows:
#
# - **Lowercasing is ASCII only.** `tf.strings.lower` without an encoding maps `A`-`Z` to `a`-`z` and
#   leaves every other character alone: `ÉCLAIR` becomes `Éclair`, `Über` stays `Über`. Python's
#   `str.lower` would lowercase `É` and `Ü` too.
# - **Punctuation is deleted, not replaced by a space.** Every character of the regular expression
#   `KERAS_PUNCTUATION` below is removed: `don't` becomes `dont`, `e-mail` becomes `email`, `x.y` becomes
#   `xy`, `10/10` becomes `1010`, and `<br />` (IMDB's line break) becomes the word `br`, glued to the
#   word before it when no space separates them: `STOP!<br />` is the one token `stopbr`. The
#   apostrophe is in the set, unlike in `emolib.text.tokenize`, which keeps `don't` whole.
# - **Splitting is on ASCII whitespace only** (space, `\t`, `\n`, `\r`, `\v`, `\f`); runs of it count
#   once and no empty token is ever made. A no-break space (`\u00a0`, which IMDB reviews contain)
#   does not split: `a\u00a0b` is one token. Python's `str.split()` would split there (it also splits
#   on `\x85` and a few others), and `str.split(" ")` makes an empty token `""` wherever two spaces
#   meet.
#
# These details matter: a model trained with one tokenizer and served with another sees different
# integers for the same review.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_constants", "locked": true, "schema_version": 3, "solution": false}
# What TextVectorization's "lower_and_strip_punctuation" deletes (copied from the Keras source).
KERAS_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
# The reserved entries at the start of a Keras vocabulary: index 0 pads, index 1 stands for any
# out-of-vocabulary word.
PAD_TOKEN, OOV_TOKEN = "", "[UNK]"
PAD_INDEX, OOV_INDEX = 0, 1


def check_tokens(got, want, what):
    """Fail unless ``got`` is a list of str equal to ``want``; the message shows the first difference."""
    checks.assert_true(isinstance(got, list), f"{what} should be a list, but it is a {type(got).__name__}.")
    checks.assert_true(all(isinstance(token, str) for token in got),
                       f"{what} should hold Python strings only, but it holds "
                       f"{sorted({type(token).__name__ for token in got})}.")
    got, want = [str(token) for token in got], [str(token) for token in want]
    for position, (a, b) in enumerate(zip(got, want)):
        if a != b:
            raise AssertionError(f"{what} is wrong from position {position} on: you give {got[position:position + 5]}, "
                                 f"the reference is {want[position:position + 5]}.")
    checks.assert_true(len(got) == len(want), f"{what} has {len(got)} entries, expected {len(want)}. "
                       f"You give {got[len(want):len(want) + 5] or got[-5:]}, the reference ends {want[-5:]}.")


def reference_token_lists(texts):
    """Keras' own tokens of each text, for the tests: a TextVectorization adapted on ``texts`` knows
    every token, so mapping its integers back through its vocabulary gives the tokens it made."""
    layer = keras.layers.TextVectorization()
    layer.adapt(texts)
    layer_vocabulary = layer.get_vocabulary()
    return [[str(layer_vocabulary[i]) for i in row if i != 0] for row in np.asarray(layer(texts))]

# %% [markdown]
# **Exercise 1.** Write `keras_tokens(text)`: the tokens TextVectorization's default standardization
# and split make of one text. Use `re` (`re.sub`, `re.split`) and `KERAS_PUNCTUATION`; do not call Keras.

# %% nbgrader={"grade": false, "grade_id": "keras_tokens", "locked": false, "solution": true, "schema_version": 3}
def keras_tokens(text):
    """Standardize and split one text exactly as TextVectorization's defaults do.

    Args:
        text (str): one raw text.
    Returns:
        list[str]: the tokens in order: ASCII letters lowercased (other characters unchanged), every
        character of KERAS_PUNCTUATION deleted, then split on runs of ASCII whitespace
        (" \\t\\n\\r\\v\\f"); never an empty string. E.g. "Don't STOP! <br />Über" ->
        ["dont", "stop", "br", "Über"].
    """
    ### BEGIN SOLUTION
    lowered = re.sub(r"[A-Z]+", lambda match: match.group().lower(), text)
    stripped = re.sub(KERAS_PUNCTUATION, "", lowered)
    return [token for token in re.split(r"[ \t\n\r\v\f]+", stripped) if token]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_keras_tokens", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["keras_tokens"]
check_tokens(keras_tokens(str(case.inputs["text"])), list(case.outputs["tokens"]), "keras_tokens(probe text)")
# Against Keras itself on real reviews.
for number, (text, tokens) in enumerate(zip(train_texts[:30], reference_token_lists(train_texts[:30]))):
    check_tokens(keras_tokens(text), tokens, f"keras_tokens(train_texts[{number}])")
print("keras_tokens: all visible tests passed")
### BEGIN HIDDEN TESTS
hidden_texts = ["  Two  spaces  and\ttabs\n\nand\r\nlines  ", "ÉCLAIR Über ÀB café", "a\u00a0b c\x85d e\u3000f g\x1ch",
                "C++ & C# -- (really?) [yes]{no} 'quoted' \"double\"", "don't, can't... won't!", "", "   ", "!!! ...",
                "x\vy\fz", "<br /><br />end", "100% _under_score_ a|b ~tilde~ ^caret @at"]
for text, tokens in zip(hidden_texts, reference_token_lists(hidden_texts)):
    check_tokens(keras_tokens(text), tokens, f"keras_tokens({text!r})")
for number, (text, tokens) in enumerate(zip(train_texts[30:300], reference_token_lists(train_texts[30:300]))):
    check_tokens(keras_tokens(text), tokens, f"keras_tokens(train_texts[{30 + number}])")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A vocabulary, fitted on the training split only
#
# A vocabulary gives each token an index. TextVectorization's `adapt` counts every token of the texts
# it is given, $c(w)$ = the number of times token $w$ occurs, and keeps the most frequent ones. Two
# indices are reserved in front:
#
# | index | entry | meaning |
# | --- | --- | --- |
# | 0 | `""` | padding (and the mask value of an `Embedding(mask_zero=True)`); never a word |
# | 1 | `"[UNK]"` | out of vocabulary (OOV): any token that is not in the vocabulary |
# | 2, 3, ... | the learned tokens | most frequent first |
#
# `max_tokens` counts the two reserved entries, so `max_tokens=10000` keeps 9,998 words; when fewer
# distinct tokens exist, the vocabulary is simply shorter.
#
# **Ties.** Many tokens share a count (thousands of words occur exactly twice), so the order among them
# decides which ones make the cut and which index each gets. Again, experiment:

# %%
tie_layer = keras.layers.TextVectorization()
tie_layer.adapt(["b a c a b c d é z"])
print([str(token) for token in tie_layer.get_vocabulary()])

# %% [markdown]
# `a`, `b` and `c` occur twice each and come out as `c, b, a`; `d`, `é` and `z` once each, as `é, z, d`.
# Keras sorts by count, **highest first**, and breaks ties by the token itself, **in reverse order of
# its UTF-8 bytes** (the source does `np.lexsort((tokens, counts))[::-1]`: an ascending sort on
# (count, token), reversed). UTF-8 byte order is Unicode code-point order, which is how Python compares
# strings, and `é` (U+00E9) comes after `z` (U+007A). This differs from `emolib.text.build_vocab`, which
# breaks ties alphabetically: the two vocabularies hold the same words but not always at the same
# indices, and at the cut-off not always the same words.
#
# Why the training split only? The test reviews stand for reviews the model meets after training. If
# their words chose the vocabulary, words that occur only in the test set would get their own index,
# and the measured accuracy would no longer be that of a model facing truly new text.
#
# **Exercise 2.** Write `fit_vocabulary(token_lists, max_tokens)`, the vocabulary `adapt` would learn
# from these token lists.

# %% nbgrader={"grade": false, "grade_id": "fit_vocabulary", "locked": false, "solution": true, "schema_version": 3}
def fit_vocabulary(token_lists, max_tokens=None):
    """The vocabulary TextVectorization.adapt learns from tokenized texts.

    Args:
        token_lists (list of list[str]): N tokenized texts (the training split).
        max_tokens (int or None): the largest vocabulary size, the two reserved entries included;
            None keeps every token.
    Returns:
        list[str] of length min(max_tokens, 2 + number of distinct tokens): ["", "[UNK]", then the
        tokens by count, highest first, tokens with equal counts in reverse code-point order].
        A token's index is its position in this list.
    """
    ### BEGIN SOLUTION
    counts = Counter(token for tokens in token_lists for token in tokens)
    for reserved in (PAD_TOKEN, OOV_TOKEN):
        counts.pop(reserved, None)
    words = sorted(counts, key=lambda token: (counts[token], token), reverse=True)
    if max_tokens is not None:
        words = words[:max_tokens - 2]
    return [PAD_TOKEN, OOV_TOKEN] + words
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_fit_vocabulary", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["fit_vocabulary"]
small_token_lists = [text.split() for text in case.inputs["texts"]]
vocabulary = fit_vocabulary(small_token_lists)
checks.assert_true(isinstance(vocabulary, list), f"fit_vocabulary should return a list, it returns a {type(vocabulary).__name__}")
checks.assert_true(vocabulary[:2] == ["", "[UNK]"],
                   f'the vocabulary must start with "" (index 0, padding) and "[UNK]" (index 1); yours starts {vocabulary[:3]}')
check_tokens(vocabulary, list(case.outputs["vocabulary"]), "fit_vocabulary(small texts)")
check_tokens(fit_vocabulary(small_token_lists, max_tokens=5), list(case.outputs["vocabulary"])[:5], "fit_vocabulary(small texts, max_tokens=5)")
# Against Keras on real reviews, tokenized by Keras' own rules.
reserved_lists = [["[UNK]", "a", "a", "b"], ["a", "[UNK]", "c"]]  # the reserved token as text is not a word
layer = keras.layers.TextVectorization(standardize=None)
layer.adapt([" ".join(tokens) for tokens in reserved_lists])
check_tokens(fit_vocabulary(reserved_lists), layer.get_vocabulary(), 'fit_vocabulary(lists holding the token "[UNK]")')
reference_lists = reference_token_lists(train_texts[:700])
for max_tokens in (None, 300):
    layer = keras.layers.TextVectorization(max_tokens=max_tokens, standardize=None)
    layer.adapt([" ".join(tokens) for tokens in reference_lists[:200]])
    check_tokens(fit_vocabulary(reference_lists[:200], max_tokens), layer.get_vocabulary(),
                 f"fit_vocabulary(200 reviews, max_tokens={max_tokens})")
print("fit_vocabulary: all visible tests passed")
### BEGIN HIDDEN TESTS
hidden_lists = [["z", "é", "a", "b"], ["b", "z", "é"], ["ä", "a"], ["only"], []]
layer = keras.layers.TextVectorization(standardize=None)
layer.adapt([" ".join(tokens) for tokens in hidden_lists])
check_tokens(fit_vocabulary(hidden_lists), layer.get_vocabulary(), "fit_vocabulary(lists with accents and an empty one)")
check_tokens(fit_vocabulary(hidden_lists, 2), ["", "[UNK]"], "fit_vocabulary(..., max_tokens=2)")
for max_tokens in (3, 4, 50):
    layer = keras.layers.TextVectorization(max_tokens=max_tokens, standardize=None)
    layer.adapt([" ".join(tokens) for tokens in hidden_lists])
    check_tokens(fit_vocabulary(hidden_lists, max_tokens), layer.get_vocabulary(), f"fit_vocabulary(..., max_tokens={max_tokens})")
layer = keras.layers.TextVectorization(max_tokens=2000, standardize=None)
layer.adapt([" ".join(tokens) for tokens in reference_lists[200:700]])
check_tokens(fit_vocabulary(reference_lists[200:700], 2000), layer.get_vocabulary(), "fit_vocabulary(500 other reviews, 2000)")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Integer sequences, padding and truncation
#
# With the vocabulary, a text becomes the list of its tokens' indices, 1 for every token the vocabulary
# lacks. A batch needs one length $L$ for all texts, so each sequence is **padded** with 0 when shorter
# and **truncated** when longer, at one of two ends:
#
# | setting | short sequence `[5, 6, 7]`, $L = 5$ | long sequence `[5, 6, 7, 8, 9, 4]`, $L = 4$ |
# | --- | --- | --- |
# | `padding="post"` / `truncating="post"` | `[5, 6, 7, 0, 0]` | `[5, 6, 7, 8]` (keeps the start) |
# | `padding="pre"` / `truncating="pre"` | `[0, 0, 5, 6, 7]` | `[7, 8, 9, 4]` (keeps the end) |
#
# The two Keras tools disagree on the default: `TextVectorization(output_sequence_length=L)` pads
# and truncates **post** (at the end), `keras.utils.pad_sequences` pads and truncates **pre** (at the
# start). Section 5 shows what this does to a recurrent network.
#
# **Exercise 3.** Write `vectorize(token_lists, vocabulary, sequence_length, padding, truncating)`.

# %% nbgrader={"grade": false, "grade_id": "vectorize", "locked": false, "solution": true, "schema_version": 3}
def vectorize(token_lists, vocabulary, sequence_length, padding="post", truncating="post"):
    """Turn tokenized texts into a padded integer matrix.

    Args:
        token_lists (list of list[str]): N tokenized texts.
        vocabulary (list[str]): from fit_vocabulary; token vocabulary[i] has index i.
        sequence_length (int): L >= 1, the number of columns.
        padding ("post" or "pre"): put the padding zeros after (post) or before (pre) a short text.
        truncating ("post" or "pre"): drop the end (post) or the start (pre) of a long text.
    Returns:
        np.ndarray of shape (N, L), dtype int64: each token's index in vocabulary, 1 ("[UNK]") for a
        token not in it, 0 for padding. With the defaults it equals what
        TextVectorization(vocabulary=..., output_sequence_length=L) gives.
    """
    ### BEGIN SOLUTION
    index = {token: i for i, token in enumerate(vocabulary)}
    matrix = np.full((len(token_lists), sequence_length), PAD_INDEX, dtype=np.int64)
    for row, tokens in zip(matrix, token_lists):
        ids = [index.get(token, OOV_INDEX) for token in tokens]
        ids = ids[:sequence_length] if truncating == "post" else ids[max(len(ids) - sequence_length, 0):]
        if not ids:
            continue
        if padding == "post":
            row[:len(ids)] = ids
        else:
            row[sequence_length - len(ids):] = ids
    return matrix
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_vectorize", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["vectorize"]
case_lists = [text.split() for text in case.inputs["texts"]]
case_vocabulary = [str(token) for token in case.inputs["vocabulary"]]
for padding in ("post", "pre"):
    for truncating in ("post", "pre"):
        got = vectorize(case_lists, case_vocabulary, 5, padding=padding, truncating=truncating)
        checks.assert_shape(got, (4, 5), f"vectorize(4 texts, L=5, {padding}, {truncating})")
        checks.assert_true(np.asarray(got).dtype.kind in "iu", f"vectorize should return integers, not {np.asarray(got).dtype}")
        other = {"post": "pre", "pre": "post"}
        want = case.outputs[f"{padding}_{truncating}"]
        checks.assert_close(got, want, f'vectorize(..., padding="{padding}", truncating="{truncating}")', common_bugs={
            f'the padding is on the wrong side: padding="{padding}" puts the zeros {"after" if padding == "post" else "before"} the text':
                case.outputs[f"{other[padding]}_{truncating}"],
            f'the wrong end of the long text is cut: truncating="{truncating}" drops its {"end" if truncating == "post" else "start"}':
                case.outputs[f"{padding}_{other[truncating]}"],
            "unknown words are 0, the padding index; they get 1, the index of [UNK]": np.where(want == 1, 0, want)})
# Against TextVectorization (post, post) and keras.utils.pad_sequences (pre, pre) on real reviews.
reference_lists = reference_token_lists(train_texts[300:340])
layer = keras.layers.TextVectorization(max_tokens=1000)
layer.adapt(train_texts[:300])
vocabulary = [str(token) for token in layer.get_vocabulary()]
layer = keras.layers.TextVectorization(vocabulary=vocabulary[2:], output_sequence_length=120)
checks.assert_close(vectorize(reference_lists, vocabulary, 120), np.asarray(layer(train_texts[300:340])),
                    "vectorize(40 reviews, L=120) against TextVectorization")
unpadded = [list(row[row != 0]) for row in np.asarray(keras.layers.TextVectorization(vocabulary=vocabulary[2:])(train_texts[300:340]))]
checks.assert_close(vectorize(reference_lists, vocabulary, 120, padding="pre", truncating="pre"),
                    keras.utils.pad_sequences(unpadded, maxlen=120), 'vectorize(..., "pre", "pre") against keras.utils.pad_sequences')
print("vectorize: all visible tests passed")
### BEGIN HIDDEN TESTS
hidden_vocabulary = ["", "[UNK]", "x", "y", "z"]
hidden_lists = [[], ["x"], ["q", "q", "y"], ["z", "y", "x", "w", "x", "y", "z"], ["x", "y", "z"]]
for length in (1, 3, 8):
    for padding in ("post", "pre"):
        for truncating in ("post", "pre"):
            ids = [[hidden_vocabulary.index(t) if t in hidden_vocabulary else 1 for t in tokens] for tokens in hidden_lists]
            want = keras.utils.pad_sequences(ids, maxlen=length, padding=padding, truncating=truncating)
            checks.assert_close(vectorize(hidden_lists, hidden_vocabulary, length, padding=padding, truncating=truncating),
                                want, f"vectorize(texts of 0 to 7 tokens, L={length}, {padding}, {truncating})")
checks.assert_shape(vectorize([["x"]], hidden_vocabulary, 4), (1, 4), "vectorize of one text")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The whole pipeline, and no peeking at the test set
#
# **Exercise 4.** Put exercises 1 to 3 together: `encode_splits` tokenizes both splits, fits the
# vocabulary on the training texts only, and vectorizes both splits with it (post padding and
# truncation, as TextVectorization does). The test below checks that the result is exactly the integer
# matrix of a TextVectorization layer adapted on the training texts, vocabulary order included.

# %% nbgrader={"grade": false, "grade_id": "encode_splits", "locked": false, "solution": true, "schema_version": 3}
def encode_splits(train_texts, test_texts, max_tokens, sequence_length):
    """Tokenize, fit a vocabulary and vectorize, like a TextVectorization adapted on the training texts.

    Args:
        train_texts (list[str]): N raw training texts.
        test_texts (list[str]): M raw test texts.
        max_tokens (int or None): as in fit_vocabulary.
        sequence_length (int): L, as in vectorize.
    Returns:
        x_train: np.ndarray of shape (N, L), int64.
        x_test: np.ndarray of shape (M, L), int64; a word never seen in training is 1.
        vocabulary: list[str], fitted on the training texts only.
    """
    ### BEGIN SOLUTION
    train_lists = [keras_tokens(text) for text in train_texts]
    test_lists = [keras_tokens(text) for text in test_texts]
    vocabulary = fit_vocabulary(train_lists, max_tokens)
    x_train = vectorize(train_lists, vocabulary, sequence_length)
    x_test = vectorize(test_lists, vocabulary, sequence_length)
    return x_train, x_test, vocabulary
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_encode_splits", "locked": true, "points": 2, "schema_version": 3, "solution": false}
x_train, x_test, vocabulary = encode_splits(train_texts[:400], test_texts[:200], 2000, 150)
checks.assert_shape(x_train, (400, 150), "x_train")
checks.assert_shape(x_test, (200, 150), "x_test")
layer = keras.layers.TextVectorization(max_tokens=2000, output_sequence_length=150)
layer.adapt(train_texts[:400])
check_tokens(vocabulary, layer.get_vocabulary(), "the vocabulary of encode_splits(400 train, 200 test reviews)")
checks.assert_close(x_train, np.asarray(layer(train_texts[:400])), "x_train against TextVectorization")
checks.assert_close(x_test, np.asarray(layer(test_texts[:200])), "x_test against TextVectorization")
print("encode_splits: all visible tests passed")
### BEGIN HIDDEN TESTS
# Words that only the test split has must be out of vocabulary, even when they are frequent there.
leak_train = ["good film", "bad film", "good good plot"]
leak_test = ["zebra zebra zebra zebra film", "zebra yak"]
x_train, x_test, vocabulary = encode_splits(leak_train, leak_test, None, 6)
check_tokens(vocabulary, ["", "[UNK]", "good", "film", "plot", "bad"], "the vocabulary fitted on 3 training texts")
checks.assert_close(x_test, np.array([[1, 1, 1, 1, 3, 0], [1, 1, 0, 0, 0, 0]]), "x_test: test-only words must be 1")
checks.assert_close(x_train, np.array([[2, 3, 0, 0, 0, 0], [5, 3, 0, 0, 0, 0], [2, 2, 4, 0, 0, 0]]), "x_train")
### END HIDDEN TESTS

# %% [markdown]
# The same in Keras, for the rest of the course: one layer holds the vocabulary and the conventions,
# and can sit inside a model so that it takes raw strings. On the training reviews:

# %%
sequence_length_demo = 200
start = time.perf_counter()
x_train, x_test, imdb_vocabulary = encode_splits(train_texts, test_texts, 10000, sequence_length_demo)
mine_seconds = time.perf_counter() - start
start = time.perf_counter()
vectorizer = keras.layers.TextVectorization(max_tokens=10000, output_sequence_length=sequence_length_demo)
vectorizer.adapt(train_texts)
keras_x_test = np.asarray(vectorizer(test_texts))
keras_seconds = time.perf_counter() - start
print(f"vocabulary: {len(imdb_vocabulary)} entries; first words {imdb_vocabulary[2:12]}")
print(f"the same test matrix as TextVectorization: {bool(np.array_equal(x_test, keras_x_test))} "
      f"(yours {mine_seconds:.1f} s, Keras {keras_seconds:.1f} s)")
print(f"out-of-vocabulary share of the test tokens: {np.sum(x_test == 1) / np.sum(x_test != 0):.3f}; "
      f"of the training tokens: {np.sum(x_train == 1) / np.sum(x_train != 0):.3f}")

# %% [markdown]
# The training split has fewer OOV tokens than the test split: the vocabulary was chosen from it
# (measured: 4.8% against 8.5% in fast mode, 6.5% against 7.0% on the full data). That gap is exactly
# what a vocabulary fitted on the test set would hide.
#
# ## 5. How long should a sequence be?
#
# Reviews have very different lengths, and every padded position costs computation while every cut
# one loses words. A common rule: pick the smallest $L$ that leaves a share $q$ of the reviews (say
# 90%) uncut, that is the smallest integer $L$ with
#
# $$\frac{1}{N}\,\#\{n : \ell_n \le L\} \ \ge\ q,$$
#
# where $\ell_n$ is the length of review $n$ in tokens. If $\ell_{(1)} \le \dots \le \ell_{(N)}$ are the
# lengths sorted, that $L$ is $\ell_{(\lceil qN \rceil)}$ (counting from 1). The share of reviews that
# get truncated is then $\frac{1}{N}\#\{n : \ell_n > L\} \le 1 - q$.
#
# **Exercise 5.** Write `choose_sequence_length(lengths, coverage)`. Watch out: `np.percentile`
# interpolates between two lengths by default, which is not this definition.

# %% nbgrader={"grade": false, "grade_id": "choose_sequence_length", "locked": false, "solution": true, "schema_version": 3}
def choose_sequence_length(lengths, coverage=0.9):
    """The smallest sequence length that leaves at least a share `coverage` of the texts uncut.

    Args:
        lengths: int array of shape (N,), N >= 1, the number of tokens of each text.
        coverage (float): q in (0, 1].
    Returns:
        length (int): the smallest integer L with mean(lengths <= L) >= q; always one of the lengths.
        truncated_share (float): mean(lengths > L), the share of texts that L cuts.
    """
    ### BEGIN SOLUTION
    ordered = np.sort(np.asarray(lengths))
    rank = int(np.ceil(coverage * len(ordered) - 1e-9))  # 1-based; the tolerance absorbs float error in q * N
    length = int(ordered[max(rank, 1) - 1])
    return length, float(np.mean(ordered > length))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_choose_sequence_length", "locked": true, "points": 2, "schema_version": 3, "solution": false}
case = REFERENCE["choose_sequence_length"]
length, share = choose_sequence_length(case.inputs["lengths"], 0.9)
checks.assert_true(isinstance(length, (int, np.integer)), f"the length should be an integer, it is {length!r}")
ordered = np.sort(case.inputs["lengths"])
checks.assert_close(length, case.outputs["length"], "the length for coverage 0.9", common_bugs={
    "np.percentile interpolates between two lengths": np.percentile(ordered, 90),
    "np.percentile interpolates between two lengths (and int() cuts the result)": int(np.percentile(ordered, 90)),
    "the 1-based rank ceil(q * N) is used as a 0-based index: take ordered[rank - 1]": ordered[int(np.ceil(0.9 * len(ordered)))]})
at_or_above = float(np.mean(case.inputs["lengths"] >= case.outputs["length"]))
checks.assert_close(share, case.outputs["truncated_share"], "the truncated share for coverage 0.9", common_bugs={
    "texts of exactly L tokens are counted as cut; a text is cut when its length is > L": at_or_above})
length, share = choose_sequence_length(np.array([5, 1, 3, 3, 9]), 0.5)
checks.assert_close(length, 3, "choose_sequence_length([5, 1, 3, 3, 9], 0.5)")
checks.assert_close(share, 0.4, "its truncated share (5 and 9 are cut)", common_bugs={
    "texts of exactly L tokens are counted as cut; a text is cut when its length is > L": 0.8})
length, _ = choose_sequence_length(np.arange(4, 101, 4), 0.28)
checks.assert_close(length, 28, "choose_sequence_length([4, 8, ..., 100], 0.28)", common_bugs={
    "q * N = 0.28 * 25 is 7.000000000000001 in floating point; rounded up (np.quantile does it too) it "
    "gives rank 8. Allow for the rounding error, e.g. np.ceil(q * N - 1e-9)": 32})
print("choose_sequence_length: all visible tests passed")
### BEGIN HIDDEN TESTS
hidden_lengths = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
for q, want_length, want_share in ((1.0, 100, 0.0), (0.9, 90, 0.1), (0.95, 100, 0.0), (0.05, 10, 0.9), (0.31, 40, 0.6),
                                   (0.3, 30, 0.7), (0.6, 60, 0.4)):
    length, share = choose_sequence_length(hidden_lengths, q)
    checks.assert_close(length, want_length, f"choose_sequence_length(10, 20, ..., 100; {q})")
    checks.assert_close(share, want_share, f"the truncated share for {q}")
length, share = choose_sequence_length(np.arange(4, 101, 4), 0.56)  # 0.56 * 25 = 14.000000000000002
checks.assert_close(length, 56, "choose_sequence_length([4, 8, ..., 100], 0.56)")
length, share = choose_sequence_length(np.array([7, 7, 7, 2]), 0.8)
checks.assert_close(length, 7, "choose_sequence_length([7, 7, 7, 2], 0.8)")
checks.assert_close(share, 0.0, "its truncated share (ties at the chosen length are not cut)")
length, share = choose_sequence_length(np.array([4]), 0.5)
checks.assert_close(length, 4, "choose_sequence_length of one text")
### END HIDDEN TESTS

# %% [markdown]
# The training reviews' lengths in Keras tokens, and the length that keeps 90% of them whole:

# %%
train_token_lists = [keras_tokens(text) for text in train_texts]
test_token_lists = [keras_tokens(text) for text in test_texts]
train_lengths = np.array([len(tokens) for tokens in train_token_lists])
chosen_length, truncated_share = choose_sequence_length(train_lengths, 0.9)
print(f"median length {np.median(train_lengths):.0f} tokens, mean {train_lengths.mean():.0f}, longest {train_lengths.max()}; "
      f"L = {chosen_length} cuts {truncated_share:.1%} of the reviews")
plots.length_histogram(train_lengths, chosen_length, title="IMDB training reviews")
plt.show()

# %% [markdown]
# The distribution has a long right tail: a few reviews are five times longer than the median. Padding
# every review to the longest would make most of the matrix zeros; $L$ at the 90th percentile keeps
# nine reviews in ten whole and cuts the rest. The measured values, fast mode (1,000 training reviews)
# and full (25,000): median 176 / 174 tokens, $L$ = 454 / 457, cutting 9.9% / 10.0% of the reviews.
#
# ### How many words does a vocabulary need?
#
# Word counts follow **Zipf's law**: the $r$-th most frequent word occurs about $C / r$ times, a
# straight line of slope $-1$ on log-log axes. A few words ("the", "and", "a") make up a large share of
# all the text, and most distinct words are rare. So a vocabulary of a few thousand words already
# covers most tokens, and each further word adds little. Measured on the full data (121,892 distinct
# training words): 500 words leave 31% of the test tokens unknown, 2,000 leave 18%, 10,000 leave 7.2%
# and 20,000 still 4.4%.
#
# **Exercise 6.** Write `oov_rate(token_lists, vocabulary)`, the share of the **tokens** (every
# occurrence counts, not each distinct word once) that the vocabulary does not hold, i.e. that become 1.

# %% nbgrader={"grade": false, "grade_id": "oov_rate", "locked": false, "solution": true, "schema_version": 3}
def oov_rate(token_lists, vocabulary):
    """The share of token occurrences that are out of the vocabulary.

    Args:
        token_lists (list of list[str]): N tokenized texts.
        vocabulary (list[str]): from fit_vocabulary (its "" and "[UNK]" entries are not words).
    Returns:
        float in [0, 1]: (tokens not among vocabulary[2:]) / (all tokens); 0.0 when there are no tokens.
    """
    ### BEGIN SOLUTION
    known = set(vocabulary[2:])
    total = sum(len(tokens) for tokens in token_lists)
    unknown = sum(token not in known for tokens in token_lists for token in tokens)
    return unknown / total if total else 0.0
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_oov_rate", "locked": true, "points": 1, "schema_version": 3, "solution": false}
rate = oov_rate([["a", "b", "a", "zzz"], ["a", "q"]], ["", "[UNK]", "a", "b"])
checks.assert_close(rate, 2 / 6, "oov_rate([[a, b, a, zzz], [a, q]], vocabulary a, b)", common_bugs={
    "each distinct token counted once instead of every occurrence": 2 / 4})
checks.assert_close(oov_rate([], ["", "[UNK]"]), 0.0, "oov_rate of no texts")
layer = keras.layers.TextVectorization(max_tokens=3000)
layer.adapt(train_texts[:500])
vocabulary = [str(token) for token in layer.get_vocabulary()]
test_lists_300 = reference_token_lists(test_texts[:300])
checks.assert_close(oov_rate(test_lists_300, vocabulary),
                    np.sum(np.asarray(layer(test_texts[:300])) == 1) / sum(map(len, test_lists_300)),
                    "oov_rate(300 test reviews) against the share of 1s vectorize gives")
print("oov_rate: all visible tests passed")
### BEGIN HIDDEN TESTS
checks.assert_close(oov_rate([["x", "x", "x", "y"], []], ["", "[UNK]", "y"]), 0.75, "oov_rate with a repeated unknown word")
checks.assert_close(oov_rate([["[UNK]", ""]], ["", "[UNK]", "a"]), 1.0, 'oov_rate: the tokens "[UNK]" and "" are not words')
checks.assert_close(oov_rate([["a"]], ["", "[UNK]", "a"]), 0.0, "oov_rate with every token known")
### END HIDDEN TESTS

# %%
train_counts = Counter(token for tokens in train_token_lists for token in tokens)
sizes = [500, 1000, 2000, 5000, 10000, 20000]
full_vocabulary = fit_vocabulary(train_token_lists)  # the first max_tokens entries are fit_vocabulary(..., max_tokens)
test_oov = [oov_rate(test_token_lists, full_vocabulary[:size]) for size in sizes]
figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
plots.rank_frequency({"IMDB training words": list(train_counts.values())}, title="Zipf's law", ax=left)
ranks = np.arange(1, len(train_counts) + 1)
left.plot(ranks, max(train_counts.values()) / ranks, "k:", label="C / rank")
left.legend()
plots.line_plot(sizes, {"test tokens out of vocabulary": test_oov}, "max_tokens", "OOV share", title="Vocabulary size", ax=right)
right.set_xscale("log")
plt.show()
print(f"{len(train_counts):,} distinct training words; OOV share of the test tokens by max_tokens: "
      + ", ".join(f"{size}: {rate:.3f}" for size, rate in zip(sizes, test_oov)))

# %% [markdown]
# ## 6. Pre or post: what padding does to a recurrent network
#
# A recurrent layer reads a sequence from left to right and, unless told otherwise, its output is the
# state after the **last** step. With **post** padding, a short review is followed by many pad steps:
# the network keeps updating its state on the embedding of index 0, and by the end the review may be
# washed out. With **pre** padding the pads come first and the review's words are the last thing read.
# Likewise **pre truncation** keeps the end of a long review (where the verdict often is) and **post
# truncation** keeps its start.
#
# Below, an untrained GRU (fixed seed) reads one review of 12 words padded to more and more steps. We
# measure how far its final state moves from the state after the unpadded review. A **mask**
# (`Embedding(mask_zero=True)`) makes the GRU skip pad steps, carrying its state over unchanged; that is
# why index 0 must never be a word.

# %%
keras.utils.set_random_seed(0)
words = train_token_lists[1][:12]
pads = [0, 5, 10, 20, 40, 80, 160]
longest = 12 + max(pads)
# One batch, one GRU call. Rows 0-6: the review with pads[i] pad steps in front (pre padding), then
# zeros up to the longest row (we read the state before those). Rows 7 and 8: the review followed by
# zeros (post padding); row 8 is masked, as after Embedding(mask_zero=True).
pre_rows = [vectorize([words], imdb_vocabulary, 12 + pad, padding="pre")[0] for pad in pads]
post_row = vectorize([words], imdb_vocabulary, longest)[0]
batch = np.stack([np.pad(row, (0, longest - len(row))) for row in pre_rows] + [post_row, post_row])
mask = np.ones(batch.shape, dtype=bool)
mask[-1] = batch[-1] != 0
# Embeddings of a typical trained size (Keras' default initializer draws tiny ones, about 0.05).
embedding = keras.layers.Embedding(len(imdb_vocabulary), 16, embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0))
gru = keras.layers.GRU(16, return_sequences=True)
states = np.asarray(gru(embedding(batch), mask=mask))  # (9, longest, 16): the state after every step
reference_state = states[0, 11]  # after the 12 words, without any padding
distances = {"pre padding": [np.linalg.norm(states[i, 12 + pad - 1] - reference_state) for i, pad in enumerate(pads)],
             "post padding": [np.linalg.norm(states[-2, 12 + pad - 1] - reference_state) for pad in pads],
             "post padding, masked": [np.linalg.norm(states[-1, 12 + pad - 1] - reference_state) for pad in pads]}
plots.line_plot(pads, distances, "pad steps added to a 12-word review", "distance of the final GRU state",
                title="What padding does to an (untrained) GRU")
plt.show()
print(f"norm of the state after the review alone: {np.linalg.norm(reference_state):.3f}")
print({name: [round(float(value), 4) for value in values] for name, values in distances.items()})

# %% [markdown]
# Post padding without a mask moves the final state further and further from the review's own
# state: in fast mode by 1.95 after 5 pads and 2.00 after 160, more than the state's own norm (1.56),
# so the review is washed out. Pre padding changes it only a little (0.004): the pads come first,
# from the zero state, and the GRU then reads the real words. With a mask, post padding changes
# nothing at all (distance 0).
# Masking works with either side; without it, pad in front. Lessons 07 and 08 use these conventions.
#
# ## 7. Chinese: no spaces between words
#
# `这家酒店的服务非常好` ("this hotel's service is very good") has no spaces. Two ways to get tokens:
#
# - **characters**: every character a token (`这 家 酒 店 的 ...`). No dictionary needed, few distinct
#   tokens (a few thousand characters cover nearly all text), but a character alone often means less
#   than the word it is part of, and sequences get longer;
# - **words**, found by a segmenter such as **jieba**, which looks words up in a dictionary of about
#   350,000 entries with their frequencies and picks the most probable cut (unknown words are guessed
#   with a hidden Markov model).
#
# jieba has three modes:

# %%
sentence = "这台笔记本电脑的续航时间很长，性价比高"
print("precise:", jieba.lcut(sentence))                 # each character in exactly one word
print("full:   ", jieba.lcut(sentence, cut_all=True))   # every dictionary word found, overlapping
print("search: ", jieba.lcut_for_search(sentence))      # precise, plus the shorter words inside long ones

# %% [markdown]
# - **precise** (`jieba.lcut(text)`): the most probable cut; what a model's input usually uses.
# - **full** (`jieba.lcut(text, cut_all=True)`): every word of the dictionary that occurs, overlapping;
#   the text is no longer a sequence of consecutive words.
# - **search** (`jieba.lcut_for_search(text)`): the precise cut, with the 2- and 3-character words inside
#   longer ones added in front of them, the way a search engine indexes text.
#
# **A user dictionary** adds domain words jieba does not know, so they stay whole: `续航时间` (battery
# life) is cut into `续航 / 时间` by default. `add_word` changes the dictionary of the segmenter it is
# called on, and `jieba.add_word` changes jieba's *global* one for the rest of the session, for every
# later caller. To keep a notebook's results independent of the order its cells ran in, we give each
# tokenizer its own segmenter, made by `fresh_jieba()` below.
#
# **Stop words** are frequent words that carry little meaning for the task (的, 了, 是, punctuation);
# removing them shortens the sequences. Careful with sentiment: negations such as 不 (not) and degree
# words such as 很 (very) are on many published stop lists, and removing them can flip or weaken a
# review's meaning; the list below keeps them.

# %% tags=["setup"] nbgrader={"grade": false, "grade_id": "provided_jieba", "locked": true, "schema_version": 3, "solution": false}
def fresh_jieba():
    """A new jieba.Tokenizer with jieba's default dictionary, independent of jieba's global one.

    add_word on it changes no other tokenizer. It copies the dictionary jieba already loaded (about
    0.1 s) instead of loading it from disk again (one to three seconds).

    Returns:
        jieba.Tokenizer, with the methods lcut(text), lcut(text, cut_all=True), lcut_for_search(text)
        and add_word(word).
    """
    jieba.dt.check_initialized()
    segmenter = jieba.Tokenizer()
    segmenter.FREQ, segmenter.total = dict(jieba.dt.FREQ), jieba.dt.total
    segmenter.initialized = True
    return segmenter


# A short stop list for reviews: particles, pronouns, and punctuation. Negations (不, 没) and degree
# words (很, 太) are deliberately not on it.
STOP_WORDS = frozenset("的 了 是 在 和 与 也 就 都 而 及 着 吧 啊 呢 吗 我 你 他 她 它 我们 这 那 这个 那个 一个 "
                       "， 。 ！ ？ 、 ； ： “ ” ‘ ’ （ ） 《 》 … — ～ , . ! ? ; : \" ' ( ) ~ -".split())
JIEBA_MODES = ("characters", "precise", "full", "search")

# %% [markdown]
# **Exercise 7.** Write `make_chinese_tokenizer(mode, user_words, stop_words)`. It returns a function
# `tokenize(text) -> list[str]`, so that the segmenter and its user dictionary are set up once and used
# for thousands of reviews. Use `fresh_jieba()` and its `add_word`, `lcut` and `lcut_for_search`
# methods (not `jieba.add_word`, and not `emolib.text.segment_chinese`, which uses the global dictionary).

# %% nbgrader={"grade": false, "grade_id": "make_chinese_tokenizer", "locked": false, "solution": true, "schema_version": 3}
def make_chinese_tokenizer(mode="precise", user_words=(), stop_words=()):
    """A Chinese tokenizer with its own jieba segmenter, user dictionary and stop words.

    Args:
        mode (str): one of JIEBA_MODES: "characters" (every character a token; user_words unused),
            "precise", "full" or "search" (jieba's three modes).
        user_words (iterable of str): words to add to this tokenizer's segmenter, so they stay whole.
        stop_words (iterable of str): tokens to drop from the output.
    Returns:
        tokenize: a function taking one text (str) and returning list[str], the tokens in jieba's
        order, without whitespace-only tokens and without stop words. Making a second tokenizer must
        not change what the first one does, nor what jieba.lcut does.
    """
    ### BEGIN SOLUTION
    if mode not in JIEBA_MODES:
        raise ValueError(f"mode must be one of {JIEBA_MODES}, got {mode!r}")
    segmenter = fresh_jieba()
    for word in user_words:
        segmenter.add_word(word)
    stop = frozenset(stop_words)

    def tokenize(text):
        if mode == "characters":
            tokens = list(text)
        elif mode == "precise":
            tokens = segmenter.lcut(text)
        elif mode == "full":
            tokens = segmenter.lcut(text, cut_all=True)
        else:
            tokens = segmenter.lcut_for_search(text)
        return [token for token in tokens if token.strip() and token not in stop]

    return tokenize
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_make_chinese_tokenizer", "locked": true, "points": 3, "schema_version": 3, "solution": false}
case = REFERENCE["make_chinese_tokenizer"]
text = str(case.inputs["text"])
for mode in JIEBA_MODES:
    tokenize = make_chinese_tokenizer(mode)
    checks.assert_true(callable(tokenize), "make_chinese_tokenizer should return a function")
    check_tokens(tokenize(text), list(case.outputs[mode]), f'make_chinese_tokenizer("{mode}")({text!r})')
check_tokens(make_chinese_tokenizer("precise", user_words=["续航时间"])(text), list(case.outputs["precise_user"]),
             'make_chinese_tokenizer("precise", user_words=["续航时间"])')
check_tokens(make_chinese_tokenizer("precise", stop_words=STOP_WORDS)(text), list(case.outputs["precise_stop"]),
             'make_chinese_tokenizer("precise", stop_words=STOP_WORDS)')
check_tokens(make_chinese_tokenizer("precise")(text), list(case.outputs["precise"]),
             "a tokenizer made after one with a user dictionary (it must not have changed)")
print("make_chinese_tokenizer: all visible tests passed")
### BEGIN HIDDEN TESTS
hidden_text = "房间 很干净，前台服务态度一流！蓝牙耳机的降噪效果不错"
plain = jieba.lcut(hidden_text)
with_words = make_chinese_tokenizer("precise", user_words=("服务态度一流", "降噪效果"), stop_words={"的", "！"})
got = with_words(hidden_text)
checks.assert_true("服务态度一流" in got and "降噪效果" in got, f"the user words should stay whole: {got}")
checks.assert_true("的" not in got and "！" not in got and "" not in got and " " not in got,
                   f"stop words and whitespace should be gone: {got}")
check_tokens(jieba.lcut(hidden_text), plain, "jieba.lcut after making a tokenizer with user words (the global dictionary must not change)")
check_tokens(make_chinese_tokenizer("search")(hidden_text), [t for t in jieba.lcut_for_search(hidden_text) if t.strip()], 'the "search" mode')
check_tokens(make_chinese_tokenizer("full", stop_words={"很"})(hidden_text),
             [t for t in jieba.lcut(hidden_text, cut_all=True) if t.strip() and t != "很"], 'the "full" mode with a stop word')
check_tokens(make_chinese_tokenizer("characters", stop_words={"，"})(hidden_text),
             [c for c in hidden_text if not c.isspace() and c != "，"], 'the "characters" mode with a stop word')
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Characters or words? ChnSentiCorp
#
# ChnSentiCorp holds hotel, laptop and book reviews, 9,600 for training and 1,200 each for development
# and test (in fast mode 1,000 training and 300 development reviews). We tokenize them both ways,
# fit a vocabulary on the training split with your `fit_vocabulary`, and compare: distinct tokens,
# sequence lengths, and how much of the development text a vocabulary of a given size misses.

# %%
chinese_train, chinese_train_labels = emolib.data.load_chnsenticorp("train")
chinese_dev, chinese_dev_labels = emolib.data.load_chnsenticorp("dev")
if FAST:
    chinese_train, chinese_dev = chinese_train[:1000], chinese_dev[:300]
print(chinese_train[0][:80], "...", "(positive)" if chinese_train_labels[0] else "(negative)")
start = time.perf_counter()
tokenizers = {"characters": make_chinese_tokenizer("characters", stop_words=STOP_WORDS),
              "jieba words": make_chinese_tokenizer("precise", stop_words=STOP_WORDS)}
chinese_lists = {name: ([tokenize(text) for text in chinese_train], [tokenize(text) for text in chinese_dev])
                 for name, tokenize in tokenizers.items()}
print(f"tokenized {len(chinese_train) + len(chinese_dev)} reviews both ways in {time.perf_counter() - start:.1f} s")
print("words:", " / ".join(chinese_lists["jieba words"][0][0][:20]))

# %%
chinese_counts = {}
for name, (train_lists_zh, dev_lists_zh) in chinese_lists.items():
    counts = Counter(token for tokens in train_lists_zh for token in tokens)
    chinese_counts[name] = list(counts.values())
    length, share = choose_sequence_length(np.array([len(tokens) for tokens in train_lists_zh]), 0.9)
    rates = {size: oov_rate(dev_lists_zh, fit_vocabulary(train_lists_zh, size)) for size in (1000, 3000, 10000)}
    print(f"{name:12s} {len(counts):6,} distinct tokens; 90% of the reviews fit in L = {length:4d}; "
          f"dev OOV share with max_tokens 1,000 / 3,000 / 10,000: " + " / ".join(f"{rate:.3f}" for rate in rates.values()))
plots.rank_frequency(chinese_counts, title="ChnSentiCorp training reviews: characters against words")
plt.show()

# %% [markdown]
# What the measurements say (fast / full run; your run prints its own above):
#
# - **characters**: 2,565 / 4,195 distinct tokens; a vocabulary of 3,000 misses only 1.0% / 0.5% of
#   the development characters; but 90% of the reviews need $L$ = 145 / 144 characters, 1.8 times as
#   long as with words;
# - **jieba words**: 9,831 / 35,034 distinct tokens; 90% of the reviews fit in $L$ = 81 words; but with
#   10,000 entries 14% / 10.5% of the development words are still unknown (35% with 1,000 entries),
#   and an unknown word loses its whole meaning, where a character model still sees its characters.
#
# Neither is best everywhere: words carry more meaning per token, characters generalize to unseen
# words. Lesson 09 trains a sentiment model on ChnSentiCorp.
#
# **TextVectorization on Chinese.** The layer cannot call jieba inside a TensorFlow graph, but the
# pipeline is easy: segment first, join the tokens with spaces, and give the layer `standardize=None`
# (lowercasing and punctuation stripping mean nothing here, the stop list already took care of
# punctuation) and the default whitespace split. It then gives the same matrix as your functions:

# %%
train_lists_zh, dev_lists_zh = chinese_lists["jieba words"]
chinese_vectorizer = keras.layers.TextVectorization(max_tokens=5000, standardize=None, output_sequence_length=100)
chinese_vectorizer.adapt([" ".join(tokens) for tokens in train_lists_zh])
keras_dev = np.asarray(chinese_vectorizer([" ".join(tokens) for tokens in dev_lists_zh]))
mine_dev = vectorize(dev_lists_zh, fit_vocabulary(train_lists_zh, 5000), 100)
print("same development matrix as TextVectorization:", bool(np.array_equal(keras_dev, mine_dev)))

# %% [markdown]
# ## What you built
#
# - `keras_tokens`: TextVectorization's default standardization and split, rule for rule (ASCII-only
#   lowercasing, punctuation deleted, ASCII whitespace).
# - `fit_vocabulary`: Keras' vocabulary order (count, then reverse code-point order), with 0 for padding
#   and 1 for unknown words, fitted on the training split only.
# - `vectorize` and `encode_splits`: the integer matrix, padded and truncated at either end; the same
#   matrix as TextVectorization, and the reason pre padding (or a mask) suits a recurrent network.
# - `choose_sequence_length` and `oov_rate`: the length and the vocabulary size chosen from data.
# - `make_chinese_tokenizer`: jieba's three modes, a user dictionary that stays local, stop words; and
#   characters against words on real Chinese reviews.
#
# Next, lesson 07 feeds these integer matrices to an embedding and a convolutional network.
