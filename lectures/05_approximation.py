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
# # Lecture 05 — Approximation: ridge functions, the curse of dimensionality, and when deep beats shallow
#
# *Mathematical Theories of Deep Learning* · after Yuan Yao's HKUST lecture.
#
# ## Objectives
# 1. Read a one-hidden-layer network as a **sum of ridge functions** $\rho(u\cdot x)$, and check two exact
#    facts about such sums: the ReLU interpolant's error bound in 1-D, and Logan–Shepp's "$n+1$ directions
#    suffice for polynomials of degree $n$" in 2-D.
# 2. Measure the **curse of dimensionality**: with $N$ units the error of a generic smooth function of $d$
#    variables falls like $N^{-m/d}$ — the same units buy less and less as $d$ grows.
# 3. Test **Mhaskar–Poggio–Liao**: on a function that is a binary tree of 2-variable constituents, a
#    **tree-shaped deep net** beats a shallow net *and* a generic deep net with the same number of parameters.
# 4. Run the **control** that shows that the tree structure, not depth, is the point: on a tree the net does not
#    match, or on a sum of ridge functions, the advantage is gone.

# %%
import inspect

import torch
from IPython.display import Markdown, display
from scipy import stats as sps

from course_lib import approx
from course_lib.core.claims import Claims
from course_lib.core.device import get_device, seed_everything
from course_lib.core.stats import mann_whitney, mcnemar_exact
from course_lib.ui.plotting import setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("05 Approximation: ridge functions, compositional functions")
print(f"computing on: {device}")

# %% [markdown]
# ## The slide's claim
# *(paraphrase of the slides; they are not quoted verbatim)*
# > **Ridge functions and the curse.** A first layer computes ridge functions $\rho(u\cdot x)$; sums of them
# > approximate some functions with no curse of dimensionality, but a generic smooth function "wiggles in too
# > many dimensions": shallow approximation error decays like $N^{-m/d}$.
#
# > **When is deep better than shallow?** (Mhaskar, Poggio & Liao.) Compositional functions with local
# > constituents — like $f(x_1,\dots,x_8) = h_3(h_{21}(h_{11}(x_1,x_2), h_{12}(x_3,x_4)),
# > h_{22}(h_{13}(x_5,x_6), h_{14}(x_7,x_8)))$, or the deep compositions of VGG-like networks — are approximated
# > by a deep net with the same tree structure with $O((d-1)\varepsilon^{-2/m})$ units, while a shallow net
# > needs $O(\varepsilon^{-d/m})$. *(The slide writes the rates without the smoothness $m$, i.e. for $m = 1$.)*
#
# ## The math
# **Ridge functions.** A one-hidden-layer net $\sum_{i\le N} c_i\,\sigma(w_i\cdot x + b_i)$ is a sum of $N$
# ridge functions $\rho_i(u_i\cdot x)$, each constant along the hyperplanes $u_i\cdot x = $ const. In 1-D,
# with ReLU, it is a piecewise-linear function with kinks at $-b_i/w_i$: the linear interpolant $s_N$ of $f$ on
# $N$ equal pieces of width $h$ is one, and $\|f - s_N\|_\infty \le h^2\|f''\|_\infty/8$. In 2-D, every
# polynomial of degree $n$ is a sum of $n+1$ ridge polynomials with distinct directions (Logan & Shepp 1975).
#
# **No curse, for some functions.** Barron (1993, Thm 1): if $C_f = \int|\omega|\,|\hat f(\omega)|\,d\omega<\infty$,
# $N$ sigmoidal units reach $\|f - f_N\|_{L^2(\mu)} \le 2rC_f/\sqrt N$ on the ball of radius $r$ — the
# exponent does not depend on $d$ (the constant $C_f$ may).
#
# **The curse.** For $f$ in the unit ball of the Sobolev space $W^d_m$ ($d$ variables, $m$ derivatives), a shallow
# net with a smooth non-polynomial activation needs $N = O(\varepsilon^{-d/m})$ units for sup error
# $\varepsilon$, and no method does better in the worst case over that ball (Mhaskar 1996; Poggio et al. 2017,
# Thm 1): $\varepsilon \sim N^{-m/d}$. The worst case is not every function: Barron's class escapes it.
#
# **Deep beats shallow, when the tree matches.** If $f$ is a binary tree of constituents in $W^2_m$ and the deep
# net *contains that tree as a subgraph*, $N = O((d-1)\varepsilon^{-2/m})$ units suffice (Poggio et al. 2017,
# Thm 2): every node only has to approximate a function of 2 variables. For ReLU nets and $L$-Lipschitz
# constituents (their Thm 4): $N_{\rm shallow} = O((\varepsilon/L)^{-d})$ and $N_{\rm deep} = O((d-1)(\varepsilon/L)^{-2})$.
# A tree net of $k$ units per node has $(d-1)(4k+1)$ parameters: each of its $d-1$ nodes has $2k$ weights and
# $k$ biases into its units, $k$ weights and one bias out.

# %% [markdown]
# ## The experiment
# The kernels live in [`course_lib/approx/kernels.py`](../course_lib/approx/kernels.py); the drivers in
# [`experiments.py`](../course_lib/approx/experiments.py), the figures and the widget in
# [`widget.py`](../course_lib/approx/widget.py).
#
# ### 1. Ridge sums in 1-D and 2-D
# *Predict first:* doubling the number of ReLU units of the 1-D interpolant divides its error by how much?
# (The bound answers it; the second claim checks it.)
#
# $f(x) = \sin 3x + x^2/2$ on $[-1, 1]$ has $\|f''\|_\infty = \max|1 - 9\sin 3x| = 10$. The sup error is
# measured on 20,001 points.

# %%
r1 = approx.ridge_1d_experiment(lambda x: torch.sin(3 * x) + x**2 / 2, 10.0, -1.0, 1.0)
ratio = r1["sup_error"] / r1["bound"]
claims.at_most("A ReLU ridge sum with N units (the linear interpolant) obeys ‖f − s_N‖∞ ≤ h²‖f''‖∞/8 "
               f"for N = {r1['units'][0]}…{r1['units'][-1]} (worst error/bound)", float(ratio.max()), 1.0, fmt=".4f")
big = torch.tensor(r1["units"]) >= 8
slope1 = float(approx.loglog_slope(torch.tensor(r1["units"])[big], r1["sup_error"][big]))
claims.close("…and its error falls like N⁻² = N^(−m/d), m = 2, d = 1 (log-log slope for N ≥ 8; tolerance 0.1 for "
             "the next term, O(h) relative to the h² one)", slope1, -2.0, atol=0.1)

# %%
approx.widget.ridge_1d_figure(r1)

# %% [markdown]
# In 2-D: a random polynomial of degree 5, fitted by sums of $M$ ridge polynomials of degree 5 along the
# directions $\theta_j = j\pi/M$. Logan & Shepp: $M = 6$ is exact, $M = 5$ is not. The tolerance for "exact"
# is rounding, $10^{-10}$ (a least-squares residual in double precision is about
# $\kappa\,\varepsilon_{\rm mach} \approx 10^{-14}$ here).

# %%
ls = approx.logan_shepp_experiment(degree=5)
res_ls = ls["residual"]
claims.check("Logan–Shepp: a polynomial of degree 5 in 2 variables is a sum of 6 ridge functions (relative "
             "residual ≤ 1e-10), and 5 are not enough (residual ≥ 1e-3)",
             float(res_ls[5]) <= 1e-10 and float(res_ls[4]) >= 1e-3,
             f"residual {float(res_ls[5]):.1e} with 6 directions, {float(res_ls[4]):.1e} with 5")
r2 = approx.ridge_2d_experiment()
approx.widget.ridge_2d_figure(r2)

# %% [markdown]
# ### 2. The curse of dimensionality
# *Predict first:* going from 16 to 256 units (×16), by how much does the error of an 8-variable function fall?
#
# A *generic* smooth function: a Matérn random field with smoothness $\nu = 3/2$ and the same length scale
# $\ell = 2$ in every dimension (`approx.random_field`; more wiggles as $d$ grows), 6 fields per $d$, on
# $[-1,1]^d$. The shallow nets: $N$ random ReLU ridge units with the outer layer fitted by least squares
# (for $N = 8 \dots 256$ at once). For such a field the best $N$-term approximation in $L^2$ errs like
# $N^{-\nu/d}$ (the covariance's eigenvalues decay like $j^{-(2\nu+d)/d}$) — Theorem 1's exponent with $m = \nu$.

# %%
curse = approx.curse_experiment(dims=(2, 4, 8), nu=1.5, n_fields=6, device=device)
sl = curse["slope"]  # (d, field): log-log slope of the test RMSE against N
for i, d in enumerate(curse["dims"]):
    lo, hi = sps.t.interval(0.95, sl.shape[1] - 1, loc=float(sl[i].mean()), scale=float(sl[i].std() / sl.shape[1] ** 0.5))
    print(f"d = {d}: slopes {', '.join(f'{v:.2f}' for v in sl[i].tolist())}; mean {float(sl[i].mean()):.2f} "
          f"(95% t-interval [{lo:.2f}, {hi:.2f}]); theory −ν/d = {-1.5 / d:.3f}")
p24 = mann_whitney(sl[0].numpy(), sl[1].numpy(), alternative="less")
p48 = mann_whitney(sl[1].numpy(), sl[2].numpy(), alternative="less")
claims.check("The curse: the error's decay rate in N slows at every doubling of d (slopes at d = 2 steeper than at "
             "d = 4, and at d = 4 than at d = 8; exact one-sided Mann–Whitney, 6 fields each, p ≤ 0.05)",
             max(p24, p48) <= 0.05, f"median slopes {', '.join(f'{float(v):.2f}' for v in sl.median(1).values)} "
             f"for d = 2, 4, 8; p = {p24:.2g}, {p48:.2g}")

# %%
rm = curse["rmse"].mean(1)  # (d, N): mean test RMSE over the fields
print(f"mean test RMSE: {float(rm[2, -1]):.2f} with 256 units at d = 8, {float(rm[0, 1]):.2f} with 16 units at d = 2; "
      f"at d = 8, 16 → 256 units multiplied it by {float(rm[2, -1] / rm[2, 1]):.2f} (rate: 16^(−ν/8) = {16 ** (-1.5 / 8):.2f})")
approx.widget.curse_figure(curse)

# %% [markdown]
# The measured exponents sit near $-\nu/d$ (printed above) without matching it within their spread: the rate is an
# asymptotic statement about the best approximation, and we fitted random units over $N = 8\dots256$. What the
# curves show beyond doubt is the ordering — and the price: compare 256 units at $d = 8$ with 16 units at $d = 2$.
# (The prediction: ×16 units multiply the error by $16^{-\nu/8} \approx 0.59$ at $d = 8$, printed above the figure.)
#
# ### 3. Deep against shallow at equal parameter counts
# The target: $f = $ `compositional_function(h)` with $h(a, b) = \tanh(a + 2b^2 - 1)$, which maps $[-1,1]^2$ into
# $[-1, 1]$, so the tree neither blows up nor collapses (a product $x_1\cdots x_8$ would crowd near 0). Inputs
# uniform on $[-1,1]^8$; every target standardised to variance 1, so a test MSE is the fraction of variance left.
#
# Three nets, all `MaskedMLP`s — a fully connected net whose 0/1 mask keeps the edges of its graph:
# the **tree net** (`tree_net(k)`: widths $8\to4k\to4\to2k\to2\to k\to1$, each node $k$ ReLU units and a linear
# output reading only its two children), a **shallow net** and a **dense deep net** (2 hidden layers), each
# widened to the tree net's parameter count. The mask is the whole difference (unfold to read it):

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(approx.kernels.tree_masks))

# %%
ks = (4, 8, 16)
counts = [approx.count_parameters(approx.tree_net(k)) for k in ks]
claims.check("A tree net with k units per node has (d − 1)(4k + 1) = 28k + 7 parameters, biases included "
             "(masked weights do not count)", counts == [28 * k + 7 for k in ks],
             f"count_parameters: {counts} for k = {list(ks)}; closed form {[28 * k + 7 for k in ks]}")
print("shallow widths", {k: approx.matched_width(lambda w: approx.shallow_net(w), c) for k, c in zip(ks, counts)},
      "dense widths", {k: approx.matched_width(lambda w: approx.dense_net([w, w]), c) for k, c in zip(ks, counts)})

# %% [markdown]
# **Training.** SGD finds *an* approximation, not the best one, so every (architecture, budget) is trained
# three times, once per learning rate of a ×3 grid around where that architecture trains best (Adam, 1,000
# steps of 128 samples, step decayed on a cosine), and the restart with the lowest **training** error is kept
# (best of 3). Every net of this section and the next — three architectures, three budgets, four targets — trains
# in **one** call of `approx.fit`: one ensemble per depth, one loss, one optimiser, one loop.
#
# *Predict first:* besides $h$, the run also composes a second constituent, $\sin(\pi(a+b)/2)$, along the net's
# tree. Which net will win on that one?

# %%
pred_win = approx.prediction_winner()
pred_win.check(...)  # +1 if you predict the tree net wins, −1 the shallow net

# %%
res = approx.deep_vs_shallow("tanh(a + 2b² − 1)", ks, extra_constituents=("sin(π(a + b)/2)",), steps=1000,
                             progress=True, device=device)
test = res["test"]  # (arch, target) -> test MSE (budget, restart)
best = {(a, t): approx.best_of_restarts(res, a, t)[0] for a, t in test}
print("chosen learning rates (best of 3):", {a: [res["lrs"][a][i] for i in approx.best_of_restarts(res, a, "tree")[1]]
                                              for a in ("tree", "shallow", "dense")}, "grid", res["lrs"])
print("parameters:", res["counts"], "| nets trained in one call:", sum(int((~v.isnan()).sum()) for v in test.values()))

# %% [markdown]
# The chosen rates sit inside each grid, except where the shallow net's errors hardly depend on the rate (compare its
# three restarts in the figure data: `res["test"]["shallow", "tree"]`).
#
# A sign test pairs restart $r$ of one net with restart $r$ of the other at the same budget: 9 independent pairs.
# If neither architecture were better, each pair would favour the tree net with probability ½ (McNemar's
# exact test on the discordant pairs is this sign test).

# %%
sign = mcnemar_exact(test["tree", "tree"] < test["shallow", "tree"], test["shallow", "tree"] < test["tree", "tree"])
ratio_s = best["shallow", "tree"] / best["tree", "tree"]
claims.check("At equal parameter counts the tree net beats the shallow net on a tree-compositional target "
             "(9 restart pairs, exact sign test, one-sided p ≤ 0.05)", sign.pvalue <= 0.05,
             f"{sign.a_only} pairs favour the tree net, {sign.b_only} the shallow net, p = {sign.pvalue:.2g}; "
             f"best-of-3 MSE ratio shallow/tree {', '.join(f'{v:.1f}' for v in ratio_s.tolist())} at {counts} parameters")
sign_d = mcnemar_exact(test["tree", "tree"] < test["dense", "tree"], test["dense", "tree"] < test["tree", "tree"])
ratio_d = best["dense", "tree"] / best["tree", "tree"]
claims.check("…and a generic dense deep net of the same size: depth without the tree's structure does not do it "
             "(exact sign test, p ≤ 0.05)", sign_d.pvalue <= 0.05,
             f"{sign_d.a_only} vs {sign_d.b_only} pairs, p = {sign_d.pvalue:.2g}; ratio dense/tree "
             f"{', '.join(f'{v:.1f}' for v in ratio_d.tolist())}")

# %%
approx.widget.deep_shallow_figure(res)

# %% [markdown]
# The dashed lines are the theorems' rates for $m = 2$ (what piecewise-linear ReLU approximation gives a smooth
# constituent): test MSE $= \varepsilon^2 \propto P^{-m}$ for the tree net and $P^{-2m/d} = P^{-1/2}$ for the
# shallow net, anchored at each curve's first point. Over a 4× range of parameters, with SGD, the *exponents* cannot
# be measured; the *ratio* at equal parameters can, and it grows with the budget.
#
# ### 4. The control: the structure, not depth, is the point
# Same constituent, composed along **another tree** — leaves $(x_1,x_3), (x_5,x_7), (x_2,x_4), (x_6,x_8)$, then
# $\{x_1,x_3,x_5,x_7\}$ with $\{x_2,x_4,x_6,x_8\}$: no node of it is a node of the net's tree. A shallow net
# does not care about the order of its inputs; the tree net should. And a **sum of two ridge functions**,
# $\tanh(u_1\cdot x) + (u_2\cdot x)^2/2$, compositional in no binary tree, is what a shallow net computes.

# %%
worse = mcnemar_exact(test["tree", "mismatched"] > test["tree", "tree"], test["tree", "mismatched"] < test["tree", "tree"])
claims.check("The same tree net does worse when the target's tree is not its own (9 paired runs, exact sign "
             "test, p ≤ 0.05)", worse.pvalue <= 0.05,
             f"worse in {worse.a_only} pairs, better in {worse.b_only}, p = {worse.pvalue:.2g}")
bt, bs = best["tree", "mismatched"], best["shallow", "mismatched"]
claims.check("On the mismatched tree the advantage is gone: the shallow net is at least as good at every budget "
             "(best of 3)", bool((bs <= bt).all()),
             f"MSE tree {', '.join(f'{v:.3f}' for v in bt.tolist())} vs shallow "
             f"{', '.join(f'{v:.3f}' for v in bs.tolist())} at {counts} parameters")

# %%
rt, rs = test["tree", "ridge"][1], test["shallow", "ridge"][1]
claims.check(f"On a sum of two ridge functions the shallow net wins in every restart ({counts[1]} parameters): "
             "the baseline works where it should", bool((rs < rt).all()),
             f"MSE shallow {', '.join(f'{v:.4f}' for v in rs.tolist())} vs tree {', '.join(f'{v:.3f}' for v in rt.tolist())}")

# %% [markdown]
# And the prediction: on $\sin(\pi(a+b)/2)$, also composed along the net's own tree, the tree net wins again
# (restart pairs below; the widget shows the fits).

# %%
key = "tree:sin(π(a + b)/2)"
ts, ss = test["tree", key], test["shallow", key]
winner = 1 if int((ts < ss).sum()) > ts.numel() / 2 else -1  # the majority of the restart pairs
print(f"sin constituent: the tree net wins {int((ts < ss).sum())} of {ts.numel()} restart pairs; best-of-3 ratio "
      f"shallow/tree {', '.join(f'{v:.1f}' for v in (best['shallow', key] / best['tree', key]).tolist())}")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution to the prediction above (hidden): the measured winner must be the predicted one.
pred_win.check(winner, strict=True)

# %% [markdown]
# ### 5. What the papers show, and what we did not check
# The theorems bound the *best* approximation; we trained nets with SGD and measured their ratio. The results below
# are quoted, not verified here.

# %%
claims.published("Shallow nets need N = O(ε^(−d/m)) units for W^d_m, and this is optimal; tree nets with the target's "
                 "tree need O((d − 1)ε^(−2/m))", "Theorems 1 and 2", "Poggio, Mhaskar, Rosasco, Miranda & Liao 2017")
claims.published("Barron's class (finite first Fourier moment): N sigmoidal units reach L² error ≤ 2rC_f/√N",
                 "rate N^(−1/2) in every dimension", "Barron 1993, Thm 1")
claims.published("Deep CNNs without fully connected layers are universal; error O(√(log J)·J^(−1/2−1/d)) at depth J "
                 "for f in H^r, r > d/2 + 2", "Theorems 1–2", "Zhou 2020")
claims.published("Sparsely connected deep nets are Kolmogorov–Donoho optimal: they reach the best rate (in nonzero "
                 "weights) of any affine system (wavelets, shearlets)", "Theorems", "Bölcskei, Grohs, Kutyniok & Petersen 2019")
claims.published("Classifier functions (piecewise C^β with C^β boundaries): ReLU nets reach L² error ε with "
                 "O(ε^(−2(d−1)/β)) weights, and need depth growing with β/d", "optimal rates", "Petersen & Voigtlaender 2018")
claims.published("Deep ReLU nets approximate oscillatory textures and the Weierstrass function with error exponentially "
                 "small in the number of weights", "exponential accuracy", "Elbrächter, Perekrestenko, Grohs & Bölcskei 2021")

# %% [markdown]
# ## A live widget
# *(ipywidgets drive a plotly `FigureWidget`, updated in place; a static HTML export shows the figure but not the
# controls — run the lecture in `make lab`.)* Pick a target — a constituent composed along the net's own tree, or the
# control along another tree — and a parameter budget: the target along the diagonal $x = t\,s$ of the cube
# ($s$ a fixed sign vector, so every variable moves), the best tree net and the best shallow net, and their test
# errors. Everything was trained above; a move only swaps arrays.

# %%
ui = approx.build_approximation_widget(res)
ui

# %% [markdown]
# ## Exercises
# ### Exercise 1 — predict, from the theorems
# With the constants set to 1, $d = 8$, $m = 2$ and $\varepsilon = 0.1$: how many times more units does
# Theorem 1's shallow bound ask for than Theorem 2's tree bound? Enter the number.

# %%
pred_units = approx.prediction_units_ratio(d=8, m=2.0, eps=0.1)
pred_units.check(...)  # your number

# %% tags=["solution"] jupyter={"source_hidden": true}
pred_units.check(0.1 ** (-8 / 2) / (7 * 0.1 ** (-2 / 2)), strict=True)

# %% [markdown]
# ### Exercise 2 — count the parameters of a tree net
# Write `tree_parameters(k, n_inputs)`: the number of parameters of `tree_net(k, n_inputs)` (biases included,
# masked weights not). Do not call `count_parameters`. Stuck? `ex2.hint()`.

# %%
def tree_parameters(k, n_inputs):
    raise NotImplementedError  # your code here


ex2 = approx.exercise_tree_parameters()
ex2.check(tree_parameters)

# %% tags=["solution"] jupyter={"source_hidden": true}
def tree_parameters_solution(k, n_inputs):
    return (n_inputs - 1) * (4 * k + 1)  # n − 1 nodes; each: 2k + k into its units, k + 1 out


ex2.check(tree_parameters_solution, strict=True)

# %% [markdown]
# ### Exercise 3 — a compositional function for a new constituent
# Write `compose(h, X)`: apply the 2-variable `h` pairwise up a binary tree over the columns of `X` (shape
# `(n, 2^L)`), returning a vector of length `n` — what `approx.compositional_function(h, 2^L)(X)` does.

# %%
def compose(h, X):
    raise NotImplementedError  # your code here


ex3 = approx.exercise_compose()
ex3.check(compose)

# %% tags=["solution"] jupyter={"source_hidden": true}
def compose_solution(h, X):
    while X.shape[1] > 1:
        X = h(X[:, 0::2], X[:, 1::2])
    return X[:, 0]


ex3.check(compose_solution, strict=True)

# %% [markdown]
# ## What we verified

# %%
claims.table()

# %%
display(Markdown(
    f"**Closing note.** At equal parameter counts ({', '.join(map(str, counts))}), the best-of-3 test MSE of the "
    f"shallow net is {', '.join(f'{v:.1f}' for v in ratio_s.tolist())}× the tree net's on the tree target, and the "
    f"dense deep net's {', '.join(f'{v:.1f}' for v in ratio_d.tolist())}×. **Control:** on a tree the net does not "
    f"match, the tree net's MSE is {', '.join(f'{v:.2f}' for v in bt.tolist())} against the shallow net's "
    f"{', '.join(f'{v:.2f}' for v in bs.tolist())}; on a ridge sum the shallow net reaches "
    f"{float(rs.min()):.4f}. The curse: median slopes {', '.join(f'{float(v):.2f}' for v in sl.median(1).values)} "
    f"at d = 2, 4, 8 (theory −ν/d = {', '.join(f'{-1.5 / d:.2f}' for d in curse['dims'])})."))

# %% [markdown]
# **Mutation table** (`make mutants`: each wrong kernel must stop the lecture on a claim).
#
# | mutant | the plausible mistake | stopped by |
# |---|---|---|
# | `interpolant_slopes_not_kinks` | ReLU coefficients set to the slopes, not their changes | the 1-D bound |
# | `directions_over_2pi` | ridge directions $j\,2\pi/M$: opposite pairs repeat a direction | Logan–Shepp |
# | `features_without_bias` | random ReLU units without biases (all kinks through 0) | the curse (rates) |
# | `tree_pairs_strided` | the tree net pairs $x_i$ with $x_{i+4}$: not the target's tree | deep beats shallow |
# | `torch_default_init` | PyTorch's default init, scaled to the unmasked width | deep beats shallow |
# | `count_masked_weights` | masked weights counted as parameters | the parameter count |

# %% [markdown]
# ## References
# - A. R. Barron (1993). Universal approximation bounds for superpositions of a sigmoidal function. *IEEE Trans. Information Theory* 39(3).
# - B. F. Logan, L. A. Shepp (1975). Optimal reconstruction of a function from its projections. *Duke Mathematical Journal* 42(4).
# - A. Pinkus (1999). Approximation theory of the MLP model in neural networks. *Acta Numerica* 8.
# - H. N. Mhaskar (1996). Neural networks for optimal approximation of smooth and analytic functions. *Neural Computation* 8(1).
# - H. N. Mhaskar, Q. Liao, T. Poggio (2016). Learning functions: when is deep better than shallow. *arXiv:1603.00988*.
# - T. Poggio, H. Mhaskar, L. Rosasco, B. Miranda, Q. Liao (2017). Why and when can deep — but not shallow — networks avoid the curse of dimensionality: a review. *International Journal of Automation and Computing* 14(5).
# - A. Rahimi, B. Recht (2007). Random features for large-scale kernel machines. *NeurIPS*.
# - C. E. Rasmussen, C. K. I. Williams (2006). *Gaussian Processes for Machine Learning*, ch. 4 (the Matérn class). MIT Press.
# - K. He, X. Zhang, S. Ren, J. Sun (2015). Delving deep into rectifiers. *ICCV* (initialisation by fan-in).
# - D. P. Kingma, J. Ba (2015). Adam: a method for stochastic optimization. *ICLR*. I. Loshchilov, F. Hutter (2017). SGDR: stochastic gradient descent with warm restarts. *ICLR*.
# - D.-X. Zhou (2020). Universality of deep convolutional neural networks. *Applied and Computational Harmonic Analysis* 48(2).
# - H. Bölcskei, P. Grohs, G. Kutyniok, P. Petersen (2019). Optimal approximation with sparsely connected deep neural networks. *SIAM J. Mathematics of Data Science* 1(1).
# - D. Elbrächter, D. Perekrestenko, P. Grohs, H. Bölcskei (2021). Deep neural network approximation theory. *IEEE Trans. Information Theory* 67(5).
# - P. Petersen, F. Voigtlaender (2018). Optimal approximation of piecewise smooth functions using deep ReLU neural networks. *Neural Networks* 108.
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
