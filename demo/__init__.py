"""`make demo`: a demo campaign with sample accounts and dossiers at every stage.

The top layer: it may import every app, and no app imports it. Everything is entered through
the apps' services, as the people would (candidates fill and submit, officers verify, reviewers
score, the committee prepares a round), and every step is idempotent, so `make demo` can run
again without duplicating anything.
"""
