"""Signed result links: each carries its lifetime, and is refused after it or when forged."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from veo_widgets.emulator._links import LinkSigner


def query(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query))


def test_a_link_lives_its_ttl_by_the_signer_s_clock() -> None:
    now = [1_800_000_000.0]
    signer = LinkSigner(600, clock=lambda: now[0])
    link = signer.link("http://127.0.0.1:1", "tok")
    assert link.startswith("http://127.0.0.1:1/files/tok.mp4?") and query(link)["X-Amz-Expires"] == "600"
    now[0] += 599.5
    assert signer.refusal("tok", query(link)) is None
    now[0] += 0.5
    assert signer.refusal("tok", query(link)) == "Request has expired"
    fresh = signer.link("http://127.0.0.1:1", "tok")
    assert fresh != link and signer.refusal("tok", query(fresh)) is None


def test_a_forged_or_borrowed_link_is_refused() -> None:
    signer = LinkSigner(2, clock=lambda: 1_800_000_000.0)
    good = query(signer.link("http://h", "tok"))
    assert signer.refusal("other", good) == "SignatureDoesNotMatch"  # another file's signature
    assert signer.refusal("tok", {**good, "X-Amz-Expires": "99999"}) == "SignatureDoesNotMatch"
    assert signer.refusal("tok", {}) == "SignatureDoesNotMatch"
    assert LinkSigner(2).refusal("tok", good) == "SignatureDoesNotMatch"  # another server's (a restart)


def test_without_a_ttl_links_are_plain_and_never_refused() -> None:
    signer = LinkSigner(None)
    assert signer.link("http://h", "tok") == "http://h/files/tok.mp4" and signer.refusal("tok", {}) is None
