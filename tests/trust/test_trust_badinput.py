"""Bad input everywhere: every POST form of every page, filled by hypothesis with hostile values (huge
numbers, NaN, negatives, reversed and impossible dates, 10 kB strings, NUL bytes, right-to-left and
zero-width characters, HTML/JS, spreadsheet formulas), never gets a 500, never writes when it is refused,
and never shows a payload unescaped; and no text that reaches an export runs as a formula in it.

Forms are discovered from the rendered pages, so a new form is fuzzed without touching this file.
EXPERTPOOL_FUZZ_EXAMPLES sets the examples per form (default 8: CI has two cores).
"""

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trust.authz_matrix import MATRIX
from trust.forms import Field, local_path, page_forms, post_forms, row_counts
from trust.routes import OK, app_routes, build_url, client_as
from trust.spreadsheets import FORMULA_PAYLOADS, assert_csv_inert, assert_xlsx_inert, csv_field

import expertpool
from expertpool import create_app
from expertpool.models import Base

EXAMPLES = int(os.environ.get("EXPERTPOOL_FUZZ_EXAMPLES", "8"))
# Who fills a page's forms: the first role the matrix lets in, the most restricted first.
ROLE_PREFERENCE = ("member_a", "expert_x", "coordinator", "admin", "anonymous")
# Refused logins are recorded on purpose (throttling): the only write a refused form may do.
WRITES_ALLOWED_ON_REFUSAL = {"login_failures"}
SKIPPED_ACTIONS = ("/compte/deconnexion",)  # ends the session: nothing to fuzz

HTML_PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "</textarea><b>gras</b>",
    "javascript:alert(1)",
]
NASTY_TEXT = [
    "",
    " ",
    "A" * 10_240,
    "\x00",
    "a\x00b",
    "\u202eexe.tnemucod",
    "\u200b\u200c\u200d\ufeff",
    "مرحبا بالعالم",
    "'; DROP TABLE users; --",
    "{{ 7*7 }}",
    "%(name)s %s {0}",
    "💥" * 300,
    "\r\n\t",
    "Ａ" * 255,
    "\ud7ff",
    "NaN",
    "-1",
    "1e308",
    *HTML_PAYLOADS,
    *FORMULA_PAYLOADS,
]
NASTY_NUMBERS = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1",
    "0",
    "-0",
    "99999999999999999999999",
    "1,5",
    "2.5",
    "١٢",
    "0x10",
    "",
    " 3 ",
    "3\x00",
    "1_000",
]
NASTY_DATES = [
    "2027-02-30",
    "0001-01-01",
    "9999-12-31",
    "2026-12-31",
    "2027-13-01",
    "31/12/2027",
    "",
    "demain",
    "2027-01-18T08:00",
    "-2027-01-01",
]


def text_values():
    return st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40))


def field_strategy(field):
    default = st.just(field.default)
    if field.kind in ("hidden",):
        return st.one_of(default, st.sampled_from(["", "0", "-1", "999999999", "x" * 300, "\x00", HTML_PAYLOADS[0]]))
    if field.kind in ("number", "range"):
        return st.one_of(
            default, st.sampled_from(NASTY_NUMBERS), st.integers(min_value=-(10**20), max_value=10**20).map(str)
        )
    if field.kind in ("date", "datetime-local", "month", "week", "time"):
        return st.one_of(default, st.sampled_from(NASTY_DATES), st.dates().map(lambda d: d.isoformat()))
    if field.kind in ("select", "checkbox", "radio"):
        return st.one_of(
            st.sampled_from(field.options or [""]),
            st.sampled_from(["", "999999", "-1", "on", HTML_PAYLOADS[0], "\x00"]),
        )
    if field.kind == "file":
        return st.sampled_from([b"", b"nom;code\n\x00\xff\xfe<script>", b"A" * 20_000, "é;è\n".encode("latin-1")])
    return st.one_of(default, text_values())


# Pages worth a second visit with other objects, because they then show other forms (the rating form
# of a completed request, the delivery form of a half-day that has passed…): (endpoint, URL arguments).
PAGE_VARIANTS = [
    ("requests.detail", {"request_id": "completed"}),
    ("requests.detail", {"request_id": "ongoing"}),
    ("agenda.record_delivery", {"booking_id": "due_booking"}),
    ("agenda.assignments", {}),
    ("coordination.request_detail", {"request_id": "scheduled"}),
]


@dataclass(frozen=True)
class Page:
    route: object
    args: tuple = ()

    @property
    def endpoint(self) -> str:
        return self.route.endpoint

    @property
    def label(self) -> str:
        return self.endpoint + "".join(f"[{k}={v}]" for k, v in self.args)


def pages_with_forms():
    routes = [r for r in app_routes(create_app("testing")) if "GET" in r.methods and r.endpoint != "static"]
    pages = [Page(r) for r in routes]
    by_endpoint = {r.endpoint: r for r in routes}
    pages += [Page(by_endpoint[e], tuple(args.items())) for e, args in PAGE_VARIANTS if e in by_endpoint]
    return pages


def allowed_roles(entry) -> list[str]:
    expected = entry.get or {}
    return [role for role in ROLE_PREFERENCE if expected.get(role) == OK]


def assert_escaped(html: str, posted: dict, where: str) -> None:
    """Each known HTML/JS payload that was posted must not come back as markup."""
    for value in posted.values():
        for payload in HTML_PAYLOADS:
            if isinstance(value, str) and payload in value and payload.startswith(("<", '"', "</")):
                assert payload not in html, f"{where}: the payload {payload!r} is shown unescaped"


def pages_someone_may_open(pages) -> list[Page]:
    """Pages at least one role may open: the others have nothing to fuzz (the matrix tests their 403s),
    so no case is generated for them (a case that always skips tests nothing). A page missing from the
    matrix is kept: its case fails and says so."""
    return [p for p in pages if p.endpoint not in MATRIX or allowed_roles(MATRIX[p.endpoint])]


# Pages that render no POST form for any role allowed in (read-only pages, downloads, feeds, redirects):
# no fuzz case is generated for them. test_pages_declared_formless_render_no_post_form keeps this list
# true, and a generated page that shows no form fails (declare it here), so the list cannot drift.
PAGES_WITHOUT_POST_FORM = frozenset(
    {
        "agenda.index",
        "agenda.month",
        "agenda.week",
        "api.docs",
        "api.openapi_json",
        "catalogue.expert",
        "catalogue.index",
        "coordination.audit",
        "coordination.home",
        "coordination.members",
        "coordination.periods",
        "coordination.request_detail[request_id=scheduled]",
        "envelope.staff_manage",
        "feeds.booking_ics",
        "feeds.expert_feed",
        "feeds.member_feed",
        "feeds.request_ics",
        "health.healthz",
        "health.readyz",
        "legal.accessibility",
        "legal.notice",
        "legal.privacy",
        "legal.security_txt",
        "main.home",
        "main.language",
        "main.open_notification",
        "planning.bookings",
        "planning.history",
        "reports.dashboard",
        "reports.export",
        "reports.member_statement",
        "reports.quote_pdf_download",
        "reports.savings",
        "reports.utilisation_report",
        "reports.statement",
        "reports.statement_csv",
        "reports.statement_pdf_download",
        "requests.dashboard",
        "requests.index",
        "requests.messages",
        "requests.quota_check",
        "scenarios.compare",
        "scenarios.index",
        "scenarios.state",
    }
)


def pages_to_fuzz(pages) -> list[Page]:
    return [p for p in pages_someone_may_open(pages) if p.label not in PAGES_WITHOUT_POST_FORM]


def forms_of(page: Page, app, world, isolated) -> tuple[str, str | None, list]:
    """The page's URL, and the POST forms the first allowed role that sees any finds there (with that
    role); (url, None, []) when no allowed role sees one (a logged-in user is sent away from the login page)."""
    entry = MATRIX[page.endpoint]
    url = build_url(app, page.route, world, {**entry.args, **dict(page.args)})
    for role in allowed_roles(entry):
        with isolated():
            response = client_as(app, world, role).get(url)
            # Downloads (PDF, XLSX) are binary and hold no form.
            is_page = response.status_code == 200 and response.mimetype == "text/html"
            html = response.get_data(as_text=True) if is_page else ""
        forms = [f for f in post_forms(html, "http://localhost" + url) if local_path(f.action) not in SKIPPED_ACTIONS]
        if forms:
            return url, role, forms
    return url, None, []


@pytest.mark.parametrize("page", pages_to_fuzz(pages_with_forms()), ids=lambda p: p.label)
def test_forms_of_the_page_survive_hostile_input(page, app, db, world, isolated):
    if page.endpoint not in MATRIX:
        pytest.fail(f"{page.endpoint} is not in tests/trust/authz_matrix.py")
    url, role, forms = forms_of(page, app, world, isolated)
    if not forms:
        pytest.fail(f"no POST form on {url} for any role: declare {page.label!r} in PAGES_WITHOUT_POST_FORM")
    print(
        f"{page.label}: {len(forms)} form(s) as {role}: "
        + "; ".join(f"{local_path(f.action)} {sorted(f.fields)}" for f in forms)
    )
    posted = sum(fuzz_form(app, db, world, isolated, role, form) for form in {f.signature: f for f in forms}.values())
    print(f"{page.label}: {posted} hostile posts")


@pytest.mark.parametrize("label", sorted(PAGES_WITHOUT_POST_FORM))
def test_pages_declared_formless_render_no_post_form(label, app, db, world, isolated):
    """Each page declared without a form is a page some role may open, and none of them sees a POST form
    there: a form added to it later makes this fail, so it gets fuzzed."""
    pages = {p.label: p for p in pages_someone_may_open(pages_with_forms())}
    assert label in pages, f"{label} is no page that a role may open: remove it from PAGES_WITHOUT_POST_FORM"
    assert pages[label].endpoint in MATRIX, f"{pages[label].endpoint} is not in tests/trust/authz_matrix.py"
    url, role, forms = forms_of(pages[label], app, world, isolated)
    assert forms == [], f"{url} shows a POST form to {role}: remove {label!r} from PAGES_WITHOUT_POST_FORM"


def fuzz_form(app, db, world, isolated, role, form):
    action = local_path(form.action)
    fields = list(form.fields.values())
    has_file = any(f.kind == "file" for f in fields)
    count = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.fixed_dictionaries({f.name: field_strategy(f) for f in fields if f.name != "csrf_token"}))
    def post_hostile(values):
        nonlocal count
        count += 1
        data = {
            name: (io.BytesIO(value), "import.csv") if isinstance(value, bytes) else value
            for name, value in values.items()
        }
        where = f"POST {action} as {role} with {values!r}"[:2000]
        with isolated():
            before = row_counts(db.session, Base.metadata)
            client = client_as(app, world, role)
            response = client.post(action, data=data, content_type="multipart/form-data" if has_file else None)
            assert response.status_code < 500, where
            # A download (the personal-data ZIP) is no page: nothing in it is rendered as markup.
            html = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
            assert_escaped(html, values, where)
            if 400 <= response.status_code < 500:
                after = row_counts(db.session, Base.metadata)
                changed = {t for t in after if after[t] != before[t]} - WRITES_ALLOWED_ON_REFUSAL
                assert not changed, f"{where}: refused ({response.status_code}) but wrote to {sorted(changed)}"
            elif response.status_code in (302, 303) and response.headers["Location"].startswith("/"):
                # Accepted: the next page shows what was stored, escaped.
                shown = client.get(response.headers["Location"])
                assert shown.status_code < 500, where
                assert_escaped(shown.get_data(as_text=True), values, where + " (after redirect)")

    post_hostile()
    return count


# Query-string parameters: the usual ones, plus every name the code reads with request.args.get(…).
COMMON_PARAMETERS = (
    "page",
    "year",
    "week",
    "month",
    "date",
    "start",
    "q",
    "request",
    "member",
    "expert",
    "status",
    "role",
    "next",
    "period",
    "sort",
)


def parameters_read_by_the_code() -> tuple[str, ...]:
    source = Path(expertpool.__file__).parent
    pattern = re.compile(r"request\.args\.get(?:list)?\(\s*[\"']([A-Za-z_][\w-]*)[\"']")
    names = {m.group(1) for path in source.rglob("*.py") for m in pattern.finditer(path.read_text("utf-8"))}
    return tuple(sorted(names | set(COMMON_PARAMETERS)))


@pytest.mark.parametrize(
    "page", pages_someone_may_open([p for p in pages_with_forms() if not p.args]), ids=lambda p: p.label
)
def test_query_strings_of_the_page_survive_hostile_input(page, app, db, world, isolated):
    """Filters, pagination and date pickers read the query string: hostile values give a page or a
    4xx, never a 500 (GET forms of the page are discovered like the POST ones)."""
    entry = MATRIX[page.endpoint]
    role = allowed_roles(entry)[0]
    url = build_url(app, page.route, world, entry.args)
    with isolated():
        response = client_as(app, world, role).get(url)
        html = (
            response.get_data(as_text=True) if response.status_code == 200 and response.mimetype == "text/html" else ""
        )
    fields = {name: f for form in page_forms(html, "http://localhost" + url, "get") for name, f in form.fields.items()}
    for name in parameters_read_by_the_code():
        fields.setdefault(name, Field(name, "text"))
    count = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        st.dictionaries(
            st.sampled_from(sorted(fields)),
            st.one_of(st.sampled_from(NASTY_NUMBERS + NASTY_DATES), text_values()),
            max_size=4,
        ),
        st.data(),
    )
    def get_hostile(params, data):
        nonlocal count
        count += 1
        for name, f in fields.items():  # the page's own filters, with hostile or valid values
            if f.kind != "text" and data.draw(st.booleans()):
                params[name] = data.draw(field_strategy(f))
        params = {k: v for k, v in params.items() if not isinstance(v, bytes)}
        with isolated():
            response = client_as(app, world, role).get(url, query_string=params)
            response.close()
            assert response.status_code < 500, f"GET {url} as {role} with {params!r}"[:2000]

    get_hostile()
    print(f"{page.endpoint}: {count} hostile queries")


# --- formula injection in every export ---------------------------------------------------------------

EXPORT_DATASETS = ("membres", "droits", "demandes", "reservations", "evaluations")


def _client_for(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return client


def _pool_with_formulas(factory, payload):
    """Every text field that reaches an export holds the payload: names of members (and of their EPCI),
    of the period, of the expert and of the role, titles of requests, rating comments."""
    from datetime import date

    from factories import FIXED_NOW

    from expertpool.models import BookingStatus, MemberKind, RequestStatus, UserRole

    texts = {
        "epci": payload + " (EPCI)",
        "member": payload + " (commune)",
        "period": payload + " (période)",
        "expert": payload + " (expert)",
        "role": payload + " (rôle)",
        "title": payload + " (demande)",
        "epci_title": payload + " (demande de l'EPCI)",
        "comment": payload + " (commentaire)",
    }
    factory.settings()
    epci = factory.member(texts["epci"], kind=MemberKind.EPCI, holds_envelope=True, insee_code=None, siren="242900694")
    member = factory.member(texts["member"], parent_id=epci.id)
    period = factory.period(2027, members=(member, epci))
    period.name = texts["period"]
    role = factory.role("formula", label=texts["role"])
    expert = factory.expert(texts["expert"], roles=(role.code,), day_rate_cents=60_000)
    done = {"status": RequestStatus.COMPLETED, "approved_half_days": 1, "half_days": 1, "completed_at": FIXED_NOW}
    rated = factory.request(
        member,
        role=role.code,
        title=texts["title"],
        rating=2,
        rating_comment=texts["comment"],
        rated_at=FIXED_NOW,
        **done,
    )
    epci_request = factory.request(epci, role=role.code, title=texts["epci_title"], **done)
    factory.booking(rated, expert, date(2027, 1, 5), "am", status=BookingStatus.DELIVERED)
    factory.booking(epci_request, expert, date(2027, 1, 6), "pm", status=BookingStatus.DELIVERED)
    staff = factory.user(UserRole.COORDINATOR, email="coord.formules@example.org")
    epci_user = factory.user(UserRole.MEMBER, member=epci, email="cc.formules@example.org")
    return texts, staff, epci_user, member, epci, period


# The texts each export shows (the statement of a member shows its own requests only).
EXPORT_TEXTS = {
    "membres": ("epci", "member"),
    "droits": ("epci", "member", "period"),
    "demandes": ("member", "title", "role", "epci_title"),
    "reservations": ("expert", "member", "title", "epci_title"),
    "evaluations": ("member", "title", "comment"),
}


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_no_export_runs_a_formula_typed_into_the_app(payload, app, db, factory):
    texts, staff, epci_user, member, epci, period = _pool_with_formulas(factory, payload)
    db.session.commit()
    coordinator = _client_for(app, staff)
    for dataset in EXPORT_DATASETS:
        stored = [texts[key] for key in EXPORT_TEXTS[dataset]]
        for fmt in ("csv", "xlsx"):
            response = coordinator.get(
                "/rapports/exports", query_string={"dataset": dataset, "period": period.id, "fmt": fmt}
            )
            where = f"{dataset}.{fmt} with {payload!r}"
            assert response.status_code == 200, where
            check = assert_csv_inert if fmt == "csv" else assert_xlsx_inert
            check(response.data, stored, where)
    statements = [
        (coordinator, member, [texts["member"], texts["period"], texts["expert"], texts["title"]]),
        (_client_for(app, epci_user), epci, [texts["epci"], texts["period"], texts["expert"], texts["epci_title"]]),
    ]
    for client, owner, stored in statements:
        response = client.get(f"/rapports/membres/{owner.id}/etat.csv", query_string={"period": period.id})
        assert response.status_code == 200
        assert_csv_inert(response.data, stored, f"statement of {owner.id} with {payload!r}")


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_the_member_import_keeps_formulas_inert(payload, app, db, factory):
    """Names come in through the CSV import: the rejected-rows file and the members export stay inert."""
    from expertpool.coordination.member_import import apply_import, build_preview, rejected_csv
    from expertpool.models import UserRole

    staff = factory.user(UserRole.COORDINATOR, email="coord.import@example.org")
    name = payload + " (importée)"
    bad = payload + " (rejetée)"
    lines = ["Nom;Type;Code INSEE;Population", f"{csv_field(name)};commune;29019;100", f"{csv_field(bad)};x;2A0;-4"]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    with app.test_request_context():
        preview = build_preview(data)
        assert [r.status for r in preview.rows] == ["created", "rejected"]
        body = rejected_csv(preview).encode("utf-8")
        assert_csv_inert(body, [bad], f"rejected rows with {payload!r}")
        assert b";-4;" in body  # a number stays a number
        apply_import(preview, actor=staff, now=staff.created_at)
    db.session.commit()
    response = _client_for(app, staff).get("/rapports/exports", query_string={"dataset": "membres", "fmt": "xlsx"})
    # The import trims names, so a leading tab or CR is gone; what remains must still be inert.
    assert_xlsx_inert(response.data, [name.strip()], f"imported members with {payload!r}")
