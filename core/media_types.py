"""Which files the kit treats as images, by extension: one list for data sets, hashing and the scan.

A superset of what a data set usually holds: a scan must not skip an image
because of a rarer extension (files without one are still recognised by their
leading bytes in the scan). Whether a file really decodes is the decoder's call.
"""

from __future__ import annotations

IMAGE_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .apng .gif .bmp .dib .webp .tif .tiff .ppm .pgm .pbm .pnm .ico .jp2 .j2k .heic .avif".split()
)
