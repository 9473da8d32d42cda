"""Solution sheets (SPEC §5): check the derivatives of a Markdown or LaTeX sheet where they stand.

reader (file → problem blocks and math, with line numbers) → statements (a display → chains
`A = B = C`) → recognise (which members are derivatives) → lower (a member → a claim of the
block's problem) → run (every block's problem through the one core path, in the worker pool).
"""
