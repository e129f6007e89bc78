"""Corpus scans on Dask distributed: ``datatrail scan DIR --cluster local:N|tcp://HOST:PORT --out DIR``.

Needs the ``[cluster]`` extra (dask, distributed, pyarrow); the plain CLI scan never imports it.
"""
