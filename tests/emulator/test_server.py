"""The emulator as a person runs it: the published examples unchanged, a real socket, the command line, demo state."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from veo_widgets.emulator import Emulator

from ..conftest import image_bytes
from ..helpers import HTTP
from .conftest import auth, body, data_uri, wait_done

pytestmark = pytest.mark.timeout(120)


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


def test_published_python_example_runs_unchanged(emulator: Emulator) -> None:
    # The AI/ML API reference's Python example, with only the base URL and key swapped in.
    import requests

    base_url, api_key = emulator.url, emulator.api_key

    def generate_video() -> Any:
        url = f"{base_url}/v2/generate/video/google/generation"
        # The published payload as written, not conftest's body(): this test runs the example's text.
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
    assert result["status"] == "completed" and HTTP.get(result["video"]["url"], timeout=60).content[4:8] == b"ftyp"


def test_bad_requests_never_crash_it(emulator: Emulator) -> None:
    url = f"{emulator.url}/v2/video/generations"
    broken = HTTP.post(
        url, content=b"{not json", headers={**auth(emulator), "Content-Type": "application/json"}, timeout=30
    )
    assert broken.status_code == 400 and "JSON" in broken.json()["message"]
    wrong_type = HTTP.post(
        url, content=b"prompt=x", headers={**auth(emulator), "Content-Type": "text/plain"}, timeout=30
    )
    assert wrong_type.status_code == 400
    array = HTTP.post(url, json=[1, 2], headers=auth(emulator), timeout=30)
    assert array.status_code == 400
    for path in ("/files/../../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd", "/files/x%00.mp4"):
        assert HTTP.get(emulator.url + path, timeout=30).status_code == 404
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
    assert HTTP.get(f"{emulator.url}/health", timeout=30).json()["status"] == "ok"  # still serving


def test_jobs_survive_a_restart_with_a_state_dir(tmp_path: Path) -> None:
    first = Emulator(timing=1.0, state_dir=tmp_path, api_key="k")
    job = HTTP.post(
        f"{first.url}/v2/video/generations", json=body(seed=123), headers={"Authorization": "Bearer k"}, timeout=30
    ).json()
    first.close()  # as when a kernel running demo mode dies mid-render
    with Emulator(timing=1.0, state_dir=tmp_path, api_key="k") as second:
        done = wait_done(second, job["id"])
        assert done["status"] == "completed" and done["video"]["url"].startswith(second.url)
        assert HTTP.get(done["video"]["url"], timeout=60).content[4:8] == b"ftyp"


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
        answer = HTTP.post(
            f"http://127.0.0.1:{port}/v2/video/generations",
            json=body(),
            headers={"Authorization": "Bearer k"},
            timeout=30,
        )
        assert answer.status_code == 200 and json.loads(answer.text)["status"] == "queued"
    finally:
        server.terminate()
        server.wait(10)


def test_demo_state_older_than_a_week_is_pruned(tmp_path: Path) -> None:
    import os

    from veo_widgets.emulator._demo_mode import _prune  # the pruning rule itself

    for folder in ("jobs", "inputs", "files"):
        (tmp_path / folder).mkdir()
        old, new = tmp_path / folder / "old", tmp_path / folder / "new"
        old.write_text("x")
        new.write_text("x")
        os.utime(old, (time.time() - 8 * 86400,) * 2)
    _prune(tmp_path, 7 * 86400)
    assert sorted(p.name for p in tmp_path.glob("*/*")) == ["new", "new", "new"]


def test_a_client_that_hangs_up_is_not_reported(capfd: pytest.CaptureFixture[str]) -> None:
    """A connection reset between requests (a pool dropping an idle keep-alive connection)
    prints no traceback into the test run or the notebook."""
    import struct

    with Emulator(timing=0.1) as emu:
        host, port = emu.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: emulator\r\n\r\n")  # keep-alive: the server reads on
            assert b"200" in sock.recv(4096)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        time.sleep(0.5)
        assert HTTP.get(emu.url + "/health", timeout=30).status_code == 200  # and it still serves
    assert "Traceback" not in capfd.readouterr().err


def test_demo_mode_has_its_address_at_once_and_answers_what_was_sent_while_it_started(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A panel gets the demo emulator's URL and key without waiting for the emulator (its
    renderer takes a second or more to import); a request sent meanwhile waits, then is answered."""
    import threading

    from veo_widgets.emulator import _demo_mode, demo_address, demo_emulator

    monkeypatch.setenv("VEO_HOME", str(tmp_path))
    monkeypatch.setattr(_demo_mode, "_demo", None)
    monkeypatch.setattr(_demo_mode, "_demo_start", None)
    release, real = threading.Event(), _demo_mode.Emulator

    def held(**options: Any) -> Emulator:  # the emulator's start, held until the request is in
        release.wait()
        return real(**options)

    monkeypatch.setattr(_demo_mode, "Emulator", held)
    url, key = demo_address()
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=60) as sock:
            sock.sendall(f"GET /v1/models HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
            assert _demo_mode._demo is None  # not up yet: the request waits in the socket's backlog
            release.set()
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        emulator = demo_emulator()
        assert (emulator.url, emulator.api_key) == (url, key) and demo_address() == (url, key)
    finally:
        release.set()
        demo_emulator().close()
