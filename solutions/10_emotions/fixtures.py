"""Reference cases for lesson 10's visible tests: inputs drawn from a fixed seed (unequal classes, a class
never predicted, an example with no label, tied thresholds on purpose), outputs computed by the solution's
own functions when `python -m autograder build` runs (see autograder/fixtures.py)."""
import numpy as np

SEED = 10


def thresholds_by_rule(targets, scores, candidates, at_or_above, smallest_of_ties):
    """Per-label best-F1 thresholds under a given rule: a second implementation for the common-bug values."""
    targets = np.asarray(targets, dtype=bool)
    ordered = np.sort(candidates) if smallest_of_ties else np.sort(candidates)[::-1]
    best = []
    for label in range(targets.shape[1]):
        called = [scores[:, label] >= t if at_or_above else scores[:, label] > t for t in ordered]
        f1s = [2 * np.sum(c & targets[:, label]) / max(1, 2 * np.sum(c & targets[:, label]) + np.sum(c != targets[:, label]))
               for c in called]
        best.append(ordered[int(np.argmax(f1s))])
    return np.array(best)


def cases(solution, rng):
    logits = rng.normal(scale=2.0, size=(4, 5))
    targets = (rng.random((4, 5)) < 0.35).astype(float)
    loss, dlogits = solution.sigmoid_bce(logits.copy(), targets)
    yield "bce", {"logits": logits, "targets": targets}, {"loss": np.array(loss), "dlogits": dlogits}

    labels = rng.choice(4, size=30, p=[0.55, 0.25, 0.15, 0.05])
    labels[:4] = [0, 1, 2, 3]  # every class present
    yield "weights", {"labels": labels, "num_classes": np.array(4)}, {"weights": solution.class_weights(labels, 4)}

    labels = rng.integers(0, 5, size=40)
    predicted = np.where(rng.random(40) < 0.6, labels, rng.integers(0, 4, size=40))
    predicted[predicted == 4] = 0  # class 4 is never predicted: its precision is 0/0
    matrix = solution.confusion_matrix(labels, predicted, 5)
    scores = solution.classification_scores(matrix)
    yield ("single_label", {"labels": labels, "predicted": predicted, "num_classes": np.array(5)},
           {"matrix": matrix, **scores})

    targets = (rng.random((12, 5)) < 0.3).astype(int)
    predicted = np.where(rng.random((12, 5)) < 0.8, targets, 1 - targets)
    targets[0], predicted[0] = 0, 0  # an example with no true and no predicted label
    yield "multi_label", {"targets": targets, "predicted": predicted}, solution.multilabel_scores(targets, predicted)

    targets = (rng.random((30, 4)) < 0.4).astype(int)
    scores = np.round(np.clip(0.3 + 0.35 * targets + rng.normal(scale=0.2, size=(30, 4)), 0, 1), 1)  # ties at grid points
    candidates = rng.permutation(np.round(np.arange(0.1, 0.91, 0.1), 1))
    thresholds = solution.tune_thresholds(targets, scores, candidates)
    strictly_above = thresholds_by_rule(targets, scores, candidates, at_or_above=False, smallest_of_ties=True)
    largest_of_ties = thresholds_by_rule(targets, scores, candidates, at_or_above=True, smallest_of_ties=False)
    assert np.array_equal(thresholds, thresholds_by_rule(targets, scores, candidates, True, True))
    assert not np.array_equal(thresholds, strictly_above) and not np.array_equal(thresholds, largest_of_ties)
    yield ("thresholds", {"targets": targets, "scores": scores, "candidates": candidates},
           {"thresholds": thresholds, "strictly_above": strictly_above, "largest_of_ties": largest_of_ties})
