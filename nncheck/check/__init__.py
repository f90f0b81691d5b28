"""Checking answers: the checker, one module per kind of question, diagnoses of wrong
answers, what students may see of hidden checks, and the result records."""
