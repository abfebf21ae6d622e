import { describe, expect, it } from 'vitest';
import { reconciliationWorld } from '../test/support/reconciliation-days';

// A bank corrects its own booking by reversing it on its statement (camt.053 RvslInd: a credit it
// booked in error is taken back by a debit entry of the credit's transaction code). The platform's
// ledger booked the credit from the feed; the statement now shows the money in and out again. The
// day must still be imported and reconciled (docs/reconciliation.md: nothing blocks the ledger, a
// difference is an item for a person), with the reversal a named difference so the report
// balances; a refused file would keep that day, and every day after it, out of reconciliation.

describe("the bank's reversal of an earlier credit on its statement", () => {
  it('is imported and reconciled: the taken-back money is a named difference and the day balances', async () => {
    const w = await reconciliationWorld(74);
    try {
      const d1 = w.day;
      await w.credit(w.at(d1, 9), w.funding.virtualAccountNumber!, '1000000.00');
      const wrong = await w.credit(w.at(d1, 11), w.funding.virtualAccountNumber!, '50000.00');
      await w.close(d1);
      const reversal = `<Ntry>
        <Amt Ccy="CNY">50000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${d1}</Dt></BookgDt><ValDt><Dt>${d1}</Dt></ValDt>
        <AcctSvcrRef>SIMREVERSAL0000074</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>${wrong.bankReference}</AcctSvcrRef></Refs>
          <RltdPties>
            <Dbtr><Pty><Nm>前海恒信商业保理有限公司</Nm></Pty></Dbtr><DbtrAcct><Id><Othr><Id>6222000000000001</Id></Othr></Id></DbtrAcct>
            <CdtrAcct><Id><Othr><Id>${w.funding.virtualAccountNumber}</Id></Othr></Id></CdtrAcct>
          </RltdPties>
          <RmtInf><Ustrd>冲正 reversal of ${wrong.bankReference}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>`;
      const imported = await w.importDay(d1, 'CAMT053', (content) => {
        const closing = content.match(/<Cd>CLBD<\/Cd>[\s\S]*?<Amt Ccy="CNY">1050000.00<\/Amt>/)![0];
        return content.replace(closing, closing.replace('1050000.00', '1000000.00')).replace(/(\s*)<\/Stmt>/, `$1${reversal}$1</Stmt>`);
      });
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
});
