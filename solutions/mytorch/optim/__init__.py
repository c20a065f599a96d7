"""mytorch.optim: optimizers and learning-rate schedulers (twins of torch.optim)."""
