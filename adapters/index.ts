/**
 * adapters/ — the system APIs. One adapter per source system speaks the vendor's
 * wire shape and maps it to and from the canonical model; nothing above this door
 * sees a vendor field name except through the named vendor clients and mappers.
 *
 * Reads and writes live on the same object: `createAdapters().CRM` is a
 * {@link CrmSystemApi}, i.e. a `CrmAdapter` (the read path's `SourceAdapter`) and a
 * `CrmWriter` (adapters/writes.ts, what the sync engine's workflow steps call); the
 * same for ERP (`ErpAdapter & ErpWriter`) and PSA (`PsaAdapter & PsaWriter`). One
 * vendor client per system, so call statistics and connections are shared. Code that
 * only writes should type its dependency as the writer interface
 * (`{ CRM: CrmWriter; ERP: ErpWriter; PSA: PsaWriter }`), so tests can pass fakes.
 */
import type { SourceSystem } from '../canonical-schema';
import { createLogger } from '../lib';
import { adaptersConfigFromEnv, type AdaptersConfig } from './config';
import { createCrmAdapter, type CrmSystemApi } from './crm';
import { createErpAdapter, type ErpAdapterOptions, type ErpSystemApi } from './erp';
import type { CallStats } from './http';
import type { AdapterSet } from './port';
import { createPsaAdapter, type PsaSystemApi } from './psa';
import { SF_API } from './crm/crm-wire';
import { NS_RECORD_API } from './erp/erp-wire';
import { KANTATA_API } from './psa/psa-wire';

export type { SourceAdapter, AdapterSet } from './port';
export {
  adaptersConfigFromEnv,
  systemConfigFromEnv,
  systemConfig,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_READ_RETRIES,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRY_BASE_DELAY_MS,
} from './config';
export type { AdaptersConfig, SystemConfig } from './config';
export * from './http';
export { EnumTable, moneyFromVendor, moneyFromCents, moneyToCents, moneyToNumber, isoDateFromVendor } from './shared/mapping';
export * from './crm';
export * from './erp';
export * from './psa';
export type {
  WriteOptions,
  OpportunityForConversion,
  AccountBilling,
  CrmWriter,
  ErpWriter,
  StaffingFacts,
  PsaWriter,
} from './writes';

/** The three system APIs keyed by system (each reads and writes), with call statistics. */
export interface Adapters extends AdapterSet {
  /** `CrmAdapter & CrmWriter` */
  readonly CRM: CrmSystemApi;
  /** `ErpAdapter & ErpWriter` */
  readonly ERP: ErpSystemApi;
  /** `PsaAdapter & PsaWriter` */
  readonly PSA: PsaSystemApi;
  /**
   * Asks a system whether it answers (one authenticated GET of a record that does
   * not exist). Resolves to the latency in ms; rejects with the call's SourceError.
   */
  probe(system: SourceSystem): Promise<number>;
  /** Call statistics per system since start or the last reset. */
  stats(): Record<SourceSystem, CallStats>;
  resetStats(): void;
}

/** Options of {@link createAdapters}. */
export interface CreateAdaptersOptions {
  /** Passed to the ERP adapter (e.g. a fixed `today` for tests). */
  erp?: ErpAdapterOptions;
}

/** Builds the CRM, ERP and PSA adapters, each over its own vendor HTTP client. */
export function createAdapters(config: AdaptersConfig = adaptersConfigFromEnv(), options: CreateAdaptersOptions = {}): Adapters {
  const crm = createCrmAdapter(config.CRM, createLogger('adapter-crm'));
  const erp = createErpAdapter(config.ERP, { logger: createLogger('adapter-erp'), ...options.erp });
  const psa = createPsaAdapter(config.PSA, createLogger('adapter-psa'));
  return {
    CRM: crm,
    ERP: erp,
    PSA: psa,
    probe: (system) =>
      system === 'CRM'
        ? crm.client.http.probe(`${SF_API}/sobjects/Account/001000000000000AAA`)
        : system === 'ERP'
          ? erp.client.http.probe(`${NS_RECORD_API}/customer/0`)
          : psa.client.http.probe(`${KANTATA_API}/users/0`),
    stats: () => ({ CRM: crm.stats(), ERP: erp.stats(), PSA: psa.stats() }),
    resetStats: () => {
      crm.resetStats();
      erp.resetStats();
      psa.resetStats();
    },
  };
}
