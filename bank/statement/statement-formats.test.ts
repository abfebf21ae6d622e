import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors';
import { parseCamt053 } from './parse-camt053';
import { parseStatementCsv } from './parse-statement-csv';
import type { StatementDocument } from './statement-document';
import { writeCamt053 } from './write-camt053';
import { writeStatementCsv } from './write-statement-csv';

const day: StatementDocument = {
  statementId: 'SIMSTMT-310066661018800000888-CNY-2026-12-10',
  createdAt: new Date('2026-12-10T16:00:00.000Z'),
  accountNumber: '310066661018800000888',
  date: '2026-12-10',
  currency: 'CNY',
  openingBalance: '1000000.00',
  closingBalance: '1207800.01',
  entries: [
    {
      bankReference: 'SIM0000000000000001',
      kind: 'PAYOUT',
      direction: 'DEBIT',
      amount: '795200.00',
      currency: 'CNY',
      reference: 'payout:f1:1',
      bookingDate: '2026-12-10',
      valueDate: '2026-12-10',
      endToEndId: 'payout:f1:1',
      debtorName: null,
      debtorAccountNumber: '310066661018800000888',
      creditorName: '深圳市前海供应商有限公司, "Supplier"',
      creditorAccountNumber: '6222020200112233',
      remittanceInformation: '融资放款 & disbursement',
    },
    {
      bankReference: 'SIM0000000000000002',
      kind: 'INBOUND_CREDIT',
      direction: 'CREDIT',
      amount: '1003000.01',
      currency: 'CNY',
      reference: '9558800000000123',
      bookingDate: '2026-12-10',
      valueDate: '2026-12-09',
      endToEndId: null,
      debtorName: '核心企业集团',
      debtorAccountNumber: '6222000011112222',
      creditorName: null,
      creditorAccountNumber: '9558800000000123',
      remittanceInformation: '还款\nline two',
    },
  ],
};

function problem(run: () => unknown): { code: string; path: string; message: string } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { code: error.code, path: error.issues[0]?.path.join('.') ?? '', message: error.message };
  }
  throw new Error('expected a ValidationError');
}

describe('statement files', () => {
  it('reads back what it writes, the same from camt.053 and from CSV', () => {
    const camt = parseCamt053(writeCamt053(day));
    const csv = parseStatementCsv(writeStatementCsv(day));
    expect(csv).toEqual(day);
    expect(camt).toEqual(day);
  });

  it('reads an empty day and a negative balance', () => {
    const empty = { ...day, openingBalance: '-5.00', closingBalance: '-5.00', entries: [] };
    expect(parseCamt053(writeCamt053(empty))).toEqual(empty);
    expect(parseStatementCsv(writeStatementCsv(empty))).toEqual(empty);
  });

  it('counts an entry the file lists twice once', () => {
    const twice = { ...day, entries: [...day.entries, day.entries[1]!] };
    expect(parseCamt053(writeCamt053(twice)).entries).toHaveLength(3);
    expect(parseStatementCsv(writeStatementCsv(twice)).closingBalance).toBe('1207800.01');
  });

  it('names the line and column of XML that is not well-formed', () => {
    const broken = writeCamt053(day).replace('<AcctSvcrRef>SIM0000000000000002</AcctSvcrRef>', '<AcctSvcrRef>SIM0000000000000002</AcctSvcrRf>');
    expect(problem(() => parseCamt053(broken))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: expect.stringMatching(/^content\.line \d+, column \d+$/) });
  });

  it('names the element that is missing or wrong', () => {
    expect(problem(() => parseCamt053(writeCamt053(day).replace(/<ValDt>[\s\S]*?<\/ValDt>/, '')))).toMatchObject({ path: 'content.Stmt/Ntry[1]/ValDt' });
    expect(problem(() => parseCamt053(writeCamt053(day).replace('>795200.00<', '>795200.001<')))).toMatchObject({ path: 'content.Stmt/Ntry[1]/Amt', message: expect.stringContaining('more than 2 decimal places') });
    expect(problem(() => parseCamt053(writeCamt053(day).replace('>795200.00<', '>7.952e5<')))).toMatchObject({ path: 'content.Stmt/Ntry[1]/Amt' });
    expect(problem(() => parseCamt053(writeCamt053(day).replace('<Cd>OPBD</Cd>', '<Cd>PRCD</Cd>')))).toMatchObject({ path: 'content.Stmt/Bal', message: expect.stringContaining('OPBD') });
    expect(problem(() => parseCamt053('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Document/>'))).toMatchObject({ path: 'content.file' });
  });

  it('refuses another ISO 20022 message, and reads the same statement written with namespace prefixes', () => {
    const camt = writeCamt053(day);
    expect(problem(() => parseCamt053(camt.replace('camt.053.001.08', 'camt.052.001.08')))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: 'content.Document' });
    const prefixed = camt.replace(/<(\/?)([A-Za-z])/g, '<$1c:$2').replace('<c:Document xmlns=', '<c:Document xmlns:c=');
    expect(parseCamt053(prefixed)).toEqual(day);
  });

  it('reports the statement\'s own problem before a wrong entry, and the first wrong entry of several', () => {
    const camt = writeCamt053(day);
    expect(problem(() => parseCamt053(camt.replace('>795200.00<', '>795200.001<').replace(/<Id>SIMSTMT[^<]*<\/Id>/, '')))).toMatchObject({ path: 'content.Stmt/Id' });
    expect(problem(() => parseCamt053(camt.replace('>795200.00<', '>795200.001<').replace('>1003000.01<', '>1003000.011<')))).toMatchObject({ path: 'content.Stmt/Ntry[1]/Amt' });
  });

  it('reads entries of other shapes as the element paths say, and refuses a wrong one where it is wrong', () => {
    const camt = writeCamt053(day);
    // Read straight from the events: a status written as text, two memo lines, an element not read, an amount not in its canonical form.
    expect(parseCamt053(camt.replace(/<Sts>\s*<Cd>BOOK<\/Cd>\s*<\/Sts>/g, '<Sts>BOOK</Sts>'))).toEqual(day);
    expect(parseCamt053(camt.replace('<Ustrd>融资放款 &amp; disbursement</Ustrd>', '<Ustrd>融资放款</Ustrd><Ustrd>&amp; disbursement</Ustrd>'))).toEqual(day);
    expect(parseCamt053(camt.replace(/<CdtDbtInd>/g, '<AddtlNtryInf><Nm>x</Nm></AddtlNtryInf><CdtDbtInd>'))).toEqual(day);
    expect(parseCamt053(camt.replace('>795200.00<', '>795200.0<')).entries[0]!.amount).toBe('795200.00');
    // Read the careful way: a leaf with an attribute, an element met twice, a status that is not booked, a wrong second entry.
    expect(parseCamt053(camt.replace('<AcctSvcrRef>SIM0000000000000001</AcctSvcrRef>', '<AcctSvcrRef Issr="BANK">SIM0000000000000001</AcctSvcrRef>'))).toEqual(day);
    expect(problem(() => parseCamt053(camt.replace('<CdtDbtInd>DBIT</CdtDbtInd>', '<CdtDbtInd>DBIT</CdtDbtInd><CdtDbtInd>DBIT</CdtDbtInd>')))).toMatchObject({ path: 'content.Stmt/Ntry[1]/CdtDbtInd' });
    expect(problem(() => parseCamt053(camt.replace('<Cd>BOOK</Cd>', '<Cd>PDNG</Cd>')))).toMatchObject({ path: 'content.Stmt/Ntry[1]/Sts' });
    expect(problem(() => parseCamt053(camt.replace('>1003000.01<', '>-1003000.01<')))).toMatchObject({ path: 'content.Stmt/Ntry[2]/Amt', message: expect.stringContaining('greater than zero') });
    expect(problem(() => parseCamt053(camt.replace('<Id>9558800000000123</Id>', '<Id>95588</Id>')))).toMatchObject({ path: 'content.Stmt/Ntry[2]/NtryDtls/TxDtls/RltdPties/CdtrAcct/Id' });
  });

  it("reads a bank's reversal (RvslInd) of a credit as a debit taking it back, and of a payout as its return", () => {
    const reversal = { ...day.entries[1]!, bankReference: 'SIM0000000000000003', kind: 'INBOUND_CREDIT_REVERSAL' as const, direction: 'DEBIT' as const, remittanceInformation: '冲正' };
    const reversed = { ...day, closingBalance: '204800.00', entries: [...day.entries, reversal] };
    const camt = writeCamt053(reversed);
    expect(camt).toContain('<RvslInd>true</RvslInd>');
    expect(parseCamt053(camt)).toEqual(reversed);
    expect(parseStatementCsv(writeStatementCsv(reversed))).toEqual(reversed);
    // Read the careful way (an attribute on the reference), and as the xs:boolean 1.
    expect(parseCamt053(camt.replace('<AcctSvcrRef>SIM0000000000000003</AcctSvcrRef>', '<AcctSvcrRef Issr="BANK">SIM0000000000000003</AcctSvcrRef>'))).toEqual(reversed);
    expect(parseCamt053(camt.replace('<RvslInd>true</RvslInd>', '<RvslInd>1</RvslInd>'))).toEqual(reversed);
    // Not a reversal after all: a credit written as a debit does not add up with its direction.
    expect(problem(() => parseCamt053(camt.replace('<RvslInd>true</RvslInd>', '<RvslInd>false</RvslInd>')))).toMatchObject({ path: 'content.Stmt/Ntry[3]', message: 'content.Stmt/Ntry[3]: an INBOUND_CREDIT entry is a CREDIT, not a DEBIT' });
    expect(problem(() => parseCamt053(camt.replace('<RvslInd>true</RvslInd>', '<RvslInd>yes</RvslInd>')))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: 'content.Stmt/Ntry[3]/RvslInd' });
    // A reversal written as money in is refused where it is wrong.
    const creditWay = camt.replace(/(<Amt Ccy="CNY">1003000.01<\/Amt>\s*)<CdtDbtInd>DBIT<\/CdtDbtInd>(\s*<RvslInd>)/, '$1<CdtDbtInd>CRDT</CdtDbtInd>$2');
    expect(problem(() => parseCamt053(creditWay))).toMatchObject({ path: 'content.Stmt/Ntry[3]', message: 'content.Stmt/Ntry[3]: an INBOUND_CREDIT_REVERSAL entry is a DEBIT, not a CREDIT' });
    // An issued transfer the bank reverses is the payout's money coming back.
    const payoutBack = { ...day.entries[0]!, bankReference: 'SIM0000000000000004', direction: 'CREDIT' as const };
    const written = writeCamt053({ ...day, closingBalance: '2003000.01', entries: [...day.entries, payoutBack] });
    const last = written.lastIndexOf('<CdtDbtInd>CRDT</CdtDbtInd>') + '<CdtDbtInd>CRDT</CdtDbtInd>'.length;
    const payoutReversed = `${written.slice(0, last)}<RvslInd>true</RvslInd>${written.slice(last)}`;
    expect(parseCamt053(payoutReversed).entries[2]).toEqual({ ...payoutBack, kind: 'PAYOUT_RETURN' });
  });

  it('refuses balances that do not add up', () => {
    expect(problem(() => parseCamt053(writeCamt053({ ...day, closingBalance: '1207800.02' })))).toMatchObject({ code: 'STATEMENT_DOES_NOT_ADD_UP', message: expect.stringContaining('1207800.01') });
  });

  it('names the CSV line and column', () => {
    const csv = writeStatementCsv(day);
    expect(problem(() => parseStatementCsv(csv.replace('record,', 'kind,')))).toMatchObject({ path: 'content.line 1' });
    expect(problem(() => parseStatementCsv(csv.replace(',795200.00,', ',795200.00 ,')))).toMatchObject({ path: 'content.line 3, amount' });
    expect(problem(() => parseStatementCsv(csv.replace(',795200.00,', ',79520000,')))).toMatchObject({ code: 'STATEMENT_DOES_NOT_ADD_UP' });
    expect(problem(() => parseStatementCsv(`${csv}ENTRY,"unclosed\r\n`))).toMatchObject({ code: 'STATEMENT_MALFORMED', path: expect.stringMatching(/^content\.line \d+$/) });
    expect(problem(() => parseStatementCsv(csv.replace('PAYOUT,DEBIT', 'PAYOUT,CREDIT')))).toMatchObject({ path: 'content.line 3' });
    expect(problem(() => parseStatementCsv(''))).toMatchObject({ path: 'content.file' });
  });
});
