"""National-algorithm cryptography for data at rest (数据保密性, GB/T 39786-2021).

``sm4.py`` encrypts and decrypts with SM4-GCM under keys kept outside the database;
``fields.py`` is the model field that uses it; ``cli.py`` is ``qinqing keys``.
"""
