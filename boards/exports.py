"""The broadsheet as a CSV or XLSX file: every row the filters keep, the page's columns, no formulas.

The cells are the table's own (``BroadsheetTable.cells``), so the file says what the page says, anonymous
mode included; ``students.exports`` makes every text cell inert in a spreadsheet (OWASP CSV injection).
"""

from __future__ import annotations

from django.http import HttpResponse

from students.exports import write_csv, write_xlsx

from .models import Cohort
from .tables import BroadsheetTable

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(cohort: Cohort, stage: str, file_format: str) -> str:
    """E.g. ``HIST-BA_2024-25_Y3_award_broadsheet.csv``: sorts by programme, session and year in a folder."""
    session = cohort.academic_session.replace("/", "-")
    return f"{cohort.programme.code}_{session}_Y{cohort.programme_year}_{stage}_broadsheet.{file_format}"


def broadsheet_response(table: BroadsheetTable, *, name: str, file_format: str) -> HttpResponse:
    """The whole (unpaginated) table as an attachment; ``file_format`` is ``csv`` or ``xlsx``."""
    rows = (table.cells(outcome) for outcome in table.records())
    writer = write_xlsx if file_format == "xlsx" else write_csv
    response = HttpResponse(writer(table.headers, rows), content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
