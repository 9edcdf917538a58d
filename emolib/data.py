"""Dataset loaders: the IMDB movie reviews (English), ChnSentiCorp (Chinese), GoEmotions (English
Reddit comments, 28 emotions), SMP2020-EWECT (Chinese Weibo posts, 6 emotions), plus a tiny sample.

Where the data comes from, in order (see ``imdb_folder`` and ``goemotions_folder``):

1. ``$EMOLIB_DATA`` (else the per-user cache ``~/.cache/emolib``) holding ``aclImdb/`` or
   ``aclImdb_v1.tar.gz``, ``chnsenticorp/{train,dev,test}.csv``, ``goemotions/`` and ``smp2020_ewect/``;
2. for IMDB and GoEmotions only, a download from the public origin into the cache, when the machine is
   online (ChnSentiCorp and SMP2020-EWECT have no official download).

When neither works the loaders raise ``DatasetUnavailableError`` with a message that says what to do.
``write_sample(folder)`` writes a made-up miniature of every dataset, so tests run without the real ones.
"""
import csv
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from ._runtime import cache_dir, data_dir, quiet_stderr
from .text import build_vocab, encode, pad_sequences, tokenize

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
# Written into the extracted folder once extraction finished; a folder without it is incomplete.
EXTRACTED_MARKER = ".emolib-extracted"
CHNSENTICORP_SPLITS = ("train", "dev", "test")
LABELS = {"neg": 0, "pos": 1}


class DatasetUnavailableError(RuntimeError):
    """A dataset is neither on disk nor downloadable; the message says where to put it."""


# ----------------------------------------------------------------------------------------- IMDB


def imdb_folder(origin=IMDB_URL):
    """Find the extracted ``aclImdb`` folder, extracting or downloading it the first time.

    Tried in order:
      1. ``data_dir()/aclImdb``, a folder extracted beforehand;
      2. ``data_dir()/aclImdb_v1.tar.gz``, extracted once into ``cache_dir()/aclImdb``;
      3. ``cache_dir()/aclImdb``, an earlier complete extraction;
      4. a download of ``origin`` into ``cache_dir()``, then the same extraction.

    Args:
        origin (str): the URL of ``aclImdb_v1.tar.gz`` for step 4.

    Returns:
        Path: the folder holding ``train/{pos,neg}`` and ``test/{pos,neg}``.

    Raises:
        DatasetUnavailableError: when all four fail; the message lists the paths tried and what to do.
    """
    given_folder = data_dir() / "aclImdb"
    given_archive = data_dir() / IMDB_ARCHIVE
    extracted = cache_dir() / "aclImdb"
    # Without EMOLIB_DATA the data folder is the cache itself: there, trust only a finished extraction.
    if given_folder.is_dir() and (given_folder != extracted or _extraction_finished(extracted)):
        return given_folder
    if given_archive.is_file():
        return _extract_once(given_archive, extracted)
    if _extraction_finished(extracted):
        return extracted
    try:
        downloaded = _download(origin)
    except Exception as err:
        reason = " ".join(f"{type(err).__name__}: {err}".split())
        raise DatasetUnavailableError(
            "The IMDB reviews (aclImdb) were not found and could not be downloaded.\n"
            f"Looked for an extracted folder at {given_folder},\n"
            f"the archive at {given_archive},\n"
            f"and an earlier extraction at {extracted}.\n"
            f"The download from {origin} failed: {reason}\n"
            "To fix this, set the environment variable EMOLIB_DATA to a folder that holds aclImdb/ or "
            f"{IMDB_ARCHIVE} (for example a copy made on a machine with internet access), "
            f"or download {IMDB_URL} by hand and put it in {data_dir()}."
        ) from err
    return _extract_once(downloaded, extracted)


def _extraction_finished(folder):
    return (folder / EXTRACTED_MARKER).is_file()


def _download(origin, name=IMDB_ARCHIVE, subfolder=""):
    """Download ``origin`` into ``cache_dir()/subfolder/name`` with Keras (imported here: it is slow to import)."""
    quiet_stderr()  # before TensorFlow is imported, so that its start-up notices are filtered
    from keras.utils import get_file

    (cache_dir() / subfolder).mkdir(parents=True, exist_ok=True)  # get_file falls back to /tmp for a missing folder
    return Path(get_file(name, origin=origin, cache_dir=str(cache_dir()), cache_subdir=subfolder))


def _labelled_members(archive):
    """The archive's members minus the unlabelled reviews (train/unsup) and the *.feat files.

    Left in, ``train/unsup`` would look like a third class to a loader that lists ``train/``.
    """
    for member in archive:
        if Path(member.name).parts[1:3] == ("train", "unsup") or member.name.endswith(".feat"):
            continue
        yield member


def _extract_once(archive_path, target):
    """Extract ``archive_path`` into ``target`` unless a finished extraction is already there.

    The archive is extracted into a temporary folder next to ``target``, marked finished, then
    renamed: an interrupted run leaves no half-filled ``target`` behind.
    """
    if _extraction_finished(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"Extracting {archive_path} into {target} (once) ...")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix="aclImdb.partial-") as scratch:
        try:
            with tarfile.open(archive_path) as archive:
                archive.extractall(scratch, members=_labelled_members(archive), filter="data")
        except tarfile.TarError as err:
            raise DatasetUnavailableError(
                f"{archive_path} is not a readable .tar.gz archive ({err}). Replace it with a good copy and try again."
            ) from err
        unpacked = Path(scratch) / "aclImdb"
        if not unpacked.is_dir():
            raise DatasetUnavailableError(f"{archive_path} has no aclImdb/ folder at its top level.")
        (unpacked / EXTRACTED_MARKER).write_text(f"extracted from {archive_path}\n", encoding="utf-8")
        if _extraction_finished(target):  # another process (a second notebook) finished first
            return target
        if target.exists():  # an interrupted or hand-made folder without the marker
            shutil.rmtree(target)
        unpacked.rename(target)
    return target


def _read_split(split_folder, limit, rng):
    """Read one split (``train`` or ``test``): texts and labels, shuffled with ``rng``."""
    texts, labels = [], []
    for class_name, label in LABELS.items():
        class_folder = split_folder / class_name
        # Sorted, so that the result does not depend on the order the file system lists files in.
        names = sorted(entry.name for entry in os.scandir(class_folder) if entry.name.endswith(".txt"))
        if limit is not None:
            chosen = rng.choice(len(names), size=min(limit // 2, len(names)), replace=False)
            names = [names[i] for i in sorted(chosen)]
        texts += [(class_folder / name).read_text(encoding="utf-8") for name in names]
        labels += [label] * len(names)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], np.array(labels, dtype=np.int64)[order]


def load_imdb(limit=None, seed=0, origin=IMDB_URL):
    """Load the IMDB movie reviews as raw text (Maas et al., 2011: 25,000 train and 25,000 test reviews).

    Args:
        limit (int or None): at most this many reviews per split, half of them positive and half
            negative, drawn at random (the course's fast mode uses a few hundred); None loads all.
        seed (int): seed of the shuffling and of the ``limit`` draw; the same seed gives the same data.
        origin (str): where to download the archive from when it is not on disk (see ``imdb_folder``).

    Returns:
        ((train_texts, train_labels), (test_texts, test_labels)): texts as list[str] of length N,
        labels as np.ndarray of shape (N,) and dtype int64, 1 = positive, 0 = negative. Both splits
        are shuffled.
    """
    if limit is not None and limit < 2:
        raise ValueError(f"limit must be at least 2 (one review of each class), got {limit}")
    folder = imdb_folder(origin)
    rng = np.random.default_rng(seed)
    train = _read_split(folder / "train", limit, rng)
    test = _read_split(folder / "test", limit, rng)
    return train, test


def load_imdb_sequences(num_words=None, maxlen=None, limit=None, seed=0, origin=IMDB_URL):
    """Load the IMDB reviews as integer sequences, like ``keras.datasets.imdb.load_data``.

    Each review is tokenized (``emolib.text.tokenize``) and each token replaced by its index in a
    vocabulary built from the training reviews only. The test reviews play the part of reviews the
    model will meet after training; letting their words into the vocabulary would leak information
    about the test set into the model, so test words never seen in training become 1 ("<unk>").

    Args:
        num_words (int or None): vocabulary size, counting index 0 ("<pad>") and 1 ("<unk>");
            only the ``num_words - 2`` most frequent training words get their own index.
        maxlen (int or None): when given, pad or cut every review to this length (keeping its end).
        limit, seed, origin: as in ``load_imdb``.

    Returns:
        ((x_train, y_train), (x_test, y_test), vocab):
        x as a list of N lists of int, or with ``maxlen`` an int32 array of shape (N, maxlen);
        y as an int64 array of shape (N,); vocab as dict[str, int].
    """
    (train_texts, y_train), (test_texts, y_test) = load_imdb(limit=limit, seed=seed, origin=origin)
    train_tokens = [tokenize(text) for text in train_texts]
    vocab = build_vocab(train_tokens, max_size=num_words)
    x_train = [encode(tokens, vocab) for tokens in train_tokens]
    x_test = [encode(tokenize(text), vocab) for text in test_texts]
    if maxlen is not None:
        x_train = pad_sequences(x_train, maxlen=maxlen)
        x_test = pad_sequences(x_test, maxlen=maxlen)
    return (x_train, y_train), (x_test, y_test), vocab


# ----------------------------------------------------------------------------------- ChnSentiCorp


def load_chnsenticorp(split):
    """Load one split of ChnSentiCorp, Chinese hotel, laptop and book reviews.

    The standard split has 9,600 train, 1,200 dev and 1,200 test reviews, read from
    ``data_dir()/chnsenticorp/<split>.csv`` (UTF-8, header ``label,text``), in file order.

    Args:
        split (str): "train", "dev" or "test".

    Returns:
        (texts, labels): texts as list[str] of length N, labels as an int64 array of shape (N,),
        1 = positive, 0 = negative.

    Raises:
        DatasetUnavailableError: the file is missing (the message says where to put it).
        ValueError: an unknown split, or a malformed file (the message names the file and line).
    """
    if split not in CHNSENTICORP_SPLITS:
        raise ValueError(f"split must be one of {CHNSENTICORP_SPLITS}, got {split!r}")
    folder = data_dir() / "chnsenticorp"
    path = folder / f"{split}.csv"
    if not path.is_file():
        raise DatasetUnavailableError(
            f"ChnSentiCorp's {split} split was not found: expected the file {path}.\n"
            "ChnSentiCorp has no single official download URL. Put the standard 9,600/1,200/1,200 split "
            "(for example from the data folder of the Chinese-BERT-wwm project) in "
            f"{folder} as train.csv, dev.csv and test.csv, UTF-8 with the header 'label,text' "
            "(label 1 = positive, 0 = negative), or set the environment variable EMOLIB_DATA to a folder "
            "that has chnsenticorp/ in it."
        )
    texts, labels = [], []
    # newline="" lets the csv module handle line breaks inside quoted texts; utf-8-sig skips a BOM.
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = csv.reader(file)
        header = next(rows, None)
        if header != ["label", "text"]:
            raise ValueError(f"{path}, line 1: expected the header 'label,text', found {header!r}")
        for row in rows:
            if len(row) != 2 or row[0] not in ("0", "1"):
                raise ValueError(f"{path}, line {rows.line_num}: expected '<label 0 or 1>,<text>', found {row!r}")
            labels.append(int(row[0]))
            texts.append(row[1])
    return texts, np.array(labels, dtype=np.int64)


# ------------------------------------------------------------------------------------ GoEmotions

GOEMOTIONS_URL = "https://raw.githubusercontent.com/google-research/google-research/master/goemotions/data"
GOEMOTIONS_SPLITS = ("train", "dev", "test")
GOEMOTIONS_FILES = ("train.tsv", "dev.tsv", "test.tsv", "emotions.txt", "ekman_mapping.json")
# Ekman's six basic emotions in the order the course uses, then neutral (which the mapping leaves out).
EKMAN_LABELS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")


def goemotions_folder(origin=GOEMOTIONS_URL):
    """Find the GoEmotions files, downloading the missing ones the first time.

    Tried in order:
      1. ``data_dir()/goemotions`` holding all of ``GOEMOTIONS_FILES``;
      2. ``cache_dir()/goemotions``, where step 3 puts them;
      3. a download of each missing file from ``origin/<file>`` into ``cache_dir()/goemotions``.

    Args:
        origin (str): the URL of the folder holding the files (no trailing slash), for step 3.

    Returns:
        Path: the folder holding train.tsv, dev.tsv, test.tsv, emotions.txt and ekman_mapping.json.

    Raises:
        DatasetUnavailableError: when a file is missing and cannot be downloaded; the message lists the
        paths tried and what to do.
    """
    given = data_dir() / "goemotions"
    cached = cache_dir() / "goemotions"
    for folder in (given, cached):
        if all((folder / name).is_file() for name in GOEMOTIONS_FILES):
            return folder
    for name in GOEMOTIONS_FILES:
        if (cached / name).is_file():
            continue
        try:
            _download(f"{origin}/{name}", name=name, subfolder="goemotions")
        except Exception as err:
            reason = " ".join(f"{type(err).__name__}: {err}".split())
            raise DatasetUnavailableError(
                f"GoEmotions' {name} was not found and could not be downloaded.\n"
                f"Looked in {given} and in {cached} for {', '.join(GOEMOTIONS_FILES)}.\n"
                f"The download from {origin}/{name} failed: {reason}\n"
                "To fix this, set the environment variable EMOLIB_DATA to a folder that holds goemotions/ with "
                "these five files (for example a copy made on a machine with internet access), or download "
                f"them by hand from {GOEMOTIONS_URL}/ (the folder goemotions/data/ of the google-research "
                f"repository) into {given}."
            ) from err
    return cached


def load_goemotions(split, taxonomy="goemotions", origin=GOEMOTIONS_URL):
    """Load one split of GoEmotions (Demszky et al., 2020): English Reddit comments, each with one or
    more of 27 emotions or neutral. The official split has 43,410 train, 5,426 dev and 5,427 test comments.

    Args:
        split (str): "train", "dev" or "test".
        taxonomy (str): "goemotions" for the 28 labels of ``emotions.txt`` (admiration ... surprise,
            neutral), or "ekman" for the 7 labels of ``EKMAN_LABELS``: every label of a comment is
            replaced by its Ekman group (``ekman_mapping.json``; neutral stays neutral), so a comment
            labelled "joy" and "amusement" has the one Ekman label "joy".
        origin (str): where to download missing files from (see ``goemotions_folder``).

    Returns:
        (texts, labels, names): texts as list[str] of length N, in file order; labels as a multi-hot
        float32 array of shape (N, K), labels[n, k] = 1 when comment n carries label k (K = 28 or 7);
        names as a tuple of the K label names, in column order.

    Raises:
        DatasetUnavailableError: the files are missing and cannot be downloaded.
        ValueError: an unknown split or taxonomy, or a malformed file (the message names file and line).
    """
    if split not in GOEMOTIONS_SPLITS:
        raise ValueError(f"split must be one of {GOEMOTIONS_SPLITS}, got {split!r}")
    if taxonomy not in ("goemotions", "ekman"):
        raise ValueError(f"taxonomy must be 'goemotions' (28 labels) or 'ekman' (7 labels), got {taxonomy!r}")
    folder = goemotions_folder(origin)
    emotions = tuple((folder / "emotions.txt").read_text(encoding="utf-8").split())
    if taxonomy == "goemotions":
        names, column = emotions, list(range(len(emotions)))
    else:
        names, column = EKMAN_LABELS, _ekman_columns(folder / "ekman_mapping.json", emotions)
    path = folder / f"{split}.tsv"
    texts, label_ids = [], []
    with path.open(encoding="utf-8", newline="") as file:
        for line_number, line in enumerate(file, start=1):
            fields = line.rstrip("\r\n").split("\t")
            ids = fields[1].split(",") if len(fields) == 3 else []
            if not ids or not all(i.isdigit() and int(i) < len(emotions) for i in ids):
                raise ValueError(f"{path}, line {line_number}: expected 'text<TAB>label ids 0-{len(emotions) - 1}, "
                                 f"comma-separated<TAB>comment id', found {line[:120]!r}")
            texts.append(fields[0])
            label_ids.append([column[int(i)] for i in ids])
    labels = np.zeros((len(texts), len(names)), dtype=np.float32)
    for row, columns in enumerate(label_ids):
        labels[row, columns] = 1.0
    return texts, labels, names


def _ekman_columns(path, emotions):
    """For each of the 28 emotions, the column of its Ekman group in ``EKMAN_LABELS``."""
    mapping = json.loads(path.read_text(encoding="utf-8"))
    group_of = {"neutral": "neutral"}
    for group, members in mapping.items():
        for emotion in members:
            group_of[emotion] = group
    unmapped = [emotion for emotion in emotions if group_of.get(emotion) not in EKMAN_LABELS]
    if unmapped:
        raise ValueError(f"{path} maps no Ekman group in {EKMAN_LABELS} to: {', '.join(unmapped)}")
    return [EKMAN_LABELS.index(group_of[emotion]) for emotion in emotions]


# --------------------------------------------------------------------------------- SMP2020-EWECT

SMP2020_EWECT_FILES = {"train": "virus_train.txt", "eval": "virus_eval_labeled.txt", "test": "virus_test_labeled.txt"}
SMP2020_EWECT_LABELS = ("happy", "angry", "sad", "fear", "surprise", "neutral")


def load_smp2020_ewect(split):
    """Load one split of SMP2020-EWECT's COVID-19 track: Chinese Weibo posts, each with one of six emotions.

    The files (8,606 train, 2,000 eval, 3,000 test posts) are read from
    ``data_dir()/smp2020_ewect/virus_{train,eval_labeled,test_labeled}.txt``, each a JSON list of
    ``{"id", "content", "label"}``, in file order. They are never downloaded: the data has no open licence
    and no official download.

    Args:
        split (str): "train", "eval" (the dev split of the evaluation) or "test".

    Returns:
        (texts, labels, names): texts as list[str] of length N; labels as an int64 array of shape (N,)
        indexing ``names``, the tuple ``SMP2020_EWECT_LABELS`` (happy, angry, sad, fear, surprise, neutral).

    Raises:
        DatasetUnavailableError: the file is missing (the message says where to put it).
        ValueError: an unknown split, or a malformed file (the message names the file and the post).
    """
    if split not in SMP2020_EWECT_FILES:
        raise ValueError(f"split must be one of {tuple(SMP2020_EWECT_FILES)}, got {split!r}")
    folder = data_dir() / "smp2020_ewect"
    path = folder / SMP2020_EWECT_FILES[split]
    if not path.is_file():
        raise DatasetUnavailableError(
            f"SMP2020-EWECT's {split} split was not found: expected the file {path}.\n"
            "SMP2020-EWECT has no official download and no open licence, so the course does not download it. "
            "Put the COVID-19 (virus) track's files, virus_train.txt, virus_eval_labeled.txt and "
            f"virus_test_labeled.txt (JSON lists of {{\"id\", \"content\", \"label\"}}; copies circulate in public "
            f"repositories, for example BrownSweater/BERT_SMP2020-EWECT, folder data/raw/), in {folder}, "
            "or set the environment variable EMOLIB_DATA to a folder that has smp2020_ewect/ in it."
        )
    try:
        posts = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); expected a list of {{\"id\", \"content\", \"label\"}}") from err
    if not isinstance(posts, list):
        raise ValueError(f"{path}: expected a JSON list of posts, found a {type(posts).__name__}")
    texts, labels = [], []
    for position, post in enumerate(posts):
        if not isinstance(post, dict) or not isinstance(post.get("content"), str) \
                or post.get("label") not in SMP2020_EWECT_LABELS:
            raise ValueError(f"{path}, post {position} (counting from 0): expected {{\"id\", \"content\": text, "
                             f"\"label\": one of {', '.join(SMP2020_EWECT_LABELS)}}}, found {str(post)[:120]}")
        texts.append(post["content"])
        labels.append(SMP2020_EWECT_LABELS.index(post["label"]))
    return texts, np.array(labels, dtype=np.int64), SMP2020_EWECT_LABELS


# ------------------------------------------------------------------------------------------ sample

# Invented for this project. (review, rating out of 10): 7-10 is positive, 1-4 negative, as in aclImdb.
SAMPLE_REVIEWS = {
    "train": {
        "pos": [
            ("A moving film with a wonderful cast.", 9),
            ("I laughed all the way through.<br /><br />The script is sharp and the timing perfect.", 8),
            ("Beautifully shot, and the music stays with you for days.", 10),
            ("Not perfect, but the two leads are great together. Worth it.", 7),
        ],
        "neg": [
            ("Dull plot and wooden acting; I walked out.", 1),
            ("The jokes fall flat and the ending makes no sense.", 3),
            ("Two hours I won't get back.<br /><br />Avoid.", 2),
            ("A great cast wasted on a lazy, predictable script.", 4),
        ],
    },
    "test": {
        "pos": [
            ("A warm, funny and clever film: the best I've seen this year.", 10),
            ("The animation is gorgeous and the story moved me to tears.", 9),
            ("Great fun for the whole family.", 8),
            ("Slow at first, but the final act is superb.", 7),
        ],
        "neg": [
            ("Boring from start to finish.", 1),
            ("The plot is a mess and the dialogue is painful.", 2),
            ("I wanted to like it, but the acting is terrible.", 3),
            ("Pretty pictures, no story. Disappointing.", 4),
        ],
    },
}

# Invented for this project. (label, text): 1 = positive, 0 = negative.
SAMPLE_CHINESE_REVIEWS = {
    "train": [
        (1, "酒店的服务非常好，房间干净，下次还会再来。"),
        (0, "房间太小，隔音很差，晚上根本睡不着。"),
        (1, "这台笔记本电脑运行很快，性价比很高。"),
        (0, "电池不耐用，用了两个月就坏了，客服也不理人。"),
        (1, '书的内容很精彩，"一口气"读完了，推荐！'),
        (0, "印刷质量很差,有好几页都看不清。"),
    ],
    "dev": [
        (1, "早餐丰富，位置方便，服务员很热情。"),
        (0, "屏幕有坏点，键盘手感也不好。"),
    ],
    "test": [
        (1, "物流很快，书的质量不错，孩子很喜欢。"),
        (0, "空调不制冷，前台的态度也很冷淡。"),
    ],
}


# GoEmotions' taxonomy (the 28 names of emotions.txt in order, and the published Ekman grouping).
SAMPLE_EMOTIONS = (
    "admiration amusement anger annoyance approval caring confusion curiosity desire disappointment disapproval "
    "disgust embarrassment excitement fear gratitude grief joy love nervousness optimism pride realization relief "
    "remorse sadness surprise neutral").split()
SAMPLE_EKMAN_MAPPING = {
    "anger": ["anger", "annoyance", "disapproval"],
    "disgust": ["disgust"],
    "fear": ["fear", "nervousness"],
    "joy": ["joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride",
            "admiration", "desire", "caring"],
    "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
    "surprise": ["surprise", "realization", "confusion", "curiosity"],
}
# Invented for this project. (comment, label ids into SAMPLE_EMOTIONS, comment id).
SAMPLE_COMMENTS = {
    "train": [
        ("Thank you so much, this made my day!", "15,17", "s0001"),
        ("That is the worst take I have read all week.", "3,10", "s0002"),
        ("I moved to [NAME]'s town last year.", "27", "s0003"),
        ("Wait, they really did that? Wow.", "26", "s0004"),
        ("I'm so nervous about the exam tomorrow", "19", "s0005"),
    ],
    "dev": [
        ("Haha, that is hilarious", "1", "s0101"),
        ("Sorry for your loss, stay strong.", "5,24,25", "s0102"),
    ],
    "test": [
        ("Ugh, gross. Why would anyone eat that?", "11,7", "s0201"),
        ("Ok.", "27", "s0202"),
    ],
}
# Invented for this project. (label, post) in SMP2020-EWECT's format.
SAMPLE_WEIBO_POSTS = {
    "train": [
        ("happy", "今天终于放晴了，心情大好[太开心]"),
        ("angry", "排了两个小时的队，居然说没号了！"),
        ("sad", "看到这条新闻，眼泪止不住。"),
        ("fear", "小区里发现了病例，好怕"),
        ("surprise", "什么？明天就开学了？"),
        ("neutral", "今天下午三点有发布会。"),
    ],
    "eval": [("happy", "加油！一定会好起来的"), ("neutral", "出门记得戴口罩")],
    "test": [("sad", "好想回家，可是回不去"), ("angry", "这种人真是气死我了")],
}


def write_sample(folder):
    """Write a tiny made-up dataset in the real datasets' layout, for tests without the real data.

    Writes ``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt`` (4 reviews per class and split),
    ``chnsenticorp/{train,dev,test}.csv`` (6/2/2 reviews), ``goemotions/`` (5/2/2 comments, emotions.txt
    and ekman_mapping.json) and ``smp2020_ewect/virus_*.txt`` (6/2/2 posts). Point ``EMOLIB_DATA`` at
    ``folder`` to use it.

    Args:
        folder (str or Path): where to write; created if missing.

    Returns:
        Path: ``folder``.
    """
    folder = Path(folder)
    for split, classes in SAMPLE_REVIEWS.items():
        for class_name, reviews in classes.items():
            class_folder = folder / "aclImdb" / split / class_name
            class_folder.mkdir(parents=True, exist_ok=True)
            for review_id, (text, rating) in enumerate(reviews):
                (class_folder / f"{review_id}_{rating}.txt").write_text(text, encoding="utf-8")
    chinese_folder = folder / "chnsenticorp"
    chinese_folder.mkdir(parents=True, exist_ok=True)
    for split, rows in SAMPLE_CHINESE_REVIEWS.items():
        with (chinese_folder / f"{split}.csv").open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["label", "text"])
            writer.writerows(rows)
    goemotions = folder / "goemotions"
    goemotions.mkdir(parents=True, exist_ok=True)
    for split, comments in SAMPLE_COMMENTS.items():
        lines = "".join("\t".join(comment) + "\n" for comment in comments)
        (goemotions / f"{split}.tsv").write_text(lines, encoding="utf-8")
    (goemotions / "emotions.txt").write_text("\n".join(SAMPLE_EMOTIONS) + "\n", encoding="utf-8")
    (goemotions / "ekman_mapping.json").write_text(json.dumps(SAMPLE_EKMAN_MAPPING, indent=2), encoding="utf-8")
    weibo = folder / "smp2020_ewect"
    weibo.mkdir(parents=True, exist_ok=True)
    for split, posts in SAMPLE_WEIBO_POSTS.items():
        records = [{"id": number, "content": text, "label": label} for number, (label, text) in enumerate(posts, 1)]
        (weibo / SMP2020_EWECT_FILES[split]).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return folder
