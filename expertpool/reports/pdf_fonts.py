"""The statement's Unicode font, cut once per process to the characters statements use.

DejaVu Sans holds about 6,000 glyphs and large layout tables: fpdf2 parses the font file for every
document and reads its tables again to embed a subset, about 70 ms of CPU per PDF. The Latin scripts,
punctuation, currency and arrows (about 1,700 glyphs, no layout tables: fpdf2 does not shape text
unless asked) parse in half that time. The cut font is written once per process to a private temporary
folder, since fpdf2 loads fonts from files; a document whose text needs a character outside the cut
is built again with the whole font (`statement_pdf` checks fpdf2's record of missing glyphs).
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
from pathlib import Path

from fontTools import subset, ttLib

# Latin (with Extended-A/B and Additional), spacing and combining marks, general punctuation (narrow
# no-break spaces of French numbers, dashes, quotes), currency, letter-like symbols, number forms,
# arrows, mathematical operators, geometric shapes.
COMMON_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x02B0, 0x036F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x218F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x25A0, 0x25FF),
)

_lock = threading.Lock()
_folder: Path | None = None
_cut: dict[Path, Path] = {}


def _cut_font(source: Path, target: Path) -> None:
    font = ttLib.TTFont(source)
    options = subset.Options()
    options.layout_features = []  # no shaping: the layout tables would only be read and dropped
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables += ["FFTM"]
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[code for first, last in COMMON_RANGES for code in range(first, last + 1)])
    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
    cutter.subset(font)
    partial = target.with_suffix(".part")
    font.save(partial)
    partial.replace(target)  # whole or absent, whatever another thread reads


def common_font(source: Path) -> Path:
    """The file of `source` cut to COMMON_RANGES (made at the first call in this process)."""
    global _folder
    with _lock:
        if source not in _cut:
            if _folder is None:
                _folder = Path(tempfile.mkdtemp(prefix="expertpool-fonts-"))
                atexit.register(shutil.rmtree, _folder, ignore_errors=True)
            target = _folder / f"{source.stem}-common.ttf"
            _cut_font(source, target)
            _cut[source] = target
        return _cut[source]
