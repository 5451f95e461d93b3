"""Rendering: top-down pixel mapping, heights, colours, segmentation, hidden end effector, views."""

from __future__ import annotations

import numpy as np
import pytest

from gensim.sim.constants import BOUNDS, PIX_SIZE

IDENTITY = (0.0, 0.0, 0.0, 1.0)


def pixel_of(x: float, y: float) -> tuple[int, int]:
    """The convention: row u -> y = y_min + u * pix, column v -> x = x_min + v * pix."""
    return int(round((y - BOUNDS[1][0]) / PIX_SIZE)), int(round((x - BOUNDS[0][0]) / PIX_SIZE))


def test_block_appears_at_the_expected_pixels(make_env, block_urdf):
    x, y = 0.4, 0.2  # off-centre on both axes, so that a flip or a transpose would show
    env = make_env([(block_urdf, ((x, y, 0.02), IDENTITY), {"color": "blue"})])
    color, height, segm = env.render_topdown(segmentation=True)
    assert color.shape == (320, 160, 3) and color.dtype == np.uint8
    assert height.shape == (320, 160) and height.dtype == np.float32
    assert segm.shape == (320, 160)
    rows, cols = np.nonzero(height > 0.03)
    u, v = pixel_of(x, y)
    assert abs(rows.mean() - u) < 1.0 and abs(cols.mean() - v) < 1.0
    # The 4 cm block spans 12.8 pixels each way.
    assert 12 <= rows.max() - rows.min() + 1 <= 14 and 12 <= cols.max() - cols.min() + 1 <= 14
    assert height[u, v] == pytest.approx(0.04, abs=1e-3)
    assert height[5, 5] == pytest.approx(0.0, abs=1e-4)  # bare table
    assert segm[u, v] == env.task.ids[0]
    assert set(np.unique(segm[height > 0.03])) == {env.task.ids[0]}
    from gensim.sim.colors import COLORS

    assert np.allclose(color[u, v], np.array(COLORS["blue"]) * 255, atol=3)
    assert np.array_equal(color[5, 5], env.ground.table_color)
    assert segm[5, 5] == env.ground.table_id


def test_heights_follow_object_tops(make_env, tmp_path):
    from sim_fixtures import write_box

    tall = str(write_box(tmp_path, "tall", "0.04 0.04 0.12"))
    env = make_env([(tall, ((0.6, -0.3, 0.06), IDENTITY), {})])
    _, height = env.render_topdown()
    assert height[pixel_of(0.6, -0.3)] == pytest.approx(0.12, abs=1e-3)


def test_end_effector_never_occludes(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.5, 0.0, 0.02), IDENTITY), {})])
    _, clear = env.render_topdown()
    env.ee.set_visible(True)  # as in a GUI session
    env.ee.teleport(((0.55, 0.0, 0.1), IDENTITY))  # right above the table, in view
    _, height = env.render_topdown()
    assert np.array_equal(height, clear)
    assert env.ee.visible  # shown again after the render


def test_three_views_and_their_fusion(make_env, block_urdf):
    from gensim.sim.cameras import RealSenseD415, look_at_rotation
    from gensim.sim.render import fuse_views

    env = make_env([(block_urdf, ((0.45, -0.1, 0.02), IDENTITY), {})], render_obs=True, render_views=True)
    views = env.obs["views"]
    assert len(views) == 3
    for rgb, depth in views:
        assert rgb.shape == (480, 640, 3) and rgb.dtype == np.uint8
        assert depth.shape == (480, 640) and depth.dtype == np.float32
    # The front camera is tilted 45 degrees down: its optical axis meets the table 1.06 m away.
    assert views[0][1][240, 320] == pytest.approx(0.75 * np.sqrt(2), abs=2e-3)
    assert np.array_equal(views[0][0][240, 320], env.ground.table_color)
    # A camera looking at the horizon sees sky (white, depth = far) above and ground below.
    level = dict(RealSenseD415.CONFIG[0], position=(0.0, 0.0, 0.1), rotation=look_at_rotation((0, 0, 0.1), (1, 0, 0.1)))
    rgb, depth = env.render_camera(level)
    assert np.array_equal(rgb[10, 320], (255, 255, 255)) and depth[10, 320] == pytest.approx(10.0)
    assert depth[470, 320] == pytest.approx(450 * 0.1 / (470 - 240), rel=0.01)  # ground hit
    color, height = fuse_views(views, RealSenseD415.CONFIG, BOUNDS, PIX_SIZE)
    assert color.shape == (320, 160, 3) and height.shape == (320, 160)
    u, v = pixel_of(0.45, -0.1)
    assert height[u, v] == pytest.approx(0.04, abs=2e-3)
    assert np.median(np.abs(height - env.obs["height"])) < 1e-3  # agrees with the top-down camera


def test_projection_helpers():
    from gensim.sim.cameras import look_at_rotation, quaternion_to_matrix
    from gensim.sim.render import depth_planes, orthographic_projection, zbuffer_to_depth

    rot = quaternion_to_matrix(look_at_rotation((1.0, 0.0, 0.75), (0.5, 0.0, 0.0)))
    assert np.allclose(rot[:, 2], np.array([-0.5, 0.0, -0.75]) / np.linalg.norm([0.5, 0.75]))
    assert rot[2, 1] < 0  # image "down" points down in the world
    near, far = depth_planes(orthographic_projection(0.25, 0.5, 0.01, 2.0))
    assert 0 < near < 1.0 < far
    d = (far + near - 2 * near * far / 0.8) / (2 * (far - near)) + 0.5
    assert zbuffer_to_depth(np.array([d]), near, far)[0] == pytest.approx(0.8, rel=1e-5)


def test_fused_observation_option_matches_the_direct_one(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.45, -0.1, 0.02), IDENTITY), {})], render_obs=True, fused_obs=True)
    fused_color, fused_height = env.obs["color"], env.obs["height"]
    assert "views" not in env.obs and fused_height.shape == (320, 160) and fused_color.dtype == np.uint8
    u, v = pixel_of(0.45, -0.1)
    assert fused_height[u, v] == pytest.approx(0.04, abs=2e-3)
    color, height = env.render_topdown()
    assert np.mean(np.abs(fused_height - height)) < 1e-3  # mm-level agreement (docs/fidelity.md)
    assert np.mean(np.abs(fused_color.astype(float) - color)) < 5


def test_oracle_segmentation_covers_border_pixels_like_the_reference(make_env, block_urdf):
    env = make_env([(block_urdf, ((0.45, -0.1, 0.02), IDENTITY), {})])
    block = env.obj_ids["rigid"][0]
    ids = env.render_oracle_ids()
    _, _, segm = env.render_topdown(segmentation=True)
    covered, direct = ids == block % 256, segm == block
    # about 2x2 samples per pixel, the reference's grid shifted by up to one sample from the
    # pixel-centre rays: mostly the same pixels, and the block's 4 cm (12.8 px) shows as 13-14 px
    assert direct.sum() > 100 and (covered & direct).sum() >= 0.9 * direct.sum()
    rows = np.nonzero(covered.any(axis=1))[0]
    assert 13 <= rows.max() - rows.min() + 1 <= 14
