# GENERATED from solutions/mytorch/nn/batchnorm.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Batch normalization over the batch axis (chapter 5, exercises 5.8 and 5.9)."""
import numpy as np

from ..errors import check_array, check_forward_done, check_same_shape
from .module import Module


class BatchNorm1d(Module):
    """Normalize each feature over the batch, then scale and shift: BZ = gamma * NZ + beta.

    Training: NZ = (Z - mean) / sqrt(var + eps) with the batch's mean and biased variance, and
    the running estimates move towards the batch's: running = (1 - momentum) * running +
    momentum * batch, where the batch variance in running_var is the unbiased one (N - 1), as
    in torch.nn.BatchNorm1d. Eval: NZ uses running_mean and running_var instead.

    Parameters: gamma (C,) ones, beta (C,) zeros (torch's weight and bias); buffers:
    running_mean (C,) zeros, running_var (C,) ones, all of dtype `dtype`.
    """

    parameter_names = ("gamma", "beta")

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float32):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.gamma = np.ones(num_features, dtype)
        self.beta = np.zeros(num_features, dtype)
        self.running_mean = np.zeros(num_features, dtype)
        self.running_var = np.ones(num_features, dtype)
        self.dLdgamma = None
        self.dLdbeta = None
        self.NZ = None        # the normalized input, kept for backward
        self.inv_std = None   # 1 / sqrt(var + eps) of the statistics forward used

    def forward(self, Z):
        """BZ = gamma * (Z - mean) / sqrt(var + eps) + beta.

        Z: (N, C) -> BZ: (N, C). Training uses (and stores) batch statistics and updates the
        running ones in place; eval uses the running statistics. Stores NZ and inv_std.
        """
        check_array("BatchNorm1d.forward", "Z", Z, ndim=2, last_dim=self.num_features)
        if self.training and Z.shape[0] < 2:
            raise ValueError(f"BatchNorm1d.forward: expected more than 1 value per channel when "
                             f"training, got Z of shape {Z.shape}; call eval() to use the "
                             f"running statistics on a single sample")
        raise NotImplementedError("Chapter 5 (optimization), exercise 5.8 BatchNorm1d.forward: not implemented yet. Hint: training normalizes with Z.mean(0) and Z.var(0) but feeds running_var the unbiased variance var * N / (N - 1); eval uses the running statistics")

    def backward(self, dLdBZ):
        """Returns dLdZ; sets dLdgamma and dLdbeta (chapter 5, exercise 5.9 (a) derives all three).

        Training: the batch mean and variance depend on Z, so dLdZ sums three paths (direct,
        through the mean, through the variance). Eval: the running statistics are constants.
        dLdBZ: (N, C) -> dLdZ: (N, C); sets dLdgamma (C,) and dLdbeta (C,).
        """
        check_forward_done("BatchNorm1d.backward", self.NZ)
        check_same_shape("BatchNorm1d.backward", "dLdBZ", dLdBZ, self.NZ.shape)
        raise NotImplementedError("Chapter 5 (optimization), exercise 5.9 BatchNorm1d.backward: not implemented yet. Hint: in training every output depends on every input of its column through the mean and the variance; sum those paths (exercise 5.9 (a)) and write the result with column means of G = dLdBZ * gamma and of G * NZ")

    def __repr__(self):
        return f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum})"
