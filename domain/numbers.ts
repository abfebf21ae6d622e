/**
 * A number a party reads, as the platform writes them all: a prefix, the business year and an
 * eight-digit serial (REG-2026-40718253, FIN-…, VCH-…, WDR-…, REF-…).
 */
export function yearlyNumber(prefix: string, year: number, serial: bigint | number): string {
  return `${prefix}-${year}-${String(serial).padStart(8, '0')}`;
}
