"""What a reviewer keeps from a search: saved searches (each user's own, with their filters)
and the result list as a CSV or XLSX file."""
