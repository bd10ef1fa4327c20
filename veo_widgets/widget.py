"""``Panel``: the whole workflow in one widget, for people who never read the API.

Each generation runs on its own daemon thread with the blocking client, so the cell that
clicked returns at once and the status keeps moving while the kernel is idle *or busy*
(an asyncio task on the kernel's loop would freeze during ``time.sleep(30)`` in another
cell). Threads only set widget traits and replace Output widgets' ``outputs``: nothing is
printed, so nothing lands in whichever cell happens to be running.
"""

from __future__ import annotations

import html
import io
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.core.display import HTML, Video
from PIL import Image

from ._client import Client
from ._config import DEMO_NOTICE, Secret
from ._errors import ValidationError, VeoError, WaitCancelled, explain
from ._models import ASPECT_RATIOS, DEFAULT_MODEL, DURATIONS, RESOLUTIONS, SEED_MAX, Job, VideoRequest

__all__ = ["Panel"]

#: Embedding puts the video's bytes into the notebook; above this it is refused.
EMBED_LIMIT = 12 * 1024 * 1024
THUMB = 192
TICK = 0.5
VIDEO_WIDTH = 640
VIDEO_ATTRIBUTES = 'controls playsinline preload="auto"'

_BADGE = {
    "submitting": "#6b7280",
    "queued": "#6b7280",
    "waiting": "#6b7280",
    "active": "#2563eb",
    "generating": "#2563eb",
    "downloading": "#7c3aed",
    "completed": "#16a34a",
    "error": "#dc2626",
    "cancelled": "#d97706",
}


def _badge(status: str) -> str:
    color = _BADGE.get(status, "#374151")
    return (
        f'<span class="veo-badge" data-status="{html.escape(status)}" style="background:{color};color:white;'
        f'padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600">{html.escape(status)}</span>'
    )


@dataclass(eq=False)
class _Run:
    """One generation started from the panel, with its own status card."""

    number: int
    request: VideoRequest
    card: w.VBox
    badge: w.HTML
    clock: w.Label
    progress: w.FloatProgress
    ident: w.HTML
    message: w.HTML
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    status: str = "submitting"
    job: Job | None = None
    error: BaseException | None = None


class Panel(w.VBox):
    """Pick an image, write a prompt, press Generate; the video plays below when ready.

    >>> panel = Panel(prompt="waves roll in", image="beach.jpg")   # doctest: +SKIP
    >>> panel.generate(); job = panel.wait()                       # doctest: +SKIP
    """

    def __init__(
        self,
        prompt: str = "",
        image: Any = None,
        *,
        negative_prompt: str = "",
        aspect_ratio: str = "16:9",
        resolution: str = "720p",
        duration: int = 8,
        seed: int | None = None,
        enhance_prompt: bool = True,
        generate_audio: bool = True,
        model: str = DEFAULT_MODEL,
        embed: bool = False,
        save_to: str | os.PathLike[str] | None = None,
        timeout: float = 600.0,
        client: Client | None = None,
        compact: bool = False,
    ) -> None:
        self._client = client or Client()
        self._model = model
        self._save_to = save_to
        self._timeout = timeout
        self._image_value: Any = None
        self._runs: list[_Run] = []
        self._callbacks: list[Callable[[Job], Any]] = []
        self._lock = threading.Lock()
        self._submitting = False
        self._last_click = 0.0
        self._ticker: threading.Thread | None = None
        self.result: Job | None = None
        """The latest completed Job (its ``path`` is the saved video)."""

        self.banner = w.HTML(layout=w.Layout(width="100%"))
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Upload image")
        self.image_path = w.Text(placeholder="or a path / https:// URL", layout=w.Layout(width="320px"))
        self.preview = w.Image(format="jpeg", layout=w.Layout(max_width=f"{THUMB}px", max_height=f"{THUMB}px"))
        self.image_note = w.HTML()
        self.prompt = w.Textarea(
            value=prompt,
            placeholder="What should happen? e.g. The camera slowly pushes in as waves roll onto the beach",
            layout=w.Layout(width="100%", height="80px"),
        )
        self.negative_prompt = w.Textarea(
            value=negative_prompt, placeholder="What to avoid (optional)", layout=w.Layout(width="100%", height="40px")
        )
        self.aspect_ratio = w.ToggleButtons(options=list(ASPECT_RATIOS), value=aspect_ratio, description="Aspect")
        self.resolution = w.ToggleButtons(options=list(RESOLUTIONS), value=resolution.lower(), description="Quality")
        self.duration = w.ToggleButtons(
            options=[(f"{d} s", d) for d in DURATIONS], value=duration, description="Length"
        )
        for toggle in (self.aspect_ratio, self.resolution, self.duration):
            toggle.style.button_width = "64px"
        self.seed = w.Text(value="" if seed is None else str(seed), placeholder="random", description="Seed")
        self.dice = w.Button(icon="random", tooltip="a random seed", layout=w.Layout(width="40px"))
        self.enhance_prompt = w.Checkbox(value=enhance_prompt, description="Enhance prompt", indent=False)
        self.generate_audio = w.Checkbox(value=generate_audio, description="Audio", indent=False)
        self.embed = w.Checkbox(value=embed, description="Embed video (Colab, VS Code)", indent=False)
        self.api_key = w.Password(placeholder="API key (optional; kept in memory only)", layout=w.Layout(width="320px"))
        self.generate_button = w.Button(description="Generate", button_style="primary", icon="play")
        self.cancel_button = w.Button(description="Cancel", button_style="warning", icon="stop", disabled=True)
        self.show_code = w.ToggleButton(description="Show code", icon="code", value=False)
        self.code = w.HTML(layout=w.Layout(display="none"))
        self.form_message = w.HTML()
        self.player = w.Output(layout=w.Layout(width="100%"))
        self.jobs = w.VBox()
        self.history = w.HBox(layout=w.Layout(flex_flow="row wrap"))

        self.dice.on_click(lambda _: self._roll_seed())
        self.generate_button.on_click(lambda _: self._clicked())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.upload.observe(self._uploaded, names="value")
        self.image_path.observe(lambda change: self._set_image(change["new"] or None), names="value")
        self.api_key.observe(self._key_entered, names="value")
        self.show_code.observe(lambda _: self._refresh_code(), names="value")
        for control in (
            self.prompt,
            self.negative_prompt,
            self.aspect_ratio,
            self.resolution,
            self.duration,
            self.seed,
            self.enhance_prompt,
            self.generate_audio,
        ):
            control.observe(lambda _: self._refresh_code(), names="value")
        self.aspect_ratio.observe(lambda _: self._refresh_preview(), names="value")

        image_row = w.HBox([w.VBox([self.upload, self.image_path, self.image_note]), self.preview])
        options = w.VBox(
            [
                self.aspect_ratio,
                self.resolution,
                self.duration,
                w.HBox([self.seed, self.dice, self.enhance_prompt, self.generate_audio, self.embed]),
            ]
        )
        actions = w.HBox([self.generate_button, self.cancel_button, self.show_code, self.api_key])
        if compact:
            # Status, result and Cancel only: what `%%veo --background` shows under its cell.
            super().__init__([self.banner, self.form_message, self.jobs, self.player, w.HBox([self.cancel_button])])
        else:
            super().__init__(
                [
                    self.banner,
                    image_row,
                    self.prompt,
                    self.negative_prompt,
                    options,
                    actions,
                    self.form_message,
                    self.code,
                    self.jobs,
                    self.player,
                    self.history,
                ]
            )
        self.add_class("veo-panel")
        self._show_banner()
        if image is not None:
            if isinstance(image, (str, Path)) and not str(image).startswith("data:"):
                self.image_path.value = str(image)
            else:
                self._set_image(image)
        self._refresh_code()

    def __repr__(self) -> str:
        mode = "demo" if self._client.demo else "live"
        return f"Panel({mode}, status={self.status!r}, runs={len(self._runs)})"

    # ------------------------------------------------------------------ public

    @property
    def client(self) -> Client:
        return self._client

    @property
    def status(self) -> str:
        """The latest generation's status: ``idle``, ``submitting``, ``queued``, ``generating``,
        ``downloading``, ``completed``, ``error`` or ``cancelled``."""
        return self._runs[-1].status if self._runs else "idle"

    def on_complete(self, callback: Callable[[Job], Any]) -> None:
        """Call ``callback(job)`` after each generation completes and is saved."""
        self._callbacks.append(callback)

    def generate(self) -> None:
        """Do what the Generate button does: validate, then generate in the background."""
        with self._lock:
            if self._submitting:
                return
            self._submitting = True
        self.generate_button.disabled = True
        try:
            self._start()
        finally:
            with self._lock:
                self._submitting = False
            self.generate_button.disabled = False

    def cancel(self) -> None:
        """Stop waiting for every running generation (the API cannot cancel a job)."""
        for run in self._runs:
            if not run.done.is_set():
                run.stop.set()

    def wait(self, timeout: float | None = None) -> Job:
        """Block until the latest generation ends; return its Job or raise its error."""
        if not self._runs:
            raise RuntimeError("nothing to wait for: call generate() first")
        run = self._runs[-1]
        if not run.done.wait(timeout):
            raise TimeoutError(f"generation #{run.number} still {run.status} after {timeout} s")
        if run.error is not None:
            raise run.error
        assert run.job is not None
        return run.job

    def play(self, job: Job) -> None:
        """Show ``job``'s saved video in the player."""
        if job.path is None:
            raise ValueError("that job has no saved video")
        self.player.outputs = ()
        self.player.append_display_data(video_player(job.path, embed=self.embed.value))
        self.player.append_display_data(HTML(self._caption(job)))

    # ------------------------------------------------------------------ form

    def _show_banner(self) -> None:
        if self._client.demo:
            self.banner.value = (
                '<div class="veo-demo-banner" style="background:#fef3c7;border:1px solid #f59e0b;'
                f'padding:4px 8px;border-radius:4px">&#9888; {html.escape(DEMO_NOTICE)}</div>'
            )
        else:
            self.banner.value = "<b>Veo 3 Fast</b> &middot; image to video &middot; every generation is billed"

    def _roll_seed(self) -> None:
        self.seed.value = str(random.randint(0, SEED_MAX))

    def _uploaded(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = item["content"] if isinstance(item, dict) else item.content
        name = item["name"] if isinstance(item, dict) else item.name
        self._set_image(bytes(content), label=str(name))
        # Keep the bytes in memory only: an uploaded photo must not bloat saved widget state.
        self.upload.value = ()
        self.image_path.value = ""

    def _set_image(self, value: Any, label: str | None = None) -> None:
        self._image_value = value
        self.image_note.value = ""
        self.preview.value = b""
        if value is None:
            return
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            self.image_note.value = "<small>sent as a URL</small>"
            return
        self._refresh_preview(label)

    def _refresh_preview(self, label: str | None = None) -> None:
        if self._image_value is None or (isinstance(self._image_value, str) and self._image_value.startswith("http")):
            return
        try:
            prepared = self._client.build_request("preview", self._image_value, aspect_ratio=self.aspect_ratio.value)
        except VeoError as exc:
            self.image_note.value = f'<span style="color:#dc2626">{html.escape(explain(exc))}</span>'
            return
        from base64 import b64decode

        data = b64decode(prepared.image.split(",", 1)[1])
        thumb = Image.open(io.BytesIO(data)).convert("RGB")
        thumb.thumbnail((THUMB, THUMB))
        buf = io.BytesIO()
        thumb.save(buf, "JPEG", quality=80)
        self.preview.value = buf.getvalue()
        src = html.escape(label or prepared.image_source)
        self.image_note.value = f"<small>{src}<br>sent as {len(data) // 1024} KB</small>"

    def _key_entered(self, change: dict[str, Any]) -> None:
        value = str(change["new"] or "").strip()
        if not value:
            return
        # Take the key into memory and clear the field at once: saved widget state and
        # saved notebooks must never hold it.
        self.api_key.value = ""
        self._client = Client(api_key=Secret(value))
        self._show_banner()
        self.form_message.value = "<small>key set for this session (not saved)</small>"

    def _options(self) -> dict[str, Any]:
        seed_text = self.seed.value.strip()
        try:
            seed: int | None = int(seed_text) if seed_text else None
        except ValueError:
            raise ValidationError(
                "seed", f"{seed_text!r} is not a whole number; leave it empty for a random seed"
            ) from None
        return {
            "aspect_ratio": self.aspect_ratio.value,
            "resolution": self.resolution.value,
            "duration": int(self.duration.value),
            "negative_prompt": self.negative_prompt.value.strip() or None,
            "seed": seed,
            "enhance_prompt": bool(self.enhance_prompt.value),
            "generate_audio": bool(self.generate_audio.value),
            "model": self._model,
        }

    def code_text(self) -> str:
        """The ``client.generate(...)`` call equivalent to the current form."""
        image = self._image_value
        image_text = repr(image) if isinstance(image, (str, Path)) else "image_bytes  # the uploaded image"
        if image is None:
            image_text = '"path/to/image.png"'
        try:
            options = self._options()
        except ValidationError:
            options = {}
        lines = ["import veo_widgets as veo", "", "client = veo.Client()", "job = client.generate("]
        lines.append(f"    {self.prompt.value.strip()!r},")
        lines.append(f"    image={image_text},")
        defaults = {
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "duration": 8,
            "negative_prompt": None,
            "seed": None,
            "enhance_prompt": True,
            "generate_audio": True,
            "model": DEFAULT_MODEL,
        }
        for key, value in options.items():
            if defaults.get(key, object()) != value:
                lines.append(f"    {key}={value!r},")
        lines += [")", "job.path"]
        return "\n".join(lines)

    def _refresh_code(self) -> None:
        if not self.show_code.value:
            self.code.layout.display = "none"
            return
        self.code.layout.display = None
        self.code.value = f'<pre class="veo-code" style="user-select:all">{html.escape(self.code_text())}</pre>'

    # ------------------------------------------------------------------ running

    def _clicked(self) -> None:
        # A double click lands twice within a few hundred milliseconds: one generation only.
        now = time.monotonic()
        if now - self._last_click < 1.0:
            return
        self._last_click = now
        self.generate()

    def _start(self) -> None:
        self.form_message.value = ""
        try:
            options = self._options()
            request = self._client.build_request(self.prompt.value, self._image_value, **options)
        except VeoError as exc:
            self._form_error(exc)
            return
        self._launch(request)

    def _launch(self, request: VideoRequest) -> None:
        """Start generating a validated request on a worker thread."""
        run = self._new_run(request)
        thread = threading.Thread(target=self._work, args=(run,), name=f"veo-panel-{run.number}", daemon=True)
        thread.start()
        self._ensure_ticker()

    def _form_error(self, exc: VeoError) -> None:
        text = explain(exc)
        self.form_message.value = f'<div class="veo-error" style="color:#dc2626">{html.escape(text)}</div>'
        # A refused form is still this panel's latest outcome, for wait() and status.
        run = self._new_run(None)
        run.error = exc
        self._finish(run, "error", "")

    def _new_run(self, request: VideoRequest | None) -> _Run:
        number = len(self._runs) + 1
        badge = w.HTML(_badge("submitting"))
        clock = w.Label("0 s")
        progress = w.FloatProgress(value=0.0, min=0.0, max=1.0, layout=w.Layout(width="180px"))
        ident = w.HTML("")
        message = w.HTML("")
        prompt = html.escape(request.prompt[:60]) if request else ""
        card = w.VBox(
            [w.HBox([w.HTML(f"<b>#{number}</b> {prompt}"), badge, clock, progress]), ident, message],
            layout=w.Layout(border="1px solid #e5e7eb", padding="4px", margin="2px 0"),
        )
        card.add_class("veo-job")
        run = _Run(number, request or VideoRequest("", ""), card, badge, clock, progress, ident, message)
        self._runs.append(run)
        if request is not None:
            self.jobs.children = (*self.jobs.children, card)
        self.cancel_button.disabled = False
        return run

    def _set_status(self, run: _Run, status: str) -> None:
        run.status = status
        run.badge.value = _badge(status)

    def _work(self, run: _Run) -> None:
        client = self._client

        def update(job: Job) -> None:
            run.job = job
            # Once the job has completed, the video is being fetched until it is saved.
            self._set_status(run, "downloading" if job.ok else job.status)

        def submitted(job: Job) -> None:
            run.ident.value = (
                f'<small>job id <code class="veo-job-id" style="user-select:all">{html.escape(job.id)}</code></small>'
            )
            update(job)

        try:
            run.job = client._generate(
                run.request,
                save_to=self._save_to,
                timeout=self._timeout,
                on_update=update,
                on_submit=submitted,
                stop=run.stop,
            )
        except WaitCancelled as exc:
            run.error = exc
            self._finish(run, "cancelled", explain(exc))
            return
        except BaseException as exc:  # every failure becomes one sentence in the card
            run.error = exc
            self._finish(run, "error", explain(exc))
            return
        self._finish(run, "completed", "")

    def _finish(self, run: _Run, status: str, text: str) -> None:
        self._set_status(run, status)
        run.clock.value = f"{time.monotonic() - run.started:.0f} s"
        if text:
            run.message.value = f'<div class="veo-error" style="color:#b91c1c">{html.escape(text)}</div>'
        if status == "completed" and run.job is not None:
            run.progress.value = 1.0
            run.progress.bar_style = "success"
            self.result = run.job
            try:
                self.play(run.job)
            except Exception as exc:  # a video that cannot be shown must not lose the job
                run.message.value = html.escape(explain(exc))
            self._add_history(run.job)
            for callback in list(self._callbacks):
                try:
                    callback(run.job)
                except Exception as exc:
                    run.message.value = html.escape(f"on_complete callback failed: {exc!r}")
        elif status in ("error", "cancelled"):
            run.progress.bar_style = "danger" if status == "error" else "warning"
        run.done.set()
        if all(r.done.is_set() for r in self._runs):
            self.cancel_button.disabled = True

    def _ensure_ticker(self) -> None:
        if self._ticker is not None and self._ticker.is_alive():
            return
        model = self._client.duration_model()

        def tick() -> None:
            while True:
                active = [r for r in self._runs if not r.done.is_set()]
                if not active:
                    return
                for run in active:
                    elapsed = time.monotonic() - run.started
                    run.clock.value = f"{elapsed:.0f} s"
                    run.progress.value = round(model.progress(elapsed), 3)
                time.sleep(TICK)

        self._ticker = threading.Thread(target=tick, name="veo-panel-ticker", daemon=True)
        self._ticker.start()

    # ------------------------------------------------------------------ results

    def _caption(self, job: Job) -> str:
        assert job.path is not None
        link = html.escape(_link(job.path))
        usage = job.usage.describe() + (" (simulated)" if job.demo else "")
        return (
            f'<div class="veo-caption"><small>saved to <code>{html.escape(str(job.path))}</code> &middot; '
            f'<a href="{link}" download>download</a> &middot; {html.escape(usage)}</small></div>'
        )

    def _add_history(self, job: Job) -> None:
        prompt = str((job.request or {}).get("prompt", ""))
        button = w.Button(
            description=f"#{len(self.history.children) + 1} {prompt[:18]}",
            tooltip=f"{prompt}\n{job.path}",
            layout=w.Layout(width="auto"),
        )
        button.add_class("veo-history-item")
        button.on_click(lambda _: self.play(job))
        self.history.children = (*self.history.children, button)


def video_player(path: Path, *, embed: bool) -> Video:
    """The saved video as ``IPython.display.Video``: linked from disk, or its bytes embedded
    (asked for, or needed because the front end can only fetch files under the notebook's
    folder and this one was saved elsewhere). Embedding is refused over ``EMBED_LIMIT``."""
    link = _link(path)
    outside = not _servable(link)
    if embed or outside:
        size = path.stat().st_size
        if size > EMBED_LIMIT:
            where = "it is saved outside the notebook's folder and " if outside else ""
            raise VeoError(
                f"{where}the video is {size / 1e6:.1f} MB, over the {EMBED_LIMIT / 1e6:.0f} MB embedding "
                f"limit: open {path} directly" + ("" if outside else ", or turn embedding off to play it from disk")
            )
        return Video(str(path), embed=True, mimetype="video/mp4", width=VIDEO_WIDTH, html_attributes=VIDEO_ATTRIBUTES)
    return Video(link, width=VIDEO_WIDTH, html_attributes=VIDEO_ATTRIBUTES)


def _servable(link: str) -> bool:
    """True when a link from ``_link`` stays inside the notebook's folder."""
    return not (link.startswith("../") or Path(link).is_absolute())


def _link(path: Path) -> str:
    """The path as the notebook's front end can fetch it: relative to the kernel's folder."""
    try:
        return Path(os.path.relpath(path.resolve(), Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()
