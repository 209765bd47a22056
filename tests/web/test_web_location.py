"""The server shows the code as it is on disk: an edit appears on the next request."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()  # a new modification time even within the same clock tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_an_asset_added_to_the_file_appears_without_a_restart(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    location = tmp_path / "edited.py"
    _write(location, "from headwater import asset\n\n@asset\ndef first() -> int:\n    return 1\n")
    client = make_client(file=location)
    assert [a["key"] for a in client.get("/api/assets").json()] == ["first"]
    _write(location, location.read_text() + "\n@asset\ndef second(first: int) -> int:\n    return first + 1\n")
    assert [a["key"] for a in client.get("/api/assets").json()] == ["first", "second"]


def test_a_file_that_stops_loading_is_an_error_page_until_it_is_fixed(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    location = tmp_path / "edited.py"
    _write(location, "from headwater import asset\n\n@asset\ndef first() -> int:\n    return 1\n")
    client = make_client(file=location)
    assert client.get("/assets").status_code == 200
    _write(location, "this is not python (\n")
    broken = client.get("/assets")
    assert broken.status_code == 503 and "syntax error" in broken.text and "Traceback" not in broken.text
    _write(location, "from headwater import asset\n\n@asset\ndef fixed() -> int:\n    return 1\n")
    assert [a["key"] for a in client.get("/api/assets").json()] == ["fixed"]


def test_a_dags_folder_is_one_location_of_every_dag_in_it(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    for name in ("alpha", "beta"):
        _write(
            folder / f"{name}.py",
            "from headwater.airflow import DAG, PythonOperator\n\n"
            f"with DAG(dag_id='{name}', schedule=None) as dag:\n"
            "    PythonOperator(task_id='t', python_callable=lambda: None)\n",
        )
    from headwater.storage.instance import Instance
    from headwater.web.app import create_app
    from headwater.web.config import WebConfig

    with Instance.get() as instance, TestClient(
        create_app(WebConfig.build(dags_folder=str(folder), env={}), instance=instance), base_url="http://127.0.0.1:3000"
    ) as client:
        assert sorted(d["dag"]["dag_id"] for d in client.get("/api/dags").json()) == ["alpha", "beta"]
        _write(folder / "gamma.py", (folder / "alpha.py").read_text().replace("alpha", "gamma"))
        assert sorted(d["dag"]["dag_id"] for d in client.get("/api/dags").json()) == ["alpha", "beta", "gamma"]
