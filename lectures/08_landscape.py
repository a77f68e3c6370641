# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     notebook_metadata_filter: kernelspec,-jupytext.text_representation
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 08 — The loss landscape: symmetries, linear networks, level sets, mode connectivity
#
# *Mathematical Theories of Deep Learning* · after Yuan Yao's HKUST lecture.
#
# ## Objectives
# 1. See why minima come in **families**: the loss is invariant under a group of symmetries
#    $F(g\theta) = F(\theta)$ — $GL(h)$ for a linear hidden layer, permutations and positive
#    rescalings for ReLU.
# 2. Check **Kawaguchi's theorem** on deep linear networks: gradient descent from random starts
#    reaches the closed-form global minimum (reduced-rank regression); $W = 0$ is a saddle, strict
#    for two layers and *degenerate* (zero Hessian) for three.
# 3. Count the components $N_\lambda$ of **level sets** on the smallest example: width 1 splits the
#    solutions in two, width 2 joins them (Freeman & Bruna's $n_k > \min(n, m)$).
# 4. Reproduce **mode connectivity** for one-hidden-layer ReLU networks: a barrier on the straight
#    line between two trained networks, none on a trained Bézier curve; measure the barrier against
#    width and compare with Freeman & Bruna's $m^{-1/n}$.

# %%
import inspect

import numpy as np
import torch
from IPython.display import Markdown, display

from course_lib import landscape
from course_lib.core.claims import Claims
from course_lib.core.device import get_device, seed_everything
from course_lib.core.stats import mcnemar_exact
from course_lib.ui.plotting import setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("08 Loss landscape")
EPS = torch.finfo(torch.float64).eps
print(f"computing on: {device}")

# %% [markdown]
# ## The slide's claim (paraphrase)
# > **Landscape of the empirical risk.** *Training a deep network is non-convex, yet gradient methods
# > rarely get stuck. Symmetries make minima come in families; deep **linear** networks have no poor
# > local minima — every other critical point is a saddle (Kawaguchi 2016); and the **level sets**
# > $\Omega_F(\lambda) = \{\theta: F(\theta)\le\lambda\}$ of over-parameterised networks are connected:
# > exactly for linear networks with hidden widths $n_k > \min(n, m)$, and up to an energy gap
# > $\epsilon\sim m^{-1/n}$ that shrinks with the width $m$ for one-hidden-layer ReLU networks
# > (Freeman & Bruna 2017). Independently trained networks are joined by simple low-loss curves
# > (Garipov et al. 2018; Draxler et al. 2018).*
#
# ## The math
# **Symmetries.** A group $G$ acting on parameters with $F(g\theta) = F(\theta)$ maps every minimum to
# a whole orbit of minima of the same value. For $x\mapsto W_2W_1x$ and any invertible $U$,
# $$W_1 \to UW_1,\quad W_2\to W_2U^{-1}\qquad(\text{the group } GL(h)),$$
# so no minimum of a linear network is isolated. $\mathrm{relu}$ commutes only with permutations and
# positive diagonal scalings, $\mathrm{relu}(s z) = s\,\mathrm{relu}(z)$ for $s>0$: a ReLU layer keeps the
# permutations times $(0,\infty)^h$, a much smaller group.
#
# **Deep linear networks** (Kawaguchi 2016, Thm 2.3). Let $F = \tfrac12\|Y - W_k\cdots W_1X\|_F^2$ with
# $X\in\mathbb R^{d_x\times n}$, $Y\in\mathbb R^{d_y\times n}$, $XX^\top$ and $XY^\top$ of full rank, and
# $\Sigma = YX^\top(XX^\top)^{-1}XY^\top$ with distinct eigenvalues $\lambda_1 > \lambda_2 > \dots$ (the
# slide's "$\Sigma = E(XX^\top)$" is a typo). Then every local minimum is global, every other critical
# point is a saddle, and with $r = \min_i d_i$ the narrowest width,
# $$\min F = \tfrac12\Big(\|Y\|_F^2 - \sum_{i\le r}\lambda_i(\Sigma)\Big),$$
# the reduced-rank regression value: the least-squares fit $\hat Y = YX^+X$ truncated to rank $r$
# (Eckart–Young), since $\lambda_i(\Sigma) = \sigma_i(\hat Y)^2$. At $W = 0$ the gradient vanishes. For two
# layers the Hessian there is $\begin{pmatrix}0 & -B\\ -B^\top & 0\end{pmatrix}$ with $B$ built from
# $C = YX^\top$ once per hidden unit, so its eigenvalues are $\pm\sigma_i(C)$, each $h$ times, plus
# zeros: a strict saddle. For three layers every second derivative at 0 still contains a zero
# factor: the Hessian is **0**, and only the cubic term $-t^3\langle W_3W_2W_1X, Y\rangle$ reveals the
# descent direction — a saddle with no negative eigenvalue (Cor. 2.4).
#
# **Level sets.** Let $N_\lambda$ be the number of connected components of $\Omega_F(\lambda)$. If
# $N_\lambda = 1$ for every $\lambda$, there is no poor local minimum: a strict local minimum
# $\theta^*$ with $F(\theta^*) = \lambda^* > \min F$ would be, for $\lambda$ slightly above $\lambda^*$,
# inside a small component of $\Omega_F(\lambda)$ that does not contain a global minimum.
# The **converse is false**: $\tfrac12(aw-1)^2$ (a width-1 linear network $x\mapsto a\,w\,x$ fitted to
# $(x,y) = (1,1)$) has *no* poor local minimum — its critical points are the solutions $aw = 1$ and
# the saddle $(0, 0)$ — yet for $\lambda < \tfrac12$ its sublevel set has two components,
# $\{a, w > 0\}$ and $\{a, w < 0\}$: every path between them crosses an axis, where $F = \tfrac12$.
# This smallest example is ours, not Freeman & Bruna's.
#
# **Freeman & Bruna (2017).** *Linear* networks with hidden widths $n_k > \min(n, m)$ (input $n$,
# output $m$) have connected sublevel sets (Props 2.1–2.2): quotient by the $GL$ symmetry and move
# between solutions along paths in the Grassmannian of their column spaces. The strict "$>$" matters:
# our $a\,w\,x$ has width $1 = \min(1,1)$ and is the counterexample; width 2 is connected — the
# rotation $a = w = (\cos s, \sin s)$, $s\in[0,\pi]$, joins $(1,0)$ to $(-1,0)$ at loss 0. For
# *one-hidden-layer ReLU* networks (scalar output, unit-norm first-layer rows, an $\ell_1$ penalty on the
# second layer, population risk), any two parameters are joined by a path along which the risk exceeds
# $\max(F(\theta_A), F(\theta_B))$ by at most an **energy gap** $\epsilon$, with $\epsilon\lesssim m^{-1/n}$
# (Thm 2.4, Cor 2.5): over-parameterisation helps, but the rate is cursed by the input dimension $n$.
# It is an upper bound; we treat its exponent as a prediction to test. F&B also give a width-2 ReLU
# network whose level sets are disconnected, so ReLU is genuinely different from linear.
#
# **Mode connectivity** (Garipov et al. 2018, eqs. 2–3). A quadratic Bézier curve
# $$\phi_\theta(t) = (1-t)^2 w_A + 2t(1-t)\,\theta + t^2 w_B$$
# is trained on $\mathbb E_{t\sim U[0,1]}F(\phi_\theta(t))$, with gradient
# $\mathbb E_t\,2t(1-t)\,\nabla F(\phi_\theta(t))$. A **barrier** is the height of a path above the chord
# between its endpoint losses, $\max_t\,[F(\phi(t)) - (1-t)F(w_A) - tF(w_B)]$ (Entezari et al. 2022).

# %% [markdown]
# ### The landscape literature, one paragraph each
# These are the papers' own statements; this lecture checks none of them directly, so they are
# recorded as 📄 *published*, never ✔. *Choromanska, Henaff, Mathieu, Ben Arous & LeCun* map a
# (strongly simplified) network's loss to a spherical spin glass: low critical values concentrate in a
# band above the global minimum. *Haeffele & Vidal* prove global optimality for positively homogeneous
# networks with a matching regulariser. *Kawaguchi* settles deep linear networks; *Lu & Kawaguchi* and
# *Hardt & Ma* simplify and extend that picture. *Chaudhari et al.* smooth the landscape on purpose:
# the local entropy $F_\gamma(x) = -\log\!\int e^{-F(x') - \frac\gamma2\|x - x'\|^2}dx'$ favours wide valleys,
# and in the zero-temperature limit it becomes the Moreau envelope $\min_{x'}F(x') + \frac\gamma2\|x-x'\|^2$.
# *Pennington & Bahri* compute the Hessian spectrum at critical points with random matrix theory.

# %%
claims.published("Spin-glass picture: for large networks the lowest critical values form a band bounded below by "
                 "the global minimum, and local minima outside it become exponentially rare with size",
                 "model with variable independence, redundancy and uniformity assumptions",
                 "Choromanska et al. 2015, AISTATS")
claims.published("Positively homogeneous network + regulariser of the same degree: a local minimum in which some "
                 "subnetwork has all-zero weights is a global minimum", "sufficient conditions, one hidden layer or "
                 "parallel subnetworks", "Haeffele & Vidal 2017, CVPR")
claims.published("Deep linear networks (squared loss, full-rank data, distinct eigenvalues of Σ): every local "
                 "minimum is global, every other critical point is a saddle; with ≥ 3 layers some saddles have "
                 "no negative Hessian eigenvalue", "Thm 2.3 and Cor 2.4", "Kawaguchi 2016, NeurIPS")
claims.published("Depth alone creates no bad local minima: every local minimum of a deep linear network is global, "
                 "with fewer assumptions", "simplified proof", "Lu & Kawaguchi 2017, arXiv:1702.08580")
claims.published("Linear residual networks: every critical point with all layers of spectral norm < 1 is a global "
                 "minimum", "Thm 2.2", "Hardt & Ma 2017, ICLR")

# %%
claims.published("Local entropy (Entropy-SGD) biases descent towards wide valleys; its zero-viscosity limit is "
                 "the Moreau envelope (inf-convolution) of the loss", "viscous Hamilton–Jacobi PDE view",
                 "Chaudhari et al. 2017, ICLR; Chaudhari, Oberman, Osher, Soatto & Carlier 2018, Res. Math. Sci.")
claims.published("For critical points of small index, the number of negative Hessian eigenvalues scales like the "
                 "3/2 power of the energy", "random-matrix approximation, with numerical support",
                 "Pennington & Bahri 2017, ICML")
claims.published("One-hidden-layer ReLU networks are asymptotically connected: level sets connected up to an "
                 "energy gap ε ≲ m^(−1/n)", "Thm 2.4, Cor 2.5 (unit-norm rows, ℓ1 penalty, population risk)",
                 "Freeman & Bruna 2017, ICLR")
claims.published("Independently trained deep networks are joined by simple curves of nearly constant loss",
                 "Bézier / polygonal chains (Garipov); AutoNEB (Draxler)",
                 "Garipov et al. 2018, NeurIPS; Draxler et al. 2018, ICML")

# %% [markdown]
# ## The experiment
# The kernels live in [`course_lib/landscape/kernels.py`](../course_lib/landscape/kernels.py), the drivers in
# [`experiments.py`](../course_lib/landscape/experiments.py), the figures and widget in
# [`widget.py`](../course_lib/landscape/widget.py).
#
# ### 1. Symmetries: families of minima
# *Predict first:* mix the 5 hidden units of a network with a random invertible $5\times5$ matrix $U$
# ($W_1\to UW_1$, $W_2\to W_2U^{-1}$). By how much does the loss change for a linear network? For a ReLU
# network?
#
# **Tolerance.** A symmetry changes the loss only by rounding: in float64 we allow a relative change
# $|\Delta F|/F \le 1000\,\varepsilon$, times $\mathrm{cond}(U) = 10$ where $U^{-1}$ is computed — ten orders of
# magnitude below what a non-symmetry does. Changes below $10^{-15}$ (the last bits of float64, which can
# differ between runs) are printed as $10^{-15}$.

# %%
def shown(x, floor=1e-15):
    """A rounding-level figure, printed no smaller than ``floor`` (its last bits vary between runs)."""
    return max(float(x), floor)


gaps = landscape.symmetry_gaps(seed=0)
claims.at_most("Linear net: W₁ → UW₁, W₂ → W₂U⁻¹ (random U, cond 10) leaves the loss unchanged (|ΔF|/F)",
               shown(gaps["linear_GL"] / gaps["loss_linear"]), 1000 * EPS * gaps["cond_U"], fmt=".2e",
               source="float64 rounding 1000 ε, amplified by cond(U) where U⁻¹ is computed")
claims.at_most("ReLU net: permuting hidden units leaves the loss unchanged (|ΔF|/F)",
               shown(gaps["relu_permutation"] / gaps["loss"]), 1000 * EPS, fmt=".2e", source="float64 rounding")
claims.at_most("ReLU net: rescaling unit i by s_i > 0 (w_i, b_i → s_i w_i, s_i b_i; a_i → a_i/s_i) leaves the loss "
               "unchanged (|ΔF|/F)", shown(gaps["relu_positive_scaling"] / gaps["loss"]), 1000 * EPS, fmt=".2e",
               source="float64 rounding; relu(sz) = s relu(z) for s > 0")
worst_non = min(gaps["relu_rotation"], gaps["relu_negative_scaling"]) / gaps["loss"]
claims.at_least("Control: rotating the units, or rescaling by s < 0, is NOT a symmetry of ReLU "
                "(smallest relative change |ΔF|/F)", worst_non, 1e6 * 1000 * EPS, fmt=".3g",
                source="a million times the rounding tolerance")

# %%
landscape.symmetry_figure(gaps)

# %% [markdown]
# ### 2. Deep linear networks: no poor local minima, a degenerate saddle at 0
# *Predict first:* 16 random starts of plain gradient descent on a depth-2 network with hidden width 2
# (rank $\le 2$ while $\min(d_x, d_y) = 3$: the constraint binds), and on a depth-3 network with widths
# 4, 2. Do all of them end at the same loss? Which one?
#
# Data: $X\in\mathbb R^{5\times40}$ Gaussian, $Y = AX + 0.3\,\text{noise}\in\mathbb R^{3\times40}$.
# **Tolerance:** a relative gap of $10^{-9}$ (gaps at the rounding level print as $10^{-14}$). Every other
# critical value is $\tfrac12(\|Y\|^2 - \sum_{i\in S}\lambda_i)$ for another index set $S$, the nearest one
# $\tfrac12(\lambda_2 - \lambda_3)$ away — printed below, millions of times the tolerance, so a run stuck at
# a saddle, or a closed form with a wrong eigenvalue set or factor, cannot pass.

# %%
X_lin, Y_lin = landscape.linear_regression_problem(d_x=5, d_y=3, n=40, noise=0.3, seed=0)
runs = landscape.deep_linear_runs(X_lin, Y_lin, architectures=((2,), (4, 2)), n_starts=16, n_steps=500, lr=2e-3)
lam = torch.linalg.svdvals(torch.linalg.lstsq(X_lin.T, Y_lin.T).solution.T @ X_lin) ** 2  # eigenvalues of Σ
print(f"eigenvalues of Σ: {lam.numpy().round(2)}; nearest other critical value "
      f"½(λ₂ − λ₃) = {float(lam[1] - lam[2]) / 2:.3g} away")
for r in runs:
    rel = shown(float((r["final"] - r["min_loss"]).abs().max()) / r["min_loss"], 1e-14)
    claims.at_most(f"Depth {len(r['widths']) + 1}, widths {r['widths']}: all 16 GD starts reach the closed-form "
                   f"minimum ½(‖Y‖² − λ₁ − λ₂) = {r['min_loss']:.4f} (max relative gap)", rel, 1e-9, fmt=".2e",
                   source="Kawaguchi 2016 Thm 2.3; 1e-9 ≪ the nearest other critical value, ½(λ₂ − λ₃) away")

# %%
landscape.deep_linear_figure(runs)

# %% [markdown]
# The origin. For two layers (hidden width $h = 2$) the autograd Hessian at $W = 0$ must have exactly the
# spectrum $\pm\sigma_i(YX^\top)$, each twice, plus zeros (tolerance: rounding, $10^{-12}\sigma_1$). For
# three layers it must vanish — and yet the loss decreases along the cubic direction
# $W_1 = t\,e_1v_1^\top$, $W_2 = t\,e_1e_1^\top$, $W_3 = t\,u_1e_1^\top$ ($u_1, v_1$ the top singular pair of
# $YX^\top$): $F(t) - F(0) = -t^3\sigma_1 + \tfrac12t^6\|u_1v_1^\top X\|^2 < 0$ for small $t$.

# %%
eig2 = landscape.hessian_at_zero(X_lin, Y_lin, [2])
theory2 = landscape.hessian_at_zero_theory(X_lin, Y_lin, 2)
sigma = torch.linalg.svdvals(Y_lin @ X_lin.T)
claims.at_most("Depth 2: the Hessian at W = 0 has eigenvalues ±σᵢ(YXᵀ), each h = 2 times, plus zeros — a strict "
               "saddle (max |autograd − theory| / σ₁)", shown(float((eig2 - theory2).abs().max()) / float(sigma[0])),
               1e-12, fmt=".2e", source="closed form ±σᵢ(C); rounding 1e-12")
eig3 = landscape.hessian_at_zero(X_lin, Y_lin, [2, 2])
claims.at_most("Depth 3: the Hessian at W = 0 is exactly zero (max |eigenvalue|)", float(eig3.abs().max()), 0.0,
               fmt=".1e", source="exact: every second derivative at 0 keeps a zero factor (Kawaguchi Cor 2.4)")

# %%
U_svd, _, Vh_svd = torch.linalg.svd(Y_lin @ X_lin.T)
t3 = 0.1
e1 = torch.eye(2, dtype=torch.float64)[:, :1]
W_dir = [t3 * e1 @ Vh_svd[:1], t3 * e1 @ e1.T, t3 * U_svd[:, :1] @ e1.T]  # (2,5), (2,2), (3,2)
drop = float(landscape.deep_linear_loss(W_dir, X_lin, Y_lin) - landscape.deep_linear_loss(
    [0 * W for W in W_dir], X_lin, Y_lin))
predicted = -t3 ** 3 * float(sigma[0]) + 0.5 * t3 ** 6 * float((U_svd[:, :1] @ Vh_svd[:1] @ X_lin).pow(2).sum())
claims.check("…yet W = 0 is not a minimum: along the cubic direction the loss drops by −t³σ₁ + ½t⁶‖u₁v₁ᵀX‖² "
             "(t = 0.1; a saddle with no negative eigenvalue)", drop < 0 and abs(drop - predicted) <= 1e-10 * abs(
                 predicted), f"F(t) − F(0) = {drop:.6g}, predicted {predicted:.6g}",
             source="exact expansion in t; rounding 1e-10")

# %% [markdown]
# ### 3. Level sets: width 1 splits, width 2 joins
# *Predict first:* for $\tfrac12(a\cdot w - 1)^2$ with width 1 and with width 2, how many components does
# $\{F\le 0.1\}$ have? And $\{F \le 0.6\}$?
#
# We count $N_\lambda$ on a grid over $[-1.6, 1.6]^{2k}$ (21 points per axis, $0$ on the grid; neighbours
# differ by at most one step in each coordinate) — a 2-D grid for width 1, a 4-D grid for width 2.
# Theory: width 1 has $N_\lambda = 2$ for $\lambda<\tfrac12$ and $1$ above; width 2 has $N_\lambda = 1$.

# %%
ls = landscape.toy_level_sets(levels=(0.1, 0.3, 0.6), half_width=1.6, n_grid=21)
print(f"levels {ls['levels']}: width 1 → N_λ = {ls['width1']}, width 2 → N_λ = {ls['width2']}")
claims.check("Width 1: N_λ = 2 below λ = ½ and 1 above; width 2: N_λ = 1 at every level (grid count)",
             ls["width1"] == [2, 2, 1] and ls["width2"] == [1, 1, 1],
             f"width 1: {ls['width1']}, width 2: {ls['width2']} at λ = {ls['levels']}",
             source="theory: the axes (F = ½) separate {a, w > 0} from {a, w < 0}; Freeman & Bruna n_k > min(n, m)")
H0 = torch.autograd.functional.hessian(landscape.toy_linear_loss, torch.zeros(2, dtype=torch.float64))
claims.check("…and yet width 1 has no poor local minimum: its only non-global critical point (0, 0) is a strict "
             "saddle (Hessian eigenvalues ±1)", torch.allclose(torch.linalg.eigvalsh(H0),
                                                                torch.tensor([-1.0, 1.0], dtype=torch.float64)),
             f"eigenvalues {torch.linalg.eigvalsh(H0).numpy()}", source="closed form: H(0, 0) = [[0, −1], [−1, 0]]")

# %% [markdown]
# Now paths between the two solutions $w_A = (a, w) = (e_1, e_1)$ and $w_B = -w_A$. The segment passes
# through $0$, where $F = \tfrac12$. For width 1, *every* path climbs to $\tfrac12$, so even a trained Bézier
# curve must (tolerance: half the largest step of its 201-point profile, the most a maximum can hide
# between grid points). For width 2, the rotation path stays at 0, and training the control point — with
# the same `fit_bezier` that fails at width 1 — should find a low curve. As a yardstick, the hand-made
# control point $\theta = (0, 2, 0, 2)$ gives a curve of barrier $1/32$; training should do at least as well.

# %%
tp = landscape.toy_paths(steps=400, lr=0.05, n_points=201, seed=0)
seg = float(landscape.path_barrier(tp[1]["linear"]))
claims.close("The segment between the two solutions has barrier exactly ½ (it passes through 0)", seg, 0.5,
             atol=1e-12, source="exact; rounding 1e-12")
b1 = tp[1]["bezier"]
grid_tol = 0.5 * float((b1[1:] - b1[:-1]).abs().max())
claims.at_least("Width 1: even the trained Bézier curve climbs to ½ (max loss on the curve; tolerance: half its "
                "largest step between grid points)", float(b1.max()), 0.5 - grid_tol, fmt=".5f",
                source="every path crosses an axis, where F = ½")
claims.at_most("Width 2: the rotation path a = w = (cos s, sin s) stays at loss 0 (max; rounding)",
               shown(tp[2]["rotation"].max()), 1e-14, fmt=".1e", source="exact: cos² + sin² = 1; rounding")

# %%
bar2, ctl2 = float(landscape.path_barrier(tp[2]["bezier"])), float(landscape.path_barrier(tp[2]["control"]))
claims.at_most("Width 2: the trained Bézier curve lowers the barrier from ½ to at most the hand-made curve's 1/32",
               bar2, 1 / 32, fmt=".4f", source="barrier of the hand-made control point θ = (0, 2, 0, 2)")
claims.at_least("Control: the untrained control point (midpoint + 5% noise) keeps the segment's barrier "
                "(≥ 0.9 × ½)", ctl2, 0.45, fmt=".4f", source="0.9 × the segment's barrier ½, fixed before the run")
print(f"trained control point θ = {tp[2]['theta'].numpy().round(3)} (a₁, a₂, w₁, w₂)")

# %%
landscape.toy_landscape_figure(tp)

# %%
landscape.toy_profiles_figure(tp)

# %% [markdown]
# ### 4. Freeman–Bruna for ReLU networks: barriers against width
# *Predict first:* train two ReLU networks of width $m$ independently to the same loss. On the straight
# line between them, how high does the loss climb — and does that barrier shrink as $m$ grows? On a
# trained curve?
#
# **Set-up.** A teacher–student task with input dimension $n = 2$: $x\sim N(0, I_2)$, 128 points,
# $y$ the output of a random width-6 ReLU teacher, standardised (loss 1 = predicting the mean). Students
# have widths $m\in\{6, 8, 12, 16, 24, 32\}$, 8 pairs per width, all 96 networks **packed into one tensor**
# (a width-$m$ network costs $m$ hidden units of one flat vector; `landscape.ReluEnsemble`), trained with Adam and
# each frozen the first time its training loss reaches **0.01**: every width compared at a common loss, so
# the endpoint loss cannot confound the width trend. Pairs with an endpoint that never gets there are
# left out (counted below). Then, for all pairs at once: the segment, a Bézier curve trained by
# `fit_bezier` (below; 250 Adam steps, 4 stratified $t$ per step), and the untrained curve as a control.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(landscape.fit_bezier))

# %%
mc = landscape.mode_connectivity(widths=(6, 8, 12, 16, 24, 32), pairs=8, level=0.01, seed=0, device=device)
ws = landscape.width_summary(mc, confidence=0.9)
B_lin, B_bez = mc.barriers("linear"), mc.barriers("bezier")
print("pairs kept per width:", dict(zip(mc.widths, ws["kept"].tolist())))
for m, lo, bz, ct in zip(mc.widths, ws["linear"]["median"], ws["bezier"]["median"], ws["control"]["median"]):
    print(f"width {m:2d}: median barrier — segment {lo:.3f}, untrained curve {ct:.3f}, trained Bézier {bz:.4f}")

# %% [markdown]
# **The claims, with the thresholds fixed before the run.** A barrier is "clear" when it is at least ten
# times the training level (0.1); "almost none" when the trained curve's median is below a tenth of the
# segment's. The untrained curve is the segment moved by a 5% perturbation, so it must keep at least half
# of the segment's barrier — otherwise the low barrier would come from the parameterisation, not from
# the search. The paired sign test uses every kept pair (exact binomial on the pairs where one path wins).

# %%
claims.at_least("The segment between independently trained ReLU nets shows a clear barrier at every width "
                "(smallest median barrier; threshold 10 × the training level)", float(ws["linear"]["median"].min()),
                10 * mc.level, fmt=".3f", source="'clear' = 10 × the training level, fixed before the run")
claims.at_most("A trained Bézier curve removes almost all of it: at every width, median(Bézier) ≤ median(segment)/10 "
               "(largest ratio)", float(np.max(ws["bezier"]["median"] / ws["linear"]["median"])), 0.1, fmt=".4f",
               source="'almost none' = a tenth, fixed before the run")
keep = ~np.isnan(B_lin)
sign = mcnemar_exact(B_bez[keep] < B_lin[keep], B_bez[keep] > B_lin[keep])
claims.check("…pair by pair: the trained curve's barrier is lower than the segment's (exact sign test, one-sided "
             "p ≤ 0.05)", sign.pvalue <= 0.05, f"{sign.a_only} of {int(keep.sum())} pairs lower, {sign.b_only} "
             f"higher; exact p = {sign.pvalue:.2g}", source="exact binomial sign test, α = 0.05")
claims.at_least("Control: the untrained curve keeps the segment's barrier, median ≥ ½ × median(segment) at every "
                "width (smallest ratio)", float(np.min(ws["control"]["median"] / ws["linear"]["median"])), 0.5,
                fmt=".3f", source="½: the untrained curve is the segment moved by a 5% perturbation")

# %%
landscape.profiles_figure(mc, width=8, pair=0)

# %% [markdown]
# **Against width.** Freeman & Bruna's bound says the gap can shrink no slower than $m^{-1/n} = m^{-1/2}$
# (up to constants). We test the two things that can be tested without knowing the constant: the
# trained curve's barrier *decreases* from the narrowest to the widest networks (exact rank-sum test,
# exact with the many barriers that are exactly 0), and its median stays under the rate $m^{-1/2}$
# anchored at the narrowest width (a decay at least as fast as the bound's).

# %%
p_trend = landscape.rank_sum_exact(B_bez[0], B_bez[-1])
claims.check(f"The trained curve's barrier shrinks with width: width {mc.widths[0]} > width {mc.widths[-1]} "
             "(exact rank-sum test, one-sided p ≤ 0.05)", p_trend <= 0.05,
             f"medians {ws['bezier']['median'][0]:.4f} vs {ws['bezier']['median'][-1]:.4f}; exact p = {p_trend:.2g}",
             source="exact rank-sum (permutation) test, ties included, α = 0.05")
m_arr, med_bez = ws["widths"].astype(float), ws["bezier"]["median"]
envelope = med_bez[0] * (m_arr / m_arr[0]) ** (-1 / 2)
claims.at_most("…at least as fast as Freeman–Bruna's rate m^(−1/n), n = 2, anchored at the narrowest width "
               "(largest median / rate)", float(np.max(med_bez[1:] / envelope[1:])), 1.0, fmt=".3f",
               source="Freeman & Bruna 2017, Cor 2.5: ε ≲ m^(−1/n), constant anchored at the narrowest width")
slope, n_used = landscape.decay_slope(m_arr, med_bez)
print(f"log-log slope of the Bézier median over the {n_used} widths where it is > 0: {slope:.2f} "
      f"(the bound's exponent: −0.5); the segment's medians do not fall: {ws['linear']['median'].round(2)}")

# %%
landscape.barrier_width_figure(ws, level=mc.level, d_in=2)

# %% [markdown]
# **Reading it.** The trained curve's barrier falls far faster than $m^{-1/2}$ and is exactly 0 — the
# curve never rises above the chord — from width 16 on: F&B's bound holds but is loose here. The *straight*
# line does not improve with width at all: the width trend of the linear barrier reported by later work
# (Entezari et al. 2022) appears only after the hidden units of one network are permuted to match the
# other's (below). What F&B leave open — whether level sets of *deep* ReLU networks are connected, and
# how tight the $m^{-1/n}$ gap is — has been pursued since (Venturi, Bandeira & Bruna 2019; Nguyen 2019;
# Kuditipudi et al. 2019); the exponent is not settled by any experiment this small.
#
# The loss on the plane through $w_A$, $w_B$ and the trained control point $\theta$ (Garipov et al.,
# Fig. 1): the segment crosses a ridge, the curve goes around it.

# %%
landscape.loss_plane_figure(landscape.loss_plane(mc, width=8, pair=0, n_grid=41))

# %% [markdown]
# **Symmetries again: the barrier of a segment is not a property of the two functions.** Permuting B's
# hidden units gives the *same* function (same loss), but another point of its family — and another
# segment. Choosing the permutation that best matches B's units to A's (weight matching by the Hungarian
# algorithm, Ainsworth et al. 2023) should cut the straight-line barrier (Entezari et al.'s conjecture:
# modulo permutations, the barrier vanishes). Tolerance for "same loss" in float32: $100\,\varepsilon_{32}F$.

# %%
sym = landscape.symmetry_profiles(mc, seed=0)
loss_b = sym["loss_b"]
rel_change = ((loss_b - loss_b[0]).abs() / loss_b[0]).amax(1).cpu().numpy()   # per transformation
claims.at_most("Permuting, rescaling (s > 0) and weight-matching B's units leave its loss unchanged "
               "(max relative change; tolerance 100 ε₃₂)", shown(rel_change[1:4].max(), 1e-6),
               100 * float(torch.finfo(torch.float32).eps), fmt=".2e", source="float32 rounding")
B_match = landscape.path_barrier(sym["profiles"][:, 3]).cpu().numpy()[keep.reshape(-1)]
med_lin_all, med_match = float(np.median(B_lin[keep])), float(np.median(B_match))
claims.at_most("Weight matching (a permutation: the same function) cuts the segment's barrier: median over all "
               "kept pairs, matched ≤ ¼ × unmatched", med_match, 0.25 * med_lin_all, fmt=".4f",
               source="¼, fixed before the run (Entezari et al. 2022; Ainsworth et al. 2023)")

# %% [markdown]
# ## A live widget: paths between two networks
# *(ipywidgets controls drive a plotly `FigureWidget`, updated in place; a static HTML export shows the
# figure but not the controls — run the lecture in `make lab`.)*
# Choose a **width** and a **pair**: the gray line is the loss along the segment, the blue one along the
# trained Bézier curve, the dotted one along the untrained curve. Choose a transformation **g** of
# network B: the red dashed line is the segment from A to $g\cdot B$, and the line above the plot says
# whether B's loss changed. A permutation or a positive rescaling is a symmetry (same loss) but moves the
# segment; weight matching moves it to a low one; a rotation of the units is not a symmetry of ReLU.
# Everything was computed above in one batch; a control move only indexes arrays.

# %%
ui = landscape.build_landscape_widget(mc, sym)
ui

# %% [markdown]
# ## Exercises
# ### Exercise 1 — predict the minimum of a linear network
# Take $X = I_3$ (three samples) and $Y = \mathrm{diag}(3, 2, 1)$. **Before computing anything**, derive
# the global minimum of $\tfrac12\|Y - W_2W_1X\|_F^2$ when the hidden layer has **one** unit and enter it
# (tolerance ±0.01). `pred_min.hint()` gives a hint in steps.

# %%
my_minimum = ...  # your number here

pred_min = landscape.prediction_rank_one_minimum()
pred_min.check(my_minimum)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Width 1 = rank 1; Eckart–Young keeps σ₁ = 3 and drops 2 and 1; the closed form agrees.
pred_min.check(0.5 * (2**2 + 1**2), strict=True)
assert abs(float(landscape.deep_linear_min_loss(torch.eye(3), torch.diag(torch.tensor([3.0, 2.0, 1.0])), 1))
           - 2.5) < 1e-6

# %% [markdown]
# ### Exercise 2 — the loss along a Bézier curve
# Write `bezier_losses(loss_fn, w_a, theta, w_b, t)`: for each entry of the 1-D tensor `t`, the loss
# `loss_fn` (a function of one flat parameter vector) at the point $\phi_\theta(t)$ of the quadratic
# Bézier curve with endpoints `w_a`, `w_b` and control point `theta`; return a tensor of shape `(len(t),)`.
# `ex_bez.hint()` gives a hint in steps.

# %%
def bezier_losses(loss_fn, w_a, theta, w_b, t):
    raise NotImplementedError  # your code here


ex_bez = landscape.exercise_bezier_losses()
ex_bez.check(bezier_losses)

# %% tags=["solution"] jupyter={"source_hidden": true}
def bezier_losses_solution(loss_fn, w_a, theta, w_b, t):
    return torch.stack([loss_fn((1 - s) ** 2 * w_a + 2 * s * (1 - s) * theta + s ** 2 * w_b) for s in t])


ex_bez.check(bezier_losses_solution, strict=True)

# %% [markdown]
# ### Exercise 3 — predict the barrier at a larger width
# The table of section 4 stopped at width 32. The next cell trains 4 more pairs at width **64** (same
# task, same level, same curve training) but does not show the result. Predict the **median barrier of
# the trained Bézier curve** at width 64 (MSE, tolerance ±0.002 = a fifth of the training level). Would
# extrapolating Freeman–Bruna's $m^{-1/2}$ from width 6 be a good guess?

# %%
mc64 = landscape.mode_connectivity(widths=(64,), pairs=4, level=0.01, seed=1, device=device)
my_barrier = ...  # your number here

pred_wide = landscape.prediction_wide_barrier(landscape.width_summary(mc64)["bezier"]["median"][0], abs_tol=0.002)
pred_wide.check(my_barrier)

# %% tags=["solution"] jupyter={"source_hidden": true}
# From width 16 on the median barrier of the trained curve is 0, and nothing pushes it back up with width.
pred_wide.check(0.0, strict=True)

# %% [markdown]
# ## What we verified

# %%
claims.table()

# %%
rows = "".join(f"| {m} | {ws['kept'][i]} | {ws['linear']['median'][i]:.3f} [{ws['linear']['low'][i]:.3f}, "
               f"{ws['linear']['high'][i]:.3f}] | {ws['control']['median'][i]:.3f} | {ws['bezier']['median'][i]:.4f} "
               f"[{ws['bezier']['low'][i]:.4f}, {ws['bezier']['high'][i]:.4f}] |\n" for i, m in enumerate(mc.widths))
display(Markdown(
    "**Closing note: barriers against width** (median over pairs, order-statistic interval of ≥ 90% coverage; MSE "
    "above the chord, training level 0.01)\n\n| width | pairs | segment | untrained curve | trained Bézier |\n"
    f"|---|---|---|---|---|\n{rows}\nWeight matching lowers the segment's median barrier from {med_lin_all:.3f} to "
    f"{med_match:.4f}; the toy net's trained curve has barrier {bar2:.4f} at width 2 against ½ at width 1."
))

# %% [markdown]
# **On the numbers.** Timings and mutants are measured outside the lecture (`make bench`, `make mutants`;
# no timers here). When it was written, the whole lecture took about 7.5 s of CPU under nbval on the
# 2-core course machine (one thread), of which about 4.3 s is computation: the 96 networks, the 48 curves
# and the symmetry profiles run as one packed tensor program. Each wrong kernel below makes the lecture
# stop on a claim (`make mutants`):
#
# | wrong kernel (mutant) | the plausible mistake | the claim that stops it (measured) |
# |---|---|---|
# | `deep_linear_min_loss` | forgets the ½ | depth 2: GD reaches the closed form (relative gap 0.5) |
# | `fit_bezier` | never trains: returns its start | width 2: trained curve ≤ 1/32 (barrier 0.50) |
# | `bezier_path` | middle weight $t(1-t)$, not $2t(1-t)$ | width 2: trained curve ≤ 1/32 (barrier 0.26) |
# | `linear_path` | interpolates $w_A$ with itself | the segment's barrier is ½ (measured 0) |
# | `toy_linear_loss` | reads only the first hidden unit | $N_\lambda$ counts (width 2 gives 2, 2, 1) |
# | weight matching | Hungarian cost with the wrong sign | matched ≤ ¼ × unmatched (0.94 against 0.11) |
#
# ## References
# - K. Kawaguchi (2016). Deep learning without poor local minima. *NeurIPS*.
# - P. Baldi, K. Hornik (1989). Neural networks and principal component analysis: learning from examples without local minima. *Neural Networks* 2(1).
# - T. W. Anderson (1951). Estimating linear restrictions on regression coefficients for multivariate normal distributions. *Annals of Mathematical Statistics* 22(3).
# - H. Lu, K. Kawaguchi (2017). Depth creates no bad local minima. arXiv:1702.08580.
# - M. Hardt, T. Ma (2017). Identity matters in deep learning. *ICLR*.
# - C. D. Freeman, J. Bruna (2017). Topology and geometry of half-rectified network optimization. *ICLR* (arXiv:1611.01540).
# - T. Garipov, P. Izmailov, D. Podoprikhin, D. Vetrov, A. G. Wilson (2018). Loss surfaces, mode connectivity, and fast ensembling of DNNs. *NeurIPS*.
# - F. Draxler, K. Veschgini, M. Salmhofer, F. Hamprecht (2018). Essentially no barriers in neural network energy landscape. *ICML*.
# - R. Entezari, H. Sedghi, O. Saukh, B. Neyshabur (2022). The role of permutation invariance in linear mode connectivity of neural networks. *ICLR*.
# - S. K. Ainsworth, J. Hayase, S. Srinivasa (2023). Git Re-Basin: merging models modulo permutation symmetries. *ICLR*.
# - A. Choromanska, M. Henaff, M. Mathieu, G. Ben Arous, Y. LeCun (2015). The loss surfaces of multilayer networks. *AISTATS*.
# - B. D. Haeffele, R. Vidal (2017). Global optimality in neural network training. *CVPR*.
# - P. Chaudhari, A. Choromanska, S. Soatto, Y. LeCun, C. Baldassi, C. Borgs, J. Chayes, L. Sagun, R. Zecchina (2017). Entropy-SGD: biasing gradient descent into wide valleys. *ICLR*.
# - P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier (2018). Deep relaxation: partial differential equations for optimizing deep neural networks. *Research in the Mathematical Sciences* 5, article 30.
# - J. Pennington, Y. Bahri (2017). Geometry of neural network loss surfaces via random matrix theory. *ICML*.
# - L. Venturi, A. S. Bandeira, J. Bruna (2019). Spurious valleys in one-hidden-layer neural network optimization landscapes. *JMLR* 20.
# - Q. Nguyen (2019). On connected sublevel sets in deep learning. *ICML*.
# - R. Kuditipudi, X. Wang, H. Lee, Y. Zhang, Z. Li, W. Hu, S. Arora, R. Ge (2019). Explaining landscape connectivity of low-cost solutions for multilayer nets. *NeurIPS*.
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
