"""Reading files: YAML with locations, tensors, the formula language, problem, answer and
grader-only files. Imports nothing above it."""
