"""Student records: structure (what is taught), people (who studies it) and marks (how they did)."""

from .marks import ImportBatch, Mark, MarkChange, ResultCode
from .people import Enrolment, Registration, SchoolRole, Student
from .structure import (
    MODULE_COMPONENT,
    Component,
    EntryCohort,
    Module,
    ModuleOccurrence,
    Programme,
    ProgrammeModule,
    School,
)

__all__ = [
    "MODULE_COMPONENT",
    "Component",
    "Enrolment",
    "EntryCohort",
    "ImportBatch",
    "Mark",
    "MarkChange",
    "Module",
    "ModuleOccurrence",
    "Programme",
    "ProgrammeModule",
    "Registration",
    "ResultCode",
    "School",
    "SchoolRole",
    "Student",
]
