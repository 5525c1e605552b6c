"""Route helpers for the trust tests: every rule of `app.url_map`, its URL filled from the world, and
what a response means for access control (allowed, login redirect, 403, 404)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.routing import Rule

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "403", "404"
LOGIN_PATH = "/compte/connexion"

# URL argument name -> world key, when the name alone says which object is meant.
ARGUMENT_KEYS = {
    "lang": "fr",
    "locale": "fr",
    "filename": "css/app.css",
    "year": 2027,
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    methods: frozenset

    @property
    def label(self) -> str:
        return f"{self.endpoint} {self.rule}"


def app_routes(app) -> list[Route]:
    """Every rule of the app (HEAD and OPTIONS are Flask's own), sorted for stable test ids."""
    routes = []
    for rule in app.url_map.iter_rules():
        methods = frozenset(rule.methods - {"HEAD", "OPTIONS"})
        routes.append(Route(rule.endpoint, rule.rule, methods))
    return sorted(routes, key=lambda r: (r.endpoint, r.rule))


def rule_of(app, route: Route) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.endpoint == route.endpoint and r.rule == route.rule)


def argument_value(name: str, endpoint: str, world, overrides: dict, fallback=None):
    """The value of URL argument `name`: the matrix's override (a world key or a literal), else a guess
    from the name (`request_id` -> the world's "request")."""
    if name in overrides:
        value = overrides[name]
        return world.ids.get(value, value) if isinstance(value, str) else value
    if name in ARGUMENT_KEYS:
        return ARGUMENT_KEYS[name]
    if name == "token":
        if endpoint.startswith("feeds."):
            return world.ids["member_feed_token" if "member" in endpoint else "expert_feed_token"]
        return world.ids["reset_token" if "reset" in endpoint else "invite_token"]
    key = name.removesuffix("_id")
    if key in world.ids:
        return world.ids[key]
    if fallback is not None:
        return fallback
    raise KeyError(
        f"{endpoint}: no value for URL argument <{name}>: add `args` to its entry in tests/trust/authz_matrix.py"
    )


def build_url(app, route: Route, world, overrides: dict | None = None, fallback=None) -> str:
    """The route's URL with world objects; `fallback` (e.g. 1) fills arguments nobody described yet."""
    rule = rule_of(app, route)
    values = {name: argument_value(name, route.endpoint, world, overrides or {}, fallback) for name in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(route.endpoint, values, method=next(iter(route.methods)), force_external=False)


def outcome(response) -> str:
    """What an answer means for access control."""
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = urlsplit(response.headers.get("Location", ""))
        return LOGIN if location.path == LOGIN_PATH else OK
    if code == 401:
        return LOGIN
    if code == 403:
        return FORBIDDEN
    if code == 404:
        return NOT_FOUND
    if code >= 500:
        return f"error {code}"
    return OK


def client_as(app, world, role: str):
    """A fresh test client logged in as `role` of the world (no cookie at all for anonymous)."""
    client = app.test_client()
    user = world.users.get(role)
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = f"{world.ids['user_ids'][role]}:{world.ids['session_tokens'][role]}"
            session["_fresh"] = True
    return client
