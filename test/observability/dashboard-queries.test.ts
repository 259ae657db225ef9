import { expect, it } from 'vitest';
import { dashboardQueries, substituteVariables } from './dashboard-queries.ts';

it('reads every target expression, rows included, with its panel title', () => {
  const queries = dashboardQueries({
    title: 'd',
    panels: [
      { title: 'a', targets: [{ expr: 'up' }, { expr: '' }] },
      { title: 'row', panels: [{ title: 'b', targets: [{ expr: 'sum(x)' }] }] },
    ],
  });
  expect(queries).toEqual([
    { dashboard: 'd', panel: 'a', expr: 'up' },
    { dashboard: 'd', panel: 'b', expr: 'sum(x)' },
  ]);
});

it('substitutes every variable form and refuses an unknown one', () => {
  expect(substituteVariables('rate(x{ns="$ns"}[$__rate_interval]) + ${a} + [[b]]', { ns: 'n', __rate_interval: '1m', a: '1', b: '2' })).toBe('rate(x{ns="n"}[1m]) + 1 + 2');
  expect(() => substituteVariables('x{a="$missing"}', {})).toThrow(/\$missing/);
});
