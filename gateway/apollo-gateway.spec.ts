describe('loading @apollo/gateway', () => {
  it('happens only on first use, after APOLLO_TELEMETRY_DISABLED=true is set', () => {
    const saved = process.env.APOLLO_TELEMETRY_DISABLED;
    process.env.APOLLO_TELEMETRY_DISABLED = 'false';
    let envWhenLoaded: string | undefined | null = null;
    jest.isolateModules(() => {
      jest.doMock('@apollo/gateway', () => {
        envWhenLoaded = process.env.APOLLO_TELEMETRY_DISABLED;
        return { RemoteGraphQLDataSource: class {}, ApolloGateway: class {} };
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const gateway = require('./index') as typeof import('./index');
      expect(envWhenLoaded).toBeNull();
      gateway.requireApolloGateway();
    });
    expect(envWhenLoaded).toBe('true');
    if (saved === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
    else process.env.APOLLO_TELEMETRY_DISABLED = saved;
  });
});
