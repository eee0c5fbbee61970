"""Scheduled posts: recurrence in a time zone (recurrence), the schedule values (models), the use cases
(service) and the runner that posts each occurrence exactly once across processes (runner)."""
