"""What a school teaches: programmes, modules, their pairing, each year's occurrence and its components."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from regulations.engine.parse import AWARD_KEYS

SESSION_VALIDATOR = RegexValidator(r"^\d{4}/\d{2}$", "An academic session looks like 2024/25.")
CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "Use letters, digits, '.', '_' or '-'.")
MODULE_COMPONENT = "module"


class School(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """A programme of study with every programme fact the engine reads (CASES.md ``programme``)."""

    class Award(models.TextChoices):
        BACHELOR_HONOURS = "bachelor-honours", "Bachelor (Honours)"
        BACHELOR_ORDINARY = "bachelor-ordinary", "Bachelor (Ordinary)"
        INTEGRATED_MASTER = "integrated-master", "Integrated Master"
        MASTER = "master", "Master (taught)"
        MRES = "mres", "Master of Research"
        PGDIP = "pgdip", "Postgraduate Diploma"
        PGCERT = "pgcert", "Postgraduate Certificate"
        FOUNDATION_DEGREE = "foundation-degree", "Foundation Degree"
        DIPHE = "diphe", "Diploma of Higher Education"
        CERTHE = "certhe", "Certificate of Higher Education"
        GRADDIP = "graddip", "Graduate Diploma"
        GRADCERT = "gradcert", "Graduate Certificate"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="programmes")
    code = models.CharField(max_length=32, unique=True, validators=[CODE_VALIDATOR])
    title = models.CharField(max_length=200)
    award = models.CharField(max_length=32, choices=Award.choices)
    default_ruleset = models.CharField(
        max_length=64,
        help_text="Rule set for new intakes; each entry cohort keeps the version it started under.",
    )
    engineering_council = models.BooleanField(default=False)
    joint_subjects = models.JSONField(default=list, blank=True, help_text='e.g. ["History", "French"]')
    two_plus_two = models.BooleanField(default=False)
    study_abroad_years = models.JSONField(default=dict, blank=True, help_text='e.g. {"3": "counts"}')
    year_weights = models.JSONField(
        null=True, blank=True, help_text='Overrides the award\'s pattern: {"2": 1, "3": 2}'
    )
    allows_substitution = models.BooleanField(default=False)
    supernumerary_counts = models.BooleanField(default=False)
    mbchb = models.BooleanField(default=False)
    dental = models.BooleanField(default=False)
    translation_table = models.JSONField(default=dict, blank=True)
    im_threshold = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(award__in=AWARD_KEYS), name="programme_award_known"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class EntryCohort(models.Model):
    """Students entering a programme in one session, bound to the rule-set version then in force (L 1.3)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="entry_cohorts")
    entry_session = models.CharField(max_length=7, validators=[SESSION_VALIDATOR])
    ruleset_key = models.CharField(max_length=64)
    ruleset_version = models.CharField(max_length=32)
    ruleset_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["programme__code", "entry_session"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "entry_session"], name="entry_cohort_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} entering {self.entry_session}"


class Module(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="modules")
    code = models.CharField(max_length=32, unique=True, validators=[CODE_VALIDATOR])
    title = models.CharField(max_length=200)
    credits = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(3), MaxValueValidator(7)])

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=3, level__lte=7), name="module_level_3_to_7"
            ),
            models.CheckConstraint(condition=models.Q(credits__gte=1), name="module_credits_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProgrammeModule(models.Model):
    """A module as one programme uses it: the flags belong to the pairing, not to the module."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="programme_modules")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="programme_modules")
    programme_year = models.PositiveSmallIntegerField(validators=[MaxValueValidator(7)])
    optional = models.BooleanField(default=False)
    prerequisite = models.BooleanField(default=False)
    must_pass = models.BooleanField(default=False, help_text="Pass for progression/award (L 8.2, S 5.21).")
    final_project = models.BooleanField(default=False)
    skills_discovery = models.BooleanField(default=False)
    supernumerary = models.BooleanField(default=False)
    minor = models.BooleanField(default=False)
    foundation_year = models.BooleanField(default=False)
    subject = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["programme__code", "programme_year", "module__code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "module"], name="programme_module_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} year {self.programme_year}: {self.module.code}"


class ModuleOccurrence(models.Model):
    """A module in one academic session: its assessment components and registrations."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="occurrences")
    academic_session = models.CharField(max_length=7, validators=[SESSION_VALIDATOR])

    class Meta:
        ordering = ["module__code", "academic_session"]
        constraints = [
            models.UniqueConstraint(fields=["module", "academic_session"], name="occurrence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.module.code} {self.academic_session}"


class Component(models.Model):
    """An assessment component; a module assessed by one mark has the single component ``module``."""

    occurrence = models.ForeignKey(ModuleOccurrence, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(max_length=64)
    weight = models.DecimalField(max_digits=9, decimal_places=4, validators=[MinValueValidator(Decimal(0))])
    must_pass = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["occurrence_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "name"], name="component_unique"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="component_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.occurrence} {self.name}"

    def clean(self) -> None:
        if self.weight is not None and self.weight < 0:
            raise ValidationError({"weight": "A weight cannot be negative."})
