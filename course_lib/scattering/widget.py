"""The live widget and the static figures of lecture 03 (thin: they draw precomputed numbers).

* :func:`build_scattering_widget` -- shift, dilation and J sliders (and a digit/texture choice): the
  relative distance in pixel, Fourier-modulus and scattering space, from :func:`widget_data`.
* ``*_figure`` -- one function per lecture figure.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from course_lib.scattering.experiments import widget_data
from course_lib.ui.plotting import COLORS, figure, figure_widget
from course_lib.ui.widgets import WidgetUI

__all__ = [
    "build_scattering_widget",
    "nterm_figure",
    "filters_figure",
    "nonexpansive_figure",
    "translation_figure",
    "deformation_figure",
    "learning_curve_figure",
    "cnn_link_figure",
]

REPRESENTATIONS = ("pixels", "|Fourier|", "scattering")


def _np(a) -> np.ndarray:
    return np.asarray(torch.as_tensor(a).detach().cpu(), dtype=float)


def _mosaic(tiles: np.ndarray, n_cols: int, gap: float = 0.0) -> np.ndarray:
    """Tiles (M, h, w) in a grid of ``n_cols`` columns with a one-pixel ``gap`` line, flipped for a heatmap."""
    M, h, w = tiles.shape
    rows = -(-M // n_cols)
    out = np.full((rows * (h + 1) - 1, n_cols * (w + 1) - 1), gap)
    for i in range(M):  # a display helper over a handful of tiles
        r, c = divmod(i, n_cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = tiles[i]
    return out[::-1]


def _spatial(psi_hat: torch.Tensor, crop: int) -> np.ndarray:
    """Real parts of the filters in space, centred and cropped to ``crop`` x ``crop`` (each scaled to max 1)."""
    psi = torch.fft.fftshift(torch.fft.ifft2(psi_hat), dim=(-2, -1)).real
    N = psi.shape[-1]
    lo = N // 2 - crop // 2
    tiles = psi[..., lo : lo + crop, lo : lo + crop].reshape(-1, crop, crop)
    return _np(tiles / tiles.abs().amax((-2, -1), keepdim=True))


# ----------------------------------------------------------------------------- lecture figures
def nterm_figure(nt: dict) -> go.Figure:
    """Best n-term errors (geometric mean over the signals) against n, log-log, with the fitted slopes."""
    fig = figure("Wavelets approximate a signal with jumps far better than Fourier: ε(n) falls as n^−2p, not n^−1",
                 "number of terms kept n", "relative error ε(n)/‖x‖² (log)", xaxis_type="log", yaxis_type="log",
                 height=420)
    ns = nt["ns"]
    for i, (name, e) in enumerate(nt["errors"].items()):
        g = np.exp(np.log(_np(e).clip(min=1e-300)).mean(0))
        fig.add_scatter(x=ns, y=g, name=f"{name}: slope {nt['slopes'][name]:.2f}", line=dict(color=COLORS[i]))
    e = _np(nt["linear"]["Daubechies p = 2"])
    fig.add_scatter(x=ns, y=np.exp(np.log(e.clip(min=1e-300)).mean(0)), line=dict(color=COLORS[2], dash="dot"),
                    name=f"Daubechies p = 2, first n (linear): slope {nt['linear_slopes']['Daubechies p = 2']:.2f}")
    lo, hi = nt["n_range"]
    fig.add_scatter(x=[lo, lo, None, hi, hi], y=[1e-16, 1, None, 1e-16, 1], mode="lines", name="fit range",
                    line=dict(color="gray", dash="dash", width=1))
    fig.update_yaxes(range=[-16, 0.5])
    return fig


def filters_figure(lp: dict) -> go.Figure:
    """Left: the real parts of the Morlet wavelets in space (rows: scales j, columns: angles θ);
    right: the Littlewood-Paley sum A(ω) on the FFT grid (zero frequency at the centre)."""
    J, L, N = lp["J"], lp["L"], lp["size"]
    crop = min(N, 4 * 2 ** (J - 1) + 5)
    tiles = _spatial(lp["psi_hat"], crop)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.08,
                        subplot_titles=(f"Re ψ_j,θ in space ({J} scales × {L} angles, {crop}×{crop} px)",
                                        "Littlewood–Paley sum A(ω) = |φ̂|² + Σ|ψ̂|²"))
    fig.add_trace(go.Heatmap(z=_mosaic(tiles, L), colorscale="RdBu_r", zmid=0, showscale=False), 1, 1)
    A = np.fft.fftshift(_np(lp["A"]))
    w = (np.arange(N) - N // 2) * 2 / N
    fig.add_trace(go.Heatmap(z=A, x=w, y=w, colorscale="Viridis", zmin=0, zmax=1,
                             colorbar=dict(title="A(ω)", x=1.0)), 1, 2)
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_yaxes(showticklabels=False, scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="ω₂ (× π rad/px)", row=1, col=2)
    fig.update_yaxes(title_text="ω₁ (× π rad/px)", scaleanchor="x2", row=1, col=2)
    fig.update_layout(title=f"Morlet wavelets tile the frequency plane; A(ω) ≤ 1 everywhere (max {lp['A_max']:.4f})",
                      height=400, template="plotly_white")
    return fig


def nonexpansive_figure(ne: dict) -> go.Figure:
    """‖Sx − Sy‖ against ‖x − y‖ for every pair, by kind, under the line y = x."""
    dx = _np(ne["pixel_distance"])
    fig = figure("Every pair lands below the line ‖Sx − Sy‖ = ‖x − y‖: the scattering transform is non-expansive",
                 "‖x − y‖ (pixels)", "‖S_J x − S_J y‖ (full resolution)", xaxis_type="log", yaxis_type="log",
                 height=400)
    kinds = np.array(ne["kinds"])
    for i, k in enumerate(dict.fromkeys(ne["kinds"])):
        m = kinds == k
        fig.add_scatter(x=dx[m], y=dx[m] * _np(ne["ratio_full"])[m], mode="markers", name=k,
                        marker=dict(color=COLORS[i]))
    span = np.array([dx.min() * 0.8, dx.max() * 1.2])
    fig.add_scatter(x=span, y=span, mode="lines", name="‖Sx − Sy‖ = ‖x − y‖", line=dict(color="black", dash="dash"))
    return fig


def translation_figure(tr: dict) -> go.Figure:
    """Mean relative distance after a horizontal shift of c pixels, for pixels, |Fourier| and S_J."""
    c = tr["shifts"]
    fig = figure("A shift moves the pixels at once; the scattering transform barely moves below 2^J pixels",
                 "shift c (pixels)", "relative distance ‖Φ(T_c x) − Φ(x)‖ / ‖Φ(x)‖", height=400)
    fig.add_scatter(x=c, y=tr["pixel"], name="pixels", line=dict(color="black"))
    fig.add_scatter(x=c, y=np.zeros_like(c) + tr["fourier_max_shift"], name="|Fourier| (exactly invariant)",
                    line=dict(color="gray", dash="dot"))
    for i, J in enumerate(tr["Js"]):
        fig.add_scatter(x=c, y=tr["scattering"][i], name=f"scattering, J = {J} (2^J = {2**J} px)",
                        line=dict(color=COLORS[i]))
    return fig


def deformation_figure(de: dict, band: int = -1) -> go.Figure:
    """Left: relative distance against the dilation τ for the texture ``band``; right: at the second
    τ, against the texture's frequency (log-log)."""
    taus, cen = de["taus"], de["centres"]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        f"texture at |ω| ≈ {cen[band]:.2f}π: distance vs dilation",
        f"dilation τ = {taus[2]:.0%}: distance vs frequency"))
    for i, (key, name) in enumerate(zip(("pixel", "fourier", "scattering"), REPRESENTATIONS)):
        color = ["black", "gray", COLORS[0]][i]
        fig.add_scatter(x=100 * taus, y=de[key][band], name=name, line=dict(color=color), row=1, col=1)
        fig.add_scatter(x=cen, y=de[key][:, 2], name=name, showlegend=False, mode="lines+markers",
                        line=dict(color=color), row=1, col=2)
    fig.update_xaxes(title_text="dilation τ (%)", row=1, col=1)
    fig.update_yaxes(title_text="relative distance to τ = 0", row=1, col=1)
    fig.update_xaxes(title_text="texture frequency |ω| (× π rad/px)", type="log", row=1, col=2)
    fig.update_yaxes(title_text="relative distance", type="log", row=1, col=2)
    fig.update_layout(title="The Fourier modulus moves ∝ frequency under a dilation; scattering moves ∝ τ only",
                      height=420, template="plotly_white")
    return fig


def learning_curve_figure(lc: dict) -> go.Figure:
    """Mean test accuracy (± one standard deviation over the training draws) against training-set size."""
    k = lc["per_class"]
    fig = figure("With few examples, scattering features beat pixels under the same linear classifier",
                 "training examples per class", f"test accuracy ({lc['n_test']} digits)", xaxis_type="log",
                 height=400)
    for i, (name, a) in enumerate(lc["acc"].items()):
        fig.add_scatter(x=k, y=a.mean(1), error_y=dict(type="data", array=a.std(1)), mode="lines+markers",
                        name=name, line=dict(color=["black", COLORS[1], COLORS[0]][i % 3]))
    return fig


def cnn_link_figure(psi_hat, W1) -> go.Figure:
    """Top: the finest Morlet wavelets (real parts, cropped to the CNN's filter size); bottom: the CNN's
    learned first-layer filters (lecture 02)."""
    W = _np(W1)
    k = W.shape[-1]
    morlet = _spatial(torch.as_tensor(psi_hat)[0], k)
    W = W / np.abs(W).max((-2, -1), keepdims=True)
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.12, subplot_titles=(
        f"fixed: Morlet wavelets at the finest scale, {morlet.shape[0]} angles", f"learned: the {W.shape[0]} "
        f"first-layer filters of lecture 02's CNN ({k}×{k})"))
    fig.add_trace(go.Heatmap(z=_mosaic(morlet, morlet.shape[0]), colorscale="RdBu_r", zmid=0, showscale=False), 1, 1)
    fig.add_trace(go.Heatmap(z=_mosaic(W, W.shape[0]), colorscale="RdBu_r", zmid=0, showscale=False), 2, 1)
    for r in (1, 2):
        fig.update_xaxes(showticklabels=False, row=r, col=1)
        fig.update_yaxes(showticklabels=False, scaleanchor=f"x{r if r > 1 else ''}", row=r, col=1)
    fig.update_layout(title="A CNN's first layer learns oriented band-pass filters; scattering fixes them to wavelets",
                      height=380, template="plotly_white")
    return fig


# ----------------------------------------------------------------------------- the live widget
def build_scattering_widget(data: dict | None = None) -> WidgetUI:
    """Shift, dilation and J sliders and an image choice over :func:`widget_data` (computed here when
    ``data`` is None): the shifted, dilated image, and the relative distance to the original in pixel,
    Fourier-modulus and scattering space, against the shift (middle) and the dilation (right)."""
    import ipywidgets as W

    d = widget_data() if data is None else data
    imgs, taus, shifts, Js = d["images"], d["taus"], d["shifts"], d["Js"]
    fig = figure_widget("", "", "", height=430, margin=dict(t=110))
    fig.set_subplots(1, 3, column_widths=[0.3, 0.35, 0.35], horizontal_spacing=0.08, subplot_titles=(
        "the image, shifted and dilated", "distance vs shift c (at this τ)", "distance vs dilation τ (at this c)"))
    fig.add_heatmap(z=imgs[0, 0][::-1], colorscale="Greys", showscale=False, row=1, col=1)  # 0
    colors = ["black", "gray", COLORS[0]]
    for i, name in enumerate(REPRESENTATIONS):  # 1, 2, 3: against the shift
        fig.add_scatter(x=shifts, y=shifts * 0, name=name, line=dict(color=colors[i]), row=1, col=2)
    for i, name in enumerate(REPRESENTATIONS):  # 4, 5, 6: against the dilation
        fig.add_scatter(x=100 * taus, y=taus * 0, name=name, showlegend=False, line=dict(color=colors[i]), row=1, col=3)
    fig.add_scatter(x=[0, 0], y=[0, 1.5], mode="lines", name="current c", showlegend=False,
                    line=dict(color="gray", dash="dot"), row=1, col=2)  # 7
    fig.add_scatter(x=[2, 2], y=[0, 1.5], mode="lines", name="2^J", line=dict(color=COLORS[0], dash="dash"),
                    row=1, col=2)  # 8
    fig.add_scatter(x=[0, 0], y=[0, 1.5], mode="lines", showlegend=False, line=dict(color="gray", dash="dot"),
                    row=1, col=3)  # 9
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_yaxes(showticklabels=False, scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="shift c (pixels)", row=1, col=2)
    fig.update_xaxes(title_text="dilation τ (%)", row=1, col=3)
    fig.update_yaxes(title_text="relative distance to the original", range=[0, 1.5], row=1, col=2)
    fig.update_yaxes(range=[0, 1.5], row=1, col=3)

    image = W.Dropdown(options=[(n, i) for i, n in enumerate(d["names"])], value=0, description="image")
    shift = W.IntSlider(value=1, min=int(shifts.min()), max=int(shifts.max()), step=1, description="shift c")
    tau = W.FloatSlider(value=float(taus[2]), min=float(taus.min()), max=float(taus.max()),
                        step=float(taus[1] - taus[0]), readout_format=".3f", description="dilation τ")
    J = W.IntSlider(value=Js[len(Js) // 2], min=min(Js), max=max(Js), step=1, description="J")

    def update(change=None):
        b, c = image.value, int(shift.value)
        t = int(np.abs(taus - tau.value).argmin())
        j = Js.index(int(J.value))
        rows = (d["pixel"][b, t], d["fourier"][b, t] + 0 * shifts, d["scattering"][b, j, t])
        cols = (d["pixel"][b, :, c], d["fourier"][b], d["scattering"][b, j, :, c])
        now = (rows[0][c], rows[1][c], rows[2][c])
        with fig.batch_update():
            fig.data[0].z = np.roll(imgs[b, t], c, axis=-1)[::-1]
            for i in range(3):
                fig.data[1 + i].y = rows[i]
                fig.data[4 + i].y = cols[i]
            fig.data[7].x = [c, c]
            fig.data[8].x = [2 ** J.value, 2 ** J.value]
            fig.data[9].x = [100 * taus[t], 100 * taus[t]]
            fig.layout.title.text = (f"{d['names'][b]}, shift {c} px, dilation {taus[t]:.1%}, J = {J.value} "
                                     f"(averaging over 2^J = {2 ** J.value} px)<br>relative distance: pixels "
                                     f"{now[0]:.2f} · |Fourier| {now[1]:.2f} · scattering {now[2]:.2f}")

    for control in (image, shift, tau, J):
        control.observe(update, names="value")
    update()
    return WidgetUI(root=W.VBox([W.HBox([image, J]), W.HBox([shift, tau]), fig]), figure=fig,
                    controls={"image": image, "shift": shift, "tau": tau, "J": J}, state={"data": d})
