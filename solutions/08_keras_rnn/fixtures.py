"""Reference case for lesson 08's visible test of numpy_forward: float32 weights of a small GRU
sentiment model drawn from a fixed seed, tokens padded in front, after and in the middle, and the
outputs computed by the solution when `python -m autograder build` runs (see autograder/fixtures.py).

The other visible tests compare with Keras layers built in the test cell, so they need no fixture."""
import numpy as np

SEED = 8


def cases(solution, rng):
    vocab_size, embedding_dim, units = 12, 4, 5
    shapes = ((vocab_size, embedding_dim), (embedding_dim, 3 * units), (units, 3 * units), (2, 3 * units), (units, 1), (1,))
    weights = [rng.normal(scale=0.8, size=shape).astype(np.float32) for shape in shapes]
    tokens = np.array([[0, 0, 0, 3, 7, 1, 9], [5, 2, 11, 4, 0, 0, 0], [2, 0, 6, 6, 10, 3, 8], [0, 0, 0, 0, 0, 0, 4]],
                      dtype=np.int32)
    probabilities, kept = solution.numpy_forward(weights, tokens)
    # What a missing mask gives: the GRU reads the padding's embedding row like a word.
    embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias = weights
    h_all, _ = solution.gru_forward(embeddings[tokens], np.zeros((len(tokens), units), dtype=np.float32),
                                    kernel, recurrent_kernel, bias)
    # and what z at every step gives, padded ones included, for `kept`
    _, (step_caches, _) = solution.gru_forward(embeddings[tokens], np.zeros((len(tokens), units), dtype=np.float32),
                                               kernel, recurrent_kernel, bias, mask=tokens != 0)
    kept_unmasked = np.stack([step_cache["z"] for step_cache in step_caches], axis=1)
    unmasked = solution.sigmoid(h_all[:, -1] @ dense_kernel + dense_bias)[:, 0]
    yield ("numpy_forward", {**{f"weight_{i}": weight for i, weight in enumerate(weights)}, "tokens": tokens},
           {"probabilities": probabilities, "kept": kept, "probabilities_unmasked": unmasked,
            "kept_unmasked": kept_unmasked})
