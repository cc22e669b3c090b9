#!/usr/bin/env bash
# Runs beside mongod in every member of a database's StatefulSet (the mongo-init
# container): converges the replica set and its users (mongo-converge.js), retrying
# until it is done, then idles. A pod restart converges again, which is how a changed
# password in a Secret reaches the database.
set -euo pipefail

until mongosh --nodb --quiet --norc /scripts/mongo-converge.js; do
    echo "mongo-init: not done yet, trying again in 5 s" >&2
    sleep 5
done
echo "mongo-init: the replica set and its users are in place"

# Bash as PID 1 ignores SIGTERM unless it traps it; without this the pod would wait
# its whole grace period to stop.
trap 'exit 0' TERM
while true; do
    sleep 3600 &
    wait $!
done
