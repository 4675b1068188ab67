"""Unit tests of the shared ``book`` package."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import book
from book import plotting
from book.glue import GLUED


# --- device -----------------------------------------------------------------
def test_torch_device_auto_and_cpu():
    assert book.torch_device("cpu").type == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert book.torch_device().type == expected


@pytest.mark.parametrize("bad", ["tpu", "cuda:x", "cpu:0", ""])
def test_torch_device_rejects_unknown_names(bad):
    with pytest.raises(ValueError, match="设备名"):
        book.torch_device(bad)


def test_torch_device_rejects_non_string():
    with pytest.raises(TypeError):
        book.torch_device(0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="only meaningful without CUDA")
def test_cuda_request_without_cuda_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CUDA"):
        book.torch_device("cuda")


def test_describe_devices_prints_one_line(capsys):
    info = book.describe_devices()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "torch_device" in out
    assert info["torch_device"] in ("cpu", "cuda")


def test_tf_device():
    name = book.tf_device()
    assert name in ("/CPU:0", "/GPU:0")
    assert book.tf_device("cpu") == "/CPU:0"
    with pytest.raises(ValueError):
        book.tf_device("npu")


def test_limit_cpu_threads():
    assert book.limit_cpu_threads(1) is None and torch.get_num_threads() == 1
    with pytest.raises(ValueError, match="线程数"):
        book.limit_cpu_threads(0)


# --- seed -------------------------------------------------------------------
def test_seed_everything_repeats_numpy_and_torch():
    book.seed_everything(3)
    a = (np.random.rand(3), torch.rand(3))
    book.seed_everything(3)
    b = (np.random.rand(3), torch.rand(3))
    assert np.array_equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_seed_everything_tensorflow():
    import tensorflow as tf

    book.seed_everything(5, tensorflow=True)
    a = tf.random.uniform((3,)).numpy()
    book.seed_everything(5, tensorflow=True)
    assert np.array_equal(a, tf.random.uniform((3,)).numpy())


@pytest.mark.parametrize("bad,err", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), (True, TypeError)])
def test_seed_everything_rejects_bad_seeds(bad, err):
    with pytest.raises(err):
        book.seed_everything(bad)


# --- glue -------------------------------------------------------------------
def test_glue_converts_numpy_and_torch_scalars():
    for name, value, kind in [("a", np.float64(0.5), float), ("b", np.int64(3), int),
                              ("c", torch.tensor(2.0), float), ("d", np.array(1.25), float)]:
        assert book.glue(name, value) is None  # nothing echoed under a cell
        assert type(book.glued(name)) is kind
    with pytest.raises(KeyError, match="还没有"):
        book.glued("never-glued")
    assert GLUED["b"] == 3


def test_glue_rejects_arrays_and_bad_names():
    with pytest.raises(ValueError, match="单个数值"):
        book.glue("e", np.zeros(3))
    with pytest.raises(ValueError, match="名称"):
        book.glue("1bad name", 1.0)


def test_glue_many():
    assert book.glue_many(m1=np.float32(0.5), m2=2) is None
    assert GLUED["m1"] == 0.5 and GLUED["m2"] == 2
    with pytest.raises(ValueError):
        book.glue_many()


def test_glue_measured_marks_machine_dependent_values():
    from book.glue import MEASURED

    book.glue("g_time_s", 1.5, measured=True)
    book.glue_many(g_tok_s=10.0, g_mem_mb=3.0, measured=True)
    book.glue("g_acc", 0.9)
    assert {"g_time_s", "g_tok_s", "g_mem_mb"} <= MEASURED and "g_acc" not in MEASURED
    book.glue("g_time_s", 1.0)  # glued again without the flag: no longer excused
    assert "g_time_s" not in MEASURED


def test_glue_prints_nothing_in_the_build(capsys, monkeypatch):
    monkeypatch.setenv("BOOK_QUIET", "1")  # set by the book build and the chapter tests
    book.glue("quiet", 1.0)
    book.glue_many(quiet2=2.0, quiet3=3)
    assert capsys.readouterr().out == ""


def test_glue_shows_values_outside_the_build(capsys, monkeypatch):
    monkeypatch.delenv("BOOK_QUIET", raising=False)  # JupyterLab, Colab, an exported notebook
    book.glue("shown_acc", np.float64(0.973125))
    assert capsys.readouterr().out == "glue: shown_acc = 0.9731\n"
    book.glue_many(shown_a=1.5e-7, shown_b=12, shown_c="文字")
    assert capsys.readouterr().out == "glue: shown_a = 1.5e-07 · shown_b = 12 · shown_c = 文字\n"


# --- progress ---------------------------------------------------------------
def test_progress_quiet_in_book_build(monkeypatch):
    monkeypatch.setenv("BOOK_QUIET", "1")
    it = [1, 2, 3]
    assert book.progress(it) is it
    monkeypatch.setenv("BOOK_QUIET", "0")
    assert list(book.progress(it, enabled=True)) == it


# --- plotting ---------------------------------------------------------------
def test_cjk_font_renders_without_missing_glyph(recwarn, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    fig, ax = book.subplots()
    ax.set_title("损失随参数量下降")
    ax.set_xlabel("参数量（个）")
    fig.savefig(tmp_path / "x.png")
    assert not [w for w in recwarn if "Glyph" in str(w.message)]
    assert plotting.FONT_NAME in matplotlib.rcParams["font.sans-serif"][0]


def test_plot_style_rejects_bad_sizes():
    with pytest.raises(ValueError):
        book.use_book_style(figsize=(0, 3))
    with pytest.raises(ValueError):
        book.subplots(0, 1)


# --- data -------------------------------------------------------------------
def test_standardize_uses_training_statistics_only():
    tr = np.array([[0.0, 1.0], [2.0, 3.0]])
    te = np.array([[4.0, 5.0]])
    tr_s, te_s, mean, std = book.standardize(tr, te)
    assert np.allclose(tr_s.mean(0), 0) and np.allclose(tr_s.std(0), 1)
    assert np.allclose(te_s, (te - mean) / std)
    assert np.allclose(te_s, [[3.0, 3.0]])


def test_standardize_rejects_mismatched_columns():
    with pytest.raises(ValueError, match="列形状"):
        book.standardize(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        book.standardize(np.zeros((1, 2)))


def test_breast_cancer_split():
    s = book.load_breast_cancer_split(seed=0)
    n_tr, n_va, n_te = s.sizes()
    assert n_tr + n_va + n_te == 569 and n_te == 114
    assert np.allclose(s.X_train.mean(0), 0, atol=1e-9)
    assert abs(s.y_train.mean() - s.y_test.mean()) < 0.03  # stratified
    assert s.y_train.mean() < 0.5  # 1 = malignant, the minority class


@pytest.mark.parametrize("kw", [{"val_size": 0}, {"test_size": 1.2}])
def test_split_rejects_bad_fractions(kw):
    with pytest.raises(ValueError, match="比例"):
        book.load_breast_cancer_split(**kw)


def test_threshold_numbers():
    x, y = book.make_threshold_numbers(500, seed=1)
    assert x.shape == (500, 1) and y.shape == (500,)
    assert set(np.unique(x)) <= set(range(10))
    assert np.array_equal(y, (x[:, 0] > 5).astype(float))
    with pytest.raises(ValueError):
        book.make_threshold_numbers(-3)
    with pytest.raises(ValueError):
        book.make_threshold_numbers(10, low=5, high=5)


# --- train ------------------------------------------------------------------
def test_train_torch_learns_a_linear_rule():
    book.seed_everything(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    h = book.train_torch(model, torch.nn.BCEWithLogitsLoss(), opt, X, y, epochs=30, batch_size=32,
                         X_val=X[:50], y_val=y[:50],
                         metric=lambda o, t: book.binary_accuracy(o, t, logits=True))
    assert len(h.train_loss) == 30 and h.train_loss[-1] < h.train_loss[0]
    assert h.train_metric[-1] > 0.95 and len(h.val_metric) == 30
    assert book.predict_torch(model, X[:3]).shape == (3,)


def test_train_torch_rejects_bad_input():
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.MSELoss()
    with pytest.raises(ValueError, match="行"):
        book.train_torch(model, loss, opt, np.zeros((3, 2)), np.zeros(4), epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        book.train_torch(model, loss, opt, np.zeros((3, 2)), np.zeros(3), epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        book.train_torch(model, loss, opt, np.zeros((3, 2)), np.zeros(3), epochs=1, batch_size=-2)
    with pytest.raises(ValueError, match="X_val"):
        book.train_torch(model, loss, opt, np.zeros((3, 2)), np.zeros(3), epochs=1, X_val=np.zeros((1, 2)))


def test_train_torch_options_max_steps_drop_last_scheduler_callback():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.ones(10, dtype=np.float32)
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    seen = []
    # 10 samples, batches of 4 with drop_last: 2 steps per epoch; max_steps=5 stops in epoch 3
    h = book.train_torch(model, torch.nn.MSELoss(), opt, X, y, epochs=10, batch_size=4,
                         drop_last=True, max_steps=5, scheduler=sched,
                         callback=lambda epoch, m: seen.append((epoch, m.training)))
    assert len(h.train_loss) == 3
    assert seen == [(1, False), (2, False), (3, False)]     # after each epoch, in eval mode
    assert sched.last_epoch == 5                              # stepped once per optimizer step
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 5)
    with pytest.raises(ValueError, match="max_steps"):
        book.train_torch(model, torch.nn.MSELoss(), opt, X, y, epochs=1, max_steps=0)


@pytest.mark.parametrize("labels, dtype", [
    (np.array([0, 2, 1, 2]), torch.int64), (np.array([0, 2, 1, 2], np.int32), torch.int32),
    (torch.tensor([0, 2, 1, 2]), torch.int64), (np.array([0.0, 2.0, 1.0, 2.0]), torch.float32),
    (np.array([True, False, True, True]), torch.float32)])
def test_train_torch_keeps_integer_labels_integer(labels, dtype):
    """Integer labels reach the loss (training and validation) as integers; float and 0/1
    boolean targets take the model's dtype; the inputs always take the model's dtype."""
    seen = []

    def loss(out, target):
        seen.append((out.dtype, target.dtype))
        return out.float().mean() * 0 + target.float().mean()

    model = torch.nn.Linear(3, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X = np.arange(12).reshape(4, 3)                              # integer inputs: cast to float
    book.train_torch(model, loss, opt, X, labels, epochs=1, batch_size=2, X_val=X, y_val=labels)
    assert seen and all(s == (torch.float32, dtype) for s in seen)


def test_train_torch_cross_entropy_takes_integer_labels_as_they_are():
    """F.cross_entropy needs class indices: no y.long() workaround, same numbers as one."""
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    runs = []
    for fn in (F.cross_entropy, lambda o, t: F.cross_entropy(o, t.long())):
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 3)
        h = book.train_torch(model, fn, torch.optim.Adam(model.parameters(), lr=0.01), X, y,
                             epochs=3, batch_size=8, X_val=X, y_val=y)
        runs.append((h.train_loss, h.val_loss, model.weight.detach().clone()))
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    assert torch.equal(runs[0][2], runs[1][2])


def test_train_torch_rejects_bad_labels():
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X = np.zeros((3, 2), np.float32)
    bce = torch.nn.BCEWithLogitsLoss()
    with pytest.raises(TypeError, match="标签应为"):
        book.train_torch(model, bce, opt, X, np.array(["a", "b", "c"]), epochs=1)
    with pytest.raises(TypeError, match="标签应为"):
        book.train_torch(model, bce, opt, X, torch.zeros(3, dtype=torch.complex64), epochs=1)
    with pytest.raises(TypeError, match="标签应为"):
        book.train_torch(model, bce, opt, X, np.zeros(3), epochs=1, X_val=X, y_val=np.array([None] * 3))
    # integer 0/1 labels with a loss that needs float targets: a Chinese hint, not torch's dtype error
    with pytest.raises(TypeError, match="astype"):
        book.train_torch(model, bce, opt, X, np.array([0, 1, 1]), epochs=1)
    # other errors of the loss pass through unchanged
    with pytest.raises(IndexError):
        book.train_torch(torch.nn.Linear(2, 3), torch.nn.functional.cross_entropy,
                         torch.optim.SGD(model.parameters(), lr=0.1), X, np.array([0, 5, 1]), epochs=1)


def test_binary_accuracy():
    assert book.binary_accuracy(torch.tensor([0.9, 0.2, 0.7]), torch.tensor([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        book.binary_accuracy(torch.zeros(3), torch.zeros(2))


def test_redirect_caches_points_into_temp(monkeypatch, tmp_path):
    import tempfile

    from book._env import redirect_caches

    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path))
    done = redirect_caches()
    assert done["KERAS_HOME"].startswith(tempfile.gettempdir())
    assert "MPLCONFIGDIR" not in done  # a caller's own setting is kept


def test_check_positive_int():
    from book._checks import check_fraction, check_positive_int

    assert check_positive_int("n", np.int64(3)) == 3
    assert check_positive_int("h", 0, minimum=0) == 0
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="正整数"):
            check_positive_int("n", bad)
    with pytest.raises(ValueError, match="不小于 0"):
        check_positive_int("h", -1, minimum=0)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        check_fraction("p", 1.0, closed_low=True)


def test_one_rule_for_positive_numbers_and_decay_rates():
    from book._checks import check_decay, check_nonnegative, check_positive

    assert check_positive("lr", np.float32(0.5)) == 0.5
    for bad in (0, -1e-3, float("nan"), float("inf"), True, "0.1", None):
        with pytest.raises(ValueError, match="lr 应为有限的正数"):
            check_positive("lr", bad)
    assert check_nonnegative("eps", 0) == 0.0
    with pytest.raises(ValueError, match="非负"):
        check_nonnegative("eps", -1)
    assert check_decay("beta2", 0.999) == 0.999
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"\[0, 1\)"):
            check_decay("beta2", bad)


def test_check_rows_is_the_one_rows_check():
    from book._checks import check_rows
    from book.part3.digits import accuracy, train_classifier
    from book.scaling import column_mse

    assert check_rows(np.zeros((3, 2)), [0, 1, 2]) == 3
    with pytest.raises(ValueError, match="^训练集：X 有 3 行而 y 有 4 行"):
        check_rows(np.zeros((3, 2)), np.zeros(4), "训练集")
    with pytest.raises(ValueError, match="^数据为空"):
        check_rows([], [])
    # every user says the same thing
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2, 2))
    X, y = np.zeros((3, 2), np.float32), np.zeros(2, np.int64)
    for call in (lambda: accuracy(model, X, y), lambda: column_mse(model, X, y),
                 lambda: train_classifier(model, X, y, epochs=1)):
        with pytest.raises(ValueError, match="X 有 3 行而 y 有 2 行"):
            call()


# --- repository files -------------------------------------------------------
def test_book_file_finds_the_repositorys_files_and_rejects_bad_paths():
    from book.repo import book_file, book_file_exists

    assert book_file("references.bib").read_text(encoding="utf-8").lstrip().startswith(("@", "%"))
    assert book_file_exists("chapters/part1/01_background.md")
    assert not book_file_exists("chapters/part9/99_none.md")
    for bad in ("", "/etc/passwd", "../x", 3):
        with pytest.raises(ValueError, match="相对路径"):
            book_file(bad)
