"""Plausible wrong implementations of lesson 08's exercises; each must lose points (see autograder/mutants.py)."""
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
]
