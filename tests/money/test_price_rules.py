"""How one ``pricing`` object prices a request: what is counted, and what is "price unknown".

The catalogue's own tests (``test_pricing.py``) price whole entries found by name; these
read the rules themselves."""

from __future__ import annotations

from typing import Any

import pytest

from veo_widgets.money._price_rules import price_of

REQUEST = {"resolution": "720p", "duration": 8, "generate_audio": True}


def by_duration(when: Any) -> dict[str, Any]:
    return {"kind": "variants", "variants": [{"when": {"duration": when}, "price": 2.0, "unit": "video"}]}


@pytest.mark.parametrize("when", [8, "8", "8s", "8S", 8.0])
def test_a_when_value_matches_however_it_is_spelt(when: Any) -> None:
    assert price_of(by_duration(when), REQUEST) == 2.0


def test_fixed_units_add_up_and_per_defaults_to_one() -> None:
    pricing = {
        "kind": "fixed",
        "units": [
            {"name": "output", "measure": "second", "price": 0.25},
            {"name": "request", "unit": "request", "price": 0.5, "per": 2},
        ],
    }
    assert price_of(pricing, REQUEST) == pytest.approx(0.25 * 8 + 0.25)


@pytest.mark.parametrize(
    "pricing",
    [
        {"kind": "fixed", "currency": "EUR", "units": [{"measure": "second", "price": 1}]},  # not dollars
        {"kind": "fixed", "units": [{"measure": "second", "price": -1}]},  # no negative price
        {"kind": "fixed", "units": [{"measure": "second", "price": True}]},  # a flag is no price
        {"kind": "fixed", "units": [{"measure": "second", "price": 1, "per": 0}]},  # per nothing
        {"kind": "fixed", "units": []},
        {"kind": "per-pixel", "units": [{"measure": "second", "price": 1}]},  # a kind we do not know
    ],
)
def test_what_cannot_be_known_is_none(pricing: dict[str, Any]) -> None:
    assert price_of(pricing, REQUEST) is None


def test_a_per_second_price_needs_the_duration() -> None:
    pricing = {"kind": "fixed", "units": [{"measure": "second", "price": 1}]}
    assert price_of(pricing, {**REQUEST, "duration": None}) is None
    assert price_of(pricing, REQUEST) == 8.0
