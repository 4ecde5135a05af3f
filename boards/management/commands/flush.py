"""Django's ``flush``, which empties every table, with the append-only triggers lifted while it runs.

Emptying the whole database is the one operation that removes ledger entries; the test suite's
transactional tests use it between tests. The triggers are created again whatever happens.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from boards.ledger import install_triggers, remove_triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        remove_triggers(connection)
        try:
            super().handle(**options)
        finally:
            install_triggers(connection)
