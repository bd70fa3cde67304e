"""`python -m builder` runs the ficpress command line."""

from builder.cli import main_entry

main_entry()
