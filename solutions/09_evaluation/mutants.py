"""Plausible wrong implementations of lesson 09's exercises, each of which must lose points, and correct
rewrites, each of which must keep full marks (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("sigmoid output trained with categorical cross-entropy", "build_model",
           'loss="binary_crossentropy"', 'loss="categorical_crossentropy"'),
    Mutant("confusion matrix transposed", "confusion_matrix",
           "np.add.at(matrix, (labels, predicted), 1)", "np.add.at(matrix, (predicted, labels), 1)"),
    Mutant("precision and recall swapped", "binary_metrics",
           "precision = tp / (tp + fp) if tp + fp > 0 else 0.0\n    recall = tp / (tp + fn) if tp + fn > 0 else 0.0",
           "precision = tp / (tp + fn) if tp + fn > 0 else 0.0\n    recall = tp / (tp + fp) if tp + fp > 0 else 0.0",
           demo=True),
    Mutant("F1 as the arithmetic mean of precision and recall", "binary_metrics",
           "f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0",
           "f1 = (precision + recall) / 2"),
    Mutant("ROC with the scores left unsorted", "roc_curve",
           'order = np.argsort(-scores, kind="stable")', "order = np.arange(len(scores))"),
    Mutant("ROC thresholds in the wrong direction (increasing)", "roc_curve",
           'order = np.argsort(-scores, kind="stable")', 'order = np.argsort(scores, kind="stable")'),
    Mutant("AUC as rectangles instead of trapezoids", "auc",
           "np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)", "np.sum(np.diff(fpr) * tpr[1:])"),
    Mutant("AUC with FPR and TPR swapped", "auc",
           "np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)", "np.sum(np.diff(tpr) * (fpr[1:] + fpr[:-1]) / 2)"),
    Mutant("threshold tuned on the test set", "tune_threshold",
           "binary_metrics(val_labels, val_scores, threshold)[metric]",
           "binary_metrics(test_labels, test_scores, threshold)[metric]", demo=True),
    Mutant("most confident mistakes taken from the correct predictions", "most_confident_mistakes",
           "wrong = np.flatnonzero((scores > threshold).astype(int) != np.asarray(labels))",
           "wrong = np.flatnonzero((scores > threshold).astype(int) == np.asarray(labels))"),
    Mutant("the least confident mistakes instead of the most", "most_confident_mistakes",
           'order = np.argsort(-confidence, kind="stable")', 'order = np.argsort(confidence, kind="stable")'),
    Mutant("saliency sign flipped", "occlusion_saliency",
           "saliency = probabilities[0] - probabilities[1:]", "saliency = probabilities[1:] - probabilities[0]"),
    Mutant("embedding without mask_zero", "build_model",
           "keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)", "keras.layers.Embedding(vocab_size, embedding_dim)"),
    Mutant("learning rate ignored", "build_model",
           "optimizer=keras.optimizers.Adam(learning_rate)", 'optimizer="adam"'),
    Mutant("confusion matrix counted by fancy-index assignment", "confusion_matrix",
           "np.add.at(matrix, (labels, predicted), 1)", "matrix[labels, predicted] += 1"),
    Mutant("a score equal to the threshold counted positive (>= for >)", "binary_metrics",
           "np.asarray(scores) > threshold)", "np.asarray(scores) >= threshold)"),
    Mutant("ROC point for every review instead of every distinct score", "roc_curve",
           "last_of_each = np.append(np.flatnonzero(np.diff(sorted_scores)), len(scores) - 1)",
           "last_of_each = np.arange(len(scores))"),
    Mutant("ROC counts stopped at the first of tied scores", "roc_curve",
           "last_of_each = np.append(np.flatnonzero(np.diff(sorted_scores)), len(scores) - 1)",
           "last_of_each = np.append(0, np.flatnonzero(np.diff(sorted_scores)) + 1)"),
    Mutant("ROC rates divided by N instead of the class totals", "roc_curve",
           "positives, negatives = true_positives[-1], false_positives[-1]", "positives = negatives = len(scores)"),
    Mutant("the last of equally good thresholds", "tune_threshold",
           "threshold = float(candidates[int(np.argmax(values))])",
           "threshold = float(candidates[len(values) - 1 - int(np.argmax(values[::-1]))])"),
    Mutant("the metric argument ignored", "tune_threshold",
           "binary_metrics(val_labels, val_scores, threshold)[metric]", 'binary_metrics(val_labels, val_scores, threshold)["f1"]'),
    Mutant("test metrics at 0.5 instead of the chosen threshold", "tune_threshold",
           "return threshold, binary_metrics(test_labels, test_scores, threshold)", "return threshold, binary_metrics(test_labels, test_scores)"),
    Mutant("a score at the threshold predicted positive in the mistakes", "most_confident_mistakes",
           "wrong = np.flatnonzero((scores > threshold).astype(int)", "wrong = np.flatnonzero((scores >= threshold).astype(int)"),
    Mutant("confidence as the score itself", "most_confident_mistakes",
           "confidence = np.abs(scores[wrong] - threshold)", "confidence = scores[wrong]"),
    Mutant("words occluded with [UNK] (1) instead of padding", "occlusion_saliency",
           "batch[np.arange(1, steps + 1), np.arange(steps)] = 0", "batch[np.arange(1, steps + 1), np.arange(steps)] = 1"),
    Mutant("predict called once per occluded word", "occlusion_saliency",
           "probabilities = np.asarray(predict(batch), dtype=float).reshape(-1)",
           "probabilities = np.array([float(np.ravel(predict(row[None]))[0]) for row in batch])"),
]

ALTERNATIVES = [
    Mutant("confusion matrix by np.bincount", "confusion_matrix",
           "    matrix = np.zeros((2, 2), dtype=np.int64)\n    np.add.at(matrix, (labels, predicted), 1)\n    return matrix",
           "    return np.bincount(2 * labels + predicted, minlength=4).reshape(2, 2)"),
    Mutant("metrics from boolean sums", "binary_metrics",
           "    (tn, fp), (fn, tp) = confusion_matrix(labels, np.asarray(scores) > threshold)\n",
           "    called, actual = np.asarray(scores) > threshold, np.asarray(labels) == 1\n"
           "    tp, fp = int(np.sum(called & actual)), int(np.sum(called & ~actual))\n"
           "    fn, tn = int(np.sum(~called & actual)), int(np.sum(~called & ~actual))\n"),
    Mutant("ROC by a loop over the distinct scores", "roc_curve",
           "    order = np.argsort(-scores, kind=\"stable\")\n",
           "    distinct = np.unique(scores)[::-1]\n"
           "    positives, negatives = np.sum(labels == 1), np.sum(labels == 0)\n"
           "    tpr = [0.0] + [np.sum((scores >= s) & (labels == 1)) / positives if positives else 0.0 for s in distinct]\n"
           "    fpr = [0.0] + [np.sum((scores >= s) & (labels == 0)) / negatives if negatives else 0.0 for s in distinct]\n"
           "    return np.array(fpr), np.array(tpr), np.concatenate([[np.inf], distinct])\n"),
    Mutant("AUC by np.trapezoid", "auc",
           "    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))", "    return float(np.trapezoid(tpr, fpr))"),
    Mutant("threshold by a loop keeping the first strict improvement", "tune_threshold",
           "    values = [binary_metrics(val_labels, val_scores, threshold)[metric] for threshold in candidates]\n"
           "    threshold = float(candidates[int(np.argmax(values))])\n",
           "    best_value, threshold = -1.0, None\n    for candidate in candidates:\n"
           "        value = binary_metrics(val_labels, val_scores, candidate)[metric]\n"
           "        if value > best_value:\n            best_value, threshold = value, float(candidate)\n"),
    Mutant("mistakes sorted by a key", "most_confident_mistakes",
           "    confidence = np.abs(scores[wrong] - threshold)\n    order = np.argsort(-confidence, kind=\"stable\")\n"
           "    return wrong[order[:k]]",
           "    ranked = sorted(wrong, key=lambda i: (-abs(scores[i] - threshold), i))\n"
           "    return np.array(ranked[:k], dtype=int)"),
]
