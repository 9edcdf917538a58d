"""Reference cases for lesson 07's visible tests, computed by the solution's functions when
`python -m autograder build` runs (see autograder/fixtures.py): the split of eleven numbered reviews
(a validation share of 0.35, so that n_val = round(3.85) = 4 tells round() from int()), the
datasets made from a tiny corpus whose validation and test reviews hold words of their own, and the
TF-IDF vectorizer of another tiny corpus, and the Naive Bayes log-count ratios of ten reviews of token
indices with repeats and padding."""
import numpy as np

SEED = 7

def codes(texts):
    """Texts as rows of Unicode code points padded with 0 (the fixture format holds numbers only)."""
    width = max([len(text) for text in texts] + [1])
    return np.array([[ord(c) for c in text] + [0] * (width - len(text)) for text in texts], dtype=np.int32)


WORDS = "good bad great awful film plot acting boring fun not very".split()


def cases(solution, rng):
    labels = rng.integers(0, 2, size=11)
    texts = [f"review {i}" for i in range(len(labels))]
    (train_texts, train_labels), (val_texts, val_labels) = solution.split_train_validation(texts, labels, 0.35, seed=5)
    ids = lambda reviews: np.array([int(text.split()[1]) for text in reviews])  # noqa: E731
    yield "split", {"labels": labels}, {"train_ids": ids(train_texts), "train_labels": train_labels,
                                        "val_ids": ids(val_texts), "val_labels": val_labels}

    # Eight training reviews (two of them hold "validonly", and the test reviews "testonly"): a vocabulary
    # adapted on the wrong reviews shows.
    train_texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 9)))) for _ in range(8)]
    train_texts[int(rng.integers(0, 8))] += " validonly validonly"
    test_texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 9)))) + " testonly testonly" for _ in range(3)]
    train_labels, test_labels = rng.integers(0, 2, size=8), rng.integers(0, 2, size=3)
    data = solution.make_datasets(train_texts, train_labels, test_texts, test_labels, max_tokens=12, sequence_length=6,
                                  validation_fraction=0.25, seed=1)
    yield ("datasets", {"train_texts": codes(train_texts), "train_labels": train_labels,
                        "test_texts": codes(test_texts), "test_labels": test_labels},
           {"vocabulary": codes([str(word) for word in data["vectorizer"].get_vocabulary()]),
            **{name: data[name] for name in ("x_train", "x_val", "x_test", "y_train", "y_val", "y_test")}})

    train_texts = [" ".join(rng.choice(WORDS[:6], size=5)) for _ in range(6)]
    probe_texts = ["good film not bad", "awful awful plot", "great acting"]
    vectorizer, _ = solution.build_tfidf_model(train_texts, max_tokens=20, l2=1e-3)
    counter = solution.keras.layers.TextVectorization(max_tokens=20, ngrams=2, output_mode="count")
    counter.adapt(train_texts)
    to_numpy = solution.keras.ops.convert_to_numpy
    yield ("tfidf", {"train_texts": codes(train_texts), "probe_texts": codes(probe_texts)},
           {"vocabulary": codes([str(token) for token in vectorizer.get_vocabulary()]),
            "features": to_numpy(vectorizer(probe_texts)).astype(np.float64),
            "counts": to_numpy(counter(probe_texts)).astype(np.float64)})

    # Ten reviews of up to 8 tokens from a vocabulary of 12, repeats and padding included, 7 positive.
    lengths = rng.integers(2, 9, size=10)
    rows = np.where(np.arange(8) < lengths[:, None], rng.integers(1, 12, size=(10, 8)), 0)
    rows[0, :4] = [5, 5, 5, 2]
    labels = np.array([1, 1, 1, 0, 1, 0, 1, 1, 0, 1])
    yield ("nb_ratios", {"rows": rows, "labels": labels},
           {"ratios": solution.nb_log_count_ratios(rows, labels, 12, alpha=0.5),
            "ratios_alpha_1": solution.nb_log_count_ratios(rows, labels, 12, alpha=1.0),
            "ratios_with_padding": ratios_counting_padding(rows, labels, 12, alpha=0.5)})


def ratios_counting_padding(rows, labels, vocab_size, alpha):
    """The log-count ratios with the padding index 0 counted as a token (the bug the test names)."""
    present = np.zeros((len(rows), vocab_size))
    present[np.arange(len(rows))[:, None], rows] = 1.0
    p, q = alpha + present[labels == 1].sum(axis=0), alpha + present[labels == 0].sum(axis=0)
    return np.log(p / p.sum()) - np.log(q / q.sum())
