"""Every test in the workspace gets the chassis's real-server fixtures."""

pytest_plugins = ["dinet_chassis.testing"]
