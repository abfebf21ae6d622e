import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';

// What a statement line and a reconciliation item name must exist, and stay. The names are
// checked once per statement over its new rows (migration
// 20261230070000_reconciliation_keys_checked_per_statement) rather than by foreign keys row by
// row: a name that does not exist is refused as a foreign key refuses it (23503, under the
// foreign key's own name), and a named row can be neither deleted, truncated nor renumbered.

interface DatabaseError {
  code?: string;
  constraint?: string;
}

async function refusal(attempt: Promise<unknown>): Promise<DatabaseError> {
  try {
    await attempt;
  } catch (error) {
    const { code, constraint } = error as DatabaseError;
    return { code, ...(constraint ? { constraint } : {}) };
  }
  throw new Error('the statement was accepted');
}

describe('the names of statement lines and reconciliation items', () => {
  let db: TestDatabase;
  let statementId: string;
  let lineId: string;

  const insertLine = (values: { id?: string; statementId: string; position: number; bankReference: string; duplicateOfId?: string | null }) =>
    db.query(
      `INSERT INTO bank_statement_line (id, statement_id, position, bank_reference, kind, direction, amount, currency, reference, booking_date, value_date, remittance_information, duplicate_of_id)
       VALUES ($1::uuid, $2::uuid, $3, $4, 'INBOUND_CREDIT', 'CREDIT', 100.00, 'CNY', '9558800000000001236', '2026-12-10', '2026-12-10', 'top-up', $5::uuid)`,
      [values.id ?? randomUUID(), values.statementId, values.position, values.bankReference, values.duplicateOfId ?? null],
    );
  const insertItem = (names: { statementLineId: string; inboundCreditId?: string; payoutId?: string; offlineRepaymentId?: string; resolutionId?: string }) =>
    db.query(
      `INSERT INTO reconciliation_item (outcome, status, kind, account_number, currency, amount, statement_line_id, inbound_credit_id, payout_id, offline_repayment_id, resolution_id,
                                        detail, first_statement_date, last_checked_date)
       VALUES ('BANK_ONLY', 'OPEN', 'INBOUND_CREDIT', '310066661018800000888', 'CNY', 100.00, $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, 'test', '2026-12-10', '2026-12-10')
       RETURNING id::text AS id`,
      [names.statementLineId, names.inboundCreditId ?? null, names.payoutId ?? null, names.offlineRepaymentId ?? null, names.resolutionId ?? null],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO bank_statement (account_number, currency, statement_date, bank_statement_id, bank_created_at, format, content_sha256, opening_balance, closing_balance, entry_count, duplicate_count)
       VALUES ('310066661018800000888', 'CNY', '2026-12-10', 'STMT-REFS', now(), 'CSV', repeat('a', 64), 0, 100.00, 1, 0) RETURNING id::text AS id`,
    );
    statementId = rows[0]!.id;
    lineId = randomUUID();
    await insertLine({ id: lineId, statementId, position: 1, bankReference: 'REFS0001' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses a line of a statement that does not exist, or repeating a line that does not exist', async () => {
    expect(await refusal(insertLine({ statementId: randomUUID(), position: 1, bankReference: 'REFS0002' }))).toEqual({ code: '23503', constraint: 'bank_statement_line_statement_id_fkey' });
    expect(await refusal(insertLine({ statementId, position: 2, bankReference: 'REFS0001', duplicateOfId: randomUUID() }))).toEqual({ code: '23503', constraint: 'bank_statement_line_duplicate_of_id_fkey' });
    // The first of a repeated reference may come in the same statement as its repetition.
    const first = randomUUID();
    await db.query(
      `INSERT INTO bank_statement_line (id, statement_id, position, bank_reference, kind, direction, amount, currency, reference, booking_date, value_date, remittance_information, duplicate_of_id)
       SELECT u.id, $1::uuid, u.position, 'REFS0003', 'INBOUND_CREDIT', 'CREDIT', 100.00, 'CNY', '9558800000000001236', '2026-12-10', '2026-12-10', 'top-up', u.duplicate_of_id
         FROM (VALUES ($2::uuid, 3, NULL::uuid), (gen_random_uuid(), 4, $2::uuid)) AS u(id, position, duplicate_of_id)`,
      [statementId, first],
    );
    expect((await db.query('SELECT count(*)::int AS count FROM bank_statement_line WHERE statement_id = $1::uuid', [statementId])).rows[0]!.count).toBe(3);
  });

  it('refuses an item naming a line, credit, payout, expected payment or resolution that does not exist, when inserted or updated', async () => {
    expect(await refusal(insertItem({ statementLineId: randomUUID() }))).toEqual({ code: '23503', constraint: 'reconciliation_item_statement_line_id_fkey' });
    expect(await refusal(insertItem({ statementLineId: lineId, inboundCreditId: randomUUID() }))).toEqual({ code: '23503', constraint: 'reconciliation_item_inbound_credit_id_fkey' });
    expect(await refusal(insertItem({ statementLineId: lineId, payoutId: randomUUID() }))).toEqual({ code: '23503', constraint: 'reconciliation_item_payout_id_fkey' });
    expect(await refusal(insertItem({ statementLineId: lineId, offlineRepaymentId: randomUUID() }))).toEqual({ code: '23503', constraint: 'reconciliation_item_offline_repayment_id_fkey' });
    expect(await refusal(insertItem({ statementLineId: lineId, resolutionId: randomUUID() }))).toEqual({ code: '23503', constraint: 'reconciliation_item_resolution_id_fkey' });
    expect((await db.query('SELECT count(*)::int AS count FROM reconciliation_item')).rows[0]!.count).toBe(0);

    const { rows } = await insertItem({ statementLineId: lineId });
    const itemId = rows[0]!.id;
    expect(await refusal(db.query('UPDATE reconciliation_item SET payout_id = $2::uuid WHERE id = $1::uuid', [itemId, randomUUID()]))).toEqual({ code: '23503', constraint: 'reconciliation_item_payout_id_fkey' });
    expect(await refusal(db.query('UPDATE reconciliation_item SET inbound_credit_id = $2::uuid WHERE id = $1::uuid', [itemId, randomUUID()]))).toEqual({ code: '23503', constraint: 'reconciliation_item_inbound_credit_id_fkey' });
    expect((await db.query('SELECT payout_id, inbound_credit_id FROM reconciliation_item WHERE id = $1::uuid', [itemId])).rows[0]).toEqual({ payout_id: null, inbound_credit_id: null });
  });

  it('keeps every row a line or an item may name: no delete, truncate or new id', async () => {
    expect(await refusal(db.query('DELETE FROM bank_statement_line WHERE id = $1::uuid', [lineId]))).toEqual({ code: '23001' });
    expect(await refusal(db.query('DELETE FROM bank_statement WHERE id = $1::uuid', [statementId]))).toEqual({ code: '23001' });
    expect(await refusal(db.query('UPDATE bank_statement_line SET id = gen_random_uuid() WHERE id = $1::uuid', [lineId]))).toEqual({ code: '23001' });
    expect(await refusal(db.query('UPDATE bank_statement SET id = gen_random_uuid() WHERE id = $1::uuid', [statementId]))).toEqual({ code: '23001' });
    for (const table of ['bank_statement', 'bank_statement_line', 'inbound_credit', 'payout', 'offline_repayment', 'reconciliation_resolution']) {
      expect(await refusal(db.query(`TRUNCATE ${table} CASCADE`)), table).toEqual({ code: '23001' });
    }
    // Other columns still change as before.
    await db.query(`UPDATE bank_statement_line SET remittance_information = 'top-up, corrected' WHERE id = $1::uuid`, [lineId]);
    expect((await db.query('SELECT count(*)::int AS count FROM bank_statement_line WHERE id = $1::uuid', [lineId])).rows[0]!.count).toBe(1);
  });
});
