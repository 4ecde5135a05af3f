"""Bringing records in: file checks, column formats, validation with preview, and all-or-nothing writes."""
