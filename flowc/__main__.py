from flowc.cli import entry

entry()
