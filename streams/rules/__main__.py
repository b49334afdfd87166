"""`python -m streams.rules`: the rule pipeline as the table `streams/rules/README.md` holds."""

from streams.rules import table

print(table())
