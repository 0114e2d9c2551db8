"""Work queues of the review: my marks, unreviewed procedures, marks to re-check, proposals
awaiting a decision, and the assignment of procedures to reviewers by agency or sector."""
