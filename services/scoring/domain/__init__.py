"""The scoring engine: one scheme language for every tenant, evaluated exactly and explained.

Pure Python: no I/O, no web, database or broker imports. The public API (import from the
submodules; this package file stays light on purpose)::

    from services.scoring.domain.scheme import load_scheme, validate     # Scheme, Problem
    from services.scoring.domain.facts import load_facts                 # Facts
    from services.scoring.domain.engine import evaluate
    from services.scoring.domain.results import Evaluation, ScoreSheet
    from services.scoring.domain.compare import compare, compare_evaluations

    scheme = load_scheme(yaml_or_json_text_or_mapping)      # raises SchemeError(problems)
    problems = validate(yaml_or_json_text_or_mapping)       # [Problem(path, reason), ...]
    evaluation = evaluate(scheme, facts, history=[earlier_evaluation, ...])
    evaluation.sheet("v01").line("staffing").zh             # "专职网格员配备率90%，低于…"
    evaluation.to_json()                                     # canonical, byte-identical
    compare(old_scheme, new_scheme, facts).subjects          # per-subject deltas

See ``README.md`` beside this file for the scheme language and the rule catalogue.
"""
