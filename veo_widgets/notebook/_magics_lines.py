"""The ``%veo <sub>`` subcommands of the magics, one ``handle_<sub>`` each, mixed into
``magics.VeoMagics`` (whose ``veo_line`` parses the words and calls them). ``history`` and
``demo`` stay there: they display through IPython and reset the magics' own client."""

from __future__ import annotations

from typing import Any, Protocol

from IPython.core.magic import Magics

from ..schema._family import ModelList
from ..schema._models import Job
from ..studio._long_take import resume_run
from ..views._audit import parse_since
from ..views._client_api import ClientAPI
from ..views._doctor_run import run_doctor
from ..views._lookup import already_saved, job_status, models_lines, saved_video
from ._magics_view import config_text
from ._parsers import AuditArgs, DoctorArgs, JobArgs, MaybeJobArgs, ModelsArgs, NoArgs

__all__ = ["LineCommands"]


class _Host(Protocol):
    """What the subcommands use of the magics they are mixed into."""

    embed: bool
    timeout: float
    output_dir: str

    @property
    def client(self) -> ClientAPI: ...

    def class_traits(self, **metadata: Any) -> dict[str, Any]: ...

    def _show(self, job: Job, embed: bool) -> None: ...

    def _foreground(self, run: Any, embed: bool, name: str | None) -> Job | None: ...


class LineCommands:
    """``handle_<sub>`` for each ``%veo <sub>``."""

    def handle_panel(self: _Host, args: NoArgs) -> Any:
        from .panel._panel import Panel

        return Panel(client=self.client, embed=self.embed)

    def handle_status(self: _Host, args: JobArgs) -> Job:
        found = job_status(self.client, args.job)
        job = found.job
        detail = found.stale or job.error
        print(f"{job.id}: {job.status}" + (f" ({detail})" if detail else ""))
        return job

    def handle_resume(self: _Host, args: JobArgs) -> Job | None:
        client = self.client
        if args.job.strip().startswith("chain-"):  # a long take: on from its last finished link
            return self._foreground(resume_run(args.job.strip(), client=client), self.embed, None)
        job_id = client.journal.job_id(args.job)
        saved = saved_video(client.journal, job_id)
        if saved is not None:
            print(already_saved(saved))  # as `veo resume` says it
            self._show(saved, self.embed)
            return saved
        job = client.wait(job_id, timeout=self.timeout)
        path = client.download(job, self.output_dir or None)
        done = job.evolve(path=path.resolve())
        self._show(done, self.embed)
        return done

    def handle_config(self: _Host, args: NoArgs) -> None:
        names = sorted(set(self.class_traits(config=True)) - set(Magics.class_traits(config=True)))
        print(config_text(self.client, self.output_dir, {name: getattr(self, name) for name in names}))

    def handle_models(self: _Host, args: ModelsArgs) -> ModelList:
        """The family as a table: each model's short name, id, mode, lengths and sizes; with
        ``--refresh``, as the API's schemas say now (``client.models(refresh=True)``, as
        ``veo models --refresh``). A schema that cannot be read is said, and the built-in
        spec stands for it."""
        family = self.client.models(refresh=args.refresh)
        for line in [*models_lines(family, args.refresh), family.notice]:
            if line:
                print(line)
        return family

    def handle_doctor(self: _Host, args: DoctorArgs) -> None:
        """``veo doctor``'s free checks, one line each; ``--live --budget USD``: and its report."""
        run_doctor(args.live, args.budget)

    def handle_gallery(self: _Host, args: NoArgs) -> Any:
        from .gallery._gallery import Gallery

        return Gallery(self.client, embed=self.embed)

    def handle_reconcile(self: _Host, args: MaybeJobArgs) -> list[Any]:
        """Look unconfirmed creates up in the usage logs; one line each on what was found."""
        results = self.client.reconcile(args.job)
        print("\n".join(r.describe() for r in results) or "nothing to reconcile: every create was answered")
        return list(results)

    def handle_audit(self: _Host, args: AuditArgs) -> Any:
        """The ledger against this machine's jobs: totals, findings with their buttons, spend."""
        from ._audit_view import AuditView  # ipywidgets: only when asked for

        return AuditView(self.client, since=parse_since(args.since))
