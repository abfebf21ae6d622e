import type { BankAdapter } from './bank-adapter';
import type { BankSimulator } from './simulator/bank-simulator';

// The one place that turns BANK_ADAPTER into a bank. Production code reaches an implementation
// only through here, and loads it with a dynamic import, so a process configured for one
// adapter never loads another: a deployment with a real bank never even reads the simulator's
// code. test/architecture.test.ts holds that rule.

/** Every value BANK_ADAPTER may take. A real bank's adapter is added here, with its case below. */
export const BANK_ADAPTERS = ['simulator'] as const;
export type BankAdapterName = (typeof BANK_ADAPTERS)[number];

export interface BankAdapterSettings {
  BANK_ADAPTER: BankAdapterName;
  DATABASE_URL: string;
}

export interface CreatedBankAdapter {
  adapter: BankAdapter;
  /** The simulator's controls (send money in, script payouts) when it is the adapter; null for a real bank. */
  simulator: BankSimulator | null;
  /** Releases what the adapter holds (the simulator's connection pool). */
  close(): Promise<void>;
}

export async function createBankAdapter(settings: BankAdapterSettings): Promise<CreatedBankAdapter> {
  switch (settings.BANK_ADAPTER) {
    case 'simulator': {
      const { BankSimulator } = await import('./simulator/bank-simulator');
      const simulator = new BankSimulator({ pool: settings.DATABASE_URL });
      return { adapter: simulator, simulator, close: () => simulator.close() };
    }
  }
}
