"""The job engine: Celery workers on Redis with durable job records in the database.

Infrastructure below the business domains (like ``db``): domains register their job types in
their own ``jobs.py`` with :func:`landkontor.jobs.registry.job_type`; the aggregator
``landkontor.job_types`` imports them all. Nothing here imports a business domain.
"""
