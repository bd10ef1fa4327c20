"""The exception tree: what each error carries, and the sentence a person reads."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets._errors import AmbiguousIdError, explain
from veo_widgets.schema._models import Job


def test_validation_error_keeps_field_and_reason_apart() -> None:
    exc = veo.ValidationError("duration", "5 seconds is not one of (4, 6, 8)")
    assert (exc.field, exc.reason) == ("duration", "5 seconds is not one of (4, 6, 8)")
    assert str(exc) == "duration: 5 seconds is not one of (4, 6, 8)" and isinstance(exc, ValueError)
    nested = exc.within("items[2]")
    assert (nested.field, nested.reason) == ("items[2].duration", exc.reason)
    # A reason that itself holds ": " survives whole (nothing splits the message).
    tricky = veo.ValidationError("image", "cannot read: not an image: truncated")
    assert explain(tricky) == "Check the image: cannot read: not an image: truncated."


def test_an_ambiguous_prefix_lists_its_candidates() -> None:
    exc = AmbiguousIdError("ab", [f"ab{n}" for n in range(12)])
    assert isinstance(exc, veo.ValidationError) and exc.candidates[0] == "ab0"
    assert "12 jobs" in str(exc) and "ab9" in str(exc) and "ab11" not in str(exc)


def test_wait_cancelled_says_exactly_what_is_known() -> None:
    job = Job("gen-1", "generating", client_request_id="veo-1")
    with_job = veo.WaitCancelled(job)
    assert with_job.job_id == "gen-1" and with_job.submitted and "client.wait('gen-1')" in str(with_job)
    in_flight = veo.WaitCancelled(None, client_request_id="veo-2")
    assert in_flight.job is None and in_flight.submitted and "veo-2" in str(in_flight)
    assert "nothing was submitted" not in str(in_flight) and "may exist" in str(in_flight)
    never_sent = veo.WaitCancelled(None, client_request_id="veo-3", submitted=False)
    assert not never_sent.submitted and "nothing was submitted" in str(never_sent)
    assert explain(never_sent).endswith("nothing was submitted.")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (veo.AuthenticationError("bad key", status_code=401), "AIMLAPI_KEY"),
        (veo.InsufficientCreditsError("no credits", status_code=403), "out of credits"),
        (veo.RateLimitError("slow down", status_code=429, retry_after=7), "wait 7 s"),
        (veo.ServerError("boom", status_code=500), "server error (boom)"),
        (veo.NotFoundError("no such id", status_code=404), "veo.history()"),
        (veo.APIConnectionError("refused"), "check the network"),
        (veo.GenerationFailedError(Job("g", "error"), "flagged"), "flagged"),
        (RuntimeError("odd"), "Unexpected error: RuntimeError: odd"),
    ],
)
def test_explain_is_one_sentence_with_what_to_do(error: BaseException, words: str) -> None:
    assert words in explain(error)


def test_may_exist_names_the_client_request_id() -> None:
    exc = veo.ServerError("lost", status_code=502, may_exist=True, client_request_id="veo-9")
    assert exc.may_exist and "veo-9" in str(exc) and "veo-9" in explain(exc)


def test_budget_and_unconfirmed_errors_live_in_the_tree_and_are_explained() -> None:
    from veo_widgets import _errors
    from veo_widgets.money import _budget, _recover
    from veo_widgets.money._reconcile import NotFound

    assert _budget.BudgetExceededError is _errors.BudgetExceededError is veo.BudgetExceededError
    assert _recover.UnconfirmedCreateError is _errors.UnconfirmedCreateError is veo.UnconfirmedCreateError
    assert "BudgetExceededError" in (_errors.__doc__ or "") and "UnconfirmedCreateError" in (_errors.__doc__ or "")
    over = veo.BudgetExceededError(budget=2.0, spent=1.5, estimate=1.68)
    assert explain(over).startswith("This job would pass the daily budget of $2.00") and "$1.68" in explain(over)
    assert "nothing was sent" in explain(over)
    lost = veo.UnconfirmedCreateError(NotFound("veo-abc", looked_for=30.0, requests=3))
    assert lost.may_exist and "client.reconcile()" in explain(lost) and "veo-abc" in explain(lost)
    ambiguous = AmbiguousIdError("ab", ["ab1", "ab2"])
    assert "2 jobs" in explain(ambiguous) and "more of the id" in explain(ambiguous)
