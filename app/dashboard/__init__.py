"""The dashboard of progress against the working group's four targets, and the review settings
(income per hour, targets) it computes with."""
