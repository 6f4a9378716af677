"""Security pieces of the portal: second factor, lockout, idle sessions, rate limits, data reports, beat lock."""
