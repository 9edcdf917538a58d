"""Reference cases for lesson 12's visible tests: small averaged-embedding models drawn from a fixed seed
(padding inside and after the text, sizes that never coincide), outputs computed by the solution's own
functions when `python -m autograder build` runs (see autograder/fixtures.py)."""
import numpy as np

SEED = 12
EXACT_STEPS = 20000  # the midpoint rule with this many steps is the exact integral to float64's precision


def cases(solution, rng):
    embeddings, kernel, bias = rng.normal(size=(10, 3)), rng.normal(scale=1.5, size=(3, 5)), rng.normal(size=5)
    tokens, target = np.array([4, 7, 0, 2, 9, 7, 0]), 1
    exact = solution.integrated_gradients(tokens, embeddings, kernel, bias, target, steps=EXACT_STEPS)
    mask = (tokens != 0).astype(float)
    votes = embeddings[tokens] @ kernel
    # g_bar, the mean of d p_c / d z along the path, that every word's attribution shares (for a bug's value).
    path = solution.softmax(bias + ((np.arange(EXACT_STEPS) + 0.5) / EXACT_STEPS)[:, None] * (mask @ votes / mask.sum()))
    mean_gradient = np.mean(path[:, [target]] * (np.eye(len(bias))[target] - path), axis=0)
    assert np.allclose(mask / mask.sum() * (votes @ mean_gradient), exact, atol=1e-12)
    yield ("text", {"tokens": tokens, "embeddings": embeddings, "kernel": kernel, "bias": bias, "target": np.array(target)},
           {"occlusion": solution.occlusion(lambda batch: solution.averaged_forward(batch, embeddings, kernel, bias), tokens, target),
            "gradient_times_input": solution.gradient_times_input(tokens, embeddings, kernel, bias, target),
            "integrated_gradients": exact, "mean_gradient": mean_gradient})

    masks = solution.drop_word_masks(6, 45, rng)
    predictions = np.clip(0.4 + masks @ np.array([0.25, -0.1, 0.0, 0.3, 0.05, -0.2]) + rng.normal(scale=0.05, size=45), 0, 1)
    weights, intercept = solution.lime_weights(masks, predictions)
    yield "lime", {"masks": masks, "predictions": predictions}, {"weights": weights, "intercept": np.array(intercept)}

    embeddings, kernel, bias = rng.normal(size=(12, 2)), rng.normal(scale=2.0, size=(2, 4)), rng.normal(size=4)
    tokens, target = np.array([3, 11, 5, 0, 8, 1, 6, 2, 0]), 2
    ranking = rng.permutation(np.flatnonzero(tokens))

    def predict(batch):
        return solution.averaged_forward(batch, embeddings, kernel, bias)

    curve, area = solution.deletion_curve(predict, tokens, ranking, target)
    reversed_curve, _ = solution.deletion_curve(predict, tokens, ranking[::-1], target)
    one_at_a_time = predict(np.array([np.where(np.arange(len(tokens)) == ranking[k - 1], 0, tokens) if k else tokens
                                      for k in range(len(ranking))]))[:, target]
    yield ("deletion", {"tokens": tokens, "ranking": ranking, "embeddings": embeddings, "kernel": kernel, "bias": bias,
                        "target": np.array(target)},
           {"curve": curve, "area": np.array(area), "reversed_curve": reversed_curve, "one_at_a_time": one_at_a_time})
