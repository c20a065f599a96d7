"""assets/course.py, the helper module every chapter's setup cell imports, tested for real:
setup() in a fresh interpreter (the nearest mytorch/ wins, autoreload, seeds, the figure style),
the plotting helpers on real figures, and the grader's trusted copy of assets/."""

import importlib.util
import json
import subprocess
import sys
import textwrap

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)
from notebooks import ROOT  # noqa: E402

from grading.grader.execute import course_assets  # noqa: E402

ASSETS = ROOT / "assets"


def load_course():
    """assets/course.py as a module, without putting assets/ on this process's import path."""
    spec = importlib.util.spec_from_file_location("course", ASSETS / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = load_course()


def fake_course(root, name):
    """A course folder holding a one-line mytorch (NAME = name) and a chapter folder; the chapter's folder."""
    (root / "mytorch").mkdir(parents=True)
    (root / "mytorch" / "__init__.py").write_text(f"NAME = {name!r}\n")
    chapter = root / "chapters" / "backprop"
    chapter.mkdir(parents=True)
    return chapter


def run_python(code, cwd):
    """Run code in a fresh interpreter in cwd; what it printed as JSON on its last line, and all of stdout."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stdout


SETUP_IN_PYTHON = f"""
    import json, sys
    sys.path.insert(0, {str(ASSETS)!r})
    import course
    course.setup("backprop")
    import matplotlib, mytorch, numpy as np
    print(json.dumps({{"name": mytorch.NAME, "file": mytorch.__file__, "random": np.random.rand(),
                      "font": matplotlib.rcParams["font.size"], "figsize": list(matplotlib.rcParams["figure.figsize"]),
                      "colors": matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]}}))
"""


def test_setup_imports_the_nearest_mytorch_seeds_and_applies_the_style(tmp_path):
    outer = fake_course(tmp_path / "outer", "outer")
    inner = fake_course(outer / "nested", "inner")  # a folder with its own mytorch/ inside the course
    seen, stdout = run_python(SETUP_IN_PYTHON, inner)
    assert seen["name"] == "inner" and seen["file"] == str(outer / "nested" / "mytorch" / "__init__.py")
    assert f"backprop: mytorch from {outer / 'nested' / 'mytorch'}" in stdout
    assert seen["random"] == np.random.RandomState(course.SEED).rand()
    assert seen["font"] == course.FONT_SIZES["text"] == 10
    assert seen["figsize"] == list(course.FIGURE_SIZES["one"])
    assert seen["colors"] == list(course.COLORS.values()) and seen["colors"][1] == "#ff7f0e"  # C1 is orange

    seen, _ = run_python(SETUP_IN_PYTHON, outer)  # from the course's own chapter folder: its mytorch
    assert seen["name"] == "outer"


def test_setup_without_a_library_says_where_it_must_be(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ASSETS)!r}); import course; course.setup('x')"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"FileNotFoundError: no mytorch/ in {tmp_path.resolve()} or in any folder above it" in result.stderr


def test_setup_turns_on_autoreload_and_inline_figures_in_ipython(tmp_path):
    chapter = fake_course(tmp_path, "mine")
    seen, _ = run_python(
        f"""
        import json
        from IPython.terminal.interactiveshell import TerminalInteractiveShell as InteractiveShell
        shell = InteractiveShell.instance()
        result = shell.run_cell("import sys; sys.path.insert(0, {str(ASSETS)!r}); import course; course.setup('backprop')")
        result.raise_error()
        reloader = shell.magics_manager.registry["AutoreloadMagics"]._reloader
        import matplotlib
        print(json.dumps({{"loaded": sorted(shell.extension_manager.loaded), "enabled": reloader.enabled,
                          "all": reloader.check_all, "backend": matplotlib.get_backend(),
                          "font": matplotlib.rcParams["font.size"]}}))
        """,
        chapter,
    )
    assert any(name.endswith("autoreload") for name in seen["loaded"]), seen["loaded"]
    assert seen["enabled"] and seen["all"]  # %autoreload 2: every module
    assert "inline" in seen["backend"]
    assert seen["font"] == course.FONT_SIZES["text"]  # the style survives %matplotlib inline


def test_contours_draws_the_loss_levels_on_equal_axes():
    fig, ax = plt.subplots()
    drawn = course.contours(ax, lambda P: (P**2).sum(-1), lim=((-1, 1), (-2, 2)), levels=[0.25, 1.0])
    assert list(drawn.levels) == [0.25, 1.0]
    assert ax.get_aspect() == 1.0
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$\\theta_1$", "$\\theta_2$")
    x0, x1 = ax.get_xlim()
    assert x0 == pytest.approx(-1.0, abs=0.02) and x1 == pytest.approx(1.0, abs=0.02)
    plt.close(fig)


def test_curves_draws_one_labelled_line_per_entry():
    fig, ax = plt.subplots()
    x = np.arange(1, 5)
    lines = course.curves(ax, x, {"a": x**2, "b": 2 * x}, xlabel="step", title="t", scale="semilogy")
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_array_equal(lines[0].get_ydata(), [1, 4, 9, 16])
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "step" and ax.get_title() == "t"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    plt.close(fig)


def test_tiny_network_draws_every_value_up_to_the_step_and_highlights_it():
    W = np.array([[0.6, -0.4], [-0.3, 0.8]])
    steps = [
        ("z0", "z1", "z1 = 0.4000", 0.4),
        ("h0", "h1", "h1 = 0.5987", 0.5987),
        ("gy", "dL/dy", "dL/dy = -0.2", -0.2),
    ]
    ax = course.tiny_network(steps, np.array([1.0, 0.5]), W, np.array([1.5, -1.0]), upto=1)
    texts = {t.get_text(): t for t in ax.texts}
    assert "z1=0.400" in texts and "h1=0.599" in texts and "dL/dy=-0.200" not in texts  # step 3 not reached yet
    assert texts["h1=0.599"].get_bbox_patch() is not None and texts["z1=0.400"].get_bbox_patch() is None
    assert "$W_{12}=-0.4$" in texts and "$v_2=-1$" in texts and "x2=0.5" in texts
    assert len(ax.lines) == 7 and len(ax.patches) == 6  # 6 weighted edges and y -> L; 6 nodes
    assert ax.get_title(loc="left") == "step 2/3 (forward):  h1 = 0.5987"
    plt.close(ax.figure)


def test_the_grader_puts_the_course_assets_in_place_of_the_students(tmp_path):
    submission = tmp_path / "submission"
    (submission / "assets").mkdir(parents=True)
    (submission / "assets" / "course.py").write_text("raise SystemExit('the student copy')\n")
    (submission / "assets" / "extra.py").write_text("")
    course_assets(submission)
    assert (submission / "assets" / "course.py").read_bytes() == (ASSETS / "course.py").read_bytes()
    assert not (submission / "assets" / "extra.py").exists()
    assert not list((submission / "assets").rglob("__pycache__"))

    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("not the student's to remove")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "assets").symlink_to(target)
    course_assets(linked)
    assert not (linked / "assets").is_symlink() and (linked / "assets" / "course.py").is_file()
    assert (target / "keep.txt").exists()  # the link was removed, never followed


def test_decision_line_draws_w_x_plus_b_zero_and_the_normal():
    fig, ax = plt.subplots()
    course.decision_line(ax, [1.0, 2.0], -1.0, lim=(-2, 2))
    (line,) = ax.lines
    xs, ys = line.get_data()
    np.testing.assert_allclose(1.0 * xs + 2.0 * ys - 1.0, 0.0)  # on the line w . x + b = 0
    np.testing.assert_allclose(ax.texts[0].xy, np.array([1.0, 2.0]) / np.sqrt(5))  # the arrow: w, unit length
    fig2, ax2 = plt.subplots()
    course.decision_line(ax2, [2.0, 0.0], 1.0)
    assert ax2.lines[0].get_xdata()[0] == -0.5  # vertical: x1 = -b / w1
    fig3, ax3 = plt.subplots()
    course.decision_line(ax3, [0.0, 0.0], 1.0)
    assert not ax3.lines and not ax3.texts
    for f in (fig, fig2, fig3):
        plt.close(f)


def test_matrix_grid_draws_one_square_per_number():
    fig, ax = plt.subplots()
    course.matrix_grid(ax, (2, 3), "W", "tab:blue", width=5, height=4)
    assert len(ax.patches) == 6
    assert sorted({(p.get_x(), p.get_y()) for p in ax.patches}) == [(c, -r - 1) for c in range(3) for r in (1, 0)]
    assert ax.get_title() == "W\nshape (2, 3)" and ax.get_xlim() == (0, 5) and ax.get_ylim() == (-4, 0)
    plt.close(fig)


def test_bar_chart_writes_each_value_above_its_bar():
    fig, ax = plt.subplots()
    course.bar_chart(ax, {"slow": 1000.0, "fast": 250000.0}, ["gray", "green"], "samples / s", "speed", log=True)
    assert [round(p.get_height()) for p in ax.patches] == [1000, 250000]
    assert [t.get_text() for t in ax.texts] == ["1,000", "250,000"]
    assert ax.get_yscale() == "log" and ax.get_title() == "speed"
    plt.close(fig)


class ConstantModel:
    """Scores (N, 2) that always pick class 1; counts its eval/train switches."""

    def __init__(self):
        self.modes = []

    def eval(self):
        self.modes.append("eval")

    def train(self):
        self.modes.append("train")

    def forward(self, X):
        return np.tile([0.0, 1.0], (len(X), 1))


def test_live_plot_records_loss_and_accuracy_and_draws_every_few_epochs():
    y_val = np.array([1, 1, 0, 1])
    plot = course.LivePlot(np.zeros((4, 3)), y_val, every=2)
    model = ConstantModel()
    for epoch, loss in enumerate([1.0, 0.5, 0.25], start=1):
        plot(epoch, loss, model)
    assert plot.losses == [1.0, 0.5, 0.25] and plot.accuracies == [0.75] * 3
    assert model.modes == ["eval", "train"] * 3  # evaluated in eval mode, handed back in train mode
    np.testing.assert_array_equal(plot.ax_loss.lines[0].get_ydata(), [1.0, 0.5])  # drawn at epoch 2
    plot.close()  # draws the last epoch too
    np.testing.assert_array_equal(plot.ax_loss.lines[0].get_ydata(), [1.0, 0.5, 0.25])
    assert plot.ax_acc.get_title() == "epoch 3: test accuracy 75.0%"


def test_the_student_bundle_carries_the_assets():
    from grading.edition.release import bundle_files, edition_on_disk

    files = bundle_files(ROOT, edition_on_disk(ROOT))
    assert files["assets/course.py"] == (ASSETS / "course.py").read_bytes()
    assert not [path for path in files if path.startswith("assets/") and "__pycache__" in path]


def test_labelled_matrix_shows_each_label_above_its_value_row_0_on_top():
    fig, ax = plt.subplots()
    values = np.array([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.0]])
    labels = [[f"d{r}{c}" for c in range(2)] for r in range(3)]
    course.labelled_matrix(ax, values, labels, "W", "tab:blue")
    assert len(ax.patches) == 6
    where = {t.get_text(): t.get_position() for t in ax.texts}
    assert where["d00"] == pytest.approx((0.5, 2.62)) and where["1"] == pytest.approx((0.5, 2.28))  # row 0 on top
    assert where["d21"] == pytest.approx((1.5, 0.62)) and where["0"] == pytest.approx((1.5, 0.28))
    assert ax.get_title() == "W"
    plt.close(fig)


def test_function_and_derivative_leaves_out_the_jump_and_marks_both_sides():
    z = np.linspace(-1, 1, 5)  # -1, -0.5, 0, 0.5, 1
    relu, step = np.maximum(z, 0), (z > 0) * 1.0
    fig, ax = plt.subplots()
    course.function_and_derivative(ax, z, relu, step, "ReLU", kink=True)
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [list(line.get_ydata()) for line in dashed] == [[0, 0, 0], [1, 1]]  # two pieces, no vertical
    dots = [(line.get_ydata()[0], line.get_markerfacecolor()) for line in ax.lines if line.get_marker() == "o"]
    assert dots[0][0] == 0 and dots[1] == (1.0, "white")  # filled: the value used at 0; open: the other side
    fig2, ax2 = plt.subplots()
    course.function_and_derivative(ax2, z, np.tanh(z), 1 - np.tanh(z) ** 2, "tanh")
    assert len([line for line in ax2.lines if line.get_linestyle() == "--"]) == 1
    assert not [line for line in ax2.lines if line.get_marker() == "o"]
    plt.close(fig)
    plt.close(fig2)
