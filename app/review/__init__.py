"""Review of procedures: marks on procedures and their elements, the proposal workflow,
compliance cost (Standard Cost Model) and progress against the working group's targets.

Modules: ``models`` (tables), ``rules`` (which action fits which target, and its values),
``permissions`` (who may do what), ``services`` (every change, with the audit trail and
optimistic locking), ``settings`` (yearly figures: income per hour, targets), ``cost`` and
``progress`` (read-only figures). Pages come later and call these.
"""
