"""Plausible wrong implementations of lesson 03's exercises; each must lose points (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("max pooling assumes the stride equals the window (no overlap)", "max_pool_forward",
           "pooling_windows(height, width, pool_size, stride)", "pooling_windows(height, width, pool_size, pool_size)"),
    Mutant("max-pool gradient sent to every element of the window", "max_pool_backward",
           "np.put_along_axis(dwindow, first_max[:, np.newaxis, :], dout[:, i, j, np.newaxis, :], axis=1)",
           "dwindow[:] = dout[:, i, j, np.newaxis, :]", demo=True),
    Mutant("max-pool gradient sent to all tied maxima", "max_pool_backward",
           "np.put_along_axis(dwindow, first_max[:, np.newaxis, :], dout[:, i, j, np.newaxis, :], axis=1)",
           "dwindow = (window == window.max(axis=1, keepdims=True)) * dout[:, i, j, np.newaxis, :]"),
    Mutant("max-pool gradient of overlapping windows overwritten", "max_pool_backward",
           "dx[:, rows, columns, :] += dwindow", "dx[:, rows, columns, :] = dwindow"),
    Mutant("average pooling sums the window", "avg_pool_forward",
           "np.mean(x[:, rows, columns, :], axis=(1, 2))", "np.sum(x[:, rows, columns, :], axis=(1, 2))"),
    Mutant("average-pool gradient not divided by the window size", "avg_pool_backward",
           "dout[:, i, j, np.newaxis, np.newaxis, :] / pool_size ** 2", "dout[:, i, j, np.newaxis, np.newaxis, :]", demo=True),
    Mutant("average-pool gradient of overlapping windows overwritten", "avg_pool_backward",
           "dx[:, rows, columns, :] += dout", "dx[:, rows, columns, :] = dout"),
    Mutant("global max pooling over the features instead of time", "global_max_pool_forward",
           "return np.max(x, axis=1), x", "return np.max(x, axis=2), x"),
    Mutant("global max-pool gradient sent to every time step", "global_max_pool_backward",
           "np.put_along_axis(dx, first_max[:, np.newaxis, :], dout[:, np.newaxis, :], axis=1)",
           "dx += dout[:, np.newaxis, :]"),
    Mutant("global max-pool gradient sent to all tied maxima", "global_max_pool_backward",
           "np.put_along_axis(dx, first_max[:, np.newaxis, :], dout[:, np.newaxis, :], axis=1)",
           "dx += (x == x.max(axis=1, keepdims=True)) * dout[:, np.newaxis, :]"),
    Mutant("embedding gradient overwritten for repeated words (buffered +=)", "embedding_backward",
           "np.add.at(dembeddings, token_ids, dout)", "dembeddings[token_ids] += dout"),
    Mutant("ReLU's gradient forgotten", "textcnn_loss",
           "dconv = dfeatures * (conv > 0)", "dconv = dfeatures"),
    Mutant("dense bias gradient averaged again", "textcnn_loss",
           '"dense_b": np.sum(dlogits, axis=0)', '"dense_b": np.mean(dlogits, axis=0)'),
    Mutant("gradient ascent: step along the gradient", "train_textcnn",
           "params[name] -= learning_rate * grads[name]", "params[name] += learning_rate * grads[name]"),
    Mutant("labels shuffled apart from the reviews", "train_textcnn",
           "labels[batch])", "labels[start:start + batch_size])"),
    Mutant("the last, smaller batch dropped", "train_textcnn",
           "for start in range(0, len(labels), batch_size):", "for start in range(0, len(labels) - batch_size + 1, batch_size):"),
]

# Correct in another way: each must keep full marks.
ALTERNATIVES = [
    Mutant("max pool backward: a mask of the first maximum instead of argmax", "max_pool_backward",
           "first_max = np.argmax(window, axis=1)  # (N, C); on ties, the first maximum\n"
           "        dwindow = np.zeros_like(window)\n"
           "        np.put_along_axis(dwindow, first_max[:, np.newaxis, :], dout[:, i, j, np.newaxis, :], axis=1)",
           "is_max = window == np.max(window, axis=1, keepdims=True)\n"
           "        first_max = is_max & (np.cumsum(is_max, axis=1) == 1)\n"
           "        dwindow = np.where(first_max, dout[:, i, j, np.newaxis, :], 0).astype(window.dtype)"),
    Mutant("global max pool backward: a one-hot of the first maximum's step", "global_max_pool_backward",
           "dx = np.zeros_like(x)\n    np.put_along_axis(dx, first_max[:, np.newaxis, :], dout[:, np.newaxis, :], axis=1)",
           "steps = np.arange(x.shape[1])[np.newaxis, :, np.newaxis]\n"
           "    dx = np.where(steps == first_max[:, np.newaxis, :], dout[:, np.newaxis, :], 0).astype(x.dtype)"),
    Mutant("embedding backward: one weighted bincount per dimension", "embedding_backward",
           "np.add.at(dembeddings, token_ids, dout)  # unbuffered: a repeated word adds every occurrence",
           "ids = token_ids.reshape(-1)\n"
           "    for d in range(embeddings_shape[1]):\n"
           "        dembeddings[:, d] = np.bincount(ids, weights=dout[..., d].reshape(-1), minlength=embeddings_shape[0])"),
    Mutant("training step builds new arrays instead of updating in place", "train_textcnn",
           "for name in params:\n                params[name] -= learning_rate * grads[name]",
           "params = {name: value - learning_rate * grads[name] for name, value in params.items()}"),
]
