import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestMetrics } from './request-metrics.js';

describe('request metrics', () => {
  it('renders a counter and a cumulative histogram per method, route and status', async () => {
    const registry = new Registry();
    const m = new RequestMetrics();
    m.register(registry);
    m.observe('GET', '/api/v1/ad', 200, 0.0004);
    m.observe('GET', '/api/v1/ad', 200, 0.003);
    m.observe('GET', '/api/v1/ad', 200, 20);
    m.observe('POST', '/api/v1/ad', 400, 0.002);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('http_requests_total{method="GET",route="/api/v1/ad",status="200"} 3');
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/ad",status="400"} 1');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/api/v1/ad",status="200",le="0.0005"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/api/v1/ad",status="200",le="0.005"} 2',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/api/v1/ad",status="200",le="10"} 2',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/api/v1/ad",status="200",le="+Inf"} 3',
    );
    expect(text).toMatch(
      /http_request_duration_seconds_sum\{method="GET",route="\/api\/v1\/ad",status="200"\} 20\.0034/,
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/v1/ad",status="200"} 3',
    );
  });
});
