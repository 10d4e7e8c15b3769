#!/usr/bin/env bash
# What deploy-staging.sh did, with kubectl, curl, jq and sleep-based polling:
# the baseline `cargo bench --bench deploy` runs against playbooks/staging.rhai.
#
#   KUBECONFIG=... benches/deploy-staging.sh OVERLAY_DIR [NAMESPACE]
#
# Exit codes as the old script's: 1 pre-checks, 2 deploy, 3 verification, 4 smoke tests.
set -euo pipefail

OVERLAY=${1:?usage: deploy-staging.sh OVERLAY_DIR [NAMESPACE]}
NS=${2:-shop-staging}
TIMEOUT=300      # rollout, seconds
INTERVAL=5       # polling, seconds
RETRIES=10       # pod health checks
MAX_RESTARTS=3
SERVICES=(auth gateway notification user)

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $2"; exit "$1"; }

# --- pre-deployment checks
for tool in kubectl curl jq; do
    command -v "$tool" >/dev/null || die 1 "$tool is not installed"
done
kubectl cluster-info >/dev/null 2>&1 || die 1 "cannot reach the cluster"
kubectl kustomize "$OVERLAY" >/dev/null || die 1 "the overlay $OVERLAY does not render"
if grep -qiE 'CHANGE_ME|TODO|REPLACE_ME|<[^>]+>' "$OVERLAY/secrets.env"; then
    die 1 "placeholders in $OVERLAY/secrets.env"
fi
for s in "${SERVICES[@]}"; do
    if kubectl get deployment "$s" -n "$NS" >/dev/null 2>&1; then
        kubectl get deployment "$s" -n "$NS" >&2
    else
        log "$s: not deployed yet"
    fi
done

# --- deploy
kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS" >/dev/null
kubectl apply -k "$OVERLAY" >&2 || die 2 "kubectl apply failed"

# --- rollout verification: poll each Deployment until updated and ready
for s in "${SERVICES[@]}"; do
    waited=0
    while true; do
        status=$(kubectl get deployment "$s" -n "$NS" -o json)
        desired=$(jq -r '.spec.replicas' <<<"$status")
        updated=$(jq -r '.status.updatedReplicas // 0' <<<"$status")
        ready=$(jq -r '.status.readyReplicas // 0' <<<"$status")
        log "$s: $updated updated, $ready ready of $desired"
        if [[ "$updated" == "$desired" && "$ready" == "$desired" ]]; then
            break
        fi
        (( waited >= TIMEOUT )) && die 2 "$s did not roll out in ${TIMEOUT}s"
        sleep "$INTERVAL"
        waited=$((waited + INTERVAL))
    done
done

# --- pod health: all ready (10 retries, 5 s apart), no crash loops
for i in $(seq 1 "$RETRIES"); do
    pods=$(kubectl get pods -n "$NS" -l tier=service -o json)
    unready=$(jq '[.items[] | select(.status.containerStatuses == null or any(.status.containerStatuses[]; .ready == false))] | length' <<<"$pods")
    [[ "$unready" == 0 ]] && break
    (( i == RETRIES )) && die 3 "$unready pods not ready"
    sleep "$INTERVAL"
done
restarts=$(jq '[.items[].status.containerStatuses[]?.restartCount] | max // 0' <<<"$pods")
(( restarts > MAX_RESTARTS )) && die 3 "a pod restarted $restarts times"

# --- smoke tests: health and readiness of each service through its Service
failed=0
for s in "${SERVICES[@]}"; do
    ip=$(kubectl get service "$s" -n "$NS" -o jsonpath='{.spec.clusterIP}')
    if ! curl -fsS --max-time 5 "http://$ip:8080/health" | jq -e '.status == "healthy"' >/dev/null; then
        log "FAIL $s health"; failed=$((failed + 1))
    fi
    if ! curl -fsS --max-time 5 "http://$ip:8080/ready" >/dev/null; then
        log "FAIL $s ready"; failed=$((failed + 1))
    fi
done
(( failed > 0 )) && die 4 "$failed smoke tests failed"
log "deployment to $NS succeeded"
