"""Edits an offender or a platform makes to a video, at five severities, for the video benchmark.

Each transform decodes every frame of a clip (the one reader), edits the
frames or their timing, and encodes a new file (the one writer,
`datasets.video.encode_frames`). Severity 1 is mild, 5 severe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from saferkit.core.video import Sampling, read_frames
from saferkit.hashing.errors import HashingError

VIDEO_TRANSFORMS = ("reencode", "resize", "crop", "padding", "frame_rate", "trim", "speed", "overlay_text", "flip",
                    "picture_in_picture")
SEVERITIES = (1, 2, 3, 4, 5)
_REENCODE = {1: ("libx264", 30, None), 2: ("libx264", 36, None), 3: ("mpeg4", None, 300_000),
             4: ("libx264", 42, None), 5: ("mpeg4", None, 100_000)}
_RESIZE = {1: 0.75, 2: 0.5, 3: 0.4, 4: 0.3, 5: 0.25}
_CROP = {1: 0.95, 2: 0.9, 3: 0.85, 4: 0.8, 5: 0.7}  # share of width and height kept (centre)
_PAD = {1: 0.05, 2: 0.1, 3: 0.15, 4: 0.2, 5: 0.3}  # bar size as a share of the frame side, each side
_RATE = {1: 0.8, 2: 0.6, 3: 0.5, 4: 0.4, 5: 0.3}
_TRIM = {1: 0.9, 2: 0.75, 3: 0.6, 4: 0.45, 5: 0.3}  # share of the duration kept
_SPEED = {1: 1.1, 2: 1.25, 3: 1.5, 4: 1.75, 5: 2.0}
_OVERLAY = {1: 0.08, 2: 0.14, 3: 0.2, 4: 0.28, 5: 0.36}  # text band height as a share of the frame
_PIP = {1: 0.85, 2: 0.75, 3: 0.6, 4: 0.5, 5: 0.4}  # inset size as a share of the frame


@dataclass
class Clip:
    """Decoded frames (RGB, H x W x 3) and their frame rate."""

    frames: list[np.ndarray]
    fps: float

    @property
    def size(self) -> tuple[int, int]:
        height, width = self.frames[0].shape[:2]
        return width, height


def decode_clip(data: bytes | str) -> Clip:
    """Every frame of a (short) clip."""
    info, frames = read_frames(data, Sampling(interval=0, scene_threshold=None))
    return Clip([f.pixels for f in frames], info.fps or 25.0)


def _even(value: float) -> int:
    return max(16, int(round(value / 2)) * 2)


def _resize_all(frames: list[np.ndarray], width: int, height: int) -> list[np.ndarray]:
    return [np.asarray(Image.fromarray(f).resize((width, height), Image.Resampling.BILINEAR)) for f in frames]


def _retime(clip: Clip, fps: float, speed: float = 1.0, start: float = 0.0, seconds: float | None = None) -> list[np.ndarray]:
    """Frames at a new rate, playing `speed` times faster, from `start` for `seconds` (source seconds)."""
    total = len(clip.frames) / clip.fps
    end = total if seconds is None else min(total, start + seconds)
    out, k = [], 0
    while True:
        source_time = start + k * speed / fps
        if source_time >= end - 1e-9:
            break
        out.append(clip.frames[min(len(clip.frames) - 1, int(source_time * clip.fps + 1e-6))])
        k += 1
    return out


def transform_clip(clip: Clip, name: str, severity: int, seed: int = 0, background: np.ndarray | None = None) -> tuple[Clip, dict]:
    """The edited clip and how to encode it (codec, CRF or bitrate)."""
    if name not in VIDEO_TRANSFORMS:
        raise HashingError(f"unknown video transform {name!r}; choose from {', '.join(VIDEO_TRANSFORMS)}.")
    if severity not in SEVERITIES:
        raise HashingError("severity must be 1 to 5.")
    width, height = clip.size
    frames, fps, encode = clip.frames, clip.fps, {}
    if name == "reencode":
        codec, crf, bitrate = _REENCODE[severity]
        encode = {"codec": codec, "crf": crf, "bitrate": bitrate}
    elif name == "resize":
        frames = _resize_all(frames, _even(width * _RESIZE[severity]), _even(height * _RESIZE[severity]))
    elif name == "crop":
        keep = _CROP[severity]
        w, h = _even(width * keep), _even(height * keep)
        x, y = (width - w) // 2, (height - h) // 2
        frames = [np.ascontiguousarray(f[y : y + h, x : x + w]) for f in frames]
    elif name == "padding":
        bar = _PAD[severity]
        letterbox = seed % 2 == 0
        pad_y, pad_x = (_even(height * bar) // 2 * 2, 0) if letterbox else (0, _even(width * bar) // 2 * 2)
        frames = [np.pad(f, ((pad_y, pad_y), (pad_x, pad_x), (0, 0))) for f in frames]
    elif name == "frame_rate":
        fps = clip.fps * _RATE[severity]
        frames = _retime(clip, fps)
    elif name == "trim":
        total = len(clip.frames) / clip.fps
        keep = total * _TRIM[severity]
        start = (total - keep) * (0.5 if seed % 2 else 0.0)
        frames = _retime(clip, clip.fps, start=start, seconds=keep)
    elif name == "speed":
        frames = _retime(clip, clip.fps, speed=_SPEED[severity])
    elif name == "overlay_text":
        frames = [_overlay(f, _OVERLAY[severity], seed) for f in frames]
    elif name == "flip":
        frames = [np.ascontiguousarray(f[:, ::-1]) for f in frames]
    elif name == "picture_in_picture":
        frames = _picture_in_picture(frames, _PIP[severity], background, seed)
    return Clip(frames, fps), encode


def _overlay(frame: np.ndarray, share: float, seed: int) -> np.ndarray:
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    band = max(8, int(image.height * share))
    top = 0 if seed % 2 else image.height - band
    draw.rectangle((0, top, image.width, top + band), fill=(20, 20, 20))
    draw.text((4, top + band // 4), "SAMPLE WATERMARK 2026 @channel", fill=(240, 240, 240))
    draw.ellipse((image.width - band, top + 2, image.width - 4, top + band - 2), fill=(200, 40, 40))
    return np.asarray(image)


def _picture_in_picture(frames: list[np.ndarray], share: float, background: np.ndarray | None, seed: int) -> list[np.ndarray]:
    height, width = frames[0].shape[:2]
    if background is None:
        rng = np.random.default_rng(seed)
        background = rng.integers(0, 255, size=(height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    canvas = np.asarray(Image.fromarray(np.asarray(background, dtype=np.uint8)).resize((width, height), Image.Resampling.BILINEAR))
    w, h = _even(width * share), _even(height * share)
    x, y = (width - w) // 2 if seed % 2 else width - w - 4, (height - h) // 2 if seed % 2 else height - h - 4
    x, y = max(0, x), max(0, y)
    out = []
    for frame in frames:
        framed = canvas.copy()
        framed[y : y + h, x : x + w] = np.asarray(Image.fromarray(frame).resize((w, h), Image.Resampling.BILINEAR))
        out.append(framed)
    return out


def encode_clip(clip: Clip, encode: dict | None = None) -> bytes:
    """Encode a clip to MP4 bytes (H.264 CRF 23 unless `encode` says otherwise)."""
    import io

    from saferkit.datasets.video import encode_frames

    encode = encode or {}
    width, height = clip.size
    buffer = io.BytesIO()
    codec = encode.get("codec") or "libx264"
    quality = {"crf": encode["crf"]} if encode.get("crf") else {}
    encode_frames(clip.frames, buffer, fps=clip.fps, width=width, height=height, container="mp4", codec=codec,
                  bitrate=encode.get("bitrate"), **quality)
    return buffer.getvalue()


def apply_video_transform(data: bytes | str, name: str, severity: int, seed: int = 0, background: np.ndarray | None = None) -> bytes:
    """Decode, edit and re-encode one clip."""
    clip, encode = transform_clip(decode_clip(data), name, severity, seed, background)
    if not clip.frames:
        raise HashingError(f"{name} at severity {severity} left no frames.")
    return encode_clip(clip, encode)
