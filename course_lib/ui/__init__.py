"""Presentation helpers over ``core``: the plotly template and offline renderer
(:mod:`~course_lib.ui.plotting`) and thin widget wrappers (:mod:`~course_lib.ui.widgets`).
Topics' widget modules build on these; ``ui`` imports no topic."""
