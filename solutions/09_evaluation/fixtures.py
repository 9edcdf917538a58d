"""Reference cases for lesson 09's visible tests: inputs drawn from a fixed seed (with ties on purpose),
outputs computed by the solution's own functions when `python -m autograder build` runs (see
autograder/fixtures.py)."""
import numpy as np

SEED = 9


def cases(solution, rng):
    labels = rng.integers(0, 2, size=24)
    scores = np.round(np.clip(0.5 + 0.3 * (labels - 0.5) + rng.normal(scale=0.25, size=24), 0, 1), 1)
    scores[:2] = 0.5  # two scores exactly at the threshold
    matrix = solution.confusion_matrix(labels, (scores > 0.5).astype(int))
    metrics = solution.binary_metrics(labels, scores)
    yield "metrics", {"labels": labels, "scores": scores}, {"matrix": matrix, **metrics}

    labels = rng.integers(0, 2, size=30)
    scores = np.round(0.5 + 0.25 * (labels - 0.5) + rng.normal(scale=0.2, size=30), 1)  # ties across classes
    fpr, tpr, thresholds = solution.roc_curve(labels, scores)
    yield "roc", {"labels": labels, "scores": scores}, {"fpr": fpr, "tpr": tpr, "thresholds": thresholds,
                                                        "auc": solution.auc(fpr, tpr)}

    # Validation scores are shifted: the best validation threshold is not the best test threshold.
    val_labels, test_labels = rng.integers(0, 2, size=40), rng.integers(0, 2, size=40)
    val_scores = np.clip(0.35 + 0.4 * val_labels + rng.normal(scale=0.15, size=40), 0, 1)
    test_scores = np.clip(0.6 + 0.3 * test_labels + rng.normal(scale=0.15, size=40), 0, 1)
    candidates = np.round(np.arange(0.05, 0.96, 0.05), 2)
    threshold, test_metrics = solution.tune_threshold(val_labels, val_scores, test_labels, test_scores, candidates)
    on_test, _ = solution.tune_threshold(test_labels, test_scores, test_labels, test_scores, candidates)
    for_accuracy, _ = solution.tune_threshold(val_labels, val_scores, test_labels, test_scores, candidates, metric="accuracy")
    assert threshold != on_test
    yield ("threshold", {"val_labels": val_labels, "val_scores": val_scores, "test_labels": test_labels,
                         "test_scores": test_scores, "candidates": candidates},
           {"threshold": threshold, "test_f1": test_metrics["f1"], "threshold_on_test": on_test,
            "threshold_accuracy": for_accuracy})

    labels = rng.integers(0, 2, size=20)
    scores = np.round(rng.random(20), 3)
    top4 = solution.most_confident_mistakes(labels, scores, 4)
    wrong = np.flatnonzero((scores > 0.5) != labels)
    right = np.flatnonzero((scores > 0.5) == labels)
    least4 = wrong[np.argsort(np.abs(scores[wrong] - 0.5), kind="stable")[:4]]
    correct4 = right[np.argsort(-np.abs(scores[right] - 0.5), kind="stable")[:4]]
    yield "mistakes", {"labels": labels, "scores": scores}, {"top4": top4, "least4": least4, "correct4": correct4}

    word_weights = np.round(rng.normal(scale=1.5, size=12), 2)
    word_weights[0] = 0.0
    tokens = np.array([0, 0, 3, 7, 1, 11, 7, 5, 2])
    bias = np.array(-0.3)

    def predict(batch):
        batch = np.asarray(batch)
        return 1 / (1 + np.exp(-(bias + np.sum(np.where(batch > 0, word_weights[batch], 0.0), axis=1))))

    yield ("saliency", {"word_weights": word_weights, "bias": bias, "tokens": tokens},
           {"saliency": solution.occlusion_saliency(predict, tokens)})
