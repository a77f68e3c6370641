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
# 1. See, in the published numbers, how fast deep networks took over image classification, and
#    what those numbers are: ensembles, one human annotator, depths of one network in an ensemble.
# 2. Tell a **published** figure (📄, quoted from a paper) from a **verified** one (✔, computed here,
#    and able to fail): fit the rate of decline with a confidence interval, find when the trend
#    crossed the human estimate, and test the depth–error association exactly.
# 3. Meet the four open problems that give the course its spine, and the lecture for each.
# 4. Learn how to use the course: claims checked with numbers, live widgets, exercises, a GPU.

# %%
import inspect
import math

import numpy as np
from IPython.display import Markdown, display

from course_lib import overview
from course_lib.core.claims import Claims
from course_lib.core.device import get_device, seed_everything
from course_lib.ui.plotting import setup_plotly

setup_plotly()
seed_everything(0)
claims = Claims("00 Overview")
print(f"computing on: {get_device()}")

# %% [markdown]
# ## The slide's claim (paraphrase)
# > *Deep learning has reached human performance: AlphaGo beat the best human Go players, and since
# > 2012 deep networks have cut the ImageNet (ILSVRC) top-5 error from about 26 % to below the human
# > estimate of about 5 %, while growing from 8 to more than 150 layers. Yet we cannot say why they
# > work, when they will fail, or how to design them: a mathematical theory is missing.*
#
# (A paraphrase of the deck's opening slides, not a quotation.) ImageNet holds 14,197,122 images in
# 21,841 classes; the ILSVRC challenge uses about 1.2 M training images in 1,000 classes.
#
# ### Why ask for a theory?
# - **AlphaGo.** Deep Blue beat Kasparov at chess in 1997, by search. Go resisted until AlphaGo, deep
#   networks guiding a tree search, beat Lee Sedol 4–1 in March 2016 (Silver et al. 2016); AlphaGo
#   Zero then learned from self-play alone, with no human games, and beat that version 100–0
#   (Silver et al. 2017).
# - **Alchemy.** Accepting the NIPS 2017 Test-of-Time award for random features (Rahimi & Recht
#   2007), Ali Rahimi said that machine learning "has become alchemy": methods that work, passed on
#   as recipes, with no account of why they work or when they fail; he asked for rigour — simple
#   experiments that isolate a cause, ablations, theorems. Yann LeCun replied the next day that
#   calling a successful field alchemy "simply because our current theoretical tools haven't caught
#   up with our practice" is wrong and dangerous (engineering has often come first: the steam engine
#   before thermodynamics). Both start from the same fact, which LeCun had put in his own words at
#   CVPR 2015 ("What's wrong with deep learning?"): deep learning is *missing some theory*.
# - **The Kaggle survey.** In Kaggle's 2017 survey of 16,716 practitioners, the method people most
#   used at work was logistic regression, not a neural network: the slides set its academic
#   answers against its industry answers. A method whose behaviour we understand is still the one
#   trusted in practice.
#
# ## The math (there is little yet — there is the question)
# A classifier is a function $f_\theta:\mathbb{R}^{d}\to\mathbb{R}^{k}$ computed as a composition
# $$f_\theta(x) = W_L\,\sigma\bigl(W_{L-1}\,\sigma(\cdots\sigma(W_1 x)\cdots)\bigr),$$
# with weight matrices $W_\ell$, a fixed nonlinearity $\sigma$ applied coordinatewise (biases folded
# into the $W_\ell$ by appending a constant 1), and **no** $\sigma$ after the last layer. The course asks
# four questions about it:
# - **harmonic analysis**: which representations $x\mapsto\Phi(x)$ are optimal, and why are the
#   first layers Gabor-like?
# - **approximation**: when is a deep composition exponentially better than a shallow sum
#   $\sum_i a_i\,\sigma(w_i\cdot x+b_i)$?
# - **optimization**: why does gradient descent find good minima of a non-convex loss?
# - **statistics**: why do networks with $p\gg n$ parameters generalise?
#
# **What we compute from the published record.** The winners' error $e_t$ (in %) is fitted by a
# straight line in log space, $\ln e_t = a + b\,(t - 2012) + \varepsilon_t$, from 2012 (AlexNet) on:
# least squares gives $\hat b = S_{xy}/S_{xx}$ and, for independent normal $\varepsilon_t$, the interval
# $\hat b \pm t_{n-2,\,0.975}\; s/\sqrt{S_{xx}}$ with $s^2 = \mathrm{RSS}/(n-2)$. The error is multiplied
# by $e^{\hat b}$ each year, halves every $\ln 2/(-\hat b)$ years, and the fitted curve reaches a level
# $h$ in the year $t^\ast = 2012 + (\ln h - \hat a)/\hat b$. For depth and error we use Spearman's
# rank correlation $\rho$ and its **exact** permutation p-value: the fraction of the $n!$ pairings of
# depths with errors whose $\rho$ is at least as negative as the observed one. The human estimate is
# an error rate on a finite sample, so it gets a Wilson interval (Wilson 1927).
#
# ## The experiment: the published record
# *Predict first:* in which year did the winning error first fall below the human estimate of 5.1 %?
# Enter your year in place of the `...` and run the cell.

# %%
pred_year = overview.prediction_first_year()
pred_year.check(...)  # your predicted year, e.g. pred_year.check(2013)

# %% [markdown]
# The figures below are the published ones, typed in from the papers cited in the references:
# the lecture shows them as 📄 *published*, never ✔. Read the *entry* column: from 2012 on every
# winning figure is an **ensemble** (an average of several networks), and the depth is that of one
# network in it.

# %%
winners = overview.ILSVRC_WINNERS
display(Markdown("| year | winner | top-5 error | depth | entry | source |\n|---|---|---|---|---|---|\n" + "\n".join(
    f"| {w.year} | {w.name} | {w.top5_error}% | {w.depth or '—'} | {w.entry} | {w.source} |"
    for w in (*winners, overview.RUNNER_UP_2014))))

# %%
claims.published("Winning top-5 error, ILSVRC 2010 → 2017 (%)", " → ".join(f"{w.top5_error}" for w in winners),
                 "Russakovsky et al. 2015; Krizhevsky et al. 2012; Szegedy et al. 2015; He et al. 2016; "
                 "ILSVRC 2016 results; Hu et al. 2018")
claims.published("2015 winner ResNet is an ensemble; its depth 152 is that of one ResNet-152 in it",
                 "3.57 % (6 models, test); one ResNet-152: 4.49 % (validation)", "He et al. 2016, Tables 4-5")
claims.published("2017 winner SENet is an ensemble; its depth 154 is that of one SENet-154 in it",
                 "2.25 % (test); one SENet-154: 4.47 % (validation, 224 px)", "Hu, Shen, Sun 2018")
claims.published("The 'human' top-5 error is ONE annotator's estimate", "5.1 % on 1,500 test images (GoogLeNet on the "
                 "same images: 6.8 %; a second annotator: 12.0 % on 258)", "Karpathy 2014; Russakovsky et al. 2015, Sec. 6.4")
claims.published("Depth grew from 8 (AlexNet, 2012) to more than 150 layers (ResNet-152, 2015)",
                 "8 → 22 (GoogLeNet), 19 (VGG) → 152 → 154 weight layers",
                 "Krizhevsky et al. 2012; Szegedy et al. 2015; Simonyan & Zisserman 2015; He et al. 2016; Hu et al. 2018")

# %% [markdown]
# ### What we verify: the rate, the crossing, the break
# Fixed before computing: the fit uses the six deep-era winners (2012–2017), 95 % intervals, and
# each claim below is a statement about *our computation* on the published figures — a wrong fit
# (a sign error, a log in the wrong base, a year off by one) makes one of them fail.
# The kernel:

# %% tags=["hide-input"] jupyter={"source_hidden": true}
print(inspect.getsource(overview.fit_exponential))

# %%
fit = overview.deep_era_fit()
deep = [w for w in winners if w.year >= 2012]
lo, hi = fit.factor_ci
claims.check("From 2012 the error fell exponentially: the 95 % interval of the annual factor lies below 1",
             hi < 1, f"× {fit.annual_factor:.3f} per year [{lo:.3f}, {hi:.3f}] (t, {fit.dof} dof); "
             f"halving every {fit.halving_years:.2f} years")
drop = deep[-1].top5_error / deep[0].top5_error
f5, f5_lo, f5_hi = fit.factor_over(5)
claims.check("The fitted rate accounts for the whole 2012 → 2017 drop (the published ratio lies in the fit's "
             "95 % interval for 5 years)", f5_lo <= drop <= f5_hi,
             f"2.25/16.4 = {drop:.3f} ∈ [{f5_lo:.3f}, {f5_hi:.3f}] (fit: {f5:.3f})")

# %%
years, errors = [w.year for w in winners], [w.top5_error for w in winners]
first = overview.first_year_below(years, errors, overview.HUMAN_TOP5)
crossing = fit.crossing_year(overview.HUMAN_TOP5)
claims.check("A steady trend explains the crossing: the fit reaches 5.1 % within the year before the first "
             "winner below it", first - 1 < crossing <= first,
             f"fit crosses 5.1 % in {crossing:.2f}; first winner below: {first}")
pre_deep = errors[1] / errors[0]
claims.check("AlexNet broke the old trend: the 2010 → 2011 factor lies above the deep era's 95 % interval",
             pre_deep > hi, f"25.8/28.2 = {pre_deep:.3f} > {hi:.3f}")

# %% [markdown]
# The human estimate is one annotator's error rate on 1,500 images, so it is uncertain too: published
# rounded to 5.1 %, it is 76 or 77 errors, and each count has a Wilson interval. Is the crossing
# clear of that noise?

# %%
h_lo, h_hi, counts = overview.human_interval()
by_year = dict(zip(years, errors))
claims.check("The crossing is clear of the annotator's sampling noise: the winner before it lies above, the "
             "first one below lies below the human estimate's 95 % interval",
             by_year[first - 1] > h_hi and by_year[first] < h_lo,
             f"{by_year[first - 1]} % > [{h_lo:.2f}, {h_hi:.2f}] % > {by_year[first]} % "
             f"(Wilson, {counts[0]}–{counts[-1]} errors of {overview.HUMAN_IMAGES:,})")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution to the prediction above (hidden).
pred_year.check(first, strict=True)

# %%
overview.record_figure(fit, (h_lo, h_hi))

# %% [markdown]
# ### Depth and error
# *Predict first:* with only five entries whose depth is published, how small can an exact
# permutation p-value be at all? (There are $5! = 120$ pairings.) Fixed before computing: a
# one-sided test at $\alpha = 0.05$. The same test with the **year** in place of the depth is the
# control: if it is as strong, the record cannot tell depth apart from everything else that changed
# over the years (data augmentation, batch normalisation, GPUs, ensembles).

# %%
entries = overview.depth_entries()
r_depth = overview.rank_correlation([w.depth for w in entries], [w.top5_error for w in entries])
r_year = overview.rank_correlation([w.year for w in entries], [w.top5_error for w in entries])
claims.check("Deeper entries had lower error (Spearman, exact one-sided permutation test, α = 0.05)",
             r_depth.rho < 0 and r_depth.pvalue <= 0.05, f"{r_depth} over {len(entries)} entries")
print(f"Control, the year instead of the depth: {r_year} — as strong: depth and time are confounded here.")

# %%
overview.depth_figure()

# %% [markdown]
# ## A live widget: replay the record
# *(ipywidgets sliders drive a plotly `FigureWidget`, updated in place; a static HTML export shows
# the figure but not the sliders — run the lecture in `make lab`.)*
# Slide the year to replay the challenge; the bars are the winners' error, the red line the depth of
# one network of each entry.

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
#   does not reproduce is shown as `⚠ not reproduced`, never hidden. A figure quoted from a paper
#   is shown as `📄 … — published: …`: we did not verify it, and it cannot fail here.
# - **Widgets.** Sliders drive live plotly figures. Everything expensive was computed once, in a
#   batch, when the widget was built, so moving a slider is instant. (A static HTML export shows
#   figures, not live widgets.)
# - **Exercises.** Predict a number before computing it, or fill in a stub; the next cell tells you
#   which property failed on which input. `.hint()` on an exercise gives hints one step at a time.
#   Solutions are in collapsed cells — click the bar at the left to unfold.
# - **GPU.** Every kernel runs on CUDA (or Apple MPS) when present, else on the CPU. Force a device
#   with `COURSE_DEVICE=cpu make lab`. The code of every kernel is in `course_lib/`, one module (or
#   package) per topic.
#
# ## Exercises
# ### Exercise 1 — predict the halving time
# Using only the 2012 (16.4 %) and 2017 (2.25 %) figures, derive how many years the deep-era error
# took to halve. Enter the number; it is checked against the least-squares fit over all six years,
# with the half-width of the fit's 95 % interval as tolerance.

# %%
pred_halving = overview.prediction_halving_time(fit)
pred_halving.check(...)  # your number of years

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution (hidden): 16.4/2.25 is log2(16.4/2.25) ≈ 2.9 halvings in 5 years.
pred_halving.check(5 * math.log(2) / math.log(16.4 / 2.25), strict=True)

# %% [markdown]
# ### Exercise 2 — the halving time from a fit
# Write `halving_time(years, errors)`: fit a straight line to $\ln(\text{error})$ against the year by
# least squares, using every point, and return the halving time in years.

# %%
def halving_time(years, errors):
    raise NotImplementedError  # your code here


ex = overview.exercise_halving_time()
ex.check(halving_time)

# %% tags=["solution"] jupyter={"source_hidden": true}
def halving_time_solution(years, errors):
    slope = np.polyfit(np.asarray(years, float), np.log(np.asarray(errors, float)), 1)[0]
    return math.log(2) / -slope


ex.check(halving_time_solution, strict=True)

# %% [markdown]
# Then open [Lecture 01](01_perceptron_backprop.py).
#
# ## What we verified

# %%
claims.table()

# %% [markdown]
# ## References
# - O. Russakovsky et al. (2015). ImageNet Large Scale Visual Recognition Challenge. *IJCV* 115, 211–252
#   (the 2010–2014 results; Sec. 6.4: the human annotators' estimates).
# - A. Karpathy (2014). What I learned from competing against a ConvNet on ImageNet. Blog post,
#   karpathy.github.io, 2 Sept. 2014 (the one-annotator 5.1 % estimate).
# - J. Deng et al. (2009). ImageNet: a large-scale hierarchical image database. *CVPR*.
# - A. Krizhevsky, I. Sutskever, G. E. Hinton (2012). ImageNet classification with deep convolutional neural
#   networks. *NeurIPS*.
# - M. D. Zeiler, R. Fergus (2014). Visualizing and understanding convolutional networks. *ECCV*.
# - C. Szegedy et al. (2015). Going deeper with convolutions. *CVPR*.
# - K. Simonyan, A. Zisserman (2015). Very deep convolutional networks for large-scale image recognition. *ICLR*.
# - K. He, X. Zhang, S. Ren, J. Sun (2016). Deep residual learning for image recognition. *CVPR*.
# - ILSVRC 2016 results (Trimps-Soushen), image-net.org/challenges/LSVRC/2016.
# - J. Hu, L. Shen, G. Sun (2018). Squeeze-and-excitation networks. *CVPR*.
# - D. Silver et al. (2016). Mastering the game of Go with deep neural networks and tree search. *Nature* 529,
#   484–489. D. Silver et al. (2017). Mastering the game of Go without human knowledge. *Nature* 550, 354–359.
# - A. Rahimi, B. Recht (2007). Random features for large-scale kernel machines. *NIPS* (NIPS 2017 Test-of-Time
#   award; the "alchemy" talk, 5 Dec. 2017). Y. LeCun, reply on Facebook, 6 Dec. 2017. See also M. Hutson (2018),
#   AI researchers allege that machine learning is alchemy, *Science* 360, 861.
# - Y. LeCun (2015). What's wrong with deep learning? Invited talk, *CVPR*.
# - Kaggle (2017). The State of Data Science & Machine Learning (survey, 16,716 respondents).
# - E. B. Wilson (1927). Probable inference, the law of succession, and statistical inference. *JASA* 22, 209–212.
# - C. Spearman (1904). The proof and measurement of association between two things. *Am. J. Psychol.* 15, 72–101.
# - Y. Yao. *On Mathematical Theories of Deep Learning*, HKUST lecture slides.
