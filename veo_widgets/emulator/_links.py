"""Result links as the API's file host signs them: each carries its own lifetime.

The docs' example result URLs are signed CDN links (``X-Amz-Date``, ``X-Amz-Expires=600``,
``X-Amz-Signature``): a link is refused once its lifetime has passed, and a poll of the job
hands out a fresh one. :class:`LinkSigner` makes such links and judges them; its clock is
settable, so a test moves time forward instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import urlencode

__all__ = ["DEFAULT_TTL", "LinkSigner"]

#: Ten minutes, as the docs' examples sign them (``X-Amz-Expires=600``).
DEFAULT_TTL = 600.0
_DATE = "%Y%m%dT%H%M%SZ"


class LinkSigner:
    """Signs ``/files/<token>.mp4`` links for ``ttl`` seconds (None: links never expire)."""

    def __init__(self, ttl: float | None = DEFAULT_TTL, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.clock = clock
        self._key = secrets.token_bytes(32)

    def link(self, base_url: str, token: str) -> str:
        """A fresh link to ``token``'s file, signed now."""
        path = f"{base_url}/files/{token}.mp4"
        if self.ttl is None:
            return path
        issued = datetime.fromtimestamp(int(self.clock()), timezone.utc).strftime(_DATE)
        expires = str(max(1, round(self.ttl)))
        # A credential of its own per link, so that two links handed out in one second differ.
        credential = f"EMULATOR{secrets.token_hex(6).upper()}/{issued[:8]}/local/s3/aws4_request"
        query = {
            "X-Amz-Credential": credential,
            "X-Amz-Date": issued,
            "X-Amz-Expires": expires,
            "X-Amz-Signature": self._sign(token, credential, issued, expires),
        }
        return f"{path}?{urlencode(query)}"

    def refusal(self, token: str, query: dict[str, str]) -> str | None:
        """Why the file host refuses this link (S3's words), or None when it is good now."""
        if self.ttl is None:
            return None
        issued, expires = query.get("X-Amz-Date", ""), query.get("X-Amz-Expires", "")
        credential, signature = query.get("X-Amz-Credential", ""), query.get("X-Amz-Signature", "")
        if not signature or not hmac.compare_digest(signature, self._sign(token, credential, issued, expires)):
            return "SignatureDoesNotMatch"
        start = datetime.strptime(issued, _DATE).replace(tzinfo=timezone.utc).timestamp()
        return "Request has expired" if self.clock() >= start + int(expires) else None

    def _sign(self, token: str, credential: str, issued: str, expires: str) -> str:
        text = "\n".join((token, credential, issued, expires))
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
