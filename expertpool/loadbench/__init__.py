"""The load harness: the benchmark pool served by gunicorn, measured page by page against a bare route.

`python -m expertpool.loadbench` (run by `make bench`). Traffic goes to 127.0.0.1 only, in a bounded
number of requests with a time cap per page.
"""
