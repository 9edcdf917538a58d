"""Reference cases for lesson 02's visible tests: inputs drawn from a fixed seed, outputs computed by the
solution's own functions when `python -m autograder build` runs (see autograder/fixtures.py). Some
outputs are what a known bug gives, so that a test can name the bug."""
import numpy as np

SEED = 202


def cases(solution, rng):
    # One convolution case for the 2D layers, naive and vectorized: stride 2, padding 1. Batch, height,
    # width, channels, kernel height and width and filters all differ, so a slip between axes raises.
    x, w, b = rng.normal(size=(2, 8, 7, 3)), rng.normal(size=(4, 5, 3, 6)), rng.normal(size=6)
    stride, pad = 2, 1
    out, cache = solution.conv2d_forward_naive(x, w, b, stride, pad)
    dout = rng.normal(size=out.shape)
    dx, dw, db = solution.conv2d_backward_naive(dout, cache)
    flipped = w[::-1, ::-1]
    cols = solution.im2col(np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))), w.shape[0], w.shape[1], stride)
    kernel_channels_first = w.transpose(2, 0, 1, 3).reshape(-1, w.shape[3])
    yield ("conv2d_forward", {"x": x, "w": w, "b": b, "stride": np.int64(stride), "pad": np.int64(pad), "dout": dout},
           {"out": out, "dx": dx, "dw": dw, "db": db,
            "out_flipped_kernel": solution.conv2d_forward_naive(x, flipped, b, stride, pad)[0],
            "dx_flipped_kernel": solution.conv2d_backward_naive(dout, (x, flipped, b, stride, pad))[0],
            "out_kernel_channels_first": (cols @ kernel_channels_first + b).reshape(out.shape)})

    x_padded, kh, kw, stride = rng.normal(size=(3, 5, 7, 2)), 4, 6, 1
    windows = np.lib.stride_tricks.sliding_window_view(x_padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    yield ("im2col", {"x_padded": x_padded, "kh": np.int64(kh), "kw": np.int64(kw), "stride": np.int64(stride)},
           {"cols": solution.im2col(x_padded, kh, kw, stride),
            "cols_channels_first": windows.reshape(-1, kh * kw * x_padded.shape[3])})

    # Overlapping windows: 5 x 4 with stride 2.
    shape, kh, kw, stride = (2, 9, 8, 3), 5, 4, 2
    out_h, out_w = (shape[1] - kh) // stride + 1, (shape[2] - kw) // stride + 1
    cols = rng.normal(size=(shape[0] * out_h * out_w, kh * kw * shape[3]))
    assigned = np.zeros(shape)
    windows = cols.reshape(shape[0], out_h, out_w, kh, kw, shape[3])
    for p in range(kh):
        for q in range(kw):
            assigned[:, p:p + stride * out_h:stride, q:q + stride * out_w:stride, :] = windows[:, :, :, p, q, :]
    yield ("col2im", {"cols": cols, "x_padded_shape": np.array(shape), "kh": np.int64(kh), "kw": np.int64(kw),
                      "stride": np.int64(stride)},
           {"x_padded_grad": solution.col2im(cols, shape, kh, kw, stride), "x_padded_grad_assigned": assigned})

    x, w, b = rng.normal(size=(2, 7, 4)), rng.normal(size=(3, 4, 5)), rng.normal(size=5)
    stride, pad = 1, 1
    out, cache = solution.conv1d_forward(x, w, b, stride, pad)
    dout = rng.normal(size=out.shape)
    dx, dw, db = solution.conv1d_backward(dout, cache)
    yield ("conv1d_forward", {"x": x, "w": w, "b": b, "stride": np.int64(stride), "pad": np.int64(pad), "dout": dout},
           {"out": out, "dx": dx, "dw": dw, "db": db})
