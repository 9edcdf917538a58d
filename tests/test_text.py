"""Tests of emolib.text: tokens, vocabulary, encoding, padding, bags of words, Chinese segmentation."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emolib.text import (
    bag_of_words,
    build_vocab,
    chinese_characters,
    clean_english,
    encode,
    pad_sequences,
    segment_chinese,
    tokenize,
)

REPO = Path(__file__).resolve().parents[1]
HOTEL_SENTENCE = "这家酒店的服务非常好"


# ------------------------------------------------------------------------------------- English


def test_clean_english_lowercases_and_removes_line_breaks():
    assert clean_english("Great FILM.<br /><br />Loved it") == "great film.  loved it"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I don't like it!", ["i", "don't", "like", "it"]),
        ("Great.<br />Really great", ["great", "really", "great"]),
        ("10/10, a must-see", ["10", "10", "a", "must", "see"]),
        ("'Quoted' words, the actors' faces", ["quoted", "words", "the", "actors", "faces"]),
        ("Amélie won’t disappoint", ["amélie", "won't", "disappoint"]),
        ("... !!! --", []),
        ("", []),
    ],
)
def test_tokenize(text, expected):
    assert tokenize(text) == expected


def test_build_vocab_reserves_0_and_1_then_orders_by_count_then_alphabet():
    tokens = [["b", "a", "c", "a"], ["c", "a", "d"]]  # a: 3, c: 2, b: 1, d: 1
    assert build_vocab(tokens) == {"<pad>": 0, "<unk>": 1, "a": 2, "c": 3, "b": 4, "d": 5}


def test_build_vocab_max_size_counts_the_reserved_entries():
    tokens = [["b", "a", "c", "a"], ["c", "a", "d"]]
    assert build_vocab(tokens, max_size=4) == {"<pad>": 0, "<unk>": 1, "a": 2, "c": 3}
    assert build_vocab(tokens, max_size=2) == {"<pad>": 0, "<unk>": 1}
    with pytest.raises(ValueError, match="max_size"):
        build_vocab(tokens, max_size=1)


def test_build_vocab_min_count_drops_rare_words():
    tokens = [["b", "a", "c", "a"], ["c", "a", "d"]]
    assert build_vocab(tokens, min_count=2) == {"<pad>": 0, "<unk>": 1, "a": 2, "c": 3}


def test_build_vocab_does_not_depend_on_text_order():
    tokens = [["x", "y"], ["z", "y"], ["w"]]
    assert list(build_vocab(tokens)) == list(build_vocab(tokens[::-1]))


def test_encode_maps_unknown_words_to_1():
    vocab = build_vocab([["good", "film", "good"]])
    assert encode(["good", "bad", "film", "good"], vocab) == [2, 1, 3, 2]
    assert encode([], vocab) == []


# ------------------------------------------------------------------------------------- padding


@pytest.fixture(scope="module")
def keras_pad_sequences():
    keras = pytest.importorskip("keras")
    return keras.utils.pad_sequences


PAD_CASES = [
    ([[1], [2, 3], [4, 5, 6]], {}),
    ([[1], [2, 3], [4, 5, 6]], {"maxlen": 2}),
    ([[1], [2, 3], [4, 5, 6]], {"maxlen": 2, "truncating": "post"}),
    ([[1], [2, 3], [4, 5, 6]], {"maxlen": 5, "padding": "post", "value": 9}),
    ([[1, 2, 3, 4], [], [5]], {"maxlen": 3, "padding": "post", "truncating": "post"}),
    ([[], [7, 8]], {}),
    ([[], []], {"maxlen": 2}),
    ([[1, 2, 3]], {"maxlen": 3}),
]


@pytest.mark.parametrize("sequences, options", PAD_CASES)
def test_pad_sequences_agrees_with_keras(sequences, options, keras_pad_sequences):
    ours = pad_sequences(sequences, **options)
    theirs = keras_pad_sequences(sequences, **options)
    assert ours.dtype == theirs.dtype == np.int32
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_by_hand():
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])
    np.testing.assert_array_equal(
        pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post"), [[1, 2], [4, 0]]
    )
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    assert pad_sequences([[1.5]], dtype="float32").dtype == np.float32


@pytest.mark.parametrize("option", ["padding", "truncating"])
def test_pad_sequences_rejects_unknown_modes(option):
    with pytest.raises(ValueError, match=f'{option} must be "pre" or "post"'):
        pad_sequences([[1, 2]], **{option: "middle"})


# -------------------------------------------------------------------------------- bag of words


def test_bag_of_words_counts_and_binary():
    vocab = {"<pad>": 0, "<unk>": 1, "good": 2, "film": 3}
    texts = [["good", "good", "film"], ["bad", "worse"], [], ["<pad>"]]
    counts = bag_of_words(texts, vocab, binary=False)
    np.testing.assert_array_equal(counts, [[0, 0, 2, 1], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    binary = bag_of_words(texts, vocab)
    np.testing.assert_array_equal(binary, [[0, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert binary.dtype == np.float32 and binary.shape == (4, 4)
    assert bag_of_words(texts, vocab, dtype=np.uint8).dtype == np.uint8


# ------------------------------------------------------------------------------------- Chinese


def test_jieba_first_use_writes_nothing_to_stderr():
    # A fresh interpreter, so this is jieba's real first use: import, then building the prefix dict.
    script = f"from emolib.text import segment_chinese; print(segment_chinese({HOTEL_SENTENCE!r}))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Prefix dict has been built" in result.stdout  # jieba's notice is kept, on stdout
    assert "'酒店'" in result.stdout


def test_segment_chinese_writes_nothing_to_stderr_in_process(capfd):
    segment_chinese(HOTEL_SENTENCE)
    assert capfd.readouterr().err == ""


def test_segment_chinese_precise_mode_covers_the_sentence_exactly():
    words = segment_chinese(HOTEL_SENTENCE)
    assert "".join(words) == HOTEL_SENTENCE
    assert "酒店" in words and "服务" in words


def test_segment_chinese_full_and_search_modes():
    precise = segment_chinese("这台笔记本电脑的性价比很高")
    full = segment_chinese("这台笔记本电脑的性价比很高", mode="full")
    search = segment_chinese("这台笔记本电脑的性价比很高", mode="search")
    assert len(full) >= len(precise) and len(search) >= len(precise)
    assert {"笔记本", "电脑", "笔记本电脑"} <= set(full)  # overlapping words
    assert {"笔记本", "笔记本电脑"} <= set(search)
    assert len(segment_chinese(HOTEL_SENTENCE, mode="full")) >= len(segment_chinese(HOTEL_SENTENCE))
    with pytest.raises(ValueError, match="mode"):
        segment_chinese(HOTEL_SENTENCE, mode="fast")


def test_segment_chinese_drops_whitespace():
    assert segment_chinese("酒店  很好\n服务 一般") == ["酒店", "很", "好", "服务", "一般"]


def test_user_words_are_kept_whole():
    import jieba

    sentence, word = "这款蓝牙耳机的续航时间很长", "续航时间"
    assert word not in segment_chinese(sentence)  # jieba alone cuts it into 续航 / 时间
    try:
        assert word in segment_chinese(sentence, user_words=[word])
    finally:
        jieba.del_word(word)  # jieba's dictionary is global: leave it as the other tests expect


def test_chinese_characters():
    assert chinese_characters("服务 很好！") == ["服", "务", "很", "好", "！"]
    assert chinese_characters(" \n") == []
