"""The local steps a plan yields, as a driver performs them: journal writes, part files, other blocking work."""

from __future__ import annotations

from pathlib import Path

import veo_widgets as veo
from veo_widgets.client._core import Core
from veo_widgets.client._local import perform_local
from veo_widgets.journal._store import RECOVERED
from veo_widgets.protocol._steps import Call, Commit, Discard, Record, RecordState, RecordSubmission
from veo_widgets.schema._models import Job


def test_journal_steps_are_written_to_the_clients_journal(tmp_path: Path) -> None:
    core = Core("k", "http://api.test", journal=veo.Journal(tmp_path / "j.sqlite3"))
    parts: set[Path] = set()
    submission = RecordSubmission("veo-1", base_url="http://api.test", demo=False, request={"prompt": "waves"})
    assert perform_local(core, submission, parts) is None
    perform_local(core, Record(Job("job-1", "queued", client_request_id="veo-1")), parts)
    perform_local(core, RecordState("veo-1", RECOVERED), parts)
    found = core.journal.find("job-1")
    assert found is not None and found.request == {"prompt": "waves"}
    assert (core.journal.row("job-1") or {})["state"] == RECOVERED
    core.journal.close()


def test_a_commit_moves_the_part_file_a_discard_removes_it_and_a_call_runs(tmp_path: Path) -> None:
    core = Core("k", "http://api.test", journal=veo.Journal(tmp_path / "j.sqlite3"))
    kept, dropped = tmp_path / "a.mp4.part", tmp_path / "b.mp4.part"
    kept.write_bytes(b"video")
    dropped.write_bytes(b"half")
    parts = {kept, dropped}
    perform_local(core, Commit(kept, tmp_path / "a.mp4"), parts)
    perform_local(core, Discard(dropped), parts)
    assert parts == set() and sorted(p.name for p in tmp_path.glob("*.mp4*")) == ["a.mp4"]
    assert (tmp_path / "a.mp4").read_bytes() == b"video"
    assert perform_local(core, Call(max, (3, 7)), parts) == 7
