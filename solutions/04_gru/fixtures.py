"""Reference cases for lesson 04's visible tests: inputs drawn from a fixed seed, outputs computed by
the solution's own functions when `python -m autograder build` runs (see autograder/fixtures.py).

Weights are drawn with scale 0.5 and inputs with scale 1, so that no gate saturates and every gradient
entry is large enough for centered differences to check it to 1e-7."""
import numpy as np

SEED = 408


def weights(rng, d, units, gates, bias_shape):
    return {"kernel": rng.normal(scale=0.5, size=(d, gates * units)),
            "recurrent_kernel": rng.normal(scale=0.5, size=(units, gates * units)),
            "bias": rng.normal(scale=0.5, size=bias_shape)}


def classic_bptt_bugs(solution, dh_all, cache, names):
    """What the two classic BPTT bugs give, named "<gradient>_without_later" and "<gradient>_first_step_only":
    each step's backward fed dh_all[:, t] alone, and the parameters' gradients of the first step only."""
    steps = [solution.rnn_step_backward(dh_all[:, t], cache[t]) for t in range(len(cache))]
    without_later = (np.stack([step[0] for step in steps], axis=1), steps[0][1], *(sum(step[k] for step in steps) for k in (2, 3, 4)))
    correct = solution.rnn_backward(dh_all, cache)
    dh_later = correct[1] * 0.0
    for t in reversed(range(len(cache))):
        first = solution.rnn_step_backward(dh_all[:, t] + dh_later, cache[t])
        dh_later = first[1]
    first_step_only = (*correct[:2], *first[2:])
    return {**{f"{name}_without_later": value for name, value in zip(names, without_later)},
            **{f"{name}_first_step_only": value for name, value in zip(names, first_step_only)}}


def cases(solution, rng):
    n, d, units = 3, 4, 5
    inputs = {"x": rng.normal(size=(n, d)), "h_prev": rng.normal(size=(n, units)), **weights(rng, d, units, 1, units)}
    dh = rng.normal(size=(n, units))
    h, cache = solution.rnn_step_forward(**inputs)
    grads = solution.rnn_step_backward(dh, cache)
    yield "rnn_step", {**inputs, "dh": dh}, {"h": h, **dict(zip(("dx", "dh_prev", "dkernel", "drecurrent_kernel", "dbias"), grads))}

    n, steps, d, units = 2, 5, 3, 4
    inputs = {"x": rng.normal(size=(n, steps, d)), "h0": rng.normal(size=(n, units)), **weights(rng, d, units, 1, units)}
    dh_all = rng.normal(size=(n, steps, units))
    h_all, cache = solution.rnn_forward(**inputs)
    names = ("dx", "dh0", "dkernel", "drecurrent_kernel", "dbias")
    grads = solution.rnn_backward(dh_all, cache)
    yield "rnn_sequence", {**inputs, "dh_all": dh_all}, {"h_all": h_all, **dict(zip(names, grads)),
                                                          **classic_bptt_bugs(solution, dh_all, cache, names)}

    for reset_after, name in ((True, "reset_after"), (False, "reset_before")):
        n, d, units = 2, 4, 3
        inputs = {"x": rng.normal(size=(n, d)), "h_prev": rng.normal(size=(n, units)),
                  **weights(rng, d, units, 3, (2, 3 * units) if reset_after else 3 * units)}
        dh = rng.normal(size=(n, units))
        h, cache = solution.gru_step_forward(**inputs, reset_after=reset_after)
        grads = solution.gru_step_backward(dh, cache)
        yield (f"gru_step_{name}", {**inputs, "reset_after": np.bool_(reset_after), "dh": dh},
               {"h": h, "z": cache["z"], "r": cache["r"], "h_cand": cache["h_cand"],
                **dict(zip(("dx", "dh_prev", "dkernel", "drecurrent_kernel", "dbias"), grads))})

    for reset_after, name in ((True, "reset_after"), (False, "reset_before")):
        n, steps, d, units = 3, 4, 2, 5
        inputs = {"x": rng.normal(size=(n, steps, d)), "h0": rng.normal(scale=0.5, size=(n, units)),
                  **weights(rng, d, units, 3, (2, 3 * units) if reset_after else 3 * units)}
        mask = np.array([[True, True, True, True], [False, False, True, True], [True, True, True, False]])
        dh_all = rng.normal(size=(n, steps, units))
        h_all, cache = solution.gru_forward(**inputs, reset_after=reset_after, mask=mask)
        unmasked, _ = solution.gru_forward(**inputs, reset_after=reset_after)
        grads = solution.gru_backward(dh_all, cache)
        yield (f"gru_sequence_{name}", {**inputs, "reset_after": np.bool_(reset_after), "mask": mask, "dh_all": dh_all},
               {"h_all": h_all, "h_all_unmasked": unmasked,
                **dict(zip(("dx", "dh0", "dkernel", "drecurrent_kernel", "dbias"), grads))})

    n, d, units = 2, 3, 4
    inputs = {"x": rng.normal(size=(n, d)), "h_prev": rng.normal(size=(n, units)), "c_prev": rng.normal(size=(n, units)),
              **weights(rng, d, units, 4, 4 * units)}
    h, c, cache = solution.lstm_step_forward(**inputs)
    yield ("lstm_step", {**inputs, "dh": rng.normal(size=(n, units)), "dc": rng.normal(size=(n, units))},
           {"h": h, "c": c, **{gate: cache[gate] for gate in ("i", "f", "g", "o")}})
