"""Speed figures against same-run baselines: run ``python bench/run.py`` (see run.py)."""
