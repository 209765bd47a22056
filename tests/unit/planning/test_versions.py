"""Code versions change with the body, not with comments, blank lines or docstrings."""

from __future__ import annotations

import textwrap

from headwater.planning.versions import code_version_of


def compile_function(source: str, name: str = "f"):
    namespace: dict[str, object] = {"__name__": "versioned_module"}
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


def test_a_helper_and_the_constants_it_reads_are_components() -> None:
    source = """
RATE = 0.5

def _helper(x):
    return x * RATE

def f(x):
    return _helper(x)
"""
    from headwater.planning.versions import Versioner, describe_code_change

    before = Versioner().version_of(compile_function(source))
    assert set(before.components) == {"body", "helper _helper", "constant RATE"}
    after = Versioner().version_of(compile_function(source.replace("x * RATE", "x * RATE + 1")))
    assert after.version != before.version
    assert describe_code_change(before.components, after.components) == "code changed: helper _helper"
    assert describe_code_change({}, after.components) == "code changed"


def test_recursion_and_mutual_recursion_are_versioned() -> None:
    source = """
def even(n):
    return True if n == 0 else odd(n - 1)

def odd(n):
    return False if n == 0 else even(n - 1)

def f(n):
    return even(n)
"""
    from headwater.planning.versions import Versioner

    version = Versioner().version_of(compile_function(source))
    assert set(version.components) == {"body", "helper even", "helper odd"}
    changed = Versioner().version_of(compile_function(source.replace("False if n == 0", "True if n == 0")))
    assert changed.components["helper odd"] != version.components["helper odd"]


def test_a_new_pass_sees_a_constant_changed_in_the_same_process() -> None:
    """Module globals may change in a long-lived process: only code objects are cached."""
    from headwater.planning.versions import Versioner

    f = compile_function("LIMIT = 3\ndef g():\n    return LIMIT\ndef f():\n    return g()\n")
    before = Versioner().version_of(f).version
    f.__globals__["LIMIT"] = 4
    assert Versioner().version_of(f).version != before
    f.__globals__["LIMIT"] = 3
    assert Versioner().version_of(f).version == before


def test_library_code_is_not_a_component_but_its_module_is_noted() -> None:
    from headwater.planning.versions import Versioner, is_project_file

    f = compile_function("import json, sysconfig\ndef f(x):\n    return json.dumps(sysconfig.get_paths()) + str(x)\n")
    version = Versioner().version_of(f)
    assert set(version.components) == {"body"}
    assert {"json", "sysconfig"} <= version.modules
    assert not is_project_file(json_file()) and is_project_file(__file__) and is_project_file("<string>")


def json_file() -> str:
    import json

    return json.__file__


def test_an_instance_of_a_project_class_is_versioned_by_its_class_and_simple_state() -> None:
    from headwater.planning.versions import Versioner

    source = """
class Params:
    def __init__(self, depth):
        self.depth = depth

    def scaled(self):
        return self.depth * 2

PARAMS = Params(3)

def f():
    return PARAMS.scaled()
"""
    version = Versioner().version_of(compile_function(source))
    assert {"class Params", "method Params.scaled", "method Params.__init__", "constant PARAMS"} <= set(version.components)
    deeper = Versioner().version_of(compile_function(source.replace("Params(3)", "Params(4)")))
    assert deeper.version != version.version
    assert deeper.components["class Params"] == version.components["class Params"]


def test_a_function_reading_nothing_is_versioned_by_its_code_alone() -> None:
    from headwater.planning.versions import Versioner

    f, g = compile_function(BASE), compile_function(BASE)
    assert Versioner().version_of(f) == Versioner().version_of(g)
    assert dict(Versioner().version_of(f).components) == {"body": Versioner().version_of(g).components["body"]}
