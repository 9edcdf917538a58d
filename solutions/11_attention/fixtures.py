"""Reference cases for lesson 11's visible tests: inputs drawn from a fixed seed, with sizes that never
coincide (batch, queries, keys, features, heads, head size), and a padding mask that hides keys of the
second sequence; outputs computed by the solution's own functions when `python -m autograder build`
runs (see autograder/fixtures.py), and what some plausible bugs give, so that a message can name them."""
import numpy as np

SEED = 1111

def masked_softmax(scores, mask, axis=-1):
    """Softmax of scores (N, Tq, Tk) along `axis` with the keys of `mask` (N, Tk) set to -1e9 first, and
    the masked weights set to 0 after."""
    scores = np.where(mask[:, None, :], scores, -1e9)
    exps = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True) * mask[:, None, :]


def attention_cases(solution, rng):
    n, tq, tk, d, dv = 2, 3, 5, 16, 6  # sqrt(d) = 4, another size again
    q, k, v = rng.normal(size=(n, tq, d)), rng.normal(size=(n, tk, d)), rng.normal(size=(n, tk, dv))
    mask = np.array([[True] * tk, [True, True, True, False, False]])
    dout = rng.normal(size=(n, tq, dv))
    out, cache = solution.attention_forward(q, k, v, mask)
    dq, dk, dv_grad = solution.attention_backward(dout, cache)
    weights = cache["weights"]
    scores = q @ np.swapaxes(k, 1, 2) / np.sqrt(d)
    unmasked_out, unmasked = solution.attention_forward(q, k, v, None)
    dweights = dout @ np.swapaxes(v, 1, 2)
    dscores_without_coupling = weights * dweights
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return {"q": q, "k": k, "v": v, "mask": mask, "dout": dout}, {
        "out": out, "weights": weights, "dq": dq, "dk": dk, "dv": dv_grad,
        "weights_scaled_by_d": solution.attention_forward(q / np.sqrt(d), k, v, mask)[1]["weights"],
        "weights_unscaled": solution.attention_forward(q * np.sqrt(d), k, v, mask)[1]["weights"],
        "weights_masked_after": exps / exps.sum(axis=-1, keepdims=True) * mask[:, None, :],
        "weights_query_axis": masked_softmax(scores, mask, axis=1),
        "weights_unmasked": unmasked["weights"], "out_unmasked": unmasked_out,
        "dq_without_coupling": dscores_without_coupling @ k / np.sqrt(d),
        "dk_without_coupling": np.swapaxes(dscores_without_coupling, 1, 2) @ q / np.sqrt(d)}


def mha_cases(solution, rng):
    # The smallest sizes that stay distinct go to the weights: the gradient check nudges every entry.
    n, tq, tk, features, heads, head_size = 2, 6, 7, 3, 4, 5
    query, value = rng.normal(size=(n, tq, features)), rng.normal(size=(n, tk, features))
    params = solution.random_mha_params(rng, features, heads, head_size)
    mask = np.array([[True] * tk, [True] * (tk - 2) + [False] * 2])
    dout = rng.normal(size=(n, tq, features))
    out, cache = solution.mha_forward(query, value, params, mask)
    dquery, dvalue, dparams = solution.mha_backward(dout, cache)
    # The heads split by a bare reshape, (N, T, H, dh) -> (N*H, T, dh), without the transpose.
    projected = {name: np.einsum("ntf,fhd->nthd", source, params[f"{name}_kernel"]) + params[f"{name}_bias"]
                 for name, source in (("query", query), ("key", value), ("value", value))}
    _, reshaped = solution.attention_forward(*(projected[name].reshape(n * heads, -1, head_size) for name in ("query", "key", "value")),
                                             np.repeat(mask, heads, axis=0))
    # The two paths into dvalue, apart.
    dheads = np.einsum("ntf,hdf->nthd", dout, params["output_kernel"])
    _, dk, dv = (solution.merge_heads(grad, heads) for grad in
                 solution.attention_backward(solution.split_heads(dheads), cache["attention"]))
    return {"query": query, "value": value, **params, "mask": mask, "dout": dout}, {
        "out": out, "weights": cache["weights"], "dquery": dquery, "dvalue": dvalue,
        **{f"d{name}": dparams[name] for name in solution.MHA_WEIGHTS},
        "weights_heads_reshaped": reshaped["weights"].reshape(n, heads, tq, tk),
        "out_unmasked": solution.mha_forward(query, value, params, None)[0],
        "dvalue_keys_only": np.einsum("nthd,fhd->ntf", dk, params["key_kernel"]),
        "dvalue_values_only": np.einsum("nthd,fhd->ntf", dv, params["value_kernel"])}


def cases(solution, rng):
    yield "attention", *attention_cases(solution, rng)
    yield "mha", *mha_cases(solution, rng)

    x = rng.normal(loc=1.0, scale=2.0, size=(2, 3, 5))
    gamma, beta = 1.0 + 0.3 * rng.normal(size=5), rng.normal(size=5)
    dout = rng.normal(size=x.shape)
    out, cache = solution.layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = solution.layernorm_backward(dout, cache)
    yield "layernorm", {"x": x, "gamma": gamma, "beta": beta, "dout": dout}, {
        "out": out, "x_hat": cache["x_hat"], "inv_std": cache["inv_std"], "dx": dx, "dgamma": dgamma, "dbeta": dbeta}
