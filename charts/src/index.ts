// @metrox/charts: the cdk8s app that describes the whole platform.
export { buildCharts, chartFiles, chartObjects, renderManifests, toYaml, type KubeObject } from './manifests.ts';
export { synth, k8sDir } from './synth.ts';
