"""HTML pages of the volunteers app, by subject: activities, teams, hours."""
