"""Data-migration helper: encrypt the existing rows of newly encrypted columns (and back).

Works on raw SQL so that it neither depends on the app's model code nor rewrites a row that
is already encrypted (a re-run changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from qinqing.core.crypto import sm4

MigrationFunc = Callable[[Apps, BaseDatabaseSchemaEditor], None]


def _rewrite(
    apps: Apps,
    schema_editor: BaseDatabaseSchemaEditor,
    app_label: str,
    model_name: str,
    fields: list[str],
    *,
    encrypt: bool,
) -> None:
    model = apps.get_model(app_label, model_name)
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    ring = sm4.key_ring()
    for name in fields:
        column = quote(model._meta.get_field(name).column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
            rows = cursor.fetchall()
        for row_pk, value in rows:
            if value is None or sm4.is_encrypted(value) == encrypt:
                continue
            new = sm4.encrypt(value, ring) if encrypt else sm4.decrypt(value, ring)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                    [new, row_pk],
                )


def encrypt_existing(
    app_label: str, model_name: str, fields: list[str]
) -> tuple[MigrationFunc, MigrationFunc]:
    """``RunPython(*encrypt_existing("appeals", "Appeal", ["contact_phone"]))``."""

    def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        _rewrite(apps, schema_editor, app_label, model_name, fields, encrypt=True)

    def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        _rewrite(apps, schema_editor, app_label, model_name, fields, encrypt=False)

    return forwards, backwards
