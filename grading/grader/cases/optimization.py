"""Case programs of chapter 5 (optimizers, the scheduler, BatchNorm1d).

Runs INSIDE the sandbox (numpy only, no reference values); see grading/grader/cases/backprop.py.
"""


def _kwargs(case, changes=None):
    """JSON turns tuples into lists; torch-style hyper-parameters (betas, etas) are tuples."""
    merged = dict(case.get("kwargs", {}), **(changes or {}))
    return {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()}


def _run(mt, t, name, kwargs, W0, b0, gW, gb):
    np = t.np

    class Holder(mt.nn.Module):
        parameter_names = ("W", "b")

    holder = Holder()
    holder.W, holder.b = W0.copy(), b0.copy()
    optimizer = getattr(mt.optim, name)(holder.parameters(), **kwargs)
    Ws, bs = [], []
    for step in range(len(gW)):
        holder.dLdW, holder.dLdb = gW[step].copy(), gb[step].copy()
        optimizer.step()
        Ws.append(np.array(holder.W))
        bs.append(np.array(holder.b))
    return np.stack(Ws), np.stack(bs)


def optimizer(mt, case, t):
    """The trajectory of W (3, 4) and b (4,) over fixed random gradients: "W" (steps, 3, 4), "b".

    case: optimizer (class name in mt.optim), kwargs, steps; variants {cause: [optimizer,
    kwargs changes]} are run by the reference only, as mistake candidates.
    """
    np = t.np
    rng = np.random.default_rng(case["seed"])
    steps = case.get("steps", 15)
    W0, b0 = rng.standard_normal((3, 4)), rng.standard_normal(4)
    gW, gb = rng.standard_normal((steps, 3, 4)), rng.standard_normal((steps, 4))
    W, b = _run(mt, t, case["optimizer"], _kwargs(case), W0, b0, gW, gb)
    t.out("W", W)
    t.out("b", b)
    for name, value in (("W0", W0), ("b0", b0), ("gW", gW), ("gb", gb)):
        t.ctx(name, value)
    if t.reference:
        for cause, (other, changes) in case.get("variants", {}).items():
            W, b = _run(mt, t, other, _kwargs(case, changes), W0, b0, gW, gb)
            t.ctx(f"variant.{cause}.W", W)
            t.ctx(f"variant.{cause}.b", b)


def scheduler(mt, case, t):
    """get_last_lr() and the optimizer's lr after each of `steps` scheduler steps: "lr" (steps,)."""
    np = t.np

    class Holder(mt.nn.Module):
        parameter_names = ("W",)

    holder = Holder()
    holder.W = np.zeros(2)
    optimizer = mt.optim.SGD(holder.parameters(), lr=case["lr"])
    schedule = getattr(mt.optim.lr_scheduler, case["scheduler"])(optimizer, **case["kwargs"])
    last, group = [], []
    for _ in range(case["steps"]):
        optimizer.step()
        schedule.step()
        last.append(float(schedule.get_last_lr()[0]))
        group.append(float(optimizer.param_groups[0]["lr"]))
    t.out("lr", np.array(last))
    t.out("param_group_lr", np.array(group))


def batchnorm(mt, case, t):
    """BatchNorm1d: one training step, then the graded step (train or eval), then backward.

    Results: "Y", "running_mean", "running_var", "dLdZ", "dLdgamma", "dLdbeta" (+ "fd.*").
    case: shape (N, C), dtype, train (mode of the graded step), constant (a constant batch).
    """
    np = t.np
    rng = np.random.default_rng(case["seed"])
    dtype = np.dtype(case["dtype"])
    N, C = case["shape"]
    bn = mt.nn.BatchNorm1d(C, momentum=case.get("momentum", 0.1), dtype=dtype)
    bn.gamma = (1 + 0.5 * rng.standard_normal(C)).astype(dtype)
    bn.beta = rng.standard_normal(C).astype(dtype)
    first = (2 * rng.standard_normal((N, C)) + 1).astype(dtype)
    Z = (1.5 * rng.standard_normal((N, C)) - 0.5).astype(dtype)
    if case.get("constant"):
        Z = np.broadcast_to(Z[:1], Z.shape).copy()
    G = rng.standard_normal((N, C)).astype(dtype)
    bn.forward(first.copy())
    if t.reference:
        for name in ("gamma", "beta", "running_mean", "running_var"):
            t.ctx(name, np.array(getattr(bn, name)))
        t.ctx("first", first)
        t.ctx("Z", Z)
        t.ctx("G", G)
    if not case["train"]:
        bn.eval()
    t.out("Y", bn.forward(Z.copy()))
    t.out("running_mean", bn.running_mean)
    t.out("running_var", bn.running_var)
    t.out("dLdZ", bn.backward(G.copy()))
    t.out("dLdgamma", bn.dLdgamma)
    t.out("dLdbeta", bn.dLdbeta)
    if case.get("fd"):

        def loss():
            return np.sum(G * bn.forward(Z))

        t.out("fd.dLdZ", t.numgrad(loss, Z))
        t.out("fd.dLdgamma", t.numgrad(loss, bn.gamma))
        t.out("fd.dLdbeta", t.numgrad(loss, bn.beta))
