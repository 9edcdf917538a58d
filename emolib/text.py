"""Text helpers: English tokens, vocabularies, integer encoding, padding, bags of words, Chinese segmentation.

The path from a review to a model input is

    text --tokenize--> ["a", "moving", "film"] --encode--> [5, 812, 19] --pad_sequences--> array (N, maxlen)

with a vocabulary built by ``build_vocab`` on the training split. Chinese has no spaces between words,
so ``segment_chinese`` cuts a sentence into words with jieba (or ``chinese_characters`` uses single
characters as tokens); the rest of the path is the same.
"""
import re
from collections import Counter

import numpy as np

from ._runtime import quiet_stderr

PAD, UNK = "<pad>", "<unk>"
PAD_INDEX, UNK_INDEX = 0, 1

# IMDB reviews mark line breaks with HTML tags such as "<br /><br />".
LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# A run of letters or digits ([^\W_] is a word character other than "_"), possibly joined by
# apostrophes inside the word: "don't", "rock'n'roll" and "90s" are one token each.
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

JIEBA_MODES = ("precise", "full", "search")


def clean_english(text):
    """Lower-case a review and turn its ``<br />`` tags into spaces.

    Args:
        text (str): a raw review.

    Returns:
        str: the cleaned review. Typographic apostrophes (’) become plain ones (') so that
        "don’t" and "don't" end up as the same token.
    """
    text = LINE_BREAK_TAG.sub(" ", text)
    return text.replace("\u2019", "'").lower()


def tokenize(text):
    """Split an English review into lower-case word tokens; punctuation is dropped.

    Args:
        text (str): a raw review.

    Returns:
        list[str]: the tokens in order, e.g. "I don't like it!<br />" -> ["i", "don't", "like", "it"].
    """
    return WORD.findall(clean_english(text))


def build_vocab(token_lists, max_size=None, min_count=1):
    """Map each word to an integer index, the most frequent words first.

    Build it on the training split only: the test reviews stand for text the model has never seen,
    so their words must not decide which words the model can tell apart.

    Args:
        token_lists (iterable of list[str]): the tokenized training texts.
        max_size (int or None): the largest vocabulary size, counting the two reserved entries;
            None keeps every word.
        min_count (int): words seen fewer times than this are left out (they become "<unk>").

    Returns:
        dict[str, int]: {"<pad>": 0, "<unk>": 1, most frequent word: 2, ...}. Words with the same
        count are ordered alphabetically, so the same texts always give the same indices.
    """
    if max_size is not None and max_size < 2:
        raise ValueError(f"max_size must be at least 2 (the reserved {PAD} and {UNK}), got {max_size}")
    counts = Counter(token for tokens in token_lists for token in tokens)
    words = [word for word, count in counts.items() if count >= min_count and word not in (PAD, UNK)]
    words.sort(key=lambda word: (-counts[word], word))
    if max_size is not None:
        words = words[: max_size - 2]
    vocab = {PAD: PAD_INDEX, UNK: UNK_INDEX}
    vocab.update((word, index) for index, word in enumerate(words, start=2))
    return vocab


def encode(tokens, vocab):
    """Replace each token by its index in ``vocab``; unknown tokens become 1 ("<unk>").

    Args:
        tokens (list[str]): one tokenized text.
        vocab (dict[str, int]): from ``build_vocab``.

    Returns:
        list[int]: one index per token, same length as ``tokens``.
    """
    return [vocab.get(token, UNK_INDEX) for token in tokens]


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0, dtype="int32"):
    """Pad or cut integer sequences to one length, as ``keras.utils.pad_sequences`` does.

    Args:
        sequences (list of list[int]): N sequences of any lengths.
        maxlen (int or None): the output length; None uses the longest sequence's length.
        padding ("pre" or "post"): add ``value`` before or after a short sequence.
        truncating ("pre" or "post"): drop the start or the end of a long sequence. "pre" keeps the
            end of a review, which often holds the verdict.
        value (int): the padding value; 0 is the "<pad>" index.
        dtype: the output's dtype.

    Returns:
        np.ndarray of shape (N, maxlen) and dtype ``dtype``.
    """
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f'{name} must be "pre" or "post", got {choice!r}')
    if maxlen is None:
        maxlen = max((len(sequence) for sequence in sequences), default=0)
    padded = np.full((len(sequences), maxlen), value, dtype=dtype)
    for row, sequence in zip(padded, sequences):
        if truncating == "pre":
            kept = sequence[max(len(sequence) - maxlen, 0):]  # not sequence[-maxlen:]: wrong for maxlen=0
        else:
            kept = sequence[:maxlen]
        if len(kept) == 0:
            continue
        if padding == "pre":
            row[-len(kept):] = kept
        else:
            row[: len(kept)] = kept
    return padded


def bag_of_words(token_lists, vocab, binary=True, dtype=np.float32):
    """Represent each text by which vocabulary words it contains (binary) or how often (counts).

    Word order is lost; what remains is one column per vocabulary entry. Tokens missing from the
    vocabulary are counted in column 1 ("<unk>"); column 0 ("<pad>") is always zero.

    Args:
        token_lists (list of list[str]): N tokenized texts.
        vocab (dict[str, int]): from ``build_vocab``, indices 0 .. V-1.
        binary (bool): True for 1.0 where a word occurs, False for the number of occurrences.
        dtype: the output's dtype.

    Returns:
        np.ndarray of shape (N, V). Mind the memory: 25,000 reviews x 10,000 words in float32 is 1 GB.
    """
    matrix = np.zeros((len(token_lists), len(vocab)), dtype=dtype)
    for row, tokens in zip(matrix, token_lists):
        counts = np.bincount(np.asarray(encode(tokens, vocab), dtype=np.int64), minlength=len(vocab))
        counts[PAD_INDEX] = 0
        row[:] = counts > 0 if binary else counts
    return matrix


def _jieba():
    """Import jieba on first use, with its notices sent to stdout (it adds a stderr handler at import)."""
    import jieba

    quiet_stderr()
    return jieba


def segment_chinese(text, mode="precise", user_words=()):
    """Cut a Chinese text into words with jieba.

    Args:
        text (str): a Chinese text, e.g. "这家酒店的服务非常好".
        mode (str): "precise" (each character in exactly one word: 这家/酒店/的/服务/非常/好),
            "full" (every dictionary word found, overlapping) or "search" (precise, plus the shorter
            words inside long ones, as a search engine indexes them).
        user_words (iterable of str): domain words to keep whole, e.g. ("续航时间",). They are added to
            jieba's dictionary, where they stay for the rest of the session.

    Returns:
        list[str]: the words in order; whitespace is dropped. The first call takes about a second
        while jieba loads its dictionary.
    """
    if mode not in JIEBA_MODES:
        raise ValueError(f"mode must be one of {JIEBA_MODES}, got {mode!r}")
    jieba = _jieba()
    for word in user_words:
        jieba.add_word(word)
    if mode == "precise":
        words = jieba.lcut(text)
    elif mode == "full":
        words = jieba.lcut(text, cut_all=True)
    else:
        words = jieba.lcut_for_search(text)
    return [word for word in words if word.strip()]


def chinese_characters(text):
    """Use single characters as tokens, the simplest way to tokenize Chinese (no dictionary needed).

    Args:
        text (str): a Chinese text.

    Returns:
        list[str]: one string per character, whitespace dropped.
    """
    return [character for character in text if not character.isspace()]
