"""Pages of the students app: records (``records.py``) and imports (``imports.py``)."""
