"""The five-asset graph the selection tests (``test_selection``, ``test_fuzz``) select from::

    raw ──> clean ──> features ──> model          (group "ml": features, model;
                          └──────> report          tag tier=gold: model)
"""

from __future__ import annotations

from headwater import asset
from headwater.definitions.loading import collect


@asset
def raw() -> int:
    return 1


@asset
def clean(raw: int) -> int:
    return raw


@asset(group="ml")
def features(clean: int) -> int:
    return clean


@asset(group="ml", tags={"tier": "gold"})
def model(features: int) -> int:
    return features


@asset
def report(features: int) -> int:
    return features


ASSETS = [raw, clean, features, model, report]
GRAPH = collect(ASSETS).graph
