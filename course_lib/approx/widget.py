"""The live widget and the static figures of lecture 05 (thin: they draw precomputed numbers).

* :func:`build_approximation_widget` -- choose a target (a constituent composed along the net's tree, or the
  control) and a parameter budget: the tree net's and the shallow net's fits along a diagonal of the cube.
* ``*_figure`` -- one function per lecture figure.
"""
from __future__ import annotations

import numpy as np
import torch

from course_lib.approx.experiments import best_of_restarts, deep_vs_shallow
from course_lib.ui.plotting import COLORS, figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "build_approximation_widget",
    "ridge_1d_figure",
    "ridge_2d_figure",
    "curse_figure",
    "deep_shallow_figure",
]

ARCH_NAMES = {"tree": "tree net (deep, 7 nodes)", "shallow": "shallow net", "dense": "dense deep net (2 hidden layers)"}


# ----------------------------------------------------------------------------- lecture figures
def ridge_1d_figure(r: dict):
    """Sup error of the ReLU ridge-sum interpolant against N, with the bound h²‖f''‖∞/8 (log-log)."""
    fig = figure("A sum of N ReLU ridge units interpolates f with error ∝ N⁻², under the bound h²‖f''‖/8",
                 "ReLU units N", "sup error on [−1, 1]", xaxis_type="log", yaxis_type="log", height=380)
    fig.add_scatter(x=r["units"], y=r["sup_error"].numpy(), mode="lines+markers", name="measured sup |f − s_N|")
    fig.add_scatter(x=r["units"], y=r["bound"].numpy(), mode="lines", name="bound h²‖f''‖∞/8",
                    line=dict(dash="dash", color="black"))
    return fig


def ridge_2d_figure(r: dict, show=(0, 1, -1)):
    """The 2-D target and its fits by sums of M ridge functions (heat maps over [-1, 1]^2)."""
    g = r["grid"].numpy()
    panels = [("target f(x₁, x₂)", r["target"])] + [
        (f"{r['directions'][i]} ridge function{'s' if r['directions'][i] > 1 else ''} "
         f"(error {float(r['residual'][i]):.0%})", r["fits"][i]) for i in show]
    fig = figure("More ridge directions, better fit: a sum of 8 ridge functions is already close", "", "",
                 height=330)
    fig.set_subplots(1, len(panels), subplot_titles=[p[0] for p in panels], horizontal_spacing=0.04)
    for j, (_, z) in enumerate(panels, 1):
        fig.add_heatmap(x=g, y=g, z=z.numpy(), zmin=-1, zmax=1, colorscale="RdBu", showscale=j == len(panels),
                        row=1, col=j)
        fig.update_xaxes(title_text="x₁", row=1, col=j)
    fig.update_yaxes(title_text="x₂", row=1, col=1)
    return fig


def curse_figure(c: dict):
    """Test RMSE against units (log-log) for each d: every field faint, the mean bold, and the rate N^(-ν/d)
    anchored at the mean's first point."""
    fig = figure(f"The curse: the same units buy less as d grows (rate ≈ N^(−ν/d), ν = {c['nu']})",
                 "ReLU units N", "test RMSE (target s.d. = 1)", xaxis_type="log", yaxis_type="log", height=420)
    N = np.asarray(c["units"], dtype=float)
    for i, d in enumerate(c["dims"]):
        col = COLORS[i]
        for row in c["rmse"][i].numpy():
            fig.add_scatter(x=N, y=row, mode="lines", line=dict(color=col, width=1), opacity=0.3,
                            showlegend=False, hoverinfo="skip")
        mean = c["rmse"][i].mean(0).numpy()
        fig.add_scatter(x=N, y=mean, mode="lines+markers", name=f"d = {d}", line=dict(color=col, width=3))
        fig.add_scatter(x=N, y=mean[0] * (N / N[0]) ** (-c["nu"] / d), mode="lines", name=f"N^(−ν/{d})",
                        line=dict(color=col, dash="dash"))
    return fig


def deep_shallow_figure(res: dict, m: float = 2.0):
    """Best-of-restarts test MSE against parameters (log-log) on the tree target (solid) and the mismatched
    control (dotted), with the theorems' rates for smoothness ``m`` anchored at each curve's first point."""
    fig = figure("At equal parameters the tree net wins on its own tree — and loses on a mismatched one",
                 "parameters (biases included)", "test MSE (target variance = 1)", xaxis_type="log",
                 yaxis_type="log", height=440)
    for i, arch in enumerate(("tree", "shallow", "dense")):
        P = np.asarray(res["counts"][arch], dtype=float)
        for target, dash in (("tree", None), ("mismatched", "dot")):
            if (arch, target) not in res["test"]:
                continue
            best, _ = best_of_restarts(res, arch, target)
            label = ARCH_NAMES[arch] + (", mismatched tree" if target == "mismatched" else "")
            fig.add_scatter(x=P, y=best.numpy(), mode="lines+markers", name=label,
                            line=dict(color=COLORS[i], dash=dash))
        if arch != "dense":
            best, _ = best_of_restarts(res, arch, "tree")
            rate = m if arch == "tree" else 2 * m / 8  # MSE = eps^2: deep eps ~ N^(-m/2), shallow eps ~ N^(-m/d)
            fig.add_scatter(x=P, y=float(best[0]) * (P / P[0]) ** (-rate), mode="lines",
                            name=f"theory rate P^(−{rate:g}) (m = {m:g})", line=dict(color=COLORS[i], dash="dash",
                                                                                  width=1))
    return fig


# ----------------------------------------------------------------------------- the live widget
def _options(res: dict) -> dict[str, str]:
    """Dropdown label -> target key of the results."""
    opts = {f"{c} along the net's tree": ("tree" if i == 0 else f"tree:{c}") for i, c in enumerate(res["constituents"])}
    opts[f"{res['constituent']} along another tree (control)"] = "mismatched"
    return opts


def build_approximation_widget(results: dict | None = None) -> WidgetUI:
    """Choose the target and the parameter budget; see the tree net's and the shallow net's fits (best of
    their restarts) along the diagonal x = t·s of the cube, with their test errors.

    ``results`` is a :func:`~course_lib.approx.experiments.deep_vs_shallow` run (a small one is trained when
    omitted, ~2 s); everything shown is precomputed, a slider move only swaps arrays."""
    import ipywidgets as W

    if results is None:
        results = deep_vs_shallow(ks=(4, 8), steps=300, n_train=2048, n_test=2048,
                                  lrs={"tree": (0.03,), "shallow": (0.1,), "dense": (0.03,)})
    opts = _options(results)
    t = results["slice_t"].numpy()
    counts = results["counts"]["tree"]
    data = {}
    for key in opts.values():
        fits, errs = {}, {}
        for arch in ("tree", "shallow"):
            best, pick = best_of_restarts(results, arch, key)
            sl = results["slice"][arch, key]  # (budget, restart, t)
            fits[arch] = sl[torch.arange(sl.shape[0]), pick].numpy()
            errs[arch] = best.numpy()
        data[key] = (results["slice_target"][key].numpy(), fits, errs)

    fig = figure_widget("", "position t along the diagonal x = t·s of [−1, 1]⁸", "f (standardised)", height=430)
    fig.add_scatter(x=t, y=t * 0, name="target f", line=dict(color="black", width=3))
    fig.add_scatter(x=t, y=t * 0, name=ARCH_NAMES["tree"], line=dict(color=COLORS[0]))
    fig.add_scatter(x=t, y=t * 0, name=ARCH_NAMES["shallow"], line=dict(color=COLORS[1]))
    target = W.Dropdown(options=list(opts), value=list(opts)[0], description="target", layout=W.Layout(width="460px"))
    budget = W.SelectionSlider(options=[str(c) for c in counts], value=str(counts[len(counts) // 2]),
                               description="parameters")

    def update(change=None):
        key = opts[target.value]
        i = counts.index(int(budget.value))
        f, fits, errs = data[key]
        a, b = float(errs["tree"][i]), float(errs["shallow"][i])
        winner = "tree net" if a < b else "shallow net"
        with fig.batch_update():
            fig.data[0].y = f
            fig.data[1].y = fits["tree"][i]
            fig.data[2].y = fits["shallow"][i]
            fig.layout.title.text = (f"{counts[i]} parameters: test MSE tree {a:.3f}, shallow {b:.3f} "
                                     f"— the {winner} wins ({max(a, b) / min(a, b):.1f}×)")

    target.observe(update, names="value")
    budget.observe(update, names="value")
    update()
    return WidgetUI(root=W.VBox([W.HBox([target, budget]), fig]), figure=fig,
                    controls={"target": target, "budget": budget}, state={"data": data, "options": opts})
