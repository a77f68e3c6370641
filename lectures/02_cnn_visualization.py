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
# # 02 · Convolutional networks and what their first layers learn
#
# ## Objectives
# - See convolution as **locality + weight sharing**, and check numerically which layers
#   commute with shifts (circular convolution), which do not (stride, max-pooling) and which
#   turn equivariance into invariance (global average pooling).
# - Train a small CNN on scikit-learn's digits and put it side by side with an RBF
#   support-vector machine, as LeCun et al. (1998) did on MNIST.
# - Look inside a trained network with **activation maximisation**, with and without priors.
# - Re-discover Olshausen & Field (1996): sparse coding of whitened natural patches learns
#   localised, oriented, band-pass atoms, unlike PCA, and relate them to simple and complex cells.
# - Reuse a learned first layer on a new task (**transfer**) and compare learning curves.

# %%
import math

import numpy as np
import torch
import torch.nn.functional as F

from course_lib import cnn
from course_lib import sparse_coding as sc
from course_lib.core.claims import Claims
from course_lib.core.data import digits
from course_lib.core.device import get_device, seed_everything
from course_lib.core.stats import mann_whitney, mcnemar_exact
from course_lib.ui.plotting import setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("02 CNNs and visualization")

# %% [markdown]
# ## The slide's claim
# From the slides *"Convolutional neural networks"* and *"What do the first layers learn?"*:
#
# > "Convolution = locality + weight sharing: the same filter is applied at every position,
# > so a CNN is (nearly) shift invariant." — "First-layer filters look like Gabor filters /
# > simple cells; pooling plays the role of complex cells (Hubel & Wiesel). Sparse coding of
# > natural images (Olshausen & Field 1996) learns the same localised, oriented filters."
# > — "A simple SVM performs as well as careful LeNets (LeCun et al. 1998)."
#
# ## The math
# A convolutional layer with filter $w$ (torch's `conv2d` is a cross-correlation):
# $$ (w \star x)_p = \sum_{k} w_k\, x_{p+k}. $$
# With circular padding it **commutes with every circular shift** $T_\delta x_p = x_{p-\delta}$:
# $w\star(T_\delta x) = T_\delta(w\star x)$. A stride $s$ or an $s\times s$ max-pool only commutes
# with shifts that are multiples of $s$ (aliasing; Azulay & Weiss 2019), and global average
# pooling $G(z)=\frac{1}{|P|}\sum_p z_p$ satisfies $G(T_\delta z) = G(z)$: invariance.
# Weight sharing means the gradient of a shared weight is a **sum over positions**,
# $$ \frac{\partial L}{\partial w_k} = \sum_{n,p} \frac{\partial L}{\partial y_{n,p}}\, x_{n,p+k}. $$
#
# **Activation maximisation** (Erhan et al. 2009; Mahendran & Vedaldi 2016, eq. 1):
# $x^* = \arg\min_x R(x) - \langle \Phi(x), e_i\rangle$ with $R(x) = \frac{\lambda}{2}\|x\|^2 + \tau\,\mathrm{TV}(x)$.
# For a linear $\Phi(x)=Wx$ and $\tau=0$ the optimum is $x^* = W_i^\top/\lambda$.
#
# **Sparse coding** (Olshausen & Field 1996, eq. 2–4): with atoms $\Phi$ (unit columns) and codes $a$,
# $$ E = \sum_j \tfrac12\|x_j - \Phi a_j\|^2 + \lambda\|a_j\|_1, $$
# minimised alternately over $a$ (FISTA, Beck & Teboulle 2009) and $\Phi$ (O&F's gradient rule, eq. 5,
# $\Delta\Phi \propto (x - \Phi a)a^\top$), renormalising the atoms after every update. The patches
# are whitened with O&F's filter $R(f) = f\,e^{-(f/f_0)^4}$.

# %% [markdown]
# ## The experiment
#
# ### 1. Shift equivariance, and what breaks it
# **Predict first:** shift an image by one pixel. Which of these layers give the same output,
# shifted? (a) a 3×3 convolution with circular padding, (b) the same with stride 2, (c) the
# convolution followed by 2×2 max-pooling, (d) followed by global average pooling.
#
# The measure is `cnn.equivariance_error` (unfold the cell below to read it): it compares
# $f(T_\delta x)$ with **every** circular shift $T_t f(x)$ of the output and keeps the best, so a
# stride-2 layer is not penalised for shifting its smaller output by $\delta/2$.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
import inspect

print(inspect.getsource(cnn.equivariance_error))

# %%
g = torch.Generator().manual_seed(0)
x_img = torch.randn(4, 1, 16, 16, generator=g, dtype=torch.float64)
w3 = torch.randn(6, 1, 3, 3, generator=g, dtype=torch.float64)


def conv_circ(x, stride=1):
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), w3, stride=stride)


layers = {
    "circular conv": conv_circ,
    "conv, stride 2": lambda x: conv_circ(x, stride=2),
    "conv + 2x2 max-pool": lambda x: F.max_pool2d(conv_circ(x), 2),
}
shifts = [(1, 0), (0, 1), (1, 1), (2, 0), (2, 2)]
eq = {name: cnn.equivariance_error(f, x_img, shifts) for name, f in layers.items()}
gap = cnn.invariance_error(lambda x: F.relu(conv_circ(x)).mean((-2, -1)), x_img, shifts)

# %%
cnn.equivariance_figure(eq, gap, shifts)

# %%
odd = [i for i, s in enumerate(shifts) if s[0] % 2 or s[1] % 2]
claims.at_most("Circular convolution commutes exactly with shifts (float64 round-off)",
               float(eq["circular conv"].max()), 1e-12, fmt=".2g")
claims.at_least("Stride 2 breaks equivariance for odd shifts (error ≫ round-off)",
                float(eq["conv, stride 2"][odd].min()), 1e-6, fmt=".2g")
claims.at_least("2×2 max-pooling breaks equivariance for odd shifts (error ≫ round-off)",
                float(eq["conv + 2x2 max-pool"][odd].min()), 1e-6, fmt=".2g")
claims.at_most("Global average pooling turns equivariance into invariance",
               float(gap.max()), 1e-12, fmt=".2g")

# %% [markdown]
# Two more facts the code relies on: `conv2d` is a **cross-correlation** (no filter flip), and
# the gradient of a shared weight is the sum over positions — one matmul of the upstream
# gradient with the unfolded patches.

# %%
import scipy.signal

x1 = x_img[:1, :1]
corr = scipy.signal.correlate2d(x1[0, 0].numpy(), w3[0, 0].numpy(), mode="valid")
conv_ = scipy.signal.convolve2d(x1[0, 0].numpy(), w3[0, 0].numpy(), mode="valid")
torch_out = F.conv2d(x1, w3[:1]).numpy()[0, 0]
claims.at_most("torch conv2d is cross-correlation (matches scipy correlate2d)",
               float(np.abs(torch_out - corr).max()), 1e-12, fmt=".2g")
print(f"   (against true convolution the gap is {np.abs(torch_out - conv_).max():.2f}: the filter is not flipped)")

# %% [markdown]
# `cnn.conv_weight_grad_unfold` is that sum over positions written as one `einsum` over the
# unfolded patches (unfold to read it); we check it against autograd on a padded convolution.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(cnn.conv_weight_grad_unfold))

# %%
W_shared = w3.clone().requires_grad_(True)
y_out = F.conv2d(x_img, W_shared, padding=1)
upstream = torch.randn(y_out.shape, generator=g, dtype=torch.float64)
(y_out * upstream).sum().backward()
grad_unfold = cnn.conv_weight_grad_unfold(x_img, upstream, kernel_size=3, padding=1)
rel = float((W_shared.grad - grad_unfold).norm() / grad_unfold.norm())
claims.at_most("Shared-weight gradient = sum over positions (autograd vs unfolded matmul)", rel, 1e-12, fmt=".2g")

# %% [markdown]
# ### 2. A small CNN against an RBF SVM on the digits
# **Predict first:** on 1,797 8×8 digits, does a LeNet-style CNN (two conv layers, about 2,000
# weights) beat a Gaussian-kernel SVM on the same split?

# %%
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

X, y = digits()
idx_tr, idx_te = train_test_split(np.arange(len(y)), test_size=0.33, random_state=0, stratify=y.numpy())
X_tr, y_tr, X_te, y_te = X[idx_tr], y[idx_tr], X[idx_te], y[idx_te]

# %%
params, hist = cnn.train_cnn(X_tr, y_tr, n_epochs=10, batch_size=64, lr=0.02, seed=0, device=device)
acc_cnn = float(cnn.accuracy(params, X_te, y_te)[0])
pred_cnn = cnn.cnn_forward(params, X_te)[:, 0].argmax(-1).cpu().numpy()
n_params = sum(int(t[0].numel()) for t in params.values())

# %%
svm = SVC(kernel="rbf", C=10.0, gamma="scale").fit(X_tr.reshape(len(idx_tr), -1).numpy(), y_tr.numpy())
pred_svm = svm.predict(X_te.reshape(len(idx_te), -1).numpy())
acc_svm = float((pred_svm == y_te.numpy()).mean())

# %%
right_c, right_s = pred_cnn == y_te.numpy(), pred_svm == y_te.numpy()
cnn.comparison_table(right_c, right_s, n_params, svm.support_vectors_.shape[0])

# %% [markdown]
# Both models classify the *same* test digits, so we compare them **paired**: only the digits
# on which they disagree carry information (McNemar). "As well as" is read as "the CNN is not
# significantly better": the exact one-sided McNemar test of "the CNN is right more often" must
# not reject at 5 %.

# %%
cnn_better = mcnemar_exact(right_c, right_s, alternative="greater")
claims.at_least("A simple RBF SVM performs as well as the CNN (CNN not better: exact one-sided McNemar p ≥ 0.05)",
                cnn_better.pvalue, 0.05, fmt=".2g")
print(f"   (discordant digits: {cnn_better.a_only} only the CNN gets right, {cnn_better.b_only} only the SVM; "
      f"the reverse test, SVM better, has exact p = {mcnemar_exact(right_s, right_c).pvalue:.2g})")
claims.at_least("The small CNN learns the digits (test accuracy ≥ 90%, chance 10%)", acc_cnn, 0.90, fmt=".4f")

# %%
cnn.filters_figure(params)

# %% [markdown]
# ### 3. Activation maximisation
# **Predict first:** for a *linear* unit $\Phi(x)=\langle w, x\rangle$ and the prior
# $\frac{\lambda}{2}\|x\|^2$, what is the maximising input? And for a first-layer conv unit,
# what should the maximising image look like outside the unit's 5×5 receptive field?

# %%
W_lin = torch.randn(5, 64, generator=g).to(device)
lam_l2 = 2.0
x_lin = cnn.activation_maximization(lambda x: (x * W_lin).sum(-1), (5, 64), l2=lam_l2, steps=300, lr=0.05)
rel_lin = float((x_lin - W_lin / lam_l2).norm() / (W_lin / lam_l2).norm())
claims.at_most("Linear Φ, L2 prior: activation maximisation returns x* = w/λ (optimiser tol. 1%)", rel_lin, 0.01,
               fmt=".2g")

# %%
# every conv1 unit twice in one run: with the L2 prior only (checked here), and with L2 + TV
# (shown in the widget below); input k maximises unit k mod C1, and the runs do not interact
C1, k1 = params["W1"].shape[1], params["W1"].shape[-1]
tv_units = torch.tensor([0.0] * C1 + [0.05] * C1)
x_both = cnn.activation_maximization(cnn.conv1_unit_phi(params, torch.arange(C1).repeat(2), pre_activation=True),
                                     (2 * C1, 8, 8), l2=1.0, tv=tv_units, steps=150, lr=0.05, init_scale=0.0).cpu()
x_units, x_widget = x_both[:C1], x_both[C1:]

# %%
rf = cnn.receptive_field_mask(k1)  # the k1 × k1 pixels around the centre that unit reads
outside = float((x_units[:, ~rf] ** 2).sum() / (x_units**2).sum())
claims.at_most("A conv unit's optimal input is zero outside its receptive field (energy fraction)", outside, 1e-6,
               fmt=".2g")
w_placed = cnn.filters_in_image(params)  # each filter placed at the centre, zero elsewhere
claims.at_most("… and equals its filter (x* = w/λ, relative error; optimiser tol. 1%)",
               float((x_units - w_placed).norm() / w_placed.norm()), 0.01, fmt=".2g")

# %%
sub = {n: t[:1] for n, t in params.items()}


def class_logit(x):  # input k maximises class k mod 10
    return cnn.cnn_forward(sub, x)[torch.arange(x.shape[0]), 0, torch.arange(x.shape[0]) % 10]


# both priors in one run: inputs 0-9 with L2 only, inputs 10-19 with L2 + TV (separate objectives)
x_cls = cnn.activation_maximization(class_logit, (20, 8, 8), l2=1.0, tv=torch.tensor([0.0] * 10 + [0.3] * 10),
                                    steps=100, lr=0.05, seed=0)
x_l2, x_tv = x_cls[:10], x_cls[10:]

# %%
cnn.class_inputs_figure(x_cls)

# %%
with torch.no_grad():
    hit_l2 = int((cnn.cnn_forward(sub, x_l2)[:, 0].argmax(-1) == torch.arange(10)).sum())
    hit_tv = int((cnn.cnn_forward(sub, x_tv)[:, 0].argmax(-1) == torch.arange(10)).sum())
tv_per_norm = lambda xs: float((cnn.total_variation(xs) / xs.flatten(1).norm(dim=1)).mean())  # noqa: E731
claims.at_least("Each class's maximising input (L2 + TV) is classified as that class (of 10)", hit_tv, 10)
claims.at_most("The TV prior gives smoother inputs (TV/‖x‖, TV prior vs L2 only)", tv_per_norm(x_tv),
               tv_per_norm(x_l2), fmt=".3g")
print(f"   (with the L2 prior alone, {hit_l2}/10 maximising inputs are classified as their class)")

# %% [markdown]
# ### 4. Olshausen & Field: sparse coding of natural images
# **Predict first:** PCA of the same whitened patches gives global, Fourier-like components.
# What will the atoms of a *sparse* code look like, and how does that change as the penalty
# λ grows? We learn the dictionaries for three values of λ **at once** (one batched program).

# %%
patches = sc.natural_patches(8, 1600, seed=0, device=device)
lams = torch.tensor([0.5, 1.0, 1.5])
D_grid, A_grid = sc.learn_dictionary(patches, 64, lams, n_iter=25, seed=0, n_inner=5, device=device)
D_pca, _ = sc.pca_atoms(patches)
D_of, A_of = D_grid[-1], A_grid[-1]  # the sparsest code
nnz = (A_grid != 0).float().sum(1).mean(-1)
print(f"learned {len(lams)} dictionaries of 64 atoms on {patches.shape[0]} patches; "
      f"active atoms per patch: {', '.join(f'{v:.1f}' for v in nnz)}")

# %%
cnn.atoms_figure(D_of, D_pca, float(lams[-1]))

# %%
spread_sc, spread_pca = sc.spatial_spread(D_of).cpu(), sc.spatial_spread(D_pca).cpu()
ori_sc, ori_pca = sc.orientation_selectivity(D_of).cpu(), sc.orientation_selectivity(D_pca).cpu()
p_spread = mann_whitney(spread_sc, spread_pca, alternative="less")
p_ori = mann_whitney(ori_sc, ori_pca, alternative="greater")
uniform = math.sqrt((8**2 - 1) / 6)  # the spread of an atom with uniform energy on the 8×8 patch

# %%
cnn.spread_figure(spread_sc, spread_pca, uniform)

# %%
claims.at_most("Sparse atoms are more localised than PCA's (one-sided Mann–Whitney p, α = 0.01)", p_spread, 0.01,
               fmt=".2g")
print(f"   median spread: sparse {spread_sc.median():.2f} px, PCA {spread_pca.median():.2f} px, "
      f"uniform {uniform:.2f} px")
claims.at_most("Sparse atoms are more orientation-selective than PCA's (one-sided Mann–Whitney p, α = 0.01)",
               p_ori, 0.01, fmt=".2g")
print(f"   median orientation selectivity: sparse {ori_sc.median():.2f}, PCA {ori_pca.median():.2f}")
claims.check("Larger λ gives sparser codes (active atoms per patch decrease along the λ grid)",
             bool((nnz[1:] < nnz[:-1]).all()), ", ".join(f"{v:.2f}" for v in nnz))

# %% [markdown]
# **Simple cells ↔ first layer, complex cells ↔ pooling.** The slide's table pairs Hubel &
# Wiesel's simple cells (a linear oriented filter, then a threshold) with a convolution + ReLU,
# and complex cells (the same preference, but insensitive to the exact position/phase) with
# pooling. We probe the most oriented atom with gratings at its preferred frequency, over 16
# phases: the rectified atom (simple cell) swings from 0 to its maximum, while max-pooling it
# over a 5×5 neighbourhood of positions (complex cell) barely moves. For a sinusoid, pooling over
# integer shifts samples its phase at least every $2\pi f_{\max}$, so the pooled response
# stays above $\cos(\pi f_{\max})$ of its peak — a bound from the math, used as the threshold.

# %%
best = int(ori_sc.argmax())
fy_pk, fx_pk = sc.peak_frequency(D_of[:, best : best + 1].cpu())
simple, complex_ = sc.grating_responses(D_of[:, best].cpu().double(), float(fy_pk), float(fx_pk), n_phases=16, pool=2)
f_axis = max(abs(float(fy_pk)), abs(float(fx_pk)))

# %%
cnn.grating_figure(simple, complex_)

# %%
claims.at_most("Simple cell: the rectified response vanishes at some phase (min/max)",
               float(simple.min() / simple.max()), 0.05, fmt=".3f")
claims.at_least("Complex cell: pooling keeps the response ≥ cos(π f_max) of its peak at every phase",
                float(complex_.min() / complex_.max()), math.cos(math.pi * f_axis), fmt=".3f")

# %% [markdown]
# ### 5. Transfer: reuse the first layer
# **Predict first:** learn the first layer on digits 0–4, freeze it, and train the rest on
# digits 5–9 with only 5 examples per class. Does it learn faster or better than the same
# network trained from scratch? We train 8 seeds × {transferred, scratch} = 16 networks as
# one batched model (grouped convolutions), each on its own 25-example training set.

# %%
lo_tr = y_tr < 5
params_pre, _ = cnn.train_cnn(X_tr[lo_tr], y_tr[lo_tr], n_classes=5, n_epochs=8, batch_size=64, lr=0.02,
                              seed=1, device=device)

# %%
n_seeds, per_class = 8, 5
S = 2 * n_seeds  # models :n_seeds transferred, n_seeds: from scratch
rows = cnn.few_shot_rows(y_tr, range(5, 10), n_seeds, per_class, seed=3)  # (25, n_seeds): each seed's training set
rows = rows.repeat(1, 2)  # (25, S): transferred and scratch share the same data per seed
X_few, y_few = X_tr[rows], y_tr[rows] - 5
init = cnn.init_cnn(S, n_classes=5, seed=11, device=device)
frozen = torch.arange(S) < n_seeds
init["W1"][:n_seeds] = params_pre["W1"][0]  # the transfer: copy the 0–4 network's first layer, then freeze it
init["b1"][:n_seeds] = params_pre["b1"][0]

# %%
hi_te = (y_te >= 5).nonzero().flatten()
n_ep = 40
params_tr, hist_tr = cnn.train_cnn(X_few, y_few, params=init, frozen=frozen, n_epochs=n_ep, batch_size=None,
                                   lr=0.02, seed=0, X_eval=X_te[hi_te], y_eval=y_te[hi_te] - 5,
                                   eval_epochs=[2, 5, 10, 20, 40], device=device)
curve, ep = hist_tr["eval_acc"], hist_tr["eval_epochs"].numpy()  # (5 checkpoints, S)
unchanged = bool(torch.equal(params_tr["W1"][:n_seeds], init["W1"][:n_seeds]))

# %%
cnn.learning_curve_figure(ep, curve, n_seeds)

# %%
claims.check("Frozen layers stay exactly unchanged during fine-tuning", unchanged, str(unchanged))
early = 2  # the third checkpoint: epoch 10
gain_early, se_early = cnn.paired_gain(curve[early], n_seeds)
gain_final, se_final = cnn.paired_gain(curve[-1], n_seeds)
claim_txt = f"Transfer beats scratch early in training (epoch {int(ep[early])}; mean paired gain − 2 s.e. > 0)"
claims.not_reproduced(claim_txt, f"gain {gain_early:+.3f} ± {se_early:.3f}", holds=bool(gain_early - 2 * se_early > 0))
print(f"   after {n_ep} epochs: transferred {curve[-1, :n_seeds].mean():.3f}, scratch {curve[-1, n_seeds:].mean():.3f} "
      f"(gain {gain_final:+.3f} ± {se_final:.3f})")

# %% [markdown]
# **What we saw.** The frozen first layer is reused exactly, but in our setting it does *not*
# buy a measurable gain over training from scratch: the claim above is recorded as not
# reproduced while the paired gain is within two standard errors of zero.
#
# **Is it only a matter of noise or setting?** We checked, outside the lecture, with the
# threshold (mean paired gain − 2 s.e. > 0) and a selection rule fixed in advance: 64 seeds
# in one batched run, 1, 2, 3 or 5 labelled digits per class, the gain at epoch 10 and as the
# area under the learning curve, and two controls — the trainable scratch network above and
# the classic control, a *random* first layer that is also frozen. Against the trainable
# scratch network no variant showed a gain (e.g. 5 per class: −0.007 ± 0.011 at
# epoch 10, −0.009 ± 0.006 in area; 1 per class: +0.003 ± 0.011, +0.008 ± 0.007). Against the
# random frozen layer a few variants passed on that first draw (5 per class, area:
# +0.012 ± 0.005), but the pre-selected one failed when re-run once on a fresh set of seeds
# (−0.006 ± 0.007), as did 1 and 2 per class there (+0.004 ± 0.010, −0.009 ± 0.008): testing
# many variants and keeping the one that passes would have been a false discovery.
#
# **Our reading.** On 8×8 digits the first layer is not the bottleneck: eight 5×5 filters
# followed by ReLU and pooling already give a rich enough set of features even when they are
# *random*, and the trainable second conv layer and read-out adapt to whichever filters they
# get; the generic stroke detectors learned on 0–4 are no better. This matches Yosinski et al.
# (2014) more than the slide suggests: on two halves of ImageNet, a frozen transferred first
# layer only *matched* their baseline, and their gain came from fine-tuning the transferred
# layers instead of freezing them — try it in the exercises' spirit: start from the 0–4
# network's `W1` and `W2` and fine-tune everything.

# %% [markdown]
# ## A live widget
# *(ipywidgets sliders drive a plotly `FigureWidget`, updated in place; a static HTML export shows
# the figure but not the sliders — run the lecture in `make lab`.)*
# Pick a first-layer unit: its 5×5 filter, the input that maximises it (L2 + TV prior) and the
# digits that excite it most. The λ slider shows the Olshausen–Field dictionary learned above
# for each sparsity level. Everything is reused from above (the CNN, the L2 + TV maximising
# inputs of section 3, the dictionaries of section 4), so moving a slider only redraws.

# %%
ui = cnn.build_cnn_widget(params=params, X=X_te, act_max=x_widget, dictionaries=list(D_grid.cpu()), lams=lams)
ui

# %% [markdown]
# ## Exercises
# **1. A shift test.** Write `shift_error(f, x, dy, dx)` returning the largest absolute entry
# of $f(T_{(dy,dx)}x) - T_{(dy,dx)}f(x)$ (circular shifts of the last two axes), as a float.

# %%
def shift_error(f, x, dy, dx):
    raise NotImplementedError  # your code here


# %%
ex1 = cnn.exercise_shift_test()
ex1.check(shift_error)

# %% tags=["solution"] jupyter={"source_hidden": true}
def shift_error_solution(f, x, dy, dx):
    T = lambda z: torch.roll(z, (dy, dx), dims=(-2, -1))  # noqa: E731
    return float((f(T(x)) - T(f(x))).abs().max())


ex1.check(shift_error_solution, strict=True)

# %% [markdown]
# **2. Dictionary renormalisation.** Write `renorm(D, A)` returning `(D_new, A_new)`: every
# column of `D_new` has unit norm and `D_new @ A_new == D @ A`. Why must a sparse-coding
# learner do this after every dictionary update?

# %%
def renorm(D, A):
    raise NotImplementedError  # your code here


# %%
ex2 = sc.exercise_renormalize()
ex2.check(renorm)

# %% tags=["solution"] jupyter={"source_hidden": true}
def renorm_solution(D, A):
    norms = D.norm(dim=0)
    return D / norms, A * norms[:, None]


ex2.check(renorm_solution, strict=True)

# %% [markdown]
# ## What we verified

# %%
claims.table()

# %% [markdown]
# The measured figures are printed by the claims above and in the table: CNN vs SVM (the exact
# McNemar test on the digits they disagree on), the atoms' spatial spread and orientation
# selectivity against PCA's, the transfer gain. `make bench` records the lecture's time under
# nbval against its 20 s budget.
#
# ## References
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner (1998). Gradient-based learning applied to document recognition. *Proc. IEEE* 86(11).
# - B. A. Olshausen, D. J. Field (1996). Emergence of simple-cell receptive field properties by learning a sparse code for natural images. *Nature* 381.
# - B. A. Olshausen, D. J. Field (1997). Sparse coding with an overcomplete basis set: a strategy employed by V1? *Vision Research* 37(23).
# - D. H. Hubel, T. N. Wiesel (1962). Receptive fields, binocular interaction and functional architecture in the cat's visual cortex. *J. Physiology* 160.
# - D. Erhan, Y. Bengio, A. Courville, P. Vincent (2009). Visualizing higher-layer features of a deep network. Tech. report 1341, U. Montréal.
# - A. Mahendran, A. Vedaldi (2016). Visualizing deep convolutional neural networks using natural pre-images. *IJCV* 120.
# - A. Beck, M. Teboulle (2009). A fast iterative shrinkage-thresholding algorithm for linear inverse problems. *SIAM J. Imaging Sci.* 2(1).
# - J. Yosinski, J. Clune, Y. Bengio, H. Lipson (2014). How transferable are features in deep neural networks? *NeurIPS*.
# - A. Azulay, Y. Weiss (2019). Why do deep convolutional networks generalize so poorly to small image transformations? *JMLR* 20.
# - J. Mairal, F. Bach, J. Ponce, G. Sapiro (2010). Online learning for matrix factorization and sparse coding. *JMLR* 11.
