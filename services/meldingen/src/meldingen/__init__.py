"""meldingen: mails to members (welcome, newsletter double opt-in), with the delivery log."""
