"""Signals other apps listen to; students never imports them (the boards app reacts to imports here)."""

from django.dispatch import Signal

# Sent once an import has written its records, with ``batch`` (the completed ImportBatch).
records_imported = Signal()
