"""Bad input, fuzzed: only ValidationError or UsageError, and no request reaches the server."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from PIL import Image

import veo_widgets as veo
from veo_widgets.schema import _images as images

from ..conftest import image_bytes

pytestmark = pytest.mark.timeout(300)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["16:9", "9:16", "720p", "1080P", "4:3", "8", "google/veo-3.0-i2v-fast"]),
)


class Refusing(httpx.MockTransport):
    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            self.sent.append(request)
            return httpx.Response(401, json={"message": "no"})

        super().__init__(handler)

    @property
    def creates(self) -> list[httpx.Request]:
        """The create POSTs: the only requests that could cost money (a price look-up may come first)."""
        return [r for r in self.sent if r.method == "POST"]


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "aspect_ratio",
                "resolution",
                "duration",
                "seed",
                "model",
                "negative_prompt",
                "enhance_prompt",
                "generate_audio",
            ]
        ),
        VALUES,
    ),
    prompt=st.one_of(st.text(max_size=20), st.none(), st.integers()),
)
def test_request_fields(fields: dict[str, Any], prompt: Any) -> None:
    transport = Refusing()
    client = veo.Client("k", "http://127.0.0.1:9", transport=transport)
    try:
        client.submit(prompt, image=image_bytes((64, 64)), **fields)
    except veo.ValidationError:
        assert transport.sent == []
    except veo.AuthenticationError:
        assert len(transport.creates) == 1  # everything was valid, so it was sent (and refused)


def jpeg() -> bytes:
    return image_bytes((320, 200), "JPEG")


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.integers(0, len(jpeg()) - 1).map(lambda n: jpeg()[:n]),
        st.tuples(st.integers(0, 200), st.binary(min_size=1, max_size=8)).map(
            lambda t: jpeg()[: t[0]] + t[1] + jpeg()[t[0] + 8 :]
        ),
    )
)
def test_image_bytes(data: bytes) -> None:
    try:
        images.prepare_image(data)
    except veo.ValidationError as exc:
        assert exc.field == "image"


def test_enormous_dimensions() -> None:
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, "PNG")  # 400 megapixels, a few KB on disk
    with pytest.raises(veo.ValidationError, match="megapixels"):
        images.prepare_image(buf.getvalue())


@FUZZ
@given(line=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_magic_argument_strings(shell: InteractiveShell, image_file_module: Path, line: str) -> None:
    from veo_widgets.notebook.magics import VeoMagics

    transport = Refusing()
    magics = VeoMagics(shell)
    magics.client = veo.Client("k", "http://127.0.0.1:9", transport=transport)
    try:
        result = magics.veo_cell(f"-i {image_file_module} {line}", "a prompt")
    except UsageError:
        assert transport.sent == []
    else:
        assert result is None and len(transport.creates) == 1  # valid options: sent once, refused, one line


@pytest.fixture(scope="module")
def image_file_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("img") / "x.png"
    path.write_bytes(image_bytes((64, 64)))
    return path
