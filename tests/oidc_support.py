"""A real OpenID provider for the tests (tests/oidc_provider/provider.js, panva's oidc-provider under Node),
and a browser stand-in to sign in through it; the fixtures are in oidc_fixtures.py.

Without node or `npm ci --prefix tests/oidc_provider` the provider tests skip, except under CI=true, where
they fail (.ci/run installs both).
"""

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_SECRET = "test-secret"
SIGNED_USERINFO_CLIENT = "expertpool"  # userinfo as a signed JWT, as ProConnect serves it
JSON_USERINFO_CLIENT = "expertpool-json"
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"', re.IGNORECASE)
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.IGNORECASE)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(message: str):
    if _in_ci():
        pytest.fail(message + ": the OpenID provider tests are required under CI=true (.ci/run installs it)")
    pytest.skip(message)


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen
    output: list = field(default_factory=list)
    reader: threading.Thread | None = None

    def _post(self, path: str, payload: dict | None = None) -> None:
        requests.post(self.issuer + path, json=payload or {}, timeout=5).raise_for_status()

    def add_user(self, login: str, **claims) -> str:
        """A person who may sign in as `login` (any password); their claims as the provider sends them."""
        self._post("/_test/users", {login: claims})
        return login

    def tamper(self, **changes) -> None:
        """Alter the next ID tokens: iss, aud, nonce, exp_offset (seconds), foreign_key (True)."""
        self._post("/_test/tamper", changes)

    def reset(self) -> None:
        self._post("/_test/reset")


def start_provider(issuer: str | None = None) -> RunningProvider:
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed (Debian: apt-get install nodejs npm)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        _unavailable("the test provider's packages are missing (npm ci --prefix tests/oidc_provider)")
    env = {**os.environ, "PORT": "0"}
    if issuer:
        env["ISSUER"] = issuer
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(PROVIDER_DIR / "provider.js")],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    ready = threading.Event()
    found: dict = {}

    def _read():
        for line in process.stdout:
            output.append(line)
            match = re.match(r"listening (\S+) (\d+)", line)
            if match and not ready.is_set():
                found["issuer"], found["port"] = match.group(1), int(match.group(2))
                ready.set()

    reader = threading.Thread(target=_read, name="oidc-provider-output", daemon=True)
    reader.start()
    if not ready.wait(30):
        process.kill()
        pytest.fail("the test OpenID provider did not start:\n" + "".join(output[-20:]))
    provider = RunningProvider(issuer=found["issuer"], process=process, output=output, reader=reader)
    base = f"http://127.0.0.1:{found['port']}"
    deadline = time.monotonic() + 30
    while True:  # ready when discovery answers
        try:
            if requests.get(base + "/.well-known/openid-configuration", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the test OpenID provider's discovery never answered:\n" + "".join(output[-20:]))
        time.sleep(0.1)
    return provider


def stop_provider(provider: RunningProvider) -> None:
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait(timeout=10)
    if provider.reader is not None:
        provider.reader.join(timeout=5)
    provider.process.stdout.close()


def oidc_settings(provider: RunningProvider, client_id: str = SIGNED_USERINFO_CLIENT, **overrides) -> dict:
    return {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid email given_name usual_name siret uid",
        "OIDC_LABEL": "",
        "OIDC_TRUSTED_EMAIL_ISSUERS": (provider.issuer,),
        **overrides,
    }


class ProviderBrowser:
    """Plays the person's browser at the provider (its own cookies), and hands the callback to the app."""

    def __init__(self, client):
        self.client = client  # the Flask test client: the app's side of the browser
        self.http = requests.Session()
        self.callback_url: str | None = None

    def _follow(self, response) -> requests.Response:
        """Follow the provider's redirects; stop at the first one that leaves it for the app."""
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if urlsplit(target).hostname == "localhost":
                self.callback_url = target
                return response
            response = self.http.get(target, allow_redirects=False, timeout=10)
        return response

    def sign_in(self, login: str, next_url: str | None = None):
        """Click the button, sign in at the provider as `login`, come back: the app's last response."""
        start = self.client.get("/compte/oidc/connexion" + (f"?next={next_url}" if next_url else ""))
        assert start.status_code == 302, start.get_data(as_text=True)[:500]
        self.at_provider(start.headers["Location"], login)
        return self.back_to_app()

    def at_provider(self, authorization_url: str, login: str) -> None:
        page = self._follow(self.http.get(authorization_url, allow_redirects=False, timeout=10))
        assert page.status_code == 200 and "Identifiant" in page.text, page.text[:500]
        action = urljoin(page.url, unescape(FORM_ACTION.search(page.text).group(1)))
        answer = self.http.post(action, data={"login": login, "password": "x"}, allow_redirects=False, timeout=10)
        self._follow(answer)
        assert self.callback_url, "the provider did not send the browser back to the app"

    def back_to_app(self, url: str | None = None):
        parts = urlsplit(url or self.callback_url)
        return self.client.get(parts.path + ("?" + parts.query if parts.query else ""))

    def submit_logout(self, end_session_url: str) -> str:
        """At the provider's end-session page: confirm, and return where it sends the browser."""
        page = self.http.get(end_session_url, allow_redirects=True, timeout=10)
        assert page.status_code == 200, page.text[:500]
        action = urljoin(page.url, unescape(FORM_ACTION.search(page.text).group(1)))
        data = dict(HIDDEN_INPUT.findall(page.text))
        data["logout"] = "yes"
        answer = self.http.post(action, data=data, allow_redirects=False, timeout=10)
        while answer.is_redirect:
            target = urljoin(answer.url, answer.headers["Location"])
            if urlsplit(target).hostname == "localhost":
                return target
            answer = self.http.get(target, allow_redirects=False, timeout=10)
        raise AssertionError("the provider did not send the browser back after logout: " + answer.text[:300])
