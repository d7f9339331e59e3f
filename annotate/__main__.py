from annotate.cli import entry

entry()
