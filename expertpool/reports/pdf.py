"""The yearly statement and a request's quote as PDFs (fpdf2), with a Unicode font when one is installed.

DejaVu Sans (Debian's fonts-dejavu-core) prints every character; without it, fpdf2's core Helvetica in
the windows-1252 encoding still prints French accents and the euro sign, and the few characters it
lacks (narrow no-break spaces from number formats, mostly) are replaced.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from expertpool.i18n import date_long, date_range, days_label, half_label, money
from expertpool.models import InterventionRequest, Urgency
from expertpool.quotes import QuoteFigures
from expertpool.reports.pdf_fonts import common_font
from expertpool.reports.statement import billing_rule, critical_mention, legal_basis, summary
from expertpool.reports.statement_data import Statement
from expertpool.timeutil import today_paris

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Spaces babel puts in French numbers that windows-1252 lacks.
CORE_REPLACEMENTS = {"\u202f": " ", "\u2009": " ", "\u2011": "-", "\u2212": "-"}


def unicode_font_files() -> dict[str, Path] | None:
    for folder in FONT_DIRS:
        files = {style: folder / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    return None


class StatementPDF(FPDF):
    def __init__(self, footer_text: str, use_unicode_font: bool = True, whole_font: bool = False):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        files = unicode_font_files() if use_unicode_font else None
        if files:
            for style, path in files.items():
                self.add_font("DejaVu", style, str(path if whole_font else common_font(path)))
            self.base_family = "DejaVu"
        else:
            self.core_fonts_encoding = "windows-1252"
            self.base_family = "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    @property
    def missing_glyphs(self) -> bool:
        """Whether some text needed a character the fonts lack (fpdf2 records them as it lays out)."""
        return any(getattr(font, "missing_glyphs", None) for font in self.fonts.values())

    @property
    def unicode(self) -> bool:
        return self.base_family == "DejaVu"

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        for char, replacement in CORE_REPLACEMENTS.items():
            text = text.replace(char, replacement)
        return text.encode("windows-1252", errors="replace").decode("windows-1252")

    def write_line(self, text: str, size: float = 10, style: str = "", height: float = 5.5) -> None:
        self.set_font(self.base_family, style, size)
        self.multi_cell(0, height, self.clean(text), new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.base_family, "", 8)
        self.cell(0, 5, self.clean(f"{self.footer_text} — {self.page_no()}/{{nb}}"), align="C")


def _with_font_fallback(build) -> bytes:
    """The document in DejaVu cut to the common scripts, or built again in the whole font when its text
    needs more (`build(whole_font)` makes the document)."""
    pdf = build(False)
    if pdf.unicode and pdf.missing_glyphs:
        for font in pdf.fonts.values():  # never written out: fpdf2 would not close their files
            font.close()
        pdf = build(True)
    return bytes(pdf.output())


def statement_pdf(st: Statement, pool_name: str, *, use_unicode_font: bool = True) -> bytes:
    return _with_font_fallback(lambda whole_font: _statement_document(st, pool_name, use_unicode_font, whole_font))


def _document(
    title: str, member_name: str, pool_name: str, footer_part: str, use_unicode_font: bool, whole_font: bool = False
) -> StatementPDF:
    """A new A4 document headed by the pool, the title and the member (the footer repeats them)."""
    pdf = StatementPDF(f"{pool_name} — {member_name} — {footer_part}", use_unicode_font, whole_font)
    pdf.set_title(pdf.clean(title))
    pdf.set_author(pdf.clean(pool_name))
    pdf.add_page()
    pdf.write_line(pool_name, 10, "B")
    pdf.write_line(title, 16, "B", 9)
    pdf.write_line(member_name, 13, "B", 7)
    return pdf


def _statement_document(st: Statement, pool_name: str, use_unicode_font: bool, whole_font: bool) -> StatementPDF:
    title = _("État annuel des recours — %(period)s", period=st.period.name)
    pdf = _document(title, st.member.name, pool_name, st.period.name, use_unicode_font, whole_font)
    identity = []
    if st.member.siren:
        identity.append(_("SIREN %(siren)s", siren=st.member.siren))
    if st.member.insee_code:
        identity.append(_("code INSEE %(code)s", code=st.member.insee_code))
    if identity:
        pdf.write_line(" · ".join(identity), 9)
    pdf.write_line(
        _(
            "Période du %(start)s au %(end)s — édité le %(today)s",
            start=date_long(st.period.start_date),
            end=date_long(st.period.end_date),
            today=date_long(today_paris()),
        ),
        9,
    )
    pdf.ln(2)
    pdf.write_line(legal_basis(), 8, "", 4.5)
    pdf.ln(3)

    pdf.write_line(_("Prévision et consommation"), 12, "B", 7)
    pdf.set_font(pdf.base_family, "", 10)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=(102, 78), text_align=("LEFT", "RIGHT"), first_row_as_headings=False, line_height=6
    ) as table:
        for item in summary(st):
            row = table.row()
            style = bold if item.strong else None
            row.cell(pdf.clean(item.label), style=style)
            row.cell(pdf.clean(item.text), style=style)
    pdf.ln(2)
    pdf.write_line(billing_rule(), 8, "", 4.5)
    pdf.ln(3)

    pdf.write_line(
        ngettext(
            "Interventions réalisées (%(num)s demi-journée)",
            "Interventions réalisées (%(num)s demi-journées)",
            len(st.lines),
        ),
        12,
        "B",
        7,
    )
    if st.interventions:
        write_interventions(pdf, st)
    else:
        pdf.write_line(_("Aucune demi-journée réalisée sur la période."), 10)
    return pdf


# (heading, width in mm, alignment); 180 mm between the margins.
INTERVENTION_COLUMNS = (
    (lambda: _("Dates"), 37, "L"),
    (lambda: _("Demi-journées"), 28, "R"),
    (lambda: _("Expert"), 37, "L"),
    (lambda: _("Demande"), 56, "L"),
    (lambda: _("Montant"), 22, "R"),
)
ROW_HEIGHT = 5.5


def write_interventions(pdf: StatementPDF, st: Statement) -> None:
    """One row per intervention, in single-line cells: fpdf2's tables break every cell into lines, which
    cost about 4 ms a row; a statement of a busy member has hundreds of half-days."""
    pdf.set_font(pdf.base_family, "B", 9)
    pdf.set_fill_color(230, 236, 242)
    for heading, width, align in INTERVENTION_COLUMNS:
        pdf.cell(width, ROW_HEIGHT + 1, pdf.clean(heading()), border="B", align=align, fill=True)
    pdf.ln()
    pdf.set_font(pdf.base_family, "", 9)
    for item in st.interventions:
        run = item.run
        (first, first_half), (last, _last_half) = run.first, run.last
        # A single half-day says which half, in the count's column: the dates column stays narrow.
        count = f"1 ({half_label(first_half)})" if run.count == 1 else str(run.count)
        values = (
            date_range(first, last),
            count,
            item.expert,
            f"n° {run.request_id} — {item.request_title}",
            money(st.unit_price_cents * run.count),
        )
        border = "" if item.critical else "B"
        for (_heading, width, align), value in zip(INTERVENTION_COLUMNS, values, strict=True):
            pdf.cell(width, ROW_HEIGHT, fit(pdf, pdf.clean(value), width - 2), border=border, align=align)
        pdf.ln()
        if item.critical:  # the mark on a line of its own, under the intervention: never cut
            pdf.set_font(pdf.base_family, "", 8)
            pdf.cell(180, ROW_HEIGHT - 1, pdf.clean(f"n° {run.request_id} : {critical_mention()}"), border="B")
            pdf.ln()
            pdf.set_font(pdf.base_family, "", 9)


def fit(pdf: StatementPDF, text: str, width: float) -> str:
    """`text` cut with an ellipsis to fit `width` mm in the current font (titles can be long)."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def quote_pdf(req: InterventionRequest, quote: QuoteFigures, pool_name: str, *, use_unicode_font: bool = True) -> bytes:
    """A printable quote for a request's billable part (inert: text only, no link, no form)."""
    return _with_font_fallback(lambda whole_font: _quote_document(req, quote, pool_name, use_unicode_font, whole_font))


def _quote_document(
    req: InterventionRequest, quote: QuoteFigures, pool_name: str, use_unicode_font: bool, whole_font: bool
) -> StatementPDF:
    title = _("Devis — demande n° %(id)s", id=req.id)
    pdf = _document(title, req.member.name, pool_name, title, use_unicode_font, whole_font)
    pdf.write_line(_("Édité le %(today)s", today=date_long(today_paris())), 9)
    pdf.ln(2)
    pdf.write_line(req.title, 11, "B", 6)
    window = {
        "days": days_label(req.granted_half_days),
        "start": date_long(req.earliest),
        "end": date_long(req.deadline),
    }
    if req.approved_half_days is not None:
        pdf.write_line(_("%(days)s accordés, du %(start)s au %(end)s", **window), 10)
    else:
        pdf.write_line(_("%(days)s demandés, du %(start)s au %(end)s", **window), 10)
    pdf.ln(3)
    with pdf.table(col_widths=(102, 78), text_align=("LEFT", "RIGHT"), first_row_as_headings=False, line_height=6) as t:
        for label, value in (
            (_("Demi-journées au-delà du droit de tirage"), str(quote.half_days)),
            (_("Prix unitaire de la demi-journée (HT)"), money(quote.unit_price_cents)),
            (_("Montant (HT)"), money(quote.amount_cents)),
        ):
            row = t.row()
            row.cell(pdf.clean(label))
            row.cell(pdf.clean(value))
    pdf.ln(3)
    pdf.write_line(quote.status, 10, "B", 6)
    if req.urgency == Urgency.CRITICAL:
        pdf.write_line(critical_mention(), 9)
    pdf.ln(2)
    pdf.write_line(billing_rule(), 8, "", 4.5)
    return pdf
