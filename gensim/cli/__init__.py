"""The `gensim` command line: one module per noun, each a thin Typer sub-app."""
