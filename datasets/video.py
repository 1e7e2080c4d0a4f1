"""`saferkit data synth-video`: procedural clips built from the kit's scenes (no people).

A clip is one to three shots. Each shot is a scene of `datasets.scene` (the
same backgrounds, distractors and palettes as the images) rendered larger than
the frame and filmed by a virtual camera that pans and zooms across it, under
a light that may brighten or dim during the shot; shots are joined by hard
cuts. In a positive, a target marker (star, ring, cross, diamond, with a rim,
as in the images) is visible from `marker_start` to `marker_end` seconds (the
ground truth in the manifest); a negative shows a distractor shape in the same
segment, so the only difference between classes is the marker's shape. The
six subgroup attributes mean what they mean for images; `device` sets the
encoder's quality (CRF) and a resolution loss. Clips are H.264 (libx264) in
MP4 by default; MKV, MOV and MPEG-TS also carry H.264, AVI carries MPEG-4
Part 2 and WebM VP8. Same arguments, same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image, ImageDraw

from saferkit import __version__
from saferkit.core.atomic import staged_folder
from saferkit.core.digest import bytes_sha256
from saferkit.core.errors import UserError
from saferkit.datasets.manifest import ATTRIBUTES, CATEGORIES, MANIFEST_NAME, NEGATIVE_CATEGORY
from saferkit.datasets.output import check_destination
from saferkit.datasets.provenance import PROVENANCE_NAME, require_provenance
from saferkit.datasets.scene import OCCLUDED_SHARE, SCALE_RADIUS, _occluder, render_scene
from saferkit.datasets.shapes import DISTRACTOR_KINDS, draw_shape

GENERATOR_NAME = "saferkit.datasets.video"
GENERATOR_VERSION = "1"
CONTAINERS = {  # container -> (file suffix, PyAV format, video codec)
    "mp4": (".mp4", "mp4", "libx264"),
    "mkv": (".mkv", "matroska", "libx264"),
    "mov": (".mov", "mov", "libx264"),
    "ts": (".ts", "mpegts", "libx264"),
    "avi": (".avi", "avi", "mpeg4"),
    "webm": (".webm", "webm", "libvpx"),
}
DEVICE_CRF = {"hq": 20, "mid": 27, "low": 34}
DEVICE_KEEP = {"hq": 1.0, "mid": 0.8, "low": 0.6}  # resolution kept before upscaling back
DEVICE_BITRATE = {"hq": 2_000_000, "mid": 700_000, "low": 250_000}  # codecs without CRF
WORLD_MARGIN = 1.35  # the scene is this much larger than the frame, so the camera can move
LIGHT_CHANGE = (0.7, 1.3)
MARKER_COLOURS = ("palette", "red")
VIDEO_COLUMNS = ("path", "split", "flag", "category", *ATTRIBUTES, "seed", "seconds", "fps", "width", "height",
                 "container", "codec", "shots", "cuts", "marker_start", "marker_end", "marker_colour")


@dataclass(frozen=True)
class ClipSpec:
    """Everything that fixes one clip's bytes (a manifest row)."""

    path: str
    split: str
    flag: int
    category: str
    palette: str
    lighting: str
    background: str
    device: str
    scale: str
    occlusion: str
    seed: int
    seconds: float
    fps: int
    width: int
    height: int
    container: str
    codec: str
    shots: int
    cuts: str  # cut times in seconds, ";"-separated
    marker_start: float
    marker_end: float
    marker_colour: str = "palette"

    def row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VideoConfig:
    """The arguments of `synth-video` that change the output."""

    n: int = 8
    seed: int = 0
    seconds: float = 6.0
    fps: int = 15
    width: int = 160
    height: int = 120
    container: str = "mp4"
    positive_share: float = 0.5
    marker_colour: str = "palette"
    backgrounds: tuple[str, ...] = ATTRIBUTES["background"]

    def check(self) -> None:
        if self.n < 1:
            raise UserError("--n must be at least 1.")
        if not 1.0 <= self.seconds <= 600:
            raise UserError("--seconds must be between 1 and 600.")
        if not 1 <= self.fps <= 60:
            raise UserError("--fps must be between 1 and 60.")
        if not (32 <= self.width <= 1920 and 32 <= self.height <= 1080) or self.width % 2 or self.height % 2:
            raise UserError("--size must be WIDTHxHEIGHT, even numbers, from 32x32 up to 1920x1080.")
        if self.container not in CONTAINERS:
            raise UserError(f"unknown container {self.container!r}; choose from {', '.join(CONTAINERS)}.")
        if self.marker_colour not in MARKER_COLOURS:
            raise UserError(f"--marker-colour must be one of {', '.join(MARKER_COLOURS)}.")
        if not self.backgrounds or set(self.backgrounds) - set(ATTRIBUTES["background"]):
            raise UserError(f"backgrounds must be some of {', '.join(ATTRIBUTES['background'])}.")


def parse_size(text: str) -> tuple[int, int]:
    """'WIDTHxHEIGHT' -> (width, height)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size {text!r} is not WIDTHxHEIGHT (for example 160x120).") from None
    return width, height


def plan_clips(config: VideoConfig) -> list[ClipSpec]:
    """Every clip's spec from the seed alone: labels alternate, attributes cycle, times are drawn."""
    config.check()
    rng = np.random.default_rng(config.seed)
    positives = round(config.n * config.positive_share)
    flags = [1] * positives + [0] * (config.n - positives)
    rng.shuffle(flags)
    suffix, _, codec = CONTAINERS[config.container]
    specs = []
    for k, flag in enumerate(flags):
        choices = {**ATTRIBUTES, "background": tuple(config.backgrounds)}
        attributes = {name: values[int(rng.integers(len(values)))] for name, values in choices.items()}
        shots = int(rng.integers(1, 4)) if config.seconds >= 3 else 1
        cut_times = sorted(float(t) for t in rng.uniform(0.25, 0.75, size=shots - 1) * config.seconds)
        length = float(rng.uniform(0.25, 0.45)) * config.seconds
        start = float(rng.uniform(0.1, 0.9 - length / config.seconds)) * config.seconds
        specs.append(ClipSpec(
            path=f"videos/clip_{k:05d}{suffix}", split="test", flag=flag,
            category=CATEGORIES[int(rng.integers(len(CATEGORIES)))] if flag else NEGATIVE_CATEGORY,
            seed=int(rng.integers(2**31 - 1)), seconds=config.seconds, fps=config.fps, width=config.width,
            height=config.height, container=config.container, codec=codec, shots=shots,
            cuts=";".join(f"{t:.3f}" for t in cut_times), marker_start=round(start, 3),
            marker_end=round(start + length, 3), marker_colour=config.marker_colour, **attributes))
    return specs


@dataclass
class _Shot:
    world: Image.Image
    start_box: tuple[float, float, float]  # centre x, centre y, zoom (window side / world side)
    end_box: tuple[float, float, float]
    light: tuple[float, float]


def _shots(spec: ClipSpec) -> tuple[list[float], list[_Shot]]:
    """Shot start times and each shot's scene, camera path and light ramp."""
    rng = np.random.default_rng(spec.seed)
    side = int(math.ceil(max(spec.width, spec.height) * WORLD_MARGIN / 2) * 2)
    starts = [0.0] + [float(t) for t in spec.cuts.split(";") if t]
    shots = []
    for _ in starts:
        row = {"flag": 0, "category": NEGATIVE_CATEGORY, "palette": spec.palette, "background": spec.background,
               "scale": spec.scale, "occlusion": "none", "lighting": spec.lighting, "device": "hq",
               "seed": int(rng.integers(2**31 - 1))}
        world = render_scene(row, side)
        boxes = [(float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.62, 0.74)))
                 for _ in range(2)]
        light = (1.0, float(rng.uniform(*LIGHT_CHANGE))) if rng.random() < 0.5 else (1.0, 1.0)
        shots.append(_Shot(world, boxes[0], boxes[1], light))
    return starts, shots


def _camera(shot: _Shot, t: float, width: int, height: int) -> Image.Image:
    """The frame the camera sees at progress t (0-1) through the shot: pan and zoom by linear interpolation."""
    (x0, y0, z0), (x1, y1, z1) = shot.start_box, shot.end_box
    side = shot.world.width
    zoom = z0 + (z1 - z0) * t
    window_w = zoom * side
    window_h = window_w * height / width
    cx = (x0 + (x1 - x0) * t) * side
    cy = (y0 + (y1 - y0) * t) * side
    cx = min(max(cx, window_w / 2), side - window_w / 2)
    cy = min(max(cy, window_h / 2), side - window_h / 2)
    box = (cx - window_w / 2, cy - window_h / 2, cx + window_w / 2, cy + window_h / 2)
    return shot.world.resize((width, height), Image.Resampling.BILINEAR, box=box)


def _marker_layout(spec: ClipSpec) -> tuple[str, float, float, float, float, tuple[int, int, int], tuple[int, int, int], list | None, tuple]:
    """Where the slot object sits in the frame during the segment, and what it looks like."""
    from saferkit.datasets.camera import PALETTES, object_colour

    rng = np.random.default_rng(spec.seed + 7919)
    side = min(spec.width, spec.height)
    radius = float(rng.uniform(*SCALE_RADIUS[spec.scale])) * side * 1.4
    cx = float(rng.uniform(radius * 1.1, spec.width - radius * 1.1))
    cy = float(rng.uniform(radius * 1.1, spec.height - radius * 1.1))
    angle = float(rng.uniform(0, 2 * math.pi))
    colour = object_colour(PALETTES[spec.palette], rng.random(3), 0.5)
    if spec.marker_colour == "red":
        colour = (235, 20, 20)
    rim = (255, 255, 255) if rng.random() < 0.5 else (0, 0, 0)
    kind = spec.category if spec.flag else DISTRACTOR_KINDS[int(rng.integers(len(DISTRACTOR_KINDS)))]
    low, high = OCCLUDED_SHARE[spec.occlusion]
    card = _occluder(cx, cy, radius, float(rng.uniform(low, high)), rng) if high > 0 else None
    card_colour = object_colour(PALETTES[spec.palette], rng.random(3), 0.5)
    return kind, cx, cy, radius, angle, colour, rim, card, card_colour


def render_frames(spec: ClipSpec) -> Any:
    """Yield the clip's RGB frames (H x W x 3 uint8), in order."""
    starts, shots = _shots(spec)
    ends = starts[1:] + [spec.seconds]
    kind, cx, cy, radius, angle, colour, rim, card, card_colour = _marker_layout(spec)
    keep = DEVICE_KEEP[spec.device]
    total = int(round(spec.seconds * spec.fps))
    for number in range(total):
        t = number / spec.fps
        k = max(i for i, s in enumerate(starts) if s <= t)
        progress = (t - starts[k]) / max(ends[k] - starts[k], 1e-6)
        frame = _camera(shots[k], progress, spec.width, spec.height)
        if spec.marker_start <= t < spec.marker_end:
            draw = ImageDraw.Draw(frame)
            draw_shape(draw, kind, cx, cy, radius, angle, colour, rim=rim if spec.flag else None)
            if card is not None:
                draw.polygon(card, fill=card_colour)
        low, high = shots[k].light
        gain = low + (high - low) * progress
        pixels = np.asarray(frame, dtype=np.float32)
        if gain != 1.0:
            pixels = pixels * gain
        image = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
        if keep < 1.0:
            small = (max(16, round(spec.width * keep)), max(16, round(spec.height * keep)))
            image = image.resize(small, Image.Resampling.BILINEAR).resize((spec.width, spec.height), Image.Resampling.BILINEAR)
        yield np.asarray(image)


def encode_frames(frames: Any, path: str | Path | io.BytesIO, *, fps: float, width: int, height: int,
                  container: str = "mp4", codec: str | None = None, quality: str = "hq",
                  bitrate: int | None = None, crf: int | None = None) -> None:
    """Write RGB frames as a video with PyAV (the one writer: synth-video and the video benchmark use it).

    H.264 is encoded at a constant quality (CRF, from `quality` or `crf`) unless
    a `bitrate` is given; other codecs at a bitrate. One encoder thread keeps the bytes reproducible.
    """
    import av

    from saferkit.core.video import as_fraction

    _, fmt, default_codec = CONTAINERS[container]
    codec = codec or default_codec
    with av.open(path, mode="w", format=fmt, options={"fflags": "+bitexact"}) as output:  # no random ids or dates
        stream: Any = output.add_stream(codec, rate=as_fraction(fps))  # a VideoStream
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        options = {"threads": "1"}
        if codec == "libx264":
            # No macroblock-tree lookahead: with it the bytes varied from run to run (measured); the quality cost is small.
            options.update({"preset": "veryfast", "x264-params": "mbtree=0:rc-lookahead=0"})
            if bitrate:
                stream.bit_rate = bitrate
            else:
                options["crf"] = str(crf if crf is not None else DEVICE_CRF.get(quality, 23))
        else:
            stream.bit_rate = bitrate or DEVICE_BITRATE.get(quality, 1_000_000)
        stream.options = options
        tick = 1 / as_fraction(fps)
        for number, pixels in enumerate(frames):
            # Converted here, not inside encode(): PyAV's implicit conversion made the output vary run to run.
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = number, tick
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))


def write_clip(spec: ClipSpec, path: str | Path | io.BytesIO) -> None:
    """Render and encode one clip."""
    encode_frames(render_frames(spec), path, fps=spec.fps, width=spec.width, height=spec.height,
                  container=spec.container, codec=spec.codec, quality=spec.device)


def clip_bytes(spec: ClipSpec) -> bytes:
    """One clip's file in memory (tests and benchmarks)."""
    buffer = io.BytesIO()
    write_clip(spec, buffer)
    return buffer.getvalue()


def _manifest(specs: list[ClipSpec]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(VIDEO_COLUMNS)
    for spec in specs:
        row = spec.row()
        writer.writerow([row[column] for column in VIDEO_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def read_video_manifest(root: str | Path) -> list[ClipSpec]:
    """The clips of a synth-video folder (checks its provenance first)."""
    root = Path(root)
    require_provenance(root)
    names = {f.name: f.type for f in fields(ClipSpec)}
    with open(root / MANIFEST_NAME, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    casts = {"int": int, "float": float, "str": str}
    return [ClipSpec(**{k: casts[str(names[k])](v) for k, v in row.items() if k in names}) for row in rows]


def generate_videos(out: str | Path, config: VideoConfig, *, overwrite: bool = False,
                    on_progress: Callable[[int], None] | None = None) -> tuple[Path, list[ClipSpec], str]:
    """Write the clips, manifest.csv and provenance.json into `out` (all or nothing)."""
    out = Path(out)
    specs = plan_clips(config)
    check_destination(out, overwrite)
    with staged_folder(out) as staging:
        (staging / "videos").mkdir()
        for spec in specs:
            write_clip(spec, staging / spec.path)
            if on_progress:
                on_progress(1)
        manifest = _manifest(specs)
        digest = bytes_sha256(manifest)
        (staging / MANIFEST_NAME).write_bytes(manifest)
        record = {
            "content": "synthetic",
            "source": "Procedurally generated by saferkit's synthetic video generator: camera moves over drawn "
                      "scenes of geometric shapes on plain, textured or cluttered backgrounds. No people.",
            "license": "CC0-1.0",
            "permitted_by": "saferkit generator: synthetic content, no third-party rights beyond CC0 textures",
            "attestation": {"no_sexual_or_abuse_material": True, "no_identifiable_children": True,
                            "statement": "Every frame is drawn from geometric primitives by code; none depicts a person."},
            "generator": {"name": GENERATOR_NAME, "version": GENERATOR_VERSION, "saferkit_version": __version__},
            "seed": config.seed, "parameters": asdict(config), "manifest_sha256": digest,
            "classes": {"positive": list(CATEGORIES), "negative": [NEGATIVE_CATEGORY]},
        }
        (staging / PROVENANCE_NAME).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        require_provenance(staging)
    return out, specs, digest
