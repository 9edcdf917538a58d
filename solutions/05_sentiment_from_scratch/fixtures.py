"""Reference cases for lesson 05's visible tests: inputs drawn from a fixed seed, outputs computed by
the solution's own functions when `python -m autograder build` runs (see autograder/fixtures.py).

The model is tiny and in float64, with random (not freshly initialized) weights, so that every gradient
entry is large enough for centered differences to check it to 1e-7: with this seed the largest relative
error of the whole-model check is about 7e-9 (`numerical_gradient` of every parameter; other seeds give up
to 4e-6, from gradient entries so small that the centered difference's rounding dominates them). Its sizes all differ (N=3 reviews, T=5 steps, V=7 words,
E=6, H=4 units, C=2 classes), and so do the Adam case's (a 2 x 4 and a 5-vector, three steps), so that a
slip that mixes up two axes raises a shape error instead of passing."""
import numpy as np

SEED = 7


def cases(solution, rng):
    vocab_size, embedding_dim, units, classes = 7, 6, 4, 2
    params = {"embeddings": rng.normal(size=(vocab_size, embedding_dim)),
              "kernel": rng.normal(scale=0.7, size=(embedding_dim, 3 * units)),
              "recurrent_kernel": rng.normal(scale=0.7, size=(units, 3 * units)),
              "bias": rng.normal(scale=0.5, size=(2, 3 * units)),
              "dense_kernel": rng.normal(scale=1.5, size=(units, classes)),
              "dense_bias": rng.normal(scale=0.5, size=classes)}
    tokens = np.array([[3, 1, 4, 1, 5], [0, 0, 2, 6, 5], [0, 0, 0, 0, 6]])
    labels = np.array([1, 0, 1])
    logits, cache = solution.model_forward(params, tokens)
    loss, dlogits = solution.softmax_cross_entropy(logits, labels)
    grads = solution.model_backward(dlogits, cache)
    # What common bugs give: the padding not masked, the dense layer reading the first state, and in the
    # backward pass the last state's gradient placed at every step or at the first.
    embedding_cache, gru_cache, dense_cache, states_shape = cache
    dh_last = solution.dense_backward(dlogits, dense_cache)[0]

    def gru_grads(dh_all):
        dx, _, dkernel, drecurrent_kernel, dbias = solution.gru_backward(dh_all, gru_cache)
        return {"dembeddings": solution.embedding_backward(dx, embedding_cache), "dkernel": dkernel,
                "drecurrent_kernel": drecurrent_kernel, "dbias": dbias}

    every_step, first_step = np.zeros(states_shape), np.zeros(states_shape)
    every_step[:] = dh_last[:, None]
    first_step[:, 0] = dh_last
    x = params["embeddings"][tokens]
    h0 = np.zeros((len(tokens), units))
    gru_weights = (params["kernel"], params["recurrent_kernel"], params["bias"])
    unmasked, _ = solution.gru_forward(x, h0, *gru_weights)
    masked, _ = solution.gru_forward(x, h0, *gru_weights, mask=tokens != 0)
    dense = lambda states: states @ params["dense_kernel"] + params["dense_bias"]  # noqa: E731
    yield ("model", {**params, "tokens": tokens, "labels": labels},
           {"logits": logits, "loss": loss, "logits_unmasked": dense(unmasked[:, -1]),
            "logits_first_state": dense(masked[:, 0]), **{f"d{name}": grads[name] for name in solution.PARAMETER_NAMES},
            **{f"{name}_every_step": value for name, value in gru_grads(every_step).items()},
            **{f"{name}_first_step": value for name, value in gru_grads(first_step).items()}})

    w, b = rng.normal(size=(2, 4)), rng.normal(size=5)
    dw, db = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 5))
    params = {"w": w.copy(), "b": b.copy()}
    state = solution.adam_state(params)
    after = {"w": [], "b": []}
    for step in range(3):
        solution.adam_step(params, {"w": dw[step], "b": db[step]}, state, learning_rate=0.1)
        for name in after:
            after[name].append(params[name].copy())
    yield "adam", {"w": w, "b": b, "dw": dw, "db": db}, {name: np.stack(values) for name, values in after.items()}
