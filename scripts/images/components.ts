// The images scripts/images/build.sh builds: one entry per component, in `components`.
//
// Format of an entry (paths relative to the repository root):
//   dockerfile  the Dockerfile (or Containerfile) to build
//   context     the build context directory; default '.'
//   ignorefile  the ignore file; default <dockerfile>.dockerignore when it exists,
//               else <context>/.dockerignore when that exists, else none
//   image       the reference the archive is tagged with: what the manifests name
//   buildArgs   --build-arg values; `bases.node` and `bases.debian` name the local base
//               images (built by node-base.sh and debian-base.sh before any build)
//
// A component's archive is reused while its inputs are unchanged: the Dockerfile, the
// ignore file, the build args, the ids of the images its FROM lines name, and the
// content of every context file its COPY/ADD lines read that the ignore file keeps
// (plan.ts computes the hash). Register a component by adding an entry below.
import { metroxImage, metroxRegistry, platformImages } from '../../charts/src/support/images.ts';

export interface Component {
  readonly dockerfile: string;
  readonly context?: string;
  readonly ignorefile?: string;
  readonly image: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/** The local base images; build.sh exports their references before it plans a build. */
export const bases = {
  node: process.env.METROX_NODE_IMAGE ?? 'localhost/metrox/node:24',
  debian: process.env.METROX_DEBIAN_IMAGE ?? 'localhost/metrox/debian:bookworm',
};

/** A production image: the component's own Dockerfile, on the local Node base. */
function production(dockerfile: string, name: string): Component {
  return { dockerfile, image: metroxImage(name), buildArgs: { NODE_IMAGE: bases.node } };
}

/** The services' telemetry preload, as their production images start them (the Tiltfile's PRELOAD). */
export const preload = '--import=@metrox/kit/preload';

/** The tag of the development images on the node (Tilt tags its builds tilt-<hash>). */
export const developmentTag = 'tilt-dev';
export function developmentImage(name: string): string {
  return `${metroxRegistry}/${name}:${developmentTag}`;
}

/**
 * A development image: the Tiltfile's recipe, dev.Dockerfile, with the build args of the
 * Tiltfile's metrox_image(name, sourceDir, entry, nodeFlags) call (charts/src/tiltfile.test.ts
 * keeps the two alike). Tagged as Tilt would tag its own build: the production image's
 * repository with a tag of its own, so both can be on the node and a MetroXService
 * switches to it by its spec.image, as Tilt's k8s_kind image_json_path does.
 */
function development(name: string, sourceDir: string, entry: string, nodeFlags = ''): Component {
  return {
    dockerfile: 'dev.Dockerfile',
    image: developmentImage(name),
    buildArgs: { NODE_IMAGE: bases.node, SOURCE_DIR: sourceDir, ENTRY: entry, NODE_FLAGS: nodeFlags },
  };
}

/**
 * A stand-in of an upstream platform image (scripts/images/standins/README.md), on the
 * local Debian base, tagged with the upstream reference the manifests name. A stand-in
 * whose software is built from Go modules builds from the context that
 * scripts/images/standins/prepare.sh stages (its binary and files) under .metrox/:
 * build those with scripts/images/standins/build.sh, which stages and then calls build.sh.
 */
function standin(name: string, image: string, context: 'folder' | 'staged'): Component {
  return {
    dockerfile: `scripts/images/standins/${name}/Dockerfile`,
    context: context === 'folder' ? `scripts/images/standins/${name}` : `.metrox/images/standins/${name}`,
    image,
    buildArgs: { DEBIAN_IMAGE: bases.debian },
  };
}

const services = ['transaction', 'payment', 'operations', 'notification'] as const;

export const components: Record<string, Component> = {
  operator: production('operator/Dockerfile', 'operator'),
  ...Object.fromEntries(services.map((name) => [name, production(`services/${name}/Dockerfile`, name)])),
  cipher: production('services/cipher/Dockerfile', 'cipher'),
  'dev-operator': development('operator', 'operator', 'operator/src/main.ts'),
  ...Object.fromEntries(services.map((name) => [`dev-${name}`, development(name, 'services', `services/${name}/src/main.ts`, preload)])),
  'dev-cipher': development('cipher', 'services', 'services/cipher/src/main.ts'),
  postgres: standin('postgres', platformImages.postgres, 'folder'),
  rabbitmq: standin('rabbitmq', platformImages.rabbitmq, 'folder'),
  prometheus: standin('prometheus', platformImages.prometheus, 'staged'),
  alertmanager: standin('alertmanager', platformImages.alertmanager, 'folder'),
  'k8s-sidecar': standin('k8s-sidecar', platformImages.configMapSidecar, 'folder'),
  jaeger: standin('jaeger', platformImages.jaeger, 'staged'),
  'otel-collector': standin('otel-collector', platformImages.otelCollector, 'staged'),
};
