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
export { VendorHttpClient, withTraceparent, tracedApi, clientView, overVendorClient, parseWire, type Admission } from './http-client';
export type { HttpMethod, VendorRequest, VendorResponse, ResponseHeaders } from './http-client';
export { CallStatsRecorder } from './call-stats';
export type { CallStats } from './call-stats';
