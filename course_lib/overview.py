"""Published figures for the course overview (lecture 00). Nothing here is computed.

ILSVRC classification: top-5 error of the winning entry per year, with the winner's depth
where the paper states it (Russakovsky et al. 2015 for 2010–2014; He et al. 2016; Hu et al. 2018).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Winner", "ILSVRC_WINNERS", "RUNNER_UP_2014", "HUMAN_TOP5", "IMAGENET", "COURSE_MAP",
           "build_imagenet_widget"]


@dataclass(frozen=True)
class Winner:
    year: int
    name: str
    top5_error: float     # percent
    depth: int | None     # weight layers, where published
    source: str


ILSVRC_WINNERS = (
    Winner(2010, "NEC-UIUC (sparse coding + SVM)", 28.2, None, "Russakovsky et al. 2015"),
    Winner(2011, "XRCE (Fisher vectors)", 25.8, None, "Russakovsky et al. 2015"),
    Winner(2012, "AlexNet", 16.4, 8, "Krizhevsky, Sutskever, Hinton 2012"),
    Winner(2013, "ZFNet (Clarifai)", 11.7, 8, "Zeiler & Fergus 2014"),
    Winner(2014, "GoogLeNet", 6.7, 22, "Szegedy et al. 2015"),
    Winner(2015, "ResNet", 3.57, 152, "He et al. 2016"),
    Winner(2016, "Trimps-Soushen (ensemble)", 2.99, None, "ILSVRC 2016 results"),
    Winner(2017, "SENet", 2.25, 152, "Hu, Shen, Sun 2018"),
)
RUNNER_UP_2014 = Winner(2014, "VGG (runner-up)", 7.3, 19, "Simonyan & Zisserman 2015")
HUMAN_TOP5 = 5.1  # Karpathy's estimate, reported in Russakovsky et al. 2015
IMAGENET = {"images": 14_197_122, "classes": 21_841, "ilsvrc_train_images": 1_200_000, "ilsvrc_classes": 1000}

# The four open problems of the slides -> the lectures that take them up.
COURSE_MAP = {
    "Harmonic analysis: which representations are optimal?": ["02 CNN visualization", "03 Wavelets and scattering",
                                                              "04 Sparse coding → ReLU"],
    "Approximation: when is deep better than shallow?": ["05 Compositional approximation"],
    "Optimization: the landscape, and how to minimise on it": ["01 Perceptron/XOR/backprop", "08 Landscape",
                                                               "09 ADMM"],
    "Statistics: why do big networks generalise?": ["06 Generalization", "07 SGLD"],
}


def build_imagenet_widget():
    """A year slider: the winners up to that year, their error against the human estimate and depth."""
    import ipywidgets as W
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from course_lib.ui.plotting import setup_plotly
    from course_lib.ui.widgets import WidgetUI

    setup_plotly(renderer=None)
    years = [w.year for w in ILSVRC_WINNERS]
    fig = go.FigureWidget(make_subplots(specs=[[{"secondary_y": True}]]))
    fig.add_bar(x=[], y=[], name="winner's top-5 error (%)", marker_color="#1f77b4", text=[], secondary_y=False)
    fig.add_scatter(x=[], y=[], mode="lines+markers", name="winner's depth (layers)", marker_color="#d62728",
                    secondary_y=True)
    fig.add_scatter(x=[years[0] - 0.5, years[-1] + 0.5], y=[HUMAN_TOP5] * 2, mode="lines", name="human (Karpathy)",
                    line=dict(dash="dash", color="black"), secondary_y=False)
    fig.update_xaxes(title_text="ILSVRC year", range=[years[0] - 0.6, years[-1] + 0.6], dtick=1)
    fig.update_yaxes(title_text="top-5 error (%)", range=[0, 30], secondary_y=False)
    fig.update_yaxes(title_text="depth (weight layers)", range=[0, 160], secondary_y=True)
    fig.update_layout(height=420, legend=dict(x=0.55, y=0.95))
    slider = W.IntSlider(min=years[0], max=years[-1], value=years[-1], description="up to year")

    def update(_=None):
        shown = [w for w in ILSVRC_WINNERS if w.year <= slider.value]
        deep = [w for w in shown if w.depth is not None]
        last = shown[-1]
        with fig.batch_update():
            fig.data[0].x = [w.year for w in shown]
            fig.data[0].y = [w.top5_error for w in shown]
            fig.data[0].text = [w.name for w in shown]
            fig.data[1].x = [w.year for w in deep]
            fig.data[1].y = [w.depth for w in deep]
            fig.layout.title = f"{last.year}: {last.name}, top-5 error {last.top5_error}%"

    slider.observe(update, names="value")
    update()
    return WidgetUI(W.VBox([slider, fig]), fig, {"year": slider})



