import { SaxesParser } from 'saxes';
import { booleanOf, Camt053EntryReader, entryKindOf, IrregularEntry } from './camt053-entry-reader';
import {
  checkAccountNumber,
  checkAmount,
  checkBalance,
  checkContentSize,
  checkCurrency,
  checkDate,
  checkReference,
  checkStatementDocument,
  checkText,
  malformed,
  STATEMENT_UPLOAD_LIMITS,
  type StatementDocument,
  type StatementEntry,
  type StatementLimits,
} from './statement-document';
import { CAMT053_NAMESPACE } from './write-camt053';

// Reads one day's camt.053 statement (docs/reconciliation.md lists the elements read). The XML
// is read as a stream of events (saxes, a conforming XML parser): a file that is not well-formed
// is reported with its line and column, and each entry (Ntry) is read and checked as soon as it
// ends, then dropped, so that a busy day of 100,000 entries never exists as one tree in memory.
// Everything else of the statement is small and kept as a tree of the shape an XML-to-object
// parser gives (attributes as "@_name", text as "#text", namespace prefixes removed), and each
// element is read at its path; a missing or wrong element is reported with that path, such as
// "Stmt/Ntry[3]/Amt". Values are kept as the strings the file has: amounts are never numbers.

type Node = Record<string, unknown>;

/** Elements that may repeat: always read as lists, so one and many read alike. */
const REPEATING = new Set(['Stmt', 'Bal', 'TxDtls', 'Ustrd']);
/** Where the entries are: Document/BkToCstmrStmt/Stmt/Ntry, read one at a time. */
const STATEMENT_PATH = ['Document', 'BkToCstmrStmt', 'Stmt'];

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(node: Node, name: string, where: string): Node {
  const value = node[name];
  if (!isNode(value)) throw malformed(`${where}/${name}`, 'element missing');
  return value;
}

function optionalChild(node: Node, name: string): Node | undefined {
  const value = node[name];
  return isNode(value) ? value : undefined;
}

function text(node: Node, name: string, where: string): string {
  const value = optionalText(node, name, where);
  if (value === undefined || value === '') throw malformed(`${where}/${name}`, 'element missing or empty');
  return value;
}

function optionalText(node: Node, name: string, where: string): string | undefined {
  const value = node[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'];
  if (isNode(value) && Object.keys(value).length === 0) return '';
  throw malformed(`${where}/${name}`, 'expected text');
}

function list(node: Node, name: string): Node[] {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item: unknown) => (isNode(item) ? item : { '#text': item }));
}

/** An amount element with its Ccy attribute: <Amt Ccy="CNY">795200.00</Amt>. */
function money(node: Node, name: string, where: string): { amount: string; currency: string } {
  const element = node[name];
  if (!isNode(element) || typeof element['#text'] !== 'string') throw malformed(`${where}/${name}`, 'element missing, or without its Ccy attribute');
  const currency = element['@_Ccy'];
  if (typeof currency !== 'string') throw malformed(`${where}/${name}`, 'the Ccy attribute is missing');
  return { amount: element['#text'], currency };
}

function accountNumberOf(node: Node, where: string): string {
  const id = child(node, 'Id', where);
  const iban = optionalText(id, 'IBAN', `${where}/Id`);
  if (iban !== undefined) return iban;
  return text(child(id, 'Othr', `${where}/Id`), 'Id', `${where}/Id/Othr`);
}

function indicator(node: Node, where: string): 'CREDIT' | 'DEBIT' {
  const value = text(node, 'CdtDbtInd', where);
  if (value === 'CRDT') return 'CREDIT';
  if (value === 'DBIT') return 'DEBIT';
  throw malformed(`${where}/CdtDbtInd`, `expected CRDT or DBIT, got ${JSON.stringify(value)}`);
}

function kindOf(entry: Node, where: string): StatementEntry['kind'] {
  const domain = child(child(entry, 'BkTxCd', where), 'Domn', `${where}/BkTxCd`);
  const path = `${where}/BkTxCd/Domn`;
  if (text(domain, 'Cd', path) !== 'PMNT') throw malformed(`${path}/Cd`, 'only payment entries (PMNT) are expected on the escrow account');
  const family = child(domain, 'Fmly', path);
  const code = text(family, 'Cd', `${path}/Fmly`);
  const subFamily = text(family, 'SubFmlyCd', `${path}/Fmly`);
  const reversalText = optionalText(entry, 'RvslInd', where);
  const reversal = reversalText === undefined ? false : booleanOf(reversalText);
  if (reversal === undefined) throw malformed(`${where}/RvslInd`, `expected true or false, got ${JSON.stringify(reversalText)}`);
  const kind = entryKindOf(code, subFamily, reversal);
  if (kind === undefined) throw malformed(`${path}/Fmly/Cd`, `expected RCDT (received) or ICDT (issued credit transfer), got ${JSON.stringify(code)}`);
  return kind;
}

function partyName(parties: Node | undefined, name: 'Dbtr' | 'Cdtr', where: string): string | null {
  const partyNode = parties && optionalChild(parties, name);
  if (!partyNode) return null;
  const inner = optionalChild(partyNode, 'Pty') ?? partyNode;
  const value = optionalText(inner, 'Nm', `${where}/${name}`);
  return value === undefined ? null : checkText(value, `${where}/${name}/Nm`);
}

function partyAccount(parties: Node | undefined, name: 'DbtrAcct' | 'CdtrAcct', where: string): string | null {
  const accountNode = parties && optionalChild(parties, name);
  return accountNode ? checkAccountNumber(accountNumberOf(accountNode, `${where}/${name}`), `${where}/${name}/Id`) : null;
}

function readEntry(entry: Node, index: number, statementCurrency: string): StatementEntry {
  const where = `Stmt/Ntry[${index + 1}]`;
  const { amount, currency } = money(entry, 'Amt', where);
  if (currency !== statementCurrency) throw malformed(`${where}/Amt`, `currency ${currency} differs from the account's ${statementCurrency}`);
  const status = optionalChild(entry, 'Sts');
  const statusCode = status ? optionalText(status, 'Cd', `${where}/Sts`) : optionalText(entry, 'Sts', where);
  if (statusCode !== undefined && statusCode !== 'BOOK') throw malformed(`${where}/Sts`, `only booked entries belong on a statement, got ${JSON.stringify(statusCode)}`);
  const kind = kindOf(entry, where);
  const details = list(child(entry, 'NtryDtls', where), 'TxDtls');
  if (details.length !== 1) throw malformed(`${where}/NtryDtls`, `expected one TxDtls, got ${details.length}`);
  const tx = details[0] as Node;
  const txWhere = `${where}/NtryDtls/TxDtls`;
  const refs = optionalChild(tx, 'Refs');
  const endToEndRaw = refs ? optionalText(refs, 'EndToEndId', `${txWhere}/Refs`) : undefined;
  const endToEndId = endToEndRaw === undefined || endToEndRaw === 'NOTPROVIDED' ? null : checkText(endToEndRaw, `${txWhere}/Refs/EndToEndId`);
  const parties = optionalChild(tx, 'RltdPties');
  const creditorAccountNumber = partyAccount(parties, 'CdtrAcct', `${txWhere}/RltdPties`);
  const remittance = optionalChild(tx, 'RmtInf');
  const remittanceInformation = checkText(remittance ? list(remittance, 'Ustrd').map((line) => (typeof line['#text'] === 'string' ? line['#text'] : '')).join(' ') : '', `${txWhere}/RmtInf/Ustrd`);
  let reference: string;
  if (kind === 'INBOUND_CREDIT' || kind === 'INBOUND_CREDIT_REVERSAL') {
    // Money in is addressed by the virtual account number the payer paid to: the creditor account
    // (a reversal names the account of the credit it takes back).
    if (creditorAccountNumber === null) throw malformed(`${txWhere}/RltdPties/CdtrAcct`, 'an inbound credit, or its reversal, names the virtual account credited');
    reference = creditorAccountNumber;
  } else {
    if (endToEndId === null) throw malformed(`${txWhere}/Refs/EndToEndId`, 'a payout or its return carries the payout reference as its EndToEndId');
    reference = checkReference(endToEndId, `${txWhere}/Refs/EndToEndId`);
  }
  return {
    bankReference: checkReference(text(entry, 'AcctSvcrRef', where), `${where}/AcctSvcrRef`),
    kind,
    direction: indicator(entry, where),
    amount: checkAmount(amount, checkCurrency(currency, `${where}/Amt`), `${where}/Amt`),
    currency,
    reference,
    bookingDate: checkDate(text(child(entry, 'BookgDt', where), 'Dt', `${where}/BookgDt`), `${where}/BookgDt/Dt`),
    valueDate: checkDate(text(child(entry, 'ValDt', where), 'Dt', `${where}/ValDt`), `${where}/ValDt/Dt`),
    endToEndId,
    debtorName: partyName(parties, 'Dbtr', `${txWhere}/RltdPties`),
    debtorAccountNumber: partyAccount(parties, 'DbtrAcct', `${txWhere}/RltdPties`),
    creditorName: partyName(parties, 'Cdtr', `${txWhere}/RltdPties`),
    creditorAccountNumber,
    remittanceInformation,
  };
}

function readBalance(balances: Node[], code: 'OPBD' | 'CLBD', currency: string, where: string): { amount: string; date: string | undefined } {
  const found = balances.map((node, index) => ({ node, index })).filter(({ node }) => {
    const type = optionalChild(node, 'Tp');
    const codeOrProprietary = type && optionalChild(type, 'CdOrPrtry');
    return codeOrProprietary !== undefined && optionalText(codeOrProprietary, 'Cd', where) === code;
  });
  if (found.length !== 1) throw malformed(`${where}/Bal`, `expected one ${code} balance, found ${found.length}`);
  const { node, index } = found[0] as { node: Node; index: number };
  const path = `${where}/Bal[${index + 1}]`;
  const value = money(node, 'Amt', path);
  if (value.currency !== currency) throw malformed(`${path}/Amt`, `currency ${value.currency} differs from the account's ${currency}`);
  const signed = indicator(node, path) === 'DEBIT' && !/^0+(\.0+)?$/.test(value.amount) ? `-${value.amount}` : value.amount;
  const dateNode = optionalChild(node, 'Dt');
  return { amount: checkBalance(signed, checkCurrency(currency, `${path}/Amt`), `${path}/Amt`), date: dateNode ? optionalText(dateNode, 'Dt', `${path}/Dt`) : undefined };
}

/** A name without its namespace prefix: "camt:Ntry" is "Ntry". */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

interface OpenElement {
  name: string;
  node: Node;
  text: string;
  /** True once the element has an attribute or a child: counting its keys for each of 3 million elements was a share of the read. */
  filled: boolean;
}

/** An element's value once it ends: its text alone when it has neither attributes nor children. */
function valueOf(element: OpenElement): unknown {
  const text = element.text.trim();
  if (!element.filled) return text;
  if (text !== '') element.node['#text'] = text;
  return element.node;
}

/** A repeating element is always a list; any other element met twice becomes one (and is then refused where one is expected). */
function attach(parent: Node, name: string, value: unknown): void {
  const present = parent[name];
  if (present === undefined) parent[name] = REPEATING.has(name) ? [value] : value;
  else if (Array.isArray(present)) present.push(value);
  else parent[name] = [present, value];
}

interface StreamedDocument {
  /** The document without the entries of its statement (Document at the top). */
  root: Node;
  /** Entries of the first statement, counted whether read or not. */
  count: number;
  /** Entries read, in file order, up to the first that is wrong (kept in `problem`). */
  entries: StatementEntry[];
  problem: Error | undefined;
  /** Entries that came before the account's currency was known, read once it is. */
  pending: Node[];
}

/** The account's currency as far as the statement read so far says: null when not yet known, undefined when wrong (the statement's own check reports it). */
function currencyOf(statement: Node): string | null | undefined {
  if (!isNode(statement['Acct'])) return null;
  try {
    return checkCurrency(text(statement['Acct'], 'Ccy', 'Stmt/Acct'), 'Stmt/Acct/Ccy');
  } catch {
    return undefined;
  }
}

/**
 * Reads the document in one pass. Each entry of the first statement is read as it ends while
 * there are at most `entriesMax`, none has failed and the account's currency (Stmt/Acct/Ccy,
 * before the entries in a camt.053) is known. A failing entry is kept, not thrown, so that the
 * statement's own problems are reported first, in the same order whatever the file's size.
 * With a `reader`, entries are read straight from the events and an irregular one ends the pass
 * (IrregularEntry); without one, each entry is a tree read at its paths.
 */
function streamDocument(content: string, entriesMax: number, reader: Camt053EntryReader | undefined): StreamedDocument {
  const result: StreamedDocument = { root: {}, count: 0, entries: [], problem: undefined, pending: [] };
  const stack: OpenElement[] = [{ name: '', node: result.root, text: '', filled: false }];
  let statements = 0;
  let currency: string | null | undefined = null;
  /** Depth inside the entry being read or skipped, 0 outside entries. */
  let entryDepth = 0;
  let skipping = false;
  const atPath = (path: readonly string[]) => stack.length === path.length + 1 && path.every((name, index) => stack[index + 1]!.name === name);
  const parser = new SaxesParser({ xmlns: false, position: true });
  parser.on('error', (error) => {
    // saxes says "line:column: message"; the path says where, in words.
    throw malformed(`line ${parser.line}, column ${parser.column + 1}`, `not well-formed XML: ${error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')}`);
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (entryDepth > 0) {
      entryDepth += 1;
      if (skipping) return;
      if (reader) return reader.open(name, tag.attributes);
    } else if (name === 'Ntry' && statements === 1 && atPath(STATEMENT_PATH)) {
      result.count += 1;
      entryDepth = 1;
      if (currency === null) currency = currencyOf(stack[stack.length - 1]!.node);
      skipping = result.count > entriesMax || result.problem !== undefined || currency === undefined;
      if (skipping) return;
      if (reader) {
        // An entry before the account's currency is known is read the careful way, after the statement.
        if (currency === null) throw new IrregularEntry('an entry before the account');
        return reader.begin();
      }
    } else if (name === 'Stmt' && atPath(STATEMENT_PATH.slice(0, 2))) {
      statements += 1;
    }
    const node: Node = {};
    let filled = false;
    for (const attribute in tag.attributes) {
      // Prefixed namespace declarations say nothing a reader of names without prefixes needs.
      if (attribute.startsWith('xmlns:')) continue;
      node[`@_${localName(attribute)}`] = tag.attributes[attribute];
      filled = true;
    }
    stack.push({ name, node, text: '', filled });
  });
  const onText = (text: string) => {
    if (skipping) return;
    if (reader && entryDepth > 0) reader.text(text);
    else stack[stack.length - 1]!.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (entryDepth > 0) {
      entryDepth -= 1;
      if (skipping) {
        skipping = entryDepth > 0;
        return;
      }
      if (reader) {
        if (entryDepth > 0) reader.close();
        else result.entries.push(reader.end(currency!));
        return;
      }
    }
    const element = stack.pop()!;
    const value = valueOf(element);
    if (element.name !== 'Ntry' || entryDepth > 0 || !atPath(STATEMENT_PATH)) {
      const parent = stack[stack.length - 1]!;
      parent.filled = true;
      attach(parent.node, element.name, value);
      return;
    }
    const entry = isNode(value) ? value : { '#text': value };
    if (currency === null || result.pending.length > 0) {
      result.pending.push(entry);
      return;
    }
    try {
      result.entries.push(readEntry(entry, result.count - 1, currency!));
    } catch (error) {
      result.problem = error instanceof Error ? error : new Error(String(error));
    }
  });
  parser.write(content).close();
  return result;
}

/**
 * Reads the document with each entry taken straight from the events, and again the careful way
 * (each entry a tree read at its paths) when an entry is not of the ordinary shape: the careful
 * reader says where a problem is, and decides what an unusual entry means.
 */
function streamEitherWay(content: string, entriesMax: number): StreamedDocument {
  try {
    return streamDocument(content, entriesMax, new Camt053EntryReader());
  } catch (error) {
    if (!(error instanceof IrregularEntry)) throw error;
    return streamDocument(content, entriesMax, undefined);
  }
}

/** Reads a camt.053 file; `limits` are the upload's unless the caller says the bank handed it over. */
export function parseCamt053(content: string, limits: StatementLimits = STATEMENT_UPLOAD_LIMITS): StatementDocument {
  checkContentSize(content, limits);
  // A DTD could declare entities that expand without bound; a bank statement never has one.
  if (/<!DOCTYPE/i.test(content)) throw malformed('file', 'a DOCTYPE is not allowed in a statement');
  const streamed = streamEitherWay(content, limits.entriesMax);
  const documentNode = child(streamed.root, 'Document', '');
  const namespace = documentNode['@_xmlns'];
  if (namespace !== undefined && typeof namespace === 'string' && !namespace.startsWith('urn:iso:std:iso:20022:tech:xsd:camt.053.')) {
    throw malformed('Document', `namespace ${namespace} is not a camt.053 message (expected ${CAMT053_NAMESPACE})`);
  }
  const message = child(documentNode, 'BkToCstmrStmt', 'Document');
  const statements = list(message, 'Stmt');
  if (statements.length !== 1) throw malformed('BkToCstmrStmt/Stmt', `expected one statement (one account, one day) per file, got ${statements.length}`);
  const statement = statements[0] as Node;
  const account = child(statement, 'Acct', 'Stmt');
  const currency = checkCurrency(text(account, 'Ccy', 'Stmt/Acct'), 'Stmt/Acct/Ccy');
  const balances = list(statement, 'Bal');
  const opening = readBalance(balances, 'OPBD', currency, 'Stmt');
  const closing = readBalance(balances, 'CLBD', currency, 'Stmt');
  const date = checkDate(closing.date ?? opening.date ?? '', 'Stmt/Bal/Dt');
  if (streamed.count > limits.entriesMax) throw malformed('Stmt/Ntry', `the statement has ${streamed.count} entries; at most ${limits.entriesMax} are accepted`);
  const createdAtText = text(statement, 'CreDtTm', 'Stmt');
  const createdAt = new Date(createdAtText);
  if (Number.isNaN(createdAt.getTime())) throw malformed('Stmt/CreDtTm', `${JSON.stringify(createdAtText)} is not a date and time`);
  const statementId = checkText(text(statement, 'Id', 'Stmt'), 'Stmt/Id');
  const accountNumber = checkAccountNumber(accountNumberOf(account, 'Stmt/Acct'), 'Stmt/Acct/Id');
  if (streamed.problem !== undefined) throw streamed.problem;
  const entries = streamed.entries;
  for (const entry of streamed.pending) entries.push(readEntry(entry, entries.length, currency));
  const document: StatementDocument = { statementId, createdAt, accountNumber, date, currency, openingBalance: opening.amount, closingBalance: closing.amount, entries };
  return checkStatementDocument(document, (index) => `Stmt/Ntry[${index + 1}]`, limits);
}
