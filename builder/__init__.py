"""ficpress: personalised EPUB 3 and PDF editions of reader-insert fiction."""

__version__ = "0.1.0"
