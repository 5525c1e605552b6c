"""Member users' requests: dashboard with the drawing right, the request form, follow-up, rating."""
