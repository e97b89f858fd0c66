"""What a person knows about the colors: point hints and a reference photo's palette, as the guided network sees them.

Two kinds of guidance (Zhang et al. 2017, "Real-Time User-Guided Image Colorization with
Learned Deep Priors"):

- **Point hints**: the ab of a few points. The network sees them as a hint map at its
  working resolution, HINT_CHANNELS planes: a / AB_SCALE and b / AB_SCALE where a hint is
  (0 elsewhere), and a mask that is 1 there. `hint_map` paints it from points;
  `simulate_hints` draws points from the truth for training.
- **A palette**: the distribution of a reference photo's colors over the ab cells of
  model/bins.py, all zeros for "no palette" (`palette_of`, `simulate_palette`).

After the network, `spread_hints` moves the decoded ab toward each hint by a weight of
distance and lightness, so that the output obeys its hints where they are; over an
automatic model's output the same spread is the hand-made baseline that the guided
network must beat.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from model import bins, color

HINT_CHANNELS = 3  # a / AB_SCALE, b / AB_SCALE, mask
PALETTE_STRIDE = 4  # a palette is counted on the ab averaged over 4x4 blocks
PALETTE_SIDE = 64  # a reference photo is seen at most this many pixels on its short side, for its palette
# After the network, each hint's residual (its ab minus the output's there) is spread over
# the ab grid by exp(-d^2 / 2 reach^2 - dL^2 / 2 lightness_reach^2), d in ab cells (a quarter
# of the short side at the working size 256 is 16 cells), so that it is obeyed where it is
# put and carries along its object's lightness. Chosen on 20 validation photos (1, 3 and 10
# true hints, median gain over gray, an early export of the guided model): at lightness reach
# 12, reach 8 / 16 / 24 cells gave +2.1 / +2.6 / +2.6 dB at 10 hints and +1.1 / +1.6 / +1.4 dB
# at 3; at reach 16, lightness reach 6 / 12 gave +1.5 / +1.6 dB at 3.
OBEY_REACH = 16.0  # ab cells
# Where wide reaches overlap, each hint's point gets a blend of its neighbors' residuals: a
# second, narrow spread then moves each point onto its own hint's color, and pin_hints sets
# the cells that the bilinear upsampling reads at the point to it.
EXACT_REACH = 1.5  # ab cells
LIGHTNESS_REACH = 12.0  # CIE L units: a neighbor this much lighter or darker takes exp(-1/2) of the move


@dataclasses.dataclass(frozen=True)
class HintSimulation:
    """How training draws hints from the truth (recorded in the run's config)."""

    none_share: float = 0.3  # crops with no hints at all
    geometric_p: float = 0.125  # otherwise 1 + Geometric(p) points, Zhang et al.'s count
    max_points: int = 32
    max_patch: int = 9  # square patches of 1 to max_patch pixels, each the truth's mean ab there
    palette_share: float = 0.4  # crops given a palette, from another window of the same photo


@dataclasses.dataclass(frozen=True)
class Hint:
    """One point hint in an image's pixels (x right, y down, origin top left), its ab and patch radius."""

    x: float
    y: float
    a: float
    b: float
    radius: float = 0.0


def hint_from_hex(x, y, color_hex, radius=0.0):
    """A Hint from '#rrggbb' sRGB: its ab (the lightness stays the photo's). ValueError names a bad color."""
    text = color_hex.strip()
    if len(text) != 7 or text[0] != "#":
        raise ValueError(f"color {color_hex!r} is not #rrggbb")
    try:
        rgb = np.array([[int(text[i:i + 2], 16) for i in (1, 3, 5)]], dtype=np.uint8)
    except ValueError:
        raise ValueError(f"color {color_hex!r} is not #rrggbb") from None
    _, a, b = color.srgb8_to_lab(rgb)[0]
    return Hint(float(x), float(y), float(a), float(b), float(radius))


def ab_to_hex(lightness, a, b):
    """'#rrggbb' of CIE L, a, b (clipped into sRGB): how a hint's color is written back."""
    rgb = color.lab_to_srgb8(np.float32([lightness]), np.float32([[a, b]]))[0]
    return "#" + "".join(f"{int(value):02x}" for value in rgb)


def hint_map(hints, image_shape, map_shape, padded_shape=None):
    """The hint map (rows, columns, HINT_CHANNELS) float32 for hints in an image of `image_shape` pixels.

    `map_shape`: the (rows, columns) at which the network sees the image; `padded_shape`: that
    padded to the network's multiple (the padding carries no hints). Each hint paints a square of
    its radius scaled to the map, at least one map pixel.
    """
    rows, columns = padded_shape or map_shape
    planes = np.zeros((rows, columns, HINT_CHANNELS), dtype=np.float32)
    scale_y, scale_x = map_shape[0] / image_shape[0], map_shape[1] / image_shape[1]
    for hint in hints:
        center_y, center_x = (hint.y + 0.5) * scale_y - 0.5, (hint.x + 0.5) * scale_x - 0.5
        reach_y, reach_x = hint.radius * scale_y, hint.radius * scale_x
        top = int(np.clip(np.floor(center_y - reach_y + 0.5), 0, map_shape[0] - 1))
        bottom = int(np.clip(np.floor(center_y + reach_y + 0.5), top, map_shape[0] - 1)) + 1
        left = int(np.clip(np.floor(center_x - reach_x + 0.5), 0, map_shape[1] - 1))
        right = int(np.clip(np.floor(center_x + reach_x + 0.5), left, map_shape[1] - 1)) + 1
        planes[top:bottom, left:right] = (hint.a / color.AB_SCALE, hint.b / color.AB_SCALE, 1.0)
    return planes


def palette_of_ab(ab, centers):
    """The palette (Q,) float32 of ab values (..., 2): their soft-encoded cells, averaged, summing to 1."""
    flat = tf.reshape(tf.cast(ab, tf.float32), [-1, 2])
    return tf.reduce_mean(bins.soft_encode(flat, centers), axis=0)


def palette_of(rgb, centers):
    """The palette of a color photo, uint8 RGB (H, W, 3), seen at PALETTE_SIDE pixels on its short side."""
    from PIL import Image

    height, width = rgb.shape[:2]
    scale = min(1.0, PALETTE_SIDE / min(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))
    return palette_of_ab(color.srgb8_to_lab(rgb)[..., 1:], centers).numpy()


def no_palette(num_bins):
    """The 'no palette' state: all zeros."""
    return np.zeros(num_bins, dtype=np.float32)


def _pooled_ab(lab, stride):
    """ab of a Lab batch (B, H, W, 3) averaged over stride x stride blocks (H, W multiples of stride)."""
    ab = lab[..., 1:]
    shape = tf.shape(ab)
    blocks = tf.reshape(ab, [shape[0], shape[1] // stride, stride, shape[2] // stride, stride, 2])
    return tf.reduce_mean(blocks, axis=[2, 4])


def simulate_hints(lab, map_size, simulation, seed=None):
    """Hint maps (B, map_size, map_size, HINT_CHANNELS) drawn from the truth, a Lab batch (B, S, S, 3).

    Per image: no hints with probability none_share, else 1 + Geometric(geometric_p) points (at
    most max_points), each a square of 1 to max_patch pixels at a uniform position, set to the
    truth's mean ab in it. Drawn at the truth's resolution S, then enlarged to map_size (a
    multiple of S: CIFAR-10's 32-pixel images are seen at 128).
    """
    generator = tf.random.Generator.from_non_deterministic_state() if seed is None \
        else tf.random.Generator.from_seed(seed)
    return _simulate_hints(lab, map_size, simulation, generator)


def _simulate_hints(lab, map_size, simulation, generator):
    batch, side = tf.shape(lab)[0], tf.shape(lab)[1]
    points = simulation.max_points
    # 1 + Geometric(p): the number of failures before a success, by inversion.
    geometric = 1.0 + tf.floor(tf.math.log(generator.uniform([batch, 1], minval=1e-7, maxval=1.0))
                               / tf.math.log(1.0 - simulation.geometric_p))
    count = tf.where(generator.uniform([batch, 1]) < simulation.none_share, 0.0,
                     tf.minimum(geometric, float(points)))
    active = tf.cast(tf.range(points, dtype=tf.float32)[None] < count, tf.float32)  # (B, N)
    size = tf.cast(generator.uniform([batch, points], minval=1, maxval=simulation.max_patch + 1, dtype=tf.int32),
                   tf.float32)
    side_f = tf.cast(side, tf.float32)
    top = tf.floor(generator.uniform([batch, points]) * (side_f - size + 1.0))
    left = tf.floor(generator.uniform([batch, points]) * (side_f - size + 1.0))
    coordinates = tf.range(side_f)
    rows = tf.cast((coordinates[None, None] >= top[..., None]) & (coordinates[None, None] < (top + size)[..., None]),
                   tf.float32)  # (B, N, S)
    columns = tf.cast((coordinates[None, None] >= left[..., None])
                      & (coordinates[None, None] < (left + size)[..., None]), tf.float32)
    rows *= active[..., None]
    member = rows[..., :, None] * columns[..., None, :]  # (B, N, S, S)
    area = tf.maximum(tf.reduce_sum(member, axis=[2, 3]), 1.0)  # (B, N)
    ab = lab[..., 1:]
    means = tf.einsum("bnhw,bhwc->bnc", member, ab) / area[..., None]  # (B, N, 2)
    coverage = tf.reduce_sum(member, axis=1)  # (B, S, S): overlapping patches share the pixel
    painted = tf.einsum("bnhw,bnc->bhwc", member, means) / tf.maximum(coverage, 1.0)[..., None]
    mask = tf.cast(coverage > 0, tf.float32)[..., None]
    planes = tf.concat([painted / color.AB_SCALE * mask, mask], axis=-1)
    factor = map_size // side
    if factor > 1:
        planes = tf.repeat(tf.repeat(planes, factor, axis=1), factor, axis=2)
    return planes


def simulate_palette(lab, num_bins_centers, simulation, seed=None):
    """Palettes (B, Q) of a window of each image (half to all of each side), or zeros (no palette).

    The window stands in for another crop of the same photo: it carries the scene's colors
    in other proportions, not this crop's layout.
    """
    generator = tf.random.Generator.from_non_deterministic_state() if seed is None \
        else tf.random.Generator.from_seed(seed)
    return _simulate_palette(lab, num_bins_centers, simulation, generator)


def _simulate_palette(lab, centers, simulation, generator):
    stride = PALETTE_STRIDE if lab.shape[1] is None or lab.shape[1] >= 8 * PALETTE_STRIDE else 1
    ab = _pooled_ab(lab, stride)  # (B, s, s, 2)
    batch, side = tf.shape(ab)[0], tf.shape(ab)[1]
    side_f = tf.cast(side, tf.float32)
    window = tf.floor(side_f * generator.uniform([batch, 2], minval=0.5, maxval=1.0))  # rows, columns
    start = tf.floor(generator.uniform([batch, 2]) * (side_f - window + 1.0))
    coordinates = tf.range(side_f)
    inside_rows = (coordinates[None] >= start[:, :1]) & (coordinates[None] < start[:, :1] + window[:, :1])
    inside_columns = (coordinates[None] >= start[:, 1:]) & (coordinates[None] < start[:, 1:] + window[:, 1:])
    inside = tf.cast(inside_rows[:, :, None] & inside_columns[:, None, :], tf.float32)  # (B, s, s)
    encoded = bins.soft_encode(ab, tf.constant(centers))  # (B, s, s, Q)
    palette = tf.einsum("bhwq,bhw->bq", encoded, inside) / tf.reduce_sum(inside, axis=[1, 2])[:, None]
    present = tf.cast(generator.uniform([batch, 1]) < simulation.palette_share, tf.float32)
    return palette * present


def draw_true_hints(lab, count, seed, max_patch=9):
    """`count` hints drawn from the truth of one image, Lab (H, W, 3): how an evaluation simulates a person.

    Each is a square of 1 to `max_patch` pixels at a uniform position, its ab the truth's mean
    there, its radius half the square. Nested: the first 3 of `count` 10 are the 3 of count 3.
    """
    height, width = lab.shape[:2]
    generator = np.random.default_rng(seed)
    drawn = []
    for _ in range(count):
        side = int(generator.integers(1, max_patch + 1))
        top = int(generator.integers(0, max(1, height - side + 1)))
        left = int(generator.integers(0, max(1, width - side + 1)))
        a, b = np.asarray(lab[top:top + side, left:left + side, 1:]).reshape(-1, 2).mean(axis=0)
        drawn.append(Hint(left + side / 2 - 0.5, top + side / 2 - 0.5, float(a), float(b), side / 2))
    return tuple(drawn)


def spread_hints(ab, lightness, hints, reach, lightness_reach=LIGHTNESS_REACH):
    """ab (h, w, 2) moved toward the hints by a weight of distance and lightness.

    `hints`: (row, column, a, b) or (row, column, a, b, reach) in the ab grid's own coordinates
    (fractional), a fifth value its own reach in place of `reach`; `lightness`:
    CIE L on the same grid (h, w). Each hint's residual (its ab minus the grid's at its point)
    is added with weight exp(-d^2 / 2 reach^2 - dL^2 / 2 lightness_reach^2), the sum of weights
    normalized to at most 1, so that at a hint's own point the output is its color.
    """
    if not len(hints):
        return ab
    height, width = ab.shape[:2]
    rows = np.arange(height, dtype=np.float32)[:, None]
    columns = np.arange(width, dtype=np.float32)[None, :]
    moved = np.zeros_like(ab, dtype=np.float32)
    total = np.zeros((height, width), dtype=np.float32)
    for row, column, a, b, *own_reach in hints:
        hint_reach = own_reach[0] if own_reach else reach
        at = (int(np.clip(round(row), 0, height - 1)), int(np.clip(round(column), 0, width - 1)))
        residual = np.float32([a, b]) - ab[at]
        distance = ((rows - row) ** 2 + (columns - column) ** 2) / np.float32(2.0 * hint_reach ** 2)
        contrast = (lightness - lightness[at]) ** 2 / np.float32(2.0 * lightness_reach ** 2)
        weight = np.exp(-(distance + contrast)).astype(np.float32)
        moved += weight[..., None] * residual
        total += weight
    return ab + moved / np.maximum(total, 1.0)[..., None]


def pin_hints(ab, lightness, hints, lightness_reach=LIGHTNESS_REACH):
    """ab (h, w, 2) with the (up to) four cells around each hint's point set to its color.

    `hints` as for spread_hints, in the grid's coordinates. Those four cells are what a
    bilinear upsampling reads at the point, so the point itself comes out the hint's color;
    a cell across a lightness edge from the point keeps exp(-dL^2 / 2 lightness_reach^2) of
    its own color. Where two hints share a cell, it takes their blend.
    """
    if not len(hints):
        return ab
    height, width = ab.shape[:2]
    moved = np.zeros_like(ab, dtype=np.float32)
    total = np.zeros((height, width), dtype=np.float32)
    for row, column, a, b, *_ in hints:
        row, column = float(np.clip(row, 0, height - 1)), float(np.clip(column, 0, width - 1))
        top, left = int(np.floor(row)), int(np.floor(column))
        cells = (slice(top, min(top + 2, height)), slice(left, min(left + 2, width)))
        at = lightness[int(round(row)), int(round(column))]
        weight = np.exp(-(lightness[cells] - at) ** 2 / np.float32(2.0 * lightness_reach ** 2)).astype(np.float32)
        moved[cells] += weight[..., None] * (np.float32([a, b]) - ab[cells])
        total[cells] += weight
    return ab + moved / np.maximum(total, 1.0)[..., None]
