"""Staff accounts: roles, the districts a planner serves, and who may do what."""
