"""PostgreSQL guards on the books: every transaction balances at COMMIT; entries and transactions are append-only."""
from django.db import migrations

from ledger.dbops import PostgresRunSQL

# Deferred to COMMIT because post() inserts a transaction's legs one statement at a
# time from the database's point of view: only the finished whole must balance.
# A transaction left without entries sums to 0 and passes.
BALANCED = """
CREATE FUNCTION ledger_entry_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    txn_ids bigint[];
    txn_id bigint;
    total numeric;
BEGIN
    IF TG_OP = 'INSERT' THEN
        txn_ids := ARRAY[NEW.transaction_id];
    ELSIF TG_OP = 'DELETE' THEN
        txn_ids := ARRAY[OLD.transaction_id];
    ELSE
        txn_ids := ARRAY[OLD.transaction_id, NEW.transaction_id];
    END IF;
    FOREACH txn_id IN ARRAY txn_ids LOOP
        SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_entry WHERE transaction_id = txn_id;
        IF total <> 0 THEN
            RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %', txn_id, total
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_balanced();
"""

UNBALANCED = """
DROP TRIGGER ledger_entry_balanced ON ledger_entry;
DROP FUNCTION ledger_entry_check_balanced();
"""

# Row triggers only: TRUNCATE (the test database's flush) still empties the tables.
APPEND_ONLY = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the books are append-only: % of a row of % is refused; post a reversal instead',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_transaction_append_only
    BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

NOT_APPEND_ONLY = """
DROP TRIGGER ledger_transaction_append_only ON ledger_transaction;
DROP TRIGGER ledger_entry_append_only ON ledger_entry;
DROP FUNCTION ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        PostgresRunSQL(BALANCED, reverse_sql=UNBALANCED),
        PostgresRunSQL(APPEND_ONLY, reverse_sql=NOT_APPEND_ONLY),
    ]
