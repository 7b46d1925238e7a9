import { describe, expect, it } from 'vitest';
import { routeRequest } from '../../src/metrics/startMetricsServer.js';

describe('routeRequest', () => {
  it('answers GET on /healthz and /metrics, whatever the query string', () => {
    expect(routeRequest('GET', '/healthz')).toEqual({ kind: 'healthz' });
    expect(routeRequest('GET', '/metrics?name[]=x')).toEqual({ kind: 'metrics' });
  });

  it('refuses other methods on those paths, and knows no other path', () => {
    expect(routeRequest('POST', '/metrics')).toEqual({ kind: 'method-not-allowed' });
    expect(routeRequest('HEAD', '/healthz')).toEqual({ kind: 'method-not-allowed' });
    for (const path of ['/', '/healthz/', '/metrics/x', '/favicon.ico', undefined]) {
      expect(routeRequest('GET', path)).toEqual({ kind: 'not-found' });
    }
    expect(routeRequest('DELETE', '/admin')).toEqual({ kind: 'not-found' });
  });
});
