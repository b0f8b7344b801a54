/** The gateway's request policies (authentication, internal token, limits, rate limits, persisted operations). */
export { createGatewaySecurity } from './security';
export type { GatewaySecurity, GatewaySecurityOptions, GatewayCaller, SecuredRequest } from './security';
export { createTokenVerifier, bearerTokenOf } from './auth';
export type { TokenVerifier, TokenVerifierOptions, VerifiedToken } from './auth';
export { createInternalTokenSigner, createInternalTokenVerifier, InternalTokenError, INTERNAL_TOKEN_HEADER } from './internal-token';
export type { InternalTokenOptions, InternalTokenSigner, InternalTokenVerifier } from './internal-token';
export { measureOperation, operationLimitsPlugin, checkDocumentSize, checkMeasure, DEFAULT_OPERATION_LIMITS } from './operation-limits';
export type { OperationLimits, OperationMeasure } from './operation-limits';
export { createRateLimiter, createMemoryRateLimiter, createRedisRateLimiter } from './rate-limit';
export type { RateLimiter, RateLimitOptions, RateLimitDecision } from './rate-limit';
export { loadSafelist, persistedQueriesOption, safelistPlugin, sha256Hex } from './persisted-operations';
export type { PersistedOperationsOptions, PersistedQueriesMode } from './persisted-operations';
export { AuthenticationError, RateLimitedError, OperationLimitError, NotInSafelistError } from './errors';
export type { PolicyErrorCode } from './errors';
export { securityConfigFromEnv, SECURITY_ENV } from './config';
export type { SecurityConfig, SecurityKeyDefaults } from './config';
