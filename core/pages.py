"""The images embedded in a PDF, as bytes, through pypdf (BSD licence; nothing AGPL in the core install).

Each image comes out as the bytes pypdf gives (a JPEG stays the JPEG stored
in the PDF; other encodings come out as PNG), so the scan treats it as a
member of the PDF: its own digests, hashes, matches and score.
"""

from __future__ import annotations

import io
import logging
from typing import Iterator

from saferkit.core.kinds import ErrorKind

MAX_PDF_IMAGES = 256  # images taken from one PDF; the rest are left, and the PDF row says so


class PdfError(Exception):
    """The PDF could not be opened or walked; `kind` is the row's error kind (`encrypted` or `corrupt`)."""

    def __init__(self, detail: str, kind: str = ErrorKind.CORRUPT) -> None:
        super().__init__(detail)
        self.kind = kind


def pdf_images(data: bytes, limit: int = MAX_PDF_IMAGES) -> Iterator[tuple[str, bytes]]:
    """(name `pageN/imageK.ext`, bytes) of each embedded image, pages in order, at most `limit`."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfError("encrypted PDF; no password is tried", ErrorKind.ENCRYPTED)
        pages = list(reader.pages)
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError, TypeError) as exc:
        raise PdfError(f"cannot read the PDF: {exc}") from exc
    count = 0
    for number, page in enumerate(pages, start=1):
        try:
            images = list(page.images)
        except Exception as exc:  # noqa: BLE001 - a broken page is this PDF's problem only
            raise PdfError(f"cannot read the images of page {number}: {exc}") from exc
        for position, image in enumerate(images, start=1):
            if count >= limit:
                return
            count += 1
            extension = image.name.rsplit(".", 1)[-1] if "." in image.name else "bin"
            yield f"page{number}/image{position}.{extension}", image.data
