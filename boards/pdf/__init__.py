"""Quorum's PDF documents, drawn with ReportLab (pure Python: nothing to install beside the wheel)."""

from .minutes import minutes_pdf
from .pack import board_pack_pdf

__all__ = ["board_pack_pdf", "minutes_pdf"]
