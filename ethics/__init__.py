"""saferkit.ethics: criteria as data, a scorecard, and a fail-closed qualification gate.

`template()` returns the `ethics:` block a team pastes into submission.yaml;
`declared_questions()` lists the questions it holds. Heavier parts (checking a
submission, rendering a scorecard) live in their own modules.
"""

from saferkit.ethics.questions import Question, declared_ids, declared_questions, template

__all__ = ["Question", "declared_ids", "declared_questions", "template"]
