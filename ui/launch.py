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
#: The large libraries and our own engine the pages import: loaded before the server starts, then frozen.
LIBRARIES = ("altair", "ezdxf", "folium", "geopandas", "numpy", "openpyxl", "pandas", "pyarrow", "pyproj", "shapely",
             "geo.checks", "geo.mapview.plan", "layers")


def freeze_libraries() -> None:
    """Import :data:`LIBRARIES` and put every object alive now out of the garbage collector's reach (gc.freeze).

    Streamlit runs a full collection after every script run, on the thread that then sends the page: with the
    ~220,000 objects these libraries hold it took 130 ms on an idle machine and up to 1.2 s under load, on
    every run of every page (measured for the drafting page, issue 23). Module-level objects live as long as
    the server anyway; frozen, a collection takes ~2 ms. The price is a server start ~2 s slower.
    """
    import gc
    import importlib

    for name in LIBRARIES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    """Run ``streamlit run app.py`` with the given options, legacy ``pages/`` detection off."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    freeze_libraries()
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
