"""Orders: patients, prescribers, prescriptions and their check results."""
