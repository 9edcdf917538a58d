"""Plausible wrong implementations of lesson 08's exercises, each of which must lose points, and correct
rewrites, each of which must keep full marks (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("LSTM returning one state like a GRU", "recurrent_output_shapes",
           'states_per_direction = 2 if kind == "LSTM" else 1', "states_per_direction = 1"),
    Mutant("bidirectional output not doubled (concatenation ignored)", "recurrent_output_shapes",
           "width = 2 * units if bidirectional else units", "width = units"),
    Mutant("LSTM parameter count without the bias", "recurrent_parameters",
           "count = 4 * (units * (units + input_dim) + units)", "count = 4 * (units * (units + input_dim))"),
    Mutant("LSTM parameter count with three gates", "recurrent_parameters",
           "count = 4 * (units * (units + input_dim) + units)", "count = 3 * (units * (units + input_dim) + units)"),
    Mutant("GRU parameter count without reset_after's second bias row", "recurrent_parameters",
           "count = 3 * (units * (units + input_dim) + units) + 3 * units", "count = 3 * (units * (units + input_dim) + units)"),
    Mutant("embedding without mask_zero", "build_model",
           "embedding_dim, mask_zero=True)", "embedding_dim)", demo=True),
    Mutant("return_sequences=True before the Dense layer", "build_model",
           "recurrent = getattr(keras.layers, kind)(units)", "recurrent = getattr(keras.layers, kind)(units, return_sequences=True)"),
    Mutant("sigmoid output with categorical cross-entropy", "build_model",
           'loss="binary_crossentropy"', 'loss="categorical_crossentropy"'),
    Mutant("padding not masked in the NumPy forward", "numpy_forward",
           "reset_after=True, mask=mask)", "reset_after=True, mask=None)"),
    Mutant("GRU gate order taken as r, z, h", "numpy_forward",
           "    x = embeddings[tokens]\n",
           "    x = embeddings[tokens]\n    order = lambda w: np.concatenate([w[..., w.shape[-1] // 3:2 * w.shape[-1] // 3], "
           "w[..., :w.shape[-1] // 3], w[..., 2 * w.shape[-1] // 3:]], axis=-1)\n"
           "    kernel, recurrent_kernel, bias = order(kernel), order(recurrent_kernel), order(bias)\n"),
    Mutant("GRU run with reset_after=False and the two bias rows added", "numpy_forward",
           "bias, reset_after=True, mask=mask)", "bias[0] + bias[1], reset_after=False, mask=mask)"),
    Mutant("1 - z and z swapped: the share kept taken as 1 - z", "numpy_forward",
           "kept = np.where(mask[:, :, None], z, 1.0)", "kept = np.where(mask[:, :, None], 1.0 - z, 1.0)", demo=True),
    Mutant("bidirectional layer returning the forward direction's states only", "recurrent_output_shapes",
           "directions = 2 if bidirectional else 1", "directions = 1"),
    Mutant("bidirectional states as wide as the concatenated output", "recurrent_output_shapes",
           "return [output] + [(batch, units)] * (states_per_direction * directions)",
           "return [output] + [(batch, width)] * (states_per_direction * directions)"),
    Mutant("bidirectional sequences not doubled", "recurrent_output_shapes",
           "output = (batch, steps, width) if return_sequences else (batch, width)",
           "output = (batch, steps, units) if return_sequences else (batch, width)"),
    Mutant("bidirectional parameter count not doubled", "recurrent_parameters",
           "return 2 * count if bidirectional else count", "return count"),
    Mutant("bidirectional outputs summed instead of concatenated", "build_model",
           "keras.layers.Bidirectional(keras.layers.LSTM(units))", 'keras.layers.Bidirectional(keras.layers.LSTM(units), merge_mode="sum")'),
    Mutant("build_model's learning rate ignored", "build_model",
           "optimizer=keras.optimizers.Adam(learning_rate)", 'optimizer="adam"'),
    Mutant("two softmax outputs instead of one sigmoid", "build_model",
           'keras.layers.Dense(1, activation="sigmoid"),', 'keras.layers.Dense(2, activation="softmax"),'),
    Mutant("kept holds z at padded steps too", "numpy_forward",
           "kept = np.where(mask[:, :, None], z, 1.0)", "kept = z"),
    Mutant("state started in float64", "numpy_forward",
           "h0 = np.zeros((tokens.shape[0], recurrent_kernel.shape[0]), dtype=x.dtype)",
           "h0 = np.zeros((tokens.shape[0], recurrent_kernel.shape[0]))"),
    Mutant("dense layer reading the first state", "numpy_forward",
           "logits = h_all[:, -1] @ dense_kernel", "logits = h_all[:, 0] @ dense_kernel"),
]

ALTERNATIVES = [
    Mutant("mask written tokens > 0", "numpy_forward",
           "    mask = tokens != 0\n", "    mask = tokens > 0\n"),
    Mutant("sigmoid written out in the weights' dtype", "numpy_forward",
           "    return sigmoid(logits)[:, 0], kept",
           "    return (1 / (1 + np.exp(-logits[:, 0]))).astype(dense_bias.dtype), kept.astype(dense_bias.dtype)"),
    Mutant("bidirectional model with the functional API", "build_model",
           "    model = keras.Sequential([\n        keras.Input(shape=(None,), dtype=\"int32\"),\n"
           "        keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True),\n"
           "        recurrent,\n        keras.layers.Dense(1, activation=\"sigmoid\"),\n    ])\n",
           "    tokens = keras.Input(shape=(None,), dtype=\"int32\")\n"
           "    states = recurrent(keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(tokens))\n"
           "    model = keras.Model(tokens, keras.layers.Dense(1, activation=\"sigmoid\")(states))\n"),
    Mutant("parameter count from the weight shapes", "recurrent_parameters",
           "    if kind == \"LSTM\":\n        count = 4 * (units * (units + input_dim) + units)\n"
           "    else:\n        count = 3 * (units * (units + input_dim) + units) + 3 * units\n",
           "    gates = 4 if kind == \"LSTM\" else 3\n    bias_rows = 1 if kind == \"LSTM\" else 2\n"
           "    count = input_dim * gates * units + units * gates * units + bias_rows * gates * units\n"),
]
