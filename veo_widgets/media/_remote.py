"""A video to extend given as a URL, checked before anything is paid for.

PyAV opens the link and reads only what it needs to know the clip: the MP4's header and
index, and the first frame (about 130 kB of a 1.6 MB clip whose index comes first; a
clip whose index is at its end costs a second, ranged request for it). Nothing is
downloaded whole. What it reads goes through the same checks as a local file
(``schema/_images``: an MP4 at 24 fps, 16:9 or 9:16, of at most 141 s), and the length it
finds is what decides ``provider: "google"``.

It is read as the client's own requests are: the site's certificate checked (certifi's
bundle, or ``SSL_CERT_FILE``), through the proxy the environment names, only over http(s).

A link this machine cannot read (no answer, refused, a 403 or 404) is refused before
sending, saying why: paying for an extend the API refuses is worse. The API's servers may
reach a link this machine cannot, so ``VEO_UNCHECKED_VIDEO_URLS=1`` sends such a link
unchecked, with a warning. A link that answers with something that is not a video
extend takes is refused whatever that setting says.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import urllib.request
from urllib.parse import urlsplit

import certifi

from .._errors import ValidationError
from ..schema._images import (
    EXTEND_FPS,
    FAL_MAX_SECONDS,
    GOOGLE_MAX_SECONDS,
    PreparedVideo,
    extendable,
    video_facts,
)

__all__ = ["PROBE_PROTOCOLS", "UNCHECKED_SETTING", "probe_video_url"]

#: What FFmpeg may use to read the link: the web and its proxies, never a local file or a
#: playlist's other protocols, whatever the host redirects to.
PROBE_PROTOCOLS = "http,https,tcp,tls,httpproxy"
#: The opt-in to send a link that cannot be read from here (``_config.unchecked_video_urls``).
UNCHECKED_SETTING = "VEO_UNCHECKED_VIDEO_URLS=1"

_log = logging.getLogger("veo_widgets")


def _shown(url: str) -> str:
    """A link as messages show it: without its query (a signed link's is long, and says
    nothing a person needs) or a password in it."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" + ("?..." if parts.query else "")


def probe_video_url(
    url: str,
    *,
    field: str = "video",
    timeout: tuple[float, float] = (10.0, 30.0),
    send_unchecked: bool = False,
) -> PreparedVideo:
    """``url`` as extend's input, checked as a local file is: its length (``seconds``), frame
    size and rate read from the host. ``timeout`` is seconds to connect and to wait for
    each read. A ``ValidationError`` if the clip is not one extend takes, or if the link
    cannot be read and ``send_unchecked`` is False (with it, the link comes back unchecked,
    ``seconds`` None)."""
    import av  # PyAV is heavy: only a video URL to extend needs it here

    url = url.strip()
    name = _shown(url)
    # FFmpeg checks no certificate unless told: check it as the client's requests do.
    options = {"protocol_whitelist": PROBE_PROTOCOLS, "tls_verify": "1", "ca_file": _trusted()}
    proxy = _proxy_for(url)
    if proxy is not None:
        options["http_proxy"] = proxy
    try:
        with av.open(url, timeout=timeout, options=options) as container:
            facts = video_facts(container, name, field)
    except ValidationError:
        raise
    except (av.InvalidDataError, UnicodeDecodeError) as exc:  # the host answered, with something else
        raise ValidationError(
            field, f"{name} is not a video PyAV can read ({_reason(exc)}); extend needs an MP4"
        ) from None
    except (av.FFmpegError, OSError) as exc:
        reason = "no answer in time" if isinstance(exc, av.ExitError) else _reason(exc)
        if url.lower().startswith("https:") and type(exc) is av.OSError:
            reason += ": no connection, or a certificate this machine does not trust"
        if not send_unchecked:
            raise ValidationError(
                field,
                f"could not read {name} from this machine ({reason}), so it cannot be checked before the extend "
                f"is paid for (an MP4 at {EXTEND_FPS} fps, 16:9 or 9:16, at most {FAL_MAX_SECONDS:g} s through fal "
                f"or {GOOGLE_MAX_SECONDS:g} s through Google). Check the link; if only the API's servers can reach it, set "
                f"{UNCHECKED_SETTING} to send it unchecked (a clip the API refuses may still cost)",
            ) from None
        _log.warning(
            "%s could not be read from this machine (%s): sent unchecked, as %s asks; "
            "a clip over %g s needs provider='google'",
            name,
            reason,
            UNCHECKED_SETTING,
            FAL_MAX_SECONDS,
        )
        return PreparedVideo(value=url, source=url)
    return dataclasses.replace(extendable(url, name, field, facts), source=url)


def _trusted() -> str:
    """The certificates a link's site is checked against: ``SSL_CERT_FILE`` if set (a
    company's own authority), else certifi's bundle, as httpx does."""
    return os.environ.get("SSL_CERT_FILE") or certifi.where()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``HTTP_PROXY`` and
    ``NO_PROXY``, in either case), as the client's own requests use it: FFmpeg alone would
    read only ``http_proxy``, so a link behind an ``HTTPS_PROXY`` would look unreachable."""
    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    proxy = urllib.request.getproxies().get(parts.scheme.lower())
    return proxy if proxy and proxy.lower().startswith("http://") else None


def _reason(exc: BaseException) -> str:
    """FFmpeg's words for a failure (``Server returned 403 Forbidden``), without the URL it
    repeats."""
    words = getattr(exc, "strerror", None)
    return str(words) if words else type(exc).__name__
