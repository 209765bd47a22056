"""Code versions change with the body, not with comments, blank lines or docstrings."""

from __future__ import annotations

import textwrap

from headwater.planning.versions import code_version_of


def compile_function(source: str, name: str = "f"):
    namespace: dict[str, object] = {}
    exec(compile(textwrap.dedent(source), "<test>", "exec"), namespace)
    return namespace[name]


BASE = """
def f(x):
    return [v + 1 for v in x]
"""


def test_comments_blank_lines_and_docstrings_do_not_count() -> None:
    edited = '''

def f(x):
    """Add one."""
    # add one to each

    return [v + 1 for v in x]  # comment
'''
    assert code_version_of(compile_function(BASE)) == code_version_of(compile_function(edited))


def test_body_changes_count_even_inside_a_comprehension() -> None:
    changed = """
def f(x):
    return [v + 2 for v in x]
"""
    assert code_version_of(compile_function(BASE)) != code_version_of(compile_function(changed))


def test_override_wins_and_is_stable() -> None:
    f = compile_function(BASE)
    assert code_version_of(f, "v2") == code_version_of(compile_function(BASE.replace("1", "3")), "v2")
    assert code_version_of(f, "v2") != code_version_of(f, "v3")
    assert len(code_version_of(f)) == 16


def test_module_constants_the_function_reads_count() -> None:
    source = """
LEARNING_RATE = 0.1
def f(x):
    return x * LEARNING_RATE
"""
    before = code_version_of(compile_function(source))
    after = code_version_of(compile_function(source.replace("0.1", "0.2")))
    assert before != after
    assert code_version_of(compile_function(source)) == before
