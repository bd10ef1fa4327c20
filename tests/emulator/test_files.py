"""Result files served as a CDN serves them: whole, by range, or refused (an expired link)."""

from __future__ import annotations

from pathlib import Path

from veo_widgets.emulator._files import serve_file


def test_whole_ranges_and_refusal(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(bytes(range(100)))
    whole = serve_file(path, "")
    assert (whole.status, whole.file_range, whole.headers["accept-ranges"]) == (200, (0, 99), "bytes")
    head = serve_file(path, "bytes=0-9")
    assert (head.status, head.file_range, head.headers["content-range"]) == (206, (0, 9), "bytes 0-9/100")
    tail = serve_file(path, "bytes=-10")
    assert tail.file_range == (90, 99)
    rest = serve_file(path, "bytes=95-")
    assert rest.file_range == (95, 99) and rest.headers["content-length"] == "5"
    beyond = serve_file(path, "bytes=200-300")
    assert beyond.status == 416 and beyond.headers["content-range"] == "bytes */100"
    expired = serve_file(path, "", "Request has expired")
    assert expired.status == 403 and b"<Code>AccessDenied</Code><Message>Request has expired" in expired.body
