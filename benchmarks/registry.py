"""Every kernel benchmark `make bench` runs, in one explicit table (imported only when run)."""
from course_lib.core.registry import Registry

BENCHMARKS = Registry("benchmark", {
    "04 sparse: FISTA vs scikit-learn Lasso": "benchmarks.kernels:fista_vs_lasso",
    "07 sgld: batched vs loop over chains": "benchmarks.kernels:sgld_batched_vs_loop",
    "09 admm: data-parallel wall time vs processes": "benchmarks.kernels:admm_parallel",
})
