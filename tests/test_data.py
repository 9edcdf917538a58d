"""Tests of emolib.data: on the made-up sample, the download path on 127.0.0.1, and the real data (marked realdata)."""
import functools
import http.server
import os
import socket
import tarfile
import threading

import numpy as np
import pytest

from emolib import data
from emolib.data import (
    EKMAN_LABELS,
    GOEMOTIONS_FILES,
    GOEMOTIONS_URL,
    IMDB_URL,
    SMP2020_EWECT_LABELS,
    DatasetUnavailableError,
    goemotions_folder,
    imdb_folder,
    load_chnsenticorp,
    load_goemotions,
    load_imdb,
    load_imdb_sequences,
    load_smp2020_ewect,
    write_sample,
)
from emolib.text import tokenize
from realdata import needs_real_chnsenticorp, needs_real_goemotions, needs_real_imdb, needs_real_smp2020_ewect

UNLABELLED_REVIEW = "An unlabelled review from train/unsup that must never be loaded."
SAMPLE_TEXTS = {
    split: {text for reviews in classes.values() for text, _ in reviews}
    for split, classes in data.SAMPLE_REVIEWS.items()
}


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """Empty data and cache folders, set as EMOLIB_DATA and EMOLIB_CACHE."""
    data_folder, cache_folder = tmp_path / "data", tmp_path / "cache"
    data_folder.mkdir()
    monkeypatch.setenv("EMOLIB_DATA", str(data_folder))
    monkeypatch.setenv("EMOLIB_CACHE", str(cache_folder))
    return data_folder, cache_folder


@pytest.fixture
def sample(folders):
    """The sample written into EMOLIB_DATA: aclImdb/ extracted, and chnsenticorp/."""
    return write_sample(folders[0])


def make_archive(tmp_path):
    """A sample aclImdb_v1.tar.gz with what the original archive adds: train/unsup and *.feat files."""
    source = write_sample(tmp_path / "archive-source")
    unsup = source / "aclImdb" / "train" / "unsup"
    unsup.mkdir()
    (unsup / "0_0.txt").write_text(UNLABELLED_REVIEW, encoding="utf-8")
    (source / "aclImdb" / "train" / "labeledBow.feat").write_text("0 0:1 1:2\n", encoding="utf-8")
    archive = tmp_path / "archive" / "aclImdb_v1.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "aclImdb", arcname="aclImdb")
    return archive


@pytest.fixture
def archive_in_data(tmp_path, folders):
    """EMOLIB_DATA holds only the archive."""
    archive = make_archive(tmp_path)
    archive.rename(folders[0] / archive.name)
    return folders[0] / archive.name


def all_texts(loaded):
    (train_texts, _), (test_texts, _) = loaded
    return train_texts + test_texts


# ---------------------------------------------------------------------------------- IMDB sample


def test_load_imdb_from_an_extracted_folder(sample):
    (train_texts, train_labels), (test_texts, test_labels) = load_imdb()
    assert set(train_texts) == SAMPLE_TEXTS["train"] and set(test_texts) == SAMPLE_TEXTS["test"]
    assert train_labels.dtype == np.int64 and train_labels.shape == (8,)
    assert test_labels.dtype == np.int64 and test_labels.shape == (8,)
    positives = {text for text, _ in data.SAMPLE_REVIEWS["train"]["pos"]}
    for text, label in zip(train_texts, train_labels):
        assert label == (1 if text in positives else 0), text


def test_load_imdb_shuffles_deterministically(sample):
    first, again, other = load_imdb(seed=0), load_imdb(seed=0), load_imdb(seed=1)
    assert all_texts(first) == all_texts(again)
    np.testing.assert_array_equal(first[0][1], again[0][1])
    assert all_texts(first) != all_texts(other)
    assert sorted(all_texts(first)) == sorted(all_texts(other))


def test_load_imdb_does_not_depend_on_directory_order(sample, monkeypatch):
    expected = load_imdb()
    real_scandir = os.scandir
    def scandir_backwards(path):
        return iter(sorted(real_scandir(path), key=lambda entry: entry.name, reverse=True))

    monkeypatch.setattr(os, "scandir", scandir_backwards)
    assert all_texts(load_imdb()) == all_texts(expected)


@pytest.mark.parametrize("limit, per_class", [(4, 2), (5, 2), (6, 3), (100, 4)])
def test_limit_gives_balanced_subsets(sample, limit, per_class):
    for texts, labels in load_imdb(limit=limit):
        assert len(texts) == len(labels) == 2 * per_class
        assert labels.sum() == per_class


def test_limit_draws_at_random_with_the_seed(sample):
    draws = {tuple(load_imdb(limit=2, seed=seed)[0][0]) for seed in range(10)}
    assert len(draws) > 1
    assert all_texts(load_imdb(limit=2, seed=3)) == all_texts(load_imdb(limit=2, seed=3))
    with pytest.raises(ValueError, match="limit"):
        load_imdb(limit=1)


def test_archive_is_extracted_once_without_unsup_and_feat(archive_in_data, folders, monkeypatch):
    folder = imdb_folder()
    assert folder == folders[1] / "aclImdb"
    assert not (folder / "train" / "unsup").exists()
    assert not list(folder.rglob("*.feat"))
    assert sorted(p.name for p in (folder / "train").iterdir()) == ["neg", "pos"]
    assert UNLABELLED_REVIEW not in all_texts(load_imdb())
    assert set(load_imdb()[0][0]) == SAMPLE_TEXTS["train"]

    marker = folder / data.EXTRACTED_MARKER
    stamp = marker.stat().st_mtime_ns

    def no_second_extraction(*args, **kwargs):
        raise AssertionError("the archive was extracted a second time")

    monkeypatch.setattr(tarfile, "open", no_second_extraction)
    assert imdb_folder() == folder
    assert marker.stat().st_mtime_ns == stamp
    assert [p.name for p in folders[1].iterdir()] == ["aclImdb"]  # no temporary folder left behind


def test_interrupted_extraction_is_redone(archive_in_data, folders):
    half_done = folders[1] / "aclImdb" / "train" / "pos"
    half_done.mkdir(parents=True)
    (half_done / "0_10.txt").write_text("cut off in the midd", encoding="utf-8")
    folder = imdb_folder()
    assert (folder / data.EXTRACTED_MARKER).is_file()
    assert set(load_imdb()[0][0]) == SAMPLE_TEXTS["train"]


def test_earlier_extraction_is_used_when_the_archive_is_gone(archive_in_data, folders):
    folder = imdb_folder()
    archive_in_data.unlink()
    assert imdb_folder() == folder


def test_extracted_folder_in_data_dir_wins_over_the_archive(sample, tmp_path):
    make_archive(tmp_path).rename(sample / "aclImdb_v1.tar.gz")
    assert imdb_folder() == sample / "aclImdb"


def test_unreadable_archive_gives_a_clear_error(folders):
    (folders[0] / "aclImdb_v1.tar.gz").write_bytes(b"<html>not an archive</html>")
    with pytest.raises(DatasetUnavailableError, match="not a readable .tar.gz archive"):
        imdb_folder()


def test_load_imdb_sequences_builds_the_vocabulary_on_train_only(sample):
    (x_train, y_train), (x_test, y_test), vocab = load_imdb_sequences()
    train_words = {word for text in SAMPLE_TEXTS["train"] for word in tokenize(text)}
    test_only = {word for text in SAMPLE_TEXTS["test"] for word in tokenize(text)} - train_words
    assert "boring" in test_only and "animation" in test_only
    assert set(vocab) == train_words | {"<pad>", "<unk>"}
    (test_texts, _) = load_imdb()[1]
    for text, encoded in zip(test_texts, x_test):
        assert encoded == [vocab.get(word, 1) for word in tokenize(text)]
    boring = next(encoded for text, encoded in zip(test_texts, x_test) if text.startswith("Boring"))
    assert boring[0] == 1
    assert isinstance(x_train, list) and all(isinstance(i, int) for i in x_train[0])
    assert len(x_train) == len(y_train) == 8 and len(x_test) == len(y_test) == 8


def test_load_imdb_sequences_num_words_and_maxlen(sample):
    (x_train, _), (x_test, _), vocab = load_imdb_sequences(num_words=10, maxlen=8)
    assert len(vocab) == 10
    assert x_train.shape == (8, 8) and x_test.shape == (8, 8)
    assert x_train.dtype == np.int32 and x_train.max() <= 9 and x_test.max() <= 9
    assert (x_train == 0).any() and (x_train == 1).any()  # padding and out-of-vocabulary words


# ---------------------------------------------------------------------------------- ChnSentiCorp


def test_load_chnsenticorp_splits(sample):
    for split, rows in data.SAMPLE_CHINESE_REVIEWS.items():
        texts, labels = load_chnsenticorp(split)
        assert texts == [text for _, text in rows]
        assert labels.dtype == np.int64
        np.testing.assert_array_equal(labels, [label for label, _ in rows])
    texts, _ = load_chnsenticorp("train")
    assert '书的内容很精彩，"一口气"读完了，推荐！' in texts  # quotes survive the csv round trip
    assert "印刷质量很差,有好几页都看不清。" in texts  # so does a comma


def test_load_chnsenticorp_rejects_an_unknown_split(sample):
    with pytest.raises(ValueError, match="'train', 'dev', 'test'"):
        load_chnsenticorp("validation")


def test_load_chnsenticorp_missing_file_says_what_to_do(folders):
    with pytest.raises(DatasetUnavailableError) as caught:
        load_chnsenticorp("dev")
    message = str(caught.value)
    assert str(folders[0] / "chnsenticorp" / "dev.csv") in message
    hints = ("9,600/1,200/1,200", "Chinese-BERT-wwm", "train.csv, dev.csv and test.csv", "label,text", "EMOLIB_DATA")
    for hint in hints:
        assert hint in message


@pytest.mark.parametrize(
    "content, where",
    [
        ("text,label\n1,好\n", "line 1"),
        ("", "line 1"),
        ("label,text\n1,很好\n2,不好\n", "line 3"),
        ("label,text\n1,很好\n0\n", "line 3"),
    ],
)
def test_load_chnsenticorp_malformed_file_names_file_and_line(sample, content, where):
    path = sample / "chnsenticorp" / "test.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_chnsenticorp("test")
    assert str(path) in str(caught.value) and where in str(caught.value)


# ------------------------------------------------------------------------------ GoEmotions sample


def test_load_goemotions_multi_hot_labels(sample):
    texts, labels, names = load_goemotions("train")
    assert names == tuple(data.SAMPLE_EMOTIONS) and len(names) == 28 and names[27] == "neutral"
    assert texts == [comment for comment, _, _ in data.SAMPLE_COMMENTS["train"]]
    assert labels.dtype == np.float32 and labels.shape == (5, 28)
    assert [list(np.flatnonzero(row)) for row in labels] == [[15, 17], [3, 10], [27], [26], [19]]


def test_load_goemotions_ekman_maps_every_label(sample):
    _, labels, names = load_goemotions("dev", taxonomy="ekman")
    assert names == EKMAN_LABELS
    # "Sorry for your loss, stay strong": caring (joy), remorse and sadness (both sadness) -> joy, sadness.
    assert labels.shape == (2, 7) and labels.dtype == np.float32
    assert [[names[k] for k in np.flatnonzero(row)] for row in labels] == [["joy"], ["joy", "sadness"]]
    _, labels, _ = load_goemotions("train", taxonomy="ekman")
    assert [[names[k] for k in np.flatnonzero(row)] for row in labels] == [
        ["joy"], ["anger"], ["neutral"], ["surprise"], ["fear"]]


def test_load_goemotions_rejects_unknown_split_and_taxonomy(sample):
    with pytest.raises(ValueError, match="'train', 'dev', 'test'"):
        load_goemotions("validation")
    with pytest.raises(ValueError, match="'ekman'"):
        load_goemotions("train", taxonomy="plutchik")


@pytest.mark.parametrize("line", ["no tabs here\n", "text\t28\tid\n", "text\t\tid\n", "text\t1;2\tid\n"])
def test_load_goemotions_malformed_line_names_file_and_line(sample, line):
    path = sample / "goemotions" / "test.tsv"
    path.write_text("fine\t27\tid0\n" + line, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_goemotions("test")
    assert str(path) in str(caught.value) and "line 2" in str(caught.value)


# ------------------------------------------------------------------------------ SMP2020-EWECT sample


def test_load_smp2020_ewect_splits(sample):
    for split, posts in data.SAMPLE_WEIBO_POSTS.items():
        texts, labels, names = load_smp2020_ewect(split)
        assert names == SMP2020_EWECT_LABELS == ("happy", "angry", "sad", "fear", "surprise", "neutral")
        assert texts == [text for _, text in posts]
        assert labels.dtype == np.int64 and [names[k] for k in labels] == [label for label, _ in posts]


def test_load_smp2020_ewect_missing_file_says_what_to_do(folders):
    with pytest.raises(DatasetUnavailableError) as caught:
        load_smp2020_ewect("eval")
    message = str(caught.value)
    assert str(folders[0] / "smp2020_ewect" / "virus_eval_labeled.txt") in message
    for hint in ("virus_train.txt", "virus_test_labeled.txt", "no open licence", "EMOLIB_DATA", "content"):
        assert hint in message
    with pytest.raises(ValueError, match="'train', 'eval', 'test'"):
        load_smp2020_ewect("dev")


@pytest.mark.parametrize("content, where", [
    ("[{\"id\": 1, \"content\": \"好\", \"label\": \"happy\"}, {\"id\": 2, \"content\": \"坏\", \"label\": \"bad\"}]", "post 1"),
    ("{\"id\": 1}", "JSON list"),
    ("[{\"id\": 1, \"content\": \"好\"", "not valid JSON"),
])
def test_load_smp2020_ewect_malformed_file_names_file_and_post(sample, content, where):
    path = sample / "smp2020_ewect" / "virus_test_labeled.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_smp2020_ewect("test")
    assert str(path) in str(caught.value) and where in str(caught.value)


# ------------------------------------------------------------------------ download, on 127.0.0.1


@pytest.fixture
def no_proxy(monkeypatch):
    """Make sure urllib talks to 127.0.0.1 directly, even on a machine with a proxy configured."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_failed_download_explains_what_to_do(folders, no_proxy):
    origin = f"http://127.0.0.1:{closed_port()}/aclImdb_v1.tar.gz"
    with pytest.raises(DatasetUnavailableError) as caught:
        imdb_folder(origin=origin)
    message = str(caught.value)
    data_folder, cache_folder = folders
    for expected in (
        str(data_folder / "aclImdb"),
        str(data_folder / "aclImdb_v1.tar.gz"),
        str(cache_folder / "aclImdb"),
        f"download from {origin} failed",
        "refused",  # the underlying reason
        "EMOLIB_DATA",
        f"download {IMDB_URL} by hand",
    ):
        assert expected in message
    assert caught.value.__cause__ is not None
    assert not (cache_folder / "aclImdb_v1.tar.gz").exists()  # no half-downloaded archive left


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the default writes every request to stderr
        pass


def serve(folder):
    """Serve ``folder`` on 127.0.0.1 for the duration of a with block; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def archive_server(tmp_path):
    """Serves a sample aclImdb_v1.tar.gz on 127.0.0.1; yields its URL."""
    archive = make_archive(tmp_path)
    for base in serve(archive.parent):
        yield f"{base}/{archive.name}"


@pytest.fixture
def goemotions_server(tmp_path):
    """Serves the sample GoEmotions files on 127.0.0.1 (as the origin's folder goemotions/data/); yields its URL."""
    source = write_sample(tmp_path / "origin")
    for base in serve(source):
        yield f"{base}/goemotions"


def test_download_from_origin(folders, no_proxy, archive_server):
    (train_texts, train_labels), (test_texts, _) = load_imdb(origin=archive_server)
    assert set(train_texts) == SAMPLE_TEXTS["train"] and set(test_texts) == SAMPLE_TEXTS["test"]
    assert UNLABELLED_REVIEW not in train_texts
    cache_folder = folders[1]
    assert (cache_folder / "aclImdb_v1.tar.gz").is_file()
    assert (cache_folder / "aclImdb" / data.EXTRACTED_MARKER).is_file()
    # Offline from now on: the cached extraction is used, the origin is not asked again.
    (_, _), (_, _), vocab = load_imdb_sequences(origin="http://127.0.0.1:1/unreachable.tar.gz")
    assert "moving" in vocab


def test_goemotions_download_from_origin(folders, no_proxy, goemotions_server):
    texts, labels, names = load_goemotions("dev", origin=goemotions_server)
    assert texts == [comment for comment, _, _ in data.SAMPLE_COMMENTS["dev"]]
    cache_folder = folders[1]
    assert sorted(p.name for p in (cache_folder / "goemotions").iterdir()) == sorted(GOEMOTIONS_FILES)
    # Offline from now on: the cached files are used, the origin is not asked again.
    assert load_goemotions("test", "ekman", origin="http://127.0.0.1:1/unreachable")[2] == EKMAN_LABELS


def test_goemotions_failed_download_explains_what_to_do(folders, no_proxy):
    origin = f"http://127.0.0.1:{closed_port()}/goemotions"
    with pytest.raises(DatasetUnavailableError) as caught:
        goemotions_folder(origin=origin)
    message = str(caught.value)
    data_folder, cache_folder = folders
    for expected in (str(data_folder / "goemotions"), str(cache_folder / "goemotions"), "emotions.txt",
                     f"download from {origin}/train.tsv failed", "refused", "EMOLIB_DATA", GOEMOTIONS_URL):
        assert expected in message
    assert not (cache_folder / "goemotions" / "train.tsv").exists()


# ---------------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def real_imdb():
    return load_imdb()


@pytest.mark.realdata
@needs_real_imdb
def test_real_imdb_counts(real_imdb):
    for texts, labels in real_imdb:
        assert len(texts) == len(labels) == 25_000
        assert (labels == 1).sum() == (labels == 0).sum() == 12_500
        assert all(texts)
    train_texts = real_imdb[0][0]
    assert any(text.startswith("Bromwell High is a cartoon comedy.") for text in train_texts)  # train/pos/0_9.txt


@pytest.mark.realdata
@needs_real_imdb
def test_real_imdb_limit_is_balanced():
    for texts, labels in load_imdb(limit=500):
        assert len(texts) == 500 and labels.sum() == 250


@pytest.mark.realdata
@needs_real_imdb
def test_real_imdb_sequences_shapes():
    (x_train, y_train), (x_test, y_test), vocab = load_imdb_sequences(num_words=10_000, maxlen=200)
    assert len(vocab) == 10_000 and vocab["the"] == 2
    assert x_train.shape == x_test.shape == (25_000, 200) and x_train.dtype == np.int32
    assert 0 <= x_train.min() and x_train.max() <= 9_999 and x_test.max() <= 9_999
    assert y_train.shape == y_test.shape == (25_000,)


@pytest.mark.realdata
@needs_real_chnsenticorp
@pytest.mark.parametrize(
    "split, positives, negatives", [("train", 4_799, 4_801), ("dev", 593, 607), ("test", 608, 592)]
)
def test_real_chnsenticorp_counts(split, positives, negatives):
    texts, labels = load_chnsenticorp(split)
    assert len(texts) == positives + negatives
    assert (labels == 1).sum() == positives and (labels == 0).sum() == negatives


@pytest.mark.realdata
@needs_real_goemotions
@pytest.mark.parametrize("split, size", [("train", 43_410), ("dev", 5_426), ("test", 5_427)])
def test_real_goemotions_counts(split, size):
    texts, labels, names = load_goemotions(split)
    assert len(texts) == size and labels.shape == (size, 28) and names[0] == "admiration"
    assert labels.sum(axis=1).min() == 1 and all(texts)
    ekman_texts, ekman, _ = load_goemotions(split, taxonomy="ekman")
    assert ekman_texts == texts and ekman.shape == (size, 7) and ekman.sum(axis=1).min() == 1
    np.testing.assert_array_equal(ekman[:, 6], labels[:, 27])  # neutral stays neutral
    if split == "train":
        assert np.mean(labels.sum(axis=1) == 1) == pytest.approx(0.836, abs=0.001)  # the datasets README's 83.6%


@pytest.mark.realdata
@needs_real_smp2020_ewect
def test_real_smp2020_ewect_counts():
    texts, labels, names = load_smp2020_ewect("train")
    counts = dict(zip(names, np.bincount(labels, minlength=6)))
    assert counts == {"happy": 4_423, "angry": 1_322, "sad": 649, "fear": 555, "surprise": 197, "neutral": 1_460}
    assert len(load_smp2020_ewect("eval")[0]) == 2_000 and len(load_smp2020_ewect("test")[0]) == 3_000
