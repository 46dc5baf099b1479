"""Checking surveyed parcels against the plan.

- :mod:`geo.checks.pipeline`: read → CRS → match → checks → findings → save,
  the one path the Check page and ``python -m geo check`` both take;
- :mod:`geo.checks.registry`: the checks (:data:`CHECKS`) and :func:`run_checks`;
- :mod:`geo.checks.matching`: parcels to projects, by name/id or overlap;
- :mod:`geo.checks.topology`: vectorised geometry behind the checks;
- :mod:`geo.checks.messages`: each finding's text in English and Chinese;
- :mod:`geo.checks.report`: HTML report, findings CSV, flagged GeoJSON.
"""

from geo.checks.matching import suggest_name_field
from geo.checks.messages import messages_in
from geo.checks.pipeline import (
    CheckOptions,
    CheckRun,
    PlanLayers,
    check_file,
    check_read,
    check_upload,
    save_run,
    saved_result,
)
from geo.checks.registry import CHECKS, FINDING_COLUMNS, SEVERITIES, CheckResult, run_checks
from geo.checks.report import findings_csv, flagged_geojson, html_report

__all__ = [
    "CHECKS", "FINDING_COLUMNS", "SEVERITIES", "CheckOptions", "CheckResult", "CheckRun", "PlanLayers", "check_file",
    "check_read", "check_upload",
    "findings_csv", "flagged_geojson", "html_report", "messages_in", "run_checks", "save_run", "saved_result",
    "suggest_name_field",
]
