"""The UI's view of a client: everything it uses is a public member of ``veo.Client``."""

from __future__ import annotations

import veo_widgets as veo
from veo_widgets.views._client_api import ClientAPI


def test_the_client_has_every_member_the_ui_uses() -> None:
    names = {n for n in vars(ClientAPI) if not n.startswith("_")} | set(ClientAPI.__annotations__)
    assert {"journal", "start", "wait", "download", "demo_notice"} <= names
    with veo.Client() as client:
        missing = sorted(n for n in names if not hasattr(client, n))
    assert missing == []
