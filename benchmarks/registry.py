"""Every kernel benchmark `make bench` runs, in one explicit table (imported only when run)."""
from course_lib.core.registry import Registry

BENCHMARKS = Registry("benchmark", {
    "02 cnn: activation maximisation, linear unit": "benchmarks.kernels:activation_maximization_linear",
    "04 sparse: lasso (and textbook FISTA) vs scikit-learn Lasso, 3 problem sets": "benchmarks.kernels:fista_vs_lasso",
    "04 sparse: lasso vs scikit-learn Lasso, one signal": "benchmarks.kernels:lasso_single_signal",
    "04 sparse: lasso ingredients, one switched off at a time": "benchmarks.kernels:lasso_ingredients",
    "07 sgld: batched vs loop over chains": "benchmarks.kernels:sgld_batched_vs_loop",
    "09 admm: data-parallel speed-up and scaling curve": "benchmarks.kernels:admm_parallel",
})
