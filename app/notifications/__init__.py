"""In-app notifications: what happened to a user's marks and what awaits a lead."""
