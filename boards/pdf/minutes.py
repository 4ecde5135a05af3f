"""The minutes as a PDF: the same ``Minutes``, headings and sentences as the HTML page, on A4."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from ..minutes import Minutes, Section
from .base import BODY, HEADING, PORTRAIT, SUBHEADING, SUBTITLE, TITLE, WARNING, fonts, lines, para, render


def _section(section: Section, style: ParagraphStyle = SUBHEADING) -> list[Flowable]:
    return [para(section.heading, style), *lines(section.lines, section.empty)]


def minutes_pdf(minutes: Minutes) -> bytes:
    fonts()
    story: list[Flowable] = [
        para(f"Minutes: {minutes.title}", TITLE),
        para(f"{minutes.committee} ({minutes.school})", SUBTITLE),
        para("Attendance", SUBHEADING),
        *lines([str(attendee) for attendee in minutes.attendees], "No attendance recorded."),
        para(minutes.quorum_sentence),
        para(minutes.ledger_sentence, WARNING if minutes.ledger_break else BODY),
    ]
    if minutes.anonymous:
        story.append(para("This committee is anonymous: candidates are named by candidate number only."))
    for cohort in minutes.cohorts:
        story += [para(cohort.title, HEADING), para(cohort.summary)]
        for section in cohort.sections:
            story += _section(section)
    if not minutes.cohorts:
        story.append(para("No cohort was on the agenda."))
    story += _section(minutes.examiner_section, HEADING)
    return render(
        story,
        title=f"Minutes: {minutes.committee}, {minutes.title}",
        pagesize=PORTRAIT,
        foot=f"Minutes of the {minutes.committee}, {minutes.title}",
    )
