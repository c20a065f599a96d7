"""Learning-rate schedules: StepLR and ExponentialLR (given), CosineAnnealingLR (chapter 5, exercise 5.1).

A scheduler writes the learning rate of epoch `last_epoch` into `optimizer.param_groups[i]["lr"]`
on every `step()`, so the usual loop is the same as torch's:

    for epoch in range(epochs):
        train_one_epoch(model, optimizer)   # calls optimizer.step()
        scheduler.step()

Each schedule here is a closed form of the epoch and the starting rate (`base_lrs`), which gives
torch's numbers as long as nothing else changes the rate in between.
"""
import math


class LRScheduler:
    """Base class: keeps `last_epoch` (0 after construction) and sets the rate from `get_lr()`."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            # As torch: the rate the schedule starts from survives a second scheduler.
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def get_lr(self):
        """The learning rates of epoch `self.last_epoch`, one per parameter group."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def step(self):
        """Move to the next epoch and write its learning rates into the optimizer."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates the last step() set (a list, one per parameter group)."""
        return list(self._last_lr)


class StepLR(LRScheduler):
    """Multiply the rate by gamma every step_size epochs: lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        if step_size < 1:
            raise ValueError(f"StepLR: step_size should be a positive number of epochs, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def get_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by gamma every epoch: lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma):
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from base_lr down to eta_min over T_max epochs (then back up, periodically):

    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.
    """

    def __init__(self, optimizer, T_max, eta_min=0):
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max should be a positive number of epochs, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def get_lr(self):
        """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2, per group."""
        ### BEGIN SOLUTION | chapter 5 (optimization) | exercise 5.1 CosineAnnealingLR | hint: one value per base_lr in self.base_lrs, computed from self.last_epoch, self.T_max and self.eta_min
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]
        ### END SOLUTION
