"""Activities, registrations with a waitlist, attendance, feedback, the public calendar and the
partner ingest. README.md in this folder maps each file to its role."""
