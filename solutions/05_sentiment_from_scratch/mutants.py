"""Plausible wrong implementations of lesson 05's exercises, each of which must lose points, and correct
rewrites, each of which must keep full marks (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("padding not masked in the model", "model_forward",
           "reset_after=True, mask=tokens != 0)", "reset_after=True, mask=None)"),
    Mutant("dense layer reading the first state instead of the last", "model_forward",
           "dense_forward(h_all[:, -1],", "dense_forward(h_all[:, 0],", demo=True),
    Mutant("dense layer reading the mean of the states", "model_forward",
           "dense_forward(h_all[:, -1],", "dense_forward(h_all.mean(axis=1),"),
    Mutant("mask of the unknown word instead of the padding", "model_forward",
           "mask=tokens != 0)", "mask=tokens != 1)"),
    Mutant("GRU run with reset_after=False and the two bias rows added", "model_forward",
           'params["bias"],\n                                   reset_after=True,',
           'params["bias"][0] + params["bias"][1],\n                                   reset_after=False,'),
    Mutant("last state's gradient sent to every time step", "model_backward",
           "dh_all[:, -1] = dh_last", "dh_all[:] = dh_last[:, None]"),
    Mutant("last state's gradient placed at the first step", "model_backward",
           "dh_all[:, -1] = dh_last", "dh_all[:, 0] = dh_last"),
    Mutant("kernel and recurrent kernel gradients swapped", "model_backward",
           "dx, _, dkernel, drecurrent_kernel, dbias = gru_backward", "dx, _, drecurrent_kernel, dkernel, dbias = gru_backward"),
    Mutant("Adam without bias correction", "adam_step",
           "m_hat = m / (1.0 - beta1 ** t)\n        v_hat = v / (1.0 - beta2 ** t)", "m_hat, v_hat = m, v", demo=True),
    Mutant("Adam with epsilon inside the square root", "adam_step",
           "np.sqrt(v_hat) + epsilon", "np.sqrt(v_hat + epsilon)"),
    Mutant("Adam's second moment from the gradient, not its square", "adam_step",
           "(1.0 - beta2) * grad ** 2", "(1.0 - beta2) * grad"),
    Mutant("Adam's step count advanced once per parameter", "adam_step",
           '    state["t"] += 1\n    t = state["t"]\n    for name, grad in grads.items():\n',
           '    for name, grad in grads.items():\n        state["t"] += 1\n        t = state["t"]\n'),
    Mutant("Adam's parameters replaced instead of updated in place", "adam_step",
           "params[name] -= learning_rate", "params[name] = params[name] - learning_rate"),
    Mutant("Adam's averages not stored back in the state", "adam_step",
           'm = state["m"][name] = beta1', 'm = beta1'),
    Mutant("accuracy drops the last, smaller batch", "accuracy",
           "for start in range(0, len(labels), batch_size):", "for start in range(0, len(labels) - batch_size + 1, batch_size):"),
    Mutant("accuracy as the mean of the batches' accuracies", "accuracy",
           "correct += int(np.sum(np.argmax(logits, axis=1) == labels[start:start + batch_size]))\n    return correct / len(labels)",
           "correct += float(np.mean(np.argmax(logits, axis=1) == labels[start:start + batch_size]))\n"
           "    return correct / len(range(0, len(labels), batch_size))"),
    Mutant("Adam state restarted at every epoch", "train_model",
           "        order = rng.permutation(len(labels))\n",
           "        order = rng.permutation(len(labels))\n        state = adam_state(params)\n"),
    Mutant("labels shuffled apart from the reviews", "train_model",
           "softmax_cross_entropy(logits, labels[batch])", "softmax_cross_entropy(logits, labels[start:start + batch_size])"),
    Mutant("the same order of the reviews in every epoch", "train_model",
           "        order = rng.permutation(len(labels))\n",
           "        order = np.random.default_rng(seed).permutation(len(labels))\n"),
    Mutant("reviews never shuffled", "train_model",
           "        order = rng.permutation(len(labels))\n", "        order = np.arange(len(labels))\n"),
    Mutant("the last, smaller batch skipped", "train_model",
           "for start in range(0, len(labels), batch_size):", "for start in range(0, len(labels) - batch_size + 1, batch_size):"),
    Mutant("gradients not clipped before the Adam step", "train_model",
           "                grads = dict(zip(grads, clipped))\n", ""),
    Mutant("each gradient clipped on its own", "train_model",
           "clipped, _ = clip_by_global_norm(list(grads.values()), clip_norm)",
           "clipped = [clip_by_global_norm([grad], clip_norm)[0][0] for grad in grads.values()]"),
    Mutant("the epoch's last batch loss recorded instead of the mean", "train_model",
           'history["train_loss"].append(float(np.mean(batch_losses)))', 'history["train_loss"].append(float(batch_losses[-1]))'),
    Mutant("validation accuracy measured on the training reviews", "train_model",
           "accuracy(params, tokens_val, labels_val)", "accuracy(params, tokens, labels)"),
    Mutant("Keras embedding without mask_zero", "keras_model",
           "embedding_dim, mask_zero=True, dtype=dtype)", "embedding_dim, dtype=dtype)"),
    Mutant("Keras dense layer with a softmax on the logits", "keras_model",
           "keras.layers.Dense(params[\"dense_bias\"].shape[0], dtype=dtype)",
           "keras.layers.Dense(params[\"dense_bias\"].shape[0], activation=\"softmax\", dtype=dtype)"),
    Mutant("Keras GRU with reset_after=False", "keras_model",
           "reset_after=True, dtype=dtype)", "reset_after=False, dtype=dtype)"),
]

ALTERNATIVES = [
    Mutant("mask written tokens > 0", "model_forward", "mask=tokens != 0)", "mask=tokens > 0)"),
    Mutant("last state taken with an explicit index", "model_forward",
           "dense_forward(h_all[:, -1],", "dense_forward(h_all[:, h_all.shape[1] - 1, :],"),
    Mutant("dh_all built by concatenation", "model_backward",
           "    dh_all = np.zeros(states_shape, dtype=dh_last.dtype)\n    dh_all[:, -1] = dh_last  # the dense layer read the last state only\n",
           "    earlier = np.zeros((states_shape[0], states_shape[1] - 1, states_shape[2]))\n"
           "    dh_all = np.concatenate([earlier, dh_last[:, None, :]], axis=1)\n"),
    Mutant("Adam's averages updated in place", "adam_step",
           '        m = state["m"][name] = beta1 * state["m"][name] + (1.0 - beta1) * grad\n'
           '        v = state["v"][name] = beta2 * state["v"][name] + (1.0 - beta2) * grad ** 2\n',
           '        m, v = state["m"][name], state["v"][name]\n'
           '        m *= beta1\n        m += (1.0 - beta1) * grad\n'
           '        v *= beta2\n        v += (1.0 - beta2) * np.square(grad)\n'),
    Mutant("Adam's bias correction folded into the step size", "adam_step",
           "        m_hat = m / (1.0 - beta1 ** t)\n        v_hat = v / (1.0 - beta2 ** t)\n"
           "        params[name] -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)",
           "        correction = np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)\n"
           "        params[name] -= learning_rate * correction * m / (np.sqrt(v) + epsilon * np.sqrt(1.0 - beta2 ** t))"),
    Mutant("accuracy from a list of predictions", "accuracy",
           "    correct = 0\n    for start in range(0, len(labels), batch_size):\n"
           "        logits, _ = model_forward(params, tokens[start:start + batch_size])\n"
           "        correct += int(np.sum(np.argmax(logits, axis=1) == labels[start:start + batch_size]))\n"
           "    return correct / len(labels)",
           "    predictions = [np.argmax(model_forward(params, tokens[start:start + batch_size])[0], axis=-1)\n"
           "                   for start in range(0, len(labels), batch_size)]\n"
           "    return float(np.mean(np.concatenate(predictions) == labels))"),
    Mutant("epoch order by shuffling an index array", "train_model",
           "        order = rng.permutation(len(labels))\n",
           "        order = np.arange(len(labels))\n        rng.shuffle(order)\n"),
    Mutant("clipping skipped when clip_norm is falsy", "train_model",
           "            if clip_norm is not None:", "            if clip_norm:"),
    Mutant("epoch loss as the sum over the count of batches", "train_model",
           'history["train_loss"].append(float(np.mean(batch_losses)))',
           'history["train_loss"].append(sum(batch_losses) / len(batch_losses))'),
    Mutant("Keras model with the functional API", "keras_model",
           "    model = keras.Sequential([\n        keras.Input(shape=(None,), dtype=\"int32\"),\n"
           "        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, dtype=dtype),\n"
           "        keras.layers.GRU(params[\"recurrent_kernel\"].shape[0], reset_after=True, dtype=dtype),\n"
           "        keras.layers.Dense(params[\"dense_bias\"].shape[0], dtype=dtype),\n    ])\n",
           "    tokens = keras.Input(shape=(None,), dtype=\"int32\")\n"
           "    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, dtype=dtype)(tokens)\n"
           "    x = keras.layers.GRU(params[\"recurrent_kernel\"].shape[0], dtype=dtype)(x)\n"
           "    model = keras.Model(tokens, keras.layers.Dense(params[\"dense_bias\"].shape[0], dtype=dtype)(x))\n"),
]
