"""registratie: organisations, members and their consent (see README.md)."""
