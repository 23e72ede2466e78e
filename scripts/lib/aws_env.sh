# Sourced by the emulator scripts (emulator.sh, localstack.sh): points the AWS SDK environment
# at the emulator listening on 127.0.0.1:$1 with test credentials, and clears the settings
# that would make a test talk to a real Datadog or Lambda.
point_aws_sdk_at() {
  export AWS_ENDPOINT_URL="http://127.0.0.1:$1" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  unset DD_API_KEY DD_API_KEY_SECRET_ARN DD_URL DD_SITE AWS_LAMBDA_RUNTIME_API
}
