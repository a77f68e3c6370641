"""The course's front ends: ``make lab`` (:mod:`~course_lib.app.lab`) and ``make html``
(:mod:`~course_lib.app.site`).  The top layer: it may import anything below it."""
