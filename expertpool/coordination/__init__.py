"""What coordinators use every day: approval queue, members, quotas, experts, users, audit log."""
