"""Each lecture's live widget, in one explicit table.

``make bench`` times every entry and the tests move every entry's sliders; an entry is
imported only when looked up.  Targets are the topics' public names (re-exported by each
topic package), so a topic may reorganise its modules without touching this table.
"""
from course_lib.core.registry import Registry

__all__ = ["WIDGETS"]

WIDGETS = Registry("widget", {
    "00 ImageNet winners by year": "course_lib.overview:build_imagenet_widget",
    "01 XOR decision boundary": "course_lib.backprop:build_xor_boundary_widget",
    "02 CNN units and sparse dictionaries": "course_lib.cnn:build_cnn_widget",
    "03 scattering: shift, dilation, J": "course_lib.scattering:build_scattering_widget",
    "04 sparse coding": "course_lib.sparse:build_sparse_coding_widget",
    "05 deep vs shallow approximation": "course_lib.approx:build_approximation_widget",
    "06 generalization: label noise and margins": "course_lib.generalization:build_generalization_widget",
    "07 SGLD Gibbs limit": "course_lib.langevin:build_gibbs_widget",
    "08 mode connectivity": "course_lib.landscape:build_landscape_widget",
    "09 ADMM": "course_lib.admm:build_admm_widget",
})
