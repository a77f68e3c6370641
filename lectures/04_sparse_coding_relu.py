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
# # Lecture 04 — Sparse representations: from ℓ0 to ℓ1, soft thresholding, and ReLU
#
# *Mathematical Theories of Deep Learning* · after Yuan Yao's HKUST lecture.
#
# ## Objectives
# 1. Solve **basis pursuit** exactly as a linear program and watch exact recovery switch off at the
#    **Donoho–Tanner phase transition**, far beyond what mutual coherence guarantees, with a test that
#    would fail if the transition moved by 3 in either direction; compare with greedy **OMP** (checked
#    where Tropp's exact recovery condition guarantees it) and one-shot **thresholding**.
# 2. Show that **soft thresholding** $S_\beta$ is the proximal operator of $\beta|\cdot|$ and that the
#    slide's "crude approximation" $S_\beta(D^\top x)$ is one step of **ISTA**.
# 3. Check the **$O(1/k)$ and $O(1/k^2)$** rates of ISTA and FISTA by their fitted log–log slopes on
#    the problem where the bounds are tight, and our FISTA against scikit-learn's Lasso; then build a Lasso
#    solver that stops at scikit-learn's certified gap: **adaptive restart, gap-safe screening, working sets
#    and Newton steps on the support**.
# 4. Verify that a **ReLU network's forward pass is layered nonnegative soft thresholding**
#    (Papyan, Romano & Elad), and find when layered thresholding recovers a multi-layer code and
#    when it fails while basis pursuit still succeeds.

# %%
import inspect

import numpy as np
import torch
from IPython.display import Markdown, display

from course_lib import sparse
from course_lib.core.claims import Claims
from course_lib.core.device import generator, get_device, seed_everything
from course_lib.core.stats import mcnemar_exact, two_proportions
from course_lib.ui.plotting import setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("04 Sparse coding, soft thresholding, ReLU")
EPS = torch.finfo(torch.float64).eps
print(f"computing on: {device}")

# %% [markdown]
# ## The slide's claim
# *(Paraphrase of three slides, with their titles; the deck's wording is not quoted here.)*
#
# > **Sparse Representations / Compressed Sensing.** *Finding the sparsest $\Gamma$ with
# > $X = D\Gamma$ is NP-hard; its convex relaxation, $\min\|\Gamma\|_1$ s.t. $X = D\Gamma$, recovers
# > it when $\Gamma$ is sparse enough.*
#
# > **From Soft Thresholding to ReLU.** *The crude approximation $\hat\Gamma = S_\beta(D^\top X)$ …
# > with a nonnegativity constraint, $S^+_\beta(z) = \max(z-\beta, 0) = \mathrm{ReLU}(z-\beta)$.*
#
# > **Convolutional Neural Network** (Papyan, Sulam & Elad). *The forward pass of a CNN,
# > $\mathrm{ReLU}(W_2\,\mathrm{ReLU}(W_1X + b_1) + b_2)$, is layered thresholding pursuit of a
# > multi-layer convolutional sparse model with $W_i = D_i^\top$, $b_i = -\beta_i$.*
#
# ## The math
# **ℓ0 → ℓ1.** $\min\|\Gamma\|_0$ s.t. $X = D\Gamma$ is NP-hard (Natarajan 1995). **Basis pursuit**
# (Chen, Donoho & Saunders 1998) replaces it by $\min\|\Gamma\|_1$ s.t. $X = D\Gamma$, a linear
# program with $\Gamma = u - v$, $u, v \ge 0$:
# $$\min_{u,v\ge 0}\ \mathbf 1^\top(u+v)\quad\text{s.t.}\quad D(u - v) = X .$$
# *Mutual coherence* $\mu(D) = \max_{i\ne j}|d_i^\top d_j|/(\|d_i\|\|d_j\|)$ gives a worst-case
# guarantee: if $\|\Gamma\|_0 < \tfrac12\bigl(1 + 1/\mu(D)\bigr)$, both BP and OMP recover $\Gamma$
# (Donoho & Elad 2003, Thm 7; Tropp 2004, Thm A). For a Gaussian $D\in\mathbb R^{m\times n}$ with
# $s$-sparse $\Gamma$, the *typical* behaviour is a sharp **phase transition**: BP succeeds with high
# probability when $m > n\,\psi(s/n)$ and fails when $m < n\,\psi(s/n)$, where
# $$\psi(\rho) = \inf_{\tau\ge 0}\ \rho(1+\tau^2) + (1-\rho)\,\mathbb E(|g|-\tau)_+^2,\quad g\sim N(0,1)$$
# is the normalised *statistical dimension* of the ℓ1 descent cone (Amelunxen, Lotz, McCoy & Tropp
# 2014, Prop. 4.5) — the same curve as Donoho & Tanner's (2009).
#
# **Soft thresholding** is a proximal operator:
# $$S_\beta(z) = \operatorname{sign}(z)\max(|z|-\beta, 0) = \arg\min_x\ \tfrac12(x-z)^2 + \beta|x| .$$
# For the Lasso $F(x) = \tfrac12\|y - Dx\|^2 + \beta\|x\|_1$, **ISTA** (Beck & Teboulle 2009, eq. 3.1) is
# $x_{k+1} = S_{\beta/L}\bigl(x_k + D^\top(y - Dx_k)/L\bigr)$ with $L = \|D\|_2^2$, and
# $F(x_k) - F^\star \le L\|x_0 - x^\star\|^2/(2k)$ (Thm 3.1). **FISTA** adds momentum (eqs. 4.1–4.3)
# and improves this to $2L\|x_0 - x^\star\|^2/(k+1)^2$ (Thm 4.4). From $x_0 = 0$ with $L = 1$, one
# ISTA step is exactly the slide's $S_\beta(D^\top y)$.
#
# **ReLU.** $S^+_\beta(z) = \max(z-\beta, 0) = \mathrm{ReLU}(z-\beta)$ is the prox of
# $\beta\|x\|_1 + \iota_{x\ge 0}$. Layered thresholding of $X = D_1\Gamma_1$, $\Gamma_1 = D_2\Gamma_2$
# (Papyan, Romano & Elad 2017, eq. 8),
# $$\hat\Gamma_1 = S^+_{\beta_1}(D_1^\top X),\qquad \hat\Gamma_2 = S^+_{\beta_2}(D_2^\top\hat\Gamma_1),$$
# *is* the forward pass $\mathrm{ReLU}(W_2\,\mathrm{ReLU}(W_1 X + b_1) + b_2)$ with $W_i = D_i^\top$,
# $b_i = -\beta_i$. Its guarantee (their Thm 4, noiseless) needs
# $\|\Gamma_i\|^{s}_{0,\infty} < \tfrac12\bigl(1 + \tfrac{1}{\mu(D_i)}\tfrac{|\Gamma_i^{\min}|}{|\Gamma_i^{\max}|}\bigr)$,
# stated in the $\ell_{0,\infty}$ **stripe norm** $\|\Gamma\|^{s}_{0,\infty}$: the largest number of nonzeros in
# any *stripe* of a convolutional code (the coefficients whose atoms overlap one patch of the signal). A local
# count, so a long signal may hold many nonzeros in all. Since $\|\Gamma\|^{s}_{0,\infty} \le \|\Gamma\|_0$, the
# global condition with $\|\Gamma_i\|_0$, which we check in experiment 6, is sufficient. Either way the guarantee
# degrades with the **contrast** $|\Gamma^{\min}|/|\Gamma^{\max}|$, while basis pursuit's does not.

# %% [markdown]
# ## The experiment
# The kernels live in [`course_lib/sparse/kernels.py`](../course_lib/sparse/kernels.py); the drivers that batch
# many random problems in [`experiments.py`](../course_lib/sparse/experiments.py), the figures and the widget in
# [`widget.py`](../course_lib/sparse/widget.py).
#
# ### 1. Soft thresholding is the prox of $\beta|\cdot|$
# *Predict first:* for $\beta = 1$, where does $\arg\min_x \tfrac12(x-z)^2 + |x|$ sit when $z = 0.7$?
# When $z = -2.5$?
#
# We minimise by brute force on a grid of spacing $h$ and compare. For a convex function of one
# variable the grid minimiser is one of the two grid points around the true minimiser, so the two
# must agree to within $h$; and the closed form must never have a *larger* objective than any grid point.

# %%
z = torch.linspace(-4, 4, 161, dtype=torch.float64)  # inputs
betas = torch.tensor([0.0, 0.3, 1.0, 2.5], dtype=torch.float64)
grid = torch.linspace(-6, 6, 4801, dtype=torch.float64)
h = float(grid[1] - grid[0])
Z, Bt = z[None, :, None], betas[:, None, None]
objective = 0.5 * (grid[None, None, :] - Z) ** 2 + Bt * grid.abs()  # (beta, z, grid): one batched tensor
x_brute = grid[objective.argmin(-1)]
x_prox = sparse.soft_threshold(z[None, :], betas[:, None])
F = lambda x: 0.5 * (x - z[None, :]) ** 2 + betas[:, None] * x.abs()  # noqa: E731
claims.at_most("S_β(z) matches the brute-force minimiser of ½(x−z)² + β|x| to within the grid spacing h",
               float((x_brute - x_prox).abs().max()), h, fmt=".2e")
claims.at_most("…and no grid point has a lower objective than S_β(z) (up to rounding, 8ε·F)",
               float((F(x_prox) - F(x_brute)).max()), float(8 * EPS * F(x_brute).max()), fmt=".2e")

# %%
sparse.widget.prox_figure(z, betas, x_prox, x_brute)

# %% [markdown]
# ### 2. From ℓ0 to ℓ1: the phase transition, OMP, thresholding and coherence
# *Predict first:* with $n = 50$ unknowns and $m = 25$ Gaussian measurements, up to what sparsity
# $s$ does basis pursuit recover $\Gamma$ exactly? What does the coherence guarantee promise?
#
# 216 problems (18 sparsities × 12 trials), each with its own Gaussian $D$ (unit columns) and a
# random $s$-sparse $\Gamma$ with ±1 entries, run as one batch. The 216 linear programs go to
# scipy's HiGHS in block-diagonal groups of 8; OMP and thresholding are batched tensor code.
# Success means $\|\hat\Gamma - \Gamma\| \le 10^{-4}\|\Gamma\|$. BP's success depends only on the
# support and the signs (the descent cone does), so ±1 entries lose nothing for ℓ1 and are the hard
# case for greedy methods.

# %%
n, m, T = 50, 25, 12
s_grid = np.arange(1, 19)
pt = sparse.recovery_experiment(n, m, s_grid, T, seed=0, amplitudes="sign", progress=True, device=device)
rate = {k: v.cpu().numpy() for k, v in pt["rate"].items()}
# the 1 → 0 transition of each success curve: s_min − ½ + Σ rates, with its binomial standard error
s50 = {k: sparse.transition_point(s_grid, r, T)[0] for k, r in rate.items()}
s50_l1, se_l1 = sparse.transition_point(s_grid, rate["l1"], T)
s50_theory = float(sparse.l1_transition_sparsity(n, m))

# %% [markdown]
# **Is the transition where the theory puts it?** Twelve trials per sparsity locate the curve, but they cannot
# test it. The theory fixes $s^\star$ ($n\psi(s^\star/n) = m$) before we look at data, and $s^\star$ fixes four
# sparsities; at each we solve 150 *fresh* problems and bound the success rate $p$ with exact one-sided 95 %
# Clopper–Pearson bounds:
# * at $s \le s^\star - 3$: $p \ge 0.9$ (the lower bound must clear 0.9; we test the largest such integer,
#   since success only grows as $s$ falls, and likewise the smallest integer above $s^\star + 3$);
# * at $\lfloor s^\star - 1.5\rfloor$ and $\lceil s^\star + 1.5\rceil$: $p > \tfrac12$ and $p < \tfrac12$, so the 50 % point lies
#   within $\pm1.5$ of $s^\star$ — half the shift of 3 the test must reject, in either direction;
# * at $s \ge s^\star + 3$: $p \le 0.1$ (the upper bound must stay under 0.1).
#
# A transition moved by 3 either way (a wrong $\psi$, a broken LP) fails one of the first two. (Rigorous finite-$n$
# theory cannot supply this tolerance: ALMT's Theorem II allows $\pm\sqrt{8\log(4/\eta)\,n} \approx \pm38$
# measurements at $n = 50$, $\eta = 0.1$, wider than the whole problem.)

# %%
tt = sparse.transition_test(n, m, s50_theory, 150, shift=3.0, window=1.5, seed=100, device=device)  # 4 × 150 LPs
lo, ib, ia, hi = tt["below"], tt["inner_below"], tt["inner_above"], tt["above"]
count = lambda p: f"s = {p['s']}: {p['k']}/{p['n']} (exact bounds {p['lower']:.3f}…{p['upper']:.3f})"  # noqa: E731
claims.at_least(f"Below the transition (s ≤ s* − 3 = {s50_theory - 3:.2f}) ℓ1 recovers ≥ 90 % of problems "
                f"(s = {lo['s']}: one-sided exact 95 % lower bound, {lo['k']}/{lo['n']})", lo["lower"], 0.9, fmt=".3f")
claims.check(f"ℓ1's 50 % point lies within ±1.5 of the theory's s* = {s50_theory:.2f} (n = {n}, m = {m}): "
             f"success > ½ at s = {ib['s']} and < ½ at s = {ia['s']} (one-sided exact 95 % bounds)",
             ib["lower"] > 0.5 and ia["upper"] < 0.5, f"{count(ib)}; {count(ia)}")
claims.not_reproduced(f"Above the transition (s ≥ s* + 3 = {s50_theory + 3:.2f}) ℓ1 recovers ≤ 10 % of problems "
                      f"(s = {hi['s']})", f"{count(hi)}: the upper bound exceeds 0.1", holds=hi["upper"] <= 0.1)

# %%
ok = pt["coherence_ok"]
bound = sparse.coherence_sparsity_bound(pt["coherence"])
n_cov = int(ok.sum())
claims.check("Below the coherence bound ½(1+1/μ), BP and OMP recover every problem",
             n_cov > 0 and bool(pt["success"]["l1"][ok].all()) and bool(pt["success"]["omp"][ok].all()),
             f"{n_cov} problems covered (bound s < {float(bound.min()):.2f}…{float(bound.max()):.2f}); "
             f"BP {int(pt['success']['l1'][ok].sum())}/{n_cov}, OMP {int(pt['success']['omp'][ok].sum())}/{n_cov}")
claims.check("The coherence guarantee is very pessimistic: ℓ1's observed transition lies far beyond it",
             s50_l1 > float(bound.max()),
             f"guarantee only for s < {float(bound.max()):.2f}; observed 50% point s ≈ {s50_l1:.1f} "
             f"({s50_l1 / float(bound.max()):.1f}× further)")

# %% [markdown]
# The transition is sharp on the success side and sits where the theory says, but at $n = 50$ its failure side
# is wider than 3: the rate at $s^\star + 3$ is well above 10 %. The finite-$n$ statistical dimension lies
# *below* $n\psi(s/n)$, by up to $2\sqrt{n/s}$ (ALMT Prop. 4.5), which moves the finite-$n$ transition to the
# right of $s^\star$ (the 50 % point measured from the curve is printed below); the curve sharpens, relative
# to $n$, only as $n$ grows.
#
# **A control for OMP.** "OMP recovers less often than ℓ1" means something only if our OMP works where it
# must. Tropp's *exact recovery condition* $\max_{j\notin S}\|D_S^{+}d_j\|_1 < 1$ on the support $S$ guarantees that
# OMP recovers every code on $S$ (Tropp 2004, Thm 3.1), far beyond the coherence bound. At $s = 3$ it holds for
# a good part of the problems: there OMP must never fail, while one-shot thresholding (OMP without the
# residual update) has no such guarantee.

# %%
erc = sparse.erc_experiment(n, m, 3, 150, seed=200, device=device)  # 150 problems with s = 3
cov = erc["covered"]
n_erc, omp_erc, thr_erc = int(cov.sum()), int(erc["omp"][cov].sum()), int(erc["thresholding"][cov].sum())
claims.check("Where Tropp's exact recovery condition holds, OMP recovers every problem (Thm 3.1; s = 3, 150 problems)",
             n_erc > 0 and omp_erc == n_erc,
             f"OMP {omp_erc}/{n_erc} covered problems; one-shot thresholding on the same problems {thr_erc}/{n_erc}")

# %%
# Paired comparison on the same problems (McNemar: only problems where exactly one method is right).
mc = mcnemar_exact(pt["success"]["l1"], pt["success"]["omp"])
claims.check("OMP recovers less often than ℓ1 on the same problems (exact McNemar test, one-sided p ≤ 0.05)",
             mc.pvalue <= 0.05, f"{mc.a_only} problems only ℓ1 recovers, {mc.b_only} only OMP; exact p = {mc.pvalue:.2g}")
print(f"50% points: ℓ1 {s50['l1']:.1f} ± {se_l1:.1f} (theory {s50_theory:.2f}), OMP {s50['omp']:.1f}, "
      f"thresholding {s50['thresholding']:.1f};  mean μ(D) = {float(pt['coherence'].mean()):.2f}")

# %%
sparse.widget.recovery_figure(s_grid, rate, s50_l1, s50_theory, float(bound.mean()), n=n, m=m, tests=tt)

# %% [markdown]
# The coherence bound is a worst case over all sparse vectors and all supports, and a Gaussian $25\times50$
# dictionary has a large coherence (printed above): it certifies only 1-sparse codes. Tropp's condition,
# checked support by support, certifies OMP much further. OMP and thresholding still pay for being greedy:
# on ±1 codes, where no single atom stands out, they lose the support long before ℓ1 does.
#
# The same experiment over the whole plane of undersampling $\delta = m/n$ and sparsity
# $\rho = s/m$ ($n = 40$, 3 trials per cell, ℓ1 only), against the theoretical curve
# $\psi(\rho\delta) = \delta$.

# %%
deltas = np.round(np.arange(0.2, 0.81, 0.1), 2)
rhos = np.round(np.arange(0.1, 0.81, 0.1), 2)
rate_h = sparse.phase_diagram(40, deltas, rhos, 3, seed=1, progress=True, device=device)  # (δ, ρ) cells, one batch

# %%
sparse.widget.phase_diagram_figure(deltas, rhos, rate_h)

# %% [markdown]
# ### 3. ISTA, FISTA, and the slide's crude approximation
# *Predict first:* after 100 iterations, how much smaller is FISTA's objective gap than ISTA's?
#
# Eight Lasso problems run as one batch, with $\beta = 0.01\,\|D^\top y\|_\infty$ and a $60\times120$
# dictionary whose singular values decay like $j^{-1/2}$ (`sparse.spectral_dictionary`): many nearly
# flat directions, the regime where the worst-case rates show. (On a well-conditioned, very sparse
# problem both methods find the support within a few dozen steps and then converge linearly — faster
# than either bound.) $F^\star$ is certified from below by a **duality gap**: scaling the residual into
# $\{\theta: \|D^\top\theta\|_\infty\le\beta\}$ gives a dual value $G(\theta)\le F^\star$, so
# $F(x_k) - G(\theta_{\rm ref})$ is a guaranteed upper bound on the gap, which we compare with the theorems
# (with $x^\star$ taken as the long reference run).
#
# ISTA and FISTA are one loop, `sparse.kernels._proximal_gradient` (unfold the next cell to read it): a
# gradient step on $\tfrac12\|y - Dz\|^2$, the prox $S_{\beta/L}$, and for FISTA the momentum of eqs. 4.1–4.3.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(sparse.kernels._proximal_gradient))

# %%
Dl = sparse.spectral_dictionary(60, 120, decay=0.5, seed=3, device=device)
xl = sparse.sparse_codes(120, [6] * 8, seed=4, device=device)
yl = Dl @ xl + 0.01 * torch.randn(60, 8, generator=generator(5, device), device=device, dtype=torch.float64)
beta_l = 0.01 * (Dl.T @ yl).abs().amax(0)  # one β per signal
K = 400
x_ista, F_ista = sparse.ista(Dl, yl, beta_l, K, history=True)
x_fista, F_fista = sparse.fista(Dl, yl, beta_l, K, history=True)
x_ref = sparse.fista(Dl, yl, beta_l, 4000, x0=x_fista)
F_ref = sparse.lasso_objective(Dl, yl, x_ref, beta_l)
G_ref = F_ref - sparse.lasso_duality_gap(Dl, yl, x_ref, beta_l)  # certified lower bound on F*
print(f"reference certified to a duality gap of {float((F_ref - G_ref).max()):.1e}")

# %%
L = float(torch.linalg.matrix_norm(Dl, ord=2)) ** 2
k = torch.arange(1, K + 1, dtype=torch.float64, device=device)[:, None]
R2 = (x_ref**2).sum(0)[None, :]
bound_ista, bound_fista = L * R2 / (2 * k), 2 * L * R2 / (k + 1) ** 2
gap_ista, gap_fista = F_ista[1:] - G_ref, F_fista[1:] - G_ref
claims.at_most("ISTA's objective gap obeys F(x_k) − F* ≤ L‖x₀ − x*‖²/(2k) at every k ≤ 400 (8 problems; worst ratio)",
               float((gap_ista / bound_ista).max()), 1.0, fmt=".3g")
claims.at_most("FISTA's objective gap obeys F(x_k) − F* ≤ 2L‖x₀ − x*‖²/(k+1)² at every k ≤ 400 (worst ratio)",
               float((gap_fista / bound_fista).max()), 1.0, fmt=".3g")
lg_i, lg_f = (F_ista[1:] - F_ref).clamp_min(1e-300).log(), (F_fista[1:] - F_ref).clamp_min(1e-300).log()
slope = lambda lg: ((lg[99] - lg[9]) / np.log(10.0)).cpu().numpy()  # noqa: E731  (log-log slope, k = 10 → 100)
print(f"log-log slope of the gap for k = 10…100 on these 8 Lasso problems: ISTA {slope(lg_i).min():.2f}…"
      f"{slope(lg_i).max():.2f}, FISTA {slope(lg_f).min():.2f}…{slope(lg_f).max():.2f}; gap ratio ISTA/FISTA "
      f"at k = 100 (median): {float(((F_ista[100] - F_ref) / (F_fista[100] - F_ref)).median()):.0f}")

# %%
sparse.widget.convergence_figure(F_ista, F_fista, F_ref, G_ref, bound_ista, bound_fista)  # problem 0 of 8

# %% [markdown]
# **The rates themselves.** The theorems are worst-case *upper* bounds. On the Lasso problems above the curves
# are not power laws (the support is found, then convergence turns linear), so their slopes scatter (printed
# above) and test nothing. A slope is a fair test where the bounds are tight: a least-squares problem
# ($\beta = 0$, so ISTA is gradient descent and FISTA is Nesterov's method) whose initial error is spread
# uniformly over the spectrum of $D^\top D$ in $(0, L]$ (`sparse.uniform_spectrum_problem`, $n = 200$,
# $L = 1$). There ISTA's gap is $\tfrac12\int_0^1(1-\lambda)^{2k}\,d\lambda = \frac{1}{2(2k+1)}$ (continuous spectrum),
# and FISTA's tends to $2/k^2$ (the ODE limit of Su, Boyd & Candès 2016). We fit the log–log slope over
# $k = 20\ldots200$ and require it within **±0.25** of the theorem's exponent, fixed before the run: a quarter
# of the distance between $-1$ and $-2$, so a method running at the other rate misses by at least 0.75.

# %%
rt = sparse.rate_experiment(n=200, n_iter=200, k_range=(20, 200), seed=0, device=device)
claims.close(f"ISTA's gap falls as k⁻¹ where the bound is tight: fitted log–log slope, k = 20…200 "
             f"(theory {rt['theory_slope_ista']:.3f}; tolerance ±0.25)", rt["slope_ista"], -1.0, atol=0.25)
claims.close("FISTA's gap falls as k⁻² where the bound is tight: fitted log–log slope, k = 20…200 "
             "(theory −2; tolerance ±0.25)", rt["slope_fista"], -2.0, atol=0.25)
kk = np.array([20, 200])
print(f"k = 20, 200: ISTA gap × 2(2k+1) = {np.round(rt['gap_ista'][kk - 1] * 2 * (2 * kk + 1), 4)} (theory 1); "
      f"FISTA gap × k²/2 = {np.round(rt['gap_fista'][kk - 1] * kk**2 / 2, 2)} (ODE limit 1, reached slowly)")

# %%
sparse.widget.rate_figure(rt)

# %% [markdown]
# Now the slide's **crude approximation**. Rescale $D$ so that $\|D\|_2 = 1$ (then $L = 1$): one ISTA
# step from $x_0 = 0$ must be exactly $S_\beta(D^\top y)$, a single matrix product and a threshold —
# a one-layer network. How crude is it compared with the converged Lasso code?

# %%
D1n = Dl / torch.linalg.matrix_norm(Dl, ord=2)
one_step = sparse.ista(D1n, yl, beta_l, 1, L=1.0)  # ‖D‖₂ = 1 up to rounding
crude = sparse.soft_threshold(D1n.T @ yl, beta_l[None, :])
claims.at_most("One ISTA step from 0 (L = 1) is the slide's S_β(Dᵀy) (max |difference|; rounding tolerance 4ε‖Dᵀy‖∞)",
               float((one_step - crude).abs().max()), float(4 * EPS * (D1n.T @ yl).abs().max()), fmt=".1e")
converged = sparse.fista(D1n, yl, beta_l, 2000)
rel = ((crude - converged).norm(dim=0) / converged.norm(dim=0)).median()
nz_c, nz_f = (crude != 0).sum(0).double().median(), (converged != 0).sum(0).double().median()
print(f"crude vs converged code: median relative error {float(rel):.0%}, nonzeros {nz_c:.0f} vs {nz_f:.0f}")

# %% [markdown]
# ### 4. Our FISTA against scikit-learn's Lasso
# scikit-learn minimises $\tfrac{1}{2m}\|y - Dx\|^2 + \alpha\|x\|_1$: the same problem when
# $\alpha = \beta/m$. Both solvers stop at the same rule (duality gap $\le 10^{-10}\|y\|^2$) on 16 problems
# ($100\times200$); both answers are scored with our objective and certified by their duality gaps.
# Each certified gap bounds the distance to $F^\star$, so the two objectives must agree to within their sum.

# %%
cmp = sparse.compare_with_sklearn(m=100, n=200, batch=16, tol=1e-10, device=device)
diff = (cmp["fista_objective"] - cmp["sklearn_objective"]).abs()
allow = cmp["fista_gap"] + cmp["sklearn_gap"]
claims.check("Our FISTA and sklearn's Lasso reach the same objective (|ΔF| ≤ sum of certified duality gaps, 16 problems)",
             bool((diff <= allow).all()) and cmp["sklearn_converged"],
             f"max over problems of |ΔF| / (sum of gaps) = {float((diff / allow).max()):.2g} ≤ 1 "
             f"(max |ΔF| = {float(diff.max()):.1e}); max coefficient difference "
             f"{cmp['max_coef_diff']:.1e}")
display(Markdown(
    "| solver | total objective (16 problems) | worst certified gap |\n|---|---|---|\n"
    f"| our FISTA (batched, torch) | {float(cmp['fista_objective'].sum()):.10f} | {float(cmp['fista_gap'].max()):.1e} |\n"
    f"| sklearn `Lasso` (coordinate descent) | {float(cmp['sklearn_objective'].sum()):.10f} | {float(cmp['sklearn_gap'].max()):.1e} |"
))

# %% [markdown]
# Same answer. FISTA's appeal is that it is matrix products only — it batches over signals, runs on a
# GPU, and unrolls into a network (LISTA, Gregor & LeCun 2010).
#
# ### 4b. A Lasso solver that stops where scikit-learn stops
# The loop above is the method to *derive*, not the one a practitioner runs: it updates every atom at every
# step, keeps momentum that points uphill, and a batch waits for its slowest signal. `sparse.lasso(D, y, beta,
# tol=...)` stops at the same certified gap, $\le$ `tol`$\,\|y\|^2$, with five ingredients, each a lesson of its
# own (`make bench` races it against scikit-learn's `Lasso`, one thread, same rule, on batches of signals and on
# single signals). One signal is a few hundred operations on vectors of a few hundred numbers, so its time is
# the cost of *calling* an operation, not arithmetic: ~0.3 µs in NumPy, 1–2 µs in torch. On the CPU, `lasso`
# therefore solves one signal with the same method written in NumPy (`solver._lasso_one`); batches and GPUs
# take the torch path.
#
# **Adaptive restart** (O'Donoghue & Candès 2015). FISTA's momentum $(t_k - 1)/t_{k+1}$ climbs towards 1 whatever
# the problem. Once the support is found, the Lasso is a strongly convex least-squares problem on it, and that
# momentum overshoots: the objective oscillates. The *gradient restart* test drops the momentum (and sets
# $t = 1$) whenever it points uphill, $(z_k - x_{k+1})^\top(x_{k+1} - x_k) > 0$: one inner product per step, no
# strong-convexity constant needed (`sparse.fista(..., restart=True)`, signal by signal).
# *Predict first:* on the eight problems of experiment 3, does restart save steps on every problem, or only
# on average?

# %%
rs = sparse.restart_experiment(Dl, yl, beta_l, n_iter=2000, tol=1e-8)  # F* bounded below by lasso's dual value
claims.check("Adaptive restart reaches F(x_k) − F* ≤ 10⁻⁸‖y‖² in fewer FISTA steps than plain FISTA on each of the "
             "8 problems of experiment 3", bool((rs["restart"] < rs["fista"]).all()),
             f"steps with restart {rs['restart'].tolist()}, without {rs['fista'].tolist()}",
             source="paired, every problem (no tolerance)")

# %% [markdown]
# **Gap-safe screening** (Fercoq, Gramfort & Salmon 2015; Ndiaye et al. 2017). The dual $G(\theta)$ is 1-strongly
# concave, so the dual optimum lies in the ball $\|\theta^\star - \theta\| \le \sqrt{2\,\mathrm{gap}}$ around any
# feasible $\theta$. An atom with $|d_j^\top\theta| + \|d_j\|\sqrt{2\,\mathrm{gap}} < \beta$ therefore has
# $|d_j^\top\theta^\star| < \beta$, and $x^\star_j = 0$ in *every* solution: it can be dropped for good
# (`sparse.lasso_screen`). We screen at FISTA's iterates on the same eight problems, check the kept atoms
# against the exact solution's support, and, as a control, run the rule *without* the ball
# ($|d_j^\top\theta| < \beta$), the tempting shortcut.

# %%
sc = sparse.screening_experiment(Dl, yl, beta_l, ks=(10, 100, 1000))  # the last row screens at the solution
lost, lost_unsafe = max(r["lost"] for r in sc["rows"]), max(r["lost_unsafe"] for r in sc["rows"])  # worst screening
claims.check("Gap-safe screening never discards a nonzero of the solution (8 problems, at k = 10, 100, 1000 and at "
             "the solution); the rule without the ball does", lost == 0 and lost_unsafe > 0,
             f"nonzeros discarded, worst of the 4 screenings: {lost} (gap-safe) vs {lost_unsafe} (no ball) of "
             f"{int(sc['support_size'].sum())}",
             source="Fercoq et al. 2015 (a proof); the no-ball rule is the control")
print("atoms screened: " + ", ".join(f"k = {r['k']}: {r['screened']:.0%}" for r in sc["rows"]))

# %% [markdown]
# Screening bites only once the gap is small: nothing is dropped at $k = 100$, a third of the atoms at
# $k = 1000$, nearly every atom off the support at the solution. (The ball is also generous here: a ball ten
# times smaller would not have lost a nonzero on these problems either; the rule is safe by its proof, and
# this test catches only gross mistakes such as dropping the ball.)
#
# **Working sets** (Massias, Gramfort & Salmon 2018, "Celer"). The same dual point ranks the atoms by their
# distance to the constraint, $(\beta - |d_j^\top\theta|)/\|d_j\|$. Solve the Lasso on the current support plus the
# closest atoms only ($K = \max(8, 2\|x\|_0)$ of them: a $K\times K$ Gram instead of $n\times n$), then certify
# the result on *all* atoms with the duality gap; if it fails, the violating atoms rank first in the next,
# larger set.
#
# **Newton's method on the active set** (Osborne, Presnell & Turlach 2000; Lee et al. 2007; as a semismooth
# Newton method, Hintermüller, Ito & Kunisch 2002, and for the Lasso Fan, Jiao & Lu 2014). Once the signs $s$ of
# the support $S$ are known, the Lasso's optimality conditions are a linear system,
# $G_{SS}\,x_S = D_S^\top y - \beta s$. The *primal-dual active set* method guesses them: with
# $\lambda = D_W^\top r$, take $S = \{j : |G_{jj}x_j + \lambda_j| > \beta\}$ and its signs, solve, and repeat
# (unfold the next cell). When the answer keeps its signs and no atom of the working set violates
# $|\lambda_j| \le \beta$, it is the *exact* solution of the small problem, and the gap drops to rounding level.
# Near the solution each solve fixes the next support, so a handful of solves replace the iterative method;
# far from it the guesses can cycle, and then restarted FISTA (with the same linear solve every five steps,
# `solver._ws_newton`) takes over.
#
# **Per-signal stopping and the rest.** A signal whose certified gap is below its tolerance leaves the batch,
# so the batch no longer waits for its slowest member; the working-set Grams $D_W^\top D_W$ are gathered from
# $D^\top D$ when computing it once pays ($n^2 \le$ batch $\cdot K^2$), else from the atoms; the step $1/L$ on
# each small problem comes from ten steps of the power method (`sparse.power_method`) instead of an SVD.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
from course_lib.sparse.solver import _ws_pdas

print(inspect.getsource(_ws_pdas))

# %%
fast_gap = (cmp["lasso_gap"] / cmp["y_norm2"]).max()  # the gap from lasso_duality_gap, not the solver's own
diff_l = (cmp["lasso_objective"] - cmp["sklearn_objective"]).abs()
claims.check("sparse.lasso reaches sklearn's objective on the 16 problems (|ΔF| ≤ sum of certified duality gaps)",
             bool((diff_l <= cmp["lasso_gap"] + cmp["sklearn_gap"]).all()),
             f"max |ΔF| = {float(diff_l.max()):.1e}; max |ΔF| / (sum of gaps) = "
             f"{float((diff_l / (cmp['lasso_gap'] + cmp['sklearn_gap'])).max()):.2g}")
claims.at_most("The Newton step hands over the exact solution: lasso's certified gap / ‖y‖² (tol 10⁻¹⁰ asked)",
               float(fast_gap), 1e-12, fmt=".1e", source="rounding: m·ε ≈ 2e-14 for m = 100; 1e-12 leaves ×50")
claims.check("Newton's method on the active set solves every working-set problem of the 16: no FISTA step taken",
             int(cmp["lasso_steps"].max()) == 0,
             f"FISTA steps {int(cmp['lasso_steps'].max())}; Newton solves per signal ≤ {int(cmp['lasso_newton'].max())}",
             source="the KKT conditions hold exactly at each accepted solve (no tolerance)")
print(f"lasso: {cmp['lasso_rounds'].tolist()} working-set rounds; sklearn's coordinate descent: "
      f"{cmp['sklearn_iterations']} sweeps (the worst signal)")

# %% [markdown]
# The same 16 problems one signal at a time (the NumPy path): each certified, each at scikit-learn's objective.

# %%
diff_1 = (cmp["single_objective"] - cmp["sklearn_objective"]).abs()
claims.check("One signal at a time, sparse.lasso reaches sklearn's objective (|ΔF| ≤ sum of certified gaps) with an "
             "independently certified gap ≤ 10⁻¹⁰‖y‖²",
             bool((diff_1 <= cmp["single_gap"] + cmp["sklearn_gap"]).all())
             and bool((cmp["single_gap"] <= 1e-10 * cmp["y_norm2"]).all()),
             f"max |ΔF| = {float(diff_1.max()):.1e}; worst gap / ‖y‖² = "
             f"{float((cmp['single_gap'] / cmp['y_norm2']).max()):.1e}; Newton solves per signal "
             f"{cmp['single_newton'].tolist()}")

# %% [markdown]
# ### 5. ReLU(z − β) is nonnegative soft thresholding; a ReLU network is layered thresholding
# *Predict first:* will `torch.nn.Linear` + `ReLU` with $W_i = D_i^\top$, $b_i = -\beta_i$ give exactly
# the same numbers as our layered thresholding, or only approximately?
#
# The two compute the same dot products in possibly different orders, so we allow exactly the standard
# floating-point error bound $\gamma_k = ku/(1-ku)$ per dot product ($u = \varepsilon/2$), propagated
# through the 1-Lipschitz ReLU.

# %%
D1, D2 = sparse.two_layer_dictionaries(64, device=device)
g = generator(7, device)
b1 = 0.5 * torch.rand(D1.shape[1], generator=g, device=device, dtype=torch.float64)
b2 = 0.5 * torch.rand(D2.shape[1], generator=g, device=device, dtype=torch.float64)
X = torch.randn(64, 256, generator=g, device=device, dtype=torch.float64)
net = sparse.relu_network([D1, D2], [b1, b2])
with torch.no_grad():
    out_net = net(X.T).T
G1_hat, G2_hat = sparse.layered_thresholding(X, [D1, D2], [b1, b2])  # one threshold per atom

# %%
gamma = lambda kdim: kdim * (EPS / 2) / (1 - kdim * EPS / 2)  # noqa: E731
err1 = 2 * gamma(D1.shape[0] + 1) * (D1.abs().T @ X.abs() + b1[:, None])
err2 = D2.abs().T @ err1 + 2 * gamma(D2.shape[0] + 1) * (D2.abs().T @ G1_hat.abs() + b2[:, None])
claims.at_most("A 2-layer ReLU net with W_i = D_iᵀ, b_i = −β_i equals layered thresholding (worst |difference| / rounding bound)",
               float(((out_net - G2_hat).abs() / err2).max()), 1.0, fmt=".3g")
print(f"max |difference| = {float((out_net - G2_hat).abs().max()):.1e} on outputs of size up to {float(G2_hat.abs().max()):.1f}")

# %%
Zs = D1.T @ X
signed_via_pm = sparse.nonneg_soft_threshold(Zs, 0.3) - sparse.nonneg_soft_threshold(-Zs, 0.3)
claims.at_most("A signed code is a nonnegative one for the dictionary [D, −D]: S_β(z) = S⁺_β(z) − S⁺_β(−z)",
               float((sparse.soft_threshold(Zs, 0.3) - signed_via_pm).abs().max()), 0.0, fmt=".1e")

# %% [markdown]
# ### 6. Multi-layer sparse coding: when does layered thresholding work?
# *Predict first:* layered thresholding (= the ReLU forward pass) and layered basis pursuit both try to
# recover $\Gamma_1$ and $\Gamma_2$ from $X$. Which one cares about the contrast
# $|\Gamma^{\min}|/|\Gamma^{\max}|$ between the nonzeros?
#
# $D_1 = [I, H/8]$ ($64\times128$, identity plus Hadamard, $\mu = 1/8$); $D_2$ is one nonnegative
# convolutional filter $[1, 1]/\sqrt2$ at every shift ($128\times127$, $\mu = 1/2$), so $\Gamma_1 = D_2\Gamma_2$
# stays sparse (at most 4 nonzeros) and nonnegative. $\Gamma_2 \ge 0$ has 2 nonzeros, one equal to 1 and one
# equal to the contrast $c$. Thresholding gets the **best possible thresholds** for every signal (any
# $\beta_i$ that separates the support), so its failures are not a tuning problem. Layered BP solves the
# nonnegative LP at each layer. 6 contrasts × 12 trials in one batch.

# %%
contrasts = np.array([1.0, 0.8, 0.6, 0.4, 0.2, 0.1])
ml = sparse.multilayer_experiment(contrasts, 12, m=64, sparsity=2, seed=0, device=device)
thr, bp = ml["thresholding_success"], ml["bp_success"]

# %%
mu1 = float(sparse.mutual_coherence(ml["D1"]))
# Layer-1 guarantee per signal (Papyan et al. 2017, Thm 4 with ε = 0), with ‖Γ₁‖₀ in place of the stripe norm
# ‖Γ₁‖ˢ₀,∞ ≤ ‖Γ₁‖₀ (a sufficient condition): ‖Γ₁‖₀ < ½(1 + contrast(Γ₁)/μ(D₁))
G1 = ml["Gamma1"]
s1 = (G1 > 0).sum(0)
c1 = torch.where(G1 > 0, G1, torch.inf).amin(0) / G1.amax(0)
covered = (s1 < 0.5 * (1 + c1 / mu1)).reshape(thr.shape)
claims.check("Where the thresholding guarantee ‖Γ₁‖₀ < ½(1 + contrast/μ) applies, layer-1 thresholding recovers the support",
             int(covered.sum()) > 0 and bool(ml["layer1_success"][covered].all()),
             f"{int(ml['layer1_success'][covered].sum())}/{int(covered.sum())} covered signals")

# %%
bp_bound = 0.5 * (1 + 1 / mu1)  # Donoho & Elad 2003: BP finds Γ₁; D₂ of full column rank then fixes Γ₂
rank2 = int(torch.linalg.matrix_rank(ml["D2"]))
claims.check("Layered basis pursuit recovers Γ₁ and Γ₂ at every contrast (guaranteed: ‖Γ₁‖₀ < ½(1+1/μ(D₁)), D₂ full rank)",
             bool(bp.all()) and ml["max_layer1_nonzeros"] < bp_bound and rank2 == ml["D2"].shape[1],
             f"{int(bp.sum())}/{bp.numel()} signals at contrasts {contrasts.min()}…{contrasts.max()}; "
             f"max ‖Γ₁‖₀ = {ml['max_layer1_nonzeros']} < {bp_bound:.2f}; rank D₂ = {rank2}")
# %%
n_t = thr.shape[1]
k_hi, k_lo = int(thr[0].sum()), int(thr[-1].sum())
p_contrast = two_proportions(k_hi, n_t, k_lo, n_t)  # Boschloo's exact test, one-sided
claims.check(f"Layered thresholding succeeds at contrast 1 ({k_hi / n_t:.0%}) far more than at contrast {contrasts[-1]} "
             f"({k_lo / n_t:.0%}) (exact two-proportion test, one-sided p ≤ 0.05)",
             p_contrast <= 0.05, f"{k_hi}/{n_t} vs {k_lo}/{n_t}; exact p = {p_contrast:.2g}")
mc_bp = mcnemar_exact(bp[-1], thr[-1])  # paired: the same signals
claims.check(f"At contrast {contrasts[-1]}, basis pursuit recovers where layered thresholding fails "
             "(exact McNemar test, one-sided p ≤ 0.05)", mc_bp.pvalue <= 0.05,
             f"{mc_bp.a_only} signals only BP recovers, {mc_bp.b_only} only thresholding; exact p = {mc_bp.pvalue:.2g}")

# %%
sparse.widget.multilayer_figure(ml)

# %% [markdown]
# Layer 1 alone survives down to moderate contrast, but the thresholded $\hat\Gamma_1$ is *biased*
# (every survivor is shrunk by $\beta_1$), and the second layer, with its coherent dictionary
# ($\mu(D_2) = 1/2$), cannot absorb it: the overall success collapses quickly below contrast 1. This is
# why Papyan et al. propose layered *basis pursuit* (and unrolled ISTA/FISTA layers) as better forward
# passes.
#
# ## A live widget
# *(ipywidgets sliders drive a plotly `FigureWidget`, updated in place; a static HTML export shows
# the figure but not the sliders — run the lecture in `make lab`.)*
# **β slider** (top) — left: $S_\beta(z)$ and $\mathrm{ReLU}(z-\beta)$; right: the Lasso code (FISTA,
# 300 iterations) of a 5-sparse test signal with true entries ±2. All 41 values of β were solved in one
# batched FISTA call when the widget was built: watch the support appear and the shrinkage grow.
#
# **Sparsity slider** (bottom) — the recovery rates of experiment 2, and one of its problems at the
# chosen sparsity with the codes found by ℓ1, OMP and thresholding (all precomputed above).

# %%
ui = sparse.build_sparse_coding_widget(pt)
ui

# %% [markdown]
# ## Exercises
# ### Exercise 1 — soft thresholding
# Implement $S_\beta(z) = \operatorname{sign}(z)\max(|z|-\beta, 0)$ for a tensor `z` and a number `beta`.

# %%
def soft_threshold(z, beta):
    raise NotImplementedError  # your code here


ex1 = sparse.exercise_soft_threshold()
ex1.check(soft_threshold)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): unfold to see it.
def soft_threshold_solution(z, beta):
    return torch.sign(z) * torch.clamp(z.abs() - beta, min=0)


ex1.check(soft_threshold_solution, strict=True)

# %% [markdown]
# ### Exercise 2 — one ISTA step
# Return $S_{\beta/L}\bigl(x + D^\top(y - Dx)/L\bigr)$ for `x` of shape `(n,)`, `D` of shape `(m, n)`,
# `y` of shape `(m,)`. You may use `sparse.soft_threshold`.

# %%
def ista_step(x, D, y, beta, L):
    raise NotImplementedError  # your code here


ex2 = sparse.exercise_ista_step()
ex2.check(ista_step)

# %% tags=["solution"] jupyter={"source_hidden": true}
def ista_step_solution(x, D, y, beta, L):
    return sparse.soft_threshold(x + D.T @ (y - D @ x) / L, beta / L)


ex2.check(ista_step_solution, strict=True)

# %% [markdown]
# ### Exercise 3 — predict before you compute: the transition of a bigger problem
# Without running anything: with $n = 100$ unknowns and $m = 50$ Gaussian measurements, at what sparsity $s$
# does the theory put basis pursuit's 50 % point? Enter one number; `pred.hint()` gives a hint in steps.

# %%
pred = sparse.prediction_transition(n=100, m=50)
my_prediction = ...  # your number here
pred.check(my_prediction)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): δ = m/n = 1/2 as in experiment 2, so the transition sits at the same ρ = s/n and s* doubles.
pred.check(2 * s50_theory, strict=True)

# %% [markdown]
# ## What we verified

# %%
claims.table()

# %%
display(Markdown(
    f"**Closing note.** ℓ1's measured transition for $n = {n}$, $m = {m}$ is at $s \\approx {s50_l1:.1f} \\pm {se_l1:.1f}$ "
    f"(theory ${s50_theory:.2f}$; OMP {s50['omp']:.1f}, thresholding {s50['thresholding']:.1f}; the coherence "
    f"guarantee covers only $s < {float(bound.max()):.2f}$). On 150 fresh problems per point ℓ1 recovers "
    f"{lo['k']}/150 at $s = {lo['s']}$, {ib['k']}/150 at $s = {ib['s']}$, {ia['k']}/150 at $s = {ia['s']}$ and "
    f"{hi['k']}/150 at $s = {hi['s']}$: sharp on the success side, wider than 3 on the failure side at this $n$. "
    f"OMP recovers all {n_erc} problems covered by Tropp's condition. Fitted rates on the worst case: ISTA "
    f"$k^{{{rt['slope_ista']:.2f}}}$, FISTA $k^{{{rt['slope_fista']:.2f}}}$. FISTA and scikit-learn's Lasso agree to "
    f"$|\\Delta F| \\le {float(diff.max()):.0e}$ on 16 problems; `sparse.lasso` reaches the same objective with a "
    f"certified gap $\\le {float(fast_gap):.0e}\\,\\|y\\|^2$ (Newton's method on the active set with no FISTA step; "
    f"also one signal at a time), and adaptive restart saves FISTA steps on all 8 problems "
    f"of experiment 3 (median {float(rs['fista'].double().median()):.0f} → {float(rs['restart'].double().median()):.0f})."
))

# %% [markdown]
# ## References
# - B. K. Natarajan (1995). Sparse approximate solutions to linear systems. *SIAM J. Computing* 24(2).
# - S. S. Chen, D. L. Donoho, M. A. Saunders (1998). Atomic decomposition by basis pursuit. *SIAM J. Scientific Computing* 20(1).
# - D. L. Donoho, M. Elad (2003). Optimally sparse representation in general (nonorthogonal) dictionaries via ℓ1 minimization. *PNAS* 100(5).
# - J. A. Tropp (2004). Greed is good: algorithmic results for sparse approximation. *IEEE Trans. Information Theory* 50(10).
# - Y. C. Pati, R. Rezaiifar, P. S. Krishnaprasad (1993). Orthogonal matching pursuit. *Asilomar Conference on Signals, Systems and Computers*.
# - D. L. Donoho, J. Tanner (2009). Observed universality of phase transitions in high-dimensional geometry. *Phil. Trans. R. Soc. A* 367.
# - D. Amelunxen, M. Lotz, M. B. McCoy, J. A. Tropp (2014). Living on the edge: phase transitions in convex programs with random data. *Information and Inference* 3(3).
# - M. B. McCoy, J. A. Tropp (2014). From Steiner formulas for cones to concentration of intrinsic volumes. *Discrete & Computational Geometry* 51(4).
# - C. J. Clopper, E. S. Pearson (1934). The use of confidence or fiducial limits illustrated in the case of the binomial. *Biometrika* 26(4).
# - Y. Nesterov (1983). A method for solving the convex programming problem with convergence rate O(1/k²). *Soviet Mathematics Doklady* 27.
# - A. Beck, M. Teboulle (2009). A fast iterative shrinkage-thresholding algorithm for linear inverse problems. *SIAM J. Imaging Sciences* 2(1).
# - B. O'Donoghue, E. Candès (2015). Adaptive restart for accelerated gradient schemes. *Foundations of Computational Mathematics* 15(3).
# - A. Chambolle, C. Dossal (2015). On the convergence of the iterates of the "fast iterative shrinkage/thresholding algorithm". *J. Optimization Theory and Applications* 166(3).
# - L. El Ghaoui, V. Viallon, T. Rabbani (2012). Safe feature elimination in sparse supervised learning. *Pacific J. Optimization* 8(4).
# - O. Fercoq, A. Gramfort, J. Salmon (2015). Mind the duality gap: safer rules for the Lasso. *ICML*.
# - E. Ndiaye, O. Fercoq, A. Gramfort, J. Salmon (2017). Gap safe screening rules for sparsity enforcing penalties. *JMLR* 18(128).
# - M. Massias, A. Gramfort, J. Salmon (2018). Celer: a fast solver for the Lasso with dual extrapolation. *ICML*.
# - M. R. Osborne, B. Presnell, B. A. Turlach (2000). A new approach to variable selection in least squares problems. *IMA J. Numerical Analysis* 20(3).
# - H. Lee, A. Battle, R. Raina, A. Y. Ng (2007). Efficient sparse coding algorithms. *NIPS*.
# - M. Hintermüller, K. Ito, K. Kunisch (2002). The primal-dual active set strategy as a semismooth Newton method. *SIAM J. Optimization* 13(3).
# - J. Fan, Y. Jiao, X. Lu (2014). A primal dual active set algorithm with continuation for compressed sensing. *IEEE Trans. Signal Processing* 62(23).
# - R. von Mises, H. Pollaczek-Geiringer (1929). Praktische Verfahren der Gleichungsauflösung. *ZAMM* 9(1).
# - W. Su, S. Boyd, E. J. Candès (2016). A differential equation for modeling Nesterov's accelerated gradient method: theory and insights. *JMLR* 17(153).
# - K. Gregor, Y. LeCun (2010). Learning fast approximations of sparse coding. *ICML*.
# - M. Elad (2010). *Sparse and Redundant Representations*. Springer.
# - V. Papyan, Y. Romano, M. Elad (2017). Convolutional neural networks analyzed via convolutional sparse coding. *JMLR* 18(83).
# - V. Papyan, J. Sulam, M. Elad (2017). Working locally thinking globally: theoretical guarantees for convolutional sparse coding. *IEEE Trans. Signal Processing* 65(21).
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
