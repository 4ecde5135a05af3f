"""Who took what: students, programmes, modules, components, enrolments, marks and their imports."""
