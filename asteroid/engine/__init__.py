"""Training engine: the Lightning System, optimizers and schedulers."""
