"""Video throughput: frames decoded and vPDQ-hashed per second at 1 frame/s on 720p H.264, beside `ffmpeg`.

saferkit: `hashing.vpdq.hash_video` (the one PyAV reader: decode every frame,
convert the 1 frame/s sample to RGB, PDQ each). Anchor, in the same run: the
`ffmpeg` command line decoding the same file and writing the same 1 frame/s
sample as raw RGB frames (`select=not(mod(n,FPS))`, to a pipe that is
counted and discarded): the floor for any reader on FFmpeg. Target: within
1.5x of it. Also the same vPDQ with the extra views of `hashing.video_views`
(the listing form: three centre crops per frame; the query form: the
picture-in-picture inset search), against the same anchor, and one clip's
triage time (decode at 1 frame/s plus scene
changes, the baseline architecture scoring every sampled frame in batches).
Clips are synthetic (camera moves over drawn scenes; no people), written to a
temporary folder at run time.

Run: python benchmarks/bench_video.py [--clips 2] [--seconds 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "support"))

TARGET_RATIO = 1.5
WIDTH, HEIGHT, FPS = 1280, 720, 30


def write_clips(folder: Path, count: int, seconds: float) -> list[Path]:
    from saferkit.datasets.video import VideoConfig, plan_clips, write_clip

    specs = plan_clips(VideoConfig(n=count, seed=11, seconds=seconds, fps=FPS, width=WIDTH, height=HEIGHT,
                                   backgrounds=("texture", "clutter")))
    paths = []
    for spec in specs:
        path = folder / Path(spec.path).name
        write_clip(spec, path)
        paths.append(path)
    return paths


def ffmpeg_sample(path: Path) -> int:
    """Decode with the ffmpeg CLI, writing the 1 frame/s sample as raw RGB to a pipe; returns frames written."""
    command = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-vf", f"select=not(mod(n\\,{FPS}))",
               "-fps_mode", "passthrough", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        total = 0
        while chunk := process.stdout.read(1 << 20):
            total += len(chunk)
    if process.returncode:
        raise SystemExit(f"ffmpeg failed on {path} (exit {process.returncode})")
    return total // (WIDTH * HEIGHT * 3)


def best_of(repeat: int, function) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def triage_time(path: Path, folder: Path) -> tuple[float, dict]:
    from bench_serve import write_submission

    from saferkit.evaluation.runner import OnnxTriageModel
    from saferkit.evaluation.submission import load_submission
    from saferkit.serving.video import analyse_video

    runner = OnnxTriageModel(load_submission(write_submission(folder / "baseline-224", 224)))
    analyse_video(path, runner=runner)  # warm the session
    start = time.perf_counter()
    _, triage = analyse_video(path, runner=runner)
    return time.perf_counter() - start, triage or {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-triage", action="store_true")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("the ffmpeg command is not installed; it is the anchor of this benchmark (apt-get install ffmpeg).")
    from saferkit.hashing.video_views import LISTED_CROPS
    from saferkit.hashing.vpdq import hash_video

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        clips = write_clips(folder, args.clips, args.seconds)
        print(f"{len(clips)} synthetic 720p H.264 clips of {args.seconds:g} s at {FPS} frame/s "
              f"(written in {time.perf_counter() - started:.1f} s); {os.cpu_count()} cores")
        ours = anchor = listing = query = 0.0
        sampled = decoded = insets = 0
        for path in clips:
            seconds, result = best_of(args.repeat, lambda p=path: hash_video(p))
            ours += seconds
            sampled += len(result.features)
            decoded += result.info.decoded_frames
            seconds, frames = best_of(args.repeat, lambda p=path: ffmpeg_sample(p))
            anchor += seconds
            assert frames == len(result.features), (frames, len(result.features))
            seconds, _ = best_of(args.repeat, lambda p=path: hash_video(p, crop_views=LISTED_CROPS))
            listing += seconds
            seconds, viewed = best_of(args.repeat, lambda p=path: hash_video(p, inset=True))
            query += seconds
            insets += sum(1 for f in viewed.features if f.views)
        print(f"saferkit vPDQ: {decoded / ours:,.0f} frames decoded/s, {sampled / ours:,.1f} sampled frames hashed/s "
              f"({ours:.2f} s for {sampled} sampled of {decoded} frames)")
        print(f"ffmpeg CLI, same sampling to raw RGB: {decoded / anchor:,.0f} frames decoded/s ({anchor:.2f} s)")
        ratio = ours / anchor
        print(f"ratio (saferkit time / ffmpeg time): {ratio:.2f}x; target <= {TARGET_RATIO}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
        for label, seconds in ((f"with {len(LISTED_CROPS)} crop views (listing)", listing),
                               (f"with the inset search (query; {insets} insets found)", query)):
            print(f"saferkit vPDQ {label}: {decoded / seconds:,.0f} frames decoded/s ({seconds:.2f} s), "
                  f"{seconds / anchor:.2f}x the ffmpeg time")
        if not args.no_triage:
            seconds, triage = triage_time(clips[0], folder)
            print(f"triage of one {args.seconds:g} s clip (baseline resnet10_small at 224 px, "
                  f"{triage.get('frames_scored')} frames scored): {seconds:.2f} s")


if __name__ == "__main__":
    main()
