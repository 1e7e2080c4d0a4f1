"""Small synthetic clips shared by the video tests (generated once per session; no people)."""

from __future__ import annotations

import dataclasses

import pytest


@pytest.fixture(scope="session")
def specs():
    from saferkit.datasets.video import VideoConfig, plan_clips

    return plan_clips(VideoConfig(n=4, seconds=6, fps=15, width=192, height=144, backgrounds=("texture", "clutter")))


@pytest.fixture(scope="session")
def clips(specs) -> list[bytes]:
    """Four distinct detailed clips as MP4 bytes."""
    from saferkit.datasets.video import clip_bytes

    return [clip_bytes(spec) for spec in specs]


@pytest.fixture(scope="session")
def clip_files(tmp_path_factory, specs, clips):
    """The same clips on disk, plus one per container."""
    from saferkit.datasets.video import CONTAINERS, write_clip

    folder = tmp_path_factory.mktemp("clips")
    paths = {}
    for k, data in enumerate(clips):
        path = folder / f"clip{k}.mp4"
        path.write_bytes(data)
        paths[f"clip{k}"] = path
    for name, (suffix, _, codec) in CONTAINERS.items():
        spec = dataclasses.replace(specs[0], container=name, codec=codec)
        path = folder / f"container{suffix}"
        write_clip(spec, path)
        paths[name] = path
    return paths
