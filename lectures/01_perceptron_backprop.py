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
# # Lecture 01 — The perceptron, XOR, and backpropagation
#
# *Mathematical Theories of Deep Learning* · after Yuan Yao's HKUST lecture.
#
# ## Objectives
# 1. Run Rosenblatt's perceptron and check **Novikoff's bound** $(R/\gamma)^2$ on its mistakes,
#    computing $R$ and $\gamma$ correctly (on bias-augmented data, $\gamma$ the *maximum* margin),
#    and see data on which the bound is **attained**.
# 2. See **why XOR defeats every linear rule**, and Minsky & Papert's deeper point: a perceptron whose
#    features look at few inputs, or at a small window, cannot compute **parity** or **connectedness**.
# 3. Write **backpropagation by hand** as the chain rule, and check it against autograd and
#    finite differences — and against **Kiefer–Wolfowitz**'s finite differences of *noisy* losses.
# 4. Treat backprop training as **stochastic approximation** and see where **Robbins–Monro** steps
#    matter: with noisy labels a constant step stalls at a noise floor we can predict.
# 5. Measure how often a 2-2-1 sigmoid network **fails** on XOR — over hundreds of seeds at once — and
#    diagnose the failures from the **Hessian spectrum**.

# %%
import inspect
from statistics import NormalDist

import numpy as np
import torch
from IPython.display import Markdown, display

from course_lib import backprop, perceptron
from course_lib.backprop.experiments import median_interval
from course_lib.core.claims import Claims
from course_lib.core.data import separable_blobs, xor
from course_lib.core.device import get_device, seed_everything
from course_lib.core.stats import mann_whitney, wilson_interval
from course_lib.ui.plotting import figure, setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("01 Perceptron, XOR, backprop")
print(f"computing on: {device}")

# %% [markdown]
# ## The slides' claims (paraphrase)
# *Our paraphrase of the deck's slides on the perceptron and backpropagation, not a quotation.*
#
# > **Perceptron convergence** (Rosenblatt 1958, Novikoff 1962). On linearly separable data the
# > perceptron makes at most $(R/\gamma)^2$ mistakes.
#
# > **Minsky & Papert 1969.** A perceptron cannot compute XOR — and, more deeply, predicates such as
# > parity and connectivity that need global information.
#
# > **Rumelhart, Hinton & Williams 1986.** Backpropagation is the chain rule; training is stochastic
# > gradient descent, i.e. stochastic approximation (Robbins & Monro 1951). Hidden units let the
# > network solve XOR — although it sometimes gets stuck.
#
# ## The math
# **Perceptron.** Labels $y_i\in\{-1,+1\}$; append a 1 to every input, $\tilde x=(x,1)$, so the bias
# is the last weight. Starting from $\tilde w=0$, visit the samples in order and, on a mistake
# $y_i\,\tilde w\cdot\tilde x_i\le 0$, update
# $$\tilde w \leftarrow \tilde w + y_i\,\tilde x_i .$$
#
# **Novikoff's theorem.** If some unit $\tilde w^\star$ has $y_i\,\tilde w^\star\!\cdot\tilde x_i\ge\gamma>0$
# for all $i$ and $\|\tilde x_i\|\le R$, the number of mistakes is at most $(R/\gamma)^2$.
# *Proof sketch:* each mistake grows $\tilde w\cdot\tilde w^\star$ by at least $\gamma$ but grows
# $\|\tilde w\|^2$ by at most $R^2$; Cauchy–Schwarz gives $k\gamma \le \sqrt{k}R$.
# The tightest bound uses the **maximum margin**
# $\gamma=\max_{\|\tilde w\|=1}\min_i y_i\tilde w\cdot\tilde x_i$ (a hard-margin SVM through the
# origin of the augmented space) — not the margin of the plane that generated the data.
#
# **Order (Minsky & Papert).** A perceptron over masks $\varphi_S(x)=\prod_{i\in S}x_i$ with $|S|\le k$
# has *order* $k$. Parity of $n$ bits has order $n$: averaging a separating rule over the symmetries
# that flip bits kills every mask that misses a bit. A perceptron is *diameter-limited* if each mask
# lies in a small window of the retina; connectedness is not diameter-limited.
#
# **Backprop** (RHW eq. 1–2). Unit $j$ has total input $x_j=\sum_i y_i w_{ji}+b_j$ and output
# $y_j=\sigma(x_j)=1/(1+e^{-x_j})$. For the loss $E=\operatorname{mean}(y^L-d)^2$ the chain rule gives,
# layer by layer from the top,
# $$\delta^L=\frac{\partial E}{\partial y^L}\odot y^L(1-y^L),\qquad
#   \frac{\partial E}{\partial W^\ell}=\delta^{\ell\top}y^{\ell-1},\qquad
#   \delta^{\ell-1}=(\delta^\ell W^\ell)\odot y^{\ell-1}(1-y^{\ell-1}).$$
#
# **Stochastic approximation.** A fresh sample per step gives an unbiased noisy gradient $g_t$:
# $w_{t+1}=w_t-\eta_t g_t$ is Robbins–Monro (1951), which converges for
# $\sum_t\eta_t=\infty,\ \sum_t\eta_t^2<\infty$, e.g. $\eta_t=\eta_0/(1+t/\tau)$. With a *constant* step
# the noise never averages out: near a minimum with Hessian $H$, labels of variance $\sigma^2$ give
# gradient noise of covariance $2\sigma^2H$, and the linearised recursion settles at the **noise floor**
# $$\mathbb E\,[E(w)-E(w^\star)] \;=\; \eta\,\sigma^2\sum_i \frac{\lambda_i(H)}{2-\eta\lambda_i(H)}
#   \;\approx\; \tfrac12\,\eta\,\sigma^2\operatorname{tr}H .$$
# **Kiefer & Wolfowitz (1952)** need no gradient at all: they replace $g_t$ by central differences of
# *noisy* losses, $\hat g_{t,k}=\big(\ell(w_t+c_te_k)-\ell(w_t-c_te_k)\big)/2c_t$, with
# $c_t\to0$, $\sum\eta_t=\infty$, $\sum\eta_tc_t<\infty$, $\sum\eta_t^2/c_t^2<\infty$: the width must shrink
# *slowly*, since one quotient has standard deviation $\sqrt{V_++V_-}/2c_t$ ($V_\pm$ the variance of one
# noisy loss) — and it costs $2P$ losses for $P$ parameters.

# %% [markdown]
# ## The experiments
# ### 1. The perceptron against Novikoff's bound
# *Predict first:* if we halve the margin, what happens to the bound? To the actual number of
# mistakes? Write your guess down, then run the cell.
#
# The kernels: [`course_lib/perceptron.py`](../course_lib/perceptron.py) — `train_perceptron`,
# `max_margin`, `novikoff_bound`.

# %%
margins = [0.05, 0.1, 0.2, 0.5]
rows = []
for margin in margins:
    X, y, _ = separable_blobs(n=200, margin=margin, dim=2, seed=1)
    result = perceptron.train_perceptron(X, y, epochs=1000)
    gamma, _ = perceptron.max_margin(X, y)
    bound = perceptron.novikoff_bound(X, y)
    rows.append((margin, gamma, result.total_mistakes, bound))
    claims.at_most(f"Perceptron mistakes ≤ (R/γ)² (data margin ≥ {margin})", result.total_mistakes, bound, fmt=".1f")
    claims.check(f"Perceptron separates the data (margin ≥ {margin})", result.converged,
                 f"last epoch: {result.mistakes_per_epoch[-1]} mistakes after {len(result.mistakes_per_epoch)} epochs")

# %%
display(Markdown("| generator margin | max margin γ | mistakes | bound (R/γ)² |\n|---|---|---|---|\n" +
                 "\n".join(f"| {m} | {g:.3f} | {k} | {b:,.0f} |" for m, g, k, b in rows)))

# %%
_, gammas, mistakes, bounds = zip(*rows)
fig = figure("Novikoff's bound holds — and is far from tight", "maximum margin γ (augmented data)",
             "number of updates (log scale)", yaxis_type="log", xaxis_type="log")
fig.add_scatter(x=gammas, y=bounds, mode="lines+markers", name="bound (R/γ)²")
fig.add_scatter(x=gammas, y=mistakes, mode="lines+markers", name="perceptron mistakes")
fig

# %% [markdown]
# The bound scales like $\gamma^{-2}$; the actual count grows much more slowly on these data.
# The theorem is a worst case over all orderings and all data with that margin — a **bound**,
# not a prediction. Is the worst case ever reached? Take $n$ points whose *augmented* vectors are
# orthogonal: the rows of a Hadamard matrix, whose column of ones plays the bias. Every first visit
# is then a mistake ($\tilde w\cdot y_i\tilde x_i=0$), after which $\tilde w=\sum_i y_i\tilde x_i$
# separates; $R^2=n$ and $\gamma=1$. Computing $R$ without the bias coordinate would give $n-1$ —
# and a "bound" the perceptron breaks.

# %%
X16, y16 = perceptron.orthogonal_worst_case(16)
tight = perceptron.train_perceptron(X16, y16, epochs=100)
bound16 = perceptron.novikoff_bound(X16, y16)
claims.close("Novikoff's bound is attained: 16 orthogonal augmented points cost exactly (R/γ)² = 16 mistakes "
             "(tolerance: γ is solved to ~1e-9)", tight.total_mistakes, bound16, atol=1e-6)

# %% [markdown]
# ### 2. XOR: no linear rule beats 3/4
# We test every subset of the four XOR points for linear separability *exactly*, with a linear
# program (scipy's HiGHS): the largest separable subset has 3 points, so no line or plane
# classifies more than 3 of 4 correctly. The perceptron, accordingly, never has a clean epoch.

# %%
X_xor, y_xor = xor()
best = perceptron.best_linear_accuracy(X_xor, y_xor)
claims.close("No linear rule classifies more than 3 of the 4 XOR points", best, 0.75, atol=1e-12)
run = perceptron.train_perceptron(X_xor, y_xor, epochs=200)
claims.at_least("The perceptron never completes a mistake-free epoch on XOR (200 epochs)",
                min(run.mistakes_per_epoch), 1, fmt="d")
print("mistakes in the first epochs:", run.mistakes_per_epoch[:8])
print("w̃ after each of the first epochs:", [tuple(w.int().tolist()) for w in run.history[:4]],
      "— the four updates cancel, so the perceptron cycles forever")

# %% [markdown]
# ### 2b. Minsky & Papert: parity and connectedness need global information
# XOR is the parity of two bits. Give the perceptron more features: every product of at most $k$ of
# the $n$ input bits (masks of *order* $\le k$). *Predict first:* for $n=6$ bits, which $k$ suffices?
# The same exact LP answers for each $k$.

# %%
B6 = perceptron.bit_patterns(6)
separable = [perceptron.linearly_separable(perceptron.order_features(B6, k), perceptron.parity(B6))
             for k in range(1, 7)]
claims.check("Parity of 6 bits has order 6: no perceptron over masks of ≤ 5 bits computes it, masks of 6 bits do "
             "(exact LP)", separable == [False] * 5 + [True], f"separable at orders 1…6: {separable}")

# %% [markdown]
# Connectedness on a retina, with masks that each fit in a $2\times2$ window. Minsky & Papert's four
# figures: three strands whose ends are joined 1–2 or 2–3 on each side. No window sees both ends, so
# each local mask takes the same total on $A+D$ as on $B+C$; a perceptron would have to score $B$ and
# $C$ above its threshold and $A$ and $D$ below — impossible, exactly as for XOR.

# %%
figs, names = perceptron.minsky_papert_figures()
print(perceptron.figures_text(figs, names))
components = perceptron.count_components(figs)
phi = perceptron.local_features(figs, window=(2, 2))
gap = float((phi[0] + phi[3] - phi[1] - phi[2]).abs().max())
print(f"{phi.shape[1]} local masks; max |φ(A)+φ(D)−φ(B)−φ(C)| = {gap}")
claims.check("Minsky–Papert figures: A and D are disconnected, B and C connected",
             components.tolist() == [2, 1, 1, 2], f"components per figure: {components.tolist()}")
claims.check("No perceptron over 2×2-local masks separates them (exact LP)",
             not perceptron.linearly_separable(phi, torch.tensor([-1.0, 1.0, 1.0, -1.0])), "LP infeasible")

# %% [markdown]
# *Control:* the local masks are not useless. On a smaller, $3\times4$ retina, where no such four
# figures fit, the same LP finds a local perceptron that decides "at most one component" on all
# $2^{12}$ images. Connectedness stops being local as the retina grows — Minsky & Papert's point.

# %%
images = perceptron.bit_patterns(12).reshape(-1, 3, 4)
connected = torch.where(perceptron.count_components(images) <= 1, 1.0, -1.0)
claims.check("Control: on a 3×4 retina 2×2-local masks do decide connectedness (exact LP, all 4,096 images)",
             perceptron.linearly_separable(perceptron.local_features(images), connected),
             f"{int((connected > 0).sum())} connected images, LP feasible")

# %% [markdown]
# ### 3. Backpropagation is the chain rule — checked three ways
# [`course_lib/backprop/kernels.py`](../course_lib/backprop/kernels.py) writes `forward_pass` and
# `backward_pass` by hand: a dozen lines, printed by the collapsed cell below (unfold it to read them).
# Compare `backward_pass` with the formulas above, line by line.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(backprop.forward_pass))
print(inspect.getsource(backprop.backward_pass))

# %% [markdown]
# We check the hand-written gradients of a 3-4-2 network on 16 random samples against
# PyTorch's autograd and against central finite differences $\frac{E(w+h)-E(w-h)}{2h}$, in float64.

# %%
net = backprop.SigmoidMLP([3, 4, 2], seed=0, dtype=torch.float64)
g = torch.Generator().manual_seed(0)
Xg = torch.randn(16, 3, generator=g, dtype=torch.float64)
Yg = torch.rand(16, 2, generator=g, dtype=torch.float64)
dWs, dbs = net.gradients(Xg, Yg)

# %%
params = [t.clone().requires_grad_(True) for t in net.weights + net.biases]
out = backprop.forward_pass(params[:2], params[2:], Xg)[-1]
((out - Yg) ** 2).mean().backward()  # autograd fills p.grad
auto_err = max(float((a - p.grad).abs().max() / p.grad.abs().max()) for a, p in zip(dWs + dbs, params))
claims.at_most("Hand-written backprop equals autograd (relative error)", auto_err, 1e-12, fmt=".2e")

# %%
h, fd_err = 1e-6, 0.0
for hand, tensor in zip(dWs + dbs, net.weights + net.biases):  # central differences, every parameter
    fd = torch.zeros_like(tensor)
    for idx in np.ndindex(*tensor.shape):
        old = tensor[idx].item()
        tensor[idx] = old + h
        up = net.loss(Xg, Yg)
        tensor[idx] = old - h
        down = net.loss(Xg, Yg)
        tensor[idx] = old
        fd[idx] = (up - down) / (2 * h)
    fd_err = max(fd_err, float((hand - fd).abs().max() / fd.abs().max()))
claims.at_most("Hand-written backprop equals central finite differences (relative error)", fd_err, 1e-6, fmt=".2e")

# %% [markdown]
# ### 3b. Finite differences of a *noisy* loss: Kiefer–Wolfowitz
# The check above differences the exact loss with $h=10^{-6}$. Suppose the loss can only be *measured*:
# each evaluation draws one XOR point and its label, flipped with probability $p=0.1$. Kiefer and
# Wolfowitz's quotient still averages to the gradient (up to $O(c^2)$), but its spread is
# $\sqrt{V_++V_-}/2c$. We draw 20,000 quotients per coordinate of a 2-3-1 network at two widths $c$ and
# compare their mean with backprop's gradient of the expected loss, and their spread with the formula.

# %%
kw = backprop.kiefer_wolfowitz_check(p=0.1, cs=(0.25, 0.025), n_draws=20_000)
z_crit = NormalDist().inv_cdf(1 - 0.001 / (2 * 13))  # two-sided 0.1 %, Bonferroni over the 13 coordinates
for c, z, ratio, bias in zip(kw.c, kw.z_max, kw.sd_ratio, kw.bias_over_se):
    claims.at_most(f"KW quotients (c={c}) average to backprop's gradient: max |z| over 13 coordinates "
                   f"(O(c²) bias ≤ {bias:.2f} SE)", z, z_crit, fmt=".2f")
    claims.check(f"Their spread is √(V₊+V₋)/2c (c={c}): measured / exact SD within 1 ± 0.05 "
                 "(an SD from 20,000 draws errs by ≲ 1 %)",
                 bool(((ratio - 1).abs() <= 0.05).all()), f"{float(ratio.min()):.3f} … {float(ratio.max()):.3f}")
print(f"at the finite-difference check's h = 1e-6, one noisy quotient has SD ≈ {kw.sd_at_fd_step:.1e}, "
      f"against gradient entries of size ≤ {float(kw.gradient.abs().max()):.2f}")

# %% [markdown]
# Shrinking $c$ removes the bias but inflates the noise like $1/c$: hence KW's slowly shrinking widths
# and decaying steps. Section 4 runs the KW recursion next to backprop's SGD.
#
# ### 4. Backprop as stochastic approximation: where Robbins–Monro steps matter
# On clean XOR the optimum fits every label exactly, so the gradient noise vanishes at the optimum and
# a constant step converges; that cannot show why Robbins and Monro decay their steps. We flip every
# label with probability $p=0.1$ and stream fresh samples: the best output is now $0.1$ or $0.9$, and the
# *excess loss* $\operatorname{mean}_x (f(x)-\mathbb E[d\mid x])^2$ measures the distance to it.
# 200 random 2-3-1 networks train with every constant step $\eta\in\{0.25,\dots,4\}$ and with
# $\eta_t=4/(1+t/300)$, one sample per step, same starts and same samples; a control arm sees clean
# labels. Kiefer–Wolfowitz arms get the same number of noisy samples.
#
# *Predict first:* where will the constant steps end — and in which order?

# %%
sa = backprop.stochastic_approximation(p=0.1, n_seeds=200, n_steps=8000)
display(Markdown(sa.table()))

# %%
backprop.stochastic_approximation_figure(sa)

# %% [markdown]
# The dotted lines are the predicted floors $\eta\sigma^2\sum_i\lambda_i/(2-\eta\lambda_i)$, computed from
# each run's own Hessian at its end (`backprop.hessian`: central differences of backprop's gradient).
# First the control: without label noise a constant step needs no decay.

# %%
S = sa.excess.shape[-1]
late, third = sa.last_quarter, sa.third_quarter
start_c, end_c = float(sa.excess[0, sa.clean].median()), float(sa.excess[-1, sa.clean].median())
claims.at_most("Without label noise a constant step (η=4) needs no decay: median excess after 8,000 steps "
               "≤ 1/100 of its start", end_c, start_c / 100, fmt=".2e")

# %% [markdown]
# With noisy labels, a constant step stalls where the linearised theory says. The theory needs the run to
# have reached its stationary regime (not yet true at $\eta=0.25$, still descending) and fluctuations
# small enough for a quadratic model; we test it on the middle of the grid, $\eta=1$ and $2$. The
# tolerance, a factor $\sqrt2$, is halfway (in log scale) to the nearest wrong answers — a factor 2, e.g.
# dropping the $\tfrac12$ or doubling the Hessian.

# %%
for k in sa.constant:
    if float(sa.lr[k]) in (1.0, 2.0):
        med, lo, hi = median_interval(sa.floor_ratio(k))
        claims.check(f"Constant η={float(sa.lr[k]):g} stalls at the predicted noise floor: measured / predicted, "
                     "median with exact 95% CI inside [1/√2, √2]", 2**-0.5 <= lo and hi <= 2**0.5,
                     f"{med:.2f} [{lo:.2f}, {hi:.2f}] over {int(sa.near_min[k].sum())} runs")

# %% [markdown]
# The table lists every arm: at $\eta=4$ the measured floor is about twice the linear prediction (the
# quadratic model no longer holds at that noise level), and $\eta=0.25$ is still descending — we report
# them, we do not claim them. Next: does the decaying step keep going while a constant one stalls?

# %%
k_rm, k_2 = sa.decaying, sa.constant[3]
n_rm, n_2 = int((late[k_rm] < third[k_rm]).sum()), int((late[k_2] < third[k_2]).sum())
lo_rm, hi_rm = wilson_interval(n_rm, S)
lo_2, hi_2 = wilson_interval(n_2, S)
claims.at_least("Robbins–Monro steps keep improving: last-quarter excess below the third quarter's in most seeds "
                "(Wilson 95% lower bound > ½)", lo_rm, 0.5, fmt=".2f")
claims.check(f"…while the constant step η={float(sa.lr[k_2]):g} has stalled: improving in about half the seeds "
             "(Wilson 95% interval contains ½)", lo_2 <= 0.5 <= hi_2, f"{n_2}/{S}, [{lo_2:.2f}, {hi_2:.2f}]")

# %% [markdown]
# A fair comparison gives the constant step its best value on the grid, chosen *after* the run
# (it depends on the horizon: small steps have the lowest floor but arrive late).

# %%
b = sa.best_constant
wins = int((late[k_rm] < late[b]).sum())
lo_w, hi_w = wilson_interval(wins, S)
med, lo, hi = median_interval(late[k_rm] / late[b])
claims.at_least(f"Robbins–Monro ends below the best constant step ({sa.labels[b]}) in most seeds "
                "(Wilson 95% lower bound > ½)", lo_w, 0.5, fmt=".2f")
print(f"{wins}/{S} seeds; median excess ratio RM / best constant = {med:.2f} [{lo:.2f}, {hi:.2f}] (exact 95% CI)")

# %%
kw_end = sa.kw[-1]
best_kw = int(kw_end.median(dim=1).values.argmin())
rm_same = sa.excess_at(int(sa.kw_samples[-1]))[k_rm]  # RM with no more samples than KW used
wins_kw = int((rm_same < kw_end[best_kw]).sum())
lo_k, _ = wilson_interval(wins_kw, S)
claims.at_least(f"Per noisy sample, backprop's gradient beats finite differences: RM below the best KW arm "
                f"({sa.kw_labels[best_kw]}) after {int(sa.kw_samples[-1]):,} samples (Wilson 95% lower bound)",
                lo_k, 0.5, fmt=".2f")
print(f"{wins_kw}/{S} seeds; median excess KW {float(kw_end[best_kw].median()):.3f} "
      f"vs RM {float(rm_same.median()):.1e}")

# %% [markdown]
# Kiefer–Wolfowitz pays $2P=26$ noisy losses per step and a noise of order $1/c$; after 8,000 samples
# it has barely left its start, while backprop's one-sample gradient has reached the noise floor.
#
# ### 5. How often does a 2-2-1 network solve XOR?
# *Predict first:* out of 500 random initialisations, how many will end with all four points
# correct after 2,000 epochs of gradient descent?
#
# All 500 networks train **in one tensor program**: the weights carry a leading "seed"
# dimension (shape `(500, out, in)`), so one `backward_pass` serves them all.

# %%
Y_xor = (y_xor + 1) / 2  # targets in {0, 1} for the sigmoid output
n_seeds = 500
runs = backprop.train_many(X_xor, Y_xor, [2, 2, 1], n_nets=n_seeds, lr=5.0, epochs=2000, seed=0)
final = backprop.forward_pass(runs.weights, runs.biases, X_xor)[-1][..., 0]
solved = ((final > 0.5).double() == Y_xor).all(dim=1)  # (500,): all four points right
rate, fails = float(solved.double().mean()), n_seeds - int(solved.sum())
low, high = wilson_interval(fails, n_seeds)  # Wilson 95% interval for the failure rate
print(f"solved: {int(solved.sum())}/{n_seeds} = {rate:.1%};  failure rate 95% CI: [{low:.1%}, {high:.1%}]")

# %%
claims.at_least("A 2-2-1 sigmoid net fails on a noticeable fraction of starts (Wilson 95% lower bound of the "
                "failure rate ≥ 1%)", low, 0.01, fmt=".1%")
print(f"{fails}/{n_seeds} seeds fail, 95% CI [{low:.1%}, {high:.1%}]")
claims.at_least("…but most random starts do solve it", rate, 0.5, fmt=".1%")

# %%
backprop.loss_traces_figure(runs.loss, solved, f"{rate:.0%} of 500 random starts solve XOR; the rest stall")

# %% [markdown]
# Blue runs solved XOR, red ones did not. Where are the failures stuck? "Where the gradient is small"
# is no diagnosis: it is about as small on the solutions (medians below), whose loss tends to 0
# only as the weights grow without bound.
# The Hessian tells them apart. A typical failure sends two XOR inputs to the same saturated hidden
# code $h$, so the output can only say $\tfrac12$ for both: loss $\tfrac18$.
#
# *Predict first (derive it):* for a failure whose undecided pair has the code $h=(1,0)$, what is the
# largest eigenvalue of the Hessian of $E$? Enter your number, then run the diagnosis.

# %%
pred_stiff = backprop.prediction_stiff_eigenvalue()
pred_stiff.check(...)  # replace ... with your number

# %%
diag = backprop.diagnose_failures(runs.weights, runs.biases, X_xor, Y_xor)
s, f = diag.solved, ~diag.solved
print(f"median gradient norm — solved {diag.grad_norm[s].median():.1e}, failed {diag.grad_norm[f].median():.1e}; "
      f"median λ_max — solved {diag.lam_max[s].median():.1e}, failed {diag.lam_max[f].median():.3f}")
print(f"failures with an undecided pair: {int(diag.pair.sum())}/{int(f.sum())}; with a negative eigenvalue "
      f"below −{diag.negative_tol:g} (a saddle): {int(diag.saddle.sum())}; median of the other eigenvalues / λ_max: "
      f"{float((diag.eigenvalues[f, :-1].max(dim=1).values / diag.lam_max[f]).median()):.3f}")

# %%
claims.at_most("A failure is stiff in one direction only: λ_max = the output layer's Gauss–Newton curvature "
               "(2/n)Σσ'(z)²‖a‖² over its undecided pair (max relative error; neighbouring codes differ "
               "by ≥ 33%)",
               float(diag.stiff_error.max()), 0.05, fmt=".3f")
p_lam = mann_whitney(diag.lam_max[f], diag.lam_max[s], alternative="greater")
p_grad = mann_whitney(diag.grad_norm[f], diag.grad_norm[s], alternative="two-sided")
claims.at_most(f"The curvature tells failed from solved runs: λ_max larger for failures (one-sided Mann–Whitney p; "
               f"AUC {diag.auc(diag.lam_max):.3f})", p_lam, 1e-6, fmt=".1e")
print(f"the gradient norm differs too (p = {p_grad:.1g}) but overlaps: AUC {diag.auc(diag.grad_norm):.2f} "
      "(0.5 = no separation, 1 = perfect)")

# %%
backprop.failure_spectrum_figure(diag)

# %% [markdown]
# Each failure has one stiff eigenvalue, $(1+\|h\|^2)/16\in\{\tfrac1{16},\tfrac2{16},\tfrac3{16}\}$ (the
# dotted lines), and all its others are flat: the hidden units are saturated, so the directions that
# could split the pair have almost no gradient *and* almost no curvature. That is a **plateau**, not a
# minimum: the loss creeps toward $\tfrac18$ only as the weights grow, and a few runs show a small
# negative eigenvalue (a saddle). Hamey proved that the 2-2-1 XOR network has no local minima at
# finite weights at all — the failures are plateaus and saddles (for 2-3-1 networks, Sprinkhuizen-Kuyper
# and Boers later found a true local-minimum region).

# %%
claims.published("The 2-2-1 XOR network has no local minima at finite weights (every finite stationary point has "
                 "points of lower error arbitrarily close)", "proved", "Hamey 1998, Neural Networks 11(4)")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): the measured λ_max of the failures whose pair has the code (1, 0) or (0, 1).
code_10 = diag.pair & ((diag.ideal - 2 / 16).abs() < 0.01)
pred_stiff.check(float(diag.lam_max[code_10].median()), strict=True)

# %% [markdown]
# ## A live widget: watch the boundary form
# *(ipywidgets sliders drive a plotly `FigureWidget`, updated in place; a static HTML export shows
# the figure but not the sliders — run the lecture in `make lab`.)*
# Move **epoch** to replay training; change the **learning rate** and the number of **hidden
# units**. Every configuration was trained in one batched call when the widget was built
# (`backprop.build_xor_boundary_widget`), so each slider move only evaluates the network on a grid.

# %%
ui = backprop.build_xor_boundary_widget()
ui

# %% [markdown]
# ## Exercises
# Each exercise checks your answer as you go; `.hint()` on an exercise gives a hint, one step at a time.
#
# ### Exercise 1 — the perceptron update
# Write one step of Rosenblatt's rule on an augmented input `x` (the last entry is the 1 for
# the bias): return the new weight vector.

# %%
def perceptron_update(w, x, y):
    raise NotImplementedError  # your code here


ex1 = perceptron.exercise_perceptron_update()
ex1.check(perceptron_update)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): unfold to see it.
def perceptron_update_solution(w, x, y):
    return w + y * x if y * (w @ x) <= 0 else w


ex1.check(perceptron_update_solution, strict=True)

# %% [markdown]
# ### Exercise 2 — the backward pass of one layer
# For $y=\sigma(xW^\top+b)$ with `x` of shape `(n, in)` and `W` of shape `(out, in)`, and the
# upstream gradient `grad_y` $=\partial E/\partial y$, return `(grad_W, grad_b, grad_x)`.

# %%
def layer_backward(W, x, y, grad_y):
    raise NotImplementedError  # your code here


ex2 = backprop.exercise_layer_backward()
ex2.check(layer_backward)

# %% tags=["solution"] jupyter={"source_hidden": true}
def layer_backward_solution(W, x, y, grad_y):
    delta = grad_y * y * (1 - y)
    return delta.T @ x, delta.sum(dim=0), delta @ W


ex2.check(layer_backward_solution, strict=True)

# %% [markdown]
# ### Exercise 3 — predict: the order of parity on 8 bits
# Before computing anything: what is the smallest order $k$ such that a perceptron over all masks of at
# most $k$ of 8 bits computes their parity? Enter a number.

# %%
pred_parity = perceptron.prediction_parity_order(8)
pred_parity.check(...)  # replace ... with your number

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): the exact LP, order by order, on all 256 patterns.
pred_parity.check(perceptron.parity_order(8), strict=True)

# %% [markdown]
# ## What we verified

# %%
claims.table()

# %% [markdown]
# ## References
# - F. Rosenblatt (1958). The perceptron: a probabilistic model for information storage and organization in the brain. *Psychological Review* 65(6).
# - A. B. J. Novikoff (1962). On convergence proofs on perceptrons. *Symposium on the Mathematical Theory of Automata*.
# - M. Minsky, S. Papert (1969). *Perceptrons*. MIT Press.
# - D. E. Rumelhart, G. E. Hinton, R. J. Williams (1986). Learning representations by back-propagating errors. *Nature* 323, 533–536.
# - H. Robbins, S. Monro (1951). A stochastic approximation method. *Annals of Mathematical Statistics* 22(3).
# - J. Kiefer, J. Wolfowitz (1952). Stochastic estimation of the maximum of a regression function. *Annals of Mathematical Statistics* 23(3).
# - L. G. C. Hamey (1998). XOR has no local minima: a case study in neural network error surface analysis. *Neural Networks* 11(4).
# - I. G. Sprinkhuizen-Kuyper, E. J. W. Boers (1999). A local minimum for the 2-3-1 XOR network. *IEEE Transactions on Neural Networks* 10(4).
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
