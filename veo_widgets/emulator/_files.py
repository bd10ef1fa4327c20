"""Serving result files as a CDN does: whole or by ``Range``, or refused (an expired link)."""

from __future__ import annotations

import re
from pathlib import Path

from ._wire import EmuResponse

__all__ = ["serve_file"]


def serve_file(path: Path, ranged: str, refusal: str | None = None) -> EmuResponse:
    """``path`` whole (200), the byte range a ``Range`` header asks for (206, or 416), or,
    with a ``refusal`` (an expired or forged link), the storage's 403 saying it."""
    if refusal is not None:
        body = f"<Error><Code>AccessDenied</Code><Message>{refusal}</Message></Error>".encode()
        return EmuResponse(403, {"content-type": "application/xml"}, body)
    size = path.stat().st_size
    start, end = 0, size - 1
    status = 200
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", ranged.strip())
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            start = int(match.group(1))
            end = min(size - 1, int(match.group(2))) if match.group(2) else size - 1
        else:
            start = max(0, size - int(match.group(2)))
        if start > end or start >= size:
            return EmuResponse(416, {"content-range": f"bytes */{size}"})
        status = 206
    headers = {"content-type": "video/mp4", "accept-ranges": "bytes", "content-length": str(end - start + 1)}
    if status == 206:
        headers["content-range"] = f"bytes {start}-{end}/{size}"
    return EmuResponse(status, headers, file=path, file_range=(start, end))
