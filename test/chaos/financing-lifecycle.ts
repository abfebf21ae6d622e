import type { Pool } from 'pg';
import type { BankSimulator } from '../../bank/simulator/bank-simulator';
import { addDays, businessDateOf } from '../../domain/business-date';
import { rowId } from '../support/global-ids';
import type { ChaosGraphql } from './chaos-graphql';

// One financing's whole life driven as its parties drive it, over GraphQL and HTTP, while the
// processes behind the API are being killed: register, confirm, apply, acknowledge, approve,
// confirm the approval, wait for the disbursement and its payout, repay at the bank, wait for
// the settlement. A step that met an outage is sent again: the keyed mutations by their
// idempotency key, the others by their id, where a repeat finds the step done (WrongStateError).

export interface ChaosCast {
  supplierMaker: string;
  coreMaker: string;
  coreChecker: string;
  funderMaker: string;
  funderChecker: string;
  programId: string;
  obligorCreditCode: string;
}

/** Each financing's figures: a receivable of 100,000.00, financed at the advance rate of 0.8. */
export const CHAOS_FACE_AMOUNT = '100000.00';
export const CHAOS_FINANCED_AMOUNT = '80000.00';
const SETTLEMENT_WAIT_MS = 420_000;

const RECEIVABLE = `__typename ... on Receivable { id status } ... on WrongStateError { currentState } ... on Error { code message }`;
const FINANCING = `__typename ... on Financing { id status } ... on WrongStateError { currentState } ... on Error { code message }`;

export async function waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch {
      // The database may be restarting; the next turn asks again.
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resume) => setTimeout(resume, 250));
  }
}

function expectOutcome(step: string, result: Record<string, any>, accepted: string[]): Record<string, any> {
  if (accepted.includes(result.__typename as string) || result.__typename === 'WrongStateError') return result;
  throw new Error(`${step}: ${JSON.stringify(result)}`);
}

/** Drives financing number `index` of run `runKey` to SETTLED and returns its row id. */
export async function driveFinancing(
  { graphql, db, bank, cast, runKey, index, onStep }: { graphql: ChaosGraphql; db: Pool; bank: () => BankSimulator; cast: ChaosCast; runKey: string; index: number; onStep?: (step: string) => void },
): Promise<string> {
  const today = businessDateOf(new Date());
  const invoice = (part: number) => `${runKey.replace(/[^0-9]/g, '').slice(-5).padStart(5, '0')}${String(index).padStart(2, '0')}${part}`;
  const registered = expectOutcome(
    'registerReceivable',
    await graphql.field(cast.supplierMaker, `mutation ($input: RegisterReceivableInput!) { registerReceivable(input: $input) { __typename ... on Receivable { id status } ... on Error { code message } } }`, {
      input: {
        obligorCreditCode: cast.obligorCreditCode,
        contractNumber: `HT-CHAOS-${runKey}-${index}`,
        currency: 'CNY',
        faceAmount: CHAOS_FACE_AMOUNT,
        dueDate: addDays(today, 90),
        invoices: [
          { invoiceCode: '4403201130', invoiceNumber: invoice(1), amount: '60000.00', issueDate: addDays(today, -20) },
          { invoiceCode: '4403201130', invoiceNumber: invoice(2), amount: '40000.00', issueDate: addDays(today, -19) },
        ],
        documentHashes: ['3f'.repeat(32)],
        idempotencyKey: `chaos-${runKey}-${index}-register`,
      },
    }),
    ['Receivable'],
  );
  onStep?.('registered');
  const receivableId = registered.id as string;
  expectOutcome('confirmReceivable', await graphql.field(cast.coreChecker, `mutation ($id: ID!) { confirmReceivable(id: $id) { ${RECEIVABLE} } }`, { id: receivableId }), ['Receivable']);
  // The confirmation reaches the receivable through its workflow: an application that finds it
  // not yet confirmed (WrongStateError) is sent again, with the same key, until it is.
  const applied = await waitFor(
    `financing ${index} to be applied for`,
    async () => {
      const result = await graphql.field(cast.supplierMaker, `mutation ($input: ApplyForFinancingInput!) { applyForFinancing(input: $input) { ${FINANCING} } }`, {
        input: { receivableId, programId: cast.programId, amount: CHAOS_FINANCED_AMOUNT, idempotencyKey: `chaos-${runKey}-${index}-apply` },
      });
      if (result.__typename === 'Financing') return result;
      if (result.__typename !== 'WrongStateError') throw new Error(`applyForFinancing: ${JSON.stringify(result)}`);
      return undefined;
    },
    120_000,
  );
  const id = applied.id as string;
  onStep?.('applied');
  // A decision refused as WrongStateError is done only when the state it names is past the
  // decision's own: after a power cut the financing's workflow may still be finishing the
  // previous decision (its activity is retried), and a decision sent then is refused in the
  // earlier state, which means "not yet", not "done already".
  const decisions = [
    ['acknowledgeAssignment', cast.coreMaker],
    ['approveFinancing', cast.funderMaker],
    ['confirmApproval', cast.funderChecker],
  ] as const;
  const ORDER = ['PENDING_ACKNOWLEDGEMENT', 'PENDING_APPROVAL', 'PENDING_CONFIRMATION'];
  for (const [position, [step, token]] of decisions.entries()) {
    await waitFor(
      `${step} on financing ${index}`,
      async () => {
        const result = expectOutcome(step, await graphql.field(token, `mutation ($id: ID!) { ${step}(id: $id) { ${FINANCING} } }`, { id }), ['Financing']);
        if (result.__typename === 'Financing') return true;
        return ORDER.slice(0, position + 1).includes(String(result.currentState)) ? undefined : true;
      },
      120_000,
    );
  }
  const financingId = rowId(id);
  const disbursed = await waitFor(
    `financing ${index} to be disbursed`,
    async () => {
      const row = (await db.query<{ status: string; van: string | null }>(
        `SELECT f.status::text AS status, a.virtual_account_number AS van FROM financing f LEFT JOIN ledger_account a ON a.id = f.collection_account_id WHERE f.id = $1`,
        [financingId],
      )).rows[0];
      return row && ['DISBURSED', 'OVERDUE', 'SETTLED'].includes(row.status) && row.van ? row : undefined;
    },
    SETTLEMENT_WAIT_MS,
  );
  onStep?.(`disbursed (${disbursed.status})`);
  // The core enterprise pays at the bank once; a payment the bank may or may not have taken
  // when the database went away is looked up before it is sent again.
  await waitFor(
    `the repayment of financing ${index} to reach the bank`,
    async () => {
      const reference = `chaos-${runKey}-${index}-repay`;
      const known = await db.query('SELECT 1 FROM bank_simulator.inbound_credit WHERE remittance_information = $1', [reference]);
      if (known.rowCount === 0) {
        await bank().receiveInboundCredit({ virtualAccountNumber: disbursed.van!, amount: CHAOS_FINANCED_AMOUNT, currency: 'CNY', payerName: '广州云海智能制造集团股份有限公司', payerAccountNumber: '6222000033334444', remittanceInformation: reference });
      }
      return true;
    },
    120_000,
  );
  onStep?.('repaid at the bank');
  await waitFor(`financing ${index} to settle`, async () => ((await db.query<{ status: string }>('SELECT status::text AS status FROM financing WHERE id = $1', [financingId])).rows[0]?.status === 'SETTLED' ? true : undefined), SETTLEMENT_WAIT_MS);
  onStep?.('settled');
  return financingId;
}
