#!/usr/bin/env bash
# Creates every Secret the manifests read, in the namespace ticketing, with random
# values from openssl (docs/operations.md, Deploy). A Secret that already exists is kept: its
# passwords may already be in a database. To replace one, delete it first and restart
# what reads it (docs/operations.md, "Rotating a secret").
#
# Usage: infra/create-secrets.sh [--members N] [--stripe-secret-key sk_...]
#          [--stripe-publishable-key pk_...] [--stripe-webhook-secret whsec_...]
#   --members N   MongoDB members per database: 1 for a local cluster (default), 3 for
#                 production. Each service's MONGO_URL names them all.
#   The Stripe keys (same account, same mode) may also come from STRIPE_SECRET_KEY,
#   STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET (the signing secret of the
#   webhook endpoint https://<host>/api/payments/webhooks/stripe in the Dashboard).
# NAMESPACE (default ticketing) and KUBECTL (default kubectl) may be set.
set -euo pipefail

NAMESPACE=${NAMESPACE:-ticketing}
KUBECTL=${KUBECTL:-kubectl}
MEMBERS=1
STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY:-}
STRIPE_PUBLISHABLE_KEY=${STRIPE_PUBLISHABLE_KEY:-}
STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-}

# The services with a database of their own, and those on the event bus.
DATABASE_SERVICES=(auth tickets orders expiration payments)
EVENT_SERVICES=(auth tickets orders expiration payments)

usage() {
    sed -n '7,14p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "create-secrets: $*" >&2
    exit 2
}

while (($#)); do
    case $1 in
        --members) MEMBERS=${2:?--members needs a number}; shift 2 ;;
        --stripe-secret-key) STRIPE_SECRET_KEY=${2:?}; shift 2 ;;
        --stripe-publishable-key) STRIPE_PUBLISHABLE_KEY=${2:?}; shift 2 ;;
        --stripe-webhook-secret) STRIPE_WEBHOOK_SECRET=${2:?}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument $1" ;;
    esac
done
[[ $MEMBERS =~ ^[1-7]$ ]] || die "--members must be 1 to 7 (a replica set has at most 7 voting members)"
[[ -n $STRIPE_SECRET_KEY && -n $STRIPE_PUBLISHABLE_KEY && -n $STRIPE_WEBHOOK_SECRET ]] ||
    die "the Stripe keys are needed: --stripe-secret-key sk_... --stripe-publishable-key pk_... --stripe-webhook-secret whsec_... (or STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET)"
command -v openssl >/dev/null || die "openssl is needed"

# Values reach kubectl through files in a private directory, never on a command line
# (which any local user can read in the process list).
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Hex: safe in a URL and in a NATS configuration without quoting.
random() {
    openssl rand -hex "$1"
}

# create_secret NAME KEY=VALUE...
create_secret() {
    local name=$1
    shift
    if "$KUBECTL" --namespace "$NAMESPACE" get secret "$name" >/dev/null 2>&1; then
        echo "kept    secret/$name (it exists)"
        return
    fi
    local from_files=() pair key
    for pair in "$@"; do
        key=${pair%%=*}
        printf '%s' "${pair#*=}" >"$work/$key"
        from_files+=("--from-file=$key=$work/$key")
    done
    "$KUBECTL" --namespace "$NAMESPACE" create secret generic "$name" "${from_files[@]}" >/dev/null
    rm -f "$work"/*
    echo "created secret/$name"
}

# Signs the session cookies: 32 random bytes, as hex (64 characters).
create_secret jwt-secret JWT_KEY="$(random 32)"
create_secret stripe-secret STRIPE_KEY="$STRIPE_SECRET_KEY" STRIPE_PUBLISHABLE_KEY="$STRIPE_PUBLISHABLE_KEY" \
    STRIPE_WEBHOOK_SECRET="$STRIPE_WEBHOOK_SECRET"

# One NATS password per service, under the service's name, and the operator's (for
# people and tools that manage the stream; no service connects as it).
passwords=("operator=$(random 24)")
for service in "${EVENT_SERVICES[@]}"; do
    passwords+=("$service=$(random 24)")
done
create_secret nats-credentials "${passwords[@]}"

for service in "${DATABASE_SERVICES[@]}"; do
    # Every member, by its stable name under the database's headless Service.
    hosts=
    for ((member = 0; member < MEMBERS; member++)); do
        hosts+="${hosts:+,}$service-mongo-$member.$service-mongo-srv:27017"
    done
    # The service's own user, created by the database's mongo-init in the service's
    # own database, with readWrite there only.
    password=$(random 24)
    create_secret "$service-mongo-credentials" password="$password" \
        MONGO_URL="mongodb://$service:$password@$hosts/$service?replicaSet=rs0&authSource=$service"
    # The root user's password, and the keyfile the members authenticate each other
    # with (base64, at most 1024 characters).
    create_secret "$service-mongo-root" password="$(random 24)" \
        keyfile="$(openssl rand -base64 756 | tr -d '\n')"
done
