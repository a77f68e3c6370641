"""The live widget and the static figures of lecture 04 (thin: they draw precomputed numbers).

* :func:`build_sparse_coding_widget` -- two sliders: beta (soft thresholding and the Lasso code)
  and sparsity (the recovery rates of :func:`~course_lib.sparse.experiments.recovery_experiment`).
* ``*_figure`` -- one function per lecture figure, so the lecture cells hold the computation
  and the claim, not the trace-by-trace plotting.
"""
from __future__ import annotations

import numpy as np
import torch

from course_lib.core.validate import as_tensor, check_int, check_steps
from course_lib.sparse.experiments import recovery_experiment
from course_lib.sparse.kernels import _lasso_problem, fista, nonneg_soft_threshold, soft_threshold
from course_lib.sparse.recovery import l1_transition_curve
from course_lib.ui.plotting import COLORS, figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "build_sparse_coding_widget",
    "prox_figure",
    "recovery_figure",
    "phase_diagram_figure",
    "convergence_figure",
    "rate_figure",
    "multilayer_figure",
]

METHOD_NAMES = {"l1": "ℓ1 (basis pursuit, LP)", "omp": "OMP", "thresholding": "thresholding"}


# ----------------------------------------------------------------------------- lecture figures
def prox_figure(z, betas, x_prox, x_brute, *, every: int = 8):
    """S_beta(z) for ``betas[1:]`` (lines) over the brute-force minimisers (markers, every ``every``-th
    input), and ReLU(z - 1) dashed: ``x_prox``/``x_brute`` are (len(betas), len(z))."""
    fig = figure("S_β is exactly the brute-force minimiser; ReLU(z−β) is its one-sided version",
                 "input z", "output", height=380)
    for i in range(1, len(betas)):
        fig.add_scatter(x=z.numpy(), y=x_prox[i].numpy(), name=f"S_β, β = {betas[i]:.1f}", line=dict(color=COLORS[i]))
        fig.add_scatter(x=z[::every].numpy(), y=x_brute[i, ::every].numpy(), mode="markers",
                        name=f"brute force, β = {betas[i]:.1f}", marker=dict(color=COLORS[i], symbol="x"),
                        showlegend=i == 1)
    fig.add_scatter(x=z.numpy(), y=nonneg_soft_threshold(z, 1.0).numpy(), name="ReLU(z − 1)",
                    line=dict(dash="dash", color="black"))
    return fig


def recovery_figure(sparsities, rates: dict, s50: float, s50_theory: float, coherence_bound: float, *, n: int, m: int,
                    tests: dict | None = None):
    """Exact-recovery rate against sparsity, one curve per method, with the theoretical transition
    and the (mean) coherence bound as vertical lines; ``tests`` (from
    :func:`~course_lib.sparse.experiments.transition_test`) adds its points with their exact one-sided bounds."""
    fig = figure(f"ℓ1 recovers exactly up to s ≈ {s50:.0f} (theory {s50_theory:.1f}); coherence guarantees only s = 1",
                 f"sparsity s (nonzeros out of n = {n}, m = {m} measurements)", "exact recovery rate", height=400)
    for i, (k, r) in enumerate(rates.items()):
        fig.add_scatter(x=sparsities, y=r, mode="lines+markers", name=METHOD_NAMES[k], line=dict(color=COLORS[i]))
    fig.add_vline(x=s50_theory, line=dict(dash="dash", color="gray"), annotation_text="ALMT / Donoho–Tanner")
    fig.add_vline(x=coherence_bound, line=dict(dash="dot", color="black"), annotation_text="coherence bound",
                  annotation_position="bottom right")
    if tests:
        pts = list(tests.values())
        r = np.array([p["k"] / p["n"] for p in pts])
        fig.add_scatter(x=[p["s"] for p in pts], y=r, mode="markers", name=f"ℓ1 test points ({pts[0]['n']} trials)",
                        marker=dict(color="black", symbol="diamond"),
                        error_y=dict(type="data", array=np.array([p["upper"] for p in pts]) - r,
                                     arrayminus=r - np.array([p["lower"] for p in pts])))
    return fig


def phase_diagram_figure(deltas, rhos, rates):
    """Heat map of l1 recovery ``rates`` (len(deltas), len(rhos)) under the theoretical curve
    psi(rho delta) = delta (:func:`~course_lib.sparse.recovery.l1_transition_curve`)."""
    d_fine = np.linspace(0.05, 0.95, 91)
    fig = figure("Exact ℓ1 recovery (yellow) ends at the Donoho–Tanner curve", "undersampling δ = m/n",
                 "sparsity ρ = s/m", height=400)
    fig.add_heatmap(x=deltas, y=rhos, z=np.asarray(rates).T, colorscale="Viridis", zmin=0, zmax=1,
                    colorbar=dict(title="success"))
    fig.add_scatter(x=d_fine, y=l1_transition_curve(d_fine), mode="lines", name="theory ψ(ρδ) = δ",
                    line=dict(color="white", width=3))
    return fig


def convergence_figure(F_ista, F_fista, F_ref, G_ref, bound_ista, bound_fista, *, problem: int = 0):
    """Objective gaps F(x_k) - F(x_ref) of ISTA and FISTA for one ``problem`` (log-log), drawn until
    they reach 10x the reference's certified gap F_ref - G_ref, with the two Beck-Teboulle bounds."""
    ref_gap = float((F_ref - G_ref)[problem])
    kk = np.arange(1, F_ista.shape[0], dtype=float)
    fig = figure("FISTA's gap falls much faster than ISTA's; both stay under their 1/k² and 1/k bounds",
                 "iteration k", "objective gap F(x_k) − F* (log)", xaxis_type="log", yaxis_type="log", height=400)
    for name, Fh, color in (("ISTA", F_ista, COLORS[0]), ("FISTA", F_fista, COLORS[1])):
        gap0 = (Fh[1:, problem] - F_ref[problem]).cpu().numpy()
        keep = gap0 > 10 * ref_gap  # stop where the reference's certified accuracy is reached
        fig.add_scatter(x=kk[keep], y=gap0[keep], name=name, line=dict(color=color))
    fig.add_scatter(x=kk, y=bound_ista[:, problem].cpu().numpy(), name="L‖x*‖²/(2k)",
                    line=dict(dash="dash", color=COLORS[0]))
    fig.add_scatter(x=kk, y=bound_fista[:, problem].cpu().numpy(), name="2L‖x*‖²/(k+1)²",
                    line=dict(dash="dash", color=COLORS[1]))
    return fig


def rate_figure(results: dict):
    """ISTA's and FISTA's gaps on the worst-case spectrum (log-log) with the theory's 1/(2(2k+1))
    and 2/k², from :func:`~course_lib.sparse.experiments.rate_experiment`."""
    k, (k1, k2) = results["k"], results["k_range"]
    fig = figure(f"On the worst case the gaps fall as k^{results['slope_ista']:.2f} (ISTA) and "
                 f"k^{results['slope_fista']:.2f} (FISTA), fitted over k = {k1}…{k2}", "iteration k",
                 "objective gap F(x_k) − F* (log)",
                 xaxis_type="log", yaxis_type="log", height=400)
    for i, name in enumerate(("ista", "fista")):
        fig.add_scatter(x=k, y=results[f"gap_{name}"], name=name.upper(), line=dict(color=COLORS[i]))
    fig.add_scatter(x=k, y=results["theory_ista"], name="1/(2(2k+1))", line=dict(dash="dash", color=COLORS[0]))
    fig.add_scatter(x=k, y=results["theory_fista"], name="2/k² (ODE limit)", line=dict(dash="dash", color=COLORS[1]))
    return fig


def multilayer_figure(results: dict):
    """Success rates of layered basis pursuit, layered thresholding and its first layer against the
    contrast, from :func:`~course_lib.sparse.experiments.multilayer_experiment`."""
    c = results["contrasts"]
    fig = figure("Layered thresholding (= the ReLU forward pass) needs high contrast; basis pursuit does not",
                 "contrast |Γ_min| / |Γ_max|", "support recovered, both layers", xaxis_type="log", height=380)
    fig.add_scatter(x=c, y=results["bp_rate"].cpu().numpy(), mode="lines+markers", name="layered basis pursuit")
    fig.add_scatter(x=c, y=results["thresholding_rate"].cpu().numpy(), mode="lines+markers",
                    name="layered thresholding (best β per signal)")
    fig.add_scatter(x=c, y=results["layer1_success"].double().mean(1).cpu().numpy(), mode="lines+markers",
                    name="… layer 1 only", line=dict(dash="dot"))
    return fig


# ----------------------------------------------------------------------------- the live widget
def build_sparse_coding_widget(results: dict | None = None, betas=None, n_iter: int = 300) -> WidgetUI:
    """One figure, two sliders (a single FigureWidget keeps the notebook light).

    * ``beta``: S_beta(z) and ReLU(z - beta) (top left); the Lasso code of a 5-sparse test signal
      for that beta (top right) -- all betas solved in one batched FISTA call at build time.
    * ``sparsity``: exact-recovery rates of l1, OMP and thresholding from ``results`` (a
      :func:`recovery_experiment`; a small one is run when omitted) (bottom left), and one of its
      problems with the three recovered codes (bottom right)."""
    import ipywidgets as W

    # -- precompute: the beta sweep ------------------------------------------------------------
    # ||D||_2 = 1 makes |D^T y| <= ~0.5 here, so the code's support changes for beta in [0, 0.6]
    if betas is None:
        grid = np.round(np.linspace(0.0, 0.6, 41), 3)
    else:
        grid = as_tensor(betas, "betas", ndim=1, dtype=torch.float64).detach().cpu().numpy()
        if np.any(grid < 0):
            raise ValueError("betas: thresholds must be >= 0")
    n_iter = check_steps(check_int(n_iter, "n_iter", min_value=1) * grid.size, "n_iter", what="the widget's FISTA runs")
    n_iter //= grid.size
    if results is not None and (not isinstance(results, dict)
                                or not {"sparsity", "rate", "success", "x", "x_hat"} <= set(results)):
        raise TypeError("results: expected the dict returned by recovery_experiment")
    D, x_true, y = _lasso_problem()
    codes = fista(D, y[:, None].expand(-1, grid.size), torch.as_tensor(grid), n_iter).numpy()
    z = np.linspace(-3, 3, 241)
    zt = torch.as_tensor(z)
    support = x_true.numpy() != 0
    # -- precompute: the recovery experiment ---------------------------------------------------
    if results is None:
        results = recovery_experiment(40, 20, np.arange(1, 15), 4, seed=11)
    ss = np.asarray(results["sparsity"])
    rates = {k: v.cpu().numpy() for k, v in results["rate"].items()}
    n_trials = next(iter(results["success"].values())).shape[1]
    x_rec = results["x"].cpu().numpy()
    x_hat = {k: v.cpu().numpy() for k, v in results["x_hat"].items()}
    names = {"l1": "ℓ1 (basis pursuit)", "omp": "OMP", "thresholding": "thresholding"}

    fig = figure_widget("", "z", "output", height=680, margin=dict(t=120))
    fig.set_subplots(2, 2, vertical_spacing=0.16, subplot_titles=(
        "S_β(z) and ReLU(z−β)", "Lasso code of a 5-sparse signal (true entries ±2)",
        "exact recovery rate over random problems", "one problem at this sparsity"))
    fig.add_scatter(x=z, y=z, name="identity", line=dict(dash="dot", color="gray"), row=1, col=1)  # 0
    fig.add_scatter(x=z, y=z, name="S_β(z)", line=dict(color=COLORS[0]), row=1, col=1)  # 1
    fig.add_scatter(x=z, y=z, name="ReLU(z−β)", line=dict(dash="dash", color=COLORS[1]), row=1, col=1)  # 2
    idx = np.arange(x_true.numel())
    fig.add_scatter(x=idx, y=x_true.numpy(), mode="markers", name="true code", row=1, col=2,  # 3
                    marker=dict(size=10, symbol="circle-open", color="black"))
    fig.add_scatter(x=idx, y=codes[:, 0], mode="markers", name="FISTA code",  # 4
                    marker=dict(size=6, color=COLORS[4]), row=1, col=2)
    base = 5
    for i, (k, r) in enumerate(rates.items()):  # base .. base+nr-1
        fig.add_scatter(x=ss, y=r, name=names[k], line=dict(color=COLORS[i]), row=2, col=1)
    nr = len(rates)
    fig.add_scatter(x=[ss[0], ss[0]], y=[0, 1], mode="lines", name="current s", line=dict(color="gray", dash="dot"),
                    row=2, col=1)
    idx2 = np.arange(x_rec.shape[0])
    fig.add_scatter(x=idx2, y=x_rec[:, 0], mode="markers", showlegend=False, row=2, col=2,
                    marker=dict(size=11, symbol="circle-open", color="black"))
    for i, k in enumerate(x_hat):
        fig.add_scatter(x=idx2, y=x_hat[k][:, 0], mode="markers", showlegend=False,
                        marker=dict(size=5, color=COLORS[i]), row=2, col=2)
    fig.update_xaxes(title_text="atom index", row=1, col=2)
    fig.update_yaxes(title_text="coefficient", row=1, col=2)
    fig.update_xaxes(title_text="sparsity s", row=2, col=1)
    fig.update_yaxes(title_text="exact recovery rate", row=2, col=1)
    fig.update_xaxes(title_text="atom index", row=2, col=2)
    fig.update_yaxes(title_text="coefficient", row=2, col=2)

    step = float(np.min(np.diff(grid))) if grid.size > 1 else 0.05
    beta_slider = W.FloatSlider(value=float(grid[grid.size // 4]), min=float(grid.min()), max=float(grid.max()),
                                step=step, readout_format=".3f", description="β")
    s_slider = W.IntSlider(value=int(ss[len(ss) // 2]), min=int(ss.min()), max=int(ss.max()),
                           step=int(np.diff(ss).min()) if ss.size > 1 else 1, description="sparsity s")
    text = {"beta": "", "sparsity": ""}

    def set_title():
        fig.layout.title.text = f"{text['beta']}<br>{text['sparsity']}"

    def update_beta(change=None):
        k = int(np.abs(grid - float(beta_slider.value)).argmin())
        code = codes[:, k]
        found = np.abs(code) > 1e-8
        text["beta"] = (f"β = {grid[k]:.2f}: {found.sum()} nonzeros, {np.sum(found != support)} support errors, "
                        f"mean |code| on the support {np.abs(code[support]).mean():.2f} (true 2)")
        with fig.batch_update():
            fig.data[1].y = soft_threshold(zt, grid[k]).numpy()
            fig.data[2].y = nonneg_soft_threshold(zt, grid[k]).numpy()
            fig.data[4].y = code
            set_title()

    def update_s(change=None):
        c = int(np.abs(ss - s_slider.value).argmin())
        col = c * n_trials  # the first trial of this cell
        text["sparsity"] = f"s = {ss[c]}: " + ", ".join(f"{names[k]} {rates[k][c]:.0%}" for k in rates)
        with fig.batch_update():
            fig.data[base + nr].x = [ss[c], ss[c]]
            fig.data[base + nr + 1].y = x_rec[:, col]
            for i, k in enumerate(x_hat):
                fig.data[base + nr + 2 + i].y = x_hat[k][:, col]
            set_title()

    beta_slider.observe(update_beta, names="value")
    s_slider.observe(update_s, names="value")
    update_beta()
    update_s()
    return WidgetUI(root=W.VBox([W.HBox([beta_slider, s_slider]), fig]), figure=fig,
                    controls={"beta": beta_slider, "sparsity": s_slider},
                    state={"codes": codes, "betas": grid, "results": results, "traces": {"recovery": base}})
