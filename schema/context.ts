import type { UseCaseContext } from '../use-cases/use-case-context';
import type { Actor } from '../domain/actor';
import type { DomainEvent } from '../prisma/stores/domain-event-store';
import type { BankSimulator } from '../bank/simulator/bank-simulator';

/** Development only: the simulated bank, and a way to book what it received at once. */
export interface DevBank {
  simulator: BankSimulator;
  processInbound(): Promise<unknown>;
}

/** The API process's delivery of outbox events (api/event-hub.ts), as subscriptions use it. */
export interface EventFeed {
  listen(listener: (event: DomainEvent) => void): Promise<() => void>;
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/**
 * Per-request context. Every request is authenticated before it gets one (401 otherwise). It
 * is the use cases' context too: a resolver hands it to the one use case it calls.
 */
export interface GraphQLContext extends UseCaseContext {
  viewer: Actor & { apiKeyId: string };
  apiKeyPepper: string;
  devBank: DevBank | null;
  /** Live events for subscriptions; absent where the API was composed without one. */
  events?: EventFeed;
}
