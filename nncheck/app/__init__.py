"""What the commands do: verifying many files, grading a class and its gradebook,
selftest, templates, pictures and plots. The CLI calls these; formats write their records."""
