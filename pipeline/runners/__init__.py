"""Beam runners the jobs name by class path (jobs/common.py): the local default, a Dask cluster, and its workers' SDK harness."""
