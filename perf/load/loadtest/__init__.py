"""perf/load driver modules (see perf/load/README.md)."""
