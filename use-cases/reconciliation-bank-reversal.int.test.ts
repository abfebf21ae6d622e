import { describe, expect, it } from 'vitest';
import { addDays } from '../domain/business-date';
import { Decimal } from '../domain/money';
import { getBalance } from '../prisma/stores/ledger/balances';
import { reserveHold, voidHold } from '../prisma/stores/ledger/holds';
import { decideItemResolution, proposeItemResolution } from '../prisma/stores/reconciliation-resolution-store';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A bank corrects its own booking by reversing it on its statement (camt.053 RvslInd: a credit it
// booked in error is taken back by a debit entry of the credit's transaction code). The platform's
// ledger booked the credit from the feed; the statement now shows the money in and out again. The
// day must still be imported and reconciled (docs/reconciliation.md: nothing blocks the ledger, a
// difference is an item for a person), with the reversal a named difference so the report
// balances; a refused file would keep that day, and every day after it, out of reconciliation.

type World = Awaited<ReturnType<typeof reconciliationWorld>>;

/**
 * Day `date`'s camt.053 statement imported with the bank's reversal of credit `reversedReference`
 * (50,000.00 to the funder's funding account) added: a debit entry of the received-credit code
 * marked RvslInd, and the closing balance 50,000.00 lower.
 */
function importWithReversal(w: World, date: string, bankReference: string, reversedReference: string) {
  const reversal = `<Ntry>
    <Amt Ccy="CNY">50000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>${date}</Dt></BookgDt><ValDt><Dt>${date}</Dt></ValDt>
    <AcctSvcrRef>${bankReference}</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
      <Refs><AcctSvcrRef>${reversedReference}</AcctSvcrRef></Refs>
      <RltdPties>
        <Dbtr><Pty><Nm>前海恒信商业保理有限公司</Nm></Pty></Dbtr><DbtrAcct><Id><Othr><Id>6222000000000001</Id></Othr></Id></DbtrAcct>
        <CdtrAcct><Id><Othr><Id>${w.funding.virtualAccountNumber}</Id></Othr></Id></CdtrAcct>
      </RltdPties>
      <RmtInf><Ustrd>冲正 reversal of ${reversedReference}</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
  </Ntry>`;
  return w.importDay(date, 'CAMT053', (content) => {
    const closing = content.match(/<Cd>CLBD<\/Cd>[\s\S]*?<Amt Ccy="CNY">([0-9.]+)<\/Amt>/)!;
    const lower = new Decimal(closing[1]!).minus('50000.00').toFixed(2);
    return content.replace(closing[0], closing[0].replace(`${closing[1]}<`, `${lower}<`)).replace(/(\s*)<\/Stmt>/, `$1${reversal}$1</Stmt>`);
  });
}

describe("the bank's reversal of an earlier credit on its statement", () => {
  it('is imported and reconciled: the taken-back money is a named difference and the day balances', async () => {
    const w = await reconciliationWorld(74);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const wrong = await w.credit(w.at(d1, 11), w.funding.virtualAccountNumber!, '50000.00');
      await w.close(d1);
      const imported = await importWithReversal(w, d1, 'SIMREVERSAL0000074', wrong.bankReference);
      expect(imported.created).toBe(true);
      expect(await w.report(d1)).toEqual({
        balanced: true,
        fixed: { BANK_CREDITS: '1050000.00', BANK_DEBITS: '-50000.00', BANK_CLOSING: '1000000.00', FUNDER_FUNDING: '1050000.00', LEDGER_ESCROW_BANK: '1050000.00', EXPLAINED_CLOSING: '1000000.00' },
        items: [[expect.any(String), expect.any(String), '-50000.00']],
      });
    } finally {
      await w.drop();
    }
  });

  it('reads the same from the CSV, names the credit taken back, and is written off with four eyes: the next day balances with nothing open', async () => {
    const w = await reconciliationWorld(75);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const wrong = await w.credit(w.at(d1, 11), w.funding.virtualAccountNumber!, '50000.00');
      await w.close(d1);
      await w.importDay(d1, 'CSV', (content) => {
        const rows = content.split('\r\n');
        const statementId = rows[1]!.split(',')[1]!;
        rows[1] = rows[1]!.replace(',0.00,1050000.00,', ',0.00,1000000.00,');
        const reversal = `ENTRY,${statementId},,CNY,,,,,SIMREVERSAL0000075,INBOUND_CREDIT_REVERSAL,DEBIT,50000.00,${d1},${d1},${w.funding.virtualAccountNumber},,前海恒信商业保理有限公司,6222000000000001,,${w.funding.virtualAccountNumber},冲正`;
        return [...rows, reversal].join('\r\n');
      });
      expect(await w.report(d1)).toMatchObject({ balanced: true, fixed: { BANK_DEBITS: '-50000.00', BANK_CLOSING: '1000000.00' }, items: [[expect.any(String), 'SIMREVERSAL0000075', '-50000.00']] });
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { kind: 'INBOUND_CREDIT_REVERSAL' } });
      expect([item.outcome, item.status]).toEqual(['BANK_ONLY', 'OPEN']);
      expect(item.detail).toBe(
        `the bank took back (冲正) 50000.00 CNY credited to virtual account ${w.funding.virtualAccountNumber} (the ledger booked ${wrong.bankReference} of that amount, received ${d1}); the ledger still holds it: a shortage (短款) until it is recovered or written off`,
      );

      const next = addDays(d1, 1);
      // There is no money to park: the bank holds less than the ledger.
      await expect(proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'SUSPENSE', amount: '-50000.00', note: '冲正 reversal' }, w.at(next, 9))).rejects.toMatchObject({ code: 'RESOLUTION_NOT_ALLOWED' });
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'WRITE_OFF', amount: '-50000.00', note: '银行冲正 the bank took back a credit it booked in error' }, w.at(next, 9));
      const checker = await w.operatorChecker();
      const { item: resolved } = await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(next, 10));
      expect([resolved.outcome, resolved.status]).toEqual(['BANK_ONLY', 'RESOLVED']);
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1000000.00');
      await w.close(next);
      await w.importDay(next, 'CSV', (content) => content.replaceAll(',1050000.00,1050000.00,', ',1000000.00,1000000.00,'));
      expect(await w.report(next)).toMatchObject({ balanced: true, items: [] });
    } finally {
      await w.drop();
    }
  });

  it("is recovered from the account the credit reached, with four eyes, once that account's available money holds it", async () => {
    const w = await reconciliationWorld(76);
    try {
      const d1 = w.day;
      await w.creditReversed(d1);
      // Before the statement shows the reversal, the funder reserves all but 49,999.99 of its money.
      const suspense = w.platform.SUSPENSE;
      const { holdId } = await reserveHold(w.db.prisma, { idempotencyKey: 'reversal-test-hold', code: 'TEST_RESERVATION', debitAccountId: w.funding.id, creditAccountId: suspense.id, amount: '1000000.01', currency: 'CNY' }, w.at(d1, 16));
      await w.close(d1);
      await w.importDay(d1, 'CAMT053');
      // The import freezes what is left of the reversed 50,000.00 (49,999.99): nothing is available.
      expect((await getBalance(w.db.prisma, w.funding.id)).available.toFixed(2)).toBe('0.00');
      const item = await w.db.prisma.reconciliationItem.findFirstOrThrow({ where: { kind: 'INBOUND_CREDIT_REVERSAL' } });
      const next = addDays(d1, 1);
      const checker = await w.operatorChecker();
      await expect(proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'RECOVER', amount: '50000.00', note: '追回' }, w.at(next, 9))).rejects.toMatchObject({ code: 'RESOLUTION_AMOUNT_MISMATCH' });
      await proposeItemResolution(w.db.prisma, w.operatorActor, item.id, { kind: 'RECOVER', amount: '-50000.00', note: '银行冲正，向资金方追回 taken back from the funder' }, w.at(next, 9));

      // The account holds 49,999.99 of the 50,000.00 for the recovery: the approval is refused and changes nothing.
      await expect(decideItemResolution(w.db.prisma, checker, item.id, true, w.at(next, 10))).rejects.toMatchObject({ code: 'EXCEEDS_AVAILABLE_BALANCE' });
      expect(await w.db.prisma.reconciliationItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({ status: 'OPEN', bookedTransactionId: null });
      expect(await w.balance(w.funding.code)).toBe('1050000.00');
      expect((await getBalance(w.db.prisma, w.funding.id)).available.toFixed(2)).toBe('0.00');

      await voidHold(w.db.prisma, { holdId, idempotencyKey: 'reversal-test-hold:void' }, w.at(next, 10.5));
      const { item: resolved } = await decideItemResolution(w.db.prisma, checker, item.id, true, w.at(next, 11));
      expect([resolved.outcome, resolved.status]).toEqual(['BANK_ONLY', 'RESOLVED']);
      expect((await w.db.prisma.ledgerTransaction.findUniqueOrThrow({ where: { id: resolved.bookedTransactionId! } })).code).toBe('RECONCILIATION_RECOVERED');
      expect(await w.balance(w.funding.code)).toBe('1000000.00');
      expect(await w.balance(w.platform.ESCROW_BANK.code)).toBe('1000000.00');
      await w.close(next);
      await w.importDay(next, 'CSV', (content) => content.replaceAll(',1050000.00,1050000.00,', ',1000000.00,1000000.00,'));
      expect(await w.report(next)).toMatchObject({ balanced: true, items: [] });
    } finally {
      await w.drop();
    }
  });
});
