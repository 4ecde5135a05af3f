"""Admin views of the records, for superusers; administrators work through Quorum's own pages."""

from django.contrib import admin

from . import models


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "award", "school", "default_ruleset")
    list_filter = ("award", "school")
    search_fields = ("code", "title")


@admin.register(models.EntryCohort)
class EntryCohortAdmin(admin.ModelAdmin):
    list_display = ("programme", "entry_session", "ruleset_key", "ruleset_version")


@admin.register(models.Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "credits", "level", "school")
    search_fields = ("code", "title")


@admin.register(models.ProgrammeModule)
class ProgrammeModuleAdmin(admin.ModelAdmin):
    list_display = ("programme", "module", "programme_year", "optional", "must_pass", "final_project")
    list_filter = ("programme",)


class ComponentInline(admin.TabularInline):
    model = models.Component
    extra = 0


@admin.register(models.ModuleOccurrence)
class ModuleOccurrenceAdmin(admin.ModelAdmin):
    list_display = ("module", "academic_session")
    inlines = (ComponentInline,)


@admin.register(models.Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ("student_id", "given_name", "family_name", "candidate_number")
    search_fields = ("student_id", "family_name", "candidate_number")


@admin.register(models.Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("student", "entry_cohort", "academic_session", "programme_year")


@admin.register(models.SchoolRole)
class SchoolRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "school", "role")


@admin.register(models.ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "school", "status", "file_name", "uploaded_by", "created_at")
    readonly_fields = tuple(field.name for field in models.ImportBatch._meta.fields)
