"""Reports for HR (completion) and IT policy (DX-leader candidates).

``completion`` and ``candidates`` compute rows as streams (constant memory in
the number of staff); ``writers`` turn them into Excel and CSV files;
``..services`` runs them as jobs.
"""
