"""The three upload formats: one row per component, per registration, per mark.

Headers are case-insensitive; optional columns may be left out. A yes/no column
takes ``yes``/``no``, ``true``/``false``, ``y``/``n``, ``1``/``0`` or blank (no).
Lists are separated by ``;`` and pairs by ``:`` (``3:counts``, ``4:40``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str


STRUCTURE = (
    Column("programme_code", True, "Programme code, e.g. UHIS-BA"),
    Column("programme_title", True, "Programme title"),
    Column("award", True, "Award key: bachelor-honours, master, ... (CASES.md)"),
    Column("ruleset", True, "Rule set for new intakes, e.g. leeds-taught-2024"),
    Column("module_code", True, "Module code, e.g. HIST1001"),
    Column("module_title", True, "Module title"),
    Column("credits", True, "Module credits, a whole number"),
    Column("level", True, "FHEQ level 3-7"),
    Column("programme_year", True, "Programme year the module belongs to (0 = foundation year)"),
    Column("academic_session", True, "Session of the occurrence, e.g. 2024/25"),
    Column("component", True, "Component name; 'module' when the module has a single mark"),
    Column("weight", True, "Component weight, a number >= 0"),
    Column("component_must_pass", False, "yes/no: the component must be passed (S 5.16)"),
    Column("optional", False, "yes/no"),
    Column("prerequisite", False, "yes/no"),
    Column("must_pass", False, "yes/no: pass for progression/award"),
    Column("final_project", False, "yes/no"),
    Column("skills_discovery", False, "yes/no"),
    Column("supernumerary", False, "yes/no"),
    Column("minor", False, "yes/no"),
    Column("foundation_year", False, "yes/no"),
    Column("subject", False, "Joint-honours subject of the module"),
    Column("engineering_council", False, "yes/no (programme)"),
    Column("joint_subjects", False, "Programme subjects, e.g. History;French"),
    Column("two_plus_two", False, "yes/no (programme)"),
    Column("study_abroad_years", False, "e.g. 3:counts or 3:zero-weighted"),
    Column("year_weights", False, "e.g. 1:0;2:1;3:3 (overrides the award's pattern)"),
    Column("allows_substitution", False, "yes/no (programme)"),
    Column("supernumerary_counts", False, "yes/no (programme)"),
    Column("mbchb", False, "yes/no (programme)"),
    Column("im_threshold", False, "Integrated Master progression threshold (S 5.15)"),
)

STUDENTS = (
    Column("student_id", True, "Student id"),
    Column("given_name", False, "Given name"),
    Column("family_name", False, "Family name"),
    Column("candidate_number", False, "Candidate number for anonymous boards"),
    Column("programme_code", True, "Programme code"),
    Column("entry_session", True, "Session the student entered the programme, e.g. 2022/23"),
    Column("academic_session", True, "Session of this enrolment, e.g. 2024/25"),
    Column("programme_year", True, "Programme year in that session"),
    Column("module_code", True, "A module the student is registered on that session"),
    Column("grade", False, "P or F for a pass/fail-graded module, else blank"),
    Column("entry_year", False, "Programme year the student entered (default 1; 3 for advanced standing)"),
    Column("mitigation_accepted", False, "yes/no"),
    Column("apl", False, "APL credit by level, e.g. 4:120;5:120"),
    Column("transfer_request", False, "yes/no"),
    Column("unable_to_repeat", False, "yes/no"),
    Column("repeated_before", False, "yes/no"),
)

MARKS = (
    Column("student_id", True, "Student id"),
    Column("module_code", True, "Module code"),
    Column("academic_session", True, "Session of the module occurrence, e.g. 2024/25"),
    Column("component", True, "Component name ('module' for a single-mark module)"),
    Column("attempt", True, "1 for the first sitting, 2 for the reassessment, ..."),
    Column("mark", True, "A mark 0-100 or a result code ABS, NS, DEF"),
    Column("reassessment_as_first_attempt", False, "yes/no: the attempt is taken as a first attempt"),
)

FORMATS = {"structure": STRUCTURE, "students": STUDENTS, "marks": MARKS}
