"""The command line: scripted station set-up, imports and exports, checks. No Qt here."""
