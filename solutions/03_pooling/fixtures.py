"""Reference cases for lesson 03's visible tests: inputs drawn from a fixed seed, outputs computed by the
solution's own functions when `python -m autograder build` runs (see autograder/fixtures.py). Some
outputs are what a known bug gives, so that a test can name the bug."""
import numpy as np


SEED = 303


def _route_to_windows(x_shape, pool_size, stride, dout, window_gradient, accumulate=True):
    """dx of a pooling layer whose window (i, j) receives window_gradient(i, j, rows, columns)."""
    dx = np.zeros(x_shape)
    height, width = x_shape[1:3]
    for i in range((height - pool_size) // stride + 1):
        for j in range((width - pool_size) // stride + 1):
            rows = slice(stride * i, stride * i + pool_size)
            columns = slice(stride * j, stride * j + pool_size)
            if accumulate:
                dx[:, rows, columns, :] += window_gradient(i, j, rows, columns)
            else:
                dx[:, rows, columns, :] = window_gradient(i, j, rows, columns)
    return dx


def cases(solution, rng):
    # Overlapping windows: 3 x 3 with stride 2; batch, height, width and channels all differ.
    x, pool_size, stride = rng.normal(size=(2, 9, 7, 4)), 3, 2
    max_out, max_cache = solution.max_pool_forward(x, pool_size, stride)
    avg_out, avg_cache = solution.avg_pool_forward(x, pool_size, stride)
    dout = rng.normal(size=max_out.shape)
    every_element = _route_to_windows(x.shape, pool_size, stride, dout, lambda i, j, r, c: dout[:, i, j, None, None, :])

    def winner_only(i, j, rows, columns):
        window = x[:, rows, columns, :]
        return (window == window.max(axis=(1, 2), keepdims=True)) * dout[:, i, j, None, None, :]

    yield ("pooling", {"x": x, "pool_size": np.int64(pool_size), "stride": np.int64(stride), "dout": dout},
           {"max_out": max_out, "max_dx": solution.max_pool_backward(dout, max_cache),
            "max_dx_every_element": every_element,
            "max_dx_assigned": _route_to_windows(x.shape, pool_size, stride, dout, winner_only, accumulate=False),
            "avg_out": avg_out, "avg_dx": solution.avg_pool_backward(dout, avg_cache)})

    # ReLU outputs: many exact zeros, so maxima tie; and a tie-free input for the numerical check.
    x = np.maximum(rng.normal(size=(3, 6, 4)) - 0.8, 0.0)
    x[0, :, 1] = 0.0
    x[1, [1, 4], 2] = 2.5
    dout = rng.normal(size=(3, 4))
    out, cache = solution.global_max_pool_forward(x)
    yield ("global_max_pool", {"x": x, "x_distinct": rng.normal(size=x.shape), "dout": dout},
           {"out": out, "dx": solution.global_max_pool_backward(dout, cache),
            "dx_all_ties": (x == x.max(axis=1, keepdims=True)) * dout[:, None, :]})

    # Words repeat: 10 positions over a vocabulary of 6.
    token_ids, embeddings = np.array([[2, 5, 2, 0, 2], [5, 1, 3, 5, 4]]), rng.normal(size=(6, 3))
    dout = rng.normal(size=(2, 5, 3))
    out, cache = solution.embedding_forward(token_ids, embeddings)
    buffered = np.zeros_like(embeddings)
    buffered[token_ids] += dout
    yield ("embedding", {"token_ids": token_ids, "embeddings": embeddings, "dout": dout},
           {"out": out, "dembeddings": solution.embedding_backward(dout, cache), "dembeddings_buffered": buffered})

    # A small TextCNN with unit-scale values, so that the gradient check is well conditioned.
    params = {"embeddings": rng.normal(size=(7, 3)), "conv_w": rng.normal(scale=0.7, size=(2, 3, 4)),
              "conv_b": rng.normal(scale=0.3, size=4), "dense_w": rng.normal(size=(4, 2)), "dense_b": rng.normal(size=2)}
    token_ids, labels = rng.integers(0, 7, size=(3, 6)), np.array([1, 0, 1])
    loss, grads = solution.textcnn_loss(params, token_ids, labels)
    yield ("textcnn_loss", {**params, "token_ids": token_ids, "labels": labels},
           {"logits": solution.textcnn_loss(params, token_ids), "loss": loss,
            **{"d_" + name: grad for name, grad in grads.items()}})
