"""A video to extend given as a link: read from the host before anything is paid for, checked
as a local file is, and a link that cannot be read refused unless the person opts in."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trustme

from veo_widgets._errors import ValidationError
from veo_widgets.emulator import Emulator
from veo_widgets.media._remote import probe_video_url

from ..conftest import image_bytes
from ..helpers import HTTP, hosted_clip

#: A self-signed certificate for 127.0.0.1 (and its key: a test fixture, not a secret).
#: Nothing listens on port 1 of this machine: the connection is refused at once.
UNREACHABLE = "http://me:hunter2@127.0.0.1:1/clip.mp4?X-Amz-Signature=0123456789abcdef"


def test_a_link_is_read_for_its_length_size_and_rate(emulator: Emulator, tmp_path: Path) -> None:
    url = hosted_clip(emulator, tmp_path, seconds=10)
    clip = probe_video_url(url)
    assert clip.value == clip.source == url  # the link is sent as given, not downloaded into the request
    assert clip.seconds == pytest.approx(10, abs=0.1) and (clip.width, clip.height) == (160, 90)
    portrait = probe_video_url(hosted_clip(emulator, tmp_path, size=(90, 160)))
    assert (portrait.width, portrait.height) == (90, 160)  # 9:16 is as good as 16:9


@pytest.mark.parametrize(
    ("kind", "words"),
    [("30fps", "30 fps; extend takes 24 fps"), ("square", "120x120; extend takes 16:9 or 9:16"),
     ("jpeg", "is an image, not a video"), ("html", "is not a video PyAV can read")],
)  # fmt: skip
def test_a_link_to_what_extend_does_not_take_is_refused(
    emulator: Emulator, tmp_path: Path, kind: str, words: str
) -> None:
    if kind == "30fps":
        url = hosted_clip(emulator, tmp_path, fps=30)
    elif kind == "square":
        url = hosted_clip(emulator, tmp_path, size=(120, 120))
    elif kind == "jpeg":
        url = emulator.host_asset("still.jpg", image_bytes(), "image/jpeg")
    else:
        url = emulator.host_asset("login.html", b"<html><body>Sign in</body></html>" * 20, "text/html")
    for unchecked in (False, True):  # a link that answers is judged whatever the opt-in says
        with pytest.raises(ValidationError) as caught:
            probe_video_url(url, send_unchecked=unchecked)
        assert caught.value.field == "video" and words in caught.value.message, caught.value.message
        assert "VEO_UNCHECKED_VIDEO_URLS" not in caught.value.message


def test_a_link_that_cannot_be_read_is_refused_saying_how_to_send_it_anyway(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    for url, reason in ((UNREACHABLE, "Connection refused"), (f"{emulator.url}/assets/gone.mp4", "404")):
        with pytest.raises(ValidationError) as caught:
            probe_video_url(url)
        message = caught.value.message
        assert "could not read" in message and reason in message and "VEO_UNCHECKED_VIDEO_URLS=1" in message
        assert "hunter2" not in message  # a password in a link is not repeated in messages
    assert "Signature" not in message  # nor a signed link's query
    with caplog.at_level(logging.WARNING, logger="veo_widgets"):
        sent = probe_video_url(UNREACHABLE, send_unchecked=True)
    assert sent.value == sent.source == UNREACHABLE and sent.seconds is None  # as given, unchecked
    assert "sent unchecked" in caplog.text and "provider='google'" in caplog.text


def test_a_host_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/clip.mp4"
        with pytest.raises(ValidationError, match="no answer in time"):
            probe_video_url(url, timeout=(0.5, 0.5))


def test_a_link_is_read_through_the_proxy_the_environment_names(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY / HTTPS_PROXY in either case, as the client's own requests use them (FFmpeg
    alone reads only ``http_proxy``): behind a proxy, a link is not unreachable."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = HTTP.get(hosted_clip(emulator, tmp_path, seconds=3)).content
    asked: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # a forward proxy is asked for the whole URL
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name in ("no_proxy", "NO_PROXY", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
        clip = probe_video_url("http://videos.example/shot.mp4")
    finally:
        server.shutdown()
        server.server_close()
    assert clip.seconds == pytest.approx(3, abs=0.1)
    assert asked and asked[0] in ("http://videos.example/shot.mp4", "http://videos.example:80/shot.mp4")


def test_a_site_s_certificate_is_checked(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A link is read over TLS only from a site whose certificate this machine trusts
    (FFmpeg alone would take any): a self-signed one is refused unless SSL_CERT_FILE names it."""
    import ssl
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "shot.mp4").write_bytes(HTTP.get(hosted_clip(emulator, tmp_path, seconds=3)).content)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    # A throwaway authority made for this test (trustme): no private key lives in the repository.
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    trusted = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(trusted))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/shot.mp4"
    try:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        with pytest.raises(ValidationError, match="a certificate this machine does not trust"):
            probe_video_url(url)
        monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
        assert probe_video_url(url).seconds == pytest.approx(3, abs=0.1)
    finally:
        server.shutdown()
        server.server_close()
