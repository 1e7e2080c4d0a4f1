"""The one video reader: sampled frames, keyframes and stream facts from PyAV (FFmpeg's libraries).

Every part of the kit that looks inside a video (vPDQ, triage, the server,
the scan, the benchmarks) reads it here, so a file yields the same frames
wherever it is read. Sampling follows the vPDQ reference: every
`round-down(interval x frame rate)`-th decoded frame (frame 0, 30, 60, ... at
30 frame/s and the default 1 frame/s), so hashes line up with lists made by
Meta's tools; scene changes (a jump in a 16x16 luma thumbnail) add frames in
between when asked. Work per file is bounded: bytes and declared duration are
checked before decoding (`too-large`), and decoding stops at a frame or
wall-clock limit with the result marked `partial`. Packets the decoder
refuses are skipped and counted (decoding goes on, as FFmpeg's own tools do)
and a container that breaks off keeps the frames before the break, both
marked `partial`; a file with no decodable frame at all is an error. Errors are `VideoError`s (a
`MediaError`) whose `kind` is one of `VIDEO_ERROR_KINDS`.
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from saferkit.core.media import MediaError

VIDEO_ERROR_KINDS = ("empty", "corrupt", "no-video", "too-large", "unreadable")
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mkv", ".webm", ".avi", ".mov", ".ts", ".mts", ".m2ts", ".mpg", ".mpeg", ".3gp", ".flv", ".wmv")

MAX_VIDEO_BYTES = 4 << 30  # 4 GiB
MAX_VIDEO_SECONDS = 4 * 3600.0  # declared duration
MAX_SAMPLED_FRAMES = 20_000
MAX_DECODE_SECONDS = 600.0  # wall clock per file
MAX_FRAME_PIXELS = 8192 * 8192
MAX_DAMAGED_PACKETS = 50  # packets the decoder may refuse before the file counts as hopeless
SCENE_THUMB = 16
DEFAULT_SCENE_THRESHOLD = 20.0  # mean absolute luma change (0-255) of the 16x16 thumbnail that counts as a cut


class VideoError(MediaError):
    """A video that cannot be read; `kind` is one of `VIDEO_ERROR_KINDS`."""


@dataclass(frozen=True)
class VideoLimits:
    """What one file may cost: bytes and declared duration (refused up front), frames and seconds (partial)."""

    max_bytes: int = MAX_VIDEO_BYTES
    max_seconds: float = MAX_VIDEO_SECONDS
    max_frames: int = MAX_SAMPLED_FRAMES
    max_decode_seconds: float = MAX_DECODE_SECONDS
    max_frame_pixels: int = MAX_FRAME_PIXELS


@dataclass(frozen=True)
class Sampling:
    """Which frames to return: every `interval` seconds (0: every frame), scene changes, keyframes only."""

    interval: float = 1.0
    scene_threshold: float | None = DEFAULT_SCENE_THRESHOLD
    keyframes_only: bool = False
    pixel_format: str = "rgb24"  # or "gray" for luma-only readers


REFERENCE_SAMPLING = Sampling(interval=1.0, scene_threshold=None)  # what the vPDQ reference hashes


@dataclass
class VideoFrame:
    """One sampled frame: its decode-order number, time, why it was picked, and its pixels (H x W x 3 or H x W)."""

    number: int
    timestamp: float
    keyframe: bool
    scene_change: bool
    pixels: np.ndarray


@dataclass
class VideoInfo:
    """Facts about the stream, known before (duration, codec, size) or after decoding (frames seen)."""

    container: str
    codec: str
    width: int
    height: int
    fps: float
    duration: float | None
    has_audio: bool
    size: int
    decoded_frames: int = 0
    sampled_frames: int = 0
    partial: bool = False
    partial_reason: str | None = None

    def as_row(self) -> dict:
        """The fields a scan or API row carries."""
        return {
            "container": self.container, "codec": self.codec, "width": self.width, "height": self.height,
            "fps": round(self.fps, 3), "duration": None if self.duration is None else round(self.duration, 3),
            "has_audio": self.has_audio, "decoded_frames": self.decoded_frames, "sampled_frames": self.sampled_frames,
            "partial": self.partial, "partial_reason": self.partial_reason,
        }


def looks_like_video(name: str) -> bool:
    """True for the file extensions the reader is meant for (the scan also sniffs signatures)."""
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS


class VideoReader:
    """Open a video (path or bytes) once; `info` is ready at once, `frames()` decodes and samples.

    Use as a context manager, or call `close()`.
    """

    def __init__(self, source: str | os.PathLike | bytes, limits: VideoLimits = VideoLimits()) -> None:
        import av

        self.limits = limits
        self._demux_error = ""
        size = _size_of(source)
        if size == 0:
            raise VideoError("the video is empty (0 bytes).", kind="empty")
        if size > limits.max_bytes:
            raise VideoError(f"the video is {size:,} bytes, over the limit of {limits.max_bytes:,}; it was not decoded.", kind="too-large")
        target = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
        try:
            self._container = av.open(target, mode="r", metadata_errors="ignore")
        except (FileNotFoundError, PermissionError) as exc:
            raise VideoError(f"the video cannot be read: {exc.strerror or exc}.", kind="unreadable") from exc
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise VideoError(f"not a readable video container ({_short(exc)}).", kind="corrupt") from exc
        try:
            self.info = self._describe(size)
        except VideoError:
            self._container.close()
            raise

    def _describe(self, size: int) -> VideoInfo:
        container = self._container
        if not container.streams.video:
            what = "audio only" if container.streams.audio else "no video stream"
            raise VideoError(f"the file has no video stream ({what}).", kind="no-video")
        stream = container.streams.video[0]
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        width, height = int(context.width or 0), int(context.height or 0)
        if duration is not None and duration > self.limits.max_seconds:
            raise VideoError(f"the video lasts {duration:,.0f} s, over the limit of {self.limits.max_seconds:,.0f} s; it was not decoded.", kind="too-large")
        if width * height > self.limits.max_frame_pixels:
            raise VideoError(f"the frames are {width}x{height}, over the limit of {self.limits.max_frame_pixels:,} pixels; not decoded.", kind="too-large")
        return VideoInfo(container=container.format.name, codec=context.name or "unknown", width=width, height=height,
                         fps=fps, duration=duration, has_audio=bool(container.streams.audio), size=size)

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def frames(self, sampling: Sampling = Sampling()) -> Iterator[VideoFrame]:
        """Sampled frames in order; damaged packets are skipped and counted; limits stop it; `info` says why."""
        info, limits = self.info, self.limits
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        if sampling.keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        step = max(1, int(sampling.interval * info.fps)) if sampling.interval > 0 and info.fps > 0 else 1
        deadline = time.monotonic() + limits.max_decode_seconds
        previous: np.ndarray | None = None
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None and stream.time_base else 0.0
        number = -1
        damaged, first_damage = 0, ""
        for frame in self._decoded(stream):
            if frame is None:  # a packet the decoder refused: skipped, counted, decoding goes on
                damaged += 1
                first_damage = first_damage or f"after frame {number}"
                if damaged > MAX_DAMAGED_PACKETS:
                    self._stop(f"stopped after {damaged} damaged packets (the first {first_damage})")
                    return
                continue
            number += 1
            info.decoded_frames += 1
            scene = False
            if sampling.scene_threshold is not None:
                thumb = frame.reformat(width=SCENE_THUMB, height=SCENE_THUMB, format="gray").to_ndarray().astype(np.int16)
                scene = previous is not None and float(np.abs(thumb - previous).mean()) > sampling.scene_threshold
                previous = thumb
            if sampling.keyframes_only or number % step == 0 or scene:
                yield VideoFrame(number=number, timestamp=max(0.0, _timestamp(frame, number, info.fps) - origin),
                                 keyframe=bool(frame.key_frame), scene_change=bool(scene and number % step),
                                 pixels=frame.to_ndarray(format=sampling.pixel_format))
                info.sampled_frames += 1
                if info.sampled_frames >= limits.max_frames:
                    self._stop(f"stopped at the limit of {limits.max_frames:,} sampled frames")
                    return
            if time.monotonic() > deadline:
                self._stop(f"stopped at the limit of {limits.max_decode_seconds:g} s of decoding")
                return
        if info.decoded_frames == 0:
            raise VideoError("no frame of the video could be decoded (corrupt or truncated stream).", kind="corrupt")
        if damaged:
            self._stop(f"{damaged} damaged packet(s) skipped (the first {first_damage}); the frames around them were decoded")
        if self._demux_error:
            self._stop(f"the container is damaged after frame {number} ({self._demux_error}); frames before it were decoded")
        if info.duration and info.fps and info.decoded_frames < 0.9 * info.duration * info.fps - 2 and not sampling.keyframes_only:
            self._stop(f"only {info.decoded_frames} of about {info.duration * info.fps:.0f} frames decoded (truncated stream?)")

    def _decoded(self, stream) -> Iterator:
        """Decoded frames, with None for each packet the decoder refuses; a demuxer failure ends the stream."""
        import av

        self._demux_error = ""
        packets = self._container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except (av.error.FFmpegError, ValueError, OSError) as exc:
                self._demux_error = _short(exc)
                return
            try:
                frames = packet.decode()
            except (av.error.FFmpegError, ValueError):
                yield None
                continue
            yield from frames

    def _stop(self, reason: str) -> None:
        self.info.partial = True
        self.info.partial_reason = reason if not self.info.partial_reason else f"{self.info.partial_reason}; {reason}"


def read_frames(source: str | os.PathLike | bytes, sampling: Sampling = Sampling(),
                limits: VideoLimits = VideoLimits()) -> tuple[VideoInfo, list[VideoFrame]]:
    """All sampled frames of a video and its info (for short clips; stream with `VideoReader` otherwise)."""
    with VideoReader(source, limits) as reader:
        frames = list(reader.frames(sampling))
        return reader.info, frames


def _timestamp(frame, number: int, fps: float) -> float:
    """Seconds from the stream start: the frame's own time when it has one, else its number over the rate."""
    if frame.pts is not None and frame.time_base is not None:
        return float(frame.pts * frame.time_base)
    return number / fps if fps else 0.0


def _size_of(source: str | os.PathLike | bytes) -> int:
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    try:
        return os.stat(source).st_size
    except FileNotFoundError as exc:
        raise VideoError(f"{source} does not exist.", kind="unreadable") from exc
    except OSError as exc:
        raise VideoError(f"{source} cannot be read: {exc.strerror or exc}.", kind="unreadable") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."


def as_fraction(value: float) -> Fraction:
    """A frame rate as FFmpeg wants it (30000/1001 for 29.97)."""
    return Fraction(value).limit_denominator(1001)
