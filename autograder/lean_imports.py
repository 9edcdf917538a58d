"""Imported first by the grader's processes that start once per notebook or per worker (the runner in
the sandbox, the feedback renderer, ``python -m autograder`` and its pool's workers), for its effect.

jsonschema, which nbformat imports, builds a parser of the RFC 3987 (IRI) grammar as it is imported
whenever the package ``rfc3987_syntax`` is installed (Jupyter's dependencies install it): about 1.5 s
of CPU in every process, for a string format that no notebook schema checks. Marking the module as
absent makes jsonschema skip that one format check, which it does on purpose when the package is
missing (``suppress(ImportError)`` around the import).
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)
