"""Training losses and permutation-invariant wrappers."""
