"""Synthetic handwriting for tests and the demo: plausible signatures, never a real person's.

Each character of a two- or three-character "name" is a few basic brush strokes (横 竖 撇 捺
点) bent by sums of sinusoids and sampled like a 200 Hz digitizer, with pressure that rises
and tails off, so rendering, hashing and signing see realistic captures.
"""

from __future__ import annotations

import math
import random

from desktop.documents.capture import SignatureCapture, Stroke, StrokePoint

SYNTHETIC_WIDTH_MM = 150.0
SYNTHETIC_HEIGHT_MM = 60.0
SYNTHETIC_DEVICE = "synthetic pad (not a real device)"
_SAMPLE_MS = 5  # 200 Hz, a typical digitizer rate

# Basic brush strokes of Chinese characters, in a unit cell: (start, end) in 0..1 units.
# 横 (horizontal), 竖 (vertical), 撇 (left-falling), 捺 (right-falling), 点 (dot).
_BRUSH_STROKES: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = (
    ((0.10, 0.30), (0.90, 0.27)),
    ((0.15, 0.62), (0.85, 0.60)),
    ((0.50, 0.10), (0.52, 0.90)),
    ((0.55, 0.15), (0.12, 0.85)),
    ((0.45, 0.40), (0.92, 0.88)),
    ((0.40, 0.08), (0.48, 0.20)),
    ((0.20, 0.20), (0.25, 0.80)),
    ((0.20, 0.85), (0.85, 0.82)),
)


def synthetic_signature(page_index: int, page_digest: str, seed: int) -> SignatureCapture:
    """A plausible handwritten name (two or three characters) for tests and the demo.

    Each character is a few brush strokes, each a straight path bent by a sum of sinusoids,
    sampled at 200 Hz with a pressure that rises, holds and tails off. The same arguments give
    the same capture.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    characters = rng.choice((2, 3, 3))
    cell = min(SYNTHETIC_HEIGHT_MM * 0.7, (SYNTHETIC_WIDTH_MM - 20.0) / characters)
    baseline_x = (SYNTHETIC_WIDTH_MM - cell * characters) / 2
    top = (SYNTHETIC_HEIGHT_MM - cell) / 2
    slant = rng.uniform(-0.12, 0.05)
    t_ms = 0
    strokes: list[Stroke] = []
    for char in range(characters):
        left = baseline_x + char * cell + rng.uniform(-1.5, 1.5)
        shapes = rng.sample(_BRUSH_STROKES, rng.randint(3, 5))
        for (sx, sy), (ex, ey) in shapes:
            n = rng.randint(25, 60)
            waves = [
                (rng.uniform(0.3, 1.6), rng.uniform(0.5, 3.0), rng.uniform(0.0, math.tau))
                for _ in range(3)
            ]
            peak = rng.uniform(0.55, 0.95)
            shake = 0.2 + 0.8 * math.hypot(ex - sx, ey - sy)  # short strokes wobble less
            points: list[StrokePoint] = []
            for i in range(n):
                s = i / (n - 1)
                u = sx + (ex - sx) * s
                v = sy + (ey - sy) * s
                wobble = sum(a * math.sin(math.tau * f * s + ph) for a, f, ph in waves)
                x = left + cell * (u + slant * (v - 0.5)) + wobble * 0.6 * shake
                y = top + cell * v + wobble * 0.4 * shake
                pressure = peak * min(1.0, 4 * s, 5 * (1 - s) + 0.15)
                points.append(
                    StrokePoint(
                        t_ms=t_ms,
                        x=min(max(x, 0.0), SYNTHETIC_WIDTH_MM),
                        y=min(max(y, 0.0), SYNTHETIC_HEIGHT_MM),
                        pressure=min(max(pressure, 0.05), 1.0),
                    )
                )
                t_ms += _SAMPLE_MS
            strokes.append(Stroke(points=tuple(points)))
            t_ms += rng.randint(80, 350)  # pen lifted between strokes
        t_ms += rng.randint(200, 600)
    return SignatureCapture(
        page_index=page_index,
        page_digest=page_digest,
        width_mm=SYNTHETIC_WIDTH_MM,
        height_mm=SYNTHETIC_HEIGHT_MM,
        strokes=tuple(strokes),
        device=SYNTHETIC_DEVICE,
    )
