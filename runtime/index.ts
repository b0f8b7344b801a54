export { startAll } from './start-all';
export type { StartAllOptions, RunningTandem } from './start-all';
export { tandemConfigFromEnv } from './config';
export type { TandemConfig } from './config';
export { EXAMPLE_QUERIES } from './examples';
export { startBanner } from './banner';
export { composeTandemSupergraph, committedSupergraphPath, repoRoot } from './supergraph';
export { ensureDevKeys, mintDevToken, tandemSecurityFromEnv, internalTokenVerifierFromEnv, DEV_ISSUER, DEV_AUDIENCE, AUTH_OFF_ROLES } from './security';
export type { DevKeys, MintTokenOptions, TandemSecurity } from './security';
