"""Thin widget wrappers: a pure compute function in a topic module, a slider, a FigureWidget.

Conventions (see CONTRIBUTING.md):

* A UI builder is a plain importable function returning :class:`WidgetUI`; it
  precomputes anything expensive in one batched call, and its callbacks only index
  or recompute cheaply, updating the ``FigureWidget`` in place inside ``batch_update``.
* Each lecture's builder is listed in :data:`course_lib.catalog.WIDGETS`, so ``make bench``
  can time every widget (p50/p95 of a slider move) and tests can move its sliders.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

__all__ = ["WidgetUI", "control_values", "measure_latency"]


@dataclass
class WidgetUI:
    """A live widget: ``root`` to display, the ``figure`` it updates, its named ``controls``."""

    root: W.Widget
    figure: go.FigureWidget
    controls: dict[str, W.ValueWidget]
    state: dict = field(default_factory=dict)

    def _ipython_display_(self):  # display(ui) shows the whole widget
        from IPython.display import display

        # The figure sits inside a container, so plotly's own display hook, which sends the
        # figure's full state to the browser, never runs; without it, edits made before display
        # (a builder's first update) reach the browser only as messages, and traces lost their
        # x/y there (seen in JupyterLab + Chromium). Sync the full state first.
        self.figure._repr_mimebundle_()
        display(self.root)

    def trace_data(self, index: int = 0, axis: str = "y") -> np.ndarray:
        """Copy of a trace's data (``x``, ``y`` or ``z``), handy in tests."""
        return np.array(getattr(self.figure.data[index], axis), dtype=float)


def control_values(control: W.ValueWidget, max_values: int = 25) -> list:
    """Values a benchmark or test can move ``control`` through."""
    if hasattr(control, "options") and control.options:
        opts = list(control.options)
        values = [o[1] if isinstance(o, tuple) else o for o in opts]
    elif isinstance(control, (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.BoundedIntText)):
        if isinstance(control, W.FloatLogSlider):
            exps = np.linspace(control.min, control.max, max_values)
            values = list(control.base ** exps)
        elif isinstance(control, W.IntSlider):
            values = list(range(control.min, control.max + 1, max(control.step, 1)))
        else:
            values = list(np.arange(control.min, control.max + control.step / 2, control.step))
    elif isinstance(control, (W.Checkbox, W.ToggleButton)):
        values = [not control.value, control.value]
    else:
        return []
    if len(values) > max_values:
        idx = np.linspace(0, len(values) - 1, max_values).round().astype(int)
        values = [values[i] for i in idx]
    return values


def measure_latency(ui: WidgetUI, max_values: int = 25) -> dict:
    """Time every control move (callback + figure update, no front end); return ms stats."""
    samples = []
    for control in ui.controls.values():
        start_value = control.value
        for value in control_values(control, max_values):
            if value == control.value:
                continue
            t0 = time.perf_counter()
            control.value = value
            samples.append((time.perf_counter() - t0) * 1e3)
        control.value = start_value
    if not samples:
        return {"moves": 0, "p50_ms": float("nan"), "p95_ms": float("nan"), "max_ms": float("nan")}
    arr = np.asarray(samples)
    return {
        "moves": int(arr.size),
        "p50_ms": float(np.percentile(arr, 50)),
        "p95_ms": float(np.percentile(arr, 95)),
        "max_ms": float(arr.max()),
    }
