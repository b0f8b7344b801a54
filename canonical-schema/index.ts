export {
  Decimal,
  money,
  zeroMoney,
  addMoney,
  sumMoney,
  multiplyMoney,
  compareMoney,
  moneySchema,
  currencyCode,
  decimalString,
  CurrencyMismatchError,
} from './money';
export type { Money } from './money';
export {
  SOURCE_SYSTEMS,
  ENTITY_TYPES,
  ANCHOR_SYSTEM,
  canonicalId,
  externalIdOf,
  sourceSystemSchema,
  externalIdSchema,
  uuidSchema,
} from './identity';
export type { SourceSystem, ExternalId, EntityType } from './identity';
export * from './entities';
export * from './validators';
export * from './events';
