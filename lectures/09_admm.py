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
# # Lecture 09 — Optimisation beyond backprop: vanishing gradients, ADMM and BCD
#
# *Mathematical Theories of Deep Learning* · after Yuan Yao's HKUST lecture.
#
# ## Objectives
# 1. Measure **vanishing gradients**: how much the backpropagated error shrinks per sigmoid layer
#    (at most $\frac14$), against ReLU with He initialisation.
# 2. Run **ADMM exactly as Algorithm 1** of Zeng, Lin, Yao & Zhou: backward estimation of
#    $W_l,\dots,W_1$, forward correction of $V_1,\dots,V_l$, multiplier updates — with every
#    update derived below and the augmented Lagrangian, primal and KKT residuals recorded.
# 3. See the **role of β**: monotone descent for β large enough, oscillation for small β; and how
#    conservative the theorem's sufficient conditions are.
# 4. Watch ADMM (and BCD) **avoid saturation** where backprop stalls.
# 5. Run ADMM **data-parallel** over processes with `torch.distributed` and check it matches one process.

# %%
import inspect

import numpy as np
import torch
from IPython.display import Markdown, display

from course_lib import admm
from course_lib.admm.parallel import default_start_method
from course_lib.core.claims import Claims
from course_lib.core.data import digits
from course_lib.core.device import get_device, seed_everything
from course_lib.ui.plotting import figure, setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("09 Optimisation: vanishing gradients, ADMM, BCD")
print(f"computing on: {device}")

# %% [markdown]
# ## The slides' claims
# > **Vanishing gradients.** *Backprop is a Lagrangian method; since $\sigma'\le\frac14$ the gradient
# > of a sigmoid network shrinks layer by layer toward the input, so early layers learn slowly.*
#
# > **ADMM for deep learning** (Zeng, Lin, Yao, Zhou). *Introduce $V_i$ and multipliers $\Lambda_i$;
# > Algorithm 1 = backward estimation, forward correction, multiplier update. For sufficiently large
# > $\beta_i$ it converges to a KKT point from any initialisation (Theorem), and it avoids the
# > saturation that stalls backprop. It is parallelisable* (Taylor et al. 2016: 7,200 cores).
#
# ## The math
# **Vanishing gradients.** With $\delta_i=\partial L/\partial z_i$, backprop reads
# $\delta_i=(W_{i+1}^\top\delta_{i+1})\odot\sigma'(z_i)$. For $W_{i+1}$ with i.i.d. $N(0,1/d_i)$ entries and
# equal widths, $E\|W_{i+1}^\top u\|^2=\|u\|^2$, so $E\|\delta_i\|^2=E[\sigma'(z)^2]\,\|\delta_{i+1}\|^2\le\frac1{16}\|\delta_{i+1}\|^2$:
# **at most a factor $\frac14$ per sigmoid layer**. For ReLU with He's $N(0,2/d_i)$, the factor 2 and the
# mask $1[z>0]$ (kept half the time) cancel: the factor is $1$.
#
# **The constrained problem** (columns are samples, $V_0=X\in\mathbb R^{d_0\times n}$):
# $$\min\ \tfrac12\|V_l-Y\|_F^2+\tfrac\lambda2\sum_i\|W_i\|_F^2\quad\text{s.t.}\quad V_i=\sigma(W_iV_{i-1})\ (i<l),\ \ V_l=W_lV_{l-1}.$$
# With residuals $r_i=\sigma(W_iV_{i-1})-V_i$, $r_l=W_lV_{l-1}-V_l$, the **augmented Lagrangian** is
# $$\mathcal L=\tfrac12\|V_l-Y\|^2+\tfrac\lambda2\sum\|W_j\|^2+\sum_i\Big(\langle\Lambda_i,r_i\rangle+\tfrac{\beta_i}2\|r_i\|^2\Big).$$
# (Biases: each $W_i$ has a last column acting on an appended row of ones, $\tilde V=[V;\mathbf 1^\top]$.)
#
# **Algorithm 1**, one iteration:
# 1. *Backward estimation.* $W_l$: $\mathcal L$ is quadratic in $W_l$; setting
#    $\lambda W+(\Lambda_l+\beta_l(W\tilde V_{l-1}-V_l))\tilde V_{l-1}^\top=0$ gives the **ridge solve**
#    $$W_l=(\beta_lV_l-\Lambda_l)\tilde V_{l-1}^\top\big(\lambda I+\beta_l\tilde V_{l-1}\tilde V_{l-1}^\top\big)^{-1}.$$
#    $W_i$, $i=l-1,\dots,1$: with $T_i=V_i-\Lambda_i/\beta_i$ the term is $\frac{\beta_i}2\|\sigma(W\tilde V_{i-1})-T_i\|^2$
#    (up to a constant). **Prox-linear**: linearise it in the pre-activation $Z=W\tilde V_{i-1}$ around the
#    current $Z_0$ and add $\frac{\beta_ic}{2}\|Z-Z_0\|^2$ with $c=s_1^2+s_2\max|\sigma-T_i|$
#    ($s_1=\sup|\sigma'|=\frac14$, $s_2=\sup|\sigma''|=\frac1{6\sqrt3}$), a global bound on the curvature, so the
#    surrogate majorises and the step can only lower $\mathcal L$:
#    $$W_i=\big(\beta_icW_i^{\rm old}A-G\tilde V_{i-1}^\top\big)\big(\lambda I+\beta_icA\big)^{-1},\quad A=\tilde V_{i-1}\tilde V_{i-1}^\top,\ G=\beta_i(\sigma(Z_0)-T_i)\odot\sigma'(Z_0).$$
# 2. *Forward correction* (with the new $W$'s). $V_i$, $i\le l-2$: exact in its own term, prox-linear in the next
#    layer's: $(\beta_iI+\beta_{i+1}cW_{i+1}^\top W_{i+1})V_i=\beta_i\sigma(W_i\tilde V_{i-1})+\Lambda_i+\beta_{i+1}cW_{i+1}^\top W_{i+1}V_i^{\rm old}-W_{i+1}^\top G$.
#    $V_{l-1}$ enters the last constraint linearly — a **small linear solve**:
#    $(\beta_{l-1}I+\beta_lW_l^\top W_l)V_{l-1}=\beta_{l-1}\sigma(W_{l-1}\tilde V_{l-2})+\Lambda_{l-1}+W_l^\top(\beta_l(V_l-b_l)-\Lambda_l)$.
#    $V_l$: **closed form** $V_l=(Y+\Lambda_l+\beta_lW_l\tilde V_{l-1})/(1+\beta_l)$.
# 3. *Multipliers.* $\Lambda_i\leftarrow\Lambda_i+\beta_ir_i$. **BCD** is the same sweep with $\Lambda\equiv0$.
#
# The **KKT residual** we record is $\max\big(\max_i\|\nabla_{W_i}\mathcal L\|,\ \|\nabla_V\mathcal L\|,\ \|r\|\big)$.
#
# **Theorem (slides, 3 layers).** With $B=\max\{2\sqrt{r_1}/(\|X\|_F/\sqrt n),(2\sqrt{r_2}/(\|X\|_F/\sqrt n))^{1/2},(\|Y\|_F/\|X\|_F)^{1/3}\}$,
# ADMM converges to a KKT point if $\beta_3\ge2$, $\beta_2\ge16(\beta_3+1)B^2$, $\beta_1\ge11(\beta_2+1)B^4\|X\|_F$ and
# $\lambda\ge\max\{\frac34\beta_1B\|X\|_F^3,10\beta_2B^4\|X\|_F^3,4\beta_3B^4\|X\|_F^2\}$ (we read $r_i$ as the width of hidden layer $i$).
#
# **Initialisation used throughout:** LeCun-Gaussian, $W_i\sim N(0,s^2/d_{i-1})$ with an *init scale* $s$
# ($s=1$ normal, $s\gg1$ deliberately saturated), biases $0$; backprop and ADMM share it for the same seed.
# $\lambda=10^{-6}$ as in the authors' demo.

# %% [markdown]
# ## The experiments
# ### 1. Vanishing gradients
# *Predict first:* in a 10-layer sigmoid network at initialisation, by what factor is the error
# signal at layer 1 smaller than at layer 10? And with ReLU and He initialisation?

# %%
depth, width, n_seeds = 10, 64, 16
sig = admm.layer_gradient_norms(depth, width, activation="sigmoid", init="fan_in", n_seeds=n_seeds, seed=0)
rel = admm.layer_gradient_norms(depth, width, activation="relu", init="he", n_seeds=n_seeds, seed=0)
# the per-layer factor: RMS over seeds and layers of ‖δ_i‖/‖δ_{i+1}‖, with its standard error over seeds
f_sig, se_sig = admm.per_layer_factor(sig)
f_rel, se_rel = admm.per_layer_factor(rel)
claims.at_most(f"Sigmoid: the error shrinks by at most 1/4 per layer (+3 s.e. = {3*se_sig:.1g})",
               f_sig, 0.25 + 3 * se_sig, fmt=".3f")
# tolerance: 3 standard errors over seeds + an O(1/width) finite-width allowance of 2/width
claims.close(f"ReLU + He: the error keeps its size (factor 1 within 3 s.e. + 2/width = {3*se_rel + 2/width:.2g})",
             f_rel, 1.0, atol=3 * se_rel + 2 / width)
print(f"layer 1 vs layer {depth}: sigmoid ×{float(sig[:, 0].mean() / sig[:, -1].mean()):.1e}, "
      f"ReLU ×{float(rel[:, 0].mean() / rel[:, -1].mean()):.2f}")

# %%
fig = figure(f"Sigmoid errors shrink ×{f_sig:.2f} per layer; ReLU+He keeps them (×{f_rel:.2f})",
             "hidden layer (1 = next to the input)", "RMS ‖δ_i‖ per sample (log scale)", yaxis_type="log")
fig.add_scatter(x=np.arange(1, depth + 1), y=sig.mean(0).numpy(), name="sigmoid, N(0,1/fan-in)")
fig.add_scatter(x=np.arange(1, depth + 1), y=rel.mean(0).numpy(), name="ReLU, He N(0,2/fan-in)")
fig

# %% [markdown]
# **Learning speed per layer** (the slide's figure after Nielsen): train a $[64,30,30,30,30,10]$
# sigmoid network on scikit-learn's digits with gradient descent and track $\|\partial L/\partial b_i\|$.

# %%
imgs, labels = digits(torch.float64)
Xd = imgs[:500].reshape(500, 64).T  # columns are samples
Yd = torch.nn.functional.one_hot(labels[:500], 10).double().T
nielsen = admm.bp_train(Xd, Yd, [64, 30, 30, 30, 30, 10], lr=0.1, n_iter=200, init="fan_in", seed=0)
speed = nielsen.grad_norms  # (iterations, layers)
ratio = speed[:, 0] / speed[:, 3]
claims.check("Early layers learn slower: ‖∂L/∂b_1‖ < ‖∂L/∂b_4‖ at every one of 200 steps", bool((ratio < 1).all()),
             f"ratio ‖∂L/∂b_1‖/‖∂L/∂b_4‖: {float(ratio[0]):.3f} at the start, at most {float(ratio.max()):.3f} over training")

# %%
admm.learning_speed_figure(speed, n_layers=4)

# %% [markdown]
# At the start the first layer's bias gradient is far smaller than the fourth's. Training then
# drifts onto a plateau (the network first fits the mean of the one-hot targets, MSE ≈ 0.09), and
# the gap narrows but never closes. A step size much larger than this (lr = 1 here) makes the
# gradients jump by orders of magnitude in the first steps and scrambles the picture — which is
# itself the practical face of the problem: one learning rate cannot suit layers whose gradients
# differ by a factor of ~60.
#
# ### 2. ADMM, Algorithm 1, on $y=x^2$ — and the role of β
# Two sigmoid hidden layers of 20 units, 100 points on $[-1,1]$. *Predict first:* for which β does
# the augmented Lagrangian go down at every iteration?
#
# All β values run in **one batched tensor program** (`admm.widget_runs`, which also precomputes the
# saturation runs below and the widget).
#
# The step that makes Algorithm 1 work on a sigmoid layer is the **prox-linear** $W_i$ update derived
# above: one linear solve per layer, with the sums over samples ($\tilde V\tilde V^\top$, $G\tilde V^\top$)
# passed through `comm` so the same code runs data-parallel in section 5. Unfold the next cell to read it.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(admm.kernels.update_hidden_W))

# %%
runs = admm.widget_runs()
X, Y = runs["X"], runs["Y"]
var_y = float(Y.var(unbiased=False))
bet = runs["beta_runs"]
inc = admm.lagrangian_increases(bet.augmented_lagrangian)  # an increase of L beyond round-off, per iteration
print(admm.beta_report(bet))
jb, js = admm.WIDGET_BETAS.index(10.0), admm.WIDGET_BETAS.index(1.0)
claims.check("β = 10: L decreases monotonically (every iteration after the first sweep)",
             not bool(inc[1:, jb].any()), f"{int(inc[1:, jb].sum())} increases in {inc.shape[0] - 1} iterations")

# %% [markdown]
# The residual needs more sweeps than the grid above: one longer run at β = 10 (same data, λ, init).

# %%
long = admm.admm_train(X, Y, [1, 20, 20, 1], 10.0, 1e-6, 600, seed=0)
r_long = long.primal_residual
slope = admm.residual_slope(r_long, 100, 600)  # least-squares slope of log ‖r‖ against log k
claims.at_most("β = 10: the primal residual keeps falling (‖r‖ at sweep 600 ≤ ½ ‖r‖ at sweep 100)",
               float(r_long[600]), 0.5 * float(r_long[100]), fmt=".2e")
print(f"‖r‖: {float(r_long[100]):.2e} (sweep 100) → {float(r_long[600]):.2e} (sweep 600); "
      f"log-log slope {slope:.2f} (an O(1/k) rate for ‖r‖² would give −0.5)")

# %% [markdown]
# Small β, on the other hand:

# %%
claims.check("β = 1: L oscillates (it goes up at some iterations)", bool(inc[1:, js].any()),
             f"{int(inc[1:, js].sum())} increases")
print(f"(the very first sweep, from Λ=0, raised L for β=10: {bool(inc[0, jb])})")

# %% [markdown]
# Read the printout: with β = 10 and above, $\mathcal L$ never rises after the first sweep (which starts
# from the forward pass with $\Lambda=0$); at β = 1 and 3 it rises at a few iterations. The primal
# residual falls fast at first, hovers for a hundred sweeps, then keeps falling slowly — about like
# $k^{-1/2}$, i.e. $\|r\|^2\sim 1/k$, the sublinear rate of Zeng et al. — so "the residuals vanish"
# is a statement about hundreds of sweeps, not tens. Very large β fits worse in the same number of
# sweeps (the constraints dominate the loss).

# %%
admm.lagrangian_figure(bet.augmented_lagrangian, admm.WIDGET_BETAS)

# %% [markdown]
# ### 3. How conservative is the theorem?
# The slide's sufficient conditions for this instance, and a run at exactly those values.

# %%
thm = admm.theorem_conditions(X, Y, [1, 20, 20, 1])
display(Markdown(f"$B={thm['B']:.3g}$, $\\|X\\|_F={thm['X_fro']:.3g}$ ⇒ $\\beta_1\\ge{thm['beta1']:.2e}$, "
                 f"$\\beta_2\\ge{thm['beta2']:.2e}$, $\\beta_3\\ge{thm['beta3']:g}$, $\\lambda\\ge{thm['lam']:.2e}$"))
beta_thm = torch.tensor([[thm["beta1"], thm["beta2"], thm["beta3"]]], dtype=torch.float64)
th = admm.admm_train(X, Y, [1, 20, 20, 1], beta_thm, thm["lam"], 40)
Lt = th.augmented_lagrangian[:, 0]
claims.check("At the theorem's (β, λ), L decreases monotonically (the guarantee holds)",
             not bool(((Lt[1:] - Lt[:-1]) > 1e-12 * Lt[:-1].abs()).any()), f"L: {float(Lt[0]):.3g} → {float(Lt[-1]):.3g}")
claims.at_least("…but there λ is so large that the network fits nothing (MSE ≥ Var y)",
                float(th.train_mse[-1, 0]), var_y, fmt=".3g")
claims.at_least("The sufficient β₁ exceeds the β = 10 that works by ≥ 10⁶", thm["beta1"] / 10.0, 1e6, fmt=".2e")

# %% [markdown]
# ### 4. Saturation: backprop vs ADMM vs BCD
# *Predict first:* scale the initial weights up (init scale 30: every sigmoid saturated). Which
# method still fits $y=x^2$? Backprop gets its best learning rate among {0.1, 0.3, 1}.

# %%
target = 0.1 * var_y  # "accuracy" = explains 90% of the target's variance
display(Markdown(admm.saturation_table(runs, target, at=100)))

# %%
adm_s, bcd_s, bp_best = runs["admm_scales"], runs["bcd_scales"], runs["bp_best"]
j30 = admm.WIDGET_SCALES.index(30.0)
claims.at_least("Saturated start (scale 30): backprop stalls near Var y (MSE after 100 steps ≥ ½ Var y)",
                float(bp_best[100, j30]), 0.5 * var_y, fmt=".3g")
claims.at_most("…while ADMM fits it (MSE after 100 sweeps ≤ 0.1 Var y)", float(adm_s.train_mse[100, j30]), target, fmt=".3g")
claims.at_most("…and so does BCD (zero multipliers)", float(bcd_s.train_mse[100, j30]), target, fmt=".3g")

# %%
admm.saturation_figure(runs, 30.0, var_y)

# %% [markdown]
# ### 5. Data-parallel ADMM with `torch.distributed`
# Each worker holds half of the samples. The $V$ and $\Lambda$ updates are column-wise; the $W$ updates
# need only sums over samples of small matrices ($\tilde V\tilde V^\top$, $G\tilde V^\top$), which are
# all-reduced (gloo, on 127.0.0.1). *Predict first:* will the two-process run equal the one-process run?
#
# With $\lambda=10^{-6}$ the ridge and prox-linear systems are ill-conditioned (the hidden features of a
# 1-D input are nearly collinear), so a different summation order moves the *weights* in late digits;
# (measured here: $\sim10^{-7}$ in the outputs after 30 sweeps). We therefore compare at $\lambda=0.1$, where
# the iterates themselves must agree to round-off.
# From a script, run `python -m course_lib.admm --world-size 2`; a script that calls
# `admm_train(..., world_size=k)` itself must do so under `if __name__ == "__main__":`, because spawned
# workers re-import the main module. On several hosts, use `torchrun ... -m course_lib.admm`.

# %%
lam_dp = 0.1  # a better-conditioned λ for the bit-level comparison (see the note above)
one = admm.admm_train(X, Y, [1, 20, 20, 1], 10.0, lam_dp, 30)
two = admm.admm_train(X, Y, [1, 20, 20, 1], 10.0, lam_dp, 30, world_size=2)
d_out = float((one.output(X) - two.output(X)).abs().max())
d_L = float(((one.augmented_lagrangian - two.augmented_lagrangian).abs() / one.augmented_lagrangian.abs()).max())
d_W = max(float((a - b).abs().max()) for a, b in zip(one.weights + one.biases, two.weights + two.biases))
print(f"start method: {default_start_method()}")
claims.at_most("2 processes reproduce 1 process: max |Δ output|", d_out, 1e-9, fmt=".1e")
claims.at_most("2 processes reproduce 1 process: max relative |Δ L| over iterations", d_L, 1e-9, fmt=".1e")
claims.at_most("2 processes reproduce 1 process: max |Δ weight|", d_W, 1e-9, fmt=".1e")

# %% [markdown]
# ## A live widget
# *(ipywidgets sliders drive a plotly `FigureWidget`, updated in place; a static HTML export shows
# the figure but not the sliders — run the lecture in `make lab`.)*
# **β** shows $\mathcal L$ (normalised), the primal residual and the KKT residual, precomputed over the β grid.
# **init scale** compares backprop (best learning rate) with ADMM from the same initialisation.

# %%
ui = admm.build_admm_widget(precomputed=runs)
ui

# %% [markdown]
# ## Exercises
# ### Exercise 1 — the last-layer W update
# Derive and implement $W=\arg\min_W\frac\lambda2\|W\|^2+\langle\Lambda,WV_{\rm prev}-V\rangle+\frac\beta2\|WV_{\rm prev}-V\|^2$
# (no bias). `V_prev` is $(d_{l-1},n)$, `V` and `Lam` are $(d_l,n)$.

# %%
def last_layer_update(V_prev, V, Lam, beta, lam):
    raise NotImplementedError  # your code here


ex1 = admm.exercise_last_layer_update()
ex1.check(last_layer_update)

# %% tags=["solution"] jupyter={"source_hidden": true}
def last_layer_update_solution(V_prev, V, Lam, beta, lam):
    A = lam * torch.eye(V_prev.shape[0], dtype=V_prev.dtype) + beta * V_prev @ V_prev.T
    return torch.linalg.solve(A, V_prev @ (beta * V - Lam).T).T


ex1.check(last_layer_update_solution, strict=True)

# %% [markdown]
# ### Exercise 2 — the multiplier update
# For a sigmoid hidden layer, return $\Lambda+\beta\,(\sigma(WV_{\rm prev})-V)$.

# %%
def multiplier_update(Lam, W, V_prev, V, beta):
    raise NotImplementedError  # your code here


ex2 = admm.exercise_multiplier_update()
ex2.check(multiplier_update)

# %% tags=["solution"] jupyter={"source_hidden": true}
def multiplier_update_solution(Lam, W, V_prev, V, beta):
    return Lam + beta * (torch.sigmoid(W @ V_prev) - V)


ex2.check(multiplier_update_solution, strict=True)

# %% [markdown]
# ## What we verified
# The figures above are measured each run (seeded); the table collects them.

# %%
claims.table()

# %% [markdown]
# ## References
# - J. Zeng, S.-B. Lin, Y. Yao, D.-X. Zhou (2021). On ADMM in deep learning: convergence and saturation-avoidance. *JMLR* 22(199). arXiv:1902.02060.
# - G. Taylor, R. Burmeister, Z. Xu, B. Singh, A. Patel, T. Goldstein (2016). Training neural networks without gradients: a scalable ADMM approach. *ICML*.
# - Z. Zhang, M. Brand (2017). Convergent block coordinate descent for training Tikhonov regularized deep neural networks. *NeurIPS*.
# - J. Zeng, T. T.-K. Lau, S.-B. Lin, Y. Yao (2019). Global convergence of block coordinate descent in deep learning. *ICML*.
# - M. Nielsen (2015). *Neural Networks and Deep Learning*, ch. 5 (why are deep networks hard to train?).
# - K. He, X. Zhang, S. Ren, J. Sun (2015). Delving deep into rectifiers. *ICCV*.
# - Y. LeCun, L. Bottou, G. Orr, K.-R. Müller (1998). Efficient backprop. *Neural Networks: Tricks of the Trade*.
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
