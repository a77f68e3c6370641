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
# # Lecture 06 — Generalization: random labels, vacuous capacity bounds, early stopping, spectrally-normalised margins
#
# *Mathematical Theories of Deep Learning* · after Yuan Yao's HKUST lecture.
#
# ## Objectives
# 1. Measure the **generalization gap** $R(w) - \hat R_n(w)$ of a net trained by empirical risk minimisation.
# 2. Reproduce **Zhang et al. (2017)** in miniature: the same over-parameterised nets reach zero training error on
#    true *and* on random labels, test accuracy falls to chance with random labels, and fitting them takes a few
#    times longer.
# 3. Compute the **classical capacity numbers** (VC dimension, a Frobenius-norm bound, the spectral bound) for the
#    trained nets, and see by how much each is vacuous.
# 4. See **early stopping** act as a regulariser when labels are noisy — and do nothing when they are clean.
# 5. Compute the **spectral complexity** $R_A$ of Bartlett, Foster & Telgarsky (2017) exactly as in the paper, and
#    check what the margins normalised by $R_A\|X\|_F/n$ do, and do not, tell apart.

# %%
import inspect

import torch
from IPython.display import Markdown, display
from scipy import stats as sps

from course_lib import generalization as gen
from course_lib.core.claims import Claims
from course_lib.core.device import get_device, seed_everything
from course_lib.core.stats import mann_whitney, mcnemar_exact, wilson_interval
from course_lib.ui.plotting import setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("06 Generalization")
print(f"computing on: {device}")

# %% [markdown]
# ## The slide's claims (paraphrase)
# *(A paraphrase of the seed slides, not a quotation; the words in quotation marks are the slides'.)*
#
# > **Why do big models generalise?** Empirical risk minimisation minimises $\hat R_n$, we care about $R$; the
# > generalization gap is $R - \hat R_n$. Optimization and generalization are entangled (Bottou & Bousquet).
# > "Bias–variance trade-off?"
#
# > **Zhang et al. (ICLR 2017).** Deep nets fit random labels: training loss 0, test accuracy at chance. On
# > CIFAR-10 (n = 50,000): models with p/n from 2.9 to 48 reach training loss 0 and test error 13–23 % (18 % with
# > regularisation). Two suspects: the noise of SGD, and large models.
#
# > **Traditional capacity.** VC dimension $O(|E|\log|E|)$ for threshold units, covering numbers, Rademacher
# > complexity $O(\mu^L)$: "big models should fail!" A step of GD costs $O(n)$, of SGD $O(1)$ (mini-batches
# > in between). Early stopping regularises (Bartlett's AlexNet figure).
#
# > **Bartlett, Foster & Telgarsky (2017), Theorem 1.1.** The test error is at most the margin error plus
# > $\tilde O\bigl(\|X\|_2 R_A\ln W/(\gamma n)\bigr)$, with the spectral complexity $R_A$.
#
# ## The math
# **ERM and the gap.** With a loss $\ell$ and $n$ samples, $\hat R_n(w) = \frac1n\sum_{i=1}^n \ell(w; x_i, y_i)$ and
# $R(w) = \mathbb E\,\ell(w; x, y)$. Training minimises $\hat R_n$; the **generalization gap** is
# $R(w) - \hat R_n(w)$, estimated here on held-out test digits. Bottou & Bousquet (2008) split the excess error of
# the trained $\tilde w$ into approximation + estimation + optimization errors: how long we optimise changes
# which $\tilde w$ we get, so "optimization and generalization are entangled".
#
# **Uniform convergence.** Classical bounds hold for *every* $w$ of a class $\mathcal F$ at once:
# $R(w) \le \hat R_n(w) + 2\,\mathfrak R_n(\mathcal F) + O(\sqrt{\ln(1/\delta)/n})$, with the Rademacher complexity
# $\mathfrak R_n(\mathcal F) = \mathbb E\sup_{f\in\mathcal F}\frac1n\sum_i\sigma_i f(x_i)$ — how well the class fits
# **random** signs $\sigma_i$. ReLU nets with $W$ parameters and $L$ layers have VC dimension $\Theta(WL\log W)$
# (Bartlett, Harvey, Liaw & Mehrabian 2019); norm-based bounds replace $W$ by products of layer norms, which grow
# like $\mu^L$. *If a class fits random labels, its Rademacher complexity is near its maximum and every such
# bound is vacuous* — that is Zhang et al.'s argument, and the experiment below makes it.
#
# **Cost per step.** A gradient step on $\hat R_n$ costs $n$ per-sample gradients; a mini-batch step $b$, so an
# epoch of mini-batch SGD costs one full gradient and makes $n/b$ steps. We train with mini-batches of 100
# (5 steps per epoch).
#
# **Spectral complexity** (Bartlett, Foster & Telgarsky 2017). A net $F_A(x) = A_L\sigma_{L-1}(\cdots\sigma_1(A_1x))$
# with $\rho_i$-Lipschitz $\sigma_i$ and reference matrices $M_i$ fixed before seeing the data:
# $$R_A = \Bigl(\prod_{i=1}^L\rho_i\|A_i\|_\sigma\Bigr)\Bigl(\sum_{i=1}^L
# \frac{\|A_i^\top - M_i^\top\|_{2,1}^{2/3}}{\|A_i\|_\sigma^{2/3}}\Bigr)^{3/2},$$
# $\|\cdot\|_\sigma$ the **spectral** norm (the largest singular value — not the Frobenius norm) and
# $\|M\|_{2,1} = \sum_j\|M_{:,j}\|_2$, so $\|A^\top\|_{2,1}$ sums the norms of the **rows** of $A$. With
# $\|X\|_2 = \sqrt{\sum_i\|x_i\|^2}$ (the Frobenius norm of the data matrix) and the margin
# $f(x)_y - \max_{j\ne y}f(x)_j$, Theorem 1.1 reads
# $$\Pr[\arg\max_j F_A(x)_j \ne y] \le \hat{\mathcal R}_\gamma(F_A) + \tilde O\Bigl(\frac{\|X\|_2R_A}{\gamma n}\ln W
# + \sqrt{\frac{\ln(1/\delta)}{n}}\Bigr),$$
# $\hat{\mathcal R}_\gamma$ the fraction of training points with margin $\le\gamma$, $W$ the largest width. The
# **normalised margin** $\text{margin}\cdot n/(R_A\|X\|_2)$ is what the bound actually depends on. The paper's
# nets have no biases; **ours have none either** (a bias would be a weight on a constant input that R_A does not
# see), and $M_i = 0$, $\rho_i = 1$ (ReLU).

# %% [markdown]
# ## The experiment
# The kernels live in [`course_lib/generalization/kernels.py`](../course_lib/generalization/kernels.py), the drivers
# in [`experiments.py`](../course_lib/generalization/experiments.py), the figures and the widget in
# [`widget.py`](../course_lib/generalization/widget.py).
#
# **The data**: the 1,797 shipped 8×8 digits, split at random into 500 training, 300 validation and 997 test
# digits; pixels centred, one overall scale. **The nets**: bias-free ReLU nets $64\to w\to w\to 10$, cross-entropy,
# Adam with mini-batches of 100 for 30 epochs (step $10^{-2}$, cosine decay), He initialisation. **One ensemble**
# trains them all at once: the *noise grid* (width 128, $p/n = 52$; 0, 25, 50, 75, 100 % of the training labels
# replaced, 4 label draws each) and the *table* (widths 16 and 96 with true and random labels; weight decay
# $\lambda\in\{10^{-3}, 3\cdot10^{-3}, 10^{-2}\}$ at widths 16, 96, 128).
#
# *Predict first:* a width-128 net fits a training set in which **50 %** of the labels were replaced. What is its
# test accuracy (on true test labels)? Write your number below before you run the next cell.

# %%
my_prediction = ...  # your number in [0, 1]: the test accuracy at 50 % label noise

# %%
res = gen.generalization_experiment(device=device, progress=True)
h, grid, fr = res["history"], res["grid"], res["fractions"]
j0, j50, j1 = fr.index(0.0), fr.index(0.5), fr.index(1.0)
print(f"{len(res['members'])} nets trained in one ensemble; the grid: {res['n_draws']} draws × fractions {fr}; "
      f"{gen.count_parameters(128, 64, 10):,} weights at width 128 for n = {res['data']['X_train'].shape[0]}")

# %% [markdown]
# `random_labels` replaces a fraction $f$ of the labels by draws from **all** 10 classes, so a draw keeps the old
# label with probability 1/10 (Zhang et al. do the same). With $f = 1$, a fraction $0.9$ of the labels should
# change: a binomial count, checked with its Wilson interval.

# %%
changed = (res["Y"][grid[:, j1]] != res["data"]["y_train"]).cpu()
lo, hi = wilson_interval(int(changed.sum()), changed.numel(), confidence=0.99)
claims.check("Random labels are uniform draws over all 10 classes: with f = 1 a fraction 1 − 1/10 = 0.9 of the "
             "labels changes (99% Wilson interval of the pooled count contains 0.9)", lo <= 0.9 <= hi,
             f"{int(changed.sum())} of {changed.numel()} changed = {changed.float().mean():.3f}, "
             f"interval [{lo:.3f}, {hi:.3f}]", source="Wilson 1927, 99%")

# %% [markdown]
# ### 1. The gap, measured
# The true-label nets (mean over the 4 draws): the empirical risk $\hat R_n$ (0–1 error on the training set) and
# the test error, our estimate of $R$.

# %%
claims.published("The excess error of the trained model splits into approximation, estimation and optimization "
                 "errors, which large-scale learning trades against computing time", "ℰ = ℰ_app + ℰ_est + ℰ_opt",
                 "Bottou & Bousquet 2008")
gen.widget.gap_figure(res)

# %% [markdown]
# ### 2. Random labels
# Every net of the grid — true labels, 25 … 100 % replaced — on its own training labels:

# %%
fit = gen.epochs_to_fit(res)[grid]  # (draws, fractions): first epoch with zero training error, −1 = never
print("first epoch with zero training error (rows: draws; columns: fraction replaced", fr, ")\n", fit.tolist())
claims.check("Over-parameterised nets (p/n = 52) reach zero training error on true labels and with 25, 50, 75 "
             "and 100 % of the labels random, in every draw", bool((fit > 0).all()),
             f"{int((fit > 0).sum())} of {fit.numel()} nets at training error 0 within {res['epochs']} epochs")

# %%
p_fit = mann_whitney(fit[:, j0].numpy(), fit[:, j1].numpy(), alternative="less")
slow = float(fit[:, j1].float().median() / fit[:, j0].float().median())
claims.check("Random labels take longer to fit, by a small constant factor (epochs to zero error, 4 nets each, "
             "exact one-sided Mann–Whitney, p ≤ 0.05)", p_fit <= 0.05,
             f"true labels {fit[:, j0].tolist()}, random {fit[:, j1].tolist()} epochs: {slow:.1f}× the median, "
             f"p = {p_fit:.3f}", source="exact Mann–Whitney, α = 0.05")
gen.widget.random_labels_figure(res)

# %% [markdown]
# Test accuracy, on the true test labels, of the nets that fitted random labels. One label draw can sit visibly
# above or below chance — a net's errors cluster by class — so the claim is about the mean over the 4 draws, with
# a $t$ interval over draws (not a binomial interval over the 997 test digits, which would pretend they err
# independently).

# %%
acc_last = h.acc_test[-1][grid]  # (draws, fractions)
a1 = acc_last[:, j1].double()
t_lo, t_hi = sps.t.interval(0.95, a1.numel() - 1, loc=float(a1.mean()), scale=float(a1.std() / a1.numel() ** 0.5))
claims.check("With random labels, test accuracy is at chance, 1/10 (95% t-interval over 4 label draws contains "
             "0.1)", t_lo <= 0.1 <= t_hi, f"draws {', '.join(f'{v:.3f}' for v in a1.tolist())}: mean "
             f"{float(a1.mean()):.3f}, interval [{t_lo:.3f}, {t_hi:.3f}]; true labels: "
             f"{float(acc_last[:, j0].mean()):.3f}", source="Student t, 3 degrees of freedom")

# %% [markdown]
# And your prediction: the test accuracy at 50 % label noise, against the run.

# %%
acc_half = float(acc_last[:, j50].mean())
pred_noise = gen.prediction_noisy_accuracy(acc_half)
pred_noise.check(my_prediction)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): the measured mean over the 4 draws.
pred_noise.check(acc_half, strict=True)

# %% [markdown]
# ### 3. The table in miniature
# Zhang et al.'s table beside ours. Our models grow by width ($p$ counts the weights; bias-free), and weight decay
# is the regulariser ($\lambda$ picked on the validation set from the three values above). (Random one-pixel shifts
# as augmentation hurt in a trial run — on 8×8 digits a shift is an eighth of the frame — so the table leaves them
# out.) Of the two suspects, this table is about *large models*; the other, the noise of SGD, is lecture 07's.

# %%
rows = gen.table_rows(res)
display(Markdown(gen.widget.table_markdown(rows)))

# %%
claims.published("CIFAR-10 (n = 50,000, d = 3,072, 10 classes), from the talk: CudaConvNet 145,578 parameters "
                 "(p/n 2.9), MicroInception 1,649,402 (p/n 33), ResNet 2,401,440 (p/n 48); training loss 0",
                 "test error 23 % (18 % regularised), 14 %, 13 %", "Zhang et al., ICLR 2017 talk (slides)")
claims.published("CIFAR-10, the paper's Table 1: Inception test accuracy without / with regularisation, and on "
                 "random labels; AlexNet; MLPs", "85.75 % / 89.05 %, 9.78 % random; AlexNet 76–81 %; MLPs 50–53 %",
                 "Zhang et al. 2017, Table 1")

# %%
by = {(r["width"], r["variant"]): r for r in rows}
big = [w for w in sorted({r["width"] for r in rows}) if by[w, "true labels"]["p_over_n"] >= 30]
zero = [by[w, v]["train_error"] == 0 for w in big for v in ("true labels", "random labels")]
claims.check("Nets with p/n ≥ 30 (widths " + ", ".join(map(str, big)) + ") reach training error 0 on true and "
             "on random labels, without regularisation", all(zero),
             "; ".join(f"width {w}: {by[w, 'true labels']['train_error']:.1%} true, "
                       f"{by[w, 'random labels']['train_error']:.1%} random" for w in big))
small = min(r["width"] for r in rows)
claims.not_reproduced(f"Training loss 0 already at p/n = 2.9, unregularised (our width {small}: p/n = "
                      f"{by[small, 'true labels']['p_over_n']:.1f}; training error 0 is what we test)",
                      f"training error {by[small, 'true labels']['train_error']:.1%} on true labels "
                      f"({by[small, 'random labels']['train_error']:.1%} on random labels)",
                      holds=by[small, "true labels"]["train_error"] == 0)

# %% [markdown]
# Our smallest net has $p \approx 3n$ weights, like CudaConvNet, but 30 epochs do not bring it to zero training
# error on true labels (with weight decay it gets there, see the table), and it stores few of 500 random labels —
# about $500\log_2 10 \approx 1{,}700$ bits for 1,440 weights. The talk's CudaConvNet had convolutions, 50,000
# images and far longer training.
#
# **Is regularisation what makes them generalise?** Two checks: the unregularised nets that *can* fit random labels
# generalise anyway, and weight decay still helps a little where the model is small (as 23 % → 18 % for
# CudaConvNet). Both are paired on the same 997 test digits.

# %%
n_test = res["data"]["y_test"].numel()
worst = max(by[w, "true labels"]["test_error"] for w in big)
k_err = round(worst * n_test)
claims.at_most("Regularisation is not necessary: the unregularised nets with p/n ≥ 30 — which fit random labels — "
               "have test error ≤ 10 % (one ninth of chance's 90 %; the Wilson 95% upper end)",
               wilson_interval(k_err, n_test)[1], 0.10, fmt=".3f", source="Wilson 1927; threshold set before the run")

# %%
r_plain, r_wd = by[small, "true labels"], by[small, "true labels, weight decay"]
wd_test = mcnemar_exact(h.correct_test[-1, r_wd["member"]], h.correct_test[-1, r_plain["member"]])
big_net = mcnemar_exact(h.correct_test[-1, by[max(big), "true labels"]["member"]], h.correct_test[-1, r_plain["member"]])
claims.check(f"Bias–variance? Growing p/n from {r_plain['p_over_n']:.1f} to {by[max(big), 'true labels']['p_over_n']:.0f} "
             "does not raise the test error: the largest net beats the smallest (exact one-sided McNemar, p ≤ 0.05)",
             big_net.pvalue <= 0.05, f"{r_plain['test_error']:.1%} → {by[max(big), 'true labels']['test_error']:.1%}; "
             f"{big_net}", source="exact McNemar, α = 0.05")
claims.check(f"Weight decay lowers the test error of the smallest net (p/n = {r_plain['p_over_n']:.1f}; exact "
             "one-sided McNemar on the 997 test digits, p ≤ 0.05)", wd_test.pvalue <= 0.05,
             f"{r_plain['test_error']:.1%} → {r_wd['test_error']:.1%} (λ = {r_wd['weight_decay']:g}); {wd_test}",
             source="exact McNemar, α = 0.05")

# %% [markdown]
# ### 4. Capacity numbers: "big models should fail!"
# For the true-label nets of the grid ($W = 25{,}856$ weights, $L = 3$ layers, $n = 500$): the VC scale
# $WL\log_2 W$ against $n$, and the leading terms of two margin bounds at the margin $\gamma$ that 90 % of the
# training points exceed ($\hat{\mathcal R}_\gamma = 0.1$): Golowich, Rakhlin & Shamir's Frobenius-norm term
# $B(\sqrt{2L\ln2}+1)\prod_i\|A_i\|_F/(\gamma\sqrt n)$ and Bartlett et al.'s $\|X\|_F R_A\ln W/(\gamma n)$.
# Their constants and logarithmic factors are *left out*, which only makes the terms smaller; a term above 1
# bounds nothing.

# %%
cap = gen.capacity_numbers(res)
claims.check("The true-label nets put 90 % of the training points beyond a positive margin γ (the 10 % quantile "
             "of their margins), so the margin bounds apply", bool((cap["gamma"] > 0).all()),
             f"γ = {', '.join(f'{v:.2f}' for v in cap['gamma'].tolist())} (logit units, 4 draws)")
claims.at_least("VC dimension: the scale W·L·log₂W of our nets exceeds n — no VC bound applies",
                cap["vc"] / cap["n"], 1.0, fmt=".0f", unit="× n", source="Bartlett, Harvey, Liaw & Mehrabian 2019")

# %%
claims.at_least("Norm-based (Frobenius) capacity term ≥ 1: vacuous (smallest over 4 draws)",
                float(cap["frobenius"].min()), 1.0, fmt=".0f", source="Golowich, Rakhlin & Shamir 2018")
claims.at_least("Spectral term ‖X‖_F R_A ln W/(γn) ≥ 1: vacuous too (smallest over 4 draws)",
                float(cap["spectral"].min()), 1.0, fmt=".0f", source="Bartlett, Foster & Telgarsky 2017, Thm 1.1")
print(f"with the norms held fixed, the terms fall like 1/√n: the spectral term reaches 1 at n ≈ "
      f"{cap['n'] * float(cap['spectral'].mean()) ** 2:.1e}, the Frobenius term at n ≈ "
      f"{cap['n'] * float(cap['frobenius'].mean()) ** 2:.1e}")

# %%
claims.published("The VC dimension of ReLU nets with W parameters and L layers", "Θ(W·L·log W)",
                 "Bartlett, Harvey, Liaw & Mehrabian 2019")
gen.widget.capacity_figure(cap)

# %% [markdown]
# ### 5. Early stopping
# Stop at the epoch with the best **validation** accuracy — measured on validation labels that are as noisy as
# the training labels (clean validation labels would be a luxury the noisy setting does not offer) — and compare
# the test accuracy there with the last epoch's. Each draw gives a paired comparison on the 997 test digits.

# %%
es = gen.early_stopping(res)
tests = [mcnemar_exact(es["correct_stopped"][d, j50], es["correct_last"][d, j50]) for d in range(res["n_draws"])]
claims.check("With 50 % of the labels replaced, early stopping beats training to the end, in every draw (exact "
             "one-sided McNemar per draw, p ≤ 0.05)", max(t.pvalue for t in tests) <= 0.05,
             f"test accuracy {float(es['test_last'][:, j50].mean()):.3f} → {float(es['test_stopped'][:, j50].mean()):.3f}"
             f" (mean); discordant {', '.join(f'{t.a_only}:{t.b_only}' for t in tests)}; largest p = "
             f"{max(t.pvalue for t in tests):.1g}", source="exact McNemar, α = 0.05")
ctrl = [mcnemar_exact(es["correct_stopped"][d, j0], es["correct_last"][d, j0], alternative="two-sided")
        for d in range(res["n_draws"])]
claims.check("Control: with clean labels, stopping early makes no detectable difference (two-sided exact "
             "McNemar per draw, every p > 0.05)", min(t.pvalue for t in ctrl) > 0.05,
             f"epochs chosen {es['epoch'][:, j0].tolist()}; discordant {', '.join(f'{t.a_only}:{t.b_only}' for t in ctrl)};"
             f" smallest p = {min(t.pvalue for t in ctrl):.2g}", source="exact McNemar, α = 0.05")

# %%
claims.published("AlexNet on cifar10 with original and random labels: excess risk and the margin-normalised "
                 "Lipschitz constant tracked along the training epochs move together",
                 "Figure 1", "Bartlett, Foster & Telgarsky 2017")
gen.widget.early_stopping_figure(res, es)

# %% [markdown]
# ### 6. Spectral complexity and normalised margins
# The kernel, as in the paper (unfold to read it):

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(gen.kernels.spectral_complexities))

# %% [markdown]
# Two networks whose $R_A$ we know by hand. **Orthogonal layers** $Q_i$ ($d\times d$): $\|Q\|_\sigma = 1$ and every
# row has norm 1, so $R_A = (L\,d^{2/3})^{3/2} = L^{3/2}d$. **Rank-one layers** $A_i = u_iv_i^\top$:
# $\|A_i\|_\sigma = \|u_i\|\|v_i\|$, row $k$ of $A_i$ is $u_{ik}v_i^\top$, so $\|A_i^\top\|_{2,1} = \|u_i\|_1\|v_i\|$ and
# $R_A = \prod_i\|u_i\|\|v_i\| \cdot \bigl(\sum_i(\|u_i\|_1/\|u_i\|)^{2/3}\bigr)^{3/2}$. Tolerance: $10^{-10}$
# relative (double precision).

# %%
g = torch.Generator().manual_seed(1)
Q = [torch.linalg.qr(torch.randn(128, 128, generator=g, dtype=torch.float64))[0] for _ in range(4)]
u = [torch.randn(k, 1, generator=g, dtype=torch.float64) for k in (20, 30, 10)]
v = [torch.randn(1, k, generator=g, dtype=torch.float64) for k in (64, 20, 30)]
hand = float(torch.stack([a.norm() * b.norm() for a, b in zip(u, v)]).prod()) * \
    sum(float(a.abs().sum() / a.norm()) ** (2 / 3) for a in u) ** 1.5
r_q, r_uv = gen.spectral_complexity(Q), gen.spectral_complexity([a @ b for a, b in zip(u, v)])
claims.check("R_A as in the paper: 4 orthogonal 128×128 layers give L^(3/2)·d = 1024, and rank-one layers u vᵀ "
             "their hand formula (relative error ≤ 1e-10)",
             abs(r_q / 1024 - 1) <= 1e-10 and abs(r_uv / hand - 1) <= 1e-10,
             f"R_A = {r_q:.6f} vs 1024; {r_uv:.6g} vs {hand:.6g}", source="float64 rounding")

# %% [markdown]
# Now the trained nets. Their training margins are positive exactly where they classify right — all of them, since
# every grid net fits its labels. The complexity $R_A$ (references $M_i = 0$) of each net:

# %%
ms = gen.margin_study(res)
R = ms["R_A"]  # (draws, fractions)
print("R_A (rows: draws; columns: fraction replaced", fr, ")\n", [[round(x) for x in row] for row in R.tolist()])
claims.check("Every grid net has positive training margins (zero training error means margin > 0 on every "
             "point)", bool((ms["raw"] > 0).all()), f"smallest margin {float(ms['raw'].min()):.3f}")
p_r = mann_whitney(R[:, j0].numpy(), R[:, j1].numpy(), alternative="less")
claims.check("Training picks more complex nets for harder tasks: R_A with random labels exceeds R_A with true labels "
             "(4 nets each, exact one-sided Mann–Whitney, p ≤ 0.05)", p_r <= 0.05,
             f"median R_A {float(R[:, j0].median()):.0f} true vs {float(R[:, j1].median()):.0f} random "
             f"({float(R[:, j1].median() / R[:, j0].median()):.2f}×), p = {p_r:.3f}", source="exact Mann–Whitney")

# %% [markdown]
# **Do the normalised margins separate true from random labels better than the raw ones?** The effect size: the
# ratio of the median training margin with true labels to that with random labels (4 nets × 500 points each),
# with a 95 % percentile-bootstrap interval (1,000 resamples of the points). "Separates better" means the
# normalised ratio's interval lies entirely above the raw ratio's.

# %%
print(f"medians: raw {float(ms['raw_true'].median()):.2f} true vs {float(ms['raw_random'].median()):.2f} random; "
      f"normalised {float(ms['norm_true'].median()):.4f} vs {float(ms['norm_random'].median()):.4f}")
claims.check("Normalising by R_A‖X‖_F/n separates true from random labels more than raw margins do (bootstrap "
             "95% intervals of the median ratio true/random, disjoint)", ms["norm_ci"][0] > ms["raw_ci"][1],
             f"normalised {ms['norm_ratio']:.2f} [{ms['norm_ci'][0]:.2f}, {ms['norm_ci'][1]:.2f}] vs raw "
             f"{ms['raw_ratio']:.2f} [{ms['raw_ci'][0]:.2f}, {ms['raw_ci'][1]:.2f}]",
             source="percentile bootstrap, 1,000 resamples")
claims.not_reproduced("Raw margins do not separate true from random labels (the raw ratio's interval contains 1)",
                      f"raw median ratio {ms['raw_ratio']:.2f} [{ms['raw_ci'][0]:.2f}, {ms['raw_ci'][1]:.2f}]",
                      holds=ms["raw_ci"][0] <= 1.0 <= ms["raw_ci"][1])

# %% [markdown]
# Our raw margins *do* differ: the random-label nets fitted late in a 30-epoch schedule whose step was already
# decaying, so their logits had little time to grow. But raw margins have no scale. Multiply the last layer of the
# random-label nets by $c = 5$: nothing they predict changes, their raw margins grow fivefold — past the true-label
# nets' — and $R_A$ grows fivefold too, so the normalised margins do not move. That is why the bound, and the
# comparison, need the normalisation.

# %%
idx1 = grid[:, j1]
X_tr, Y1 = res["data"]["X_train"].double(), res["Y"][idx1]
W1 = [A[idx1].double() for A in h.weights]
W5 = W1[:-1] + [5 * W1[-1]]  # the same nets, last layer × 5
raw1, raw5 = gen.margins(gen.forward(W1, X_tr), Y1), gen.margins(gen.forward(W5, X_tr), Y1)
norm1 = gen.normalized_margins(gen.forward(W1, X_tr), Y1, gen.spectral_complexities(W1), X_tr)
norm5 = gen.normalized_margins(gen.forward(W5, X_tr), Y1, gen.spectral_complexities(W5), X_tr)
drift = float(((norm5 - norm1).abs() / norm1.abs()).max())
claims.check("Scaling a layer by c = 5 multiplies the raw margins by 5 (the random-label nets now out-margin the "
             "true-label ones) and leaves the normalised margins unchanged (relative change ≤ 1e-9)",
             float(raw5.median()) > float(ms["raw_true"].median()) and drift <= 1e-9,
             f"raw median {float(raw1.median()):.1f} → {float(raw5.median()):.1f} vs true labels "
             f"{float(ms['raw_true'].median()):.1f}; normalised: largest relative change {drift:.1e}",
             source="float64 rounding")
gen.widget.margins_figure(ms)

# %%
claims.published("Test error ≤ R̂_γ + Õ(‖X‖₂ R_A ln(W)/(γn) + √(ln(1/δ)/n)); on cifar10 the margins normalised "
                 "this way separate true from random labels, raw margins do not",
                 "Theorem 1.1 and the margin-distribution figures", "Bartlett, Foster & Telgarsky 2017")

# %% [markdown]
# ## A live widget
# *(ipywidgets drive a plotly `FigureWidget`, updated in place; a static HTML export shows the figure but not the
# slider — run the lecture in `make lab`.)* Slide the fraction of replaced labels: the training and test error of
# the grid's nets along the epochs (mean over the draws), and their normalised training margins (all draws
# pooled) over the true-label nets' in grey. Everything was trained above; a move only swaps arrays.

# %%
ui = gen.build_generalization_widget(res, ms)
ui

# %% [markdown]
# ## Exercises
# ### Exercise 1 — the two norms in $R_A$
# Write `norms(A)`: for one `(out, in)` matrix, return `torch.stack([spectral norm of A, ‖Aᵀ‖_{2,1}])`.
# Stuck? `ex1.hint()` (three steps).

# %%
def norms(A):
    raise NotImplementedError  # your code here


ex1 = gen.exercise_norms()
ex1.check(norms)

# %% tags=["solution"] jupyter={"source_hidden": true}
def norms_solution(A):
    return torch.stack([torch.linalg.matrix_norm(A, ord=2), A.norm(dim=1).sum()])  # rows of A = columns of Aᵀ


ex1.check(norms_solution, strict=True)

# %% [markdown]
# ### Exercise 2 — $R_A$ of a network
# Write `r_a(weights)`: $R_A$ of a list of `(out, in)` matrices, references $M_i = 0$, $\rho_i = 1$. Return a number.

# %%
def r_a(weights):
    raise NotImplementedError  # your code here


ex2 = gen.exercise_spectral_complexity()
ex2.check(r_a)

# %% tags=["solution"] jupyter={"source_hidden": true}
def r_a_solution(weights):
    s = torch.stack([torch.linalg.matrix_norm(A, ord=2) for A in weights])
    t = torch.stack([A.norm(dim=1).sum() for A in weights])
    return float(s.prod() * ((t / s) ** (2 / 3)).sum() ** 1.5)


ex2.check(r_a_solution, strict=True)

# %% [markdown]
# ### Exercise 3 — predict, then derive
# Without computing: what is $R_A$ of a net of **3 orthogonal 64×64 layers** ($M_i = 0$, $\rho_i = 1$)?

# %%
pred_q = gen.prediction_orthogonal_complexity(n_layers=3, d=64)
pred_q.check(...)  # your number

# %% tags=["solution"] jupyter={"source_hidden": true}
pred_q.check(3 ** 1.5 * 64, strict=True)

# %% [markdown]
# ## What we verified

# %%
claims.table()

# %%
display(Markdown(
    f"**Closing note.** One ensemble of {len(res['members'])} bias-free ReLU nets on 500 digits. The width-128 nets "
    f"($p/n = 52$) fit true labels in {fit[:, j0].tolist()} epochs and random ones in {fit[:, j1].tolist()} "
    f"({slow:.1f}× the median); with random labels their test accuracy is {float(a1.mean()):.3f} (chance 0.1), "
    f"with true labels {float(acc_last[:, j0].mean()):.3f}. At 50 % noise, early stopping on noisy validation "
    f"labels lifts test accuracy from {float(es['test_last'][:, j50].mean()):.3f} to "
    f"{float(es['test_stopped'][:, j50].mean()):.3f}. The VC scale is {cap['vc'] / cap['n']:,.0f}× n; the "
    f"Frobenius and spectral terms are {float(cap['frobenius'].mean()):.0f} and {float(cap['spectral'].mean()):.0f} "
    f"(≥ 1: vacuous). $R_A$ is {float(R[:, j1].median() / R[:, j0].median()):.2f}× larger with random labels; the "
    f"median-margin ratio true/random is {ms['raw_ratio']:.2f} raw and {ms['norm_ratio']:.2f} normalised."))

# %% [markdown]
# **Mutation table** (`make mutants`: each wrong kernel must stop the lecture on a claim).
#
# | mutant | the plausible mistake | stopped by |
# |---|---|---|
# | `labels_exclude_old_class` | random labels drawn from the *other* 9 classes | the label-draw check |
# | `labels_shared_by_members` | every member trained on member 0's labels (a batching slip) | random labels take longer |
# | `spectral_norm_is_frobenius` | $\|A\|_F$ used for $\|A\|_\sigma$ | $R_A$ by hand |
# | `norm_21_over_columns` | $\|A\|_{2,1}$ (columns of $A$) for $\|A^\top\|_{2,1}$ | $R_A$ by hand (rank one) |
# | `margin_includes_true_class` | $\max_j$ over all classes, $y$ included | a positive margin $\gamma$ |
# | `one_complexity_for_all` | every net normalised by the first net's $R_A$ | normalised vs raw |

# %% [markdown]
# ## References
# - C. Zhang, S. Bengio, M. Hardt, B. Recht, O. Vinyals (2017). Understanding deep learning requires rethinking generalization. *ICLR* (and the talk's slides).
# - P. L. Bartlett, D. J. Foster, M. Telgarsky (2017). Spectrally-normalized margin bounds for neural networks. *NeurIPS*.
# - P. L. Bartlett, N. Harvey, C. Liaw, A. Mehrabian (2019). Nearly-tight VC-dimension and pseudodimension bounds for piecewise linear neural networks. *JMLR* 20(63).
# - N. Golowich, A. Rakhlin, O. Shamir (2018). Size-independent sample complexity of neural networks. *COLT*.
# - L. Bottou, O. Bousquet (2008). The tradeoffs of large scale learning. *NeurIPS*.
# - B. Neyshabur, R. Tomioka, N. Srebro (2015). Norm-based capacity control in neural networks. *COLT*.
# - K. He, X. Zhang, S. Ren, J. Sun (2015). Delving deep into rectifiers. *ICCV* (initialisation).
# - D. P. Kingma, J. Ba (2015). Adam: a method for stochastic optimization. *ICLR*.
# - B. Efron, R. J. Tibshirani (1993). *An Introduction to the Bootstrap*. Chapman & Hall.
# - Q. McNemar (1947). Note on the sampling error of the difference between correlated proportions. *Psychometrika* 12(2).
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
