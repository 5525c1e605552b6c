"""What-if scenarios: a coordinator simulates a quota policy, a price or a change of staff on the
pool's real demand, without touching the live plan."""
