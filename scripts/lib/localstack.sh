# Sourced by scripts/bench-redrive when SLF_SQS_EMULATOR=localstack: LocalStack's own SQS
# (not moto's), whose calls cost the same whatever the queue's depth, where moto's cost in
# proportion to it. Installs localstack-core (every package pinned in localstack-requirements.txt
# beside this file) into a virtualenv when missing or when the pins changed, starts it on the
# host (no Docker) with SQS only on a free loopback port, stops it on exit, and points the AWS
# SDK environment at it.
venv="${SLF_VENV:-$PWD/.venv}-localstack"
requirements=scripts/lib/localstack-requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/.requirements"; then
  # localstack-core 2026.3.0 needs Python 3.13 or later: SLF_PYTHON names one, else the first
  # found on PATH or among pyenv's versions.
  python=
  for candidate in "${SLF_PYTHON:-}" python3 python3.13 "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3; do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
  [ -n "$python" ] || { echo "LocalStack needs Python 3.13 or later: set SLF_PYTHON"; exit 1; }
  echo "== installing LocalStack ($requirements) into $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q -r "$requirements"
  cp "$requirements" "$venv/.requirements"
fi

mkdir -p target
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# OVERRIDE_IN_DOCKER=0: on the host even inside a container, so its files go under
# FILESYSTEM_ROOT, not /var/lib/localstack. LOCALSTACK_HOST with SQS_ENDPOINT_STRATEGY=off: queue
# URLs name this port on loopback (the default's sqs.<region>.localhost.localstack.cloud needs
# DNS). No DNS server, no CloudWatch metrics, no usage events, no log line per request.
env SERVICES=sqs GATEWAY_LISTEN="127.0.0.1:$port" LOCALSTACK_HOST="127.0.0.1:$port" SQS_ENDPOINT_STRATEGY=off \
  OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$PWD/target/localstack" DNS_ADDRESS=0 SQS_DISABLE_CLOUDWATCH_METRICS=1 \
  DISABLE_EVENTS=1 LS_LOG=warn "$venv/bin/python" -m localstack.runtime.main > target/localstack.log 2>&1 &
localstack_pid=$!
# It takes a few seconds to stop: waited for, so nothing is left running.
trap 'kill "$localstack_pid" 2>/dev/null && wait "$localstack_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/_localstack/health" > /dev/null && break
  kill -0 "$localstack_pid" 2>/dev/null || break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/_localstack/health" > /dev/null || { echo "LocalStack did not start; see target/localstack.log"; exit 1; }

. scripts/lib/aws_env.sh
point_aws_sdk_at "$port"
