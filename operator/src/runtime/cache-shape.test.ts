import { describe, expect, it } from 'vitest';
import { comparableDesired, compactForCache, digest, managedByUpdate } from './cache-shape.ts';
import { contains } from './drift.ts';
import type { KubeObject } from './resources.ts';

const dashboard = JSON.stringify({ panels: Array.from({ length: 50 }, (_, i) => ({ id: i, title: `panel ${String(i)}` })) });

describe('compactForCache', () => {
  it('keeps who manages an object and how, not the field sets', () => {
    const object: KubeObject = { metadata: { name: 'a', managedFields: [{ manager: 'example-operator', operation: 'Update', apiVersion: 'v1', time: 't', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }] } };
    expect(compactForCache(object, 'Service').metadata.managedFields).toEqual([{ manager: 'example-operator', operation: 'Update', subresource: undefined }]);
    expect(managedByUpdate(object, 'example-operator')).toBe(true);
    expect(managedByUpdate(object, 'someone-else')).toBe(false);
  });

  it('holds ConfigMap values as digests that the rendered values compare against', () => {
    const live: KubeObject = { metadata: { name: 'a-dashboard' }, data: { 'a.json': dashboard } };
    const cached = compactForCache(live, 'ConfigMap');
    expect(cached.data).toEqual({ 'a.json': digest(dashboard) });
    expect(JSON.stringify(cached).length).toBeLessThan(200);
    const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a-dashboard' }, data: { 'a.json': dashboard } };
    const { apiVersion: _a, kind: _k, ...fields } = comparableDesired(desired);
    expect(contains(cached, fields)).toBe(true);
    const edited = compactForCache({ metadata: { name: 'a-dashboard' }, data: { 'a.json': `${dashboard} ` } }, 'ConfigMap');
    expect(contains(edited, fields)).toBe(false);
    expect(desired.data['a.json']).toBe(dashboard);
  });

  it('holds Secret values as digests too, so the cache keeps no credentials', () => {
    const secret: KubeObject = { metadata: { name: 's' }, data: { PASSWORD: 'c2VjcmV0' } };
    expect(compactForCache(secret, 'Secret').data).toEqual({ PASSWORD: digest('c2VjcmV0') });
    const desired = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { PASSWORD: 'c2VjcmV0' } };
    const { apiVersion: _a, kind: _k, ...fields } = comparableDesired(desired);
    expect(contains(secret, fields)).toBe(true);
  });

  it('leaves the values of other kinds alone', () => {
    const other: KubeObject = { metadata: { name: 'o' }, data: { value: 'plain' } };
    expect(compactForCache(other, 'Widget').data).toEqual({ value: 'plain' });
  });
});
