"""Images uploaded as multipart/form-data: which parts are images, and their digests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import Request

from saferkit.serving.api_errors import ApiError
from saferkit.serving.multipart import parse_multipart
from saferkit.serving.state import ServerState

IMAGE_FIELDS = ("images", "image", "file", "files")


@dataclass
class Upload:
    index: int
    filename: str | None
    data: bytes
    sha256: str

    @property
    def label(self) -> str:
        return f"upload {self.index}" + (f" ({self.filename})" if self.filename else "")

    def describe(self) -> dict:
        return {"index": self.index, "filename": self.filename, "sha256": self.sha256}


async def read_uploads(request: Request, state: ServerState) -> list[Upload]:
    """The image parts of a multipart request (file parts, or fields named images/image/file/files)."""
    limit = state.config.limits.max_images_per_request
    parts = parse_multipart(await request.body(), request.headers.get("content-type"), max_parts=limit + 16)
    images = [p for p in parts if p.filename is not None or p.name in IMAGE_FIELDS]
    if not images:
        raise ApiError(400, "no images in the request; send them as multipart file fields named 'images' "
                            "(for example curl -F images=@photo.jpg).")
    if len(images) > limit:
        raise ApiError(413, f"{len(images)} images in one request; send at most {limit}.")
    return [Upload(i, p.filename, p.data, hashlib.sha256(p.data).hexdigest()) for i, p in enumerate(images)]
