"""``%%veo`` (the cell is the prompt) and ``%veo`` (panel, history, status, resume, config, demo).

``%load_ext veo_widgets`` registers them. Defaults are traitlets: ``%config VeoMagics.resolution = "1080p"``.
"""

from __future__ import annotations

import html
import os
import shlex
import string
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from IPython.core.display import HTML
from IPython.core.display_functions import display
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Float, Int, Unicode

from ._client import Client
from ._config import DEMO_NOTICE, output_dir
from ._errors import ValidationError, VeoError, explain
from ._models import DEFAULT_MODEL, Job, VideoRequest

__all__ = ["VeoMagics", "load_ipython_extension", "unload_ipython_extension"]

TICK = 0.5


class _Namespace(Mapping[str, Any]):
    """The user's namespace for ``{name}`` expansion, with a clear error for unknown names."""

    def __init__(self, ns: Mapping[str, Any]) -> None:
        self.ns = ns

    def __getitem__(self, key: str) -> Any:
        try:
            return self.ns[key]
        except KeyError:
            raise UsageError(f"{{{key}}}: no variable named {key!r} in this notebook") from None

    def __iter__(self) -> Any:
        return iter(self.ns)

    def __len__(self) -> int:
        return len(self.ns)


def expand(text: str, ns: Mapping[str, Any]) -> str:
    """``{name}``, ``{name.attr}``, ``{name[0]}`` from ``ns``; ``{{`` is a literal brace."""
    try:
        return string.Formatter().vformat(text, (), _Namespace(ns))
    except UsageError:
        raise
    except (ValueError, IndexError, AttributeError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot expand {text!r}: {exc}") from None


def expand_value(text: str, ns: Mapping[str, Any]) -> Any:
    """An option value: exactly ``{name}`` gives the object itself (a PIL image, bytes, a
    Path); anything else is expanded as text."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}") and stripped.count("{") == 1:
        name = stripped[1:-1].strip()
        if name.isidentifier():
            return _Namespace(ns)[name]
    return expand(text, ns)


def _status_html(status: str, elapsed: float, progress: float, job_id: str | None, demo: bool) -> str:
    bar = int(progress * 100)
    ident = f' &middot; <code style="user-select:all">{html.escape(job_id)}</code>' if job_id else ""
    banner = f'<div style="color:#92400e">&#9888; {html.escape(DEMO_NOTICE)}</div>' if demo else ""
    return (
        f'{banner}<div class="veo-status" data-status="{html.escape(status)}"><b>{html.escape(status)}</b> '
        f'&middot; {elapsed:.0f} s <progress value="{bar}" max="100" style="width:160px"></progress>{ident}</div>'
    )


@magics_class
class VeoMagics(Magics):
    """Veo 3 Fast from cells."""

    aspect_ratio = Unicode("16:9", help="Default aspect ratio: 16:9 or 9:16").tag(config=True)
    resolution = Unicode("720p", help="Default resolution: 720p or 1080p").tag(config=True)
    duration = Int(8, help="Default duration in seconds: 4, 6 or 8").tag(config=True)
    generate_audio = Bool(True, help="Generate an audio track").tag(config=True)
    enhance_prompt = Bool(True, help="Let the API enhance the prompt").tag(config=True)
    model = Unicode(DEFAULT_MODEL, help="The image-to-video model").tag(config=True)
    output_dir = Unicode("", help="Folder for videos (default: $VEO_OUTPUT_DIR or ./veo_outputs)").tag(config=True)
    timeout = Float(600.0, help="Seconds to wait for a generation").tag(config=True)
    embed = Bool(False, help="Embed video bytes in the notebook (Colab, VS Code)").tag(config=True)

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = Client()
        return self._client

    def _ns(self) -> dict[str, Any]:
        assert self.shell is not None
        return self.shell.user_ns  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ %%veo

    @magic_arguments()
    @argument("--image", "-i", help="a path, an http(s) URL, or {var} holding a PIL image, bytes or a path")
    @argument("--aspect-ratio", "-a", help="16:9 or 9:16")
    @argument("--resolution", "-r", help="720p or 1080p")
    @argument("--duration", "-d", help="4, 6 or 8 seconds")
    @argument("--seed", help="0..4294967295, for repeatable results")
    @argument("--negative-prompt", "-n", help="what to avoid")
    @argument("--no-audio", action="store_true", help="no audio track")
    @argument("--no-enhance", action="store_true", help="send the prompt as written")
    @argument("--model", help="the image-to-video model")
    @argument("--out", "-o", help="a file or folder for the video")
    @argument("--name", help="store the Job in this variable")
    @argument("--background", "-b", action="store_true", help="return at once; the output keeps updating")
    @argument("--embed", action="store_true", help="embed the video bytes in the notebook")
    @argument("--timeout", type=float, help="seconds to wait")
    @no_var_expand
    @cell_magic("veo")
    def veo_cell(self, line: str, cell: str) -> Any:
        """Generate a video: the cell body is the prompt, the options go on the first line.

        Example::

            %%veo --image lighthouse.jpg --aspect-ratio 16:9 --seed 42
            The camera drifts toward the lighthouse as waves roll in

        ``{name}`` in the prompt and in option values expands from the notebook's variables
        (``{{`` for a literal brace); ``--image {img}`` passes a PIL image or bytes as they
        are. Returns the Job (so ``_`` works); ``--name job`` also stores it.
        """
        try:
            argv = shlex.split(line)  # POSIX rules: quotes group words and are removed
        except ValueError as exc:
            raise UsageError(f"%%veo: {exc} in the options line") from None
        args = self.veo_cell.parser.parse_args(argv)
        ns = self._ns()
        prompt = expand(cell, ns).strip()
        if not prompt:
            raise UsageError("%%veo: the cell body is the prompt, and it is empty")
        if args.image is None:
            raise UsageError("%%veo: --image is required (a path, a URL, or {variable})")
        image = expand_value(args.image, ns)

        def option(value: str | None, default: Any) -> Any:
            return default if value is None else expand_value(value, ns)

        try:
            duration = int(option(args.duration, self.duration))
            seed_value = option(args.seed, None)
            seed = int(seed_value) if seed_value is not None else None
        except (TypeError, ValueError) as exc:
            raise UsageError(f"%%veo: duration and seed are whole numbers ({exc})") from None
        options = {
            "aspect_ratio": option(args.aspect_ratio, self.aspect_ratio),
            "resolution": str(option(args.resolution, self.resolution)),
            "duration": duration,
            "seed": seed,
            "negative_prompt": option(args.negative_prompt, None),
            "generate_audio": self.generate_audio and not args.no_audio,
            "enhance_prompt": self.enhance_prompt and not args.no_enhance,
            "model": option(args.model, self.model),
        }
        client = self.client
        try:
            request = client.build_request(prompt, image, **options)
        except ValidationError as exc:
            raise UsageError(f"%%veo: {explain(exc)}") from None
        out = option(args.out, None) or self.output_dir or None
        timeout = args.timeout if args.timeout is not None else self.timeout
        embed = args.embed or self.embed
        if args.background:
            return self._background(request, out, timeout, embed, args.name)
        return self._foreground(request, out, timeout, embed, args.name)

    def _foreground(self, request: VideoRequest, out: Any, timeout: float, embed: bool, name: str | None) -> Job | None:
        client = self.client
        state: dict[str, Any] = {"job": None, "error": None, "result": None}
        stop = threading.Event()
        done = threading.Event()
        model = client.duration_model()

        def record(job: Job) -> None:
            state["job"] = job

        def work() -> None:
            try:
                state["result"] = client._generate(
                    request, save_to=out, timeout=timeout, on_update=record, on_submit=record, stop=stop
                )
            except BaseException as exc:
                state["error"] = exc
            finally:
                done.set()

        started = time.monotonic()
        handle = display(HTML(_status_html("submitting", 0, 0, None, client.demo)), display_id=True)
        thread = threading.Thread(target=work, name="veo-magic", daemon=True)
        thread.start()
        try:
            while not done.wait(TICK):
                job = state["job"]
                elapsed = time.monotonic() - started
                status = job.status if job else "submitting"
                handle.update(HTML(_status_html(status, elapsed, model.progress(elapsed), job and job.id, client.demo)))
        except KeyboardInterrupt:
            stop.set()
            done.wait(5)
            job = state["job"]
            if job is None:
                print("veo: interrupted before the job was created; nothing was submitted", file=sys.stderr)
            else:
                print(
                    f"veo: stopped waiting for {job.id}; it may still complete (and be billed). "
                    f"Fetch it later with `%veo resume {job.id}`.",
                    file=sys.stderr,
                )
            return None
        elapsed = time.monotonic() - started
        error = state["error"]
        if error is not None:
            job = state["job"]
            handle.update(HTML(_status_html("error", elapsed, 0, job and job.id, client.demo)))
            if not isinstance(error, VeoError):
                raise error
            print(f"veo: {explain(error)}", file=sys.stderr)
            return None
        result: Job = state["result"]
        handle.update(HTML(_status_html("completed", elapsed, 1, result.id, client.demo)))
        self._show(result, embed)
        if name:
            self._ns()[name] = result
        return result

    def _background(self, request: VideoRequest, out: Any, timeout: float, embed: bool, name: str | None) -> Any:
        from .widget import Panel

        panel = Panel(request.prompt, client=self.client, save_to=out, timeout=timeout, embed=embed, compact=True)
        if name:
            panel.on_complete(lambda job: self._ns().__setitem__(name, job))
        panel._launch(request)
        return panel

    def _show(self, job: Job, embed: bool) -> None:
        assert job.path is not None
        from .widget import video_player

        try:
            display(video_player(job.path, embed=embed))
        except VeoError as exc:  # too large to embed: the video is saved all the same
            print(f"veo: {explain(exc)}", file=sys.stderr)
        usage = job.usage.describe() + (" (simulated)" if job.demo else "")
        print(f"saved: {job.path}\nusage: {usage}")

    # ------------------------------------------------------------------ %veo

    @no_var_expand
    @line_magic("veo")
    def veo_line(self, line: str) -> Any:
        """%veo panel | history [N] | status ID | resume ID | config | demo on|off

        ``{name}`` expands from the notebook's variables: ``%veo status {job.id}``.
        """
        words = expand(line, self._ns()).split()
        if not words:
            raise UsageError("%veo panel | history [N] | status ID | resume ID | config | demo on|off")
        command, rest = words[0], words[1:]
        try:
            if command == "panel":
                from .widget import Panel

                return Panel(client=self.client)
            if command == "history":
                return self._history(int(rest[0]) if rest else 20)
            if command == "status":
                job = self.client.get(self._one_id(rest))
                print(f"{job.id}: {job.status}" + (f" ({job.error})" if job.error else ""))
                return job
            if command == "resume":
                return self._resume(self._one_id(rest))
            if command == "config":
                return self._config()
            if command == "demo":
                return self._demo(rest)
        except ValidationError as exc:
            raise UsageError(f"%veo {command}: {explain(exc)}") from None
        except ValueError:
            raise UsageError(f"%veo {command}: {' '.join(rest)!r} is not a number") from None
        except VeoError as exc:
            print(f"veo: {explain(exc)}", file=sys.stderr)
            return None
        raise UsageError(f"%veo: unknown command {command!r}; try panel, history, status, resume, config or demo")

    @staticmethod
    def _one_id(rest: list[str]) -> str:
        if len(rest) != 1:
            raise UsageError("give exactly one generation id (see %veo history)")
        return rest[0]

    def _history(self, limit: int) -> None:
        from . import history

        rows = []
        for job in history(limit):
            prompt = html.escape(str((job.request or {}).get("prompt", ""))[:50])
            when = job.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            path = html.escape(str(job.path or ""))
            demo = " (demo)" if job.demo else ""
            rows.append(
                f"<tr><td>{when}</td><td>{html.escape(job.status)}{demo}</td>"
                f'<td><code style="user-select:all">{html.escape(job.id or "-")}</code></td>'
                f"<td>{prompt}</td><td>{path}</td></tr>"
            )
        if not rows:
            display(HTML("<i>no jobs yet</i>"))
            return
        head = "<tr><th>created</th><th>status</th><th>id</th><th>prompt</th><th>saved</th></tr>"
        display(HTML(f'<table class="veo-history">{head}{"".join(rows)}</table>'))

    def _resume(self, job_id: str) -> Job | None:
        client = self.client
        found = client.journal.find(job_id)
        if found is not None and found.path is not None and Path(found.path).exists():
            self._show(found, self.embed)
            return found
        job = client.wait(job_id, timeout=self.timeout)
        path = client.download(job, self.output_dir or None)
        done = job.evolve(path=path.resolve())
        self._show(done, self.embed)
        return done

    def _config(self) -> None:
        client = self.client
        lines = [
            f"mode:          {'demo (emulator)' if client.demo else 'live'}",
            f"base URL:      {client.base_url}",
            f"API key:       {'set' if client._key else 'missing'}",
            f"journal:       {client.journal.path}",
            f"output folder: {self.output_dir or output_dir()}",
        ]
        for name in sorted(self.class_own_traits(config=True)):
            lines.append(f"VeoMagics.{name} = {getattr(self, name)!r}")
        print("\n".join(lines))

    def _demo(self, rest: list[str]) -> None:
        if rest not in (["on"], ["off"]):
            raise UsageError("%veo demo on|off")
        os.environ["VEO_DEMO"] = "1" if rest == ["on"] else "0"
        if self._client is not None:
            self._client.close()
        self._client = None
        mode = "on: simulated video, no key needed" if rest == ["on"] else "off: uses AIMLAPI_KEY"
        print(f"demo mode {mode}")


def load_ipython_extension(ipython: InteractiveShell) -> None:
    # Magics.__init__ adds the instance to shell.configurables (so `%config VeoMagics`
    # works) and takes the shell's config (so ipython_config.py settings apply).
    ipython.register_magics(VeoMagics(ipython))


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    for configurable in list(ipython.configurables):
        if isinstance(configurable, VeoMagics):
            ipython.configurables.remove(configurable)
    manager = ipython.magics_manager
    assert manager is not None
    manager.magics["line"].pop("veo", None)
    manager.magics["cell"].pop("veo", None)
