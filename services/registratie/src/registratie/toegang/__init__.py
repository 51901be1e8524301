"""Who may do what in registratie: sign-in (demo accounts, OpenID Connect), partner credentials,
the partner publishing endpoint and its guide. The shared cookie and guard live in the chassis
(`dinet_chassis.web.auth`), so every service reads the same identity."""
