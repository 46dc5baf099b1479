"""Start the explorer: ``python -m ui.launch [streamlit options]`` (what ``./run.sh`` runs).

Streamlit still treats a folder named ``pages/`` beside the entry script as a
legacy (v1) multipage app until ``st.navigation`` has run once in the process,
so the very first request after a start — a bookmarked ``/check``, say —
showed a "page not found" notice before our own navigation took over. This
app always uses ``st.navigation`` (``app.py``), so the launcher turns the
legacy detection off before the server starts; the browser test
``tests/e2e/test_deep_link.py`` proves the first deep link opens cleanly.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str] | None = None) -> None:
    """Run ``streamlit run app.py`` with the given options, legacy ``pages/`` detection off."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
