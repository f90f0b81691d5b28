"""Ways to show a solved problem: rich tables, JSON, Markdown and LaTeX."""
