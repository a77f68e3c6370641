"""`make bench`: lecture times, widget latencies and kernel benchmarks (never run by `make test`)."""
