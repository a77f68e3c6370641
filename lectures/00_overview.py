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
# # Lecture 00 — Overview: why a mathematical theory of deep learning?
#
# *Mathematical Theories of Deep Learning* · an interactive course after Yuan Yao's HKUST lecture
# "On Mathematical Theories of Deep Learning".
#
# ## Objectives
# 1. See, in the published numbers, how fast deep networks took over image classification.
# 2. Meet the four open problems that give the course its spine, and the lecture for each.
# 3. Learn how to use the course: claims checked with numbers, live widgets, exercises, a GPU.

# %%
from IPython.display import Markdown, display

from course_lib import overview
from course_lib.core.claims import Claims
from course_lib.core.device import get_device, seed_everything
from course_lib.ui.plotting import figure, setup_plotly

setup_plotly()
seed_everything(0)
claims = Claims("00 Overview")
print(f"computing on: {get_device()}")

# %% [markdown]
# ## The slide's claim
# > *Since 2012, deep networks have cut the ImageNet (ILSVRC) top-5 error from 26% to below the
# > human estimate of about 5%, while growing from 8 to more than 150 layers.*
#
# ImageNet holds 14,197,122 images in 21,841 classes; the ILSVRC challenge uses 1.2 M training
# images in 1,000 classes.
#
# ## The math (there is none yet — there is the question)
# A classifier is a function $f_\theta:\mathbb{R}^{d}\to\mathbb{R}^{k}$ computed as a composition
# $f_\theta = \sigma\circ W_L\circ\cdots\circ\sigma\circ W_1$. The course asks four questions about it:
# - **harmonic analysis**: which representations $x\mapsto\Phi(x)$ are optimal, and why are the
#   first layers Gabor-like?
# - **approximation**: when is a deep composition exponentially better than a shallow sum
#   $\sum_i a_i\,\sigma(w_i\cdot x+b_i)$?
# - **optimization**: why does gradient descent find good minima of a non-convex loss?
# - **statistics**: why do networks with $p\gg n$ parameters generalise?
#
# ## The experiment: the published record
# *Predict first:* in which year did the winning error fall below the human estimate?
# (The figures are the published ones — cited in the references — not computed here.)

# %%
winners = overview.ILSVRC_WINNERS
display(Markdown("| year | winner | top-5 error | depth | source |\n|---|---|---|---|---|\n" + "\n".join(
    f"| {w.year} | {w.name} | {w.top5_error}% | {w.depth or '—'} | {w.source} |" for w in winners)))

# %%
claims.at_most("The 2017 winner's top-5 error is below the human estimate (%)", winners[-1].top5_error,
               overview.HUMAN_TOP5, fmt=".2f")
claims.at_least("Error fell more than tenfold from 2010 to 2017 (ratio)",
                winners[0].top5_error / winners[-1].top5_error, 10, fmt=".1f")
claims.at_least("Depth grew from 8 (AlexNet, 2012) to ≥ 150 layers (ResNet, 2015)",
                next(w.depth for w in winners if w.year == 2015), 150, fmt="d")
claims.check("The winners' error decreased every year",
             all(a.top5_error > b.top5_error for a, b in zip(winners, winners[1:])),
             " → ".join(f"{w.top5_error}" for w in winners))

# %%
first_below_human = next(w for w in winners if w.top5_error < overview.HUMAN_TOP5)
pre_deep = next(w for w in winners if w.year == 2011)
print(f"First winner below the human estimate: {first_below_human.year} ({first_below_human.name}, "
      f"{first_below_human.top5_error}%); the last pre-deep winner (2011) had {pre_deep.top5_error}%.")

# %%
fig = figure(f"Deep networks passed the human estimate in {first_below_human.year}", "ILSVRC year",
             "top-5 error of the winner (%)")
fig.add_scatter(x=[w.year for w in winners], y=[w.top5_error for w in winners], mode="lines+markers+text",
                text=[w.name.split(" (")[0] for w in winners], textposition="top right", name="winner")
fig.add_scatter(x=[overview.RUNNER_UP_2014.year], y=[overview.RUNNER_UP_2014.top5_error], mode="markers",
                name="VGG, 2014 runner-up", marker=dict(symbol="diamond", size=10))
fig.add_hline(y=overview.HUMAN_TOP5, line_dash="dash", annotation_text="human ≈ 5.1% (Karpathy)")
fig

# %%
deep = [w for w in winners if w.depth] + [overview.RUNNER_UP_2014]
deep.sort(key=lambda w: (w.year, w.depth))
fig = figure("Winning networks went from 8 to 152 layers in three years", "ILSVRC year",
             "depth (weight layers, log scale)", yaxis_type="log")
fig.add_scatter(x=[w.year for w in deep], y=[w.depth for w in deep], mode="markers+text",
                text=[w.name.split(" (")[0] for w in deep], textposition="middle right", marker=dict(size=11))
fig

# %% [markdown]
# ## A live widget: replay the record
# *(ipywidgets sliders drive a plotly `FigureWidget`, updated in place; a static HTML export shows
# the figure but not the sliders — run the lecture in `make lab`.)*
# Slide the year to replay the challenge; the bars are the winners' error, the red line their depth.

# %%
ui = overview.build_imagenet_widget()
ui

# %% [markdown]
# ## The course map
# Each of the four open problems is taken up by lectures, and every lecture follows the same
# arc: objectives → the slide's claim → the math → an experiment → a live widget → exercises →
# *what we verified* → references.

# %%
display(Markdown("\n".join(f"- **{problem}** — " + ", ".join(lectures)
                           for problem, lectures in overview.COURSE_MAP.items())))

# %% [markdown]
# Historical waypoints: Rosenblatt's perceptron (1957/58); Minsky & Papert's *Perceptrons*
# (1969); Fukushima's Neocognitron (1980); Rumelhart, Hinton & Williams' backpropagation (1986);
# LeCun's CNN trained by backprop (1989); AlexNet (2012), VGG (2014), ResNet (2015).
#
# ## How to use the course
# - **Claims are checked.** Each lecture prints every claim from the slides with the number we
#   measured — `✔ claim — measured: …` — and stops with an error if a claim fails. A claim that
#   does not reproduce is shown as `⚠ not reproduced`, never hidden.
# - **Widgets.** Sliders drive live plotly figures. Everything expensive was computed once, in a
#   batch, when the widget was built, so moving a slider is instant. (A static HTML export shows
#   figures, not live widgets.)
# - **Exercises.** Fill in the stub, run the next cell: it tells you which property failed on which
#   input. Solutions are in collapsed cells — click the bar at the left to unfold.
# - **GPU.** Every kernel runs on CUDA (or Apple MPS) when present, else on the CPU. Force a device
#   with `COURSE_DEVICE=cpu make lab`. The code of every kernel is in `course_lib/`, one module (or package) per topic.
#
# ## Exercise
# There is no exercise in the overview: open [Lecture 01](01_perceptron_backprop.py) next.
#
# ## What we verified

# %%
claims.table()

# %% [markdown]
# ## References
# - O. Russakovsky et al. (2015). ImageNet Large Scale Visual Recognition Challenge. *IJCV* 115, 211–252 (includes Karpathy's human estimate).
# - J. Deng et al. (2009). ImageNet: a large-scale hierarchical image database. *CVPR*.
# - A. Krizhevsky, I. Sutskever, G. E. Hinton (2012). ImageNet classification with deep convolutional neural networks. *NeurIPS*.
# - M. D. Zeiler, R. Fergus (2014). Visualizing and understanding convolutional networks. *ECCV*.
# - C. Szegedy et al. (2015). Going deeper with convolutions. *CVPR*.
# - K. Simonyan, A. Zisserman (2015). Very deep convolutional networks for large-scale image recognition. *ICLR*.
# - K. He, X. Zhang, S. Ren, J. Sun (2016). Deep residual learning for image recognition. *CVPR*.
# - J. Hu, L. Shen, G. Sun (2018). Squeeze-and-excitation networks. *CVPR*.
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
