"""Exercise factories of lecture 02 (checked by :class:`course_lib.core.exercises.Exercise`)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from course_lib.core.exercises import Case, Exercise, Prediction
from course_lib.core.validate import check_int

__all__ = ["exercise_shift_test", "prediction_receptive_field"]


def exercise_shift_test() -> Exercise:
    """Exercise: ``shift_error(f, x, dy, dx)`` = max |f(T x) - T f(x)| for circular shifts T."""

    def circ_conv(x):
        w = torch.tensor([[[[0.0, 1.0, 0.0], [1.0, -4.0, 2.0], [0.0, 1.0, 0.0]]]], dtype=x.dtype)
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), w)

    def strided(x):
        return F.avg_pool2d(x, 2)

    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 1, 6, 6, generator=g, dtype=torch.float64)
    expected_strided = float(
        (strided(torch.roll(x, (1, 0), dims=(-2, -1))) - torch.roll(strided(x), (1, 0), dims=(-2, -1))).abs().max()
    )

    def near_zero(r):
        r = float(r)
        return None if abs(r) < 1e-9 else f"a circular convolution commutes with shifts: expected 0, got {r:.3g}"

    def equals_strided(r):
        r = float(r)
        if abs(r - expected_strided) > 1e-9:
            return f"expected {expected_strided:.6g} for 2x2 average pooling shifted by (1, 0), got {r:.6g}"
        return None

    return Exercise(
        "shift test",
        [
            Case("circular 3x3 convolution, shift (1, 2)", args=(circ_conv, x, 1, 2), test=near_zero),
            Case("circular 3x3 convolution, shift (-3, 0)", args=(circ_conv, x, -3, 0), test=near_zero),
            Case("2x2 average pooling, shift (1, 0)", args=(strided, x, 1, 0), test=equals_strided),
        ],
        hint=[
            "Which two images must be compared: what is shifted first on each side, the input or the output?",
            "Shift the input and apply f on one side; apply f and shift its output on the other. The shift is "
            "circular: what leaves on one edge comes back on the other (torch has a 'roll' for that).",
            "Return one Python number: the largest absolute entry of the difference of the two sides.",
        ],
    )


def prediction_receptive_field(n_layers: int = 5, kernel_size: int = 3) -> Prediction:
    """Predict the side (pixels) of the receptive field of ``n_layers`` stacked k x k convolutions."""
    n_layers = check_int(n_layers, "n_layers", min_value=1, max_value=10_000)
    kernel_size = check_int(kernel_size, "kernel_size", min_value=1, max_value=10_000)
    side = n_layers * (kernel_size - 1) + 1
    return Prediction(
        f"receptive field of {n_layers} stacked {kernel_size}×{kernel_size} convolutions",
        side,
        abs_tol=0.5,
        unit="pixels (side of the square)",
        why=f"each {kernel_size}×{kernel_size} layer widens the window by {kernel_size - 1} pixels: "
        f"1 + {n_layers}·{kernel_size - 1} = {side}, with {n_layers * kernel_size**2}C² weights instead of "
        f"{side**2}C² for one {side}×{side} layer.",
        hint=[
            f"One {kernel_size}×{kernel_size} layer: how many input pixels wide is what a single output unit sees?",
            "Each further layer sees a window of the layer below: by how many pixels does that widen the "
            "window per layer?",
        ],
    )
