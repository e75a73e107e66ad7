"""Just enough image sniffing to give photos a plausible width, height and MIME type."""

from __future__ import annotations

MAX_PHOTO_SIDE = 2560  # Telegram's largest photo size
UNKNOWN_SIZE = (800, 800)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:4] == b"GIF8" and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def image_mime(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"GIF8":
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def photo_size(data: bytes) -> tuple[int, int]:
    """The photo's size as Telegram would list it: scaled down to fit 2560x2560."""
    width, height = image_size(data) or UNKNOWN_SIZE
    if width <= 0 or height <= 0:
        return UNKNOWN_SIZE
    scale = min(1.0, MAX_PHOTO_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
