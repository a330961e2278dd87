"""Working days and seat hours: the court calendar, opening windows and work-order due times."""
