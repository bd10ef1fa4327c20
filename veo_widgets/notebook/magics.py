"""``%%veo`` (the cell is the prompt) and ``%veo <sub>`` (panel, history, status, resume, config, demo).

``%load_ext veo_widgets`` registers them. Defaults are traitlets: ``%config VeoMagics.resolution = "1080p"``.
Arguments are parsed in ``_parsers`` into typed values; ``%veo <sub>`` calls ``handle_<sub>``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from IPython.core.display_functions import display
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from traitlets import Bool, Float, Int, TraitError, Unicode, observe, validate

from .._errors import BudgetExceededError, GenerationTimeoutError, ValidationError, VeoError, explain
from ..client._money import price_text
from ..schema._models import Job
from ..schema._options import parse_options, trait_specs
from ..studio._chain import long_take_options, longest_clip
from ..studio._long_take import start_long_take
from ..views._client_api import ClientAPI
from ..views._display import Progress, still_running_text, stopped_note
from ..views._lookup import OPTION_NAMES, check_request
from ._magics_lines import LineCommands
from ._magics_view import final_bundle, history_bundle, live_bundle, video_bundle
from ._parsers import (
    DemoArgs,
    GenerateArgs,
    HistoryArgs,
    cell_help,
    expand,
    expand_value,
    line_help,
    parse_cell,
    parse_line,
)

__all__ = ["VeoMagics", "load_ipython_extension", "unload_ipython_extension"]

TICK = 0.5


def _schema_traits() -> dict[str, Any]:
    """A ``VeoMagics`` configurable per option of the schema (None: the model's default)."""
    kinds = {"unicode": Unicode, "int": Int, "bool": Bool}
    return {
        spec.name: kinds[spec.kind](spec.default, allow_none=spec.default is None, help=spec.help).tag(config=True)
        for spec in trait_specs()
    }


class _VeoMagics(LineCommands, Magics):
    """Veo from cells. The option traits are added from the schema (see ``VeoMagics``)."""

    output_dir = Unicode("", help="Folder for videos (default: $VEO_OUTPUT_DIR or ./veo_outputs)").tag(config=True)
    timeout = Float(600.0, help="Seconds to wait for a generation (more than 0)").tag(config=True)
    embed = Bool(False, help="Embed video bytes in the notebook (Colab, VS Code)").tag(config=True)
    budget_usd = Float(
        None,
        allow_none=True,
        help="US dollars this machine may spend per UTC day (None: $VEO_BUDGET_USD or no cap); "
        "a %%veo cell that would pass it is refused before anything is sent. It applies to the "
        "magics' client when set; a client given later (VeoMagics.client = ...) keeps its own",
    ).tag(config=True)

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._client: ClientAPI | None = None
        self._own_client = False  # made here from the environment, or given (the caller's)
        self._watching: set[str] = set()

    @property
    def client(self) -> ClientAPI:
        """The client every ``%%veo`` runs with: made from the environment when first needed,
        or one you set (``VeoMagics.client = veo.Client(...)``: its own key, journal, budget
        and settings; None goes back to one made here). Replacing a client does not close it:
        a background cell, a panel or takes started from it may still be using it."""
        if self._client is None:
            from .panel._panel import new_client

            self._client = new_client()
            self._own_client = True
            self._apply_budget(self._client)
        return self._client

    @client.setter
    def client(self, client: ClientAPI | None) -> None:
        if client is not self._client:
            self._client = client
            self._own_client = False

    @validate("timeout")
    def _timeout_valid(self, proposal: Any) -> float:
        if not proposal["value"] > 0:  # also NaN: a wait of no time gives up on a billed job
            raise TraitError(f"VeoMagics.timeout is seconds to wait, more than 0, not {proposal['value']!r}")
        return float(proposal["value"])

    @observe("budget_usd")
    def _budget_changed(self, change: Any) -> None:
        client = getattr(self, "_client", None)  # None while the traits are first set
        if client is not None:  # set now: it applies to the client in use, whoever made it
            self._apply_budget(client)

    def _apply_budget(self, client: ClientAPI) -> None:
        """``%config VeoMagics.budget_usd``; None falls back to the client's own (VEO_BUDGET_USD)."""
        try:
            client.budget_usd = self.budget_usd
        except ValidationError as exc:
            raise UsageError(f"VeoMagics.budget_usd: {explain(exc)}") from None

    def _ns(self) -> dict[str, Any]:
        assert self.shell is not None
        return self.shell.user_ns  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ %%veo

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
        args = parse_cell(line)
        prompt, image, options = self._request(args, cell)
        out = self._value(args.out) or self.output_dir or None
        timeout = args.timeout if args.timeout is not None else self.timeout
        embed = args.embed or self.embed
        if args.seconds is not None and args.seconds > longest_clip(options.get("model")):
            return self._long_take(args, prompt, image, options, save_to=out, embed=embed)
        if args.seconds is not None:
            options["duration"] = int(args.seconds) if float(args.seconds).is_integer() else args.seconds
        try:  # the whole request is checked before any price is said or anything is sent
            request = check_request(self.client, prompt, image, options)
        except ValidationError as exc:
            raise UsageError(f"%%veo: {explain(exc)}") from None
        self._need_key()
        if args.takes > 1:
            return self._takes(args, (prompt, image, options), save_to=out, timeout=timeout, embed=embed)
        print(f"estimate: {price_text(self.client, request)}")
        try:
            if args.background:
                return self._background(prompt, image, options, out, timeout, embed, args.name)
            run = self.client.start(prompt, image, save_to=out, timeout=timeout, **options)
        except (ValidationError, BudgetExceededError) as exc:  # refused before anything was sent
            raise UsageError(f"%%veo: {explain(exc)}") from None
        return self._foreground(run, embed, args.name)

    def _need_key(self) -> None:
        """Demo mode off and no key: one line saying both ways on, before any price or send
        (the client's own error speaks of the panel's key field, which a cell has not)."""
        client = self.client
        if client.demo or client.has_key:
            return
        if self._own_client:
            self._client = None  # made without a key: the next cell reads the environment again
        raise UsageError(
            "%%veo: no API key: set AIMLAPI_KEY (os.environ['AIMLAPI_KEY'] = ...) and run the cell "
            "again, or `%veo demo on` for simulated video that needs no key"
        )

    def _takes(self, args: GenerateArgs, request: tuple[str, Any, dict[str, Any]], **shown: Any) -> list[Job] | None:
        """``-n``: the takes side by side under the cell as each finishes, each with its seed
        and a pick button; returns the saved ones (``--name`` keeps the grid: ``.chosen``)."""
        from ._takes_view import show_takes

        try:
            grid = show_takes(self.client, *request, args.takes, wait=not args.background, **shown)
        except (ValidationError, BudgetExceededError) as exc:  # refused before anything was sent
            raise UsageError(f"%%veo: {explain(exc)}") from None
        if args.name:
            self._ns()[args.name] = grid
        return None if args.background else grid.jobs

    def _long_take(
        self, args: GenerateArgs, prompt: str, image: Any, options: dict[str, Any], *, save_to: Any, embed: bool
    ) -> Job | None:
        """``--seconds`` past the model's longest: a long take, its whole price told (and
        checked against the budget) before the first link; ``%veo resume chain-...`` goes on."""
        model, passed = long_take_options(options)
        try:
            run = start_long_take(
                prompt, image, seconds=args.seconds or 0, model=model, client=self.client, save_to=save_to, **passed
            )
        except (ValidationError, BudgetExceededError) as exc:  # refused before anything was sent
            raise UsageError(f"%%veo: {explain(exc)}") from None
        return self._foreground(run, embed, args.name)

    veo_cell.__doc__ = f"{veo_cell.__doc__}\n{cell_help()}"

    def _value(self, text: Any) -> Any:
        """A flag's value with ``{name}`` expanded; switches (True/False) as they are."""
        return expand_value(text, self._ns()) if isinstance(text, str) else text

    def _request(self, args: GenerateArgs, cell: str) -> tuple[str, Any, dict[str, Any]]:
        """The prompt, the image and every other argument of ``client.start``: flags first,
        then ``VeoMagics`` config; what neither sets is the model's default."""
        prompt = expand(cell, self._ns()).strip()
        if not prompt:
            raise UsageError("%%veo: the cell body is the prompt, and it is empty")
        values: dict[str, Any] = {name: self._value(text) for name, text in args.options.items()}
        for name in OPTION_NAMES:
            configured = getattr(self, name, None)
            if name not in values and configured is not None:
                values[name] = configured
        try:
            options = parse_options(values)
        except ValidationError as exc:
            raise UsageError(f"%%veo: {explain(exc)}") from None
        options["model"] = self._value(args.model) or getattr(self, "model", None)
        if args.last_image is not None:
            options["last_image"] = self._value(args.last_image)
        if args.reference_images:
            options["reference_images"] = [self._value(text) for text in args.reference_images]
        if args.video is not None:
            options["video"] = self._video(self._value(args.video))
        return prompt, self._value(args.image), {k: v for k, v in options.items() if v is not None}

    def _video(self, value: Any) -> Any:
        """``--extend``: a Job, a file, a URL, or the id (or prefix) of a job in the journal."""
        if not isinstance(value, str) or value.startswith(("http://", "https://")) or Path(value).exists():
            return value
        found = self.client.journal.find(value)
        return found if found is not None else value

    def _live(self, status: str, elapsed: float, progress: float, job: Job | None) -> dict[str, str]:
        return live_bundle(status, elapsed, progress, job, demo=self.client.demo)

    def _final(self, status: str, elapsed: float, job: Job | None, note: str = "") -> dict[str, str]:
        return final_bundle(status, elapsed, job, note, demo=self.client.demo)

    def _foreground(self, run: Any, embed: bool, name: str | None) -> Job | None:
        handle: Any = None
        try:
            try:  # Ctrl-C from here on stops the wait, with the job named, never a traceback
                shown = Progress()
                handle = display(self._live("submitting", 0, 0, None), raw=True, display_id=True)
                while not run.done:
                    if run.job is not None:
                        self._watching.add(run.job.id)
                    progress = shown.update(run.progress, time.monotonic())
                    handle.update(self._live(run.status, run.elapsed, progress, run.job), raw=True)
                    time.sleep(TICK)
            except KeyboardInterrupt:
                self._interrupted(run, handle)
                return None
        finally:
            if run.job is not None:
                self._watching.discard(run.job.id)
        if run.error is not None:
            error = run.error
            handle.update(self._final("error", run.elapsed, run.job, self._explain(error)), raw=True)
            if not isinstance(error, VeoError):
                raise error
            print(f"veo: {self._explain(error)}", file=sys.stderr)
            return None
        result: Job = run.result()
        handle.update(self._final("completed", run.elapsed, result), raw=True)
        self._show(result, embed)
        if name:
            self._ns()[name] = result
        return result

    @staticmethod
    def _explain(error: BaseException) -> str:
        """One line; a wait that ran out names the magic that picks the job up again."""
        if isinstance(error, GenerationTimeoutError):
            return still_running_text(error, "%veo resume", "show the video")
        return explain(error)

    def _interrupted(self, run: Any, handle: Any) -> None:
        """Ctrl-C: stop waiting. A create in flight is let finish and journaled by the run."""
        run.cancel()
        deadline = time.monotonic() + 10
        while not run.done and time.monotonic() < deadline:
            time.sleep(0.05)
        job = run.job
        if handle is not None:
            handle.update(self._final("stopped", run.elapsed, job, stopped_note(job)), raw=True)
        if job is None:
            print(
                "veo: interrupted before the API answered the create request; if it arrived, the job "
                "appears in %veo history",
                file=sys.stderr,
            )
        else:
            print(
                f"veo: stopped waiting for {job.id}; it may still complete (and be billed). "
                f"Fetch it later with `%veo resume {job.id}`.",
                file=sys.stderr,
            )

    def _background(
        self, prompt: str, image: Any, options: dict[str, Any], out: Any, timeout: float, embed: bool, name: str | None
    ) -> Any:
        from .panel._panel import Panel

        panel = Panel(prompt, client=self.client, save_to=out, timeout=timeout, embed=embed, compact=True)
        if name:
            panel.on_complete(lambda job: self._ns().__setitem__(name, job))
        panel.launch(prompt, image, options)
        return panel

    def _show(self, job: Job, embed: bool) -> None:
        assert job.path is not None
        try:
            display(video_bundle(job.path, embed=embed), raw=True)
        except VeoError as exc:  # too large to embed: the video is saved all the same
            print(f"veo: {explain(exc)}", file=sys.stderr)
        usage = job.usage.describe() + (" (simulated)" if job.demo else "")
        print(f"saved: {job.path}\nusage: {usage}")

    # ------------------------------------------------------------------ %veo

    @no_var_expand
    @line_magic("veo")
    def veo_line(self, line: str) -> Any:
        """%veo panel | history [N] | status ID | resume ID | config | demo on|off

        ``{name}`` expands from the notebook's variables: ``%veo status {job.id}``. An ID may
        be the first letters of one (the 8 in a video's file name), if only one job has them.
        """
        name, args = parse_line(expand(line, self._ns()))
        handler = getattr(self, f"handle_{name}")
        try:
            return handler(args)
        except ValidationError as exc:
            raise UsageError(f"%veo {name}: {explain(exc)}") from None
        except VeoError as exc:
            print(f"veo: {explain(exc)}", file=sys.stderr)
            return None

    veo_line.__doc__ = f"{veo_line.__doc__}\n{line_help()}"

    def handle_history(self, args: HistoryArgs) -> None:
        jobs = self.client.journal.history(args.limit)
        display(history_bundle(jobs, self._watching), raw=True)

    def handle_demo(self, args: DemoArgs) -> None:
        os.environ["VEO_DEMO"] = "1" if args.on else "0"
        if self._client is not None and not self._own_client:
            print("veo: the client you set is replaced by one made for this mode", file=sys.stderr)
        self._client = None  # not closed: running cells may still use it
        mode = "on: simulated video, no key needed" if args.on else "off: uses AIMLAPI_KEY"
        print(f"demo mode {mode}")


#: The magics, with a config trait per option of the schema: ``%config VeoMagics.resolution = "1080p"``.
VeoMagics: type[_VeoMagics] = magics_class(
    type("VeoMagics", (_VeoMagics,), {"__module__": __name__, "__doc__": _VeoMagics.__doc__, **_schema_traits()})
)


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
