"""Visible checks of chapter 4 (backprop): your layers against torch.nn on seeded cases."""
import numpy as np

from .report import compare, run_check


def _torch():
    import torch  # imported late: only the checks that need it pay its start-up time
    return torch


def linear_checks(seed=0):
    """Linear.forward and Linear.backward (exercise 4.1) against torch.nn.Linear, float64.

    seed: picks the random layer, batch and shapes (the hidden checks use other seeds).
    """
    import mytorch
    torch = _torch()
    rng = np.random.default_rng(seed)
    N, C_in, C_out = (5, 4, 3) if seed == 0 else tuple(int(n) for n in rng.integers(1, 9, 3))
    layer = mytorch.nn.Linear(C_in, C_out, dtype=np.float64, seed=seed)
    A = rng.standard_normal((N, C_in))
    G = rng.standard_normal((N, C_out))
    twin = torch.nn.Linear(C_in, C_out, dtype=torch.float64)
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.W))
        twin.bias.copy_(torch.from_numpy(layer.b))
    A_t = torch.from_numpy(A).requires_grad_(True)
    Z_t = twin(A_t)
    (Z_t * torch.from_numpy(G)).sum().backward()

    def forward():
        compare("Linear.forward Z", Z_t.detach().numpy(), layer.forward(A))

    def backward():
        layer.forward(A)
        dLdA = layer.backward(G)
        compare("Linear.backward dLdA", A_t.grad.numpy(), dLdA)
        compare("Linear.backward dLdW", twin.weight.grad.numpy(), layer.dLdW)
        compare("Linear.backward dLdb", twin.bias.grad.numpy(), layer.dLdb)

    def keeps_float32():
        layer32 = mytorch.nn.Linear(C_in, C_out, seed=seed)
        Z = layer32.forward(A.astype(np.float32))
        expected = (A.astype(np.float32) @ layer32.W.T + layer32.b)
        compare("Linear.forward Z (float32)", expected, Z, rtol=1e-5, atol=1e-6)

    return [run_check("Linear.forward", forward),
            run_check("Linear.backward", backward),
            run_check("Linear keeps float32", keeps_float32)]


CHECKS = {"backprop.linear": linear_checks}
