"""Academic regulations: rule-set versions (data), the pure-Python engine, and adapters from the ORM."""
