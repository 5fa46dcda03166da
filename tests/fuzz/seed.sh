#!/usr/bin/env bash
# seed.sh <fuzzer name> <corpus dir>: copies the shared vectors that suit a fuzzer into its corpus.
# The decoder fuzzer reads a slice-size byte first, so its seeds get one prepended. The profile,
# credentials-document, error-type and endpoint fuzzers get hand-written seeds (and the SDK
# harness's error cases).
set -euo pipefail
name=$1 corpus=$2
vectors=${BEDROCK_VECTORS_DIR:?}
case "$name" in
  fuzz_eventstream_decoder | fuzz_stream_core)
    i=0
    while IFS= read -r -d '' f; do
      i=$((i + 1))
      { printf "\\x$(printf %02x $((i % 65)))"; cat "$f"; } >"$corpus/seed_$i"
    done < <(find "$vectors/eventstream" "$vectors/bedrock-streams" "$vectors/recorded" -type f \
               \( -name '*.bin' -o -path '*/encoded/*' -o -path '*/test_data/*' -o -name '*.crc_fixed' \) \
               -size -64k -print0)
    ;;
  fuzz_profile_file)
    # One byte for the file kind (even: config, odd: credentials), then the file.
    seed() { { printf "\\x$1"; cat; } >"$corpus/$2"; }
    seed 00 config_profiles <<'EOF'
# ~/.aws/config
[default]
region = us-west-2 ; trailing comment
output=json#not-a-comment
[profile dev]
region = eu-central-1
services = local
s3 =
  max_concurrent_requests = 20
  endpoint_url = http://localhost:9000 # comment
long = first
  second
[services local]
bedrock_runtime =
  endpoint_url = http://localhost:4566
[not-a-profile]
region = nowhere
EOF
    seed 00 config_sso <<'EOF'
[profile sso-user]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1
[sso-session my-sso]
sso_region = us-east-1
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_registration_scopes = sso:account:access
; semicolon comment
	[profile	tabbed ]
	region=ap-south-1
EOF
    seed 00 config_defaults <<'EOF'
[default]
region = b
extra = 1
[profile default]
region = a
use_dualstack_endpoint = true
use_fips_endpoint = false
[profile assume]
role_arn = arn:aws:iam::123456789012:role/demo
source_profile = default
credential_process = /usr/bin/creds --profile x
[profile with space]
region = nope
[broken
region = dropped
EOF
    printf '\x00[profile a]\r\nregion = us-east-1\r\nx =\r\n  y = z\r\n' >"$corpus/config_crlf"
    seed 01 credentials <<'EOF'
[default]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
[dev]
aws_access_key_id=AKID2
aws_secret_access_key=SECRET2
aws_session_token = token#with-hash ; comment
[profile weird]
aws_access_key_id = ignored
EOF
    ;;
  fuzz_credentials_document)
    # What the container endpoint and IMDS answer (and what they answer when they fail).
    printf '%s' '{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLE","Expiration":"2025-01-15T18:30:45Z","RoleArn":"arn:aws:iam::123456789012:role/task"}' >"$corpus/container"
    printf '%s' '{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","Token":"token","Expiration":"2025-01-15T18:30:45Z","AccountId":"123456789012"}' >"$corpus/pod_identity"
    cat >"$corpus/imds" <<'EOF'
{
  "Code" : "Success",
  "LastUpdated" : "2025-01-15T12:24:45Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIAIMDSEXAMPLE",
  "SecretAccessKey" : "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  "Token" : "IQoJb3JpZ2luX2VjEXAMPLE\u003d\u003d",
  "Expiration" : "2025-01-15T18:43:17.123+00:00"
}
EOF
    printf '%s' '{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role","LastUpdated":"2025-01-15T12:24:45Z"}' >"$corpus/imds_failure"
    printf '%s' '{"AccessKeyId":"A","SecretAccessKey":"","Token":"t","Expiration":"2025-01-15T18:30:45Z"}' >"$corpus/empty_secret"
    printf '%s' '{"AccessKeyId":"A","SecretAccessKey":"s","Token":"t","Expiration":"tomorrow","Nested":{"a":[1,2,{"b":null}]}}' >"$corpus/bad_expiration"
    ;;
  fuzz_error_type)
    # FuzzedDataProvider layout: header and request id as strings ('\' + other char ends one), the
    # body, then from the end one byte (even: status in 100..599) and two status bytes.
    python3 - "$vectors/sdk-behaviour/sdk_harness_results.json" "$corpus" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[2])
def seed(name, status, header, body, request_id="a1b2c3d4-0000-4000-8000-000000000000"):
    esc = lambda s: s.replace("\\", "\\\\").encode()
    n = status - 100
    (out / name).write_bytes(esc(header) + b"\\n" + esc(request_id) + b"\\n" + body.encode()
                             + bytes([n & 0xFF, n >> 8, 0]))
results = json.load(open(sys.argv[1]))["results"]
for case, r in results.items():
    e = r.get("error") if isinstance(r, dict) else None
    if not isinstance(e, dict) or "name" not in e:
        continue
    body = dict(e.get("extra") or {}, message=e.get("message", ""))
    header = e["name"] + ":http://internal.amazon.com/coral/com.amazon.bedrock/" if "errortype" in case else ""
    seed(case, e.get("httpStatusCode", 400), header, json.dumps(body))
seed("dunder_type", 400, "", '{"__type":"com.amazonaws.bedrockruntime#ValidationException:extra","message":"bad"}')
seed("header_and_body", 403, "UnrecognizedClientException", '{"message":"The security token included in the request is invalid."}')
seed("unnamed_503", 503, "", "<html>Service Unavailable</html>")
seed("unnamed_504", 504, "", "")
seed("code_member", 400, "", '{"code":"RequestExpired","Message":"Request has expired."}')
PY
    ;;
  fuzz_endpoint_url)
    for url in https://bedrock-runtime.us-east-1.amazonaws.com https://bedrock-runtime-fips.us-east-1.api.aws \
               HTTPS://127.0.0.1:8443 http://localhost:4566/base/ 'http://[fd00:ec2::254]/latest/api/token' \
               http://169.254.170.2/v2/credentials/abc 'https://[::1]:8443' http://169.254.169.254:80 \
               'https://user@host' 'https://host/path?query=1' 'https://[fe80::1%25eth0]/' https://host:65536; do
      printf '%s' "$url" >"$corpus/$(printf '%s' "$url" | md5sum | cut -c1-12)"
    done
    ;;
  fuzz_sts_answer)
    seed() { cat >"$corpus/$1"; }
    seed assume_role <<'EOF2'
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secret/with+chars</SecretAccessKey>
      <SessionToken>token&amp;more</SessionToken>
      <Expiration>2026-11-30T23:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>
EOF2
    seed web_identity <<'EOF2'
<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA2</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2026-11-30T23:00:00.123Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
EOF2
    seed error <<'EOF2'
<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>
EOF2
    printf '<?xml version="1.0"?><a><Credentials><AccessKeyId>x</AccessKeyId></Credentials>' >"$corpus/truncated"
    ;;
  fuzz_process_output)
    seed() { cat >"$corpus/$1"; }
    seed full <<'EOF2'
{"Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "secret", "SessionToken": "token", "Expiration": "2026-11-30T23:00:00Z"}
EOF2
    seed long_term <<'EOF2'
{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}
EOF2
    seed wrong_version <<'EOF2'
{"Version":2,"AccessKeyId":"AKIA","SecretAccessKey":"s"}
EOF2
    printf '%s' '/usr/bin/aws-vault export --format=json "my profile" '"'"'single quoted'"'"' a\ b' >"$corpus/command_line"
    ;;
  *)
    # Model fuzzers: JSON bodies from the recorded responses and the SDK harness, and the
    # generator's samples of the shape the fuzzer reads (it fails on a fuzzer it has no seeds for).
    python3 "$(dirname "$0")/../../tools/codegen/fuzz_seeds.py" "$name" "$corpus" >/dev/null
    ;;
esac
# A fuzzer that starts from nothing explores little: no seeds is an error.
count=$(find "$corpus" -type f | wc -l)
if [ "$count" -eq 0 ]; then
  echo "seed.sh: no seeds for $name" >&2
  exit 1
fi
echo "$name: $count seeds"

