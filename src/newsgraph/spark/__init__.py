"""newsgraph as an Apache Spark job: the analysis over archives larger than one machine.

``newsgraph spark INPUT... --out DIR`` (or ``spark-submit .../newsgraph/spark/job_main.py``,
or ``python -m newsgraph.spark``) analyses every article exactly as ``newsgraph analyze``
does, on Spark's executors, and writes a Parquet dataset with one table per kind of row
(``tables``); ``newsgraph load DIR`` stores such a dataset in the corpus database
(``load``). PySpark is imported only when a job runs: ``pip install 'newsgraph[spark]'``.
"""
