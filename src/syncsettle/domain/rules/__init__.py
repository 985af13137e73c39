"""Declarative, versioned, effective-dated rule data: basic policies and commercial products.

The schemas here validate a rule file's content (no file access: the loader in
``syncsettle.adapters.rulebook`` reads the files and reports the file, field and reason).
"""
