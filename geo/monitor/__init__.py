"""监测评估: actuals over the years, evaluation by written rules, the template and the annual report.

- :mod:`geo.monitor.model`: the records (:class:`Actual`), stages, statuses, :class:`StatusRow`;
- :mod:`geo.monitor.evaluate`: the rules of ``data/README.md`` (a pure function of plan and records);
- :mod:`geo.monitor.template`: the Excel workbook the office fills in, and reading it back;
- :mod:`geo.monitor.report`: the annual report and the 终期评估 (Word, PDF).

The records are kept by the workspace's store (:meth:`geo.store.Office.record_actuals`).
"""
