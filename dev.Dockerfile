# The development image of a MetroX component: what `tilt up` builds (the Tiltfile's
# metrox_image()) and what scripts/images/build.sh builds as dev-<component>, with the
# same build args. The npm workspaces with production dependencies; TypeScript run
# directly by Node (type stripping, no build step), restarted by `node --watch` when
# live update syncs a changed source file. Build from the repository root, e.g.
#   docker build -f dev.Dockerfile --build-arg SOURCE_DIR=services \
#     --build-arg ENTRY=services/transaction/src/main.ts \
#     --build-arg NODE_FLAGS=--import=@metrox/kit/preload -t ghcr.io/metrox/transaction:dev .
#
#   NODE_IMAGE  the Node.js base image
#   SOURCE_DIR  the sources the image runs, and live update syncs
#   ENTRY       the module Node runs
#   NODE_FLAGS  Node flags before it: the services' telemetry preload, as their
#               production images have it
ARG NODE_IMAGE=docker.io/library/node:24.21.0-alpine
FROM ${NODE_IMAGE}
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci needs the package.json of every workspace the root package.json lists
# (charts/src/tiltfile.test.ts checks the list); only SOURCE_DIR's sources are copied.
COPY services/contracts/package.json services/contracts/
COPY services/telemetry/package.json services/telemetry/
COPY services/kit/package.json services/kit/
COPY services/transaction/package.json services/transaction/
COPY services/payment/package.json services/payment/
COPY services/operations/package.json services/operations/
COPY services/notification/package.json services/notification/
COPY services/cipher/package.json services/cipher/
COPY operator/package.json operator/
COPY charts/package.json charts/
COPY test/package.json test/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
# The shared packages every component imports, whatever SOURCE_DIR is: the telemetry
# package every component logs through (the services by way of the kit, the operator
# directly) and the contracts (events, declarations, the broker topology the operator
# declares). The Tiltfile's SHARED lists the same folders.
COPY --chown=10001:10001 services/telemetry/ services/telemetry/
COPY --chown=10001:10001 services/contracts/ services/contracts/
# Declared after the install, so every component shares its layer.
ARG SOURCE_DIR
ARG ENTRY
ARG NODE_FLAGS=
# Owned by the user the image runs as, so live update can write the files it syncs.
COPY --chown=10001:10001 ${SOURCE_DIR} ${SOURCE_DIR}
USER 10001
ENV METROX_ENTRY=${ENTRY} METROX_NODE_FLAGS=${NODE_FLAGS}
# A shell only to expand the build args; `exec` leaves Node as PID 1, so SIGTERM reaches it.
ENTRYPOINT ["/bin/sh", "-c", "exec node --watch $METROX_NODE_FLAGS \"$METROX_ENTRY\""]
