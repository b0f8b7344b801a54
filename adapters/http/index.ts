export {
  SOURCE_ERROR_CODES,
  SourceError,
  ensureSourceError,
  isRetryableCode,
  badResponse,
  parseRetryAfter,
  sourceErrorFromStatus,
  vendorErrorDetail,
  vendorErrorFields,
  sourceErrorInContext,
  inSourceContext,
} from './source-error';
export type { SourceErrorCode, SourceErrorOptions } from './source-error';
export { VendorHttpClient, withTraceparent, tracedApi, clientView, overVendorClient, parseWire } from './http-client';
export type { AdmissionLimit } from './io-thread';
export { LocalTransport, ThreadTransport, defaultTransport, type Transport } from './transport';
export type { HttpMethod, VendorRequest, VendorResponse, ResponseHeaders } from './http-client';
export { CallStatsRecorder } from './call-stats';
export type { CallStats } from './call-stats';
