import { describe, expect, it } from 'vitest';
import { allRuns, assertGlyphsDrawn, compactText, expectNoOverlaps, extractPdfText, previewPdf } from '../../../test/support/pdf';
import { sha256Hex } from '../../../prisma/stores/sha256-hex';
import { renderTransferCertificate, transferCertificateSpec, type HolderChainLink, type TransferCertificateData } from './transfer-certificate';

const CORE = '中国东方重工集团股份有限公司';
const V = 'VCH-2027-00000001';

/** Six tiers with long names: a chain as deep as the platform's benchmark voucher. */
const HOLDERS = [
  { legalName: '深圳市华南精密电子制造有限公司', creditCode: '91440300MA5G8K7X2R' },
  { legalName: '东莞市长安镇联合五金塑胶制品有限公司', creditCode: '91441900MA4UJ3CX5B' },
  { legalName: '惠州市博罗县园洲镇新兴电子元器件加工厂（普通合伙）', creditCode: '91441322MA52B1QF3K' },
  { legalName: '广州番禺区石楼镇恒通包装材料有限公司', creditCode: '91440113MA5CLQ2W6N' },
  { legalName: '佛山市顺德区勒流街道鸿运模具配件经营部', creditCode: '92440606MA4X8B1L7P' },
  { legalName: '中山市小榄镇金华螺丝五金制造有限公司', creditCode: '91442000MA51P6FT0G' },
];
const AMOUNTS = ['10000000.00', '3500000.00', '2000000.00', '1200000.00', '800000.00', '654321.09'];

const chain: HolderChainLink[] = HOLDERS.map((holder, index) => ({
  tier: index + 1,
  partNumber: `${V}-${String([1, 4, 9, 23, 57, 10012][index]).padStart(4, '0')}`,
  holder,
  amountReceived: AMOUNTS[index]!,
  acceptedAt: new Date(Date.UTC(2026, 10, 2 + index * 3, 2, 30)),
}));

/** 20 invoices of 33,000.00: 660,000.00 behind a transfer of 654,321.09. */
const invoices = Array.from({ length: 20 }, (_, index) => ({ code: `44030011${String(index).padStart(2, '0')}`, number: String(31_000_000 + index), amount: '33000.00', issueDate: '2026-11-15' }));

const deep: TransferCertificateData = {
  voucherNumber: V,
  transferNumber: `${V}-T0012`,
  issuer: { legalName: CORE, creditCode: '91110000100000000X' },
  currency: 'CNY',
  voucherAmount: '10000000.00',
  dueDate: '2027-02-20',
  fromPartNumber: chain[4]!.partNumber,
  toPartNumber: chain[5]!.partNumber,
  transferor: HOLDERS[4]!,
  recipient: HOLDERS[5]!,
  amount: '654321.09',
  contractNumber: 'GX-XL-2026-1118-采购-0042',
  invoices,
  chain,
  approvedAt: new Date('2026-11-17T01:00:00Z'),
  acceptedAt: chain[5]!.acceptedAt,
};

/** The feature's scenario: T1 transfers 3,000,000.00 to A, with two invoices. */
const simple: TransferCertificateData = {
  ...deep,
  transferNumber: `${V}-T0002`,
  fromPartNumber: `${V}-0001`,
  toPartNumber: `${V}-0002`,
  transferor: HOLDERS[0]!,
  recipient: HOLDERS[1]!,
  amount: '3000000.00',
  contractNumber: 'HT-2026-T1-A-07',
  invoices: [
    { code: '3100201130', number: '88000001', amount: '2000000.00', issueDate: '2026-11-10' },
    { code: '3100201130', number: '88000002', amount: '1000000.00', issueDate: '2026-11-11' },
  ],
  chain: [chain[0]!, { ...chain[1]!, partNumber: `${V}-0002`, amountReceived: '3000000.00' }],
  approvedAt: new Date('2026-11-04T01:00:00Z'),
  acceptedAt: chain[1]!.acceptedAt,
};

// Rendering embeds a subset of a CJK font: seconds, not milliseconds, on a machine shared with other builds.
describe('transfer certificate', { timeout: 60_000 }, () => {
  it('states the transfer, the amount in figures and in capital numerals, the trade background and the passing of the claim', async () => {
    const bytes = await renderTransferCertificate(simple);
    await previewPdf('transfer-certificate', bytes);
    const text = compactText((await extractPdfText(bytes)).join('\n'));
    for (const expected of [
      '数字债权凭证转让凭证',
      V,
      `${V}-0001`,
      `${V}-0002`,
      CORE,
      HOLDERS[0]!.legalName,
      HOLDERS[1]!.legalName,
      'CNY 3,000,000.00',
      '人民币叁佰万元整',
      '2027-02-20',
      'HT-2026-T1-A-07',
      '88000001',
      '2026-11-05 10:30',
      '自签收时起，该部分对核心企业',
      '转由受让人享有',
      'the claim on the core enterprise',
      'passes to the recipient',
    ]) {
      expect(text).toContain(compactText(expected));
    }
  });

  it('lists the chain of holders from the issue down to the recipient, in tier order', () => {
    const spec = transferCertificateSpec(deep);
    const table = spec.sections.find((section) => section.kind === 'table' && section.heading?.startsWith('流转链'));
    expect(table?.kind).toBe('table');
    if (table?.kind !== 'table') return;
    expect(table.rows.map((row) => row[0])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(table.rows.map((row) => row[2]?.split('\n')[0])).toEqual(HOLDERS.map((holder) => holder.legalName));
    expect(table.rows.map((row) => row[3])).toEqual(['10,000,000.00', '3,500,000.00', '2,000,000.00', '1,200,000.00', '800,000.00', '654,321.09']);
    expect(table.rows[5]?.[1]).toBe(`${V}-10012`);
  });

  it('runs a chain of six tiers and 20 invoices over pages with nothing overlapping or off the page, and draws the Chinese glyphs', async () => {
    const bytes = await renderTransferCertificate(deep);
    await previewPdf('transfer-certificate-six-tiers', bytes);
    const pages = await extractPdfText(bytes);
    pages.forEach((page, index) => expect(page).toContain(`第 ${index + 1} / ${pages.length} 页`));
    const text = compactText(pages.join('\n'));
    expect(text).toContain(compactText('人民币陆拾伍万肆仟叁佰贰拾壹元零玖分'));
    expect(text).toContain(compactText('合计 Total 20 张 invoices 660,000.00'));
    for (const invoice of invoices) expect(text).toContain(invoice.number);
    for (const holder of HOLDERS) expect(text).toContain(compactText(holder.legalName));
    for (const page of await allRuns(bytes)) expectNoOverlaps(page);
    await assertGlyphsDrawn(bytes, HOLDERS[4]!.legalName);
    // Capital numerals are dense glyphs (零 has 13 strokes): compared at twice the usual resolution.
    await assertGlyphsDrawn(bytes, '人民币陆拾伍万肆仟叁佰贰拾壹元零玖分', { scale: 6 });
    await assertGlyphsDrawn(bytes, '数字债权凭证转让凭证', { weight: 'bold' });
  });

  it('certifies the issue to the first holder, with a chain of one and the issuer as transferor', async () => {
    const issue: TransferCertificateData = {
      ...simple,
      transferNumber: `${V}-T0001`,
      fromPartNumber: null,
      transferor: simple.issuer,
      recipient: HOLDERS[0]!,
      toPartNumber: `${V}-0001`,
      amount: '10000000.00',
      invoices: [{ code: '3100201130', number: '77000001', amount: '10000000.00', issueDate: '2026-11-01' }],
      chain: [chain[0]!],
      approvedAt: new Date('2026-11-01T01:00:00Z'),
      acceptedAt: chain[0]!.acceptedAt,
    };
    const bytes = await renderTransferCertificate(issue);
    await previewPdf('transfer-certificate-issue', bytes);
    const text = compactText((await extractPdfText(bytes)).join('\n'));
    for (const expected of [`${V}-T0001`, '开立 Issue', '首个持有人', '人民币壹仟万元整', 'CNY 10,000,000.00', HOLDERS[0]!.legalName, CORE]) expect(text).toContain(compactText(expected));
    for (const page of await allRuns(bytes)) expectNoOverlaps(page);
    expect(() => transferCertificateSpec({ ...issue, chain: [chain[0]!, chain[1]!] })).toThrow(/one holder in its chain/);
    expect(() => transferCertificateSpec({ ...issue, transferor: HOLDERS[2]! })).toThrow(/made by the issuer/);
    expect(() => transferCertificateSpec({ ...issue, amount: '9000000.00' })).toThrow(/not the voucher's/);
  });

  it('shows no capital numerals for another currency than renminbi', () => {
    const spec = transferCertificateSpec({ ...simple, currency: 'USD' });
    expect(JSON.stringify(spec.sections)).not.toContain('金额大写');
    expect(JSON.stringify(spec.sections)).toContain('USD 3,000,000.00');
  });

  it('refuses a certificate whose facts do not hold together', () => {
    expect(() => transferCertificateSpec({ ...simple, amount: '0' })).toThrow(/must be positive/);
    expect(() => transferCertificateSpec({ ...simple, chain: [simple.chain[1]!] })).toThrow(/at least two links/);
    expect(() => transferCertificateSpec({ ...simple, chain: [simple.chain[0]!, { ...simple.chain[1]!, tier: 3 }] })).toThrow(/tier 3/);
    expect(() => transferCertificateSpec({ ...simple, chain: [{ ...simple.chain[0]!, amountReceived: '9000000.00' }, simple.chain[1]!] })).toThrow(/not the voucher's/);
    expect(() => transferCertificateSpec({ ...deep, chain: deep.chain.map((link, index) => (index === 3 ? { ...link, amountReceived: '2000000.01' } : link)) })).toThrow(/more than tier 3/);
    expect(() => transferCertificateSpec({ ...simple, recipient: HOLDERS[2]! })).toThrow(/end with the recipient/);
    expect(() => transferCertificateSpec({ ...simple, fromPartNumber: `${V}-0003` })).toThrow(/pass through the transferor/);
    expect(() => transferCertificateSpec({ ...simple, amount: '2999999.99' })).toThrow(/not the 2999999.99 transferred/);
    expect(() => transferCertificateSpec({ ...simple, invoices: [simple.invoices[0]!] })).toThrow(/invoices total 2000000/);
    expect(() => transferCertificateSpec({ ...simple, invoices: [] })).toThrow(/at least one invoice/);
    expect(() => transferCertificateSpec({ ...simple, approvedAt: new Date('2026-11-06T00:00:00Z') })).toThrow(/before the transferor approved/);
    expect(() => transferCertificateSpec({ ...simple, acceptedAt: new Date('2026-11-06T00:00:00Z') })).toThrow(/acceptance time/);
  });

  it('is small and byte-for-byte reproducible', async () => {
    const first = await renderTransferCertificate(deep);
    const second = await renderTransferCertificate(structuredClone(deep));
    expect(first.byteLength).toBeLessThan(150 * 1024);
    expect(sha256Hex(second)).toBe(sha256Hex(first));
  });
});
