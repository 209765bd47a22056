"""The server is safe by default: loopback, a token elsewhere, no cross-site writes, no paths from ids.

Every route the app has is tried (read from the app itself, so a route added later is
covered without editing this file).
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from headwater.errors import ConfigError
from headwater.web.config import TOKEN_ENV, WebConfig, is_loopback
from headwater.web.routes import route_table

from conftest import SHOP, RunningServer

TOKEN = "a-long-enough-test-token-0123456789"

TRAVERSALS = ["..", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/etc/passwd", "....//....//etc/passwd", "..\\..\\windows\\win.ini", "%00"]


def every_route() -> list[tuple[str, str]]:
    """(method, path with each parameter filled in) for every route of the app, and its static files."""
    found = [(method, re.sub(r"\{[^}]+\}", "x", path)) for method, path in route_table()]
    return [*found, ("GET", "/static/app.css"), ("GET", "/api/openapi.json"), ("GET", "/api/docs")]


def id_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route with a path parameter."""
    return [(method, path) for method, path in route_table() if "{" in path]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_need_no_token(host: str) -> None:
    assert is_loopback(host)
    assert WebConfig.build(host=host, env={}).token is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com"])
def test_any_other_address_without_a_token_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="without a token"):
        WebConfig.build(host=host, env={})


def test_the_token_comes_from_the_environment_and_must_be_long() -> None:
    assert WebConfig.build(host="0.0.0.0", env={TOKEN_ENV: TOKEN}).token == TOKEN
    with pytest.raises(ConfigError, match="at least 16"):
        WebConfig.build(host="0.0.0.0", token="short")


def test_every_route_answers_401_without_the_token(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token=TOKEN, host="0.0.0.0")
    routes = [r for r in every_route() if r[1] != "/login"]
    assert len(routes) > 3
    for method, path in routes:
        response = client.request(method, path, headers={"content-type": "application/json"}, content=b"{}")
        assert response.status_code == 401, (method, path, response.status_code)
        if path.startswith("/api"):
            assert response.json()["detail"]
            assert response.headers["www-authenticate"].startswith("Bearer")
        else:
            assert 'name="token"' in response.text  # the sign-in form


def test_a_wrong_token_is_401_and_the_right_one_passes(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token=TOKEN, host="0.0.0.0")
    assert client.get("/api/", headers={"Authorization": "Bearer " + "x" * 40}).status_code == 401
    assert client.get("/api/", headers={"Authorization": TOKEN}).status_code == 401
    assert client.get("/api/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_a_browser_signs_in_once_and_gets_a_session_cookie(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token=TOKEN, host="0.0.0.0")
    form = client.get("/login?next=/runs")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    wrong = client.post("/login", data={"token": "nope", "next": "/runs", "csrf_token": csrf})
    assert wrong.status_code == 401 and "not the server" in wrong.text
    signed = client.post("/login", data={"token": TOKEN, "next": "/runs", "csrf_token": csrf}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/runs"
    cookie = signed.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert client.get("/api/").status_code == 200  # the cookie now signs every request
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/api/").status_code == 401


def test_sign_in_never_redirects_off_the_server(make_client: Callable[..., TestClient]) -> None:
    client = make_client(token=TOKEN, host="0.0.0.0")
    csrf = client.app.state.web.guard.csrf_token  # type: ignore[attr-defined]
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/login", data={"token": TOKEN, "next": target, "csrf_token": csrf}, follow_redirects=False)
        assert response.headers["location"] == "/"


def test_a_loopback_server_answers_only_loopback_host_names(client: TestClient) -> None:
    assert client.get("/api/").status_code == 200
    assert client.get("/api/", headers={"host": "localhost:3000"}).status_code == 200
    # a DNS name rebound to 127.0.0.1 by a web page
    assert client.get("/api/", headers={"host": "attacker.example:3000"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded", "origin": "http://evil.example"},
        {"content-type": "application/json", "origin": "http://evil.example"},
        {"content-type": "application/json", "sec-fetch-site": "cross-site"},
    ],
)
def test_a_cross_site_post_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/logout", headers=headers, content=b"a=1")
    assert response.status_code == 403


def test_a_form_with_the_csrf_token_or_a_same_origin_json_post_passes(client: TestClient) -> None:
    csrf = client.app.state.web.guard.csrf_token  # type: ignore[attr-defined]
    form = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert form.status_code == 303
    wrong = client.post("/logout", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert wrong.status_code == 403
    same_origin = client.post(
        "/logout", headers={"content-type": "application/json", "origin": "http://127.0.0.1:3000"}, content=b"{}",
        follow_redirects=False,
    )
    assert same_origin.status_code == 303


def test_path_traversal_on_every_id_parameter_is_404(start_server: Callable[..., RunningServer]) -> None:
    """Sent by http.client, which (unlike httpx) sends ``..`` as it is, to a real server."""
    server = start_server("ui", "-f", str(SHOP), "--port", "0", "--token", TOKEN)
    host, port = server.url.removeprefix("http://").split(":")
    templates = id_routes()
    assert len(templates) >= 5
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    for method, template in templates:
        for attack in TRAVERSALS:
            path = re.sub(r"\{[^}]+\}", lambda _: attack, template)
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request(method, path, body=b"{}", headers=headers)
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            connection.close()
            assert response.status == 404, (method, path, response.status, body[:200])
            assert "Traceback" not in body and "root:" not in body


def test_an_unknown_page_is_a_404_page_and_an_unknown_api_path_json(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "Not found" in page.text and "Traceback" not in page.text
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
