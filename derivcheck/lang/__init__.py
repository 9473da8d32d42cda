"""The language: a problem file becomes a Model (the IR and the compiled claims), without sympy."""
