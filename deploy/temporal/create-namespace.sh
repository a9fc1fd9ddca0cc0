#!/bin/sh
# The namespace and Kestrel's search attributes (Keyword), idempotently.
set -eu
ns="${DEFAULT_NAMESPACE:-default}"
temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1 \
  || temporal operator namespace create --namespace "$ns" --retention 7d
for name in KestrelOrganizationId KestrelTaskId KestrelTaskName KestrelTriggerType KestrelRunStatus KestrelRetryOf; do
  temporal operator search-attribute create --namespace "$ns" --name "$name" --type Keyword 2>/dev/null || true
done
