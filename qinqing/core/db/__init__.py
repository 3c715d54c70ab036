"""Database plumbing shared by every app: monthly partitions on PostgreSQL.

Public API (see docs/dev/partitions.md): :mod:`qinqing.core.db.partitions` (``convert`` and
``revert`` for migrations, ``maintain`` run daily by the job ``db.partitions``,
``detach_before`` behind ``qinqing partitions detach``) and :mod:`qinqing.core.db.archive`
(``archive``/``restore`` of old months with every row depending on them, behind ``qinqing
partitions archive`` / ``restore``).
"""
