"""multipart/form-data parsed entirely in memory.

Starlette's form parser spools uploads over 1 MiB to temporary files; a
server that promises never to write images to disk cannot use it. The body is
already bounded by the size limit, so holding the parts in memory is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from saferkit.serving.api_errors import ApiError

if TYPE_CHECKING:  # python-multipart defines its callback type for type checkers only
    from python_multipart.multipart import MultipartCallbacks


@dataclass
class Part:
    """One form field: its name, the filename the client gave (if any), its bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def parse_multipart(body: bytes, content_type: str | None, max_parts: int) -> list[Part]:
    """All parts of a multipart body; 400 for a body that is not multipart or is malformed."""
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise ApiError(400, "send the images as multipart/form-data (for example curl -F images=@photo.jpg).")
    parts: list[Part] = []
    headers: dict[str, str] = {}
    field: list[bytes] = []
    value: list[bytes] = []
    chunks: list[bytes] = []

    def on_part_begin() -> None:
        headers.clear()
        chunks.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        field.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        value.append(data[start:end])

    def on_header_end() -> None:
        headers[b"".join(field).decode("latin-1").lower()] = b"".join(value).decode("latin-1")
        field.clear()
        value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunks.append(data[start:end])

    def on_part_end() -> None:
        if len(parts) >= max_parts:
            raise ApiError(413, f"too many parts in one request; send at most {max_parts} images per request.")
        _, disposition = parse_options_header(headers.get("content-disposition", ""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        parts.append(Part(name, filename.decode("utf-8", "replace") if filename is not None else None,
                          headers.get("content-type"), b"".join(chunks)))

    callbacks: MultipartCallbacks = {"on_part_begin": on_part_begin, "on_header_field": on_header_field,
                 "on_header_value": on_header_value, "on_header_end": on_header_end,
                 "on_part_data": on_part_data, "on_part_end": on_part_end}
    parser = MultipartParser(options[b"boundary"], callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise ApiError(400, f"malformed multipart body: {exc}") from None
    if parser.state != MultipartState.END:
        raise ApiError(400, "the multipart body ends before its closing boundary; the upload was cut short.")
    return parts
