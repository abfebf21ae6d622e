import { Decimal } from '../../../domain/money';
import type { DocumentSection, DocumentSpec } from './document-spec';
import { formatCapitalAmount } from './format-capital-amount';
import { formatMoney } from './format-money';
import { formatShanghaiTime } from '../../../domain/business-date';
import type { InvoiceLine, PartyRef } from './receivable-document-data';
import { invoicesTable, invoicesTotal, partyRows } from './receivable-sections';
import { renderDocument } from './render-document';

/** One holder in the chain from the issue down to the recipient of this transfer. */
export interface HolderChainLink {
  tier: number;
  /** The part the holder received (`<voucher number>-<4 digits>`). */
  partNumber: string;
  holder: PartyRef;
  /** What the holder received on that part: the issued amount for tier 1, the transfer's amount below. */
  amountReceived: string;
  /** When the holder accepted it (签收). */
  acceptedAt: Date;
}

/** What the transfer certificate (转让凭证) shows, as plain values: amounts are decimal strings, dates "YYYY-MM-DD". */
export interface TransferCertificateData {
  voucherNumber: string;
  /** The core enterprise that issued the voucher and owes it. */
  issuer: PartyRef;
  currency: string;
  voucherAmount: string;
  /** YYYY-MM-DD: when the core enterprise pays. */
  dueDate: string;
  /** `<voucher number>-T<4 digits>`: the transfer's own number (the is `-T0001`). */
  transferNumber: string;
  /** The transferor's part, from which the amount was split; null for the issue (the issuer holds no part). */
  fromPartNumber: string | null;
  /** The part created for the recipient. */
  toPartNumber: string;
  transferor: PartyRef;
  recipient: PartyRef;
  amount: string;
  /** The trade background of the transfer: the contract and invoices between transferor and recipient. */
  contractNumber: string;
  invoices: InvoiceLine[];
  /** From the issue (tier 1) down to the recipient (the last link): the chain the claim passed through. */
  chain: HolderChainLink[];
  /** When the transferor's checker approved the transfer (its maker proposed it before). */
  approvedAt: Date;
  /** When the recipient accepted the transfer: the moment the claim passed. */
  acceptedAt: Date;
}

export const TRANSFER_FOOTER_NOTE =
  "本凭证由平台依据数字债权凭证的流转记录生成，平台留存其 SHA-256 摘要，可据以核验文件未被篡改。 Generated from the voucher's transfer records; the platform keeps its SHA-256 digest to verify that the file is unaltered.";

/**
 * A certificate that moves a claim on the core enterprise is relied on as proof of title, so one
 * whose facts do not hold together (a chain that does not end at this transfer, tiers out of
 * order, a part that received more than its parent, invoices below the amount) is refused rather
 * than issued. The figures are printed, not recomputed.
 */
function checkTransfer(data: TransferCertificateData): void {
  const { chain, currency } = data;
  const amount = new Decimal(data.amount);
  if (!amount.gt(0)) throw new RangeError(`the transfer's amount ${data.amount} ${currency} must be positive`);
  if (amount.gt(data.voucherAmount)) throw new RangeError(`the transfer's amount ${data.amount} ${currency} exceeds the voucher's ${data.voucherAmount}`);
  if (data.fromPartNumber === null) {
    // The issue: the issuer is the transferor and the first holder the recipient, of the whole voucher.
    if (chain.length !== 1) throw new RangeError('the issue has one holder in its chain: the first holder');
    if (data.transferor.creditCode !== data.issuer.creditCode) throw new RangeError('the issue is made by the issuer');
    if (!amount.eq(data.voucherAmount)) throw new RangeError(`the issue's amount ${data.amount} ${currency} is not the voucher's ${data.voucherAmount}`);
  } else if (chain.length < 2) {
    throw new RangeError('the chain of holders must run from the first holder to the recipient: at least two links');
  }
  chain.forEach((link, index) => {
    if (link.tier !== index + 1) throw new RangeError(`link ${index + 1} of the chain is at tier ${link.tier}; the chain must run tier 1, 2, 3 … from the issue`);
    const received = new Decimal(link.amountReceived);
    if (!received.gt(0)) throw new RangeError(`tier ${link.tier} received ${link.amountReceived} ${currency}: it must be positive`);
    const parent = chain[index - 1];
    if (parent === undefined) {
      if (!received.eq(data.voucherAmount)) throw new RangeError(`the first holder received ${link.amountReceived} ${currency}, not the voucher's ${data.voucherAmount}`);
    } else if (received.gt(parent.amountReceived)) {
      throw new RangeError(`tier ${link.tier} received ${link.amountReceived} ${currency}, more than tier ${parent.tier} had received (${parent.amountReceived})`);
    }
  });
  const last = chain[chain.length - 1] as HolderChainLink;
  if (last.partNumber !== data.toPartNumber || last.holder.creditCode !== data.recipient.creditCode) throw new RangeError('the chain of holders must end with the recipient and its new part');
  const previous = chain[chain.length - 2];
  if (data.fromPartNumber !== null && (previous?.partNumber !== data.fromPartNumber || previous.holder.creditCode !== data.transferor.creditCode)) {
    throw new RangeError('the chain of holders must pass through the transferor and the part transferred from');
  }
  if (!new Decimal(last.amountReceived).eq(amount)) throw new RangeError(`the recipient's link shows ${last.amountReceived} ${currency}, not the ${data.amount} transferred`);
  if (data.approvedAt.getTime() > data.acceptedAt.getTime()) throw new RangeError('the transfer was accepted before the transferor approved it');
  if (last.acceptedAt.getTime() !== data.acceptedAt.getTime()) throw new RangeError("the recipient's link must carry the transfer's acceptance time");
  if (data.invoices.length === 0) throw new RangeError('a transfer has a trade background: at least one invoice');
  const invoiced = invoicesTotal(data.invoices);
  if (invoiced.lt(amount)) throw new RangeError(`the invoices total ${invoiced.toFixed()} ${currency}, less than the ${data.amount} transferred`);
}

function transferSection(data: TransferCertificateData): DocumentSection {
  const money = (amount: string) => formatMoney(amount, data.currency);
  const capital = formatCapitalAmount(data.amount, data.currency);
  return {
    kind: 'fields',
    heading: '本次转让 This transfer',
    rows: [
      { label: '转让编号 Transfer No.', value: data.transferNumber },
      { label: '转出凭证 From part', value: data.fromPartNumber ?? '开立 Issue (核心企业开立 issued by the core enterprise)' },
      { label: '转入凭证 To part', value: data.toPartNumber },
      ...partyRows(data.fromPartNumber === null ? '开立人 Issuer' : '转让人 Transferor', data.transferor),
      ...partyRows(data.fromPartNumber === null ? '首个持有人 First holder' : '受让人 Recipient', data.recipient),
      { label: '转让金额 Amount', value: money(data.amount) },
      ...(capital === null ? [] : [{ label: '金额大写 In words', value: `人民币${capital}` }]),
      { label: '复核时间 Approved at', value: `${formatShanghaiTime(data.approvedAt)} (UTC+08:00)` },
      { label: '签收时间 Accepted at', value: `${formatShanghaiTime(data.acceptedAt)} (UTC+08:00)` },
    ],
  };
}

function chainTable(data: TransferCertificateData): DocumentSection {
  return {
    kind: 'table',
    heading: `流转链 Chain of holders (${data.currency})`,
    columns: [
      { header: '层级\nTier', width: 0.8, align: 'right' },
      { header: '凭证编号\nPart No.', width: 3.0 },
      { header: '持有人\nHolder', width: 2.9 },
      { header: '取得金额\nReceived', width: 1.8, align: 'right' },
      { header: '签收时间\nAccepted at', width: 1.6 },
    ],
    rows: data.chain.map((link) => {
      const [date, time] = formatShanghaiTime(link.acceptedAt).split(' ');
      return [String(link.tier), link.partNumber, `${link.holder.legalName}\n${link.holder.creditCode}`, formatMoney(link.amountReceived, data.currency, { withCurrency: false }), `${date}\n${time}`];
    }),
  };
}

/** What the certificate certifies: a transfer from a part, or the issue to the first holder. */
function statement(data: TransferCertificateData): string {
  const acceptedAt = formatShanghaiTime(data.acceptedAt);
  const money = formatMoney(data.amount, data.currency);
  const issuer = data.issuer.legalName;
  if (data.fromPartNumber === null) {
    return (
      `兹证明：核心企业 ${issuer}（开立人）向 ${data.recipient.legalName}（首个持有人）开立数字债权凭证 ${data.voucherNumber}，金额 ${money}，` +
      `持有人已于 ${acceptedAt}（UTC+08:00）签收，形成凭证 ${data.toPartNumber}。自签收时起，持有人享有对核心企业 ${issuer} 的该笔债权，` +
      `${issuer}于到期日 ${data.dueDate} 向凭证持有人付款。\n` +
      `This certifies that the core enterprise ${issuer} issued voucher ${data.voucherNumber} for ${money} to its first holder, who accepted it at ${acceptedAt} (UTC+08:00) as part ${data.toPartNumber}. ` +
      `From acceptance, the holder has the claim on the core enterprise for that amount; the core enterprise pays the holder on the due date ${data.dueDate}.`
    );
  }
  return (
    `兹证明：${data.transferor.legalName}（转让人）将其持有的数字债权凭证 ${data.fromPartNumber} 项下 ${money} 的债权转让给 ${data.recipient.legalName}（受让人），` +
    `受让人已于 ${acceptedAt}（UTC+08:00）签收，形成凭证 ${data.toPartNumber}。自签收时起，该部分对核心企业 ${issuer} 的债权（凭证 ${data.voucherNumber}）转由受让人享有，` +
    `${issuer}于到期日 ${data.dueDate} 向凭证持有人付款。\n` +
    `This certifies that the transferor transferred ${money} of its claim under voucher part ${data.fromPartNumber} to the recipient, who accepted it at ${acceptedAt} (UTC+08:00) as part ${data.toPartNumber}. ` +
    `From acceptance, the claim on the core enterprise ${issuer} under voucher ${data.voucherNumber} for that amount passes to the recipient; the core enterprise pays the holder on the due date ${data.dueDate}.`
  );
}

/** The certificate's content; exported so tests can check wording without parsing a PDF. */
export function transferCertificateSpec(data: TransferCertificateData): DocumentSpec {
  checkTransfer(data);
  const acceptedAt = formatShanghaiTime(data.acceptedAt);
  return {
    title: '数字债权凭证转让凭证',
    subtitle: 'Voucher Transfer Certificate',
    reference: data.toPartNumber,
    issuedAt: data.acceptedAt,
    sections: [
      { kind: 'paragraph', text: statement(data) },
      {
        kind: 'fields',
        heading: '凭证 Voucher',
        rows: [
          { label: '凭证编号 Voucher No.', value: data.voucherNumber },
          ...partyRows('开立人（核心企业）Issuer', data.issuer),
          { label: '凭证金额 Voucher amount', value: formatMoney(data.voucherAmount, data.currency) },
          { label: '到期日 Due date', value: data.dueDate },
        ],
      },
      transferSection(data),
      { kind: 'fields', heading: '贸易背景 Trade background', rows: [{ label: '基础合同编号 Contract No.', value: data.contractNumber }] },
      invoicesTable(data.invoices, data.currency),
      chainTable(data),
      {
        kind: 'signatures',
        parties: [
          { role: data.fromPartNumber === null ? '开立人 Issuer' : '转让人 Transferor', name: data.transferor.legalName, signedAt: `${formatShanghaiTime(data.approvedAt)} 在线复核 approved online` },
          { role: data.fromPartNumber === null ? '首个持有人 First holder' : '受让人 Recipient', name: data.recipient.legalName, signedAt: `${acceptedAt} 在线签收 accepted online` },
        ],
      },
    ],
    footerNote: TRANSFER_FOOTER_NOTE,
  };
}

/** The transfer certificate (转让凭证) of one accepted transfer, with the chain of holders from the issue. */
export function renderTransferCertificate(data: TransferCertificateData): Promise<Uint8Array> {
  return renderDocument(transferCertificateSpec(data));
}
