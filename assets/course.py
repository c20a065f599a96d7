"""What every chapter notebook shares: its setup, the course's figure style and plotting helpers.

A chapter's first cell puts this folder (assets/) on the path and calls

    import course
    course.setup("backprop")

The plotting helpers draw the figures whose code says nothing about the chapter's subject (a
contour plot, a labelled network diagram), so that the cells students read stay short. This
module is trusted course code: the student bundle carries it, and the grader puts the course's
own copy beside every submission it runs (grading/nbgrader_glue/sandboxed_autograde.py, grading/grader/execute.py).
"""

import importlib
import importlib.metadata
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
from cycler import cycler
from matplotlib.patches import Circle, Rectangle

ASSETS = Path(__file__).resolve().parent
COURSE = ASSETS.parent  # the course folder (a clone, the student bundle, Colab's /content/dlcourse)
SEED = 0

# ---------------------------------------------------------------- the figure style (the one place)

# matplotlib's tab10, by name: "C0".."C9" in the chapters are these, in this order, so that a
# colour the prose names ("the orange curve" is C1) is the colour drawn.
COLORS = {
    "blue": "#1f77b4",
    "orange": "#ff7f0e",
    "green": "#2ca02c",
    "red": "#d62728",
    "purple": "#9467bd",
    "brown": "#8c564b",
    "pink": "#e377c2",
    "gray": "#7f7f7f",
    "olive": "#bcbd22",
    "cyan": "#17becf",
}
FONT_SIZES = {"text": 10, "title": 11, "label": 10, "ticks": 9, "legend": 9}
# inches: one panel (the default), two panels side by side (the chapters' figsize=(11, 3.8))
FIGURE_SIZES = {"one": (6.5, 3.8), "wide": (11.0, 3.8)}
STYLE = {
    "axes.prop_cycle": cycler(color=list(COLORS.values())),
    "figure.figsize": FIGURE_SIZES["one"],
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": FONT_SIZES["text"],
    "axes.titlesize": FONT_SIZES["title"],
    "axes.labelsize": FONT_SIZES["label"],
    "xtick.labelsize": FONT_SIZES["ticks"],
    "ytick.labelsize": FONT_SIZES["ticks"],
    "legend.fontsize": FONT_SIZES["legend"],
    "legend.framealpha": 0.9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.6,
    "image.cmap": "viridis",
}


def use_style():
    """Make STYLE matplotlib's defaults for every figure drawn from now on."""
    import matplotlib

    matplotlib.rcParams.update(STYLE)


# ---------------------------------------------------------------- setup


def find_library(start=None):
    """The nearest folder at or above `start` (default: the current folder) holding mytorch/:
    the student's own library in a clone or the bundle, the reference one in solutions/."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "mytorch" / "__init__.py").is_file():
            return folder
    raise FileNotFoundError(
        f"no mytorch/ in {here} or in any folder above it. Open this notebook inside a clone of the "
        "course, or unzip the student bundle (dlcourse-student.zip) and work (and fetch nbgrader "
        "assignments) in a folder inside it, so that its mytorch/ is above this notebook."
    )


def in_colab():
    return "google.colab" in sys.modules


def install_in_colab():
    """Colab: pip-install the course (its dependencies) once per runtime; elsewhere nothing."""
    if not in_colab():
        return
    try:
        importlib.metadata.version("dlcourse")
    except importlib.metadata.PackageNotFoundError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", str(COURSE)], check=True)


def turn_on_autoreload(shell):
    """Reload every edited module before each cell runs (IPython's autoreload): after a student
    saves a fix to a mytorch file, the next check uses it, with no kernel restart."""
    shell.run_line_magic("reload_ext", "autoreload")
    shell.run_line_magic("autoreload", "2")


def seed_everything(seed=SEED):
    """Seed Python's and numpy's global generators (and torch's, once it is imported), so that
    a cell that draws random numbers without its own generator shows the same thing every run."""
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def setup(chapter, seed=SEED):
    """Everything a chapter's first cell does once it has found this folder.

    Puts the nearest mytorch/ first on the import path (so `import mytorch` is the student's),
    installs the course in Colab, turns on autoreload and inline figures in IPython, seeds the
    random generators, applies the course's figure style, and prints where mytorch comes from.
    Outside IPython (the grader runs a notebook's cells as plain Python) the IPython parts are
    skipped. Returns the folder holding mytorch/.
    """
    library = find_library()
    for path in (str(library), str(ASSETS)):
        while path in sys.path:
            sys.path.remove(path)
    sys.path[:0] = [str(library), str(ASSETS)]
    install_in_colab()
    shell = _ipython()
    if shell is not None:
        turn_on_autoreload(shell)
        shell.run_line_magic("matplotlib", "inline")
    use_style()  # after %matplotlib inline, which may set figure defaults of its own
    seed_everything(seed)
    mytorch = importlib.import_module("mytorch")
    print(f"{chapter}: mytorch from {Path(mytorch.__file__).parent}")
    return library


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


# ---------------------------------------------------------------- plotting helpers


def contours(ax, loss, lim=((-2.5, 3), (-1.5, 2.5)), levels=25, points=200):
    """Grey contour lines of loss(P) over the box lim = ((x_min, x_max), (y_min, y_max)).

    loss takes an array P (..., 2) of points and returns the loss at each (...). The axes get
    equal scales and the labels theta_1, theta_2. Returns the contour set.
    """
    xx, yy = np.meshgrid(np.linspace(*lim[0], points), np.linspace(*lim[1], points))
    zz = loss(np.stack([xx, yy], -1))
    drawn = ax.contour(xx, yy, zz, levels=levels, cmap="Greys", linewidths=0.7)
    ax.set_aspect("equal")
    ax.set_xlabel("$\\theta_1$")
    ax.set_ylabel("$\\theta_2$")
    return drawn


def curves(ax, x, ys, xlabel=None, ylabel=None, title=None, scale="linear", **line):
    """One line per entry of ys ({label: values over x}) on ax, with labels, title and legend.

    scale: "linear", "semilogy" or "loglog". Returns ax.lines.
    """
    plot = {"linear": ax.plot, "semilogy": ax.semilogy, "loglog": ax.loglog}[scale]
    for label, values in ys.items():
        plot(x, values, label=label, **line)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return ax.lines


# The tiny two-input network of backpropagation's section 4.1, drawn value by value.
_TINY_NODES = {"x0": (0, 1.6), "x1": (0, -1.6), "n0": (4, 1.6), "n1": (4, -1.6), "y": (7.5, 0), "L": (10, 0)}
_TINY_NAMES = {"x0": "$x_1$", "x1": "$x_2$", "n0": "$h_1$", "n1": "$h_2$", "y": r"$\hat y$", "L": "$L$"}


def _tiny_edges(W, v):
    """{edge name: (from node, to node, weight)}: W_jk from input k to hidden j, v_j to the output."""
    edges = {f"W{j}{k}": (f"x{k}", f"n{j}", W[j, k]) for j in range(2) for k in range(2)}
    edges.update({f"v{j}": (f"n{j}", "y", v[j]) for j in range(2)})
    return edges


def _edge_point(edges, name):
    """Where an edge's labels go: mid-edge, or further along for the two crossing edges."""
    a, b, _ = edges[name]
    (x0, y0), (x1, y1) = _TINY_NODES[a], _TINY_NODES[b]
    frac = 0.7 if name in ("W01", "W10") else 0.5
    return x0 + frac * (x1 - x0), y0 + frac * (y1 - y0)


def _slot_position(edges, slot):
    """(x, y, colour, alignment) of a step's number: forward values in blue, gradients in red."""
    sign = {"0": 1, "1": -1}
    if slot in ("z0", "h0", "z1", "h1"):  # hidden forward values: above the top node, below the bottom one
        j = slot[1]
        x, y = _TINY_NODES["n" + j]
        return x, y + sign[j] * (0.75 if slot[0] == "h" else 1.05), "tab:blue", "center"
    if slot in ("gh0", "gz0", "gh1", "gz1"):  # hidden gradients: to the right of the node
        j = slot[2]
        x, y = _TINY_NODES["n" + j]
        return x + 0.45, y + sign[j] * (0.2 if slot[1] == "h" else -0.15), "tab:red", "left"
    if slot in ("y", "L"):
        return _TINY_NODES[slot][0], 0.6, "tab:blue", "center"
    if slot == "gy":
        return _TINY_NODES["y"][0], -0.6, "tab:red", "center"
    if slot in ("gx0", "gx1"):
        x, y = _TINY_NODES["x" + slot[2]]
        return x - 0.45, y - 0.45 * sign[slot[2]], "tab:red", "right"
    x, y = _edge_point(edges, slot[1:])  # a weight's gradient: under the weight
    return x, y - 0.22, "tab:red", "center"


def tiny_network(steps, x, W, v, upto, ax=None):
    """Draw the 2-2-1 network with every value of `steps` computed up to step `upto`, that step
    highlighted: forward values in blue, gradients in red, weights in black on the edges.

    steps: [(slot, label, formula, value)], the forward then backward pass in order, as the
    chapter's tiny_steps() returns them; x (2,), W (2, 2), v (2,): the inputs and weights.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10.5, 4.7))
    edges = _tiny_edges(W, v)
    for name, (a, b, w) in edges.items():
        (x0, y0), (x1, y1) = _TINY_NODES[a], _TINY_NODES[b]
        ax.plot([x0, x1], [y0, y1], color="0.75", zorder=0)
        px, py = _edge_point(edges, name)
        if name[0] == "W":
            symbol = f"W_{{{int(name[1]) + 1}{int(name[2]) + 1}}}"
        else:
            symbol = f"v_{int(name[1]) + 1}"
        ax.text(px, py + 0.15, f"${symbol}={w:g}$", ha="center", va="center", fontsize=9)
    ax.plot([_TINY_NODES["y"][0], _TINY_NODES["L"][0]], [0, 0], color="0.75", zorder=0)
    for node, (px, py) in _TINY_NODES.items():
        ax.add_patch(Circle((px, py), 0.32, facecolor="white", edgecolor="0.3", zorder=1))
        ax.text(px, py, _TINY_NAMES[node], ha="center", va="center", fontsize=12, zorder=2)
    for k in range(2):
        offset = 0.55 if k == 0 else -0.55
        ax.text(
            0,
            _TINY_NODES[f"x{k}"][1] + offset,
            f"x{k + 1}={x[k]:g}",
            ha="center",
            va="center",
            color="tab:blue",
            fontsize=9,
        )
    for i, (slot, label, _formula, value) in enumerate(steps[: upto + 1]):
        px, py, color, ha = _slot_position(edges, slot)
        box = dict(boxstyle="round,pad=0.2", facecolor="gold", edgecolor="none") if i == upto else None
        ax.text(px, py, f"{label}={value:.3f}", ha=ha, va="center", color=color, fontsize=9, bbox=box, zorder=3)
    phase = "backward" if steps[upto][0].startswith("g") else "forward"
    ax.set_title(f"step {upto + 1}/{len(steps)} ({phase}):  {steps[upto][2]}", fontsize=9.5, loc="left")
    ax.set_xlim(-2.0, 10.6)
    ax.set_ylim(-2.85, 2.85)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def decision_line(ax, w, b, lim=(-2.5, 2.5)):
    """The line w . x + b = 0 of a 2-D linear classifier across lim, with its normal w as a
    green arrow from the origin. Nothing is drawn for w = 0 (no line), b alone then decides."""
    w = np.asarray(w, dtype=float)
    line = np.linspace(*lim, 2)
    if abs(w[1]) > 1e-12:
        ax.plot(line, -(w[0] * line + b) / w[1], "k-")
    elif abs(w[0]) > 1e-12:
        ax.axvline(-b / w[0], color="k")
    if np.any(w):
        arrow = dict(arrowstyle="->", lw=2, color="green")
        ax.annotate("", xy=w / np.linalg.norm(w), xytext=(0, 0), arrowprops=arrow)


def matrix_grid(ax, shape, title, color, width, height):
    """A (rows, cols) matrix as a grid of squares, one per number, on a width x height canvas
    (the same canvas for every panel keeps one scale), titled with its shape."""
    rows, cols = shape
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((c, -r - 1), 1, 1, fc=color, ec="white", alpha=0.6))
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{title}\nshape {shape}", fontsize=10)


def bar_chart(ax, values, colors, ylabel, title, log=False):
    """One bar per entry of values ({label: number}), its number written above it."""
    ax.bar(list(values), list(values.values()), color=colors)
    if log:
        ax.set_yscale("log")
    ax.set(ylabel=ylabel, title=title)
    for i, value in enumerate(values.values()):
        ax.text(i, value * (1.15 if log else 1.02), f"{value:,.0f}", ha="center")


class LivePlot:
    """Loss and held-out accuracy per epoch, redrawn every `every` epochs in one figure.

    Call it as monitor(epoch, loss, model) after each epoch; call close() when training is done.
    X_val (N, D) and y_val (N,) are the held-out inputs and labels; model.forward(X_val) gives
    the (N, classes) scores. The figure works in Jupyter, in Colab and without a screen.
    """

    def __init__(self, X_val, y_val, every=5):
        import matplotlib.pyplot as plt

        self.X_val, self.y_val, self.every = X_val, y_val, every
        self.epochs, self.losses, self.accuracies = [], [], []
        self.fig, (self.ax_loss, self.ax_acc) = plt.subplots(1, 2, figsize=(10, 3.2))
        self.handle = None  # the figure is shown at its first drawing

    def __call__(self, epoch, loss, model):
        model.eval()
        scores = model.forward(self.X_val)
        model.train()
        self.epochs.append(epoch)
        self.losses.append(float(loss))
        self.accuracies.append(float(np.mean(scores.argmax(axis=1) == self.y_val)))
        if epoch % self.every == 0:
            self.draw()

    def draw(self):
        from IPython.display import display

        for ax in (self.ax_loss, self.ax_acc):
            ax.clear()
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        self.ax_loss.plot(self.epochs, self.losses, color="tab:red")
        self.ax_loss.set_ylabel("training loss")
        self.ax_loss.set_yscale("log")
        self.ax_acc.plot(self.epochs, self.accuracies, color="tab:blue")
        self.ax_acc.axhline(0.95, ls="--", color="0.5")
        self.ax_acc.set_ylabel("test accuracy")
        self.ax_acc.set_ylim(0.5, 1.0)
        if self.accuracies:
            self.ax_acc.set_title(f"epoch {self.epochs[-1]}: test accuracy {self.accuracies[-1]:.1%}")
        self.fig.tight_layout()
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)

    def close(self):
        import matplotlib.pyplot as plt

        if self.epochs:
            self.draw()
        plt.close(self.fig)


def labelled_matrix(ax, values, labels, title, color):
    """A matrix as a table of cells, each showing its label (labels[r][c], e.g. a formula) above
    its value (values (rows, cols)); row 0 at the top."""
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((c, rows - 1 - r), 1, 1, fc=color, ec="black", alpha=0.35))
            ax.text(c + 0.5, rows - 1 - r + 0.62, labels[r][c], ha="center", va="center", fontsize=11)
            ax.text(c + 0.5, rows - 1 - r + 0.28, f"{values[r, c]:g}", ha="center", va="center", fontsize=10)
    ax.set_xlim(-0.1, cols + 0.1)
    ax.set_ylim(-0.1, rows + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=11)


def function_and_derivative(ax, z, f, df, title, kink=False):
    """f(z) solid blue and f'(z) dashed red over z (an increasing grid through 0), with axes lines.

    kink: f' jumps at z = 0 (ReLU and its kin). The jump is not drawn as a vertical line; a filled
    dot marks the value the library uses at 0 (the left one, df[0]) and an open dot the other
    one-sided value (df[-1]).
    """
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    ax.plot(z, f, color="tab:blue", label="f(z)")
    jumps = np.where(np.diff(df) != 0)[0] + 1 if kink else []
    for part in np.split(np.arange(len(z)), jumps):
        ax.plot(z[part], df[part], "--", color="tab:red", label="f'(z)" if part[0] == 0 else None)
    if kink:
        ax.plot(0, df[0], "o", color="tab:red", ms=5)
        ax.plot(0, df[-1], "o", mfc="white", color="tab:red", ms=5)
    ax.set_title(title, fontsize=10)
