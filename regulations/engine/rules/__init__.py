"""The small rule objects a rule set names in its ``[rules]`` table.

A rule set chooses one of each by name; an institution whose logic differs adds
a class here and a name in this registry, and its rule-set file names it.
"""
