"""Serializers: chosen by type, round trips, deterministic bytes, and the registry."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headwater.errors import StorageError
from headwater.storage.serializers import SERIALIZERS, get_serializer, serializer_for


class Point:
    """An arbitrary user object: only cloudpickle can store it."""

    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.x == self.x


def round_trip(value: Any, name: str | None = None) -> tuple[Any, bytes]:
    serializer = get_serializer(name) if name else serializer_for(value)
    buffer = io.BytesIO()
    serializer.dump(value, buffer)
    data = buffer.getvalue()
    return serializer.load(io.BytesIO(data)), data


def frame() -> Any:
    import pandas as pd
    return pd.DataFrame(
        {"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, float("nan"), 2.0]},
        index=pd.Index([10, 20, 30], name="id"),
    )


def model() -> Any:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [0.5, 0.5], [2.5, 2.0]])
    return LogisticRegression().fit(X, [0, 0, 1, 1, 0, 1]), X


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "json"),
        ({"b": [1, 2.5, "x", True, None], "a": {}}, "json"),
        ([], "json"),
        (float("nan"), "cloudpickle"),
        ((1, 2), "collection"),
        ({1: "a"}, "collection"),
        ([Point(1)], "collection"),
        (Point(1), "cloudpickle"),
        ({1, 2}, "cloudpickle"),
        (b"bytes", "cloudpickle"),
    ],
)
def test_chosen_by_type(value: Any, name: str) -> None:
    assert serializer_for(value).name == name


def test_chosen_for_data_libraries() -> None:
    import numpy as np
    assert serializer_for(frame()).name == "parquet"
    assert serializer_for(np.arange(3)).name == "npy"
    assert serializer_for(np.array([Point(1)], dtype=object)).name == "cloudpickle"
    assert serializer_for(model()[0]).name == "skops"


def test_choosing_does_not_import_data_libraries() -> None:
    code = (
        "import sys\n"
        "from headwater.storage.serializers import serializer_for\n"
        "for v in [1, 'x', (1, 2), {1: 2}, object(), [object()]]: serializer_for(v)\n"
        "print([m for m in ('pandas', 'numpy', 'sklearn', 'polars') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dataframe_round_trip() -> None:
    import pandas as pd
    df = frame()
    back, _ = round_trip(df)
    pd.testing.assert_frame_equal(back, df)


def test_ndarray_round_trip() -> None:
    import numpy as np
    array = np.arange(12, dtype="float32").reshape(3, 4)
    back, _ = round_trip(array)
    assert back.dtype == array.dtype
    np.testing.assert_array_equal(back, array)


def test_object_array_goes_to_cloudpickle() -> None:
    import numpy as np
    array = np.array([Point(1), None], dtype=object)
    back, _ = round_trip(array)
    assert list(back) == [Point(1), None]


def test_fitted_model_predicts_the_same() -> None:
    import numpy as np
    clf, X = model()
    back, data = round_trip(clf)
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_allclose(back.predict_proba(X), clf.predict_proba(X))
    assert round_trip(clf)[1] == data  # deterministic


def test_joblib_round_trip() -> None:
    import numpy as np
    clf, X = model()
    back, _ = round_trip(clf, "joblib")
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))


def test_tuple_of_frame_and_model() -> None:
    import pandas as pd
    import numpy as np
    clf, X = model()
    (df, back_model), _ = round_trip((frame(), clf))
    pd.testing.assert_frame_equal(df, frame())
    np.testing.assert_array_equal(back_model.predict(X), clf.predict(X))


@pytest.mark.parametrize(
    "value",
    [
        (1, "a", None),
        (),
        ((1, 2), [3, (4,)]),
        {"p": Point(2), "n": [1, 2]},
        {2: "two", 1: "one"},
        [Point(1), (Point(2),)],
    ],
)
def test_collections_keep_their_types(value: Any) -> None:
    back, _ = round_trip(value)
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, dict):
        assert list(back) == list(value)


def test_cloudpickle_round_trip() -> None:
    back, _ = round_trip(Point(3))
    assert back == Point(3)
    func, _ = round_trip(lambda x: x + 1)
    assert func(1) == 2


def test_collection_bytes_are_deterministic() -> None:
    import pandas  # noqa: F401 -- the serializer needs it: fail, never skip

    clf, _ = model()
    assert round_trip((frame(), clf, {"k": 1}))[1] == round_trip((frame(), clf, {"k": 1}))[1]


_DETERMINISM = """
import hashlib, io
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from headwater.storage.serializers import serializer_for
df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}, index=[5, 6, 7])
X = np.array([[0.0], [1.0], [2.0], [3.0]])
clf = LogisticRegression().fit(X, [0, 0, 1, 1])
for value in (df, clf, (df, clf)):
    buf = io.BytesIO()
    serializer_for(value).dump(value, buf)
    print(hashlib.blake2b(buf.getvalue(), digest_size=16).hexdigest())
"""


def test_bytes_are_the_same_across_processes() -> None:
    import pandas  # noqa: F401 -- the serializer needs it: fail, never skip
    import sklearn  # noqa: F401 -- the serializer needs it: fail, never skip

    runs = [
        subprocess.run(
            [sys.executable, "-c", _DETERMINISM], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert len(runs[0].split()) == 3


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(StorageError, match="unknown serializer 'yaml'.*parquet.*cloudpickle"):
        get_serializer("yaml")
    assert {"parquet", "npy", "skops", "json", "collection", "cloudpickle"} <= set(SERIALIZERS)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_json_round_trip(value: Any) -> None:
    assert serializer_for(value).name == "json"
    back, data = round_trip(value)
    assert back == value
    assert round_trip(value)[1] == data
