"""bertkit.plots: projections, cosine matrix, plotting helpers (the Korean font is the book's: test_book_package)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import bertkit  # noqa: E402


def test_importing_bertkit_changes_no_matplotlib_setting(fresh_import):
    assert fresh_import["rcparams_unchanged"]  # in a new python, matplotlib imported first (conftest.py)


def test_cosine_matrix_matches_torch():
    torch.manual_seed(0)
    a, b = torch.randn(5, 8), torch.randn(3, 8)
    expected = torch.nn.functional.cosine_similarity(a[:, None], b[None], dim=-1)
    torch.testing.assert_close(bertkit.cosine_matrix(a, b), expected)
    torch.testing.assert_close(torch.diagonal(bertkit.cosine_matrix(a)), torch.ones(5))


@pytest.mark.parametrize("projection", bertkit.PROJECTION)
def test_projection_is_2d_and_deterministic(projection):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (15, 20)), rng.normal(5, 1, (15, 20))])
    p1, p2 = bertkit.project_2d(x, projection, seed=1), bertkit.project_2d(x, projection, seed=1)
    assert p1.shape == (30, 2)
    np.testing.assert_allclose(p1, p2)
    # the two clusters stay apart: every point is nearer its own cluster's centre than the other's
    centres = np.stack([p1[:15].mean(axis=0), p1[15:].mean(axis=0)])
    nearest = np.linalg.norm(p1[:, None] - centres[None], axis=-1).argmin(axis=1)
    np.testing.assert_array_equal(nearest, [0] * 15 + [1] * 15)


def test_projection_errors():
    with pytest.raises(ValueError, match="Valid"):
        bertkit.project_2d(np.zeros((5, 3)), "tsne")
    with pytest.raises(ValueError, match="n >= 3"):
        bertkit.project_2d(np.zeros((2, 3)))


def test_plot_helpers_draw():
    ax = bertkit.plot_heatmap(np.eye(3), row_labels=["a", "b", "c"], col_labels=["x", "y", "z"], title="t")
    assert len(ax.texts) == 9
    ax2 = bertkit.plot_2d(np.random.default_rng(0).normal(size=(6, 2)), [0, 1] * 3, names=list("abcdef"))
    assert len(ax2.collections) == 2
    with pytest.raises(ValueError, match="labels"):
        bertkit.plot_2d(np.zeros((3, 2)), [0, 1])
    plt.close("all")


def test_heatmap_panels_can_share_one_colour_scale():
    ax = bertkit.plot_heatmap(np.array([[0.2, 0.4]]), vmin=0.0, vmax=1.0)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    # text colour follows the shared scale: both cells are below its middle, so both get white text
    assert [t.get_color() for t in ax.texts] == ["white", "white"]
    plt.close("all")
