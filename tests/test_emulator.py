"""The emulator over real HTTP: the contract, the video it renders, faults and abuse."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from veo_widgets.emulator import Emulator

from .conftest import image_bytes, probe

pytestmark = pytest.mark.timeout(120)


def patterned(size: tuple[int, int] = (800, 600)) -> bytes:
    img = Image.new("RGB", size, (20, 40, 90))
    draw = ImageDraw.Draw(img)
    for x in range(0, size[0], 80):
        draw.rectangle((x, 0, x + 40, size[1]), fill=(220, 180, 40))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def data_uri(data: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(data).decode()


def body(**overrides: Any) -> dict[str, Any]:
    out = {
        "model": "google/veo-3.0-i2v-fast",
        "prompt": "waves",
        "image_url": data_uri(image_bytes()),
        "duration": 4,
        "seed": 5,
    }
    out.update(overrides)
    return out


def auth(emu: Emulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.api_key}"}


def wait_done(emu: Emulator, job_id: str, path: str = "/v2/video/generations", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(f"{emu.url}{path}", params={"generation_id": job_id}, headers=auth(emu)).json()
        if answer["status"] not in ("queued", "generating", "waiting", "active"):
            return dict(answer)
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def test_published_python_example_runs_unchanged(emulator: Emulator) -> None:
    # The AI/ML API reference's Python example, with only the base URL and key swapped in.
    import requests

    base_url, api_key = emulator.url, emulator.api_key

    def generate_video() -> Any:
        url = f"{base_url}/v2/generate/video/google/generation"
        payload = {
            "model": "google/veo-3.0-i2v-fast",
            "prompt": "A jellyfish in the ocean",
            "image_url": data_uri(image_bytes()),
            "duration": 4,
            "seed": 5,
        }
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        response = requests.post(url, json=payload, headers=headers)
        if response.status_code >= 400:
            print(f"Error: {response.status_code} - {response.text}")
        else:
            return response.json()

    def get_video(gen_id: str) -> Any:
        url = f"{base_url}/v2/generate/video/google/generation"
        response = requests.get(url, params={"generation_id": gen_id}, headers={"Authorization": f"Bearer {api_key}"})
        return response.json()

    gen_response = generate_video()
    gen_id = gen_response.get("id")
    timeout, start_time = 600, time.time()
    while time.time() - start_time < timeout:
        response_data = get_video(gen_id)
        status = response_data.get("status")
        if status in ["waiting", "active", "queued", "generating"]:
            time.sleep(1)  # the published loop sleeps 10 s; the contract is the same
        else:
            break
    assert response_data["status"] == "completed"
    assert requests.get(response_data["video"]["url"]).content[4:8] == b"ftyp"


def test_lifecycle_headers_and_usage(emulator: Emulator) -> None:
    created = httpx.post(
        f"{emulator.url}/v2/video/generations",
        json=body(),
        headers={**auth(emulator), "X-Client-Request-Id": "veo-test.1:a"},
    )
    assert created.status_code == 200
    job = created.json()
    assert job["status"] == "queued" and ":veo-3.0-fast-generate-001" in job["id"]
    assert job["meta"]["usage"]["credits_used"] > 0 and job["meta"]["usage"]["usd_spent"] > 0
    assert created.headers["x-inference-id"] == job["id"] and created.headers["x-client-request-id"] == "veo-test.1:a"
    assert "x-aimlapi-credits-used" in created.headers
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = httpx.get(
            f"{emulator.url}/v2/video/generations", params={"generation_id": job["id"]}, headers=auth(emulator)
        ).json()["status"]
        seen.add(status)
        if status == "completed":
            break
        time.sleep(0.05)
    assert seen >= {"queued", "completed"}
    assert emulator.stats.jobs[job["id"]]["creates"] == 1 and emulator.stats.jobs[job["id"]]["polls"] >= 2


def test_the_video_is_real_and_made_from_the_image(emulator: Emulator, tmp_path: Path) -> None:
    source = patterned()
    job = httpx.post(
        f"{emulator.url}/v2/video/generations", json=body(image_url=data_uri(source), seed=11), headers=auth(emulator)
    ).json()
    done = wait_done(emulator, job["id"])
    path = tmp_path / "v.mp4"
    path.write_bytes(httpx.get(done["video"]["url"]).content)
    info = probe(path)
    assert (info["video_codec"], info["width"], info["height"], info["audio_codec"]) == ("h264", 1280, 720, "aac")
    assert info["fps"] == 24 and info["duration"] == pytest.approx(4, abs=0.1)
    with av.open(str(path)) as container:
        frames = [
            f.to_ndarray(format="rgb24").astype(int) for _, f in zip(range(96), container.decode(video=0), strict=False)
        ]
    first, last = frames[0], frames[-1]
    # The first frame is the input fitted to the frame: the centre matches the picture.
    expected = np.asarray(Image.open(io.BytesIO(source)).convert("RGB").resize((960, 720))).astype(int)
    assert np.abs(first[200:520, 300:980] - expected[200:520, 140:820]).mean() < 12
    assert np.abs(first - last).mean() > 3  # the camera moves
    with av.open(str(path)) as container:
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert 0.005 < float(np.sqrt(np.mean(samples**2))) < 0.5  # a soft sound, not silence


def test_portrait_without_audio_and_same_seed_same_bytes(emulator: Emulator) -> None:
    payload = body(aspect_ratio="9:16", generate_audio=False, seed=99)
    urls = []
    for _ in range(2):
        job = httpx.post(f"{emulator.url}/v2/video/generations", json=payload, headers=auth(emulator)).json()
        urls.append(wait_done(emulator, job["id"])["video"]["url"])
    first, second = (httpx.get(u).content for u in urls)
    assert first == second
    with av.open(io.BytesIO(first)) as container:
        assert not container.streams.audio
        assert (container.streams.video[0].codec_context.width, container.streams.video[0].codec_context.height) == (
            720,
            1280,
        )


def test_1080p(emulator: Emulator, tmp_path: Path) -> None:
    job = httpx.post(
        f"{emulator.url}/v2/video/generations", json=body(resolution="1080P", duration=8), headers=auth(emulator)
    ).json()
    path = tmp_path / "hd.mp4"
    path.write_bytes(httpx.get(wait_done(emulator, job["id"])["video"]["url"]).content)
    info = probe(path)
    assert (info["width"], info["height"]) == (1920, 1080) and info["duration"] == pytest.approx(8, abs=0.1)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"duration": "5"}, "duration must be one of"),
        ({"aspect_ratio": "1:1"}, "aspect_ratio"),
        ({"resolution": "4K"}, "resolution"),
        ({"model": "nope"}, "model must be one of"),
        ({"prompt": ""}, "prompt"),
        ({"image_url": None}, "image_url"),
        ({"image_url": "data:image/png;base64,AAAA"}, "not a supported image"),
        ({"seed": -1}, "seed"),
    ],
)
def test_validation_errors_in_the_api_shape(emulator: Emulator, payload: dict[str, Any], words: str) -> None:
    answer = httpx.post(f"{emulator.url}/v2/video/generations", json=body(**payload), headers=auth(emulator))
    assert answer.status_code == 400
    shape = answer.json()
    assert words in shape["message"] and shape["statusCode"] == "400" and shape["path"] == "/v2/video/generations"
    assert shape["requestId"] and shape["timestamp"]


def test_auth_errors_are_problem_json(emulator: Emulator) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": emulator.api_key}):
        answer = httpx.post(f"{emulator.url}/v2/video/generations", json=body(), headers=headers)
        assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["error"]["name"] == "UnauthorizedException"


def test_unknown_ids_paths_and_methods(emulator: Emulator) -> None:
    unknown = httpx.get(
        f"{emulator.url}/v2/video/generations", params={"generation_id": "nope:x"}, headers=auth(emulator)
    )
    assert unknown.status_code == 404 and "not found" in unknown.json()["message"]
    assert httpx.get(f"{emulator.url}/v1/other", headers=auth(emulator)).status_code == 404
    assert httpx.delete(f"{emulator.url}/v2/video/generations", headers=auth(emulator)).status_code == 405


def test_bad_requests_never_crash_it(emulator: Emulator) -> None:
    url = f"{emulator.url}/v2/video/generations"
    broken = httpx.post(url, content=b"{not json", headers={**auth(emulator), "Content-Type": "application/json"})
    assert broken.status_code == 400 and "JSON" in broken.json()["message"]
    wrong_type = httpx.post(url, content=b"prompt=x", headers={**auth(emulator), "Content-Type": "text/plain"})
    assert wrong_type.status_code == 400
    array = httpx.post(url, json=[1, 2], headers=auth(emulator))
    assert array.status_code == 400
    for path in ("/files/../../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd", "/files/x%00.mp4"):
        assert httpx.get(emulator.url + path).status_code == 404
    # A huge declared body is refused before it is read.
    with socket.create_connection(("127.0.0.1", int(emulator.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            b"POST /v2/video/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 999999999\r\n\r\n{"
        )
        chunks = []
        while chunk := sock.recv(4096):  # the server answers, then closes this connection
            chunks.append(chunk)
        reply = b"".join(chunks).decode()
    assert reply.startswith("HTTP/1.1 413") and '"statusCode": "413"' in reply
    assert httpx.get(f"{emulator.url}/health").json()["status"] == "ok"  # still serving


def test_loopback_image_urls_are_fetched_others_fail_clearly(emulator: Emulator) -> None:
    url = emulator.host_asset("pic.png", image_bytes())
    ok = httpx.post(f"{emulator.url}/v2/video/generations", json=body(image_url=url), headers=auth(emulator)).json()
    assert wait_done(emulator, ok["id"])["status"] == "completed"
    far = httpx.post(
        f"{emulator.url}/v2/video/generations",
        json=body(image_url="https://example.com/cat.png"),
        headers=auth(emulator),
    ).json()
    failed = wait_done(emulator, far["id"])
    assert failed["status"] == "error" and "cannot reach the internet" in failed["error"]["message"]


def test_result_urls_expire_and_support_ranges() -> None:
    with Emulator(timing=0.2, result_ttl=3) as emu:
        job = httpx.post(f"{emu.url}/v2/video/generations", json=body(), headers=auth(emu)).json()
        url = wait_done(emu, job["id"])["video"]["url"]
        part = httpx.get(url, headers={"Range": "bytes=0-99"})
        assert (
            part.status_code == 206
            and len(part.content) == 100
            and part.headers["content-range"].startswith("bytes 0-99/")
        )
        time.sleep(3.2)
        assert httpx.get(url).status_code == 403


def test_per_request_fault_header(emulator: Emulator) -> None:
    answer = httpx.post(
        f"{emulator.url}/v2/video/generations", json=body(), headers={**auth(emulator), "X-Emulator-Fault": "429"}
    )
    assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
    legacy = httpx.post(
        f"{emulator.url}/v2/generate/video/google/generation",
        json=body(),
        headers={**auth(emulator), "X-Emulator-Fault": "legacy_201"},
    )
    assert legacy.status_code == 201
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(
            f"{emulator.url}/v2/video/generations",
            params={"generation_id": "x"},
            headers={**auth(emulator), "X-Emulator-Fault": "drop"},
        )


def test_id_styles() -> None:
    for style, check in (("uuid", lambda i: len(i) == 36 and ":" not in i), ("nanoid", lambda i: len(i) == 21)):
        with Emulator(timing=0.2, id_style=style) as emu:
            job = httpx.post(f"{emu.url}/v2/video/generations", json=body(), headers=auth(emu)).json()
            assert check(job["id"]), job["id"]


def test_jobs_survive_a_restart_with_a_state_dir(tmp_path: Path) -> None:
    first = Emulator(timing=1.0, state_dir=tmp_path, api_key="k")
    job = httpx.post(
        f"{first.url}/v2/video/generations", json=body(seed=123), headers={"Authorization": "Bearer k"}
    ).json()
    first.close()  # as when a kernel running demo mode dies mid-render
    with Emulator(timing=1.0, state_dir=tmp_path, api_key="k") as second:
        done = wait_done(second, job["id"])
        assert done["status"] == "completed" and done["video"]["url"].startswith(second.url)
        assert httpx.get(done["video"]["url"]).content[4:8] == b"ftyp"


def test_command_line_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "veo_widgets.emulator", "--port", str(port), "--api-key", "k", "--seconds", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert f"127.0.0.1:{port}" in line
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v2/video/generations", json=body(), headers={"Authorization": "Bearer k"}
        )
        assert answer.status_code == 200 and json.loads(answer.text)["status"] == "queued"
    finally:
        server.terminate()
        server.wait(10)


JS_EXAMPLE = """
// The AI/ML API reference's JavaScript example, with only the base URL and key swapped in.
const baseUrl = process.argv[2];
const apiKey = process.argv[3];
const imageUrl = process.argv[4];

async function generateVideo() {
  const url = `${baseUrl}/v2/generate/video/google/generation`;
  const payload = { model: 'google/veo-3.0-i2v-fast', prompt: 'A jellyfish in the ocean', image_url: imageUrl,
                    duration: 4, seed: 5 };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Authorization': `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  if (!response.ok) { console.error(`Error: ${response.status} - ${await response.text()}`); return null; }
  return response.json();
}

async function getVideo(genId) {
  const url = new URL(`${baseUrl}/v2/generate/video/google/generation`);
  url.searchParams.append('generation_id', genId);
  const response = await fetch(url, { headers: { 'Authorization': `Bearer ${apiKey}` } });
  return response.json();
}

async function main() {
  const genResponse = await generateVideo();
  const genId = genResponse && genResponse.id;
  const start = Date.now();
  while (Date.now() - start < 600000) {
    const data = await getVideo(genId);
    if (['waiting', 'active', 'queued', 'generating'].includes(data.status)) {
      await new Promise((resolve) => setTimeout(resolve, 1000));  // the published loop waits 10 s
    } else {
      console.log(JSON.stringify(data));
      return;
    }
  }
}
main();
"""


def test_published_javascript_example_runs_unchanged(emulator: Emulator, tmp_path: Path) -> None:
    import shutil

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "example.mjs"
    script.write_text(JS_EXAMPLE)
    image = emulator.host_asset("jelly.png", image_bytes())
    done = subprocess.run(
        [node, str(script), emulator.url, emulator.api_key, image],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["status"] == "completed" and httpx.get(result["video"]["url"]).content[4:8] == b"ftyp"


def test_demo_state_older_than_a_week_is_pruned(tmp_path: Path) -> None:
    import os

    from veo_widgets.emulator._server import _prune

    for folder in ("jobs", "inputs", "files"):
        (tmp_path / folder).mkdir()
        old, new = tmp_path / folder / "old", tmp_path / folder / "new"
        old.write_text("x")
        new.write_text("x")
        os.utime(old, (time.time() - 8 * 86400,) * 2)
    _prune(tmp_path, 7 * 86400)
    assert sorted(p.name for p in tmp_path.glob("*/*")) == ["new", "new", "new"]
