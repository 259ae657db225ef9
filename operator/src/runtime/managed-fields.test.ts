import { describe, expect, it } from 'vitest';
import { applyOwnership, type ManagedFieldsEntry } from './managed-fields.ts';

const created: ManagedFieldsEntry = { manager: 'example-operator', operation: 'Update', apiVersion: 'apps/v1', time: 't1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"service"}': { '.': {}, 'f:image': {} } } } } } } };
const otherTeam: ManagedFieldsEntry = { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', time: 't2', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:team': {} } } } };
const status: ManagedFieldsEntry = { manager: 'example-operator', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } };

describe('applyOwnership', () => {
  it('turns our create\'s Update entry into an Apply entry, leaving other managers and subresources alone', () => {
    expect(applyOwnership([created, otherTeam, status], 'example-operator')).toEqual([otherTeam, status, { ...created, operation: 'Apply' }]);
  });

  it('folds the Update entry into an existing Apply entry of the same API version', () => {
    const applied: ManagedFieldsEntry = { manager: 'example-operator', operation: 'Apply', apiVersion: 'apps/v1', time: 't3', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:strategy': {} } } };
    const result = applyOwnership([applied, created], 'example-operator');
    expect(result).toHaveLength(1);
    expect(result?.[0]).toMatchObject({ operation: 'Apply', time: 't3' });
    expect(result?.[0]?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {}, 'f:strategy': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"service"}': { '.': {}, 'f:image': {} } } } } } });
  });

  it('has nothing to do when we never wrote with a plain create or update', () => {
    expect(applyOwnership([otherTeam, status], 'example-operator')).toBeUndefined();
  });
});
