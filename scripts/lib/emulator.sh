# Sourced by scripts/test and scripts/soak: installs the AWS emulator (moto server: S3, Secrets
# Manager, SSM, KMS, SQS, CloudWatch Logs and metrics, EventBridge; the server extra also brings
# the Lambda and IAM the log-group wiring tests create a function in) into a virtualenv when missing or when
# the pinned spec changed, starts it on a free loopback port, stops it on exit,
# and points the AWS SDK environment at it.
venv="${SLF_VENV:-$PWD/.venv}-moto"
moto_spec='moto[s3,secretsmanager,ssm,kms,sqs,logs,events,server]==5.2.5'
if [ ! -x "$venv/bin/moto_server" ] || [ "$(cat "$venv/.spec" 2>/dev/null)" != "$moto_spec" ]; then
  echo "== installing the AWS emulator ($moto_spec) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "$moto_spec"
  echo "$moto_spec" > "$venv/.spec"
fi

mkdir -p target
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/moto-api/" > /dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/moto-api/" > /dev/null || { echo "moto server did not start; see target/moto.log"; exit 1; }

. scripts/lib/aws_env.sh
point_aws_sdk_at "$port"
