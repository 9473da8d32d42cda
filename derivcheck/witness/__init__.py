"""The two independent differentiators: sympy (symbolic) and derivcheck's own numpy reverse mode (engine)."""
