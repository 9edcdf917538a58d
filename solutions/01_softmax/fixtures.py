"""Reference cases for lesson 01's visible tests: inputs drawn from a fixed seed, outputs computed by
the solution's own functions when `python -m autograder build` runs (see autograder/fixtures.py)."""
import numpy as np

SEED = 101


def cases(solution, rng):
    z = rng.normal(scale=3.0, size=(3, 4))
    yield "sigmoid", {"z": z}, {"out": solution.sigmoid(z)}

    z, y = rng.normal(scale=2.0, size=6), rng.integers(0, 2, size=6)
    loss, dz = solution.sigmoid_bce_loss(z, y)
    yield "sigmoid_bce_loss", {"z": z, "y": y}, {"loss": loss, "dz": dz}

    pred, target = rng.normal(size=5), rng.normal(size=5)
    loss, dpred = solution.mse_loss(pred, target)
    yield "mse_loss", {"pred": pred, "target": target}, {"loss": loss, "dpred": dpred}

    w, X, y = rng.normal(size=4), rng.normal(size=(6, 4)), rng.uniform(size=6)
    loss, dw = solution.sigmoid_neuron_mse(w, X, y)
    yield "sigmoid_neuron_mse", {"w": w, "X": X, "y": y}, {"loss": loss, "dw": dw}

    logits = rng.normal(scale=2.0, size=(4, 5))
    yield "softmax", {"logits": logits}, {"probs": solution.softmax(logits)}

    logits, labels = rng.normal(scale=2.0, size=(5, 3)), rng.integers(0, 3, size=5)
    loss, dlogits = solution.softmax_cross_entropy(logits.copy(), labels)
    yield "softmax_cross_entropy", {"logits": logits, "labels": labels}, {"loss": loss, "dlogits": dlogits}

    W, b, X = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=(5, 6))
    labels, reg = rng.integers(0, 3, size=5), np.float64(0.1)
    loss, dW, db = solution.softmax_regression_loss(W, b, X, labels, float(reg))
    yield ("softmax_regression_loss", {"W": W, "b": b, "X": X, "labels": labels, "reg": reg},
           {"loss": loss, "dW": dW, "db": db})
