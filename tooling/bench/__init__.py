"""`streamscribe bench`: the benchmarks of every component, gathered into one report."""
