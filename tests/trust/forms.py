"""Find the POST forms of a rendered page (fields, types, choices, defaults) and count table rows, for
the bad-input tests."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa


@dataclass
class Field:
    name: str
    kind: str  # the input type, "select", "textarea"
    default: str = ""
    options: list = field(default_factory=list)  # select options / checkbox and radio values


@dataclass
class Form:
    action: str
    fields: dict = field(default_factory=dict)  # name -> Field
    method: str = "post"

    @property
    def signature(self) -> tuple:
        return self.action, tuple(sorted(self.fields))


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                action=urljoin(self.page_url, a.get("action") or self.page_url), method=a.get("method", "get").lower()
            )
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
                if "selected" in a:
                    self._select.default = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            existing = self._form.fields.get(name)
            if kind in ("checkbox", "radio") and existing is not None:
                existing.options.append(a.get("value", "on"))
                if "checked" in a:
                    existing.default = a.get("value", "on")
                return
            entry = Field(name, kind, a.get("value", ""))
            if kind in ("checkbox", "radio"):
                entry.options = [a.get("value", "on")]
                entry.default = a.get("value", "on") if "checked" in a else ""
            self._form.fields[name] = entry
        elif tag == "select":
            self._select = self._form.fields[name] = Field(name, "select")
        elif tag == "textarea":
            self._textarea = self._form.fields[name] = Field(name, "textarea")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.default += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            if self._select is not None and not self._select.default and self._select.options:
                self._select.default = self._select.options[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str, page_url: str, method: str = "post") -> list[Form]:
    """The page's forms of `method` whose action stays on this site."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return [f for f in parser.forms if f.method == method and urlsplit(f.action).netloc in ("", "localhost")]


def post_forms(html: str, page_url: str) -> list[Form]:
    return page_forms(html, page_url, "post")


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def row_counts(session, metadata) -> dict[str, int]:
    """Rows per table, in one statement."""
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    query = sa.union_all(
        *[sa.select(sa.literal(t.name).label("t"), sa.func.count().label("n")).select_from(t) for t in tables]
    )
    return {row[0]: row[1] for row in session.execute(query)}
