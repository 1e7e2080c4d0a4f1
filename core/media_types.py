"""Which files the kit treats as images: by extension, and the formats the one decode reads.

One list for data sets, hashing and the scan; `IMAGE_FORMATS` (Pillow's
format names) is also what the server accepts by default, so the scan and
the server read the same files. Kept free of imports, so light modules
(the CLI, the server's settings) can name them.

A superset of what a data set usually holds: a scan must not skip an image
because of a rarer extension (files without one are still recognised by their
leading bytes in the scan). Whether a file really decodes is the decoder's call.
"""

from __future__ import annotations

IMAGE_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .apng .gif .bmp .dib .webp .tif .tiff .ppm .pgm .pbm .pnm .ico .jp2 .j2k .heic .heif .hif .avif".split()
)

# Pillow format names the one decode (`saferkit.core.media`) reads: HEIC/HEIF through pillow-heif, AVIF through Pillow.
# Other formats Pillow happens to open (ICO, TGA, PCX, PSD, ...) get digests and a row, not perceptual hashes.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "HEIF", "AVIF", "MPO", "PPM", "JPEG2000")
