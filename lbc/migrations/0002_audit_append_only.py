"""The database itself refuses UPDATE and DELETE on the audit table (and TRUNCATE on PostgreSQL).

Only a connection that has switched on audit maintenance (retention purge, test flush) may delete:
on PostgreSQL a session setting, on SQLite a function the application registers per connection.
Any other client (psql, sqlite3) is refused.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER lbc_audit_no_update BEFORE UPDATE ON lbc_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER lbc_audit_no_delete BEFORE DELETE ON lbc_auditevent
       WHEN lbc_audit_maintenance() = 0
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS lbc_audit_no_update", "DROP TRIGGER IF EXISTS lbc_audit_no_delete"]

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION lbc_audit_refuse() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' OR coalesce(current_setting('lbc.audit_maintenance', true), 'off') <> 'on' THEN
           RAISE EXCEPTION 'audit events are append-only';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER lbc_audit_no_change BEFORE UPDATE OR DELETE ON lbc_auditevent
       FOR EACH ROW EXECUTE FUNCTION lbc_audit_refuse()""",
    """CREATE TRIGGER lbc_audit_no_truncate BEFORE TRUNCATE ON lbc_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION lbc_audit_refuse()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS lbc_audit_no_change ON lbc_auditevent",
    "DROP TRIGGER IF EXISTS lbc_audit_no_truncate ON lbc_auditevent",
    "DROP FUNCTION IF EXISTS lbc_audit_refuse()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("lbc", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
