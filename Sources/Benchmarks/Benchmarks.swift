// Benchmarks: being written.
