"""From a Model to results: points, certified comparison, proofs, verdicts, diagnoses and the extras."""
