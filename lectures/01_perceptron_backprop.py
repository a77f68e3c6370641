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
#    computing $R$ and $\gamma$ correctly (on bias-augmented data, $\gamma$ the *maximum* margin).
# 2. See **why XOR defeats every linear rule**: no line gets more than 3 of the 4 points right.
# 3. Write **backpropagation by hand** as the chain rule, and check it against autograd and
#    finite differences.
# 4. Treat backprop training as **stochastic approximation** (Robbins–Monro).
# 5. Measure how often a 2-2-1 sigmoid network **fails** on XOR — over hundreds of seeds at once.

# %%
import numpy as np
import torch
from IPython.display import Markdown, display

from course_lib import backprop, perceptron
from course_lib.core.claims import Claims
from course_lib.core.data import separable_blobs, xor
from course_lib.core.device import get_device, seed_everything
from course_lib.core.stats import wilson_interval
from course_lib.ui.plotting import figure, setup_plotly

setup_plotly()
seed_everything(0)
device = get_device()
claims = Claims("01 Perceptron, XOR, backprop")
print(f"computing on: {device}")

# %% [markdown]
# ## The slides' claims
# > **Perceptron convergence** (Rosenblatt 1958, Novikoff 1962). *On linearly separable data the
# > perceptron makes at most $(R/\gamma)^2$ mistakes.*
#
# > **Minsky & Papert 1969.** *A perceptron cannot compute XOR* (and, more deeply, predicates
# > such as connectivity that need global information).
#
# > **Rumelhart, Hinton & Williams 1986.** *Backpropagation = the chain rule; training is
# > stochastic gradient descent (Robbins & Monro 1951). Hidden units let the network solve XOR —
# > although it sometimes gets stuck.*
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
# **Backprop** (RHW eq. 1–2). Unit $j$ has total input $x_j=\sum_i y_i w_{ji}+b_j$ and output
# $y_j=\sigma(x_j)=1/(1+e^{-x_j})$. For the loss $E=\operatorname{mean}(y^L-d)^2$ the chain rule gives,
# layer by layer from the top,
# $$\delta^L=\frac{\partial E}{\partial y^L}\odot y^L(1-y^L),\qquad
#   \frac{\partial E}{\partial W^\ell}=\delta^{\ell\top}y^{\ell-1},\qquad
#   \delta^{\ell-1}=(\delta^\ell W^\ell)\odot y^{\ell-1}(1-y^{\ell-1}).$$
# Using a random sample (or mini-batch) for the gradient makes each step an unbiased noisy
# gradient step: Robbins–Monro stochastic approximation, which converges for step sizes with
# $\sum_t\eta_t=\infty,\ \sum_t\eta_t^2<\infty$, e.g. $\eta_t=\eta_0/(1+t/\tau)$.

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
# not a prediction.
#
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
# ### 3. Backpropagation is the chain rule — checked three ways
# [`course_lib/backprop.py`](../course_lib/backprop.py) writes `forward_pass` and `backward_pass`
# by hand: a dozen lines, printed by the collapsed cell below (unfold it to read them). Compare
# `backward_pass` with the formulas above, line by line.

# %% tags=["hide-input"] jupyter={"source_hidden": true}
import inspect

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
# ### 4. Backprop as Robbins–Monro stochastic gradient descent
# 64 networks (2-3-1, different seeds) train on XOR at once: full-batch gradient descent against
# SGD with one sample per step and $\eta_t=\eta_0/(1+t/\tau)$.

# %%
Y_xor = (y_xor + 1) / 2  # targets in {0, 1} for the sigmoid output
gd = backprop.train_many(X_xor, Y_xor, [2, 3, 1], n_nets=64, lr=4.0, epochs=1000, seed=3)
sgd = backprop.train_many(X_xor, Y_xor, [2, 3, 1], n_nets=64, lr=4.0, epochs=1000, seed=3,
                          batch_size=1, robbins_monro=2000.0)
start, sgd_final = float(gd.loss[0].median()), float(sgd.loss[-1].median())
claims.at_most("SGD with Robbins–Monro steps drives the median XOR loss below 1/10 of its start",
               sgd_final, start / 10, fmt=".3g")

# %%
fig = figure("SGD (one sample per step) follows full-batch descent", "epoch", "median mean squared error (64 nets)",
             yaxis_type="log")
fig.add_scatter(y=gd.loss.median(dim=1).values.numpy(), name="full-batch GD, η=4")
fig.add_scatter(y=sgd.loss.median(dim=1).values.numpy(), name="SGD, ηₜ = 4/(1+t/2000)")
fig

# %% [markdown]
# ### 5. How often does a 2-2-1 network solve XOR?
# *Predict first:* out of 500 random initialisations, how many will end with all four points
# correct after 2,000 epochs of gradient descent?
#
# All 500 networks train **in one tensor program**: the weights carry a leading "seed"
# dimension (shape `(500, out, in)`), so one `backward_pass` serves them all.

# %%
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

# %% [markdown]
# Where are the failures stuck? The norm of the full gradient at the end of training, and the
# final loss, for the solved and the failed networks:

# %%
grad_norm = backprop.gradient_norm(runs.weights, runs.biases, X_xor, Y_xor)
print(f"median final gradient norm — solved: {grad_norm[solved].median():.1e}, failed: "
      f"{grad_norm[~solved].median() if fails else float('nan'):.1e}; median final loss of failures: "
      f"{runs.loss[-1][~solved].median() if fails else float('nan'):.3f} (solved nets: "
      f"{runs.loss[-1][solved].median():.1e})")

# %%
backprop.loss_traces_figure(runs.loss, solved, f"{rate:.0%} of 500 random starts solve XOR; the rest stall")

# %% [markdown]
# Blue runs solved XOR, red ones did not. The failures end with a small gradient at a loss
# well above zero — stuck near a local minimum or on a plateau, as Rumelhart, Hinton and
# Williams reported.
#
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
# ### Exercise 1 — the perceptron update
# Write one step of Rosenblatt's rule on an augmented input `x` (the last entry is the 1 for
# the bias): return the new weight vector. Remember that $y\,\tilde w\cdot\tilde x = 0$ counts as a mistake.

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
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
