"""Plausible wrong implementations of lesson 12's exercises, each of which must lose points, and correct
rewrites, each of which must keep full marks (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("occlusion sign flipped", "occlusion",
           "attributions = chosen[0] - chosen[1:]", "attributions = chosen[1:] - chosen[0]"),
    Mutant("words occluded with [UNK] (1) instead of padding", "occlusion",
           "batch[np.arange(1, steps + 1), np.arange(steps)] = 0", "batch[np.arange(1, steps + 1), np.arange(steps)] = 1"),
    Mutant("gradient of the logit, not of the probability", "gradient_times_input",
           "return mask / count * (votes @ upstream)", "return mask / count * votes[:, target]"),
    Mutant("gradient not multiplied by the input", "gradient_times_input",
           "return mask / count * (votes @ upstream)", "return mask / count * np.sum(kernel @ upstream)"),
    Mutant("average over T positions, padding included", "gradient_times_input",
           "count = mask.sum()", "count = len(tokens)"),
    Mutant("integrated gradients without the (x - baseline) factor", "integrated_gradients",
           "return mask / mask.sum() * (votes @ mean_gradient)", "return mask / mask.sum() * np.sum(kernel @ mean_gradient)",
           demo=True),
    Mutant("left Riemann sum (alpha = 0, ..., (m-1)/m)", "integrated_gradients",
           "alphas = (np.arange(steps) + 0.5) / steps", "alphas = np.arange(steps) / steps"),
    Mutant("Riemann sum over np.linspace(0, 1, m), both ends with full weight", "integrated_gradients",
           "alphas = (np.arange(steps) + 0.5) / steps", "alphas = np.linspace(0, 1, steps)"),
    Mutant("integrated gradients with the gradient at the input only (alpha = 1)", "integrated_gradients",
           "alphas = (np.arange(steps) + 0.5) / steps", "alphas = np.ones(steps)"),
    Mutant("softmax derivative without the p_c factor", "integrated_gradients",
           "gradients = -path_probs[:, [target]] * path_probs\n    gradients[:, target] += path_probs[:, target]",
           "gradients = -path_probs.copy()\n    gradients[:, target] += 1.0"),
    Mutant("Keras path gradients summed over the steps, not averaged", "integrated_gradients_keras",
           "np.mean(gradients.numpy(), axis=0)", "np.sum(gradients.numpy(), axis=0)"),
    Mutant("LIME without the kernel weights", "lime_weights",
           "kernel = np.exp(-distances**2 / kernel_width**2)", "kernel = np.ones(len(masks))", demo=True),
    Mutant("LIME kernel on the distance, not its square", "lime_weights",
           "kernel = np.exp(-distances**2 / kernel_width**2)", "kernel = np.exp(-distances / kernel_width**2)"),
    Mutant("LIME distance as the share of words dropped", "lime_weights",
           "distances = 1.0 - np.sqrt(kept / masks.shape[1])", "distances = 1.0 - kept / masks.shape[1]"),
    Mutant("ridge penalising the intercept", "lime_weights",
           "    mean_mask = kernel @ masks / kernel.sum()\n    mean_prediction = kernel @ predictions / kernel.sum()\n"
           "    centred, centred_predictions = masks - mean_mask, predictions - mean_prediction\n"
           "    gram = centred.T @ (kernel[:, None] * centred) + ridge * np.eye(masks.shape[1])\n"
           "    weights = np.linalg.solve(gram, centred.T @ (kernel * centred_predictions))\n"
           "    return weights, float(mean_prediction - mean_mask @ weights)",
           "    design = np.hstack([np.ones((len(masks), 1)), masks])\n"
           "    gram = design.T @ (kernel[:, None] * design) + ridge * np.eye(design.shape[1])\n"
           "    beta = np.linalg.solve(gram, design.T @ (kernel * predictions))\n"
           "    return beta[1:], float(beta[0])"),
    Mutant("deletion removing the lowest-ranked words first", "deletion_curve",
           "batch[k, ranking[:k]] = 0", "batch[k, ranking[::-1][:k]] = 0"),
    Mutant("deletion removing one word per row, not the top k", "deletion_curve",
           "batch[k, ranking[:k]] = 0", "batch[k, ranking[k - 1]] = 0"),
    Mutant("deletion area divided by T, padding included", "deletion_curve",
           "return curve, float(np.mean(curve))", "return curve, float(np.sum(curve) / len(tokens))"),
]

ALTERNATIVES = [
    Mutant("integrated gradients by the trapezoid rule", "integrated_gradients",
           "    alphas = (np.arange(steps) + 0.5) / steps\n"
           "    path_probs = softmax(bias + alphas[:, None] * logit_change)  # (m, K)\n"
           "    gradients = -path_probs[:, [target]] * path_probs\n"
           "    gradients[:, target] += path_probs[:, target]  # d p_c / d z = p_c (onehot_c - p) at each alpha\n"
           "    mean_gradient = gradients.mean(axis=0)\n",
           "    alphas = np.linspace(0.0, 1.0, steps + 1)\n"
           "    path_probs = softmax(bias + alphas[:, None] * logit_change)\n"
           "    gradients = path_probs[:, [target]] * (np.eye(len(bias))[target] - path_probs)\n"
           "    mean_gradient = np.trapezoid(gradients, alphas, axis=0)\n"),
    Mutant("occlusion by a loop building the batch", "occlusion",
           "    batch = np.tile(tokens, (steps + 1, 1))\n    batch[np.arange(1, steps + 1), np.arange(steps)] = 0  # row t + 1 lacks word t\n",
           "    rows = [tokens]\n    for t in range(steps):\n        row = tokens.copy()\n        row[t] = 0\n        rows.append(row)\n"
           "    batch = np.array(rows)\n"),
    Mutant("gradient times input through the full gradient", "gradient_times_input",
           "    votes = embeddings[tokens] @ kernel  # (T, K): each word's vote s_t = W^T e_t\n"
           "    return mask / count * (votes @ upstream)",
           "    gradient = np.outer(mask / count, kernel @ upstream)  # (T, D): d p_c / d e_t\n"
           "    return np.sum(gradient * embeddings[tokens], axis=1)"),
    Mutant("LIME by lstsq on the square-root-weighted design", "lime_weights",
           "    mean_mask = kernel @ masks / kernel.sum()\n    mean_prediction = kernel @ predictions / kernel.sum()\n"
           "    centred, centred_predictions = masks - mean_mask, predictions - mean_prediction\n"
           "    gram = centred.T @ (kernel[:, None] * centred) + ridge * np.eye(masks.shape[1])\n"
           "    weights = np.linalg.solve(gram, centred.T @ (kernel * centred_predictions))\n"
           "    return weights, float(mean_prediction - mean_mask @ weights)",
           "    root = np.sqrt(kernel)[:, None]\n"
           "    design = np.vstack([np.hstack([root, root * masks]),\n"
           "                        np.hstack([np.zeros((masks.shape[1], 1)), np.sqrt(ridge) * np.eye(masks.shape[1])])])\n"
           "    target = np.concatenate([root[:, 0] * predictions, np.zeros(masks.shape[1])])\n"
           "    beta = np.linalg.lstsq(design, target, rcond=None)[0]\n"
           "    return beta[1:], float(beta[0])"),
    Mutant("deletion rows by np.isin", "deletion_curve",
           "    batch = np.tile(tokens, (words, 1))\n    for k in range(1, words):\n        batch[k, ranking[:k]] = 0\n",
           "    batch = np.array([np.where(np.isin(np.arange(len(tokens)), ranking[:k]), 0, tokens) for k in range(words)])\n"),
]
