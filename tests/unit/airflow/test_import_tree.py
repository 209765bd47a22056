"""The Airflow dialect's modules import one another as a tree: no circle (type-only imports too)."""

from __future__ import annotations

import grimp


def test_no_module_of_the_dialect_imports_one_that_imports_it() -> None:
    graph = grimp.build_graph("headwater", include_external_packages=False)
    modules = sorted(m for m in graph.modules if m.startswith(("headwater.definitions.airflow", "headwater.execution.airflow")))
    circles = [
        (a, b) for a in modules for b in modules
        if a < b and graph.find_shortest_chain(a, b) and graph.find_shortest_chain(b, a)
    ]
    assert circles == []
