"""Plausible wrong implementations of lesson 02's exercises; each must lose points (see autograder/mutants.py)."""
from autograder.mutants import Mutant

MUTANTS = [
    Mutant("output size without the + 1", "conv_output_size",
           "return (size + 2 * pad - kernel_size) // stride + 1", "return (size + 2 * pad - kernel_size) // stride"),
    Mutant("output size with the padding counted once", "conv_output_size",
           "return (size + 2 * pad - kernel_size) // stride + 1", "return (size + pad - kernel_size) // stride + 1"),
    Mutant("kernel flipped: a true convolution instead of the cross-correlation", "conv2d_forward_naive",
           "np.sum(window * w[:, :, :, k])", "np.sum(window * w[::-1, ::-1, :, k])", demo=True),
    Mutant("stride ignored where the window starts", "conv2d_forward_naive",
           "x_padded[n, stride * i:stride * i + kh, stride * j:stride * j + kw, :]", "x_padded[n, i:i + kh, j:j + kw, :]"),
    Mutant("padding off by one", "conv2d_forward_naive",
           "np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))",
           "np.pad(x, ((0, 0), (pad + 1, pad + 1), (pad + 1, pad + 1), (0, 0)))"),
    Mutant("bias not added", "conv2d_forward_naive",
           "np.sum(window * w[:, :, :, k]) + b[k]", "np.sum(window * w[:, :, :, k])"),
    Mutant("stride ignored in the backward pass", "conv2d_backward_naive",
           "rows = slice(stride * i, stride * i + kh)\n                columns = slice(stride * j, stride * j + kw)",
           "rows = slice(i, i + kh)\n                columns = slice(j, j + kw)", demo=True),
    Mutant("bias gradient not summed over positions", "conv2d_backward_naive",
           "db = np.sum(dout, axis=(0, 1, 2))", "db = np.sum(dout, axis=0)"),
    Mutant("padding cut off with [pad:-pad], empty for pad = 0", "conv2d_backward_naive",
           "dx_padded[:, pad:pad + x.shape[1], pad:pad + x.shape[2], :]", "dx_padded[:, pad:-pad, pad:-pad, :]"),
    Mutant("input gradient with the flipped kernel", "conv2d_backward_naive",
           "dx_padded[n, rows, columns, :] += dout[n, i, j, k] * w[:, :, :, k]",
           "dx_padded[n, rows, columns, :] += dout[n, i, j, k] * w[::-1, ::-1, :, k]"),
    Mutant("weight gradient assigned, not accumulated over positions", "conv2d_backward_naive",
           "dw[:, :, :, k] += dout[n, i, j, k]", "dw[:, :, :, k] = dout[n, i, j, k]"),
    Mutant("im2col flattens windows in (c, p, q) order", "im2col",
           "windows.transpose(0, 1, 2, 4, 5, 3).reshape(", "windows.reshape("),
    Mutant("im2col ignores the stride", "im2col",
           "axis=(1, 2))[:, ::stride, ::stride]", "axis=(1, 2))"),
    Mutant("col2im assigns overlapping windows instead of adding", "col2im",
           "q:q + stride * out_w:stride, :] += windows", "q:q + stride * out_w:stride, :] = windows"),
    Mutant("kernel flattened in (c, p, q) order", "conv2d_forward",
           "out = cols @ w.reshape(kh * kw * c_in, n_filters)",
           "out = cols @ w.transpose(2, 0, 1, 3).reshape(kh * kw * c_in, n_filters)"),
    Mutant("vectorized bias gradient averaged over positions", "conv2d_backward",
           "db = dout_rows.sum(axis=0)", "db = dout_rows.mean(axis=0)"),
    Mutant("vectorized padding cut off with [pad:-pad]", "conv2d_backward",
           "dx_padded[:, pad:padded_h - pad, pad:padded_w - pad, :]", "dx_padded[:, pad:-pad, pad:-pad, :]"),
    Mutant("conv1d pads the batch axis instead of time", "conv1d_forward",
           "np.pad(x, ((0, 0), (pad, pad), (0, 0)))", "np.pad(x, ((pad, pad), (0, 0), (0, 0)))"),
    Mutant("conv1d backward keeps the padding in dx", "conv1d_backward",
           "dx_padded[:, 0, pad:pad + steps]", "dx_padded[:, 0, :steps]"),
]

# Correct in another way: each must keep full marks.
ALTERNATIVES = [
    Mutant("naive forward: every filter of a window in one tensordot", "conv2d_forward_naive",
           "for k in range(n_filters):\n                    out[n, i, j, k] = np.sum(window * w[:, :, :, k]) + b[k]",
           "out[n, i, j, :] = np.tensordot(window, w, axes=3) + b"),
    Mutant("naive backward: the filter loop replaced by broadcasting", "conv2d_backward_naive",
           "for k in range(n_filters):\n"
           "                    dw[:, :, :, k] += dout[n, i, j, k] * x_padded[n, rows, columns, :]\n"
           "                    dx_padded[n, rows, columns, :] += dout[n, i, j, k] * w[:, :, :, k]",
           "dw += x_padded[n, rows, columns, :, np.newaxis] * dout[n, i, j]\n"
           "                dx_padded[n, rows, columns, :] += w @ dout[n, i, j]"),
    Mutant("im2col as a loop over output positions, one row block each", "im2col",
           "windows = np.lib.stride_tricks.sliding_window_view(x_padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]",
           "n_images, height, width, channels = x_padded.shape\n"
           "    positions = [(i, j) for i in range(conv_output_size(height, kh, stride))\n"
           "                 for j in range(conv_output_size(width, kw, stride))]\n"
           "    rows = np.stack([x_padded[:, stride * i:stride * i + kh, stride * j:stride * j + kw, :].reshape(n_images, -1)\n"
           "                     for i, j in positions], axis=1)\n"
           "    return rows.reshape(n_images * len(positions), kh * kw * channels)\n"
           "    windows = np.lib.stride_tricks.sliding_window_view(x_padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]"),
    Mutant("vectorized backward: weight and bias gradients as einsum", "conv2d_backward",
           "db = dout_rows.sum(axis=0)\n    dw = (cols.T @ dout_rows).reshape(w.shape)",
           "db = np.einsum('nijf->f', dout)\n    dw = np.einsum('rk,rf->kf', cols, dout_rows).reshape(w.shape)"),
]
