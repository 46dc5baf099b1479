"""The plan's terms (``data/plan/glossary.csv``) as labels ``term_<key>``: one glossary for app, CLI and report.

Statuses, zone bases, measures and the names of the spatial structure come
from here, so the Totals page, the detail panel, the legend and the command
line say the same words in each language.
"""

from __future__ import annotations

import layers

LABELS: dict[str, tuple[str, str]] = {
    f"term_{r.key}": (str(r.zh), str(r.en)) for r in layers.load_glossary().itertuples()
}
